#!/bin/sh
# kioskctl pay reconcile against the payment simulator (docs/reconciliation.md):
# the supervisor's authority (none, wrong PIN, a clerk's id, right), the exit
# codes (0 nothing open, 1 differences open or a refusal, 2 usage or
# environment), a difference found, listed, resolved with a note and then
# found explained, the bill of a day not yet ended, and demo mode refused;
# then the duplicate payment's refund (重复支付退款) end to end, both ways a
# duplicate is recognised (an order the gateway charges twice, a second order
# paid late), from the reconciliation to paysim's own books and back to the
# day view, the CSV and the timeline, and run again without a second refund.
# The test keys openssl makes are valid from now: "today" is the real day and
# the clock of both programs is set to 11:00 the next day.
. tests/cli/lib.sh
K=$KIOSKCTL
DB="$T/kiosk.db"
sim_pid=
trap '[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; rm -rf "$T"' EXIT

TODAY=$(TZ=Asia/Shanghai date +%F)
TOMORROW=$(TZ=Asia/Shanghai date -d tomorrow +%F)
export KIOSK_NOW="${TOMORROW}T11:00:00+08:00"

WX="$T/wx"
mkdir -p "$WX/platform"
(cd "$WX" &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout merchant_key.pem -out merchant_cert.pem \
		-subj /CN=1900000001 -set_serial 0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -keyout platform_key.pem -out platform_cert.pem \
		-subj '/CN=Tenpay test' -set_serial 0x3775B6A45ACD1F8D5EDFCF89E1C0E4D9E1E2F3A4 &&
	cp platform_cert.pem platform/3775B6A45ACD1F8D5EDFCF89E1C0E4D9E1E2F3A4.pem &&
	printf k8Xv2mQ9pL4sT7wZ1nB6cR3yH5jF0dGa >apiv3.key &&
	chmod 600 merchant_key.pem platform_key.pem apiv3.key) >/dev/null 2>&1
"$PWD/$BUILD/tests/sim/paysim" --mchid 1900000001 --appid wx8888888888888888 \
	--merchant-cert "$WX/merchant_cert.pem" --platform-key "$WX/platform_key.pem" \
	--platform-cert "$WX/platform_cert.pem" >"$T/paysim.port" 2>"$T/paysim.err" &
sim_pid=$!
i=0
until [ -s "$T/paysim.port" ] || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
SIMURL="http://127.0.0.1:$(head -n 1 "$T/paysim.port")"
knob() { curl -s -X POST --data "$1" "$SIMURL/sim/config" >/dev/null; }

cp -r kiosk-config "$T/cfg"
cp -r kiosk-config "$T/cfgdemo"
sed -i -e "s|^mode = demo|mode = wechat|" -e "s|^base_url =.*|base_url = $SIMURL|" \
	-e "s|^appid =.*|appid = wx8888888888888888|" -e "s|^mchid =.*|mchid = 1900000001|" \
	-e "s|^merchant_serial =.*|merchant_serial = 5157F09EFDC096DE15EBE81A47057A7232F1B8E1|" \
	-e "s|^private_key_file =.*|private_key_file = $WX/merchant_key.pem|" \
	-e "s|^platform_keys_dir =.*|platform_keys_dir = $WX/platform|" \
	-e "s|^apiv3_key_file =.*|apiv3_key_file = $WX/apiv3.key|" \
	-e "s|^notify_url =.*|notify_url = https://kiosk.example.com/wxpay/notify|" "$T/cfg/kiosk.ini"
C="--config $T/cfg --db $DB"

echo 975310 | $K staff add --id s001 --name 王主管 --role supervisor $C >/dev/null 2>&1
printf '975310\n246810\n' | $K staff add --id c001 --name 张三 --role clerk $C --by s001 >/dev/null 2>&1

# ---- usage and authority ----
expect "pay: no subcommand is usage" 2 "usage: kioskctl pay" $K pay $C
expect "pay reconcile: no date is usage" 2 "--date" sh -c "echo 975310 | $K pay reconcile $C --by s001"
expect "pay reconcile: a date that is not one is usage" 2 "--date" \
	sh -c "echo 975310 | $K pay reconcile $C --date 2024-02-30 --by s001"
expect "pay reconcile: an unknown option is usage" 2 "unknown option --force" \
	sh -c "echo 975310 | $K pay reconcile $C --date $TODAY --by s001 --force"
