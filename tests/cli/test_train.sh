#!/bin/sh
# Trainer mode (kiosk --demo, tui/screens/scr_train.c) in script mode: every scenario
# of kiosk-config/demo/scenarios.ini played right and played wrong, each play's
# score checked in the demo database (training_results) and on the score
# sheet; the trainer's controls (gateway failure, PIN lock); resuming,
# replaying and ending a session; and that demo mode leaves the real database
# byte-for-byte unchanged. The key scripts are generated from scenarios.ini
# and services.ini, so a scenario added there is played here too.
. tests/cli/screens.sh

SCN=kiosk-config/demo/scenarios.ini
SVC=kiosk-config/services.ini

# sv ID KEY: the value of KEY in [scenario ID]; svc ID KEY: in [service ID].
ini_get() {
	awk -v s="$1" -v k="$2 = " '$0 == s { p = 1; next } /^\[/ { p = 0 }
		p && index($0, k) == 1 { print substr($0, length(k) + 1); exit }' "$3"
}
sv() { ini_get "[scenario $1]" "$2" "$SCN"; }
svc() { ini_get "[service $1]" "$2" "$SVC"; }
IDS=$(awk '/^\[scenario / { s = $2; sub(/\]$/, "", s); print s }' "$SCN")
N=$(echo "$IDS" | wc -l)

# The stop screen lists STOP_REASONS (core/train/scenario.h) without "none", then
# abandoning.
REASONS="key_mismatch outside_window expired_renew_as_new seal_too_short cert_expired key_missing pin_locked uscc_invalid"
reason_ix() { i=0; for r in $REASONS; do [ "$r" = "$1" ] && echo $i && return; i=$((i + 1)); done; echo 99; }
reason_at() { i=0; for r in $REASONS; do [ "$i" = "$1" ] && echo "$r" && return; i=$((i + 1)); done; }
downs() { i=0; while [ "$i" -lt "$1" ]; do printf 'key Down\n'; i=$((i + 1)); done; }

# party ID [USCC]: the application as the brief gives it (the trainee types it).
party_of() {
	printf 'type %s\nkey Enter\ntype %s\nkey Enter\ntype %s\nkey Enter\ntype %s\nkey Enter\ntype %s\n' \
		"$(sv "$1" unit_name)" "${2:-$(sv "$1" uscc)}" "$(sv "$1" agent_name)" \
		"$(sv "$1" agent_id_no)" "$(sv "$1" agent_mobile)"
}
# details_done ID: the Enters from the last form field through the case's own
# fields (holder, years and, with a seal fee, seals) to the end of the screen.
details_done() {
	fees=$(svc "$(sv "$1" service)" fees)
	n=1
	[ -n "$fees" ] && n=3
	case "$fees" in *seal*) n=4 ;; esac
	i=0
	while [ "$i" -lt "$n" ]; do printf 'key Enter\n'; i=$((i + 1)); done
}
# marks ID [all|first]: each material of the service, in its order, marked as
# brought (received F5, missing F6, otherwise defective F7 with the reason);
# "all": all received; "first": the first one marked missing.
marks() {
	k=0
	for m in $(svc "$(sv "$1" service)" materials | tr ',' ' '); do
		b=$(sv "$1" "material.$m")
		[ "$2" = all ] && b=received
		[ "$2" = first ] && [ "$k" = 0 ] && b=missing
		k=$((k + 1))
		case "$b" in
		received) printf 'key F5\n' ;;
		missing) printf 'key F6\n' ;;
		*) printf 'key F7\ntype %s\nkey Enter\n' "$b" ;;
		esac
	done
}
# decide [DOWNS]: commit the checklist, move from the preselected decision,
# confirm it.
decide() { printf 'key Enter\n'; downs "${1:-0}"; printf 'key Enter Enter\n'; }
# stop_with IX: F8, the IX-th choice of the stop screen, confirmed.
stop_with() { printf 'key F8\n'; downs "$1"; printf 'dump\nkey Enter Enter\n'; }
# back_to_list: from wherever the case is, back to the scenario list (Esc
# goes a step back at a time until the first, then home).
back_to_list() { printf 'key Esc Esc Esc Esc\nkey F6\n'; }

