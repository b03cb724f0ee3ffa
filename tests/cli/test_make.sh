# make demo installs only what the demo needs; make test installs the rest
# (issue 13 point 16). The demo's list must hold the -dev package of every
# library the two programs link, and none of the test-only tools.
. tests/cli/lib.sh
unset MAKEFLAGS MFLAGS MAKELEVEL  # a make of its own, not the suite's jobs

demo=$(make -s print-packages | sed -n 's/^demo: //p')
all=$(make -s print-packages | sed -n 's/^test: //p')
truth "the demo's package list is not empty" test -n "$demo"

# every library the kiosk and kioskctl link comes from a package make demo installs
libs=$(make -s -p -n all 2>/dev/null | sed -n 's/^LDLIBS *:\?= *//p; s/^CURSES *:\?= *//p' | tr ' ' '\n' | sed -n 's/^-l//p' | sort -u)
truth "the libraries linked are known" test -n "$libs"
for n in $libs; do
	so=$(ls /usr/lib/*/lib$n.so /usr/lib/lib$n.so 2>/dev/null | head -1)
	pkg=$(dpkg -S "$so" 2>/dev/null | head -1 | cut -d: -f1)
	if [ -n "$pkg" ] && echo " $demo " | grep -q " $pkg "; then
		echo "PASS -l$n comes from $pkg, which make demo installs"
	else
		echo "FAIL -l$n: its package '${pkg:-?}' ($so) is not in make demo's list"
	fi
done

# nothing only the tests use
for p in libcmocka-dev pcscd vsmartcard-vpcd pcsc-tools opensc libmicrohttpd-dev clang \
	libclang-rt-14-dev tmux zbar-tools valgrind sqlite3; do
	if echo " $demo " | grep -q " $p "; then
		echo "FAIL make demo would install $p, which only the tests use"
	else
		echo "PASS make demo does not install $p"
	fi
	if echo " $all " | grep -q " $p "; then
		echo "PASS make test installs $p"
	else
		echo "FAIL make test does not install $p"
	fi
done

# the targets: demo installs the demo's list, test the whole one
expect "make demo asks for the demo's packages only" 0 "for p in $(echo $demo | cut -d' ' -f1) " \
	make -n demo
if make -n demo 2>/dev/null | grep -q "libcmocka-dev"; then
	echo "FAIL make demo's recipe names libcmocka-dev"
else
	echo "PASS make demo's recipe names no test package"
fi
expect "make test asks for the whole list" 0 "libcmocka-dev" make -n test

# make demo-reset: a fresh training day, the old demo database kept whole
D="$T/demo"
expect "demo-reset with no demo database" 0 "nothing to reset" make -s demo-reset DEMO_DIR="$D"
mkdir -p "$D" && echo db > "$D/demo.db" && echo wal > "$D/demo.db-wal"
expect "demo-reset moves the demo database aside" 0 "make demo starts a fresh training day" \
	make -s demo-reset DEMO_DIR="$D"
truth "no demo database is left" test ! -e "$D/demo.db"
truth "the database and its WAL are in the archive, together" \
	sh -c "ls '$D'/archive/demo-*.db && ls '$D'/archive/demo-*.db-wal"
truth "the archive is private" sh -c "[ \"\$(stat -c %a '$D/archive')\" = 700 ]"
