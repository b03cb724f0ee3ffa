#!/bin/sh
# The counter's whole day, in script mode (demo kiosk, headless): home's
# selection follows the case that just ended, whatever row it is on now; the
# approval screens say what is approved (unit, USCC, service, money, key);
# F8 asks why a case is cancelled (a list from the configuration, or free
# text) and the reason reaches the timeline and the CSV; a service picked by
# mistake is withdrawn; keys are ignored while the terminal is too small.
. tests/cli/screens.sh
PAID='key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'

# ---- the selection follows the case ----
# Two cases left open (0001, 0002: 0002 on top), the cursor moved down to
# 0001; a third case is finished and paid: home selects 0003 (the old row
# index would select 0002, and F8 would refund that one).
{ login; pick 7; printf 'key Esc\n'; pick 7; printf 'key Esc\nkey Down\ndump\n'
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$PAID"; keyin 6
  printf 'key Enter Enter\nkey F5\nkey Enter\ndump\nkey F8\ndump\n'; } >"$T/follow.keys"
run follow
seen follow "home: the cursor moved to the older case" "▶ SCCA-CD-01-20261121-0001"
seen follow "home: the finished case is selected, not the old row" "▶ SCCA-CD-01-20261121-0003 .*已办结"
seen follow "refund: F8 is about the finished case" "撤销业务 SCCA-CD-01-20261121-0003 并退还"
seen follow "refund approval: shows the unit and its USCC" "单位：成都测试科技有限公司（统一社会信用代码 91310115MA1K3BTP2B）"
seen follow "refund approval: shows the service" "业务：证书及印章新办（SCCA-CD-01-20261121-0003）"
seen follow "refund approval: shows the money" "应收 400.00 元；已收（验签）400.00 元"
# (trainer mode keeps no register: the demo key the case wrote stands for it)
seen follow "refund approval: shows the key the case wrote and its certificate" "USB Key：SC-DEMO-0006 +证书：[0-9A-Fa-f]+"

# A case cancelled from its materials screen is selected at home too.
{ login; pick 7; printf 'key Esc\n'; pick 7; printf 'key Esc\nkey Down\n'
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf 'key Enter Enter Enter Enter\nkey F8\nkey Enter\ndump\n'; } >"$T/follow_cancel.keys"
run follow_cancel
seen follow_cancel "home: the cancelled case is selected" "▶ SCCA-CD-01-20261121-0003 .*已撤销"

# The revocation's approval screen says what is revoked.
# (the key brought: demo key 0001 holds this unit's certificate)
{ login; pick 11; party 成都锦城示例科技有限公司 91510100MA61XY3K4K; keyin 1
  printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\ndump\n'; } >"$T/revapp.keys"
run revapp
seen revapp "revocation approval: the unit and its USCC" "单位：成都锦城示例科技有限公司（统一社会信用代码 91510100MA61XY3K4K）"
seen revapp "revocation approval: the service" "业务：证书及印章吊销"
seen revapp "revocation approval: the key and its certificate" "USB Key：SC-DEMO-0001 +证书：[0-9A-Fa-f]+"
# without the key: the unit's key as the demo knows it (keys.ini)
{ login; pick 11; party 成都锦城示例科技有限公司 91510100MA61XY3K4K
  printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\ndump\n'; } >"$T/revnokey.keys"
run revnokey
seen revnokey "revocation approval without the key: the unit's key and its certificate" "USB Key：SC-DEMO-0001 +证书：[0-9A-Fa-f]+"

# ---- keys do nothing while the terminal is too small ----
# F8 Enter would cancel the case, X would be typed into the mobile number.
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'resize 20 60\nkey F8\nkey Enter\ntype X\nkey F2\ndump\nresize 24 80\ndump\n'; } >"$T/small.keys"
run small
seen small "too small: the notice says keys do nothing" "按键无效"
seen small "too small: back at 80x24 the case is as it was" "经办人手机号码 +138-0013-8000( |$)"
unseen small "too small: nothing typed" "138-0013-8000X"
equal "too small: the case not cancelled" "$(sql small "SELECT status FROM cases")" "open"
equal "too small: no second case opened" "$(sql small "SELECT count(*) FROM cases")" "1"

# ---- F8 asks why; the reason reaches the store, the timeline and the CSV ----
# Case 1: 选错业务 with words added; case 2: "other" refused without words,
# then given; case 3: withdrawn (F7) before any details are confirmed.
MAT='key Enter Enter Enter Enter\n'
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$MAT"
  printf 'key F8\ndump\nkey Down\ntype 客户改日再来\nkey Enter\ndump\n'
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$MAT"
  printf 'key F8\nkey Up\nkey Enter\ndump\ntype 客户临时离开\nkey Enter\n'
  pick 7; printf 'dump\nkey F7\ndump\nkey Enter\ndump\n'; } >"$T/why.keys"