# play_right ID: the play a careful clerk makes.
play_right() {
	party_of "$1"
	details_done "$1"
	exp=$(sv "$1" expected)
	if [ "$exp" = stop ]; then
		r=$(sv "$1" expected_reason)
		# the renewal of an expired certificate asks to open a new case: not now
		[ "$r" = expired_renew_as_new ] && printf 'type n\n'
		stop_with "$(reason_ix "$r")"
	else
		marks "$1"
		decide 0
		back_to_list
	fi
}
# play_wrong ID: a wrong play. Accept expected: the first material marked
# missing, and the decision the checklist then calls for; rongque expected:
# the materials as brought, then 不予受理; refuse expected: everything marked
# received and 受理. A stop scenario: stopped with the next reason.
play_wrong() {
	party_of "$1"
	details_done "$1"
	exp=$(sv "$1" expected)
	case "$exp" in
	accept) marks "$1" first; decide 0; back_to_list ;;
	rongque) marks "$1"; decide 1; back_to_list ;;
	refuse) marks "$1" all; decide 0; back_to_list ;;
	stop)
		r=$(sv "$1" expected_reason)
		[ "$r" = expired_renew_as_new ] && printf 'type n\n'
		stop_with $(( ($(reason_ix "$r") + 1) % 8 )) ;;
	esac
}
# what a wrong play decides (the score word)
wrong_word() {
	case "$(sv "$1" expected)" in
	accept)
		s=$(sv "$1" service)
		first=$(svc "$s" materials | cut -d, -f1)
		if svc "$s" essential | tr -d ' ' | tr ',' '\n' | grep -qx "$first" || [ "$(svc "$s" rongque)" = no ]; then
			echo refuse
		else
			echo rongque
		fi ;;
	rongque) echo refuse ;;
	refuse) echo accept ;;
	stop) echo "stop:$(reason_at $(( ($(reason_ix "$(sv "$1" expected_reason)") + 1) % 8 )))" ;;
	esac
}
expected_word() {
	if [ "$(sv "$1" expected)" = stop ]; then echo "stop:$(sv "$1" expected_reason)"; else sv "$1" expected; fi
}
# sheet: the score sheet (F7), every page of it dumped, then Esc.
sheet() { printf 'key F7\ndump\n'; i=0; while [ "$i" -lt 12 ]; do printf 'key PgDn\ndump\n'; i=$((i + 1)); done; printf 'key Esc\ndump\n'; }

# ---- one session: every scenario played right, in list order ----
{ login; printf 'key F6\ndump\n'
  k=0
  for id in $IDS; do
	[ "$k" -gt 0 ] && printf 'key Down\n'
	printf 'key Enter\ndump\n'
	play_right "$id"
	printf 'dump\n'
	k=$((k + 1))
  done
  sheet; } > "$T/right.keys"
run right
for id in $IDS; do
	equal "right $id: scored correct" \
		"$(sql right "SELECT expected || '|' || decided || '|' || correct || '|' || length(missed) FROM training_results WHERE scenario_id = '$id'")" \
		"$(expected_word "$id")|$(expected_word "$id")|1|0"
	seen right "right $id: ✓ on the score sheet" "✓ $(sv "$id" title.zh_CN)"
done
equal "right: one row per scenario, one session" \
	"$(sql right "SELECT count(*) || '/' || count(DISTINCT scenario_id) || '/' || count(DISTINCT session_no) || '/' || min(session_no) FROM training_results")" \
	"$N/$N/1/TR-20261121-01"
equal "right: each play on its own case" "$(sql right "SELECT count(DISTINCT case_no) FROM training_results")" "$N"
equal "right: stopped scenarios' cases cancelled" \
	"$(sql right "SELECT count(*) FROM training_results r JOIN cases c ON c.case_no = r.case_no WHERE r.expected LIKE 'stop:%' AND c.status <> 'cancelled'")" "0"
