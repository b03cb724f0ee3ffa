#!/bin/sh
# The kiosk itself (not demo) with the customer's key through the real PC/SC
# stack: pcscd + vpcd, tests/sim/cardsim as the key. Script mode drives the
# clerk's screens; the key, the database, the CA's files and kioskctl are
# checked from outside. A pcscd is started when none answers and stopped at
# the end.
. tests/cli/screens.sh
R0='Virtual PCD 00 00'
UNIT='成都测试科技有限公司'
UNIT2='成都测试科技股份有限公司'
USCC=91310115MA1K3BTP2B
. tests/sim/pcsc_env.sh

pcsc_test_setup "kiosk pcsc" yubico-piv-tool pkcs11-tool openssl

# A real kiosk's configuration: the keys' admin secret set, data in $T/d.
pcsc_kiosk_setup

# ---- 政采 new certificate on a blank key ----
start_sim k1 SC-K-0001
{ clerk; pick 7; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\ndump\nkey Enter\ndump\nkey Enter\ndump\n'; } >"$T/new.keys"
krun new
seen new "new: the status line shows the blank key" "Key SC-K-0001 空白"
seen new "new: asks before writing" "即将写入客户的 USB Key"
seen new "new: on to the payment after writing" "1号窗口  收费"
equal "new: token step recorded" "$(q "SELECT count(*) FROM case_steps WHERE step='token' AND detail LIKE 'key SC-K-0001; personalised; certificate %; checked: signature verified'")" 1
equal "new: key ACTIVE in the lifecycle" "$(q "SELECT state FROM tokens WHERE serial='SC-K-0001'")" ACTIVE
equal "new: lifecycle went UNFORMATTED, FORMATTED, ACTIVE" \
	"$(q "SELECT group_concat(ifnull(from_state,'-') || '>' || to_state, ' ') FROM token_events e JOIN tokens t ON t.id=e.token_id WHERE t.serial='SC-K-0001'")" \
	"->UNFORMATTED UNFORMATTED>FORMATTED FORMATTED>ACTIVE"
equal "new: certificate recorded for the case" "$(q "SELECT count(*) FROM certs c JOIN cases k ON k.id=c.case_id WHERE c.uscc='$USCC' AND c.status='valid' AND c.app='kiosk'")" 1
expect "new: the key holds the unit's certificate (kioskctl token info)" 0 "$UNIT" "$KIOSKCTL" token info --reader "$R0"
q "SELECT hex(der) FROM certs" | xxd -r -p >"$T/new.der"
truth "new: the certificate verifies against the kiosk's CA (openssl)" sh -c \
	"openssl x509 -inform der -in '$T/new.der' -out '$T/new.pem' && openssl verify -CAfile '$T/d/ca/ca.crt' '$T/new.pem'"
expect "new: audit chain intact" 0 "^OK" $K audit verify

# piv_follows NAME SERIAL: what a customer's computer reads from the key's
# PIV application (yubico-piv-tool, the project's no code) is the key's valid
# certificates of record for 9A and 9C, byte for byte (the fingerprint)
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
piv_follows() {
	yubico-piv-tool -r Virtual -a status >"$T/$1.yk" 2>&1
	for slot in 9a 9c; do
		rm -f "$T/$1.$slot.der"
		q "SELECT writefile('$T/$1.$slot.der', c.der) FROM certs c JOIN tokens t ON t.id = c.token_id WHERE t.serial = '$2' AND c.app = 'piv.$slot' AND c.status = 'valid'" >/dev/null
		fp=$(sha256sum <"$T/$1.$slot.der" | cut -d' ' -f1)
		expect "$1: yubico-piv-tool reads the $slot certificate of record" 0 "Fingerprint:	$fp" \
			awk -v s="Slot $slot:" 'index($0, s) == 1 { f = 1; next } /^[^\t]/ { f = 0 } f' "$T/$1.yk"
	done
}
# piv_signs NAME: OpenSC's PKCS#11 module signs with the 9A key and PIN
# 12345678; openssl verifies it against the 9A certificate of record
piv_signs() {
	echo "signed after $1" >"$T/$1.in"
	pkcs11-tool --module "$P11" -l -p 12345678 -s --id 01 -m ECDSA-SHA256 --signature-format openssl \
		-i "$T/$1.in" -o "$T/$1.sig" >"$T/$1.signlog" 2>&1
	openssl x509 -inform der -in "$T/$1.9a.der" -pubkey -noout >"$T/$1.pub" 2>/dev/null
	expect "$1: a PKCS#11 signature verifies against the 9A certificate" 0 "Verified OK" \
		openssl dgst -sha256 -verify "$T/$1.pub" -signature "$T/$1.sig" "$T/$1.in"
}

# ---- renewal inside the window, 11 months on; the key's unit must match ----
LATER=2027-10-21T10:00:00+08:00
{ clerk; pick 8; party "$UNIT2" $USCC
  printf 'key Enter Enter Enter Enter\ndump\n'; } >"$T/renew_mismatch.keys"
krun renew_mismatch $LATER
seen renew_mismatch "renew: a unit name differing from the key is caught" "所属机构与key信息不一致"
equal "renew mismatch: no token step" "$(q "SELECT count(*) FROM case_steps s JOIN cases c ON c.id=s.case_id WHERE c.service_id='zc.renew' AND s.step='token'")" 0

{ clerk; pick 8; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\ndump\nkey Enter\nkey Enter\ndump\n'; } >"$T/renew.keys"
krun renew $LATER
equal "renew: certificate renewed on the same key" "$(q "SELECT count(*) FROM token_events WHERE reason='renewed'")" 1
equal "renew: expiry extended by the years asked" "$(q "SELECT date(max(not_after) * 86400, 'unixepoch') FROM certs")" 2028-11-21
expect "renew: the key reads the new expiry" 0 "2028-11-21" "$KIOSKCTL" token info --reader "$R0"
piv_follows renew SC-K-0001
expect "renew: the PIV certificate's new expiry as the middleware reads it" 0 "Not After:	Nov 21 .* 2028" cat "$T/renew.yk"
piv_signs renew

# ---- a key pulled in the middle of writing: it finishes when it is back ----
stop_sim k1
start_sim k2 SC-K-0002 --tear-after 300 --reinsert-ms 1500
{ clerk; pick 7; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\nkey Enter\ndump\nwait 6\ndump\n'; } >"$T/pulled.keys"
krun pulled
seen pulled "pulled: the clerk is told to put the key back" "写入过程中 Key 被拔出"
equal "pulled: the step finished once the key was back" "$(q "SELECT count(*) FROM case_steps s, tokens t WHERE s.step='token' AND s.detail LIKE 'key SC-K-0002;%' AND t.serial='SC-K-0002' AND t.state='ACTIVE'")" 1
expect "pulled: the key is consistent and its certificate checks" 0 "valid: " "$KIOSKCTL" token info --reader "$R0"
stop_sim k2

# ---- a key already holding a certificate is not a blank key ----
start_sim k1 SC-K-0001
{ clerk; pick 7; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\nkey Enter\ndump\n'; } >"$T/inuse.keys"
krun inuse
seen inuse "in use: a key with a certificate is refused for a new one" "已有证书"
stop_sim k1

# ---- no key in the reader ----
{ clerk; pick 7; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\nkey Enter\ndump\n'; } >"$T/nokey.keys"
krun nokey
seen nokey "no key: says what to do" "读卡器中没有 USB Key"
seen nokey "no key: the status line says so" "Key 未插入"
expect "all: audit chain intact" 0 "^OK" $K audit verify

# ---- the other services' key parts, each through the kiosk ----
DRV="$PWD/$BUILD/tests/sim/tokdrive"
tok() { sqlite3 "$DB" "SELECT state FROM tokens WHERE serial = '$1'"; }
MATS='key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'

# change: the unit's name changed, same key, a new certificate with the new name
start_sim k1 SC-K-0001
{ clerk; pick 9; party "$UNIT2" $USCC; printf "$MATS"; printf 'dump\nkey Enter\nkey Enter\ndump\n'; } >"$T/change.keys"
krun change $LATER
equal "change: re-enrolled on the same key" "$(q "SELECT count(*) FROM token_events WHERE reason = 'reenrolled'")" 1
expect "change: the key holds the new name" 0 "$UNIT2" "$KIOSKCTL" token info --reader "$R0"
equal "change: the old certificate superseded" "$(q "SELECT count(*) FROM certs WHERE status = 'revoked' AND revoke_reason = 'superseded' AND app = 'kiosk'")" 2
equal "change: the key's PIV certificates superseded with it" "$(q "SELECT count(*) FROM certs WHERE status = 'revoked' AND revoke_reason = 'superseded' AND app LIKE 'piv.%'")" 4
piv_follows change SC-K-0001
esc2=$(printf '%s' "$UNIT2" | od -An -tx1 | tr -d ' \n' | tr a-f A-F | sed 's/../\\x&/g')
equal "change: both PIV subjects carry the new name as the middleware reads them" "$(grep -cF "O=$esc2, CN=$esc2" "$T/change.yk")" 2
piv_signs change
# the CA follows: both earlier certificates (the new key's and its renewal's)
# (a certificate issued by a write torn earlier, never recorded, may be
# there as superseded too: the two recorded ones are checked by serial)
openssl crl -inform DER -in "$T/d/ca/crl.der" -noout -text >"$T/crl.txt" 2>&1
for c in $(q "SELECT serial FROM certs WHERE revoke_reason = 'superseded'"); do
	expect "change: $c revoked in the CA's index.txt" 0 "^R	[^	]*	[^	]*,superseded	$c	" cat "$T/d/ca/index.txt"
	expect "change: $c in its CRL" 0 "Serial Number: $c" cat "$T/crl.txt"
done

# PIN unlock: six wrong PINs lock the key; the kiosk resets it to the initial PIN
for i in 1 2 3 4 5 6; do $DRV verify 000000 >/dev/null 2>&1; done
expect "unlock: the key is locked" 1 "status=blocked" $DRV verify 12345678
{ clerk; pick 12; party "$UNIT2" $USCC; printf "$MATS"; printf 'key Enter\nkey Enter\ndump\n'; } >"$T/unlock.keys"
krun unlock $LATER
equal "unlock: the reset recorded" "$(q "SELECT count(*) FROM audit WHERE action = 'token.pin_reset'")" 1
expect "unlock: the initial PIN works again" 0 "status=ok" $DRV verify 12345678
stop_sim k1

# reissue: key SC-K-0001 broken, a new blank key; the old validity is kept
start_sim k4 SC-K-0004
{ clerk; pick 10; party "$UNIT2" $USCC; printf 'key Enter\ntype 2028-11-21\nkey Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'dump\nkey F7\ndump\nkey Enter\nkey Enter\ndump\n'; } >"$T/reissue.keys"
krun reissue $LATER
seen reissue "reissue: the unit's keys on record listed" "SC-K-0001"
seen reissue "reissue: F7 marks the old key broken" "旧 Key：损坏"
equal "reissue: the old key DAMAGED" "$(tok SC-K-0001)" DAMAGED
equal "reissue: the new key ACTIVE" "$(tok SC-K-0004)" ACTIVE
equal "reissue: the old key's validity kept" "$(q "SELECT date(c.not_after * 86400, 'unixepoch') FROM certs c JOIN tokens t ON t.id = c.token_id WHERE t.serial = 'SC-K-0004' AND c.app = 'kiosk'")" 2028-11-21
equal "reissue: the old certificate revoked as broken" "$(q "SELECT count(*) FROM certs c JOIN tokens t ON t.id = c.token_id WHERE t.serial = 'SC-K-0001' AND c.status = 'revoked' AND c.revoke_reason = 'broken' AND c.app = 'kiosk'")" 1
equal "reissue: revoked at the CA (cessationOfOperation), its PIV certificates too" "$(grep -c '^R	.*,cessationOfOperation	' "$T/d/ca/index.txt")" 3
piv_follows reissue SC-K-0004
expect "reissue: the new key's PIV certificate keeps the old validity" 0 "Not After:	Nov 21 .* 2028" cat "$T/reissue.yk"
piv_signs reissue

# bind (人社): the key is read and bound to the unit and agent, nothing written
{ clerk; pick 5; party "$UNIT2" $USCC; printf "$MATS"; printf 'key Enter\ndump\n'; } >"$T/bind.keys"
krun bind $LATER
equal "bind: the binding recorded" "$(q "SELECT t.serial || ' ' || b.agent_name FROM token_bindings b JOIN tokens t ON t.id = b.token_id WHERE b.unbound_ms IS NULL")" "SC-K-0004 张三"
stop_sim k4

# a change whose key is pulled while its certificate is written: the kept
# validity does not stop the rerun from recognising what it wrote
start_sim k4 SC-K-0004 --tear-after 200 --reinsert-ms 1500
{ clerk; pick 9; party "$UNIT" $USCC; printf "$MATS"; printf 'key Enter\nkey Enter\ndump\nwait 6\ndump\n'; } >"$T/change_pulled.keys"
krun change_pulled $LATER
seen change_pulled "change pulled: the clerk is told to put the key back" "写入过程中 Key 被拔出"
equal "change pulled: finished once, one certificate noted and recorded" \
	"$(q "SELECT count(*) FROM case_steps s JOIN cases c ON c.id = s.case_id WHERE c.service_id = 'zc.change' AND s.step = 'token' AND s.detail LIKE 'key SC-K-0004;%'")" 1
equal "change pulled: the key's certificate is the recorded one" \
	"$(q "SELECT t.cert_serial = (SELECT serial FROM certs WHERE token_id = t.id AND app = 'kiosk' ORDER BY id DESC LIMIT 1) FROM tokens t WHERE t.serial = 'SC-K-0004'")" 1
expect "change pulled: the key holds the unit's name again" 0 "$UNIT" "$KIOSKCTL" token info --reader "$R0"
equal "change pulled: validity kept" "$(q "SELECT date(c.not_after * 86400, 'unixepoch') FROM certs c JOIN tokens t ON t.id = c.token_id WHERE t.serial = 'SC-K-0004' ORDER BY c.id DESC LIMIT 1")" 2028-11-21
stop_sim k4

# a change whose final check fails after the certificate is written (the key
# answers 6F00 to its second GENERATE KEY, the public key read back): nothing
# is recorded; Enter again finds the certificate it wrote and records it,
# without issuing another
start_sim k4 SC-K-0004 --sw-ins 47:6F00:2
certs_before=$(q "SELECT count(*) FROM audit WHERE action = 'token.issued'")
{ clerk; pick 9; party "$UNIT2" $USCC; printf "$MATS"; printf 'key Enter\nkey Enter\ndump\nkey Enter\nkey Enter\ndump\n'; } >"$T/change_check.keys"
krun change_check $LATER
seen change_check "check failed: explained" "与 Key 通信失败"
seen change_check "check failed, Enter again: on to the slip" "受理回执"
equal "check failed: one issue, not two (the kiosk's certificate and PIV's two, each noted once)" "$(( $(q "SELECT count(*) FROM audit WHERE action = 'token.issued'") - certs_before ))" 3
equal "check failed: the rerun recorded what it found" \
	"$(q "SELECT count(*) FROM case_steps WHERE step = 'token' AND detail LIKE 'key SC-K-0004; certificate % found written, recorded now;%'")" 1
expect "check failed: the key holds the new name" 0 "$UNIT2" "$KIOSKCTL" token info --reader "$R0"
stop_sim k4

# revoke: the supervisor approves; the key brought is erased
start_sim k2 SC-K-0002
{ clerk; pick 11; party "$UNIT" $USCC; printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'type sup1\nkey Enter\ntype 975310\nkey Enter\n'
  printf 'dump\nkey Enter\nkey Enter\ndump\n'; } >"$T/revoke.keys"
krun revoke $LATER
equal "revoke: approved by the supervisor" "$(q "SELECT detail FROM case_steps WHERE step = 'approval'")" "approved by sup1"
equal "revoke: the key went TERMINATED, then blank" "$(q "SELECT group_concat(to_state, ' ') FROM (SELECT e.to_state FROM token_events e JOIN tokens t ON t.id = e.token_id WHERE t.serial = 'SC-K-0002' ORDER BY e.id DESC LIMIT 2)")" "UNFORMATTED TERMINATED"
expect "revoke: the key reads blank" 0 "blank" "$KIOSKCTL" token info --reader "$R0"
expect "services: audit chain intact" 0 "^OK" $K audit verify
stop_sim k2

start_sim k4 SC-K-0004
# another unit's key is refused before the clerk is asked to write it
# (issue 13 point 8): a new certificate, then a revocation
OTHER='成都锦城示例科技有限公司' OTHER_USCC=91510100MA61XY3K4K
{ clerk; pick 7; party "$OTHER" $OTHER_USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\ndump\n'; } >"$T/foreign_new.keys"
krun foreign_new
seen foreign_new "foreign key, new: told it holds a certificate" "Key SC-K-0004 已有证书"
unseen foreign_new "foreign key, new: not asked to write it" "即将写入客户的 USB Key"
{ clerk; pick 11; party "$OTHER" $OTHER_USCC; printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'type sup1\nkey Enter\ntype 975310\nkey Enter\nkey Enter\ndump\n'; } >"$T/foreign_rev.keys"
krun foreign_rev
seen foreign_rev "foreign key, revoke: told it is another unit's" "属于其他单位"
unseen foreign_rev "foreign key, revoke: not asked to erase it" "即将写入客户的 USB Key"
expect "foreign key: the key still holds its unit's certificate" 0 "$UNIT2" "$KIOSKCTL" token info --reader "$R0"
stop_sim k4

# ---- WeChat Pay against paysim: kill -9 while waiting for the customer,
# restart, the same order is resumed and paid once ----
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
KIOSK_NOW= "$PWD/$BUILD/tests/sim/paysim" --mchid 1900000001 --appid wx8888888888888888 \
	--merchant-cert "$WX/merchant_cert.pem" --platform-key "$WX/platform_key.pem" \
	--platform-cert "$WX/platform_cert.pem" >"$T/paysim.port" 2>"$T/paysim.err" &
sim_pids="$sim_pids $!"
i=0
until [ -s "$T/paysim.port" ] || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
PORT=$(head -n 1 "$T/paysim.port")
SIMURL="http://127.0.0.1:$PORT"
cp -r "$T/cfg" "$T/cfgwx"
sed -i -e "s|^mode = demo|mode = wechat|" -e "s|^base_url =.*|base_url = $SIMURL|" \
	-e "s|^appid =.*|appid = wx8888888888888888|" -e "s|^mchid =.*|mchid = 1900000001|" \
	-e "s|^merchant_serial =.*|merchant_serial = 5157F09EFDC096DE15EBE81A47057A7232F1B8E1|" \
	-e "s|^private_key_file =.*|private_key_file = $WX/merchant_key.pem|" \
	-e "s|^platform_keys_dir =.*|platform_keys_dir = $WX/platform|" \
	-e "s|^apiv3_key_file =.*|apiv3_key_file = $WX/apiv3.key|" \
	-e "s|^notify_url =.*|notify_url = https://kiosk.example.com/wxpay/notify|" "$T/cfgwx/kiosk.ini"
sed -i "s/^poll_seconds =.*/poll_seconds = 1/" "$T/cfgwx/kiosk.ini"
# real time from here: the gateway checks signatures' timestamps (±300 s)
truth "wechat: the kiosk starts against the simulator" env KIOSK_NOW= "$KIOSK" --config "$T/cfgwx" --data-dir "$T/d" --check

start_sim k3 SC-K-0003
{ clerk; pick 7; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\nkey Enter\n'
  printf 'wait 2\ndump %s\nwait 120\n' "$T/wx1.out"; } >"$T/wx1.keys"
KIOSK_NOW= KIOSK_SCRIPT="$T/wx1.keys" "$KIOSK" --config "$T/cfgwx" --data-dir "$T/d" >/dev/null 2>"$T/wx1.err" &
kpid=$!
i=0
until [ -s "$T/wx1.out" ] || [ $i -gt 300 ]; do i=$((i + 1)); sleep 0.1; done
kill -9 $kpid 2>/dev/null
wait $kpid 2>/dev/null
case_wx=$(q "SELECT case_no FROM cases WHERE id = (SELECT max(id) FROM cases)")
trade=$(q "SELECT p.out_trade_no FROM payments p JOIN cases c ON c.id=p.case_id WHERE c.case_no='$case_wx'")
seen wx1 "wechat: the order's code on screen" "等待客户扫码付款"
"$PWD/$BUILD/tests/tools/dump2pbm" "$T/wx1.out" >"$T/wx1.pbm" 2>/dev/null
equal "wechat: the QR on screen decodes to the gateway's code_url" "$(zbarimg -q --raw "$T/wx1.pbm" 2>/dev/null)" \
	"$(curl -s "$SIMURL/sim/order/$trade" | sed -n 's/.*"code_url" *: *"\([^"]*\)".*/\1/p')"
equal "wechat: killed while unpaid: one order, NOTPAY" "$(q "SELECT count(*) || ' ' || state FROM payments p JOIN cases c ON c.id=p.case_id WHERE c.case_no='$case_wx'")" "1 NOTPAY"
# the customer pays while the kiosk is down
curl -s -X POST "$SIMURL/sim/pay/$trade" >/dev/null
{ clerk; printf 'key Enter\nwait 2\ndump\n'; } >"$T/wx2.keys"
KIOSK_NOW= KIOSK_SCRIPT="$T/wx2.keys" timeout 60 "$KIOSK" --config "$T/cfgwx" --data-dir "$T/d" >"$T/wx2.out" 2>"$T/wx2.err"
seen wx2 "wechat: resumed, the payment is found and the slip follows" "受理回执"
equal "wechat: paid once: one order, SUCCESS, verified" "$(q "SELECT count(*) || ' ' || state || ' ' || verified FROM payments p JOIN cases c ON c.id=p.case_id WHERE c.case_no='$case_wx'")" "1 SUCCESS 1"
equal "wechat: the gateway has one order for the case" "$(curl -s "$SIMURL/sim/stats" | sed -n 's/.*"orders" *: *\([0-9]*\).*/\1/p')" 1
equal "wechat: the payment step recorded once" "$(q "SELECT count(*) FROM case_steps s JOIN cases c ON c.id=s.case_id WHERE c.case_no='$case_wx' AND s.step='payment'")" 1
expect "wechat: audit chain intact after kill -9" 0 "^OK" $K audit verify
stop_sim k3
