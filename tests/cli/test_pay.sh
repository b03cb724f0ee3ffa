#!/bin/sh
# kioskctl pay reconcile against the payment simulator (docs/reconciliation.md):
# the supervisor's authority (none, wrong PIN, a clerk's id, right), the exit
# codes (0 nothing open, 1 differences open or a refusal, 2 usage or
# environment), a difference found, listed, resolved with a note and then
# found explained, the bill of a day not yet ended, and demo mode refused.
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
