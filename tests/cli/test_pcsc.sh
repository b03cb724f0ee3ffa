#!/bin/sh
# The customer's key through the real PC/SC stack: pcscd with the vpcd reader
# driver, and tests/sim/cardsim as the key behind it. The driver is driven by
# tests/sim/tokdrive (the token step's operations and each service's token
# part, with the lifecycle in a real database) and checked from outside by
# kioskctl, opensc-tool (a PC/SC client the project did not write), the
# openssl command line (certificates against the CA) and sqlite3.
# A pcscd is started when none answers and stopped at the end.
. tests/cli/lib.sh
SIM="$PWD/$BUILD/tests/sim/cardsim"
DRV="$PWD/$BUILD/tests/sim/tokdrive"
R0='Virtual PCD 00 00'
R1='Virtual PCD 00 01'
UNIT='四川测试科技有限公司'
UNIT2='四川测试科技股份有限公司'
USCC=91310115MA1K3BTP2B
OTHER_USCC=91110000600037341L
DB="$T/kiosk.db"
sim_pids=
. tests/sim/pcsc_env.sh

cleanup() {
	for p in $sim_pids; do kill "$p" 2>/dev/null; done
	for p in $sim_pids; do wait "$p" 2>/dev/null; done
	pcsc_down
	rm -rf "$T"
}
trap cleanup EXIT

for tool in pcscd opensc-tool openssl sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "FAIL pcsc: $tool is not installed (make deps)"; exit 1; }
done
if [ ! -x "$SIM" ] || [ ! -x "$DRV" ]; then
	echo "FAIL pcsc: build $SIM and $DRV first (make check builds them)"
	exit 1
fi
# the pcscd that answers, else our own
pcsc_up "$KIOSKCTL" 2>"$T/pcsc_up.err" || { echo "FAIL pcsc: $(cat "$T/pcsc_up.err")"; exit 1; }
expect "pcscd shows the vpcd readers" 0 "^$R1: no key" "$KIOSKCTL" token list

head -c 32 /dev/urandom >"$T/secret"
chmod 600 "$T/secret"
head -c 32 /dev/urandom >"$T/other-secret"
chmod 600 "$T/other-secret"
D="$DRV --secret $T/secret --ca $T/ca --db $DB --actor clerk1"
# a day N years from today in Asia/Shanghai (UTC+8, no tzdata needed)
years_on() { TZ=UTC-8 date -d "+$1 years" +%Y-%m-%d; }
# a certificate starts when it is issued (never backdated): today to a year on
FROM=$(TZ=UTC-8 date +%Y-%m-%d)
TO=$(years_on 1)

# start_sim NAME SERIAL [cardsim options]: a key in reader 0 (--port for 1)
start_sim() {
	name=$1 serial=$2
	shift 2
	"$SIM" --state "$T/$name.state" --serial "$serial" --log "$T/$name.log" "$@" &
	sim_pids="$sim_pids $!"
	eval "pid_$name=$!"
}
wait_key() { $DRV ${2:+--reader "$2"} wait "$1" 5000 >/dev/null; }
# stop_sim NAME: pull the key for good, and wait until pcscd has seen it go
# (vpcd takes the next key only after noticing the last one is gone)
stop_sim() {
	eval "p=\$pid_$1"
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	wait_key out
}

# ---- a blank key, personalised and read back ----
start_sim k1 SC-T-0001
wait_key in
expect "token list shows the key" 0 "^$R0: key present \(ATR 3B" "$KIOSKCTL" token list
expect "a blank key reads as blank" 0 "personalised=0" $D info
expect "kioskctl token info: blank" 0 "a blank key" "$KIOSKCTL" token info --reader "$R0"
expect "a read-only device cannot personalise" 1 "status=not_supported" $DRV personalise
expect "personalise a blank key" 0 "status=ok" $D personalise
expect "read back: personalised, 6 tries" 0 "tries_left=6" $D info
expect "personalise twice is the wrong card" 1 "status=wrong_card" $D personalise
expect "a certificate needs the on-card key" 0 "cert_serial=[0-9A-F]{32}" \
	$D write-cert --unit "$UNIT" --uscc $USCC --from $FROM --to $TO
expect "read back the holder" 0 "unit_name=$UNIT" $D info
expect "read back the validity" 0 "not_after=$TO" $D info
expect "seal written" 0 "status=ok" $D write-seal $TO
expect "read back the seal" 0 "seal_not_after=$TO" $D info
truth "certificate read from the key" $D cert "$T/k1.der"
truth "it verifies against the CA (openssl)" sh -c \
	"openssl x509 -inform der -in '$T/k1.der' -out '$T/k1.pem' && openssl verify -CAfile '$T/ca/ca.crt' '$T/k1.pem'"
