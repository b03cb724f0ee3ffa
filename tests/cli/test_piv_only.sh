#!/bin/sh
# A key with the PIV application alone (a YubiKey 5, any PIV card the
# customer brings) at the real kiosk, where the CA takes such keys (kiosk.ini
# piv_only_keys = accept; docs/devices.md): pcscd + vpcd with
# tests/sim/cardsim --piv-only as the key, then yubico-piv-tool, OpenSC's
# PKCS#11 module (pkcs11-tool) and openssl as the customer's computer and a
# relying party would use them. 新办 at factory state; a key that is not is
# refused; a seal service and an SM2 platform are refused; the PIN unlocked
# with the key's PUK; renewal; a key pulled mid-write and a kiosk killed
# mid-step finish when run again; revocation with the key brought leaves no
# certificate OpenSC can see and the CRL lists the key's serials. The
# refusal with the choice left at its default is in tests/cli/test_piv.sh.
# A pcscd is started when none answers and stopped at the end.
. tests/cli/screens.sh
R0='Virtual PCD 00 00'
UNIT='成都派孚测试科技有限公司'
USCC=91310115MA1K3BTP2B
LATER=2027-10-21T10:00:00+08:00
. tests/sim/pcsc_env.sh

pcsc_test_setup "piv_only" yubico-piv-tool pkcs11-tool openssl
[ -f "$P11" ] || { echo "FAIL piv_only: $P11 missing (make deps: opensc)"; exit 1; }
pcsc_kiosk_setup

certs_of() {  # KEY_SERIAL: the key's certificates' applications and states
	q "SELECT group_concat(app || ':' || status, ' ') FROM (SELECT x.app, x.status FROM certs x
	   JOIN tokens t ON t.id = x.token_id WHERE t.serial = '$1' ORDER BY x.id)"
}
# the 人社 platform's services (P-256, no seals), as F2 lists them
RS_NEW=0 RS_RENEW=1 RS_CHANGE=2 RS_REISSUE=3 RS_REVOKE=4 RS_UNLOCK=6
# 政采's seal upgrade (seals kept on the key)
ZC_SEAL=13
NEW_KEYS='key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\ndump\nkey Enter\ndump\n'
MATS='key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'

sed -i "s|^piv_only_keys =.*|piv_only_keys = accept|" "$T/cfg/kiosk.ini"
expect "config: piv_only_keys = accept passes kioskctl config check" 0 "" \
	"$KIOSKCTL" --config "$T/cfg" config check
cp -r "$T/cfg" "$T/badcfg"
sed -i "s|^piv_only_keys =.*|piv_only_keys = yes|" "$T/badcfg/kiosk.ini"
expect "config: any other value is refused, the line named" 1 "kiosk.ini:[0-9]+.*piv_only_keys" \
	"$KIOSKCTL" --config "$T/badcfg" config check

