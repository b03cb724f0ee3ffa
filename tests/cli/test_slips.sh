#!/bin/sh
# Slips and reprints (issue 13 points 4 and 12), script mode on the demo
# kiosk, all runs on one data directory:
# - each service's 受理回执 says what customers ask, checked line by line in
#   the saved file: the key's serial, the holder type, the term, the seals,
#   the certificate's validity, a renewal's old → new expiry, a change's old
#   → new name, the initial PIN after a new key or an unlock, every fee
#   figure with what it is per (a waived opening fee says 免收);
# - any case's paper found again (F3 at home, the day view, the timeline)
#   and reprinted with F5: the copy marked 补打 with who and when, the
#   original untouched, an audit row "case.reprint" each time; a case with
#   no paper says so;
# - a paper longer than the screen (F11's, the slip at a case's end, the
#   一次性告知单) says so on its last row (▼ 更多 (PgDn)), and ▲ once scrolled;
#   PgDn to the end shows its last line and takes the sign of more away.
. tests/cli/screens.sh
D="$T/slips.d"

krun() {
	KIOSK_SCRIPT="$T/$1.keys" timeout 30 "$KIOSK" --demo --data-dir "$D" >"$T/$1.out" 2>"$T/$1.err"
	rc=$?
	if [ $rc = 0 ] && [ ! -s "$T/$1.err" ]; then echo "PASS $1: kiosk exited cleanly"; else
		echo "FAIL $1: kiosk exit $rc"; sed 's/^/    ! /' "$T/$1.err" | head; fi
}
q() { sqlite3 "$D/demo.db" "$1"; }
# line TEST FILE LINE: FILE has LINE, whole and exact.
line() {
	if grep -qxF -- "$3" "$2" 2>/dev/null; then echo "PASS $1"; else
		echo "FAIL $1: no line '$3' in $2"; sed 's/^/    | /' "$2" 2>/dev/null | head -60; fi
}
noline() {
	if grep -qF -- "$3" "$2" 2>/dev/null; then echo "FAIL $1: '$3' in $2"; else echo "PASS $1"; fi
}
slip_of() { echo "$D/slips/2026-11-21/$(q "SELECT case_no FROM cases WHERE service_id = '$1' ORDER BY id DESC LIMIT 1")-slip.txt"; }

# ---- each service's slip (a run each: the demo keys start afresh) ----
# 政采 new, 2 years, expert, 2 seals: the opening fee waived
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Right Enter Right Enter Backspace\ntype 2\nkey Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'; keyin 6
  printf 'key Enter Enter\nkey F5\nkey Enter\n'; } >"$T/zc_new.keys"
krun zc_new
S=$(slip_of zc.new)
line "zc.new slip: the key's serial" "$S" "USB Key 序列号：SC-DEMO-0006"
line "zc.new slip: the holder type" "$S" "证书类型：评标专家"
line "zc.new slip: the term" "$S" "证书年限：2年"
line "zc.new slip: the seals" "$S" "电子印章：2枚"
line "zc.new slip: the validity" "$S" "证书有效期：2026-11-21 至 2028-11-21"
line "zc.new slip: the seal's validity" "$S" "印章有效期至：2028-11-21"
line "zc.new slip: the initial PIN" "$S" "初始密码（用户 PIN）为 12345678：请尽快"
line "zc.new slip: and to change it" "$S" "用证书助手（i信）修改，勿告诉他人。"
line "zc.new slip: the opening fee waived, its amount said" "$S" "  开户费 50.00元 免收（2年期）   0.00 元"
line "zc.new slip: the annual fee per year" "$S" "  年服务费 50.00元/年×2年      100.00 元"
line "zc.new slip: the seal fee per seal per year" "$S" "  印章费50.00元/枚/年×2枚×2年  200.00 元"
line "zc.new slip: the total" "$S" "合计                           300.00 元"