expect "its subject carries the unit and USCC" 0 "serialNumber *= *$USCC" \
	openssl x509 -in "$T/k1.pem" -noout -subject -nameopt multiline,utf8
expect "final check: challenge signed on the key" 0 "check=ok" $D check 12345678
expect "final check without PIN: public keys compared" 0 "check=ok" $D check
expect "kioskctl token info shows the certificate" 0 "valid: $FROM to $TO" \
	"$KIOSKCTL" token info --reader "$R0"

# The info EF through pcscd by a client we did not write: SELECT the
# application, then READ BINARY by SFI of both info EFs and GET DATA. The key
# also has a PIV application, which OpenSC's PIV driver would claim and
# select again before each command: the default driver sends them as they are.
uscc_hex=$(printf %s "$USCC" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
opensc-tool -c default -r "$R0" -s 00A4040C09F0534343414B455901 -s 00B0810000 -s 00B0820000 \
	-s 00CA010100 >"$T/opensc.out" 2>&1
received=$(sed -n 's/^\(\([0-9A-F][0-9A-F] \)\{1,16\}\).*/\1/p' "$T/opensc.out" | tr -d ' \n')
case "$received" in
*E181*"$uscc_hex"*) echo "PASS opensc-tool reads the info record (E1 ... USCC)" ;;
*) echo "FAIL opensc-tool reads the info record"; sed 's/^/    | /' "$T/opensc.out" ;;
esac
serial_hex=$(printf %s SC-T-0001 | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
case "$received" in
*E0??80??"$serial_hex"*) echo "PASS opensc-tool reads the key status (GET DATA 0101)" ;;
*) echo "FAIL opensc-tool reads the key status"; sed 's/^/    | /' "$T/opensc.out" ;;
esac
expect "opensc-tool: SELECT answered 9000" 0 "SW1=0x90, SW2=0x00" cat "$T/opensc.out"

# ---- PINs: counting down to blocked, reset with the admin PIN ----
for left in 5 4 3 2 1; do
	expect "wrong PIN: $left tries left" 1 "tries_left=$left" $D verify 00000000
done
expect "sixth wrong PIN blocks the key" 1 "status=blocked" $D verify 00000000
expect "right PIN on a blocked key: blocked" 1 "status=blocked" $D verify 12345678
expect "kioskctl token info shows it locked" 0 "0 of 6 tries left \(locked" \
	"$KIOSKCTL" token info --reader "$R0"
expect "another kiosk's secret cannot reset it" 1 "status=wrong_card" \
	$DRV --secret "$T/other-secret" reset
expect "reset with the key's admin PIN" 0 "status=ok" $D reset
expect "the initial PIN works again" 0 "tries_left=6" $D verify 12345678
expect "change the PIN" 0 "status=ok" $D change 12345678 Abc12345
expect "a bad new PIN costs no try" 1 "status=pin_format" $D change Abc12345 12
expect "the new PIN works" 0 "tries_left=6" $D verify Abc12345
expect "a PIN longer than any is counted" 1 "tries_left=5" $D verify 12345678901234567890
expect "erase takes the application off" 0 "status=ok" $D erase
expect "an erased key is blank" 0 "personalised=0" $D info
stop_sim k1

# ---- a key that is not this profile's, and a slow one ----
start_sim alien SC-ALIEN --sw 1:6D00
wait_key in
expect "a card without the profile is the wrong card" 1 "status=wrong_card" $D info
stop_sim alien
# a card without this profile's application, whose key status is unknown to
# it (GET DATA 0101: 6D00), is the wrong card for every operation, never a
# blank key of ours (not_personalised): a fresh one for each
foreign() {
	label=$1
	shift
	# every GET DATA answered 6D00: a driver that retries after a reset
	# (the card just inserted) must see the same card the second time
	start_sim foreign SC-FOREIGN --sw-ins CA:6D00:0
	wait_key in
	expect "a foreign card: $label says wrong_card" 1 "status=wrong_card" $D "$@"
	stop_sim foreign
}
foreign "public key" pubkey "$T/foreign.spki"
foreign "certificate write" write-cert --unit "$UNIT" --uscc $USCC --from $FROM --to $TO
foreign "certificate read" cert "$T/foreign.der"
foreign "personalise" personalise
foreign "PIN" verify 12345678
start_sim slow SC-SLOW --delay-ms 150 --no-extended
wait_key in
expect "slow key without extended lengths: personalised" 0 "status=ok" $D personalise
expect "slow key: certificate by command chaining" 0 "status=ok" \
	$D write-cert --unit "$UNIT" --uscc $USCC --from $FROM --to $TO
