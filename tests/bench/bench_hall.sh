#!/bin/sh
# Benchmark: kioskctl hall ship to a local PostgreSQL (tests/cli/pg_env.sh,
# fsync on) of a kiosk's audit log made by tests/sim/kiosk_seed (CASES cases
# carried through their steps with a key each: case.*, token.*, payment.*
# and ledger.bind rows, as at a counter). Each run ships the whole log into a
# freshly made central database, every row checked at the centre and the
# registry filled. Prints key=value lines: the rows, the batch size, the
# best and median of 3 whole commands (process start, connection and file
# open included) and the rows a second. Target: at least 50,000 rows/s.
#   sh tests/bench/bench_hall.sh [CASES] [BATCH]
cd "$(dirname "$0")/../.." || exit 2
. tests/cli/lib.sh
PG_FSYNC=on
. tests/cli/pg_env.sh
cases=${1:-9000}
batch=${2:-5000}
pg_start >/dev/null
"$PWD/$BUILD/tests/sim/kiosk_seed" "$T/bench.db" BENCH-H "$cases" || exit 1
rows=$(sqlite3 "$T/bench.db" "SELECT count(*) FROM audit")
bytes=$(sqlite3 "$T/bench.db" "SELECT sum(length(CAST(detail AS BLOB))) FROM audit")
# cpu_ticks: CPU of the whole cluster so far (the postmaster, its live
# children, and the children it has reaped: a session's backend ends with it).
cpu_ticks() {
	pm=$(head -n 1 "$PG_DIR/data/postmaster.pid")
	for p in $pm $(pgrep -P "$pm"); do
		awk '{ s = $14 + $15; if (NR == 1 && FILENAME ~ /'"$pm"'/) s += $16 + $17; print s }' "/proc/$p/stat" 2>/dev/null
	done | awk '{ t += $1 } END { print t + 0 }'
}
hz=$(getconf CLK_TCK)
times=""
server=""
client=""
for run in 1 2 3; do
	as_pg "$PG_BIN/dropdb" -h "$PG_SOCK" -U hall_admin --if-exists hall
	as_pg "$PG_BIN/createdb" -h "$PG_SOCK" -U hall_admin -E UTF8 -T template0 hall
	"$KIOSKCTL" hall init --central "$PG_ADMIN" >/dev/null &&
		"$KIOSKCTL" hall kiosk-add BENCH-H --central "$PG_ADMIN" >/dev/null || exit 1
	c0=$(cpu_ticks)
	t0=$(date +%s%N)
	/usr/bin/time -f "%U %S" -o "$T/time" "$KIOSKCTL" hall ship --central "$(pg_kiosk BENCH-H)" \
		--db "$T/bench.db" --batch "$batch" >"$T/out" || { cat "$T/out"; exit 1; }
	t=$(( ($(date +%s%N) - t0) / 1000000 ))
	server="$server $(( $(cpu_ticks) - c0 ))"
	client="$client $(awk '{ print $1 + $2 }' "$T/time")"
	got=$(pg_psql -c "SELECT count(*) FROM hall.audit")
	[ "$got" = "$rows" ] || { echo "bench_hall: the centre holds $got rows, not $rows"; exit 1; }
	times="$times $t"
done
sorted=$(printf '%s\n' $times | sort -n)
best=$(echo "$sorted" | head -n 1)
median=$(echo "$sorted" | sed -n 2p)
echo "hall_ship_rows=$rows"
echo "hall_ship_detail_mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')"
echo "hall_ship_batch=$batch"
echo "hall_ship_best_ms=$best"
echo "hall_ship_median_ms=$median"
echo "hall_ship_rows_per_s=$(awk -v r="$rows" -v t="$median" 'BEGIN { printf "%d", r / (t / 1000) }')"
# CPU a row, on each side (median run): what the figure above costs when the
# machine is shared.
echo "hall_ship_server_cpu_us=$(printf '%s\n' $server | sort -n | sed -n 2p |
	awk -v r="$rows" -v hz="$hz" '{ printf "%.1f", $1 / hz * 1e6 / r }')"
echo "hall_ship_client_cpu_us=$(printf '%s\n' $client | sort -n | sed -n 2p |
	awk -v r="$rows" '{ printf "%.1f", $1 * 1e6 / r }')"
