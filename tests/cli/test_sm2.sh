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
# stock OCSP responder over sm2/index.txt answers revoked, good and unknown,
# signing under the ID only with -rsigopt distid (left alone it signs under
# an empty ID, which openssl's client accepts and the ID refuses), which
# OpenSSL 3.0's client cannot verify, so its statuses are read with
# -noverify and its signature checked with pkeyutl under the ID; the
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
ocsp_pid=
. tests/sim/pcsc_env.sh

cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	[ -n "$ocsp_pid" ] && kill "$ocsp_pid" 2>/dev/null && wait "$ocsp_pid" 2>/dev/null
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

# ---- OCSP for the SM2 CA: the stock responder over sm2/index.txt ----
# `openssl ocsp -index` answers for SM2 certificates as for P-256 ones (the
# request names a certificate by hashes of its issuer and its serial, which
# do not depend on the algorithm). Its SM2-with-SM3 signature is the
# question: left alone, OpenSSL 3.0 signs under an EMPTY distinguishing ID,
# which its own client accepts and a GM/T 0009 relying party (ID
# 1234567812345678) refuses; with -rsigopt distid:ID it signs under the ID,
# and then the stock client, which has no option to give an ID, fails to
# verify it. So the responder is run with the ID, the client's statuses are
# read with -noverify, and the signature over the tbsResponseData is
# checked with pkeyutl under the ID, as for the CRL (docs/ca.md).
oport=$((20000 + ($$ + 7) % 20000))
ocsp_start() {  # EXTRA-RESPONDER-OPTIONS...: the SM2 CA's responder, in the background
	openssl ocsp -index "$CA/sm2/index.txt" -port "$oport" -rsigner "$CA/sm2/ca.crt" \
		-rkey "$CA/sm2/ca.key" -CA "$CA/sm2/ca.crt" -rmd sm3 "$@" -ignore_err >"$T/ocsp.log" 2>&1 &
	ocsp_pid=$!
}
ocsp_stop() { kill "$ocsp_pid" 2>/dev/null; wait "$ocsp_pid" 2>/dev/null; ocsp_pid=; oport=$((oport + 1)); }
oask() {  # SERIAL RESPONSE-FILE CLIENT-OPTIONS...: ask the responder, keep its DER answer
	s=$1 f=$2
	shift 2
	i=0
	while [ $i -lt 50 ]; do
		out=$(openssl ocsp -issuer "$CA/sm2/ca.crt" -cert "$T/$s.pem" -CAfile "$CA/sm2/ca.crt" \
			-url "http://127.0.0.1:$oport" -respout "$f" "$@" 2>&1)
		rc=$?
		if [ -s "$f" ]; then
			printf '%s\n' "$out"
			return $rc
		fi
		i=$((i + 1))
		sleep 0.1
	done
	printf '%s\n' "$out"
	return 1
}
# tbs_sig RESPONSE PREFIX: the BasicOCSPResponse's tbsResponseData and its
# signature, out of the DER OCSPResponse, to PREFIX.tbs and PREFIX.sig
tbs_sig() {
	boff=$(openssl asn1parse -inform DER -in "$1" | grep -m1 'OCTET STRING' | cut -d: -f1 | tr -d ' ')
	openssl asn1parse -inform DER -in "$1" -strparse "$boff" -noout -out "$2.basic"
	openssl asn1parse -inform DER -in "$2.basic" >"$2.asn1"
	t=$(grep -m1 ':d=1 ' "$2.asn1")
	toff=${t%%:*}
	thl=$(echo "$t" | sed 's/.*hl= *\([0-9]*\).*/\1/')
	tlen=$(echo "$t" | sed 's/.* l= *\([0-9]*\).*/\1/')
	tail -c +$((toff + 1)) "$2.basic" | head -c $((thl + tlen)) >"$2.tbs"
	soff=$(grep ':d=1 .*BIT STRING' "$2.asn1" | cut -d: -f1 | tr -d ' ')
	openssl asn1parse -inform DER -in "$2.basic" -strparse "$soff" -noout -out "$2.sig"
}
sm2_verify() {  # PREFIX [ID]: pkeyutl over PREFIX.tbs and PREFIX.sig with the SM2 CA's key
	if [ -n "$2" ]; then
		openssl pkeyutl -verify -certin -inkey "$CA/sm2/ca.crt" -rawin -digest sm3 \
			-pkeyopt distid:"$2" -in "$1.tbs" -sigfile "$1.sig"
	else
		openssl pkeyutl -verify -certin -inkey "$CA/sm2/ca.crt" -rawin -digest sm3 -in "$1.tbs" -sigfile "$1.sig"
	fi
}

# what OpenSSL 3.0 does by itself: an empty ID, which only it accepts
ocsp_start
expect "OCSP (SM2, no ID given): the stock client says the response verifies" 0 "Response verify OK" \
	oask "$c1" "$T/o_empty.der"
expect "OCSP (SM2, no ID given): and the lost key's certificate revoked" 0 "$c1.pem: revoked" \
	oask "$c1" "$T/o_empty.der"
ocsp_stop
tbs_sig "$T/o_empty.der" "$T/o_empty"
expect "OCSP (SM2, no ID given): the response was signed under an empty ID" 0 "Signature Verified Successfully" \
	sm2_verify "$T/o_empty"
refuses "OCSP (SM2, no ID given): so a relying party under the ID 1234567812345678 refuses it" \
	"Signature Verification Failure" sm2_verify "$T/o_empty" $ID

# the responder signing under the ID, as the kiosk signs everything SM2
ocsp_start -rsigopt distid:$ID
refuses "OCSP (SM2, the ID): the stock client cannot verify it (OpenSSL 3.0's ocsp has no distid option)" \
	"Response Verify Failure" oask "$c1" "$T/o_r.der"
expect "OCSP (SM2, the ID): the lost key's certificate revoked" 0 "$c1.pem: revoked" \
	oask "$c1" "$T/o_r.der" -noverify
expect "OCSP (SM2, the ID): the current one good" 0 "$c3.pem: good" oask "$c3" "$T/o_g.der" -noverify
expect "OCSP (SM2, the ID): the P-256 CA's certificate unknown here" 0 "$c2.pem: unknown" \
	oask "$c2" "$T/o_u.der" -noverify
ocsp_stop
openssl ocsp -respin "$T/o_r.der" -noverify -resp_text >"$T/o_r.txt" 2>&1
expect "OCSP (SM2, the ID): the response is signed SM2-with-SM3" 0 "Signature Algorithm: SM2-with-SM3" cat "$T/o_r.txt"
expect "OCSP (SM2, the ID): by the SM2 CA" 0 "Responder Id: .*SCCA Kiosk Local SM2 CA" cat "$T/o_r.txt"
expect "OCSP (SM2, the ID): revoked for key compromise" 0 "Revocation Reason: keyCompromise" cat "$T/o_r.txt"
expect "OCSP (SM2, the ID): the serial asked about" 0 "Serial Number: $c1" cat "$T/o_r.txt"
for r in o_r o_g; do
	tbs_sig "$T/$r.der" "$T/$r"
	expect "OCSP (SM2, the ID): $r's signature verifies under the ID (pkeyutl)" 0 \
		"Signature Verified Successfully" sm2_verify "$T/$r" $ID
	refuses "OCSP (SM2, the ID): $r's not under an empty one" "Signature Verification Failure" \
		sm2_verify "$T/$r"
done

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
