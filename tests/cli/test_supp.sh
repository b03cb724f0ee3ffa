#!/bin/sh
# 容缺补交 and 好差评 at the kiosk (demo mode, script mode; issue 13, points 2
# and 14), all runs on one data directory:
# - two 容缺 cases accepted on 2026-11-21 (the licence copy to follow, due
#   2026-12-21); the first rated 不满意 at its slip (F6), a 差评 due 15
#   working days later (2026-12-11), the second 满意;
# - the clerk finds the first with the home finder (F3, unit name), Enter
#   takes it to the supplement: marked missing, nothing is recorded and the
#   screen says what is still owed; marked received, Enter completes it and
#   prints the 容缺补交回执 (the original case number, what was received and
#   when); the supervisor's 容缺 list then holds only the second;
# - after the deadline (2026-12-25) the second, picked from F7's list of every
#   case still owed (marked overdue), needs a supervisor: a wrong PIN records
#   nothing; the supervisor's id, PIN and reason complete it, and its slip
#   says so;
# - the supervisor's 差评 tab lists the first with its due day; Enter, what
#   was done, Enter: followed up; kioskctl rating list and the CSV, the
#   case's timeline and the audit chain agree.
. tests/cli/screens.sh
D="$T/supp.d"

krun() {
	KIOSK_SCRIPT="$T/$1.keys" timeout 30 "$KIOSK" --demo --data-dir "$D" >"$T/$1.out" 2>"$T/$1.err"
	rc=$?
	if [ $rc = 0 ] && [ ! -s "$T/$1.err" ]; then echo "PASS $1: kiosk exited cleanly"; else
		echo "FAIL $1: kiosk exit $rc"; sed 's/^/    ! /' "$T/$1.err" | head; fi
}
q() { sqlite3 "$D/demo.db" "$1"; }
# rongque UNIT USCC: a 政采 new certificate accepted 容缺 (the licence copy missing), at its slip
rongque() {
	pick 7; party "$1" "$2"
	printf 'key Enter Enter Enter Enter\nkey F5 F6 F5\nkey Enter\nkey Enter Enter\n'; keyin 6
	printf 'key Enter Enter\nkey F5\n'
}
NO1=SCCA-CD-01-20261121-0001
NO2=SCCA-CD-01-20261121-0002

# ---- two 容缺 cases, rated at their slips ----
{ login; rongque 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'dump\nkey F6\ndump\nkey Down Down Down\ntype 等候时间太长\nkey Enter\ndump\nkey F6\ndump\nkey Enter\n'; } >"$T/seed1.keys"
krun seed1
{ login; rongque 成都锦城示例科技有限公司 91510100MA61XY3K4K
  printf 'key F6\nkey Down\nkey Enter\nkey Enter\n'; } >"$T/seed2.keys"
krun seed2
equal "seed: two 容缺 cases owed" "$(q "SELECT group_concat(status || '/' || last_step, ' ') FROM cases")" \
	"rongque/slip rongque/slip"
seen seed1 "rating: the slip says it is not rated yet" "客户评价：未评价（F6 记录客户评价）"
seen seed1 "rating: F6 offers the five levels and none" "▶ 非常满意"
seen seed1 "rating: … 非常不满意 …" "非常不满意"
seen seed1 "rating: a 差评 says its follow-up day" "已记录客户评价：不满意。这是差评，值班主管须于 2026-12-11 前回访处理。"
seen seed1 "rating: the slip shows it" "客户评价：不满意（差评，须于 2026-12-11 前回访处理）"
seen seed1 "rating: once per case (F6 again says so)" "一次一评：本业务已评价，不能再评。客户评价：不满意（差评"
equal "rating: stored with the customer's words and its due day (15 working days)" \
	"$(q "SELECT r.level || '/' || r.comment || '/' || date(r.due_day * 86400, 'unixepoch') FROM ratings r JOIN cases c ON c.id = r.case_id WHERE c.case_no = '$NO1'")" \
	"dissatisfied/等候时间太长/2026-12-11"
equal "rating: the second 满意, no follow-up" \
	"$(q "SELECT r.level || '/' || coalesce(r.due_day, '-') FROM ratings r JOIN cases c ON c.id = r.case_id WHERE c.case_no = '$NO2'")" \
	"satisfied/-"
equal "rating: audited once each" "$(q "SELECT count(*) FROM audit WHERE action = 'case.rating'")" "2"

