#!/bin/sh
# The national algorithms through the real key path (pcscd, vpcd,
# tests/sim/cardsim, tests/sim/tokdrive running the token step's services),
# checked with the stock openssl command line: a platform whose
# key_algorithm is sm2 gets an SM2 key pair made on the key (public key
# 04||X||Y on the SM2 curve) and an SM2-with-SM3 certificate from the local
# CA's SM2 key, which `openssl verify -vfyopt distid:1234567812345678`
# accepts and refuses without that distinguishing ID or with another; the
# key's own signature (SM3 over Z || data, made on the key) verifies with
# openssl against the certificate under the ID only; a platform left at
# p256 still gets P-256 and ECDSA-SHA256 from the P-256 CA; a reissue
# revokes the SM2 certificate in the SM2 CA's index and its SM2-signed CRL,
# whose signature openssl checks over the TBSCertList under the ID; the
# SM2 CA's files are rebuilt by `kioskctl ca sync`; a key_algorithm the
# kiosk does not know is refused by `kioskctl config check` with
# services.ini:LINE; and the kiosk itself (script mode, its token step with
# the key's two applications) personalises an SM2 platform's blank key with
# an SM2 pair, checks the key's SM2 signature and records it.
. tests/cli/screens.sh
SIM="$PWD/$BUILD/tests/sim/cardsim"
DRV="$PWD/$BUILD/tests/sim/tokdrive"
UNIT='四川测试科技有限公司'
USCC=91310115MA1K3BTP2B
DB="$T/kiosk.db"
CA="$T/ca"
ID=1234567812345678
sim_pid=
. tests/sim/pcsc_env.sh

cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	pcsc_down
	rm -rf "$T"
}
trap cleanup EXIT

for tool in pcscd openssl sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "FAIL sm2: $tool is not installed (make deps)"; exit 1; }
done
[ -x "$SIM" ] && [ -x "$DRV" ] || { echo "FAIL sm2: build $SIM and $DRV first"; exit 1; }

# ---- the config: 政采 (zc) on SM2, 人社 (rs) left at P-256 ----
cp -r kiosk-config "$T/cfg"
sed -i '/^\[platform zc\]$/,/^\[/ s/^key_algorithm = p256$/key_algorithm = sm2/' "$T/cfg/services.ini"
truth "the copy's zc says sm2" grep -q '^key_algorithm = sm2$' "$T/cfg/services.ini"
expect "config check: key_algorithm = sm2 is accepted" 0 "" "$KIOSKCTL" config check --config "$T/cfg"
cp -r "$T/cfg" "$T/bad"
sed -i 's/^key_algorithm = sm2$/key_algorithm = rsa/' "$T/bad/services.ini"
line=$(grep -n '^key_algorithm = rsa$' "$T/bad/services.ini" | cut -d: -f1)
expect "config check: another algorithm is refused at its line" 1 "services.ini:$line.*p256.*sm2" \
	"$KIOSKCTL" config check --config "$T/bad"

pcsc_up "$KIOSKCTL" 2>"$T/pcsc_up.err" || { echo "FAIL sm2: $(cat "$T/pcsc_up.err")"; exit 1; }
head -c 32 /dev/urandom >"$T/secret"
chmod 600 "$T/secret"
D="$DRV --config $T/cfg --secret $T/secret --ca $CA --db $DB --actor clerk1"

key_in() {  # STATE SERIAL: a key in the first reader, the one before pulled
	if [ -n "$sim_pid" ]; then
		kill "$sim_pid" 2>/dev/null
		wait "$sim_pid" 2>/dev/null
		# vpcd takes the next key only once pcscd has seen the last one go
		$DRV wait out 5000 >/dev/null
	fi
	"$SIM" --state "$T/$1.state" --serial "$2" --log "$T/$1.log" &
	sim_pid=$!
	$DRV wait in 5000 >/dev/null
}
cert_of() { sqlite3 "$DB" "SELECT cert_serial FROM tokens WHERE serial = '$1'"; }
pem() { sqlite3 "$DB" "SELECT writefile('$T/$1.der', der) FROM certs WHERE serial = '$1'" >/dev/null &&
	openssl x509 -inform DER -in "$T/$1.der" -out "$T/$1.pem"; }

