#!/bin/sh
# The local CA as a relying party sees it, checked with the stock openssl
# command line only: certificates issued through the real key (pcscd, vpcd,
# tests/sim/cardsim, tests/sim/tokdrive) carry the profile of
# kiosk-config/ca.ini and verify strictly; a new key renewed and then
# changed has BOTH earlier certificates revoked in index.txt and in the
# signed DER CRL, which `openssl verify -crl_check` applies; `openssl ocsp
# -index` answers revoked and good from the kiosk's index.txt; and when the
# CA's files are lost or behind (a kiosk that died after the database's
# commit), the kiosk's start and `kioskctl ca sync` rebuild them from the
# database.
. tests/cli/lib.sh
SIM="$PWD/$BUILD/tests/sim/cardsim"
DRV="$PWD/$BUILD/tests/sim/tokdrive"
UNIT='四川测试科技有限公司'
UNIT2='四川测试科技股份有限公司'
USCC=91310115MA1K3BTP2B
KIOSK="$PWD/$BUILD/test/kiosk"
DB="$T/kiosk.db"
CA="$T/ca"
sim_pids=
ocsp_pid=
. tests/sim/pcsc_env.sh

cleanup() {
	[ -n "$ocsp_pid" ] && kill "$ocsp_pid" 2>/dev/null
	for p in $sim_pids; do kill "$p" 2>/dev/null; done
	for p in $sim_pids; do wait "$p" 2>/dev/null; done
	pcsc_down
	rm -rf "$T"
}
trap cleanup EXIT

for tool in pcscd openssl sqlite3; do
	command -v "$tool" >/dev/null 2>&1 || { echo "FAIL ca: $tool is not installed (make deps)"; exit 1; }
done
[ -x "$SIM" ] && [ -x "$DRV" ] || { echo "FAIL ca: build $SIM and $DRV first"; exit 1; }
pcsc_up "$KIOSKCTL" 2>"$T/pcsc_up.err" || { echo "FAIL ca: $(cat "$T/pcsc_up.err")"; exit 1; }

head -c 32 /dev/urandom >"$T/secret"
chmod 600 "$T/secret"
D="$DRV --secret $T/secret --ca $CA --db $DB --actor clerk1"
"$SIM" --state "$T/k.state" --serial SC-CA-0001 --log "$T/k.log" &
sim_pids="$sim_pids $!"
$DRV wait in 5000 >/dev/null

# ---- a new key, renewed, then changed: three certificates ----
expect "new" 0 "service=ok" $D service zc.new --unit "$UNIT" --uscc $USCC --years 1
cert_of() { sqlite3 "$DB" "SELECT cert_serial FROM tokens WHERE serial = 'SC-CA-0001'"; }
c1=$(cert_of)
expect "renew" 0 "service=ok" $D service zc.renew --unit "$UNIT" --uscc $USCC --years 1
c2=$(cert_of)
expect "change" 0 "service=ok" $D service rs.change --unit "$UNIT2" --uscc $USCC
c3=$(cert_of)
# each certificate as the database keeps it, in PEM
pem() { sqlite3 "$DB" "SELECT writefile('$T/$1.der', der) FROM certs WHERE serial = '$1'" >/dev/null &&
	openssl x509 -inform DER -in "$T/$1.der" -out "$T/$1.pem"; }
pem "$c1" && pem "$c2" && pem "$c3" || { echo "FAIL ca: cannot export the certificates"; exit 1; }

# ---- the profile, read by openssl ----
openssl x509 -in "$T/$c3.pem" -noout -text >"$T/c3.txt" 2>&1
expect "profile: CRL distribution point" 0 "URI:http://ca.example.invalid/crl/kiosk.crl" cat "$T/c3.txt"
expect "profile: OCSP responder" 0 "OCSP - URI:http://ocsp.example.invalid/" cat "$T/c3.txt"
expect "profile: CA issuers" 0 "CA Issuers - URI:http://ca.example.invalid/kiosk-ca.crt" cat "$T/c3.txt"
expect "profile: certificate policy and its CPS" 0 "Policy: 2.999.1.1.1" cat "$T/c3.txt"
expect "profile: CPS URI" 0 "CPS: http://ca.example.invalid/cps" cat "$T/c3.txt"
expect "profile: GM/T 0015 identity extension" 0 "1.2.156.10260.4.1.4:" cat "$T/c3.txt"
expect "profile: the USCC in it" 0 "$USCC" sh -c "grep -A1 '1.2.156.10260.4.1.4' '$T/c3.txt'"
expect "profile: key usage" 0 "Digital Signature, Non Repudiation" cat "$T/c3.txt"
expect "profile: EKU" 0 "TLS Web Client Authentication" cat "$T/c3.txt"
expect "profile: not a CA" 0 "CA:FALSE" cat "$T/c3.txt"
# the term: from the second of issue; a year ends the second before the
# same time on the anniversary (365 or 366 days, less a second)
nb=$(openssl x509 -in "$T/$c1.pem" -noout -startdate | cut -d= -f2)
na=$(openssl x509 -in "$T/$c1.pem" -noout -enddate | cut -d= -f2)
now=$(date +%s)
secs=$(( $(date -d "$na" +%s) - $(date -d "$nb" +%s) ))
truth "term: notBefore is the issue time, not midnight" \
	test $((now - $(date -d "$nb" +%s))) -lt 600
