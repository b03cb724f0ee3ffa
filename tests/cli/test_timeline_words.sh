#!/bin/sh
# The supervisor's case timeline speaks the counter's language (demo mode,
# script mode; issue 13, point 10): a 政采 new certificate walked to its end
# (details, materials, 受理, the demo key written, paid, slip) by demo01,
# then opened by demosup (F4, Tab to the cases, Enter, PgDn to the end). Its
# step entries and audit rows say in Chinese what the record holds (the key's
# operations by the words the clerk sees, the money in 元, the paper by its
# name) with no English word left but identifiers (serials, case numbers,
# transaction ids, staff ids, Key/PIN); `kioskctl report case` keeps the
# record's own English, the evidence.
. tests/cli/screens.sh
q() { sqlite3 "$T/tl.d/demo.db" "$1"; }

# one run: the clerk's case, then the screen locked (F9) and taken over by
# the supervisor, who opens the case's timeline from the day view
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'; keyin 6
  printf 'key Enter Enter\nkey F5\nkey Enter\n'
  printf 'key F9\nkey Tab\nkey Home\nkey Delete Delete Delete Delete Delete Delete\ntype demosup\nkey Enter\ntype 975310\nkey Enter\n'
  printf 'key F4\nkey Tab\nkey Enter\ndump\nkey PgDn\ndump\nkey PgDn\ndump\n'; } >"$T/tl.keys"
run tl
NO=$(q "SELECT case_no FROM cases")
equal "case: walked to its end" "$(q "SELECT status || ' ' || last_step FROM cases")" "completed slip"
seen tl "timeline: opened" "业务 $NO 的轨迹"
seen tl "step: the details by their labels" "步骤 demo01 +单位及经办人信息：单位名称：成都测试科技有限公司；统"
seen tl "step: the materials by their names" "步骤 demo01 +资料核验：已收取：《企业机构数字证书及印章业务申请"
seen tl "step: the decision in a word" "步骤 demo01 +受理决定：受理\$"
seen tl "step: the key's operations as the clerk sees them" "步骤 demo01 +USB Key 操作：初始化新 Key；写入证书：有效期"
seen tl "step: the validity in words" "^  2026-11-21 至 2027-11-21；写入印章"
seen tl "step: the payment in 元" "步骤 demo01 +缴费：已付 400.00 元，交易号"
seen tl "step: the slip by its name, not its file" "步骤 demo01 +打印回执：受理回执\$"
seen tl "audit: the case opened, in words" "审计 demo01 +#[0-9]+ 开立业务：业务：证书及印章新办；经办：demo01"
seen tl "audit: the order's state in words" "审计 demo01 +#[0-9]+ 订单状态：订单号：$NO；"
unseen tl "no English of the record on screen" "personalise|write_cert|certificate|paid [0-9]|fen,|slip\.txt|\"decision\"|case\.open|payment\.update"

# Every word of the step and audit entries (an entry's second row too):
# ASCII words only where they are identifiers (a digit in them) or the
# names the Chinese text itself uses.
awk '
	/^  [0-9][0-9]:[0-9][0-9]:[0-9][0-9] / { on = ($2 == "步骤" || $2 == "审计"); if (on) print; next }
	/^  [^ ]/ && on { print; next }
	{ on = 0 }
' "$T/tl.out" >"$T/entries"
words=$(grep -oE '[A-Za-z0-9][A-Za-z0-9._:/?=-]*' "$T/entries" | grep -E '[A-Za-z]' | grep -vE '[0-9]' |
	grep -vxE 'Key|USB|PIN|PIV|SM2|F9|weixin://[A-Za-z0-9./?=]*' | sort -u | tr '\n' ' ')
equal "entries: no English word but identifiers" "$words" ""
truth() { if "$@" >/dev/null 2>&1; then echo "PASS $T_NAME"; else echo "FAIL $T_NAME"; fi; }
T_NAME="entries: step and audit rows read" truth test "$(grep -c '步骤\|审计' "$T/entries")" -ge 16

# kioskctl's timeline: the record's own English, as it was written
echo 975310 | "$KIOSKCTL" report case "$NO" --db "$T/tl.d/demo.db" --by demosup >"$T/report" 2>&1
T_NAME="report case: the key step in the record's words" truth grep -q "step .*token: personalise; write_cert: certificate 2026-11-21..2027-11-21; write_seal" "$T/report"
T_NAME="report case: the payment in the record's words" truth grep -q "step .*payment: paid 40000 fen, transaction " "$T/report"
T_NAME="report case: the audit rows as recorded" truth grep -q 'audit .*#[0-9]* case.open {"service":"zc.new","clerk":"demo01"}' "$T/report"