# ---- the supervisor's lists before ----
{ login demosup 975310; printf 'key F4\ndump\nkey Right Right Right\ndump\nkey Left Left Left Left Left\ndump\n'; } >"$T/view1.keys"
krun view1
seen view1 "day view: 容缺 owed 2" "容缺待补 2"
seen view1 "day view: the summary counts the 差评 waiting for a follow-up" "差评待回访 1"
seen view1 "day view: 容缺 tab lists the first" "$NO1 2026-12-21"
seen view1 "day view: 容缺 tab lists the second" "$NO2 2026-12-21"
seen view1 "day view: 差评 tab lists the 差评 with its due day" "$NO1 +不满意 +2026-12-11 待回访"
unseen view1 "day view: a 满意 is no 差评" "$NO2 +满意"

# ---- the first brought back in time: found with F3 at home ----
{ login; printf 'key F3\ntype 成都测试\nkey Enter\ndump\nkey Enter\ndump\nkey F6\nkey Enter\ndump\n'
  printf 'key F5\nkey Enter\ndump\nkey Enter\ndump\n'; } >"$T/supp1.keys"
krun supp1
seen supp1 "find: the home finder finds the 容缺 case" "▶ $NO1"
seen supp1 "supplement: Enter on it opens the supplement" "容缺受理于 2026-11-21，补交期限 2026-12-21"
# a long line wraps whole words: "F6" is not cut into "F" and "6", and no
# row starts with a comma (draw_wrapped's 禁则)
seen supp1 "wrapping: the row ends before a key name, not inside it" "核验客户补交的资料（F5 已收取，$"
seen supp1 "wrapping: the key name starts the next row whole" "^  F6 缺失，F7 有缺陷），全部收齐后按 Enter 办结。"
seen supp1 "supplement: what was received at acceptance is not asked again" "受理时已收 +《企业机构数字证书及印章业务申请表》原件"
seen supp1 "supplement: the owed material to check" "未核验 +单位证照复印件 （容缺）"
seen supp1 "supplement: still missing: said, nothing recorded" "仍缺或不符合要求：单位证照复印件。须全部补齐才能办结"
seen supp1 "supplement: the 容缺补交回执" "容缺补交回执"
seen supp1 "supplement slip: the original case" "原业务：容缺受理（2026-11-21），补交期限"
equal "supplement: the case 办结" "$(q "SELECT status FROM cases WHERE case_no = '$NO1'")" "completed"
equal "supplement: what and who" "$(q "SELECT s.material_id || '/' || s.actor || '/' || coalesce(s.late_by, '-') FROM supplements s JOIN cases c ON c.id = s.case_id WHERE c.case_no = '$NO1'")" \
	"licence_copy/demo01/-"
equal "supplement: audited once" "$(q "SELECT count(*) FROM audit WHERE case_no = '$NO1' AND action = 'case.supplement'")" "1"
slip=$(ls "$D"/slips/2026-11-21/$NO1-supplement.txt 2>/dev/null)
truth "supplement: the slip saved" test -n "$slip"
truth "supplement slip: what was received" grep -q "单位证照复印件" "$slip"
truth "supplement slip: when" grep -q "补交时间：2026-11-21 10:00" "$slip"
truth "supplement slip: the case number" grep -q "$NO1" "$slip"
truth "supplement slip: completed" grep -q "业务状态：已办结" "$slip"

# ---- every paper of the case, found again and reprinted (F11 at home) ----
{ login; printf 'key F3\ntype 成都测试\nkey Enter\nkey F11\ndump\nkey Tab\ndump\nkey F5\ndump\n'; } >"$T/papers.keys"
krun papers
seen papers "F11: the case's first paper, the 受理回执" "业务 $NO1 的受理回执（存档原样"
seen papers "F11: the case has two papers, Tab for the next" "本业务共 2 张凭证，这是第 1 张：按 Tab 看下一张"
seen papers "F11, Tab: the 容缺补交回执" "业务 $NO1 的容缺补交回执（存档原样"
equal "F11, F5: the supplement's receipt reprinted, audited" \
	"$(q "SELECT count(*) FROM audit WHERE case_no = '$NO1' AND action = 'case.reprint' AND json_extract(detail, '\$.paper') = 'supplement'")" "1"
truth "F11, F5: the copy is marked 补打" grep -q "补打" "$D/slips/2026-11-21/$NO1-supplement-reprint.txt"

# ---- the supervisor's 容缺 list after: the received one has left it ----
{ login demosup 975310; printf 'key F4\ndump\nkey Right Right Right\ndump\n'; } >"$T/view2.keys"
krun view2
seen view2 "day view: 容缺 owed 1" "容缺待补 1"
unseen view2 "day view: the supplemented case left the 容缺 list" "$NO1 2026-12-21"
seen view2 "day view: the other stays" "$NO2 2026-12-21"

