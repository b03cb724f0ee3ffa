#!/bin/sh
# The key's figures through the real PC/SC stack: a pcscd (started when none
# answers) with the vpcd reader, tests/sim/cardsim as a blank key, and
# tests/bench/bench_token (a full personalisation, RUNS times). Prints
# bench_token's key=value lines. Usage: sh tests/bench/bench_token.sh [RUNS]
set -e
BUILD=${BUILD:-build}
. tests/sim/pcsc_env.sh
dir=$(mktemp -d)
sim=
stop() {
	[ -n "$sim" ] && kill "$sim" 2>/dev/null && wait "$sim" 2>/dev/null
	pcsc_down
	rm -rf "$dir"
}
trap stop EXIT
pcsc_up "$PWD/$BUILD/test/kioskctl" || exit 1
"$PWD/$BUILD/tests/sim/cardsim" --state "$dir/key.state" --serial SC-BENCH-1 >/dev/null 2>&1 &
sim=$!
"$PWD/$BUILD/tests/bench_token" "${1:-20}"
