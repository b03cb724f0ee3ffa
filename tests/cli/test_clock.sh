#!/bin/sh
# The clock is the system's in a release build: $BUILD/kiosk and
# $BUILD/kioskctl (what make and make demo build for a counter) ignore
# KIOSK_NOW and say so once on stderr; the test builds $BUILD/test/kiosk and
# $BUILD/test/kioskctl (what the other tests run) take the clock from it.
# Two answers that hang on the date show which clock a binary used: the
# kiosk's status line (MM-DD HH:MM in Asia/Shanghai) and `kioskctl validate
# id` on a resident ID whose holder is born on 2090-01-01 (valid only once
# that day has come).
. tests/cli/lib.sh
REL_CTL="$PWD/$BUILD/kioskctl"
REL_KIOSK="$PWD/$BUILD/kiosk"
TEST_CTL="$KIOSKCTL"
TEST_KIOSK="$PWD/$BUILD/test/kiosk"
ID=110102209001010077 # born 2090-01-01, check digit right
FAR=2095-06-01T10:00:00+08:00
FAR_SHOWN="06-01 10:00"
# today in Asia/Shanghai as the status line shows it (UTC+8, no DST)
today() { date -u -d '+8 hours' +%m-%d; }
if [ "$(today)" = 06-01 ]; then FAR=2095-07-01T10:00:00+08:00 FAR_SHOWN="07-01 10:00"; fi
WARNING="KIOSK_NOW is set but ignored in a release build"

# once NAME FILE: the warning is in FILE exactly once, naming the variable.
once() {
	n=$(grep -c "$WARNING" "$2")
	if [ "$n" = 1 ]; then echo "PASS $1"; else echo "FAIL $1: the warning came $n times"; sed 's/^/    | /' "$2"; fi
}

# kioskctl: the release build answers by the real date, and warns once
KIOSK_NOW=$FAR "$REL_CTL" validate id "$ID" --lang zh_CN >"$T/rel.out" 2>"$T/rel.err"
rc=$?
if [ "$rc" = 1 ] && grep -q "2090-01-01晚于今天" "$T/rel.out"; then
	echo "PASS release kioskctl: KIOSK_NOW ignored (born 2090 is still in the future)"
else
	echo "FAIL release kioskctl: exit $rc, wanted 1 with the birth date in the future"
	sed 's/^/    | /' "$T/rel.out" "$T/rel.err"
fi
once "release kioskctl: one warning naming KIOSK_NOW" "$T/rel.err"
expect "release kioskctl: no warning without KIOSK_NOW" 1 "" sh -c "'$REL_CTL' validate id $ID 2>&1 | grep -c 'KIOSK_NOW'"
expect "release kioskctl: an empty KIOSK_NOW says nothing" 1 "" sh -c "KIOSK_NOW= '$REL_CTL' validate id $ID 2>&1 | grep -c 'KIOSK_NOW'"

# kioskctl: the test build honours it, silently
KIOSK_NOW=$FAR "$TEST_CTL" validate id "$ID" >"$T/test.out" 2>"$T/test.err"
rc=$?
if [ "$rc" = 0 ] && grep -q "^valid: $ID" "$T/test.out"; then
	echo "PASS test kioskctl: KIOSK_NOW honoured (2095: born 2090 is valid)"
else
	echo "FAIL test kioskctl: exit $rc, wanted 0 and valid"
	sed 's/^/    | /' "$T/test.out" "$T/test.err"
fi
truth "test kioskctl: no warning" test ! -s "$T/test.err"

# the kiosk: the status line's date and time
printf 'dump\n' >"$T/one.keys"
before=$(today)
KIOSK_NOW=$FAR KIOSK_SCRIPT="$T/one.keys" "$REL_KIOSK" --demo --data-dir "$T/rel.d" >"$T/krel.out" 2>"$T/krel.err"
rc=$?
after=$(today)
line=$(sed -n 2p "$T/krel.out")
case "$line" in
*"$FAR_SHOWN"*) echo "FAIL release kiosk: the status line shows the pinned $FAR_SHOWN: $line" ;;
*" $before "[0-9][0-9]:[0-9][0-9] | *" $after "[0-9][0-9]:[0-9][0-9]) echo "PASS release kiosk: the status line shows today ($before)" ;;
*) echo "FAIL release kiosk (exit $rc): the status line lacks today's $before: $line"; sed 's/^/    | /' "$T/krel.err" ;;
esac
once "release kiosk: one warning naming KIOSK_NOW" "$T/krel.err"
expect "release kiosk --check warns too" 0 "kiosk: warning: $WARNING" \
	env KIOSK_NOW=$FAR "$REL_KIOSK" --demo --check --data-dir "$T/rel.d"

KIOSK_NOW=$FAR KIOSK_SCRIPT="$T/one.keys" "$TEST_KIOSK" --demo --data-dir "$T/test.d" >"$T/ktest.out" 2>"$T/ktest.err"
line=$(sed -n 2p "$T/ktest.out")
case "$line" in
*" $FAR_SHOWN") echo "PASS test kiosk: the status line shows the pinned $FAR_SHOWN" ;;
*) echo "FAIL test kiosk: the status line lacks $FAR_SHOWN: $line" ;;
esac
truth "test kiosk: no warning" test ! -s "$T/ktest.err"