equal "right: the trainee is the one signed in" "$(sql right "SELECT DISTINCT trainee FROM training_results")" "demo01"
equal "right: each score audited" "$(sql right "SELECT count(*) FROM audit WHERE action = 'training.result'")" "$N"
seen right "right: totals on the sheet" "正确 $N / 已练 $N（共 $N 个场景）"
seen right "right: the list shows the brief" "客户说：“我们单位的政采证书下个月到期"
seen right "right: the list shows what to type" "统一社会信用代码 91510700MA62Q8TU37"
seen right "right: a blank key for a new certificate" "写 Key 时按 F5，选择库存空白 Key SC-DEMO-0006"
seen right "right: the banner during a play" "场景 1/$N：政采证书到期前更新（材料齐全）"
seen right "right: the stop screen lists the reasons" "▶ +Key 上的单位与申请不一致"
seen right "right: the kiosk's reason beside them" "系统提示：证书还有300天到期，更新自2027-07-19起方可办理"
seen right "right: a stop's result on the list" "✓ 正确：停办（未到更新期）"
seen right "right: earlier sessions listed" "TR-20261121-01　学员 demo01　正确 $N/$N"
expect "right: audit chain verifies" 0 "^OK" "$KIOSKCTL" audit verify --db "$T/right.d/demo.db"

# ---- one session: every scenario played wrong ----
{ login; printf 'key F6\n'
  k=0
  for id in $IDS; do
	[ "$k" -gt 0 ] && printf 'key Down\n'
	printf 'key Enter\n'
	play_wrong "$id"
	printf 'dump\n'
	k=$((k + 1))
  done
  sheet; } > "$T/wrong.keys"
run wrong
for id in $IDS; do
	equal "wrong $id: scored wrong" \
		"$(sql wrong "SELECT expected || '|' || decided || '|' || correct FROM training_results WHERE scenario_id = '$id'")" \
		"$(expected_word "$id")|$(wrong_word "$id")|0"
	equal "wrong $id: what was missed ends with the teaching point" \
		"$(sql wrong "SELECT missed FROM training_results WHERE scenario_id = '$id'" | tail -n 1)" \
		"要点：$(sv "$id" teach.zh_CN)"
	seen wrong "wrong $id: ✗ on the score sheet" "✗ $(sv "$id" title.zh_CN)"
done
seen wrong "wrong: expected and decided in words" "应为：停办（未到更新期）　实际：停办（证书已过期，按新办办理）"
seen wrong "wrong: a wrong outcome named" "应为「受理」，实际为「不予受理」"
equal "wrong: a material brought marked missing" \
	"$(sql wrong "SELECT missed LIKE '%申请表》原件」：合格，应记为「已收」，却记为「缺」%' FROM training_results WHERE scenario_id = 'renew_ok'")" "1"
seen wrong "wrong: a wrong reason named" "停办原因应为「未到更新期」，实际为「证书已过期，按新办办理」"
equal "wrong: a material marked otherwise" \
	"$(sql wrong "SELECT missed LIKE '%申请表》原件」：未加盖单位鲜章，应记为「有缺陷」，却记为「已收」%' FROM training_results WHERE scenario_id = 'new_form_no_seal'")" "1"
seen wrong "wrong: the material on the sheet" "材料「《企业机构数字证书及印章业务申请表》原件」"
seen wrong "wrong: totals" "正确 0 / 已练 $N（共 $N 个场景）"
seen wrong "wrong: the result on the list" "✗ 错误："

# ---- other right and wrong ways ----
ix() { echo "$IDS" | awk -v id="$1" '$0 == id { print NR - 1 }'; }
# one NAME ID: a run that plays scenario ID with the keys on stdin, then the sheet
one() {
	{ login; printf 'key F6\n'; downs "$(ix "$2")"; printf 'key Enter\n'; cat; printf 'dump\n'; sheet; } > "$T/$1.keys"
	run "$1"
}
score_of() { sql "$1" "SELECT decided || '|' || correct FROM training_results WHERE scenario_id = '$2'"; }

# renew_expired, right: the trainee takes the renewal as a new case when asked
{ party_of renew_expired; details_done renew_expired; printf 'dump\nkey Enter\ndump\n'; back_to_list; } | one as_new renew_expired
seen as_new "as new: the kiosk offers a new case" "过期，按新办办理"
equal "as new: scored as the right stop" "$(score_of as_new renew_expired)" "stop:expired_renew_as_new|1"
equal "as new: the renewal cancelled, the new case open" \
	"$(sql as_new "SELECT group_concat(service_id || ':' || status, ',') FROM (SELECT * FROM cases ORDER BY id)")" \
	"zc.renew:cancelled,zc.new:open"