# 人社 renew: the old expiry and the new one; no PIN
{ login; pick 1; party 绵阳涪城示例建设工程有限公司 91510700MA62Q8TU37; keyin 2
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter Enter\nkey F5\nkey Enter\n'; } >"$T/rs_renew.keys"
krun rs_renew
S=$(slip_of rs.renew)
line "rs.renew slip: the key's serial" "$S" "USB Key 序列号：SC-DEMO-0002"
line "rs.renew slip: the holder type" "$S" "证书类型：用人单位"
line "rs.renew slip: the term" "$S" "证书年限：1年"
line "rs.renew slip: the validity" "$S" "证书有效期：2026-11-21 至 2027-12-21"
line "rs.renew slip: the old expiry → the new one" "$S" "证书到期日：2026-12-21 → 2027-12-21"
line "rs.renew slip: the annual fee per year" "$S" "  年服务费 200.00元/年×1年     200.00 元"
noline "rs.renew slip: no PIN told" "$S" "初始密码"
noline "rs.renew slip: 人社 has no seal" "$S" "电子印章"

# 政采 change: the old name → the new one; validity kept
{ login; pick 9; party 成都高新示例软件集团有限公司 91510104MA6DJ9QG4K; keyin 8
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter Enter\nkey Enter\n'; } >"$T/zc_change.keys"
krun zc_change
S=$(slip_of zc.change)
line "zc.change slip: the key's serial" "$S" "USB Key 序列号：SC-DEMO-0008"
line "zc.change slip: a change of name" "$S" "单位名称变更："
line "zc.change slip: the old name" "$S" "  原：成都高新示例软件有限公司"
line "zc.change slip: → the new name" "$S" "  → 现：成都高新示例软件集团有限公司"
line "zc.change slip: the validity kept" "$S" "证书有效期：2026-11-21 至 2027-05-20"
line "zc.change slip: nothing charged" "$S" "收费：本业务不收费"

# 政采 PIN unlock: the initial PIN and to change it
{ login; pick 12; party 成都金牛示例物流有限公司 91510100MA6AHR3W43; keyin 7
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter Enter\nkey Enter\n'; } >"$T/zc_unlock.keys"
krun zc_unlock
S=$(slip_of zc.unlock)
line "zc.unlock slip: the key's serial" "$S" "USB Key 序列号：SC-DEMO-0007"
line "zc.unlock slip: the validity" "$S" "证书有效期：2026-07-29 至 2027-07-29"
line "zc.unlock slip: the initial PIN" "$S" "初始密码（用户 PIN）为 12345678：请尽快"
noline "zc.unlock slip: no term (nothing bought)" "$S" "证书年限"

# ---- any case's paper, found again and reprinted ----
# a case cancelled before its slip: no paper
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F8\nkey Enter\n'
  printf 'key F11\ndump\n'; } >"$T/nopaper.keys"
krun nopaper
cx=$(q "SELECT case_no FROM cases WHERE status = 'cancelled'")
seen nopaper "a cancelled case: no paper, said" "业务 $cx 没有回执或告知单"

# the clerk: F3 by USCC at home, F11 the slip as filed, F5 a reprint, Esc back
cc=$(q "SELECT case_no FROM cases WHERE service_id = 'zc.change'")
S=$(slip_of zc.change)
before=$(sha256sum <"$S")
{ login; printf 'key F3\ntype 91510104MA6DJ9QG4K\nkey Enter\nkey F11\ndump\nkey PgDn\ndump\nkey F5\ndump\nkey Esc\ndump\n'; } >"$T/reprint.keys"
krun reprint
seen reprint "F11: the paper as filed, named" "业务 $cc 的受理回执（存档原样；F5 补打）"
seen reprint "F11: the slip's own lines" "统一社会信用代码：91510104MA6DJ9QG4K"
seen reprint "F11: scrolled, the rest" "单位名称变更："
seen reprint "F5: the copy saved (no printer in the demo)" "未配置打印机：回执已保存为文件。"
seen reprint "Esc: back to what F3 found" "查找“91510104MA6DJ9QG4K”"
R="$D/slips/2026-11-21/$cc-slip-reprint.txt"
equal "reprint: the copy says it is one" "$(sed -n 1p "$R")" "补打 / REPRINT"
equal "reprint: who and when" "$(sed -n 2p "$R")" "补打时间：2026-11-21 10:00:00　补打人：demo01"
truth "reprint: the slip's text follows" grep -qxF "  → 现：成都高新示例软件集团有限公司" "$R"
equal "reprint: the original untouched" "$(sha256sum <"$S")" "$before"
equal "reprint: audited, who and which paper" \
	"$(q "SELECT actor || ' ' || json_extract(detail, '\$.paper') || ' ' || json_extract(detail, '\$.file') FROM audit WHERE action = 'case.reprint' AND case_no = '$cc'")" \
	"demo01 slip $R"

# the supervisor: from the day view's cases and from a case's timeline
# (the rows oldest first: the second one's paper)
{ login demosup 975310; printf 'key F4\nkey Tab\nkey Down\nkey F11\ndump\nkey F5\nkey Esc\ndump\n'
  printf 'key Enter\nkey F11\nkey F5\nkey Esc\nkey PgDn PgDn PgDn PgDn PgDn PgDn\ndump\nkey Esc\ndump\n'; } >"$T/reprint_sup.keys"
krun reprint_sup
second=$(q "SELECT case_no FROM cases WHERE service_id = 'rs.renew'")
seen reprint_sup "day view F11: the picked row's paper" "业务 $second 的受理回执"
seen reprint_sup "back on the day view, the same row picked" "▶ $second"
seen reprint_sup "back on the day view's cases" "\\[业务\\]"
seen reprint_sup "a reprint from the timeline lists on it" "审计 demosup .*补打"
seen reprint_sup "the reprint's record names the paper" "补打：受理回执；文件：已存档"
equal "reprint_sup: two reprints by the supervisor, audited" \
	"$(q "SELECT count(*) FROM audit WHERE action = 'case.reprint' AND actor = 'demosup'")" 2
expect "reprints: audit chain intact" 0 "^OK" "$KIOSKCTL" audit verify --db "$D/demo.db"

# ---- a paper longer than the screen says so (▼ 更多 (PgDn), ▲ 上文 (PgUp)) ----
# has FILE PATTERN / hasnt FILE PATTERN: one dumped screen (dump FILE)
has() { if grep -Eq -- "$3" "$2"; then echo "PASS $1"; else echo "FAIL $1: /$3/ not on the screen"; sed 's/^/    | /' "$2"; fi; }
hasnt() { if grep -Eq -- "$3" "$2"; then echo "FAIL $1: /$3/ on the screen"; sed 's/^/    | /' "$2"; else echo "PASS $1"; fi; }
# the paper (F11) of the 政采 change: the top, then PgDn to its end, then back
rm -f "$T"/pg_*.txt
{ login; printf 'key F3\ntype 91510104MA6DJ9QG4K\nkey Enter\nkey F11\ndump %s\n' "$T/pg_top.txt"
  printf 'key Down\ndump %s\n' "$T/pg_down.txt"
  printf 'key PgDn PgDn PgDn PgDn PgDn PgDn\ndump %s\nkey PgDn\ndump %s\n' "$T/pg_end.txt" "$T/pg_end2.txt"
  printf 'key PgUp PgUp PgUp PgUp PgUp PgUp PgUp\ndump %s\nkey Esc\n' "$T/pg_back.txt"; } >"$T/pager.keys"
krun pager
S=$(slip_of zc.change)
last=$(grep -v -e DEMO -e '^[ =-]*$' "$S" | tail -1 | sed 's/^ *//')
has "F11 paper: the top says there is more below" "$T/pg_top.txt" "^    ▼ 更多 \\(PgDn\\) *$"
hasnt "F11 paper: at the top nothing above" "$T/pg_top.txt" "▲"
hasnt "F11 paper: at the top its last line is not shown" "$T/pg_top.txt" "$last"
has "F11 paper: ↓ one line on, more below and above" "$T/pg_down.txt" "^    ▼ 更多 \\(PgDn\\)   ▲ 上文 \\(PgUp\\) *$"
has "F11 paper: PgDn to the end, its last line shown" "$T/pg_end.txt" "$last"
hasnt "F11 paper: at the end the sign of more is gone" "$T/pg_end.txt" "▼|更多"
has "F11 paper: at the end what lies above is said" "$T/pg_end.txt" "^    ▲ 上文 \\(PgUp\\) *$"
equal "F11 paper: PgDn at the end stays at the end" "$(cat "$T/pg_end2.txt")" "$(cat "$T/pg_end.txt")"
equal "F11 paper: PgUp back to the top: as at first" "$(cat "$T/pg_back.txt")" "$(cat "$T/pg_top.txt")"
# the slip at the end of a case, and the 一次性告知单 after a refusal
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F6 F5 F7\ntype 未加盖单位公章（鲜章）\nkey Enter\nkey Enter\nkey Enter Enter\n'
  printf 'dump %s\nkey PgDn PgDn PgDn PgDn PgDn PgDn\ndump %s\nkey Enter\n' "$T/pg_notice.txt" "$T/pg_notice_end.txt"; } >"$T/pager_notice.keys"
krun pager_notice
N=$(ls "$D"/slips/2026-11-21/*-notice.txt | head -1)
nlast=$(grep -v -e DEMO -e '^[ =-]*$' "$N" | tail -1 | sed 's/^ *//')
has "一次性告知单: on the screen" "$T/pg_notice.txt" "一次性告知单"
has "一次性告知单: longer than the screen, said" "$T/pg_notice.txt" "^    ▼ 更多 \\(PgDn\\) *$"
has "一次性告知单: PgDn to its last line" "$T/pg_notice_end.txt" "$nlast"
hasnt "一次性告知单: at the end no sign of more" "$T/pg_notice_end.txt" "▼"
# in English the words are English
{ login; printf 'key F3\ntype 91510104MA6DJ9QG4K\nkey Enter\nkey F11\ndump %s\nkey PgDn PgDn PgDn PgDn PgDn PgDn\ndump %s\nkey Esc\n' \
	"$T/pg_en.txt" "$T/pg_en_end.txt"; } >"$T/pager_en.keys"
cp -R kiosk-config "$T/cfg_pg_en"
sed -i 's/^language *=.*/language = en/' "$T/cfg_pg_en/kiosk.ini"
KIOSK_SCRIPT="$T/pager_en.keys" timeout 30 "$KIOSK" --demo --config "$T/cfg_pg_en" --data-dir "$D" >/dev/null 2>&1
has "English: the sign of more" "$T/pg_en.txt" "^    ▼ more \\(PgDn\\) *$"
has "English: at the end, above" "$T/pg_en_end.txt" "^    ▲ above \\(PgUp\\) *$"

# ---- the day view's case rows: every service's name whole at 80x24 (point 10) ----
{ login demosup 975310; printf 'key F4\nkey Tab\ndump\n'; } >"$T/dayrows.keys"
krun dayrows
c1=$(q "SELECT case_no FROM cases WHERE service_id = 'zc.new' AND status = 'completed'")
c3=$(q "SELECT case_no FROM cases WHERE service_id = 'zc.change'")
cx=$(q "SELECT case_no FROM cases WHERE status = 'cancelled'")
seen dayrows "day rows: a paid case, its fee and service whole" "^▶ $c1 10:00 demo01  已办结   300.00  证书及印章新办 *$"
seen dayrows "day rows: a free one" "^  $c3 10:00 demo01  已办结     0.00  证书及印章变更 *$"
seen dayrows "day rows: a cancelled one" "^  $cx 10:00 demo01  已撤销   400.00  证书及印章新办 *$"

# ---- the day close lists what is open and asks again (issue 13 point 7) ----
# a case left at its payment, the key written: open, and its fee not collected
{ login; pick 7; party 成都锦江示例贸易有限公司 91510100MA61XY3K4K
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'; keyin 6
  printf 'key Enter Enter\nkey Esc\n'; } >"$T/leftopen.keys"
krun leftopen
co=$(q "SELECT case_no FROM cases WHERE finished = 0 AND status <> 'cancelled'")
equal "close: one case left open at its payment" "$(q "SELECT last_step FROM cases WHERE case_no = '$co'")" token
{ login demosup 975310; printf 'key F4\nkey F12\ndump\nkey Enter\ndump\nkey Esc\ndump\nkey F12\nkey Esc\n'; } >"$T/close1.keys"
krun close1
seen close1 "F12: the time of day" "日结前核对：2026-11-21　现在 10:00"
seen close1 "F12: the open case, its number, status and step, service" \
	"^    $co  已受理，缴费  证书及印章新办 *$"
seen close1 "F12: and its unit, whole" "^      成都锦江示例贸易有限公司 *$"
seen close1 "F12: the fee not collected" "未收齐费用的业务 1 件，共差 400.00 元："
seen close1 "F12: its row" "$co  应收 400.00 元，已收 0.00 元"
seen close1 "F12: asks first" "日结 2026-11-21？"
seen close1 "Enter: asked again, since a case is open" "确定现在日结？再按 Enter 日结，Esc 取消。"
seen close1 "Esc at the second question: not closed" "当日尚未日结"
equal "close1: nothing closed" "$(q "SELECT count(*) FROM day_anchors")" 0
# the same list in English: English words, English punctuation
cp -R kiosk-config "$T/cfg_en"
sed -i 's/^language *=.*/language = en/' "$T/cfg_en/kiosk.ini"
{ login demosup 975310; printf 'key F4\nkey F12\ndump\nkey Esc\n'; } >"$T/close_en.keys"
KIOSK_SCRIPT="$T/close_en.keys" timeout 30 "$KIOSK" --demo --config "$T/cfg_en" --data-dir "$D" >"$T/close_en.out" 2>&1
seen close_en "F12 in English: the open case's status and step" "^    $co  Accepted, Payment  New cert \\+ seal *$"
seen close_en "F12 in English: the fee not collected" "Cases not fully paid: 1, 400.00 yuan short"
# kioskctl lists the same and asks again in words: --with-open
echo 975310 | "$KIOSKCTL" day close --date 2026-11-21 --by demosup --db "$D/demo.db" \
	--out "$T/closes" --key "$D/kiosk-key.pem" >"$T/ctlclose.out" 2>&1
equal "kioskctl day close over an open case: refused (exit 1)" "$?" 1
truth "kioskctl: the time of day" grep -qxF "before closing 2026-11-21: the time is 10:00:00 (Beijing)" "$T/ctlclose.out"
truth "kioskctl: the open case listed" grep -qxF "  $co  accepted, at token  zc.new  成都锦江示例贸易有限公司" "$T/ctlclose.out"
truth "kioskctl: the fee not collected" grep -qxF "fees not collected: 1 case, 400.00 yuan" "$T/ctlclose.out"
truth "kioskctl: asks for --with-open" grep -q "close over them with --with-open; nothing was closed" "$T/ctlclose.out"
equal "kioskctl: nothing closed" "$(q "SELECT count(*) FROM day_anchors")" 0
{ login demosup 975310; printf 'key F4\nkey F12\nkey Enter\nkey Enter\ndump\n'; } >"$T/close2.keys"
krun close2
seen close2 "Enter twice: the day closed" "已日结。已导出："
equal "close2: closed once" "$(q "SELECT count(*) FROM day_anchors")" 1
