# Shell helpers for whatever needs the real PC/SC stack (tests/cli/test_pcsc.sh,
# tests/bench/bench_token.sh, the kiosk's PC/SC tests): source it, then
#   pcsc_up KIOSKCTL   use the pcscd that answers with the vpcd readers, else
#                      start one (pcscd --foreground --auto-exit) and wait for
#                      them; 0 ready, 1 with a message on stderr
#   pcsc_down          stop the pcscd that pcsc_up started (nothing otherwise)
#   start_sim, stop_sim  a simulated key in reader 0 (below)
#   pcsc_test_setup, pcsc_kiosk_setup, krun, q, clerk  the opening of a test
#                      of the real kiosk with simulated keys (at the end)
#   ykstatus, p11objects, p11sign, p11cert  the PIV middleware's views of the
#                      key (at the end)
# CI runs as root without systemd, so pcscd is started directly.
PCSC_READER0='Virtual PCD 00 00'
# kioskctl's lines are read here: in English, whatever kiosk.ini's language
export KIOSKCTL_LANG=en
PCSC_STARTED=

pcsc_readers_up() { "$1" token list 2>/dev/null | grep -q "^$PCSC_READER0:"; }

pcsc_up() {
	pcsc_readers_up "$1" && return 0
	if "$1" token list >/dev/null 2>&1; then
		echo "a running pcscd has no '$PCSC_READER0' reader: install vsmartcard-vpcd and restart pcscd" >&2
		return 1
	fi
	command -v pcscd >/dev/null 2>&1 || { echo "pcscd is not installed (make deps)" >&2; return 1; }
	pcscd --foreground --auto-exit >/dev/null 2>&1 &
	PCSC_STARTED=$!
	i=0
	while ! pcsc_readers_up "$1"; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			echo "pcscd started but shows no '$PCSC_READER0' reader after 10 s" >&2
			return 1
		fi
		sleep 0.1
	done
}

pcsc_down() {
	if [ -n "$PCSC_STARTED" ]; then
		kill "$PCSC_STARTED" 2>/dev/null
		wait "$PCSC_STARTED" 2>/dev/null
		PCSC_STARTED=
	fi
}

# The card simulator as the key in reader 0 (the caller sets SIM, T and
# KIOSKCTL, and kills $sim_pids at its end; pcsc_test_setup does both):
#   start_sim NAME SERIAL [cardsim options]   insert key NAME (its state in
#                      $T/NAME.state), then wait until it is present and
#                      answers (pcscd may still settle after the last key left)
#   stop_sim NAME      pull it out and wait until the reader is empty
start_sim() {
	_name=$1 _serial=$2
	shift 2
	"$SIM" --state "$T/$_name.state" --serial "$_serial" --log "$T/$_name.log" "$@" &
	sim_pids="$sim_pids $!"
	eval "pid_$_name=$!"
	i=0
	until "$KIOSKCTL" token list 2>/dev/null | grep -q "^$PCSC_READER0: key present"; do
		i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1
	done
	until "$KIOSKCTL" token info --reader "$PCSC_READER0" >/dev/null 2>&1 || [ $? = 1 ]; do
		i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.1
	done
}

stop_sim() {
	eval "_p=\$pid_$1"
	kill "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	i=0
	until "$KIOSKCTL" token list 2>/dev/null | grep -q "^$PCSC_READER0: no key"; do
		i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1
	done
}

# pcsc_test_setup [--then CMD] NAME [TOOL...]: the opening of a test script
# of the kiosk with simulated keys (after lib.sh or screens.sh, which make $T):
# SIM is tests/sim/cardsim; at exit the keys still in are pulled, the pcscd
# that pcsc_up started is stopped, then CMD runs (default: $T copied to $KEEP
# when KEEP is set, for a look after a failure, and removed). Without pcscd,
# a TOOL, the simulator or the vpcd readers it says FAIL NAME and exits 1.
pcsc_test_setup() {
	PCSC_TEST_THEN=pcsc_test_rm
	if [ "$1" = --then ]; then
		PCSC_TEST_THEN=$2
		shift 2
	fi
	_who=$1
	shift
	SIM="$PWD/$BUILD/tests/sim/cardsim"
	sim_pids=
	trap pcsc_test_cleanup EXIT
	for tool in pcscd "$@"; do
		command -v $tool >/dev/null 2>&1 || { echo "FAIL $_who: $tool is not installed (make deps)"; exit 1; }
	done
	[ -x "$SIM" ] || { echo "FAIL $_who: build $SIM first (make check builds it)"; exit 1; }
	pcsc_up "$KIOSKCTL" 2>"$T/pcsc_up.err" || { echo "FAIL $_who: $(cat "$T/pcsc_up.err")"; exit 1; }
}