# the anniversary itself, not "365 or 366": the same month, day and time a
# year on (29 February: 28 February), less a second
y=$(date -u -d "$nb" +%Y) md=$(date -u -d "$nb" +%m-%d) hms=$(date -u -d "$nb" +%H:%M:%S)
[ "$md" = 02-29 ] && md=02-28
want=$(( $(date -u -d "$((y + 1))-$md $hms UTC" +%s) - 1 ))
truth "term: ends the second before the anniversary ($secs s)" \
	test "$(date -u -d "$na" +%s)" = "$want"
# a change keeps the end and starts now
expect "change: the end kept" 0 "$(openssl x509 -in "$T/$c2.pem" -noout -enddate)" \
	openssl x509 -in "$T/$c3.pem" -noout -enddate
nb3=$(openssl x509 -in "$T/$c3.pem" -noout -startdate | cut -d= -f2)
truth "change: starts at its own issue, not backdated to the old start" \
	test $(($(date +%s) - $(date -d "$nb3" +%s))) -lt 600
expect "strict verify against the CA" 0 "OK" openssl verify -x509_strict -CAfile "$CA/ca.crt" "$T/$c3.pem"

# ---- revocation: every earlier certificate of the key ----
expect "index.txt: the first certificate revoked" 0 "^R	[0-9]*Z	[0-9]*Z,superseded	$c1	unknown	/C=CN/" cat "$CA/index.txt"
expect "index.txt: the renewed one revoked too" 0 "^R	[0-9]*Z	[0-9]*Z,superseded	$c2	unknown	" cat "$CA/index.txt"
expect "index.txt: the current one valid" 0 "^V	[0-9]*Z		$c3	unknown	" cat "$CA/index.txt"
openssl crl -inform DER -in "$CA/crl.der" -noout -text >"$T/crl.txt" 2>&1
expect "CRL: openssl reads the DER" 0 "Certificate Revocation List" cat "$T/crl.txt"
expect "CRL: its number" 0 "X509v3 CRL Number" cat "$T/crl.txt"
expect "CRL: next update" 0 "Next Update: " cat "$T/crl.txt"
expect "CRL: the first serial" 0 "Serial Number: $c1" cat "$T/crl.txt"
expect "CRL: the renewed serial" 0 "Serial Number: $c2" cat "$T/crl.txt"
expect "CRL: the reason" 0 "Superseded" cat "$T/crl.txt"
expect "CRL: signed by the CA" 0 "verify OK" openssl crl -inform DER -in "$CA/crl.der" -CAfile "$CA/ca.crt" -noout
openssl crl -inform DER -in "$CA/crl.der" -out "$T/crl.pem"
expect "verify -crl_check refuses the revoked renewal" 2 "certificate revoked" \
	openssl verify -crl_check -CAfile "$CA/ca.crt" -CRLfile "$T/crl.pem" "$T/$c2.pem"
expect "verify -crl_check accepts the current one" 0 "OK" \
	openssl verify -x509_strict -crl_check -CAfile "$CA/ca.crt" -CRLfile "$T/crl.pem" "$T/$c3.pem"

# ---- OCSP: the stock responder over the kiosk's index.txt ----
port=$((20000 + $$ % 20000))
openssl ocsp -index "$CA/index.txt" -port "$port" -rsigner "$CA/ca.crt" -rkey "$CA/ca.key" \
	-CA "$CA/ca.crt" -ignore_err >"$T/ocsp.log" 2>&1 &