expect "pay reconcile: no --by is usage" 2 "supervisor" $K pay reconcile $C --date "$TODAY"
expect "pay reconcile: a wrong PIN is refused" 1 "wrong PIN" \
	sh -c "echo 111111 | $K pay reconcile $C --date $TODAY --by s001"
expect "pay reconcile: a clerk is refused" 1 "is a clerk" \
	sh -c "echo 246810 | $K pay reconcile $C --date $TODAY --by c001"
expect "pay reconcile: no gateway call before the PIN is checked" 0 '"bill_calls":0' \
	curl -s "$SIMURL/sim/stats"

# ---- the supervisor ----
expect "pay reconcile: a day without trades agrees (exit 0)" 0 "bill $TODAY: none.*" \
	sh -c "echo 975310 | $K pay reconcile $C --date $TODAY --by s001"
knob '{"bill_extra":1}'
expect "pay reconcile: a payment nobody booked is a difference (exit 1)" 1 \
	"#1 unbooked +open +case - order SIMX" \
	sh -c "echo 975310 | $K pay reconcile $C --date $TODAY --by s001"
expect "pay reconcile: what to do is said" 1 "to do: Money moved at the gateway that the kiosk has not booked" \
	sh -c "echo 975310 | $K pay reconcile $C --date $TODAY --by s001"
expect "pay reconcile: the bill's SHA-1 was checked" 1 "SHA-1 [0-9a-f]{40} \(checked\)" \
	sh -c "echo 975310 | $K pay reconcile $C --date $TODAY --by s001"
expect "pay diffs: listed, still open (exit 1)" 1 "last reconciled by s001.*1 open" \
	sh -c "echo 975310 | $K pay diffs $C --date $TODAY --by s001"
expect "pay resolve: a note is needed" 2 "--note" \
	sh -c "echo 975310 | $K pay resolve $C --id 1 --by s001"
expect "pay resolve: a clerk cannot" 1 "is a clerk" \
	sh -c "echo 246810 | $K pay resolve $C --id 1 --note refunded --by c001"
expect "pay resolve: no such difference" 1 "no payment difference 9" \
	sh -c "echo 975310 | $K pay resolve $C --id 9 --note refunded --by s001"
expect "pay resolve: recorded with who and how" 0 "resolved by s001 at .*: 商户平台核实：测试交易，已退款" \
	sh -c "echo 975310 | $K pay resolve $C --id 1 --note '商户平台核实：测试交易，已退款' --by s001"
expect "pay reconcile: found again, already explained (exit 0)" 0 "1 already explained.*0 open" \
	sh -c "echo 975310 | $K pay reconcile $C --date $TODAY --by s001"
expect "pay diffs: resolved, nothing open (exit 0)" 0 "resolved by s001" \
	sh -c "echo 975310 | $K pay diffs $C --date $TODAY --by s001"
expect "pay: the audit chain binds the reconciliation's rows" 0 "^OK" $K audit verify $C
expect "pay: the audit log holds the runs, the difference and its resolution" 0 "^pay.reconcile pay.diff pay.resolve$" \
	sqlite3 "$DB" "SELECT group_concat(a, ' ') FROM (SELECT action a FROM audit WHERE action LIKE 'pay.%' GROUP BY action ORDER BY min(seq))"

# ---- the duplicate payment's refund (重复支付退款), from a difference or a case
# (the refund itself against the simulator: tests/unit/test_recon.c) ----
expect "pay refund-duplicate: who asks is needed" 2 "needs --by" \
	$K pay refund-duplicate $C --id 1 --reason 重复扣款 --approver s001
expect "pay refund-duplicate: a difference or a case is needed" 2 "--id N .* or --case NO" \
	sh -c "printf '246810\n975310\n' | $K pay refund-duplicate $C --reason 重复扣款 --by c001 --approver s001"
expect "pay refund-duplicate: only a charged-twice difference" 1 "not a charged-twice" \
	sh -c "printf '246810\n975310\n' | $K pay refund-duplicate $C --id 1 --reason 重复扣款 --by c001 --approver s001"
expect "pay refund-duplicate: a case without a second payment is refused" 1 "no second payment.*nothing was done" \
	sh -c "printf '246810\n975310\n' | $K pay refund-duplicate $C --case K01-20991231-0001 --reason 重复扣款 --by c001 --approver s001"
