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