expect "slow key: final check" 0 "check=ok" $D check 12345678
stop_sim slow
expect "kioskctl token info on an empty reader" 2 "no_key" "$KIOSKCTL" token info --reader "$R0"

# ---- each service's token part, with the lifecycle in the database ----
state() { sqlite3 "$DB" "SELECT state FROM tokens WHERE serial = '$1'"; }
certstat() { sqlite3 "$DB" "SELECT status || ':' || revoke_reason FROM certs WHERE serial = '$1'"; }
cert_of() { sqlite3 "$DB" "SELECT cert_serial FROM tokens WHERE serial = '$1'"; }

start_sim n1 SC-N-0001
wait_key in
expect "new: personalise, issue, write, seal, check" 0 "service=ok" \
	$D service zc.new --unit "$UNIT" --uscc $USCC --years 2
expect "new: the key is ACTIVE" 0 "^ACTIVE$" state SC-N-0001
expect "new: the seal runs with the certificate" 0 "seal_not_after=$(years_on 2)" $D info
c_new=$(cert_of SC-N-0001)
expect "renew: a certificate for the case's unit" 0 "service=ok" \
	$D service zc.renew --unit "$UNIT" --uscc $USCC --years 1
c_renew=$(cert_of SC-N-0001)
expect "renew: the old certificate is not revoked" 0 "^valid:$" certstat "$c_new"
expect "renew: validity extended by a year" 0 "not_after=$(years_on 3)" $D info
expect "renew refused for another unit (所属机构与key信息不一致)" 1 "refused=unit_differs" \
	$D service zc.renew --unit "别的公司" --uscc $USCC
expect "the refused renewal changed nothing" 0 "cert_serial=$c_renew" $D info
expect "bind refused when the USCC differs" 1 "refused=uscc_differs" \
	$D service rs.bind --unit "$UNIT" --uscc $OTHER_USCC
expect "bind: key recorded against unit and agent" 0 "service=ok" \
	$D service rs.bind --unit "$UNIT" --uscc $USCC --agent-name 李四 --agent-id 110102199101010078
expect "bind: one current binding" 0 "^李四$" \
	sqlite3 "$DB" "SELECT agent_name FROM token_bindings WHERE unbound_ms IS NULL"
expect "change: new name on the same key, validity kept" 0 "service=ok" \
	$D service rs.change --unit "$UNIT2" --uscc $USCC
expect "change: the key holds the new name" 0 "unit_name=$UNIT2" $D info
expect "change: the old certificate revoked (superseded)" 0 "^revoked:superseded$" certstat "$c_renew"
expect "change: recorded with the CA (both earlier certificates)" 0 "^R	.*	$c_new	" cat "$T/ca/index.txt"
expect "change: the renewed one too" 0 "^R	[^	]*	[^	]*,superseded	$c_renew	" cat "$T/ca/index.txt"
expect "change: the same validity" 0 "not_after=$(years_on 3)" $D info
for i in 1 2 3 4 5 6; do $D verify 99999999 >/dev/null; done
expect "unlock: the locked PIN reset to the initial one" 0 "service=ok" \
	$D service zc.unlock --unit "$UNIT2" --uscc $USCC
expect "unlock: the initial PIN works" 0 "tries_left=6" $D verify 12345678
expect "unlock: audited" 0 "^1$" sqlite3 "$DB" "SELECT count(*) FROM audit WHERE action = 'token.pin_reset'"
stop_sim n1

# reissue: a new blank key in the reader, the old one lost
start_sim n2 SC-N-0002
wait_key in
expect "reissue: new key personalised with the old validity" 0 "service=ok" \
	$D service zc.reissue --unit "$UNIT2" --uscc $USCC --old SC-N-0001
expect "reissue: the new key is ACTIVE" 0 "^ACTIVE$" state SC-N-0002
expect "reissue: the old key is PERM_LOST" 0 "^PERM_LOST$" state SC-N-0001
expect "reissue: the old certificate revoked" 0 "^revoked:lost$" certstat "$(cert_of SC-N-0001)"
expect "reissue: validity kept" 0 "not_after=$(years_on 3)" $D info
expect "reissue: a lost key cannot be reissued again" 1 "refused=old key is PERM_LOST" \
	$D service zc.reissue --unit "$UNIT2" --uscc $USCC --old SC-N-0001
# revoke: the key brought, erased, terminated
expect "revoke: certificate revoked, key erased" 0 "service=ok" \
	$D service zc.revoke --unit "$UNIT2" --uscc $USCC