equal "as new: scored on the renewal's case" \
	"$(sql as_new "SELECT c.service_id FROM training_results r JOIN cases c ON c.case_no = r.case_no")" "zc.renew"
seen as_new "as new: the banner stays on the new case" "场景 $(( $(ix renew_expired) + 1 ))/$N：证书已过期，要求更新.*"
seen as_new "as new: what was typed goes with it" "单位名称 +成都天府示例商贸有限公司"

# change_ok, wrong: the former name on the key taken for a mismatch
{ party_of change_ok; details_done change_ok; stop_with 0; } | one change_mismatch change_ok
equal "change_ok taken for a mismatch: wrong" "$(score_of change_mismatch change_ok)" "stop:key_mismatch|0"
seen change_mismatch "change_ok taken for a mismatch: named" "应为「受理」，实际为「停办（Key 上的单位与申请不一致）」"

# unlock_ok, wrong: the locked PIN taken for a reason to stop
{ party_of unlock_ok; details_done unlock_ok; stop_with 6; } | one unlock_stop unlock_ok
equal "unlock_ok stopped for the PIN: wrong" "$(score_of unlock_stop unlock_ok)" "stop:pin_locked|0"

# renew_ok, wrong: the form marked defective → refused
{ party_of renew_ok; details_done renew_ok; printf 'key F7\ntype 无鲜章\nkey Enter\nkey F5 F5\n'; decide 0; back_to_list; } | one renew_mark renew_ok
equal "renew_ok with the form marked defective: wrong" "$(score_of renew_mark renew_ok)" "refuse|0"
equal "renew_ok with the form marked defective: the mark missed, outcome and teach" \
	"$(sql renew_mark "SELECT (missed LIKE '应为「受理」，实际为「不予受理」%') || (missed LIKE '%申请表》原件」：合格，应记为「已收」，却记为「有缺陷」%') FROM training_results")" "11"

# new_rongque, wrong: the missing licence copy marked received → accepted
{ party_of new_rongque; details_done new_rongque; marks new_rongque all; decide 0; back_to_list; } | one rongque_all new_rongque
equal "new_rongque accepted with everything marked received: wrong" "$(score_of rongque_all new_rongque)" "accept|0"
equal "new_rongque: the unmarked-as-missing material named" \
	"$(sql rongque_all "SELECT missed LIKE '%单位证照复印件」：未带来，应记为「缺」，却记为「已收」%' FROM training_results")" "1"

# new_rongque, right marks but the decision left before the checklist is done:
# F8 abandons → cancel
{ party_of new_rongque; details_done new_rongque; printf 'key F5\n'; stop_with 8; } | one rongque_cancel new_rongque
equal "new_rongque abandoned: wrong" "$(score_of rongque_cancel new_rongque)" "cancel|0"
equal "new_rongque abandoned: the marks recorded so far scored" \
	"$(sql rongque_cancel "SELECT (missed LIKE '%经办人有效身份证复印件」：未核对%') || (missed NOT LIKE '%申请表》原件」%') FROM training_results")" "11"
equal "new_rongque abandoned: the case cancelled" "$(sql rongque_cancel "SELECT status FROM cases")" "cancelled"

# renew_pin_locked, wrong: the renewal accepted with the PIN locked
{ party_of renew_pin_locked; details_done renew_pin_locked; marks renew_pin_locked; decide 0; back_to_list; } | one pin_accept renew_pin_locked
equal "renew_pin_locked accepted: wrong" "$(score_of pin_accept renew_pin_locked)" "accept|0"

# new_uscc_check, wrong: the trainee "corrects" the code and goes on
{ party_of new_uscc_check 91510105MA6H2M5T3J; details_done new_uscc_check; marks new_uscc_check; decide 0; back_to_list; } | one uscc_fixed new_uscc_check
equal "new_uscc_check typed with another code: wrong" "$(score_of uscc_fixed new_uscc_check)" "accept|0"
{ party_of new_uscc_check; details_done new_uscc_check; printf 'dump\n'; stop_with 7; } | one uscc_stop new_uscc_check
seen uscc_stop "new_uscc_check: the form names the check character" "第18位校验码应为“J”"