expect "pay refund-duplicate: a wrong PIN of the one asking" 1 "wrong PIN for c001" \
	sh -c "printf '111111\n975310\n' | $K pay refund-duplicate $C --case K01-20991231-0001 --reason 重复扣款 --by c001 --approver s001"
expect "pay refund-duplicate: demo mode refunds at the kiosk" 2 "F8 on the case" \
	sh -c "printf '246810\n975310\n' | $K pay refund-duplicate --config $T/cfgdemo --db $DB --case K01-20991231-0001 --reason 重复扣款 --by c001 --approver s001"

# ---- environment ----
expect "pay reconcile: a day not yet ended is the gateway's STATEMENT_CREATING (exit 2)" 2 \
	"STATEMENT_CREATING.*nothing was recorded" \
	sh -c "echo 975310 | $K pay reconcile $C --date $TOMORROW --by s001"
expect "pay reconcile: demo mode has no bill (exit 2)" 2 "mode is 'demo'" \
	sh -c "echo 975310 | $K pay reconcile --config $T/cfgdemo --db $DB --date $TODAY --by s001"

# ---- the day close lists the day's differences ----
expect "day close: lists the day's payment differences and who resolved them" 0 \
	"difference #1 unbooked resolved: .*商户平台核实" \
	sh -c "echo 975310 | $K day close $C --date $TODAY --by s001 --out $T/closes --key $T/kiosk-key.pem"

# ---- 重复支付退款 end to end: the real kioskctl against paysim, both ways a
# duplicate payment is recognised. The cases are made on $TOMORROW by the
# counter's own repository and payment calls (tests/sim/paysim_case): one
# whose order the gateway charges twice (knob duplicate_pay), one with a
# second order paid at the gateway after the kiosk moved on (a late scan).
# The day then ends at both clocks and kioskctl reconciles, refunds with
# one supervisor asking and another approving, and is run again. ----
SEED="$PWD/$BUILD/tests/sim/paysim_case"
D3=$(TZ=Asia/Shanghai date -d '2 days' +%F)
printf '975310\n135790\n' | $K staff add --id s002 --name 李主管 --role supervisor $C --by s001 >/dev/null 2>&1
sim() { curl -s "$SIMURL$1"; }
field() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
knob '{"bill_extra":0,"pay_after":1,"duplicate_pay":2}'
set -- $("$SEED" "$T/cfg" "$DB" once 2>"$T/seed.err")
CASE1=$1 ORDER1=$2
set -- $("$SEED" "$T/cfg" "$DB" once 2>>"$T/seed.err")
CASE3=$1 ORDER3=$2
knob '{"duplicate_pay":0}'
set -- $("$SEED" "$T/cfg" "$DB" second 2>>"$T/seed.err")
CASE2=$1 ORDER2A=$2 ORDER2B=$3
expect "dup: two paid cases made against the simulator" 0 "" test -n "$CASE1" -a -n "$ORDER2B"
[ -s "$T/seed.err" ] && sed 's/^/    ! /' "$T/seed.err"
expect "dup: the gateway charged the first case's order twice" 0 '"charges":2,"paid":80000' sim "/sim/order/$ORDER1"
curl -s -X POST "$SIMURL/sim/pay/$ORDER2B" >/dev/null # the customer scans the second code late
expect "dup: the second case's second order is paid at the gateway" 0 '"state":"SUCCESS"' sim "/sim/order/$ORDER2B"
expect "dup: the kiosk holds the second order unpaid" 0 "^NOTPAY$" \
	sqlite3 "$DB" "SELECT state FROM payments WHERE out_trade_no = '$ORDER2B'"
# the day ends: the gateway's clock and kioskctl's go to 11:00 the next day
knob '{"advance":86400}'
export KIOSK_NOW="${D3}T11:00:00+08:00"
expect "dup: pay reconcile lists the order charged twice (exit 1)" 1 \
	"#[0-9]+ duplicate +open +case $CASE1 order $ORDER1 .*bill 800.00" \
	sh -c "echo 975310 | $K pay reconcile $C --date $TOMORROW --by s001"
expect "dup: pay reconcile lists the case with two orders paid" 1 \
	"#[0-9]+ duplicate +open +case $CASE2 order - .*bill 800.00" \
	sh -c "echo 975310 | $K pay diffs $C --date $TOMORROW --by s001"