expect "revoke: the key went TERMINATED, then blank" 0 "^ACTIVE TERMINATED UNFORMATTED$" \
	sqlite3 "$DB" "SELECT group_concat(to_state, ' ') FROM (SELECT * FROM (SELECT e.id, e.to_state FROM token_events e JOIN tokens t ON t.id = e.token_id WHERE t.serial = 'SC-N-0002' ORDER BY e.id DESC LIMIT 3) ORDER BY id)"
expect "revoke: the key reads blank" 0 "personalised=0" $D info
stop_sim n2
expect "the audit chain holds" 0 "^OK" "$KIOSKCTL" audit verify --db "$DB"
ok=0
for s in $(sqlite3 "$DB" "SELECT serial FROM certs"); do
	sqlite3 "$DB" "SELECT writefile('$T/$s.der', der) FROM certs WHERE serial = '$s'" >/dev/null
	openssl x509 -inform der -in "$T/$s.der" -out "$T/$s.pem" 2>/dev/null &&
		openssl verify -CAfile "$T/ca/ca.crt" "$T/$s.pem" >/dev/null 2>&1 && ok=$((ok + 1))
done
expect "the four certificates of the services verify against the CA" 0 "^4 4$" \
	echo "$ok $(sqlite3 "$DB" "SELECT count(*) FROM certs")"

# ---- a key pulled at every write position of a personalisation ----
# A clean run logs every writing command (start byte, weight); then for each
# command the key is torn just before it and in the middle of it, put back
# after 1.2 s, and the same process finishes the service.
start_sim clean SC-W-00000
wait_key in
expect "tear: a clean run for the write positions" 0 "service=ok" \
	$DRV --secret "$T/secret" --ca "$T/ca" --db "$T/tear.db" service zc.new --unit "$UNIT" --uscc $USCC
stop_sim clean
positions=$(awk '$1 == "W" { print $3; if ($2 == "D6") print $3 + int($4 / 2) }' "$T/clean.log" | sort -n | uniq)
n=0 bad=0
run_tear() {
	pos=$1 name=$2 reader=$3
	rm -f "$T/$name.state"
	"$SIM" --state "$T/$name.state" --serial "$(printf SC-W-%05d "$pos")" --tear-after "$pos" --reinsert-ms 1200 \
		${reader:+--port 35964} >/dev/null 2>&1 &
	p=$!
	$DRV ${reader:+--reader "$R1"} wait in 5000 >/dev/null
	$DRV ${reader:+--reader "$R1"} --secret "$T/secret" --ca "$T/ca" --db "$T/tear-$name.db" \
		--resume 15 service zc.new --unit "$UNIT" --uscc $USCC >"$T/$name.out" 2>&1
	rc=$?
	$DRV ${reader:+--reader "$R1"} --secret "$T/secret" cert "$T/$name.der" >/dev/null 2>&1 &&
		openssl x509 -inform der -in "$T/$name.der" -out "$T/$name.pem" 2>/dev/null &&
		openssl verify -CAfile "$T/ca/ca.crt" "$T/$name.pem" >/dev/null 2>&1
	vrc=$?
	$DRV ${reader:+--reader "$R1"} check 12345678 >>"$T/$name.out" 2>&1
	crc=$?
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	$DRV ${reader:+--reader "$R1"} wait out 5000 >/dev/null
	if [ $rc -ne 0 ] || [ $vrc -ne 0 ] || [ $crc -ne 0 ] || ! grep -q "^pulled=1" "$T/$name.out" ||
		grep -q "back_check=check_failed" "$T/$name.out"; then
		echo "FAIL tear at write byte $pos: service $rc, verify $vrc, check $crc"
		sed 's/^/    | /' "$T/$name.out"
		return 1
	fi
	return 0
}
# two readers, two keys torn at a time
set -- $positions
while [ $# -gt 0 ]; do
	run_tear "$1" tA "" &
	ja=$!
	jb=
	if [ $# -gt 1 ]; then
		run_tear "$2" tB 1 &
		jb=$!
	fi
	wait $ja || bad=$((bad + 1))
	n=$((n + 1))
	if [ -n "$jb" ]; then
		wait $jb || bad=$((bad + 1))
		n=$((n + 1))
		shift
	fi
	shift
done
if [ "$n" -ge 12 ] && [ "$bad" -eq 0 ]; then
	echo "PASS tear at each of $n write positions: resumed, consistent, certificate verifies"
else
	echo "FAIL tear: $bad of $n positions failed (positions: $positions)"
fi
