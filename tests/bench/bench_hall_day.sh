#!/bin/sh
# Benchmark: the hall's day report (hall.day_report(), kioskctl hall report)
# over WINDOWS windows of one hall × DAYS days × CASES cases a day (default
# 100 × 365 × 100: 3.65 million cases) on a local PostgreSQL
# (tests/cli/pg_env.sh, fsync on).
#
# The facts the report reads (hall.day_cases, case_events, pay_events,
# refund_events) are seeded directly with generate_series in SQL, as the
# batch triggers would derive them from the shipped rows: making the ~25
# million audit rows of such a year through the kiosks and shipping them
# would take hours on a small machine, and the report never reads
# hall.audit. The day facts are partitioned by hall and month (central
# migration 4): the hall's months are made first. Each case: opened, details with its fee, a decision (1 in 20
# refused), its slip; 1 in 25 cancelled; one verified payment each when
# accepted; 1 in 50 of those refunded.
# Prints key=value lines: the rows seeded, the seeding time, and the best,
# median and worst of 20 runs of the report's query for one day of the hall
# (10,000 cases) and of 5 whole `kioskctl hall report` commands (process
# start, the supervisor's SCRAM login and printing included).
#   sh tests/bench/bench_hall_day.sh [WINDOWS] [DAYS] [CASES]
cd "$(dirname "$0")/../.." || exit 2
. tests/cli/lib.sh
PG_FSYNC=on
. tests/cli/pg_env.sh
windows=${1:-100}
days=${2:-365}
cases=${3:-100}
pg_start >/dev/null
"$KIOSKCTL" hall init --central "$PG_ADMIN" >/dev/null || exit 1
"$KIOSKCTL" hall kiosk-add W001 --hall H1 --central "$PG_ADMIN" >/dev/null || exit 1
echo benchpin-1 | "$KIOSKCTL" hall supervisor-add sup1 --hall H1 --central "$PG_ADMIN" >/dev/null || exit 1

t0=$(date +%s%N)
pg_psql >/dev/null <<SQL || exit 1
SET synchronous_commit = off;
INSERT INTO hall.kiosks (kiosk_id, role_name, hall_id)
 SELECT 'W' || lpad(w::text, 3, '0'), 'kiosk_W' || lpad(w::text, 3, '0'), 'H1'
 FROM generate_series(2, $windows) w;
SELECT hall.ensure_partitions('H1', date '2025-12-01', date '2025-12-01' + $days);
DROP INDEX hall.day_cases_by_day;
DROP INDEX hall.case_events_by_case;
DROP INDEX hall.pay_events_by_case;
DROP INDEX hall.refund_events_by_case;
CREATE TEMP TABLE c AS
 SELECT 'W' || lpad(w::text, 3, '0') AS kiosk, d, i,
  'W' || lpad(w::text, 3, '0') || '-' || to_char(date '2025-12-01' + d, 'YYYYMMDD') || '-'
   || lpad(i::text, 4, '0') AS case_no,
  ((date '2025-12-01' + d) - date '1970-01-01')::bigint * 86400000 - 28800000
   + (9 * 3600 + i * 240) * 1000::bigint AS ms,
  date '2025-12-01' + d AS day, ((d * $cases + i) * 8)::bigint AS seq
 FROM generate_series(1, $windows) w, generate_series(0, $days - 1) d, generate_series(1, $cases) i;
INSERT INTO hall.day_cases SELECT kiosk, seq, ms, day, case_no, 'svc' || (i % 7), 'c00' || (i % 3),
 'H1' FROM c;