ID1=$(sqlite3 "$DB" "SELECT id FROM pay_diffs WHERE kind = 'duplicate' AND case_no = '$CASE1'")
ID2=$(sqlite3 "$DB" "SELECT id FROM pay_diffs WHERE kind = 'duplicate' AND case_no = '$CASE2'")
R0=$(sim /sim/stats | field refunds)
# maker-checker through the binary: nobody approves their own request
expect "dup: the one asking cannot approve" 1 "another supervisor must approve" \
	sh -c "printf '975310\n975310\n' | $K pay refund-duplicate $C --id $ID1 --reason 重复扣款退还 --by s001 --approver s001"
expect "dup: the approver's wrong PIN refuses" 1 "wrong PIN for s002" \
	sh -c "printf '975310\n111111\n' | $K pay refund-duplicate $C --id $ID1 --reason 重复扣款退还 --by s001 --approver s002"
expect "dup: nothing reached the gateway while refused" 0 "^$R0$" sh -c "curl -s $SIMURL/sim/stats | sed -n 's/.*\"refunds\":\([0-9]*\).*/\1/p'"
# charged twice: s001 asks, s002 approves with the PIN
expect "dup: charged twice, refund asked and approved, sent (PROCESSING)" 0 \
	"重复支付退款 $ORDER1-D1: case $CASE1 order $ORDER1, 400.00 yuan: PROCESSING" \
	sh -c "printf '975310\n135790\n' | $K pay refund-duplicate $C --id $ID1 --reason 重复扣款退还 --by s001 --approver s002"
expect "dup: the gateway refunded the second charge, not the one booked" 0 \
	'"refunded":40000,"refunded_first":0,.*"refunded_second":40000' sim "/sim/order/$ORDER1"
expect "dup: charged twice, asked again: SUCCESS" 0 "400.00 yuan: SUCCESS, refund id [0-9]+" \
	sh -c "printf '975310\n' | $K pay refund-duplicate $C --id $ID1 --by s001"
expect "dup: charged twice: the difference resolved in the approver's name" 0 "^resolved s002$" \
	sqlite3 "$DB" "SELECT status || ' ' || resolved_by FROM pay_diffs WHERE id = $ID1"
# the second order: taken up (queried, flagged) and refunded whole
expect "dup: second order, taken up and refunded (PROCESSING)" 0 \
	"重复支付退款 $ORDER2B-D1: case $CASE2 order $ORDER2B, 400.00 yuan: PROCESSING" \
	sh -c "printf '975310\n135790\n' | $K pay refund-duplicate $C --id $ID2 --reason 重复扣款退还 --by s001 --approver s002"
expect "dup: the second order was booked paid and flagged before its refund" 0 "^1$" \
	sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'payment.duplicate' AND instr(detail, '$ORDER2B') > 0"
expect "dup: second order, asked again (by the case): SUCCESS" 0 "400.00 yuan: SUCCESS, refund id [0-9]+" \
	sh -c "printf '975310\n' | $K pay refund-duplicate $C --case $CASE2 --by s001"
expect "dup: second order: its differences (charged twice, and the payment the kiosk had not booked) resolved in the approver's name" 0 "^duplicate resolved s002,unbooked resolved s002$" \
	sqlite3 "$DB" "SELECT group_concat(kind || ' ' || status || ' ' || resolved_by) FROM (SELECT * FROM pay_diffs WHERE case_no = '$CASE2' ORDER BY kind)"
expect "dup: the gateway has the second order refunded in full" 0 '"state":"REFUND".*"refunded":40000' \
	sim "/sim/order/$ORDER2B"
expect "dup: the cases' first orders are untouched at the gateway" 0 '"state":"SUCCESS".*"refunded":0,' \
	sim "/sim/order/$ORDER2A"
R2=$(sim /sim/stats | field refunds)
expect "dup: two refunds at the gateway" 0 "" test "$R2" -eq $((R0 + 2))
# a second run of the same commands refunds nothing more
expect "dup: charged twice, run again: nothing sent" 0 "asked for already: nothing was sent" \
	sh -c "printf '975310\n135790\n' | $K pay refund-duplicate $C --id $ID1 --reason 重复扣款退还 --by s001 --approver s002"
expect "dup: second order, run again: nothing sent" 0 "asked for already: nothing was sent" \
	sh -c "printf '975310\n135790\n' | $K pay refund-duplicate $C --id $ID2 --reason 重复扣款退还 --by s001 --approver s002"