# ---- the second, after its deadline: a supervisor decides ----
export KIOSK_NOW=2026-12-25T10:00:00+08:00
{ login; printf 'key F7\ndump\nkey Enter\ndump\nkey F5\nkey Enter\ntype demosup\nkey Enter\ntype 111111\nkey Enter\ntype 客户出差，主管同意\nkey Enter\ndump\n'
  printf 'type 975310\nkey Enter\nkey Enter\ndump\n'; } >"$T/late.keys"
krun late
seen late "F7: every 容缺 case still owed" "待补交的容缺业务（所有日期"
seen late "F7: overdue marked" "▶ $NO2 +2026-12-21 +已逾期"
unseen late "F7: the supplemented one is not owed" "$NO1 +2026-12-21"
seen late "late: the supervisor decides" "补交期限 2026-12-21 已过：须由值班主管"
seen late "late: a wrong PIN records nothing" "主管工号或 PIN 不正确|工号或 PIN"
seen late "late: completed: its slip" "【 $NO2 】"
slip2=$D/slips/2026-12-25/$NO2-supplement.txt
# (the slip is 40 columns wide: its lines joined again)
tr -d ' \n' <"$slip2" >"$T/slip2.flat"
truth "late: the slip says the supervisor allowed it" grep -q "逾期补交：补交期限2026-12-21已过，经值班主管demosup同意受理" "$T/slip2.flat"
truth "late: … and why" grep -q "原因：客户出差，主管同意" "$T/slip2.flat"
equal "late: the supplement records who allowed it and why" \
	"$(q "SELECT s.late_by || '/' || s.note FROM supplements s JOIN cases c ON c.id = s.case_id WHERE c.case_no = '$NO2'")" \
	"demosup/客户出差，主管同意"
equal "late: the case 办结" "$(q "SELECT status FROM cases WHERE case_no = '$NO2'")" "completed"

# ---- the 差评 followed up by the supervisor at the kiosk ----
{ login demosup 975310; printf 'key F4\nkey F2\ntype 2026-11-21\nkey Enter\nkey Left Left\ndump\nkey Enter\ndump\n'
  printf 'type 已电话回访，致歉并说明高峰期安排\nkey Enter\ndump\nkey Esc\ndump\n'; } >"$T/follow.keys"
krun follow
seen follow "差评 tab: overdue by now" "$NO1 +不满意 +2026-12-11 逾期未回访"
seen follow "follow-up: the case shown" "成都测试科技有限公司"
seen follow "follow-up: the customer's words" "等候时间太长"
seen follow "follow-up: recorded" "已由 demosup 于 .* 回访处理：已电话回访"
seen follow "差评 tab: done" "$NO1 +不满意 +2026-12-11 已处理（demosup）"
equal "follow-up: stored" "$(q "SELECT resolved_by || '/' || resolution FROM ratings WHERE resolved_by IS NOT NULL")" \
	"demosup/已电话回访，致歉并说明高峰期安排"
equal "follow-up: audited" "$(q "SELECT count(*) FROM audit WHERE action = 'rating.resolve' AND actor = 'demosup'")" "1"

# ---- kioskctl: the list, a second follow-up refused, the CSV, the timeline ----
expect "kioskctl rating list: the 差评 resolved" 0 "$NO1 +dissatisfied +due 2026-12-11 resolved" \
	sh -c "echo 975310 | '$KIOSKCTL' rating list --date 2026-11-21 --db '$D/demo.db' --by demosup"
expect "kioskctl rating resolve: once" 1 "followed up already" \
	sh -c "echo 975310 | '$KIOSKCTL' rating resolve $NO1 --note again --db '$D/demo.db' --by demosup"
expect "kioskctl rating resolve: no 差评" 1 "only a 差评 is followed up" \
	sh -c "echo 975310 | '$KIOSKCTL' rating resolve $NO2 --note x --db '$D/demo.db' --by demosup"
expect "kioskctl rating resolve: a clerk cannot" 1 "" \
	sh -c "echo 246810 | '$KIOSKCTL' rating resolve $NO1 --note x --db '$D/demo.db' --by demo01"
