#!/bin/sh
# The PIV application the kiosk writes beside its own, read by middleware the
# project did not write: the real kiosk through pcscd + vpcd with
# tests/sim/cardsim as the key, then yubico-piv-tool and OpenSC's PKCS#11
# module (pkcs11-tool) as a customer's computer would use them, and openssl
# to check what they give. 新办 writes both applications; a PIN unlock at the
# counter unblocks the PIV PIN too; a revocation with the key brought leaves
# OpenSC no certificate. A key pulled while its PIV part is written finishes
# when it is back. A pcscd is started when none answers and stopped at the end.
. tests/cli/screens.sh
R0='Virtual PCD 00 00'
UNIT='成都派孚测试科技有限公司'
USCC=91310115MA1K3BTP2B
LATER=2027-10-21T10:00:00+08:00
. tests/sim/pcsc_env.sh

pcsc_test_setup "piv" yubico-piv-tool pkcs11-tool openssl
[ -f "$P11" ] || { echo "FAIL piv: $P11 missing (make deps: opensc)"; exit 1; }
pcsc_kiosk_setup

MATS='key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'

# ---- 新办 at the kiosk: both applications written ----
start_sim p1 SC-PIV-0001
{ clerk; pick 7; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\ndump\nkey Enter\ndump\n'; } >"$T/new.keys"
krun new
equal "new: token step recorded" "$(q "SELECT count(*) FROM case_steps WHERE step='token' AND detail LIKE 'key SC-PIV-0001; personalised; certificate %; checked: signature verified'")" 1
# pulled and put back: what follows reads the key as it was saved
stop_sim p1
start_sim p1 SC-PIV-0001

ykstatus new
expect "new: yubico-piv-tool reads the key" 0 "" cat "$T/new.yk"
truth "new: yubico-piv-tool shows the CHUID and CCC" sh -c "grep -q '^CHUID:	3019d4e7' '$T/new.yk' && grep -q '^CCC:	f015a0000001' '$T/new.yk'"
truth "new: slot 9a holds an ECC P-256 certificate" grep -A1 '^Slot 9a:' "$T/new.yk"
equal "new: slots 9a and 9c hold certificates" "$(grep -c '^Slot 9[ac]:' "$T/new.yk")" 2
equal "new: both are P-256" "$(grep -c 'Algorithm:	ECCP256' "$T/new.yk")" 2
# the tool prints the DN's UTF-8 bytes escaped (\xE6\x88...)
esc=$(printf '%s' "$UNIT" | od -An -tx1 | tr -d ' \n' | tr a-f A-F | sed 's/../\\x&/g')
equal "new: the subjects name the unit and its USCC" \
	"$(grep -cF "O=$esc, CN=$esc/serialNumber=$USCC" "$T/new.yk")" 2
equal "new: issued by the kiosk's CA" "$(grep -c 'Issuer DN:.*CN=SCCA Kiosk Local CA' "$T/new.yk")" 2
expect "new: PIN tries as the factory set them" 0 "^PIN tries left:	3" cat "$T/new.yk"

p11objects new
equal "new: OpenSC lists the two certificates" "$(grep -c '^Certificate Object; type = X.509 cert' "$T/new.p11")" 2
equal "new: OpenSC lists the two public keys" "$(grep -c '^Public Key Object; EC' "$T/new.p11")" 2
truth "new: the certificates' subject shows the USCC" grep -q "serialNumber=$USCC" "$T/new.p11"
pkcs11-tool --module "$P11" -l -p 12345678 -O >"$T/new_login.p11" 2>&1
equal "new: after login OpenSC lists the two private keys" "$(grep -c '^Private Key Object; EC' "$T/new_login.p11")" 2

p11sign new 12345678
expect "new: pkcs11-tool signs with PIN 12345678" 0 "" cat "$T/new.signlog"
truth "new: OpenSC reads the 9A certificate" p11cert new
expect "new: OpenSC's certificate names the unit" 0 "O=$UNIT" \
	openssl x509 -in "$T/new.pem" -noout -subject -nameopt utf8,sep_comma_plus
expect "new: openssl verifies the signature with the certificate's key" 0 "Verified OK" \
	openssl dgst -sha256 -verify "$T/new.pub" -signature "$T/new.sig" "$T/new.in"
expect "new: the PIV certificate verifies against the kiosk's CA" 0 ": OK" \
	openssl verify -no_check_time -CAfile "$T/d/ca/ca.crt" "$T/new.pem"
truth "new: key usage as the kiosk's certificates" sh -c \
	"openssl x509 -in '$T/new.pem' -noout -ext keyUsage | grep -q 'Digital Signature, Non Repudiation'"
refuses "new: the factory PIN 123456 is not the PIN" "CKR_PIN_INCORRECT|error" \
	pkcs11-tool --module "$P11" -l -p 123456 -O
expect "new: the kiosk's application is still the key's (kioskctl)" 0 "$UNIT" "$KIOSKCTL" token info --reader "$R0"
# the factory management key no longer opens the key; yubico-piv-tool
# cannot write to it without the derived one
refuses "new: the factory management key is refused" "uthenticat|Failed" \
	yubico-piv-tool -r Virtual -a delete-certificate -s 9a
ykstatus new_after
equal "new: nothing was deleted by the refused tool" "$(grep -c '^Slot 9[ac]:' "$T/new_after.yk")" 2

# ---- the PIV certificates are the key's: recorded with the kiosk's ----
certs_of() {  # KEY_SERIAL: the key's certificates' applications, in order
	q "SELECT group_concat(app, ' ') FROM (SELECT x.app FROM certs x JOIN tokens t ON t.id =
	   x.token_id WHERE t.serial = '$1' ORDER BY x.app)"
}
equal "new: the kiosk's and both PIV certificates recorded as the key's" "$(certs_of SC-PIV-0001)" \
	"kiosk piv.9a piv.9c"