INSERT INTO hall.case_events
 SELECT kiosk, seq + 1, ms + 1000, case_no, 'details', 'c00' || (i % 3), NULL, NULL, NULL, NULL,
  40000 + (i % 4) * 10000 FROM c
 UNION ALL SELECT kiosk, seq + 2, ms + 2000, case_no, 'decision', 'c00' || (i % 3), NULL, NULL,
  NULL, CASE WHEN i % 20 = 0 THEN 'refuse' ELSE 'accept' END, NULL FROM c
 UNION ALL SELECT kiosk, seq + 5, ms + 5000, case_no, 'slip', 'c00' || (i % 3), NULL, NULL, NULL,
  NULL, NULL FROM c
 UNION ALL SELECT kiosk, seq + 6, ms + 6000, case_no, 'cancel', 'c00' || (i % 3), NULL, NULL, NULL,
  NULL, NULL FROM c WHERE i % 25 = 1;
INSERT INTO hall.pay_events SELECT kiosk, seq + 3, ms + 3000, case_no, case_no,
 40000 + (i % 4) * 10000, 'SUCCESS', true, day, 'H1' FROM c WHERE i % 20 <> 0;
INSERT INTO hall.refund_events SELECT kiosk, seq + 7, ms + 7000, case_no, case_no || '-R1', case_no,
 40000 + (i % 4) * 10000, 'PENDING', day, 'H1' FROM c WHERE i % 50 = 1
 UNION ALL SELECT kiosk, seq + 8, ms + 8000, case_no, case_no || '-R1', NULL, NULL, 'SUCCESS', day,
 'H1' FROM c WHERE i % 50 = 1;
CREATE INDEX day_cases_by_day ON hall.day_cases (day, kiosk_id);
CREATE INDEX case_events_by_case ON hall.case_events (case_no text_pattern_ops, at_ms)
 INCLUDE (kiosk_id, seq, step, decision, fee_fen);
CREATE INDEX pay_events_by_case ON hall.pay_events (case_no text_pattern_ops)
 INCLUDE (kiosk_id, seq, out_trade_no, amount_fen, state, verified);
CREATE INDEX refund_events_by_case ON hall.refund_events (case_no text_pattern_ops);
VACUUM ANALYZE hall.kiosks, hall.day_cases, hall.case_events, hall.pay_events, hall.refund_events;
CHECKPOINT;
SQL
t1=$(date +%s%N)
echo "hall_day_windows=$windows"
echo "hall_day_days=$days"
echo "hall_day_cases_total=$(pg_psql -c 'SELECT count(*) FROM hall.day_cases')"
echo "hall_day_events_total=$(pg_psql -c 'SELECT (SELECT count(*) FROM hall.case_events) + (SELECT count(*) FROM hall.pay_events) + (SELECT count(*) FROM hall.refund_events)')"
echo "hall_day_seed_s=$(( (t1 - t0) / 1000000000 ))"
day=2026-06-15
echo "hall_day_cases_per_day=$(pg_psql -c "SELECT sum(cases) FROM hall.day_report('$day', 'H1')")"

# stats: best, median, worst of the numbers on stdin (ms).
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "%s %s %s\n", v[1], v[int((NR + 1) / 2)], v[NR] }'; }
# The query alone, in one session as a report tool would run it, timed by
# psql (\timing: sent to last row received).
{ printf '%s\n' '\timing on'; for r in $(seq 20); do
	echo "SELECT * FROM hall.day_report('$day', 'H1');"; done; } |
	psql -X -A -t -h "$PG_SOCK" -U hall_admin -d hall | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | stats >"$T/q"
set -- $(cat "$T/q")
echo "hall_day_query_best_ms=$1"
echo "hall_day_query_median_ms=$2"
echo "hall_day_query_max_ms=$3"
for r in 1 2 3 4 5; do
	a=$(date +%s%N)
	echo benchpin-1 | "$KIOSKCTL" hall report --date $day --hall H1 --by sup1 \
		--central "host=$PG_SOCK dbname=hall" >"$T/rep" 2>&1 || { cat "$T/rep"; exit 1; }
	b=$(date +%s%N)
	echo $(( (b - a) / 1000000 ))
done | stats >"$T/c"
set -- $(cat "$T/c")
echo "hall_day_command_best_ms=$1"
echo "hall_day_command_median_ms=$2"
echo "hall_day_command_max_ms=$3"