echo 975310 | "$KIOSKCTL" report daily --date 2026-11-21 --csv --db "$D/demo.db" --by demosup >"$T/day.csv" 2>"$T/csv.err"
truth "csv: the new columns" grep -q ",cancel_code,cancel_reason,dup_refund_yuan,dup_refund_state,supplied,rating,rating_due,rating_resolved_by$" "$T/day.csv"
truth "csv: the first supplemented, rated, followed up" grep -q "^$NO1,.*,2026-11-21 10:00:00,dissatisfied,2026-12-11,demosup$" "$T/day.csv"
truth "csv: the second supplemented late, 满意" grep -q "^$NO2,.*,2026-12-25 10:00:00,satisfied,,$" "$T/day.csv"
echo 975310 | "$KIOSKCTL" report case $NO1 --db "$D/demo.db" --by demosup >"$T/tl1" 2>&1
truth "timeline: the supplement" grep -Eq "supplement demo01 +licence_copy received \(容缺补交\)" "$T/tl1"
truth "timeline: rated" grep -q "rated dissatisfied: 等候时间太长; follow-up due 2026-12-11" "$T/tl1"
truth "timeline: followed up" grep -Eq "rating +demosup +差评 followed up: 已电话回访" "$T/tl1"
expect "timeline: a late supplement says who allowed it" 0 "licence_copy received after the deadline, allowed by demosup" \
	sh -c "echo 975310 | '$KIOSKCTL' report case $NO2 --db '$D/demo.db' --by demosup"
expect "audit chain verifies" 0 "^OK" "$KIOSKCTL" audit verify --db "$D/demo.db"

# ---- in English, at 80×24: nothing cut ----
cp -R kiosk-config "$T/cfg_en"
sed -i 's/^language *=.*/language = en/' "$T/cfg_en/kiosk.ini"
export KIOSK_NOW=2026-11-21T10:00:00+08:00
{ login; rongque 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key F6\ndump\nkey Esc\nkey Enter\nkey F7\nkey Enter\nkey F6\nkey Enter\ndump\n'; } >"$T/en.keys"
KIOSK_SCRIPT="$T/en.keys" timeout 30 "$KIOSK" --demo --config "$T/cfg_en" --data-dir "$T/en.d" >"$T/en.out" 2>"$T/en.err"
equal "en: kiosk exited cleanly" "$?/$(wc -c <"$T/en.err")" "0/0"
seen en "en: the rating's levels" "▶ Very satisfied"
seen en "en: … and none" "None \(declined\)"
seen en "en: a long material name goes on to a second row" "^ +certificate\) \(to follow\)$"
seen en "en: what is still owed, whole" "tell the customer at once \(the deadline stands\)\."

# ---- 补正: a refusal whose notice was never printed is due within notice_days ----
cp "$D/demo.db" "$T/notice.db"
n3=SCCA-CD-01-20261121-0009
sqlite3 "$T/notice.db" "INSERT INTO cases (case_no, kiosk_id, day, day_seq, service_id, clerk_id,
  status, last_step, decision, unit_name, uscc, agent_name, created_ms, updated_ms)
  SELECT '$n3', kiosk_id, day, 9, service_id, clerk_id, 'refused', 'decision', 'refuse',
  unit_name, uscc, agent_name, created_ms, created_ms FROM cases WHERE case_no = '$NO1';
  INSERT INTO material_decisions (case_id, material_id, mark, reason, essential)
  SELECT id, 'app_form', 'missing', '', 1 FROM cases WHERE case_no = '$n3';"
export KIOSK_NOW=2026-11-23T10:00:00+08:00
expect "notice: due 5 days after the application" 0 "$n3 +NOTICE NOT PRINTED \(due by 2026-11-26\)" \
	sh -c "echo 975310 | '$KIOSKCTL' report daily --date 2026-11-21 --db '$T/notice.db' --by demosup"
cp -R kiosk-config "$T/cfg10"
sed -i 's/^notice_days = 5$/notice_days = 10/' "$T/cfg10/services.ini"
expect "notice: the days are configuration" 0 "$n3 +NOTICE NOT PRINTED \(due by 2026-12-01\)" \
	sh -c "echo 975310 | '$KIOSKCTL' report daily --date 2026-11-21 --config '$T/cfg10' --db '$T/notice.db' --by demosup"
export KIOSK_NOW=2026-11-30T10:00:00+08:00
expect "notice: then overdue" 0 "$n3 +NOTICE NOT PRINTED \(was due by 2026-11-26\)" \
	sh -c "echo 975310 | '$KIOSKCTL' report daily --date 2026-11-21 --db '$T/notice.db' --by demosup"
{ login demosup 975310; printf 'key F4\nkey F2\ntype 2026-11-21\nkey Enter\nkey Right Right Right Right\ndump\n'; } >"$T/notice.keys"
mkdir -p "$T/notice.d" && cp "$T/notice.db" "$T/notice.d/demo.db"
KIOSK_SCRIPT="$T/notice.keys" timeout 30 "$KIOSK" --demo --data-dir "$T/notice.d" >"$T/notice.out" 2>"$T/notice.err"
seen notice "day view: the unprinted notice's due day, passed" "$n3 告知单未打印，已过告知期限 2026-11-26"