# ---- a new key for the SM2 platform ----
key_in k1 SC-SM2-0001
expect "zc.new on an SM2 platform" 0 "service=ok" $D service zc.new --unit "$UNIT" --uscc $USCC --years 1
expect "the key says its pair is SM2" 0 "^key_alg=sm2$" $D info
expect "GENERATE named the SM2 mechanism (B6 06 84 01 01 80 01 53)" 0 "." \
	sh -c "tr -d ' ' <'$T/k1.log' | grep -i '00478000.*B606840101800153'"
c1=$(cert_of SC-SM2-0001)
pem "$c1" || { echo "FAIL sm2: cannot export the certificate"; exit 1; }
openssl x509 -in "$T/$c1.pem" -noout -text >"$T/c1.txt" 2>&1
expect "certificate: signed SM2-with-SM3" 0 "Signature Algorithm: SM2-with-SM3" cat "$T/c1.txt"
expect "certificate: the key on the SM2 curve" 0 "ASN1 OID: SM2" cat "$T/c1.txt"
expect "certificate: issued by the SM2 CA" 0 "Issuer: .*CN ?= ?SCCA Kiosk Local SM2 CA" cat "$T/c1.txt"
expect "certificate: the profile's identity extension" 0 "1.2.156.10260.4.1.4:" cat "$T/c1.txt"
truth "the SM2 CA certificate is published beside the P-256 one" test -f "$CA/sm2/ca.crt" -a -f "$CA/ca.crt"
expect "the SM2 CA certificate is SM2 too" 0 "ASN1 OID: SM2" openssl x509 -in "$CA/sm2/ca.crt" -noout -text

# ---- the distinguishing ID ----
expect "openssl verify with distid $ID: OK" 0 "$c1.pem: OK" \
	openssl verify -x509_strict -vfyopt distid:$ID -CAfile "$CA/sm2/ca.crt" "$T/$c1.pem"
refuses "openssl verify without the ID (OpenSSL 3.0: empty): signature failure" "certificate signature failure" \
	openssl verify -CAfile "$CA/sm2/ca.crt" "$T/$c1.pem"
refuses "openssl verify with another ID: signature failure" "certificate signature failure" \
	openssl verify -vfyopt distid:1111111111111111 -CAfile "$CA/sm2/ca.crt" "$T/$c1.pem"
refuses "the P-256 CA did not issue it" "unable to get local issuer" \
	openssl verify -vfyopt distid:$ID -CAfile "$CA/ca.crt" "$T/$c1.pem"

# ---- the key's public key and its own signature, made on the key ----
expect "public key read from the key" 0 "" $D pubkey "$T/k1.spki"
expect "it is an SM2 point 04||X||Y" 0 "ASN1 OID: SM2" \
	openssl pkey -pubin -inform DER -in "$T/k1.spki" -noout -text
openssl x509 -in "$T/$c1.pem" -pubkey -noout >"$T/c1.pub"
openssl pkey -pubin -inform DER -in "$T/k1.spki" -out "$T/k1.pub"
truth "the certificate is for the key's own pair" cmp -s "$T/c1.pub" "$T/k1.pub"
head -c 32 /dev/urandom >"$T/chal"
expect "the key signs (SM2, SM3, the ID, on the key)" 0 "" $D sign 12345678 "$T/chal" "$T/sig"
expect "openssl verifies the key's signature against the certificate under the ID" 0 \
	"Signature Verified Successfully" \
	openssl pkeyutl -verify -certin -inkey "$T/$c1.pem" -rawin -digest sm3 \
	-pkeyopt distid:$ID -in "$T/chal" -sigfile "$T/sig"