ocsp_pid=$!
ask() {  # SERIAL: the responder's answer for that certificate
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
expect "OCSP: the renewed certificate is revoked" 0 "$c2.pem: revoked" ask "$c2"
expect "OCSP: the first one too" 0 "$c1.pem: revoked" ask "$c1"
expect "OCSP: the current one is good" 0 "$c3.pem: good" ask "$c3"
expect "OCSP: the response verifies" 0 "Response verify OK" ask "$c3"
kill "$ocsp_pid" 2>/dev/null
wait "$ocsp_pid" 2>/dev/null
ocsp_pid=

# ---- the CA's files follow the database ----
# the key lost: the database revokes its certificate, then the kiosk dies
# before the CA's files are written (the files put back as they were)
cp "$CA/index.txt" "$T/index.before"
cp "$CA/crl.der" "$T/crl.before"
expect "lost: a reissue on a new key" 0 "service=ok" \
	sh -c "'$SIM' --state '$T/k2.state' --serial SC-CA-0002 --port 35964 & echo \$! >'$T/k2.pid';
	       $DRV --reader 'Virtual PCD 00 01' wait in 5000 >/dev/null;
	       $DRV --reader 'Virtual PCD 00 01' --secret $T/secret --ca $CA --db $DB --actor clerk1 \
		service zc.reissue --unit '$UNIT2' --uscc $USCC --old SC-CA-0001"
sim_pids="$sim_pids $(cat "$T/k2.pid")"
expect "lost: the database revoked it" 0 "^revoked:lost$" \
	sqlite3 "$DB" "SELECT status || ':' || revoke_reason FROM certs WHERE serial = '$c3'"
cp "$T/index.before" "$CA/index.txt"
cp "$T/crl.before" "$CA/crl.der"
expect "died: the CA's index still says valid" 0 "^V	[0-9]*Z		$c3	" cat "$CA/index.txt"
# the kiosk's start brings them to the database
cp -r kiosk-config "$T/cfg"
sed -i -e "s|^token_admin_secret_file =.*|token_admin_secret_file = $T/secret|" \
	-e "s|^kiosk_id =.*|kiosk_id = K01|" "$T/cfg/kiosk.ini"
mkdir -p "$T/d"
cp "$DB" "$T/d/kiosk.db"
cp -r "$CA" "$T/d/ca"
expect "start: the kiosk starts" 0 "ready" "$KIOSK" --check --config "$T/cfg" --data-dir "$T/d"
expect "start: the lost key's certificate revoked at the CA" 0 \
	"^R	[0-9]*Z	[0-9]*Z,keyCompromise	$c3	" cat "$T/d/ca/index.txt"
expect "start: and in a new CRL" 0 "Serial Number: $c3" \
	openssl crl -inform DER -in "$T/d/ca/crl.der" -noout -text
# the start marks the head the CA's files were derived at, and derives them
# again only when a key or certificate was written after it, or the marked
# row is gone or changed (a restored database)
head=$(sqlite3 "$T/d/kiosk.db" "SELECT seq || ' ' || lower(hex(hash)) FROM audit_head")
expect "start: the CA's files marked with the head" 0 "^$head\$" cat "$T/d/ca/synced-head"
first=$(sqlite3 "$T/d/kiosk.db" "SELECT seq || ' ' || lower(hex(hash)) FROM audit WHERE seq = 1")
echo "$first" > "$T/d/ca/synced-head"
expect "start: key writes after the mark: derived again" 0 "ready" "$KIOSK" --check --config "$T/cfg" --data-dir "$T/d"
expect "start: and marked at the head again" 0 "^$head\$" cat "$T/d/ca/synced-head"
echo "${head%% *} 0000000000000000000000000000000000000000000000000000000000000000" > "$T/d/ca/synced-head"
expect "start: the marked row's hash differs (a restored database): derived again" 0 "ready" \
	"$KIOSK" --check --config "$T/cfg" --data-dir "$T/d"
expect "start: marked at the true head" 0 "^$head\$" cat "$T/d/ca/synced-head"
cp "$T/index.before" "$T/d/ca/index.txt"
expect "start: nothing written since the mark: the files are not derived again" 0 "ready" \
	"$KIOSK" --check --config "$T/cfg" --data-dir "$T/d"
truth "start: (so a file changed by hand stays as it is: kioskctl ca sync repairs it)" \
	cmp -s "$T/index.before" "$T/d/ca/index.txt"
# every file of the CA lost but its key: kioskctl ca sync rebuilds them
rm -f "$CA/index.txt" "$CA/index.txt.attr" "$CA/crl.der" "$CA/crl.pem" "$CA/crlnumber"
expect "kioskctl ca sync rebuilds the index" 0 "line\\(s\\) of index.txt" \
	"$KIOSKCTL" --config "$T/cfg" --db "$DB" ca sync --ca "$CA"
expect "rebuilt: three revoked" 0 "^3$" sh -c "grep -c '^R' '$CA/index.txt'"
expect "rebuilt: the reissued key's certificate valid" 0 "^1$" sh -c "grep -c '^V' '$CA/index.txt'"
expect "rebuilt: the CRL reads" 0 "Serial Number: $c1" openssl crl -inform DER -in "$CA/crl.der" -noout -text
expect "ca sync twice: nothing more to add" 0 ": 0 line\\(s\\)" \
	"$KIOSKCTL" --config "$T/cfg" --db "$DB" ca sync --ca "$CA"
expect "ca sync makes no CA where there is none" 2 "no local CA here" \
	"$KIOSKCTL" --config "$T/cfg" --db "$DB" ca sync --ca "$T/none"
truth "and leaves nothing there" test ! -e "$T/none"
