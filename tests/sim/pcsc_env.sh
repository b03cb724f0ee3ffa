# Shell helpers for whatever needs the real PC/SC stack (tests/cli/test_pcsc.sh,
# tests/bench/bench_token.sh): source it, then
#   pcsc_up KIOSKCTL   use the pcscd that answers with the vpcd readers, else
#                      start one (pcscd --foreground --auto-exit) and wait for
#                      them; 0 ready, 1 with a message on stderr
#   pcsc_down          stop the pcscd that pcsc_up started (nothing otherwise)
#   start_sim, stop_sim  a simulated key in reader 0 (below)
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
# KIOSKCTL, and kills $sim_pids at its end):
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