refuses "and not without the ID" "Signature Verification Failure" \
	openssl pkeyutl -verify -certin -inkey "$T/$c1.pem" -rawin -digest sm3 \
	-in "$T/chal" -sigfile "$T/sig"
expect "the final check (the kiosk's own verification, SM2 under the ID)" 0 "check=ok" $D check 12345678
expect "the signature took the PIN" 1 "status=wrong_pin" $D sign 00000000 "$T/chal" "$T/sig2"

# ---- a P-256 platform is as before ----
key_in k2 SC-P256-0002
expect "rs.new on a P-256 platform" 0 "service=ok" $D service rs.new --unit "$UNIT" --uscc $USCC --years 1
expect "its pair is P-256" 0 "^key_alg=p256$" $D info
c2=$(cert_of SC-P256-0002)
pem "$c2"
expect "signed ecdsa-with-SHA256" 0 "Signature Algorithm: ecdsa-with-SHA256" \
	openssl x509 -in "$T/$c2.pem" -noout -text
expect "verified by the P-256 CA" 0 "$c2.pem: OK" \
	openssl verify -x509_strict -CAfile "$CA/ca.crt" "$T/$c2.pem"
truth "each CA's index lists only its own" sh -c "grep -q '$c1' '$CA/sm2/index.txt' && ! grep -q '$c1' '$CA/index.txt' && grep -q '$c2' '$CA/index.txt' && ! grep -q '$c2' '$CA/sm2/index.txt'"

# ---- revocation: the SM2 CA's own CRL ----
key_in k3 SC-SM2-0003
expect "zc.reissue of the SM2 key onto a new one" 0 "service=ok" \
	$D service zc.reissue --unit "$UNIT" --uscc $USCC --old SC-SM2-0001
c3=$(cert_of SC-SM2-0003)
pem "$c3"
expect "the new key is SM2 again" 0 "Signature Algorithm: SM2-with-SM3" \
	openssl x509 -in "$T/$c3.pem" -noout -text
expect "sm2/index.txt: the lost key's certificate revoked" 0 "^R	[0-9]*Z	[0-9]*Z,keyCompromise	$c1	" \
	cat "$CA/sm2/index.txt"
openssl crl -inform DER -in "$CA/sm2/crl.der" -noout -text >"$T/crl.txt" 2>&1
expect "sm2/crl.der: openssl reads it" 0 "Certificate Revocation List" cat "$T/crl.txt"
expect "sm2/crl.der: signed SM2-with-SM3" 0 "Signature Algorithm: SM2-with-SM3" cat "$T/crl.txt"
expect "sm2/crl.der: lists the lost key's certificate" 0 "Serial Number: $c1" cat "$T/crl.txt"
expect "the P-256 CRL does not" 0 "No Revoked Certificates" \
	openssl crl -inform DER -in "$CA/crl.der" -noout -text
# OpenSSL 3.0 checks a CRL's SM2 signature with an empty ID and has no
# option to give one (docs/ca.md): check the signature over the TBSCertList
# under the ID with pkeyutl
openssl asn1parse -inform DER -in "$CA/sm2/crl.der" >"$T/crl.asn1"
tbs=$(grep -m1 ':d=1 ' "$T/crl.asn1")   # "    3:d=1  hl=4 l= 352 cons: SEQUENCE"
off=${tbs%%:*}
hl=$(echo "$tbs" | sed 's/.*hl= *\([0-9]*\).*/\1/')
len=$(echo "$tbs" | sed 's/.* l= *\([0-9]*\).*/\1/')
tail -c +$((off + 1)) "$CA/sm2/crl.der" | head -c $((hl + len)) >"$T/tbs.der"
sigoff=$(grep ':d=1 .*BIT STRING' "$T/crl.asn1" | cut -d: -f1 | tr -d ' ')
openssl asn1parse -inform DER -in "$CA/sm2/crl.der" -strparse "$sigoff" -noout -out "$T/crl.sig"
expect "sm2/crl.der: the CRL's signature verifies under the ID" 0 "Signature Verified Successfully" \
	openssl pkeyutl -verify -certin -inkey "$CA/sm2/ca.crt" -rawin -digest sm3 \
	-pkeyopt distid:$ID -in "$T/tbs.der" -sigfile "$T/crl.sig"