# key_mismatch, wrong: abandoned without a reason
{ party_of key_mismatch; details_done key_mismatch; printf 'dump\n'; stop_with 8; } | one mismatch_cancel key_mismatch
seen mismatch_cancel "key_mismatch: the kiosk shows the mismatch" "所属机构与key信息不一致"
equal "key_mismatch abandoned: wrong" "$(score_of mismatch_cancel key_mismatch)" "cancel|0"

# ---- the trainer's controls, resuming, replaying, ending ----
# F11 fails the gateway's next answer; the play goes on to the slip with its
# one score.
{ login; printf 'key F6\nkey Enter\n'; party_of renew_ok; details_done renew_ok; marks renew_ok
  printf 'key Enter\ndump\nkey Enter Enter\n'; printf 'key Enter Enter\nkey F11\ndump\nkey F5\ndump\nkey Enter\ndump\nkey Enter\ndump\n'; } > "$T/controls.keys"
run controls
# F12 locks the PIN of the key in the reader: the details flag it, and the
# demo key stops the renewal as the real one does (nothing written).
{ login; printf 'key F6\nkey Enter\n'; party_of renew_ok; printf 'key F12\ndump\n'; details_done renew_ok; marks renew_ok
  printf 'key Enter\ndump\nkey Enter Enter\n'; printf 'key Enter Enter\ndump\n'; } > "$T/pinlock.keys"
run pinlock
seen pinlock "F12: the key's PIN locked" "培训师：读卡器中 Key SC-DEMO-0002 的 PIN 已锁定"
seen pinlock "a locked PIN is flagged on the details" "用户密码已锁定（错误次数已用完）"
seen pinlock "a locked PIN stops the renewal" "Key SC-DEMO-0002 的用户密码已锁定：本业务写入后"
equal "pinlock: no token step recorded" "$(sql pinlock "SELECT count(*) FROM case_steps WHERE step = 'token'")" "0"
seen controls "F11: the gateway's next answer fails" "培训师：收款网关的下一次应答将出错"
seen controls "F11: the payment screen shows the failure" "微信支付暂时无法处理"
seen controls "after the failure the payment goes through" "受理回执"
equal "controls: the case completed" "$(sql controls "SELECT status FROM cases")" "completed"
equal "controls: scored once, at the decision" "$(sql controls "SELECT count(*) || '|' || min(decided) FROM training_results")" "1|accept"
seen controls "controls: offered during a play" "F8 撤销业务  F11 网关故障"

