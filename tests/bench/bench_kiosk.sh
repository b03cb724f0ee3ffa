#!/bin/sh
# The kiosk's own figures: start-up to the login screen on a year-sized
# database, CPU per handled key over a long key script, and peak RSS. Run by
# tests/bench/run.sh with the directory holding data/kiosk.db.
set -e
BUILD=${BUILD:-build}
dir=$1
K="$PWD/$BUILD/test/kiosk"
export LANG=C.UTF-8 KIOSK_NOW=2026-05-21T10:00:00+08:00

# Start-up: a script that only dumps the first screen; best of 10.
printf 'dump\n' > "$dir/start.keys"
best=
for i in 1 2 3 4 5 6 7 8 9 10; do
	t0=$(date +%s%N)
	KIOSK_SCRIPT="$dir/start.keys" "$K" --data-dir "$dir/data" > "$dir/start.out"
	t=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
done
grep -q "PIN" "$dir/start.out" || { echo "bench_kiosk: the login screen did not show" >&2; exit 1; }
echo "kiosk_start_ms=$best"

# Keys: log in, open a case, then type and erase, move between fields, open and
# close help; each key is handled and the screen redrawn.
login='type demo01\nkey Enter\ntype 246810\nkey Enter\n'
printf "$login" > "$dir/base.keys"
{
	printf "$login"
	printf 'key F2\nkey Enter\n'
	i=0
	while [ $i -lt 1000 ]; do
		printf 'type 成都测试\nkey Backspace Backspace Backspace Backspace\nkey Down Up\n'
		i=$((i + 1))
	done
} > "$dir/keys.keys"
keys=10000
cpu() { /usr/bin/time -f '%U %S %M' -o "$dir/time" env KIOSK_SCRIPT="$1" "$K" --demo --data-dir "$dir/demo" >/dev/null; cat "$dir/time"; }
cpu "$dir/base.keys" >/dev/null # creates the demo database and its staff first
set -- $(cpu "$dir/base.keys")
base_cpu=$(echo "$1 $2" | awk '{ print $1 + $2 }')
set -- $(cpu "$dir/keys.keys")
run_cpu=$(echo "$1 $2" | awk '{ print $1 + $2 }')
echo "kiosk_keys=$keys"
echo "kiosk_cpu_per_key_us=$(echo "$run_cpu $base_cpu $keys" | awk '{ printf "%.1f", ($1 - $2) * 1e6 / $3 }')"
echo "kiosk_rss_kib=$3"