s9a=$(openssl x509 -in "$T/new.pem" -noout -serial | sed 's/^serial=//')
equal "new: the 9A certificate OpenSC reads is the one recorded" \
	"$(q "SELECT app FROM certs WHERE serial = '$s9a'")" piv.9a
truth "new: the PIV certificates noted before they were written" test \
	"$(q "SELECT count(*) FROM audit WHERE action = 'token.issued' AND detail LIKE '%\"$s9a\"%'")" = 1
# the three certificates of one issue end at the same second
for app in kiosk piv.9a piv.9c; do
	q "SELECT writefile('$T/new.$app.der', der) FROM certs x JOIN tokens t ON t.id = x.token_id
	   WHERE t.serial = 'SC-PIV-0001' AND x.app = '$app'" >/dev/null
	openssl x509 -inform der -in "$T/new.$app.der" -noout -enddate
done >"$T/new.ends"
equal "new: the PIV certificates end with the kiosk's, to the second" "$(sort -u "$T/new.ends" | wc -l)" 1

# ---- the customer locks the PIV PIN; the counter unlocks it ----
for i in 1 2 3; do pkcs11-tool --module "$P11" -l -p 000000 -O >/dev/null 2>&1; done
refuses "lock: three wrong PINs block the PIV PIN" "CKR_PIN_LOCKED|locked|blocked" \
	pkcs11-tool --module "$P11" -l -p 12345678 -O
{ clerk; pick 12; party "$UNIT" $USCC; printf "$MATS"; printf 'key Enter\nkey Enter\ndump\n'; } >"$T/unlock.keys"
krun unlock $LATER
equal "unlock: the reset recorded" "$(q "SELECT count(*) FROM audit WHERE action = 'token.pin_reset'")" 1
ykstatus unlock
expect "unlock: the PIV PIN has its tries back" 0 "^PIN tries left:	3" cat "$T/unlock.yk"
p11sign unlock 12345678
expect "unlock: pkcs11-tool logs in and signs with 12345678 again" 0 "" cat "$T/unlock.signlog"
expect "unlock: openssl verifies that signature" 0 "Verified OK" \
	openssl dgst -sha256 -verify "$T/new.pub" -signature "$T/unlock.sig" "$T/unlock.in"

# ---- revocation with the key brought: no certificate left for OpenSC ----
{ clerk; pick 11; party "$UNIT" $USCC; printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'type sup1\nkey Enter\ntype 975310\nkey Enter\n'
  printf 'dump\nkey Enter\nkey Enter\ndump\n'; } >"$T/revoke.keys"
krun revoke $LATER
expect "revoke: the kiosk's application reads blank" 0 "blank" "$KIOSKCTL" token info --reader "$R0"
p11objects revoke
equal "revoke: OpenSC sees no certificate" "$(grep -c '^Certificate Object' "$T/revoke.p11")" 0
ykstatus revoke
equal "revoke: yubico-piv-tool sees no slot" "$(grep -c '^Slot 9' "$T/revoke.yk")" 0
pkcs11-tool --module "$P11" -l -p 12345678 -O >"$T/revoke_login.p11" 2>&1
equal "revoke: no private key listed after login" "$(grep -c '^Private Key Object' "$T/revoke_login.p11")" 0
# the retired key's PIV certificates are revoked at the CA as its own is
equal "revoke: every certificate of the key revoked in the database" \
	"$(q "SELECT count(*) FROM certs x JOIN tokens t ON t.id = x.token_id WHERE t.serial =
	     'SC-PIV-0001' AND x.status = 'revoked' AND x.revoke_reason = 'revoked'")" 3
