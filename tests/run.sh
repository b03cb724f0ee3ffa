#!/bin/sh
# Runs every test and ends with one line: "N passed, N failed".
#  - cmocka unit tests: build/tests/test_*, counted from cmocka's own summary
#  - fuzz harness replays over their seed corpus: one test each
#  - command-line tests: tests/cli/*.sh, each printing "PASS name" / "FAIL name"
# A binary that dies before its summary counts as one failure.
BUILD=${BUILD:-build}
passed=0
failed=0
failures=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

note_fail() { failed=$((failed + 1)); failures="$failures
  $1"; }

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	passed=$((passed + ${p:-0}))
	if [ -n "$f" ]; then
		failed=$((failed + f))
		failures="$failures
  $name ($f)"
	elif [ $rc -ne 0 ] || [ -z "$p" ]; then
		note_fail "$name (exit $rc, no summary)"
	fi
done

for r in "$BUILD"/tests/fuzz_*-replay; do
	[ -x "$r" ] || continue
	name=$(basename "$r" -replay)
	if "$r" "tests/fuzz/corpus/$name"; then
		echo "PASS $name corpus replay"
		passed=$((passed + 1))
	else
		note_fail "$name corpus replay"
	fi
done

for s in tests/cli/*.sh; do
	[ -f "$s" ] || continue
	case "$s" in */lib.sh) continue ;; esac
	# The machine has one pcscd and one virtual reader: tests that drive
	# them take a lock so that checks in other checkouts can run beside.
	case "$s" in
	*/test_pcsc.sh | */test_kiosk_pcsc.sh | */test_piv.sh | */test_piv_only.sh | */test_ca.sh | \
	*/test_sm2.sh | */test_hall_e2e.sh)
		BUILD="$BUILD" flock "${KIOSK_PCSC_LOCK:-/tmp/kiosk-pcsc.lock}" sh "$s" >"$log" 2>&1 ;;
	*)
		BUILD="$BUILD" sh "$s" >"$log" 2>&1 ;;
	esac
	rc=$?
	cat "$log"
	p=$(grep -c '^PASS ' "$log")
	f=$(grep -c '^FAIL ' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -gt 0 ] && failures="$failures
$(grep '^FAIL ' "$log" | sed 's/^/  /')"
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		note_fail "$s (exit $rc)"
	fi
done

if [ $failed -gt 0 ]; then
	echo "failures:$failures"
fi
echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
