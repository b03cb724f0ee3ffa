# Helpers for script-mode screen tests: build key scripts for the demo kiosk,
# run it headless, and look at the dumped screens and the database.
. tests/cli/lib.sh
KIOSK="$PWD/$BUILD/test/kiosk"
export KIOSK_NOW=2026-11-21T10:00:00+08:00

login() { printf 'type %s\nkey Enter\ntype %s\nkey Enter\n' "${1:-demo01}" "${2:-246810}"; }
# pick N: F2, then the N-th service of the list (0-based), Enter
pick() {
	printf 'key F2\n'
	i=0
	while [ "$i" -lt "$1" ]; do printf 'key Down\n'; i=$((i + 1)); done
	printf 'key Enter\n'
}
# party UNIT USCC: the five form fields (agent fixed), cursor left on the last one
party() {
	printf 'type %s\nkey Enter\ntype %s\nkey Enter\n' "$1" "$2"
	printf 'type 张三\nkey Enter\ntype 110102199101010078\nkey Enter\ntype 138-0013-8000\n'
}
# keyin N: put the N-th demo key (1-based) in the slot: F5 lists the demo
# keys, the N-th picked
keyin() {
	printf 'key F5\n'
	i=1
	while [ "$i" -lt "$1" ]; do printf 'key Down\n'; i=$((i + 1)); done
	printf 'key Enter\n'
}

# run NAME: run the kiosk on the script $T/NAME.keys with its own data
# directory $T/NAME.d; the dumps go to $T/NAME.out.
run() {
	rm -rf "$T/$1.d"
	KIOSK_SCRIPT="$T/$1.keys" timeout 20 "$KIOSK" --demo --data-dir "$T/$1.d" >"$T/$1.out" 2>"$T/$1.err"
	echo $? >"$T/$1.rc"
	# A clean exit with nothing on stderr (sanitizer reports and leaks land there).
	if [ "$(cat "$T/$1.rc")" = 0 ] && [ ! -s "$T/$1.err" ]; then
		echo "PASS $1: kiosk exited cleanly"
	else
		echo "FAIL $1: kiosk exit $(cat "$T/$1.rc")"
		sed 's/^/    ! /' "$T/$1.err" | head -20
	fi
}

# seen NAME TEST PATTERN: some dump of run NAME holds PATTERN (grep -E).
seen() {
	if grep -Eq -- "$3" "$T/$1.out"; then
		echo "PASS $2"
	else
		echo "FAIL $2: no screen of '$1' shows /$3/"
		sed 's/^/    | /' "$T/$1.out" | tail -40
		sed 's/^/    ! /' "$T/$1.err"
	fi
}
unseen() {
	if grep -Eq -- "$3" "$T/$1.out"; then
		echo "FAIL $2: a screen of '$1' shows /$3/"
	else
		echo "PASS $2"
	fi
}
# sql NAME QUERY: one value from the run's demo database.
sql() { sqlite3 "$T/$1.d/demo.db" "$2"; }
# equal TEST GOT WANT
equal() {
	if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: got '$2', wanted '$3'"; fi
}