CA="$T/d/ca"
for app in piv.9a piv.9c; do
	sx=$(q "SELECT x.serial FROM certs x JOIN tokens t ON t.id = x.token_id WHERE t.serial =
		'SC-PIV-0001' AND x.app = '$app'")
	expect "revoke: index.txt lists the $app certificate revoked" 0 \
		"^R	[0-9]*Z	[0-9]*Z,cessationOfOperation	$sx	" cat "$CA/index.txt"
done
openssl crl -inform DER -in "$CA/crl.der" -out "$T/crl.pem"
expect "revoke: openssl verify -crl_check refuses the 9A certificate OpenSC read" 2 \
	"certificate revoked" openssl verify -crl_check -CAfile "$CA/ca.crt" -CRLfile "$T/crl.pem" "$T/new.pem"

# ---- the same key again: a new certificate in both applications ----
{ clerk; pick 7; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\ndump\nkey Enter\ndump\n'; } >"$T/again.keys"
krun again $LATER
ykstatus again
equal "again: a revoked key takes a new 新办, PIV included" "$(grep -c '^Slot 9[ac]:' "$T/again.yk")" 2
truth "again: OpenSC reads the new 9A certificate" p11cert again
openssl crl -inform DER -in "$CA/crl.der" -out "$T/crl2.pem"
expect "again: openssl verify -crl_check accepts the new 9A certificate" 0 ": OK" \
	openssl verify -attime "$(date -d "$LATER" +%s)" -crl_check -CAfile "$CA/ca.crt" \
	-CRLfile "$T/crl2.pem" "$T/again.pem"
# the stock OCSP responder over the kiosk's index.txt: revoked and good
port=$((20000 + ($$ + 7) % 20000))
openssl ocsp -index "$CA/index.txt" -port "$port" -rsigner "$CA/ca.crt" -rkey "$CA/ca.key" \
	-CA "$CA/ca.crt" -ignore_err >"$T/ocsp.log" 2>&1 &
ocsp_pid=$!
sim_pids="$sim_pids $ocsp_pid"
ask() {  # NAME: the responder's answer for $T/NAME.pem
	i=0
	while [ $i -lt 50 ]; do
		if out=$(openssl ocsp -issuer "$CA/ca.crt" -cert "$T/$1.pem" -CAfile "$CA/ca.crt" \
			-url "http://127.0.0.1:$port" 2>&1) && [ -n "$out" ]; then
			printf '%s\n' "$out"
			return 0
		fi
		i=$((i + 1))
		sleep 0.1
	done
	printf '%s\n' "$out"
	return 1
}
expect "OCSP: the retired key's 9A certificate is revoked" 0 "new.pem: revoked" ask new
expect "OCSP: the new 9A certificate is good" 0 "again.pem: good" ask again
kill "$ocsp_pid" 2>/dev/null
wait "$ocsp_pid" 2>/dev/null
stop_sim p1

# ---- a key pulled while its PIV part is written finishes when it is back ----
# the write positions of a 新办 (cardsim --log "W ins start weight"): tear in
# the middle of the CCC (PIV personalisation) and of the 9A certificate
ccc=$(awk '/^W DB/ { w = $0; next } /^A 00DB3FFF..5C035FC107/ { split(w, f, " "); print f[3] + int(f[4] / 2); exit }' "$T/p1.log")
c9a=$(awk '/^W DB/ { w = $0; next } /^A 00DB3FFF(..|0002..)5C035FC105/ { split(w, f, " "); print f[3] + int(f[4] / 2); exit }' "$T/p1.log")
n=2
for at in "$ccc" "$c9a"; do
	tn=tear$n
	if [ -z "$at" ]; then echo "FAIL $tn: no PIV write found in the log"; continue; fi
	start_sim $tn SC-PIV-000$n --tear-after "$at" --reinsert-ms 1500
	{ clerk; pick 7; party "$UNIT" $USCC
	  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\nkey Enter\ndump\nwait 6\ndump\n'; } >"$T/$tn.keys"
	krun $tn
	seen $tn "$tn: torn at byte $at, the clerk is told to put the key back" "写入过程中 Key 被拔出"
	equal "$tn: the step finished once the key was back" "$(q "SELECT count(*) FROM case_steps s, tokens t WHERE s.step='token' AND s.detail LIKE 'key SC-PIV-000$n;%' AND t.serial='SC-PIV-000$n' AND t.state='ACTIVE'")" 1
	ykstatus $tn
	equal "$tn: both PIV certificates there" "$(grep -c '^Slot 9[ac]:' "$T/$tn.yk")" 2
	p11sign $tn 12345678
	p11cert $tn
	expect "$tn: the PIV key signs and the certificate there verifies it" 0 "Verified OK" \
		openssl dgst -sha256 -verify "$T/$tn.pub" -signature "$T/$tn.sig" "$T/$tn.in"
	stop_sim $tn
	n=$((n + 1))
done
# ---- a key with the PIV application only (a YubiKey, any PIV card): the
# PIV driver alone (token_pcsc_piv_new, tokdrive --piv-only) ----
DRVY="$PWD/$BUILD/tests/sim/tokdrive --secret $T/secret --ca $T/d/ca --piv-only"
start_sim y1 SC-PIV-Y001
expect "piv-only: personalised" 0 "status=ok" $DRVY personalise
expect "piv-only: 9A and 9C made and certified for the unit" 0 "status=ok" \
	$DRVY write-cert --unit "$UNIT" --uscc $USCC --from 2026-11-21 --to 2027-11-20
expect "piv-only: the holder read back from the certificate in 9A" 0 "$USCC" $DRVY info
ykstatus y1
equal "piv-only: yubico-piv-tool sees both slots" "$(grep -c '^Slot 9[ac]:' "$T/y1.yk")" 2
p11sign y1 12345678
p11cert y1
expect "piv-only: OpenSC signs, openssl verifies" 0 "Verified OK" \
	openssl dgst -sha256 -verify "$T/y1.pub" -signature "$T/y1.sig" "$T/y1.in"
expect "piv-only: a wrong PIN is counted" 1 "tries_left=2" $DRVY verify 000000
expect "piv-only: the PUK resets the PIN" 0 "status=ok" $DRVY reset
expect "piv-only: all tries back" 0 "^PIN tries left:	3" yubico-piv-tool -r Virtual -a status
expect "piv-only: erased" 0 "status=ok" $DRVY erase
p11objects y1e
equal "piv-only: OpenSC sees no certificate after the erase" "$(grep -c '^Certificate Object' "$T/y1e.p11")" 0
stop_sim y1

# ---- APDU economy: a full personalisation of both applications, counted ----
start_sim b1 SC-BENCH-1
"$PWD/$BUILD/tests/bench_token" 1 "$R0" >"$T/bench.out" 2>&1
rc=$?
total=$(sed -n 's/^token_apdus_total=//p' "$T/bench.out")
max=$(sed -n 's/^token_apdus_max=//p' "$T/bench.out")
min=$(sed -n 's/^token_apdus_min=//p' "$T/bench.out")
equal "apdus: bench_token ran (exit 0)" "$rc" 0
equal "apdus: the limit is 1.5 times the sum of the minimums (kiosk 15 + PIV 12)" "$min:$max" "27:40"
truth "apdus: a full personalisation of both applications takes $total <= $max APDUs" \
	test -n "$total" -a "${total:-999}" -le "${max:-0}"
stop_sim b1

# ---- the same at the counter: a PIV-only key is refused, nothing written ----
start_sim y2 20261204 --piv-only
{ clerk; pick 7; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\ndump\nkey Enter\ndump\n'; } >"$T/pivonly.keys"
krun pivonly
seen pivonly "piv-only at the counter: the clerk is told it is a PIV-only key" "只有 PIV 应用"
equal "piv-only at the counter: no token step recorded, the key not registered" \
	"$(q "SELECT count(*) FROM case_steps WHERE step = 'token' AND detail LIKE 'key 20261204%'")/$(q "SELECT count(*) FROM tokens WHERE serial = '20261204'")" 0/0
ykstatus y2
equal "piv-only at the counter: nothing written on the key" "$(grep -c '^Slot 9\|^CHUID:	[0-9a-f]' "$T/y2.yk")" 0
expect "piv-only at the counter: kioskctl says the key is not this profile's" 1 "wrong_card" \
	"$KIOSKCTL" token info --reader "$R0"
stop_sim y2
expect "piv: audit chain intact" 0 "^OK" $K audit verify