# ---- 新办 on a YubiKey at factory state ----
Y=20261205
start_sim y1 $Y --piv-only
{ clerk; pick $RS_NEW; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\ndump\nkey Enter\ndump\nkey Enter\ndump\n'; } >"$T/new.keys"
krun new
equal "new: token step recorded for the PIV-only key" \
	"$(q "SELECT count(*) FROM case_steps WHERE step = 'token' AND detail LIKE 'key $Y (PIV only); personalised (PIV); certificate %; checked: signature verified'")" 1
seen new "new: the clerk is asked before the customer's key is written" "即将写入客户的 USB Key"
seen new "new: the token screen says it is the customer's own PIV key" "客户自带的 PIV Key（YubiKey"
ykstatus new
equal "new: yubico-piv-tool: slots 9a and 9c hold certificates" "$(grep -c '^Slot 9[ac]:' "$T/new.yk")" 2
esc=$(printf '%s' "$UNIT" | od -An -tx1 | tr -d ' \n' | tr a-f A-F | sed 's/../\\x&/g')
equal "new: yubico-piv-tool: both subjects name the unit and its USCC" \
	"$(grep -cF "O=$esc, CN=$esc/serialNumber=$USCC" "$T/new.yk")" 2
equal "new: yubico-piv-tool: issued by the kiosk's CA" "$(grep -c 'Issuer DN:.*CN=SCCA Kiosk Local CA' "$T/new.yk")" 2
truth "new: yubico-piv-tool: the kiosk wrote a CHUID" grep -q '^CHUID:	3019d4e7' "$T/new.yk"
p11objects new
equal "new: OpenSC lists the two certificates" "$(grep -c '^Certificate Object; type = X.509 cert' "$T/new.p11")" 2
p11sign new 12345678
expect "new: pkcs11-tool signs with PIN 12345678" 0 "" cat "$T/new.signlog"
truth "new: OpenSC reads the 9A certificate" p11cert new
expect "new: openssl verifies the signature with the certificate's key" 0 "Verified OK" \
	openssl dgst -sha256 -verify "$T/new.pub" -signature "$T/new.sig" "$T/new.in"
expect "new: the certificate verifies against the kiosk's CA" 0 ": OK" \
	openssl verify -no_check_time -CAfile "$T/d/ca/ca.crt" "$T/new.pem"
refuses "new: the factory PIN 123456 is not the PIN any more" "CKR_PIN_INCORRECT|error" \
	pkcs11-tool --module "$P11" -l -p 123456 -O
refuses "new: the factory management key no longer opens the key" "uthenticat|Failed" \
	yubico-piv-tool -r Virtual -a delete-certificate -s 9a
equal "new: the key is on record, ACTIVE" "$(q "SELECT state FROM tokens WHERE serial = '$Y'")" ACTIVE
equal "new: its certificates recorded as PIV's (9A of record, then 9C)" "$(certs_of $Y)" \
	"piv.9a:valid piv.9c:valid"
s9a=$(openssl x509 -in "$T/new.pem" -noout -serial | sed 's/^serial=//')
equal "new: the key's certificate of record is the 9A one OpenSC reads" \
	"$(q "SELECT cert_serial FROM tokens WHERE serial = '$Y'")" "$s9a"
truth "new: both PIV certificates noted before they were written" test \
	"$(q "SELECT count(*) FROM audit WHERE action = 'token.issued' AND detail LIKE '%\"$Y\"%'")" = 2
expect "new: kioskctl still says the key is not this profile's" 1 "wrong_card" \
	"$KIOSKCTL" token info --reader "$R0"

# ---- services that need the kiosk's application or SM2: refused, nothing written ----
cp "$T/y1.state" "$T/y1.before"
{ clerk; pick $ZC_SEAL; party "$UNIT" $USCC; printf "$MATS"; printf 'key Enter\nkey Enter\ndump\n'; } >"$T/seal.keys"
krun seal
seen seal "seal: a seal service on a PIV-only key is refused, saying why" "印章只能存放在本中心 Key 的应用中"
equal "seal: no token step recorded" \
	"$(q "SELECT count(*) FROM case_steps s JOIN cases c ON c.id = s.case_id WHERE c.service_id = 'zc.seal_upgrade' AND s.step = 'token'")" 0
same "seal: nothing written on the key" "$T/y1.before" "$T/y1.state"

# ---- the customer locks the PIN; the counter unlocks it with the key's PUK ----
for i in 1 2 3; do pkcs11-tool --module "$P11" -l -p 000000 -O >/dev/null 2>&1; done
refuses "lock: three wrong PINs block the PIN" "CKR_PIN_LOCKED|locked|blocked" \
	pkcs11-tool --module "$P11" -l -p 12345678 -O
{ clerk; pick $RS_UNLOCK; party "$UNIT" $USCC; printf "$MATS"; printf 'key Enter\nkey Enter\ndump\n'; } >"$T/unlock.keys"
krun unlock $LATER
equal "unlock: the reset recorded" "$(q "SELECT count(*) FROM audit WHERE action = 'token.pin_reset' AND detail LIKE '%$Y%'")" 1
ykstatus unlock
expect "unlock: the PIN has its tries back" 0 "^PIN tries left:	3" cat "$T/unlock.yk"
p11sign unlock 12345678
expect "unlock: pkcs11-tool logs in and signs with 12345678 again" 0 "" cat "$T/unlock.signlog"
expect "unlock: openssl verifies that signature" 0 "Verified OK" \
	openssl dgst -sha256 -verify "$T/new.pub" -signature "$T/unlock.sig" "$T/unlock.in"
slip() { cat "$T"/d/slips/*/"$(q "SELECT case_no FROM cases ORDER BY id DESC LIMIT 1")"-slip.txt; }
slip >"$T/unlock.slip"
expect "unlock: the slip says the key's type" 0 "Key 类型：客户自带 PIV Key" cat "$T/unlock.slip"
expect "unlock: the slip gives the PIV PIN and how to change it" 0 "ykman piv" cat "$T/unlock.slip"
truth "unlock: the slip does not send the customer to the assistant for a PIV PIN" \
	sh -c "! grep -q 证书助手 '$T/unlock.slip'"

# ---- renewal inside the window: 9C and 9A certified again, same pairs ----
{ clerk; pick $RS_RENEW; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\ndump\nkey Enter\nkey Enter\ndump\n'; } >"$T/renew.keys"
krun renew $LATER
equal "renew: recorded, checked by reading the certificate back" \
	"$(q "SELECT count(*) FROM case_steps WHERE step = 'token' AND detail LIKE 'key $Y (PIV only); certificate %; piv.9c %; checked: certificate read back'")" 1
equal "renew: the new certificates recorded as PIV's, the earlier ones left valid" "$(certs_of $Y)" \
	"piv.9a:valid piv.9c:valid piv.9a:valid piv.9c:valid"
truth "renew: OpenSC reads the renewed 9A certificate" p11cert renew
expect "renew: it ends a year later" 0 "notAfter=Nov 2[01] .* 2028 GMT" \
	openssl x509 -in "$T/renew.pem" -noout -enddate
equal "renew: on the same key pair" "$(cat "$T/renew.pub")" "$(cat "$T/new.pub")"
p11sign renew 12345678
expect "renew: the key signs, the renewed certificate verifies it" 0 "Verified OK" \
	openssl dgst -sha256 -verify "$T/renew.pub" -signature "$T/renew.sig" "$T/renew.in"

# ---- revocation with the key brought: no certificate left, the CRL lists them ----
{ clerk; pick $RS_REVOKE; party "$UNIT" $USCC; printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'type sup1\nkey Enter\ntype 975310\nkey Enter\n'
  printf 'dump\nkey Enter\nkey Enter\ndump\n'; } >"$T/revoke.keys"
krun revoke $LATER
equal "revoke: recorded, the key erased" \
	"$(q "SELECT count(*) FROM case_steps WHERE step = 'token' AND detail = 'key $Y (PIV only); erased'")" 1
equal "revoke: every certificate of the key revoked" "$(certs_of $Y)" \
	"piv.9a:revoked piv.9c:revoked piv.9a:revoked piv.9c:revoked"
p11objects revoke
equal "revoke: OpenSC sees no certificate" "$(grep -c '^Certificate Object' "$T/revoke.p11")" 0
ykstatus revoke
equal "revoke: yubico-piv-tool sees no slot" "$(grep -c '^Slot 9' "$T/revoke.yk")" 0
truth "revoke: the key pair OpenSC signed with is gone (a fresh one in 9A)" sh -c \
	"! pkcs11-tool --module '$P11' -l -p 12345678 -s --id 01 -m ECDSA-SHA256 -i '$T/new.in' -o '$T/gone.sig' >/dev/null 2>&1 || ! openssl dgst -sha256 -verify '$T/new.pub' -signature '$T/gone.sig' '$T/new.in' >/dev/null 2>&1"
CA="$T/d/ca"
openssl crl -inform DER -in "$CA/crl.der" -noout -text >"$T/crl.txt"
for sx in $(q "SELECT x.serial FROM certs x JOIN tokens t ON t.id = x.token_id WHERE t.serial = '$Y'"); do
	truth "revoke: the CRL lists $sx" grep -qi "Serial Number: $sx" "$T/crl.txt"
done
openssl crl -inform DER -in "$CA/crl.der" -out "$T/crl.pem"
expect "revoke: openssl verify -crl_check refuses the 9A certificate OpenSC read" 2 \
	"certificate revoked" openssl verify -crl_check -CAfile "$CA/ca.crt" -CRLfile "$T/crl.pem" "$T/renew.pem"
equal "revoke: the key on record, erased" "$(q "SELECT state FROM tokens WHERE serial = '$Y'")" UNFORMATTED
stop_sim y1

# ---- a key not at factory state is refused, nothing written ----
Y2=20261206
start_sim y2 $Y2 --piv-only
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/own.key" \
	-subj "/CN=the customer's own" -days 30 -out "$T/own.pem" >/dev/null 2>&1
truth "not factory: the customer's own certificate imported into 9C" \
	yubico-piv-tool -r Virtual -a import-certificate -s 9c -i "$T/own.pem"
cp "$T/y2.state" "$T/y2.before"
{ clerk; pick $RS_NEW; party "$UNIT" $USCC; printf "$NEW_KEYS"; } >"$T/own.keys"
krun own
seen own "not factory: refused, the slot named" "不是出厂状态：槽位 9C 中已有证书"
same "not factory: nothing written on the key" "$T/y2.before" "$T/y2.state"
equal "not factory: no token step, the key not registered" \
	"$(q "SELECT count(*) FROM tokens WHERE serial = '$Y2'")" 0
truth "not factory: the customer's certificate is still there" sh -c \
	"yubico-piv-tool -r Virtual -a read-certificate -s 9c | openssl x509 -noout -subject | grep -q \"customer's own\""
yubico-piv-tool -r Virtual -a delete-certificate -s 9c >/dev/null 2>&1
# an SM2 platform: PIV holds no SM2 pair
cp -r "$T/cfg" "$T/cfgsm2"
sed -i '/^\[platform rs\]/a key_algorithm = sm2' "$T/cfgsm2/services.ini"
cp "$T/y2.state" "$T/y2.before"
{ clerk; pick $RS_NEW; party "$UNIT" $USCC; printf "$NEW_KEYS"; } >"$T/sm2.keys"
KIOSK_SCRIPT="$T/sm2.keys" timeout 60 "$KIOSK" --config "$T/cfgsm2" --data-dir "$T/d" >"$T/sm2.out" 2>"$T/sm2.err"
seen sm2 "sm2: an SM2 platform's 新办 on a PIV-only key is refused, saying why" "要求国密 SM2 证书"
same "sm2: nothing written on the key" "$T/y2.before" "$T/y2.state"
# a management key the customer changed
truth "not factory: the customer sets a management key of their own" \
	yubico-piv-tool -r Virtual -a set-mgm-key -n 080706050403020108070605040302010807060504030201
cp "$T/y2.state" "$T/y2.before"
krun own
seen own "not factory: another management key is refused" "不是出厂状态：其 PIV 管理密钥或 PUK"
same "not factory: nothing written on that key either" "$T/y2.before" "$T/y2.state"
stop_sim y2

# ---- a key pulled while a certificate is written finishes when it is back ----
# the write positions of the first 新办 (cardsim --log "W ins start weight"):
# tear in the middle of the 9C certificate and of the 9A one
c9c=$(awk '/^W DB/ { w = $0; next } /^A 00DB3FFF(..|00....)5C035FC10A/ { split(w, f, " "); print f[3] + int(f[4] / 2); exit }' "$T/y1.log")
c9a=$(awk '/^W DB/ { w = $0; next } /^A 00DB3FFF(..|00....)5C035FC105/ { split(w, f, " "); print f[3] + int(f[4] / 2); exit }' "$T/y1.log")
n=3
for at in "$c9c" "$c9a"; do
	tn=tear$n Yn=2026120$n
	if [ -z "$at" ]; then echo "FAIL $tn: no certificate write found in the log"; continue; fi
	start_sim $tn $Yn --piv-only --tear-after "$at" --reinsert-ms 1500
	{ clerk; pick $RS_NEW; party "$UNIT" $USCC
	  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\nkey Enter\ndump\nwait 6\ndump\n'; } >"$T/$tn.keys"
	krun $tn
	seen $tn "$tn: torn at byte $at, the clerk is told to put the key back" "写入过程中 Key 被拔出"
	equal "$tn: the step finished once the key was back" \
		"$(q "SELECT count(*) FROM case_steps s, tokens t WHERE s.step = 'token' AND s.detail LIKE 'key $Yn (PIV only);%' AND t.serial = '$Yn' AND t.state = 'ACTIVE'")" 1
	ykstatus $tn
	equal "$tn: both certificates there" "$(grep -c '^Slot 9[ac]:' "$T/$tn.yk")" 2
	p11sign $tn 12345678
	p11cert $tn
	expect "$tn: the key signs and the certificate there verifies it" 0 "Verified OK" \
		openssl dgst -sha256 -verify "$T/$tn.pub" -signature "$T/$tn.sig" "$T/$tn.in"
	stop_sim $tn
	n=$((n + 1))
done

# ---- the kiosk killed (kill -9) between the 9C and the 9A certificate ----
Y5=20261209
start_sim k5 $Y5 --piv-only --delay-ms 60
{ clerk; pick $RS_NEW; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\nkey Enter\nwait 30\n'; } >"$T/kill.keys"
KIOSK_SCRIPT="$T/kill.keys" "$KIOSK" --config "$T/cfg" --data-dir "$T/d" >"$T/kill.out" 2>"$T/kill.err" &
kpid=$!
i=0
until grep -Eq '^A 00DB3FFF(..|00....)5C035FC10A.* 9000' "$T/k5.log" 2>/dev/null; do
	i=$((i + 1)); [ $i -gt 400 ] && break; sleep 0.05
done
kill -9 $kpid 2>/dev/null
wait $kpid 2>/dev/null
equal "kill: killed after the 9C certificate, before the 9A one" \
	"$(grep -Ec '^A 00DB3FFF(..|00....)5C035FC10A' "$T/k5.log")/$(grep -Ec '^A 00DB3FFF(..|00....)5C035FC105' "$T/k5.log")/$(q "SELECT count(*) FROM tokens WHERE serial = '$Y5'")" "1/0/0"
orphan=$(q "SELECT json_extract(detail, '$.cert') FROM audit WHERE action = 'token.issued' AND json_extract(detail, '$.serial') = '$Y5' ORDER BY seq LIMIT 1")
{ clerk; printf 'key Enter\ndump\nkey Enter\nkey Enter\ndump\n'; } >"$T/resume.keys"
krun resume
equal "kill: the step finished when the case was taken up again" \
	"$(q "SELECT count(*) FROM case_steps s, tokens t WHERE s.step = 'token' AND s.detail LIKE 'key $Y5 (PIV only);%' AND t.serial = '$Y5' AND t.state = 'ACTIVE'")" 1
ykstatus kill
equal "kill: both certificates there" "$(grep -c '^Slot 9[ac]:' "$T/kill.yk")" 2
p11sign kill 12345678
p11cert kill
expect "kill: the key signs and the certificate there verifies it" 0 "Verified OK" \
	openssl dgst -sha256 -verify "$T/kill.pub" -signature "$T/kill.sig" "$T/kill.in"
expect "kill: the 9C certificate written before the kill, never recorded, is revoked at the CA" 0 \
	"^R	.*	$orphan	" cat "$CA/index.txt"
stop_sim k5

# ---- 补办 onto a PIV-only key (the old key picked on record, lost), then a
# change of the unit's name on it ----
Y6=20261210
start_sim y6 $Y6 --piv-only
{ clerk; pick $RS_REISSUE; party "$UNIT" $USCC; printf 'key Enter\ntype 2027-11-21\nkey Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'dump\nkey Enter\nkey Enter\ndump\n'; } >"$T/reissue.keys"
krun reissue $LATER
equal "reissue: the PIV-only key ACTIVE, its certificates PIV's" "$(certs_of $Y6)" "piv.9a:valid piv.9c:valid"
equal "reissue: one old key of the unit retired as lost" \
	"$(q "SELECT count(*) FROM tokens WHERE state = 'PERM_LOST'")" 1
equal "reissue: the old validity kept" \
	"$(q "SELECT date(c.not_after * 86400, 'unixepoch') FROM certs c JOIN tokens t ON t.id = c.token_id WHERE t.serial = '$Y6' AND c.app = 'piv.9a'")" 2027-11-21
p11sign reissue 12345678
p11cert reissue
expect "reissue: the key signs with 12345678, the certificate verifies it" 0 "Verified OK" \
	openssl dgst -sha256 -verify "$T/reissue.pub" -signature "$T/reissue.sig" "$T/reissue.in"
UNIT2='成都派孚测试科技股份有限公司'
{ clerk; pick $RS_CHANGE; party "$UNIT2" $USCC; printf "$MATS"; printf 'dump\nkey Enter\nkey Enter\ndump\n'; } >"$T/change.keys"
krun change $LATER
equal "change: the earlier certificates superseded, the new ones PIV's" "$(certs_of $Y6)" \
	"piv.9a:revoked piv.9c:revoked piv.9a:valid piv.9c:valid"
truth "change: OpenSC reads the new 9A certificate" p11cert change
expect "change: it names the unit's new name" 0 "O=$UNIT2" \
	openssl x509 -in "$T/change.pem" -noout -subject -nameopt utf8,sep_comma_plus
expect "change: the validity kept" 0 "notAfter=Nov 2[01] .* 2027 GMT" \
	openssl x509 -in "$T/change.pem" -noout -enddate
stop_sim y6
expect "piv_only: audit chain intact" 0 "^OK" $K audit verify