pcsc_test_rm() {
	[ -n "$KEEP" ] && cp -r "$T" "$KEEP"
	rm -rf "$T"
}

pcsc_test_cleanup() {
	for p in $sim_pids; do kill "$p" 2>/dev/null; done
	for p in $sim_pids; do wait "$p" 2>/dev/null; done
	pcsc_down
	$PCSC_TEST_THEN
}

# pcsc_kiosk_setup: a real kiosk's configuration in $T/cfg (the keys' admin
# secret set in $T/secret), its data in $T/d: DB is its database and K
# kioskctl on both; supervisor sup1 (PIN 975310) and clerk clerk1 (246810).
pcsc_kiosk_setup() {
	cp -r kiosk-config "$T/cfg"
	head -c 32 /dev/urandom >"$T/secret"
	chmod 600 "$T/secret"
	sed -i "s|^token_admin_secret_file =.*|token_admin_secret_file = $T/secret|" "$T/cfg/kiosk.ini"
	DB="$T/d/kiosk.db"
	K="$KIOSKCTL --config $T/cfg --db $DB"
	echo 975310 | $K staff add --id sup1 --name 赵六 --role supervisor >/dev/null
	printf '975310\n246810\n' | $K staff add --id clerk1 --name 王五 --role clerk --by sup1 >/dev/null
}

# krun NAME [KIOSK_NOW]: the real kiosk of pcsc_kiosk_setup on $T/NAME.keys
# (screens.sh's script mode); PASS when it exits 0 with nothing on stderr.
krun() {
	KIOSK_NOW=${2:-$KIOSK_NOW} KIOSK_SCRIPT="$T/$1.keys" timeout 60 "$KIOSK" --config "$T/cfg" \
		--data-dir "$T/d" >"$T/$1.out" 2>"$T/$1.err"
	rc=$?
	if [ $rc = 0 ] && [ ! -s "$T/$1.err" ]; then
		echo "PASS $1: kiosk exited cleanly"
	else
		echo "FAIL $1: kiosk exit $rc"
		sed 's/^/    ! /' "$T/$1.err" | head -20
	fi
}
# q SQL: a query on its database; clerk: the clerk's login keys (screens.sh)
q() { sqlite3 "$DB" "$1"; }
clerk() { login clerk1 246810; }

# The key in reader 0 as a customer's computer sees its PIV application
# (tests/cli/test_piv.sh, test_piv_only.sh), into $T/NAME.*: ykstatus NAME
# (yubico-piv-tool's status, .yk), p11objects NAME (OpenSC's objects, .p11),
# p11sign NAME PIN (NAME.in signed with the PIV authentication key 9A, .sig),
# p11cert NAME (the 9A certificate as OpenSC reads it, .der and .pem, and its
# public key, .pub). P11 is OpenSC's PKCS#11 module.
P11=/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so
ykstatus() { yubico-piv-tool -r Virtual -a status >"$T/$1.yk" 2>&1; }
p11objects() { pkcs11-tool --module "$P11" -O >"$T/$1.p11" 2>&1; }
p11sign() {
	echo "signed with the key's PIV authentication key: $1" >"$T/$1.in"
	pkcs11-tool --module "$P11" -l -p "$2" -s --id 01 -m ECDSA-SHA256 --signature-format openssl \
		-i "$T/$1.in" -o "$T/$1.sig" >"$T/$1.signlog" 2>&1
}
p11cert() {
	pkcs11-tool --module "$P11" -r -y cert --id 01 -o "$T/$1.der" >/dev/null 2>&1 &&
		openssl x509 -inform der -in "$T/$1.der" -out "$T/$1.pem" &&
		openssl x509 -in "$T/$1.pem" -pubkey -noout >"$T/$1.pub"
}
