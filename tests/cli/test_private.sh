#!/bin/sh
# Files and memory (docs/architecture.md, "Files and memory"): under umask 022
# and with data directories that already exist 0755, everything the kiosk and
# kioskctl leave is private: directories 0700; the database, its -wal and
# -shm, slips, the day's exports, backups, the kiosk key and the CA key 0600
# (only the public halves, kiosk-key.pub.pem and ca.crt, are 0644). Files an
# older kiosk left 0644 are tightened by the next open. Neither program can
# dump core: its core limits are 0 and it is not dumpable.
. tests/cli/screens.sh
umask 022

# modes NAME DIR: every directory under DIR (DIR too) is 700, every file 600,
# the public keys 644; the listing is shown when one is not.
modes() {
	find "$2" -printf '%m %y %p\n' | sort -k3 >"$T/modes"
	bad=$(awk '{ pub = ($3 ~ /\.pub\.pem$/ || $3 ~ /\/ca\.crt$/) }
		$2 == "d" && $1 != "700" { print }
		$2 == "f" && !pub && $1 != "600" { print }
		$2 == "f" && pub && $1 != "644" { print }' "$T/modes")
	if [ -z "$bad" ]; then
		echo "PASS $1"
	else
		echo "FAIL $1: not private:"
		echo "$bad" | sed 's/^/    ! /'
		sed 's/^/    | /' "$T/modes"
	fi
}
# has NAME FILE...: the files exist (so that modes looked at them).
has() {
	name=$1
	shift
	for f in "$@"; do
		if [ ! -e "$f" ]; then echo "FAIL $name: $f is missing"; return; fi
	done
	echo "PASS $name"
}
# until_seen SECONDS FILE...: wait for the files to exist (a deadline, no bare sleep).
until_seen() {
	n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		ok=1
		for f in "$@"; do [ -e "$f" ] || ok=0; done
		[ "$ok" = 1 ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# running SECONDS PID NAME: wait until PID runs the program NAME (after exec).
running() {
	n=$(($1 * 10))
	while [ "$n" -gt 0 ]; do
		[ "$(cat "/proc/$2/comm" 2>/dev/null)" = "$3" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# core_limits PID: "SOFT HARD" of the process's core size limit.
core_limits() { sed -n 's/^Max core file size *\([^ ]*\) *\([^ ]*\).*/\1 \2/p' "/proc/$1/limits" 2>/dev/null; }
# no_core NAME PID USER: within 5 s of its start (main() sets it first
# thing) the process has core size limits 0, soft and hard, and, unless USER
# is root, is not dumpable: the kernel shows /proc/PID/status as root's, not
# USER's. (Root sees every process's /proc as its own.)
no_core() {
	n=50
	while [ "$n" -gt 0 ] && [ -d "/proc/$2" ]; do
		lim=$(core_limits "$2")
		owner=$(stat -c %u "/proc/$2/status" 2>/dev/null)
		[ "$lim" = "0 0" ] && { [ "$3" = 0 ] || [ "$owner" = 0 ]; } && break
		sleep 0.1
		n=$((n - 1))
	done
	if [ "$n" -gt 0 ] && [ -d "/proc/$2" ]; then
		echo "PASS $1"
	else
		echo "FAIL $1: core limits '$lim' (want '0 0'), /proc/$2/status owned by $owner (want 0; the process runs as $3)"
	fi
}

# 1. The demo kiosk on a data directory that exists 0755: a 人社 bind to its
# slip, then the kiosk waits with the database open (-wal and -shm present).
D1="$T/d1"
mkdir -m 755 "$D1"
{ login; pick 5; party 成都锦城示例科技有限公司 91510100MA61XY3K4K; keyin 1
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter\n'
  printf 'dump %s\nwait 6\n' "$T/screen.txt"; } >"$T/bind.keys"
KIOSK_SCRIPT="$T/bind.keys" "$KIOSK" --demo --data-dir "$D1" >"$T/bind.out" 2>"$T/bind.err" &
pid=$!
if until_seen 20 "$T/screen.txt" "$D1/demo.db-wal"; then
	find "$D1" -printf '%m %y %p\n' >"$T/d1.live"
	has "kiosk: database, -wal, -shm and the slip are there" "$D1/demo.db" "$D1/demo.db-wal" \
		"$D1/demo.db-shm" "$(ls "$D1"/slips/2026-11-21/*-slip.txt | head -n 1)"
	modes "kiosk: an existing 0755 data directory made 0700, every file 0600 (database, -wal, -shm, slips)" "$D1"
	expect "kiosk: the screen dump file is 0600" 0 "^600$" stat -c %a "$T/screen.txt"
	no_core "kiosk: core size limits 0 while it runs" "$pid" 0
	# -wal and -shm an older kiosk left 0644 are tightened by the next open
	chmod 644 "$D1/demo.db" "$D1/demo.db-wal" "$D1/demo.db-shm"
	expect "kioskctl opens the file beside the kiosk" 0 "^OK" "$KIOSKCTL" audit verify --db "$D1/demo.db"
	modes "kioskctl: a database, -wal and -shm found 0644 made 0600" "$D1"
else
	echo "FAIL kiosk: no slip or -wal within 20 s"
	sed 's/^/    ! /' "$T/bind.err"
fi
wait "$pid"
echo "rc $?" >"$T/bind.rc"
expect "kiosk: the script ran to its end" 0 "^rc 0$" cat "$T/bind.rc"
has "kiosk: the slip was saved" "$(ls "$D1"/slips/2026-11-21/*-slip.txt | head -n 1)"

# 2. The configured data directory (kiosk.ini), 0755, kioskctl first: the
# first supervisor, then the files as an older kiosk left them (0644, the
# directory 0755), then the kiosk (not in demo: its local CA), a day close,
# an export, a backup.
cp -r kiosk-config "$T/cfg"
D2="$T/d2"
mkdir -m 755 "$D2"
sed -i "s|^data_dir *=.*|data_dir = $D2|" "$T/cfg/kiosk.ini"
export KIOSK_CONFIG="$T/cfg"
export KIOSK_NOW=2026-11-21T18:00:00+08:00
expect "kioskctl: supervisor added to the configured database" 0 "added" \
	sh -c "echo 135790 | '$KIOSKCTL' staff add --id s001 --name 李四 --role supervisor"
modes "kioskctl: the configured 0755 data directory made 0700, the new database 0600" "$D2"
chmod 755 "$D2"
chmod 644 "$D2/kiosk.db"
expect "kiosk --check on the configured directory" 0 "ready" "$PWD/$BUILD/test/kiosk" --check
modes "kiosk: a 0755 data directory and a 0644 database made private; the CA's files" "$D2"
expect "day close" 0 "wrote $D2/closes/day-20261121.anchor" \
	sh -c "echo 135790 | '$KIOSKCTL' day close --date 2026-11-21 --by s001"
expect "day export into a new --out directory" 0 "wrote $T/exp/day-20261121.csv" \
	sh -c "echo 135790 | '$KIOSKCTL' day export --date 2026-11-21 --by s001 --out '$T/exp'"
expect "db backup" 0 "" "$KIOSKCTL" db backup "$D2/backup.db"
has "the kiosk key, the CA, the exports and the backup are there" "$D2/kiosk.db" "$D2/kiosk-key.pem" \
	"$D2/kiosk-key.pub.pem" "$D2/ca/ca.key" "$D2/ca/ca.crt" "$D2/closes/day-20261121.csv" \
	"$D2/closes/day-20261121.anchor" "$D2/backup.db" "$T/exp/day-20261121.csv"
modes "every directory 0700 and file 0600 (public keys 0644) under the data directory" "$D2"
modes "an --out directory made 0700 with its files 0600" "$T/exp"

# 3. Whatever the umask: 000 widens nothing.
(umask 000
 "$PWD/$BUILD/test/kiosk" --demo --check --data-dir "$T/d3/new" >/dev/null 2>&1
 echo 246810 | "$KIOSKCTL" staff add --id c001 --name 张三 --role clerk --db "$T/d3/new/kiosk.db" >/dev/null 2>&1
 "$KIOSKCTL" db backup "$T/d3/new/backup.db" --db "$T/d3/new/kiosk.db" >/dev/null 2>&1)
has "umask 000: the files are there" "$T/d3/new/demo.db" "$T/d3/new/kiosk.db" "$T/d3/new/backup.db"
modes "umask 000: directories 0700, files 0600" "$T/d3"

# 4. Not dumpable: seen from another user (root reads every process's /proc
# as its own, so as root the programs run as nobody).
if [ "$(id -u)" = 0 ]; then
	RUNUID=65534
	AS="setpriv --reuid 65534 --regid 65534 --clear-groups"
	chmod 711 "$T"
	mkdir -m 700 "$T/nb"
	chown 65534:65534 "$T/nb"
	# the tree may sit in a directory only root can enter (a clone in a
	# mktemp -d): that user runs copies of the programs and the config
	mkdir -m 755 "$T/run"
	cp "$KIOSK" "$KIOSKCTL" "$T/run/" && cp -r kiosk-config "$T/run/cfg" && chmod -R a+rX "$T/run"
	KIOSK="$T/run/$(basename "$KIOSK")" KIOSKCTL="$T/run/$(basename "$KIOSKCTL")"
	export KIOSK_CONFIG="$T/run/cfg"
else
	RUNUID=$(id -u)
	AS=
	mkdir -m 700 "$T/nb"
	export KIOSK_CONFIG="$PWD/kiosk-config"
fi
# the method: a dumpable program of that user is shown as that user's
$AS sleep 5 &
pid=$!
running 5 "$pid" sleep && expect "control: a dumpable process is shown as its user's" 0 "^$RUNUID$" stat -c %u "/proc/$pid/status"
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
printf 'wait 4\n' >"$T/nb/wait.keys"
chmod 644 "$T/nb/wait.keys"
KIOSK_SCRIPT="$T/nb/wait.keys" $AS "$KIOSK" --demo --data-dir "$T/nb/data" >/dev/null 2>"$T/nb.err" &
pid=$!
if running 10 "$pid" kiosk; then
	no_core "kiosk: not dumpable, core limits 0" "$pid" "$RUNUID"
else
	echo "FAIL kiosk did not start as user $RUNUID"
	sed 's/^/    ! /' "$T/nb.err"
fi
wait "$pid"
# kioskctl waiting for a PIN on stdin
mkfifo "$T/nb/pin"
chmod 666 "$T/nb/pin"
$AS "$KIOSKCTL" staff add --id s001 --name 李四 --role supervisor --db "$T/nb/ctl.db" <"$T/nb/pin" >"$T/ctl.out" 2>&1 &
pid=$!
exec 3>"$T/nb/pin"
if running 10 "$pid" kioskctl; then
	no_core "kioskctl: not dumpable, core limits 0" "$pid" "$RUNUID"
else
	echo "FAIL kioskctl did not start as user $RUNUID"
fi
echo 135790 >&3
exec 3>&-
wait "$pid"
expect "kioskctl: the PIN read after the look" 0 "added" cat "$T/ctl.out"
