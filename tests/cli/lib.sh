# Helpers for command-line tests: run a command, check its exit status and
# that its output holds (or lacks) a text. Each check prints PASS or FAIL.
BUILD=${BUILD:-build}
# The tests run the test builds, whose clock KIOSK_NOW moves; $BUILD/kiosk and
# $BUILD/kioskctl are the release builds (test_clock.sh runs both).
KIOSKCTL="$PWD/$BUILD/test/kioskctl"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export KIOSK_CONFIG="$PWD/kiosk-config"
export LANG=C.UTF-8
# kioskctl speaks English to the tests, which grep its words (test_ctl_lang.sh
# checks the Chinese)
export KIOSKCTL_LANG=en

# expect NAME STATUS PATTERN CMD... : exit status STATUS and output (stdout and
# stderr) matching the grep -E PATTERN ("" for none).
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$T/out" 2>&1
	got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL $name: exit $got, wanted $want"
		sed 's/^/    | /' "$T/out"
		return
	fi
	if [ -n "$pat" ] && ! grep -Eq -- "$pat" "$T/out"; then
		echo "FAIL $name: output lacks /$pat/"
		sed 's/^/    | /' "$T/out"
		return
	fi
	echo "PASS $name"
}

# same NAME FILE1 FILE2 : the two files are byte-for-byte equal.
same() {
	if cmp -s "$2" "$3"; then echo "PASS $1"; else echo "FAIL $1: $2 changed"; fi
}

# truth NAME CMD... : the command succeeds.
truth() {
	name=$1
	shift
	if "$@" >"$T/out" 2>&1; then echo "PASS $name"; else echo "FAIL $name"; sed 's/^/    | /' "$T/out"; fi
}

# refuses NAME PATTERN CMD... : the command fails (any non-zero status) and its
# output matches PATTERN. For third-party tools whose exact status varies.
refuses() {
	name=$1 pat=$2
	shift 2
	if "$@" >"$T/out" 2>&1; then
		echo "FAIL $name: succeeded"
	elif grep -Eq -- "$pat" "$T/out"; then
		echo "PASS $name"
	else
		echo "FAIL $name: output lacks /$pat/"
		sed 's/^/    | /' "$T/out"
	fi
}