run why
seen why "cancel: F8 lists the configured reasons" "▶ 客户申请撤销"
seen why "cancel: the list has the reasons of kiosk.ini" "其他原因（须填写说明）"
seen why "cancel: a line for words under the list" "^ +说明( .*)?$"
seen why "cancel: back home, the cancelled case selected" "▶ SCCA-CD-01-20261121-0001 .*已撤销"
seen why "cancel: 'other' without words refused" "请填写撤销原因的说明"
n1=SCCA-CD-01-20261121-0001 n2=SCCA-CD-01-20261121-0002 n3=SCCA-CD-01-20261121-0003
equal "cancel: the reason picked, with the words, in the audit row" \
	"$(sql why "SELECT json_extract(detail, '\$.code') || '|' || json_extract(detail, '\$.reason') FROM audit WHERE action = 'case.cancel' AND case_no = '$n1'")" \
	"wrong_service|选错业务：客户改日再来"
equal "cancel: 'other' with its words" \
	"$(sql why "SELECT json_extract(detail, '\$.code') || '|' || json_extract(detail, '\$.reason') FROM audit WHERE action = 'case.cancel' AND case_no = '$n2'")" \
	"other|其他原因（须填写说明）：客户临时离开"
seen why "withdraw: F7 offered before any details are confirmed" "F7 撤回"
seen why "withdraw: asks first" "撤回本笔业务？"
equal "withdraw: the case kept, recorded as withdrawn before any step" \
	"$(sql why "SELECT c.status || '|' || c.last_step || '|' || json_extract(a.detail, '\$.code') || '|' || json_extract(a.detail, '\$.after_step') FROM cases c JOIN audit a ON a.case_no = c.case_no AND a.action = 'case.cancel' WHERE c.case_no = '$n3'")" \
	"cancelled|none|withdrawn|none"
expect "timeline: the cancel's reason" 0 "case.cancel .*选错业务：客户改日再来" \
	sh -c "echo 975310 | '$KIOSKCTL' report case $n1 --by demosup --db '$T/why.d/demo.db'"
echo 975310 | "$KIOSKCTL" report daily --date 2026-11-21 --csv --by demosup --db "$T/why.d/demo.db" >"$T/why.csv" 2>"$T/why.csv.err"
truth "CSV: cancel_code and cancel_reason after the older columns, then the duplicate refunds', the supplement's and the rating's" grep -q "rongque_overdue,cancel_code,cancel_reason,dup_refund_yuan,dup_refund_state,supplied,rating,rating_due,rating_resolved_by\$" "$T/why.csv"
truth "CSV: the reason of case 1" grep -q "^$n1,.*,wrong_service,选错业务：客户改日再来,,,,,,\$" "$T/why.csv"
truth "CSV: the withdrawn case" grep -q "^$n3,.*,withdrawn," "$T/why.csv"

# The screen's timeline shows the reason too.
{ login demosup 975310; printf 'key F4\nkey Tab\nkey Enter\ndump\n'; } >"$T/why_tl.keys"
KIOSK_SCRIPT="$T/why_tl.keys" timeout 20 "$KIOSK" --demo --data-dir "$T/why.d" >"$T/why_tl.out" 2>&1
seen why_tl "timeline screen: the cancel's reason" "撤销业务：原因：选错业务：客户改日再来"

# config check: every reason has its words in every language; ids are checked.
cp -R kiosk-config "$T/cfg_why"
sed -i 's/^reasons = .*/reasons = customer_request no_words_here/' "$T/cfg_why/kiosk.ini"
expect "config check: a reason without words refused (names it, the file, the key)" 1 \
	"kiosk.ini:[0-9]+.*'no_words_here' has no words in strings/zh_CN.ini.*cancel.reason.no_words_here" \
	"$KIOSKCTL" config check --config "$T/cfg_why"
sed -i 's/^reasons = .*/reasons = customer_request Bad-Id/' "$T/cfg_why/kiosk.ini"
expect "config check: a bad reason id refused" 1 "kiosk.ini:[0-9]+.*'Bad-Id' is not an id" \
	"$KIOSKCTL" config check --config "$T/cfg_why"

# ---- no question before the values are there; stale messages go ----
# Enter at the token step with no key: no "write the key?" question, the
# reason instead; a key put in then clears that reason.
TOK='key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter\nkey Enter Enter\n'
{ login; pick 0; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$TOK"; printf 'key Enter\ndump\n'; } >"$T/nokeyask.keys"
run nokeyask
unseen nokeyask "token step without a key: no write question" "即将写入客户的 USB Key"
seen nokeyask "token step without a key: says there is none" "读卡器中没有 USB Key"
{ login; pick 0; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$TOK"; printf 'key Enter\n'; keyin 6; printf 'dump\nkey Enter\ndump\n'; } >"$T/stale.keys"
run stale
unseen stale "a key put in: the message about no key is gone" "读卡器中没有 USB Key"
seen stale "with the key in, the question comes" "即将写入客户的 USB Key"

# ---- a long message wraps instead of being cut ----
cp -R kiosk-config "$T/cfg_en"
sed -i 's/^language *=.*/language = en/' "$T/cfg_en/kiosk.ini"
{ login; pick 7; printf 'key Esc\nkey F8\ndump\n'; } >"$T/wrap.keys"
rm -rf "$T/wrap.d"
KIOSK_SCRIPT="$T/wrap.keys" timeout 20 "$KIOSK" --demo --config "$T/cfg_en" --data-dir "$T/wrap.d" >"$T/wrap.out" 2>"$T/wrap.err"
seen wrap "long message: its end is on screen (wrapped)" "own screen with F8\)\."