refuses "and not under an empty one" "Signature Verification Failure" \
	openssl pkeyutl -verify -certin -inkey "$CA/sm2/ca.crt" -rawin -digest sm3 \
	-in "$T/tbs.der" -sigfile "$T/crl.sig"

# ---- the SM2 CA's files follow the database ----
rm -f "$CA/sm2/index.txt" "$CA/sm2/crl.der" "$CA/sm2/crl.pem"
expect "kioskctl ca sync rebuilds both CAs' files" 0 "line\\(s\\) of index.txt" \
	"$KIOSKCTL" --config "$T/cfg" --db "$DB" ca sync --ca "$CA"
expect "rebuilt sm2/index.txt: the lost key's certificate revoked" 0 "^R	.*	$c1	" cat "$CA/sm2/index.txt"
expect "rebuilt sm2/index.txt: the new one valid" 0 "^V	.*	$c3	" cat "$CA/sm2/index.txt"
expect "rebuilt sm2/crl.der" 0 "Serial Number: $c1" openssl crl -inform DER -in "$CA/sm2/crl.der" -noout -text
truth "the P-256 index holds no SM2 certificate after the sync" sh -c "! grep -q '$c3' '$CA/index.txt'"

# ---- the kiosk itself: the clerk's token step on the SM2 platform ----
key_in k4 SC-SM2-0004
sed -i "s|^token_admin_secret_file =.*|token_admin_secret_file = $T/secret|" "$T/cfg/kiosk.ini"
KDB="$T/d/kiosk.db"
K="$KIOSKCTL --config $T/cfg --db $KDB"
echo 975310 | $K staff add --id sup1 --name 赵六 --role supervisor >/dev/null
printf '975310\n246810\n' | $K staff add --id clerk1 --name 王五 --role clerk --by sup1 >/dev/null
# 政采 new (the 8th service), the key confirmed and written, on to payment
{ login clerk1 246810; pick 7; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\ndump\nkey Enter\ndump\nkey Enter\ndump\n'; } >"$T/knew.keys"
KIOSK_SCRIPT="$T/knew.keys" timeout 60 "$KIOSK" --config "$T/cfg" --data-dir "$T/d" >"$T/knew.out" 2>"$T/knew.err"
rc=$?
equal "kiosk: it exited cleanly" "$rc:$(cat "$T/knew.err")" "0:"
seen knew "kiosk: on to the payment after writing" "1号窗口  收费"
equal "kiosk: the token step personalised an SM2 pair and checked its signature" \
	"$(sqlite3 "$KDB" "SELECT count(*) FROM case_steps WHERE step='token' AND detail LIKE 'key SC-SM2-0004; personalised with an SM2 key pair; certificate %; checked: signature verified'")" 1
expect "kiosk: the key says SM2" 0 "^key_alg=sm2$" $DRV info
sqlite3 "$KDB" "SELECT hex(der) FROM certs" | xxd -r -p >"$T/k4.der"
openssl x509 -inform DER -in "$T/k4.der" -out "$T/k4.pem"
expect "kiosk: its certificate verifies under the ID against the kiosk's SM2 CA" 0 "k4.pem: OK" \
	openssl verify -x509_strict -vfyopt distid:$ID -CAfile "$T/d/ca/sm2/ca.crt" "$T/k4.pem"
refuses "kiosk: and not without the ID" "certificate signature failure" \
	openssl verify -CAfile "$T/d/ca/sm2/ca.crt" "$T/k4.pem"
expect "kiosk: the audit chain is intact" 0 "^OK" $K audit verify