expect "dup: no refund and no refund call more at the gateway" 0 "\"refunds\":$R2," sim /sim/stats
expect "dup: the kiosk has two refunds, both SUCCESS, approved by s002" 0 "^2 SUCCESS s002$" \
	sqlite3 "$DB" "SELECT count(*) || ' ' || group_concat(DISTINCT state) || ' ' || group_concat(DISTINCT approved_by) FROM refunds"
# the refund ABNORMAL (the customer's account refused it), then put through
# on the merchant platform: the same command asks again and records SUCCESS
ID3=$(sqlite3 "$DB" "SELECT id FROM pay_diffs WHERE kind = 'duplicate' AND case_no = '$CASE3'")
knob '{"refund_abnormal":1}'
expect "dup: a refund the customer's account refuses: ABNORMAL, what to do said (exit 1)" 1 \
	"^ABNORMAL: the customer's account refused the money.*异常退款" \
	sh -c "printf '975310\n135790\n' | $K pay refund-duplicate $C --id $ID3 --reason 重复扣款退还 --by s001 --approver s002"
expect "dup: ABNORMAL: the difference stays open" 0 "^open$" \
	sqlite3 "$DB" "SELECT status FROM pay_diffs WHERE id = $ID3"
curl -s -X POST "$SIMURL/sim/refund-success/$ORDER3-D1" >/dev/null # 异常退款 on the merchant platform
R3=$(sim /sim/stats | field refunds)
expect "dup: asked again once put through: SUCCESS (exit 0)" 0 "400.00 yuan: SUCCESS, refund id [0-9]+" \
	sh -c "printf '975310\n' | $K pay refund-duplicate $C --id $ID3 --by s001"
expect "dup: ABNORMAL then SUCCESS: resolved by the approver, no second refund" 0 "^resolved s002 $R3$" \
	sh -c "echo \"\$(sqlite3 $DB 'SELECT status || \" \" || resolved_by FROM pay_diffs WHERE id = $ID3') \$(curl -s $SIMURL/sim/stats | sed -n 's/.*\"refunds\":\([0-9]*\).*/\1/p')\""
# shown as 重复支付退款: diffs, the day view (report daily), its CSV, the timeline
expect "dup: pay diffs: all resolved by the approver with the refund's note, nothing open (exit 0)" 0 \
	"resolved by s002 at .*: 重复支付退款 $ORDER1-D1 SUCCESS" \
	sh -c "echo 975310 | $K pay diffs $C --date $TOMORROW --by s001"
expect "dup: pay diffs: the day's header counts what is open now, not at the run" 0 \
	"last reconciled by s001 at .*: 0 open" \
	sh -c "echo 975310 | $K pay diffs $C --date $TOMORROW --by s001"
expect "dup: pay diffs: the second case's too" 0 "resolved by s002 at .*: 重复支付退款 $ORDER2B-D1 SUCCESS" \
	sh -c "echo 975310 | $K pay diffs $C --date $TOMORROW --by s001"
expect "dup: pay reconcile again: found again, explained, nothing open (exit 0)" 0 "3 already explained.*0 open" \
	sh -c "echo 975310 | $K pay reconcile $C --date $TOMORROW --by s001"
expect "dup: the day view shows the case's 重复支付退款" 0 "$CASE1 .*DUP-REFUND\(重复支付退款\) SUCCESS 400.00" \
	sh -c "echo 975310 | $K report daily $C --date $TOMORROW --by s001"
expect "dup: the day view shows the second case's too, not overpaid" 0 "$CASE2 .*DUP-REFUND\(重复支付退款\) SUCCESS 400.00" \
	sh -c "echo 975310 | $K report daily $C --date $TOMORROW --by s001"
echo 975310 | $K report daily $C --date "$TOMORROW" --by s001 --csv >"$T/day.csv" 2>&1
is() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: got '$2', wanted '$3'"; fi; }
col() { awk -F, -v want="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == want) c = i; next } c { print $c }' "$T/day.csv"; }
is "dup: the CSV's 重复支付退款 amounts of the three cases" "$(col dup_refund_yuan | tr '\n' ' ')" "400.00 400.00 400.00 "
is "dup: the CSV's 重复支付退款 states of the three cases" "$(col dup_refund_state | tr '\n' ' ')" "SUCCESS SUCCESS SUCCESS "
expect "dup: the case's timeline says 重复支付退款" 0 "重复支付退款" \
	sh -c "echo 975310 | $K report case $CASE1 $C --by s001"
expect "dup: the audit chain is intact" 0 "^OK" $K audit verify $C