# A case that is not a scenario's: no trainer controls, nothing scored.
{ login; pick 0; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter\nkey F11\ndump\nkey F8\ndump\n'; } > "$T/plain.keys"
run plain
unseen plain "plain case: no trainer controls" "F11|F12|网关故障"
seen plain "plain case: F8 is the plain cancel" "确定撤销本笔业务吗"
equal "plain case: nothing scored" "$(sql plain "SELECT count(*) FROM training_results")" "0"

# Esc leaves the case; the list resumes it with what was typed; another
# scenario waits until it is finished; a played one is not played twice; F7
# with a play unfinished asks and scores it abandoned; the next session has
# the next number.
{ login; printf 'key F6\nkey Enter\ntype 绵阳\nkey Esc\nkey F6\ndump\nkey Down\nkey Enter\ndump\nkey Up\nkey Enter\ndump\n'
  printf 'key Esc\nkey F6\nkey F7\ndump\nkey Enter\ndump\nkey Esc\nkey F6\ndump\nkey Enter\ndump\n'; } > "$T/flow.keys"
run flow
seen flow "flow: the scenario in play marked" "▶ …  1. 政采证书到期前更新"
seen flow "flow: another waits" "有场景尚未办完（列表中标 … 者）"
seen flow "flow: Enter resumes with what was typed" "单位名称 +绵阳"
seen flow "flow: F7 asks before abandoning" "现在结束将记为“放弃"
equal "flow: the unfinished play scored abandoned, its case cancelled" \
	"$(sql flow "SELECT r.decided || '|' || r.correct || '|' || c.status FROM training_results r JOIN cases c ON c.case_no = r.case_no")" "cancel|0|cancelled"
seen flow "flow: a new session after the score sheet" "培训场次 TR-20261121-02"
equal "flow: a new session plays it again on a new case" \
	"$(sql flow "SELECT group_concat(status, ',') FROM (SELECT status FROM cases ORDER BY id)")" "cancelled,open"
{ login; printf 'key F6\n'; downs "$(ix renew_too_early)"; printf 'key Enter\n'; play_right renew_too_early
  printf 'key Enter\ndump\n'; } > "$T/again.keys"
run again
seen again "again: a played scenario is not played twice in a session" "本场次已练过该场景"
equal "again: one row" "$(sql again "SELECT count(*) FROM training_results")" "1"

# English: the list and the score sheet in the configured language
cp -r kiosk-config "$T/cfg_en"
sed -i 's/^language *=.*/language = en/' "$T/cfg_en/kiosk.ini"
{ login; printf 'key F6\ndump\nkey Enter\n'; play_right renew_ok; printf 'key F7\ndump\n'; } > "$T/english.keys"
rm -rf "$T/english.d"
KIOSK_CONFIG="$T/cfg_en" KIOSK_SCRIPT="$T/english.keys" timeout 20 "$KIOSK" --demo --data-dir "$T/english.d" >"$T/english.out" 2>"$T/english.err"
equal "english: kiosk exited cleanly" "$?$(cat "$T/english.err")" "0"
seen english "english: the brief" "The customer says: \"Our procurement certificate"
seen english "english: the score sheet" "Expected: accept  decided: accept"

# ---- the real database is never opened ----
mkdir -p "$T/real"
echo 975310 | "$KIOSKCTL" staff add --id s1 --name 李四 --role supervisor --db "$T/real/kiosk.db" >/dev/null 2>&1
printf '975310\n246810\n' | "$KIOSKCTL" staff add --id c1 --name 张三 --role clerk --db "$T/real/kiosk.db" --by s1 >/dev/null 2>&1
cp -r kiosk-config "$T/cfg_real"
sed -i "s|^data_dir *=.*|data_dir = $T/real|" "$T/cfg_real/kiosk.ini"
for f in "$T/real/kiosk.db" "$T/real/kiosk.db-wal" "$T/real/kiosk.db-shm"; do
	[ -e "$f" ] && cp "$f" "$f.before"
done
(cd "$T/real" && find . -type f ! -name '*.before' | sort | xargs sha256sum) > "$T/real.before"
{ login; printf 'key F6\nkey Enter\n'; play_right renew_ok; printf 'key Esc\nkey Enter\nkey Enter Enter\nkey F5\ndump\n'; } > "$T/real.keys"
KIOSK_CONFIG="$T/cfg_real" KIOSK_SCRIPT="$T/real.keys" timeout 20 "$KIOSK" --demo >"$T/real.out" 2>"$T/real.err"
equal "real: demo kiosk exited cleanly" "$?$(cat "$T/real.err")" "0"
seen real "real: the demo case went to its slip" "受理回执"
for f in "$T/real/kiosk.db" "$T/real/kiosk.db-wal" "$T/real/kiosk.db-shm"; do
	if [ -e "$f.before" ]; then same "real: $(basename "$f") byte-for-byte unchanged" "$f.before" "$f"
	else truth "real: no $(basename "$f") made" test ! -e "$f"; fi
done
(cd "$T/real" && find . -type f ! -name '*.before' ! -path './demo/*' | sort | xargs sha256sum) > "$T/real.after"
same "real: nothing outside <data_dir>/demo written" "$T/real.before" "$T/real.after"
equal "real: the demo database under <data_dir>/demo" \
	"$(sqlite3 "$T/real/demo/demo.db" "SELECT scenario_id || '|' || correct FROM training_results")" "renew_ok|1"
equal "real: the real database has no demo case and no score" \
	"$(sqlite3 "$T/real/kiosk.db" "SELECT (SELECT count(*) FROM cases) || '|' || (SELECT count(*) FROM training_results)")" "0|0"
