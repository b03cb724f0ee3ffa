#!/bin/sh
# The central schema's migrations on a centre that holds rows, on a real
# PostgreSQL (tests/cli/pg_env.sh). A centre is built at migration 2 (`hall
# init --to 2`, as the program of that version left it) holding four kiosks'
# rows at two halls over two months, shipped through its own batch triggers;
# then each later migration is interrupted just before its commit (its
# connection killed, then PostgreSQL crashed: pg_ctl -m immediate), which
# must leave the centre at the old version with every table as it was, and
# run again to the end. After the latest: every row kept (counts and hashes
# of every table and view the old version had), the registry and the hall
# report unchanged, each kiosk's chain verified (`hall verify`), shipping
# resumes from the acknowledged row, init again changes nothing, and the
# centre equals one built at the latest version from the start. Then the
# day report's plan is checked to read one month's partitions, and a
# pg_dump / pg_restore of the centre is a centre that verify accepts and the
# kiosks go on shipping to.
. tests/cli/lib.sh
. tests/cli/pg_env.sh
SEED="$PWD/$BUILD/tests/sim/kiosk_seed"
pg_start

is() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: '$3', wanted '$2'"; fi; }
# psql_in DB ARGS...: psql on database DB as the administrator.
psql_in() {
	db=$1
	shift
	psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" -U hall_admin -d "$db" "$@"
}
central() { echo "host=$PG_SOCK dbname=$1 user=${2:-hall_admin}"; }
version_of() { psql_in "$1" -c "SELECT max(version) FROM hall.migrations"; }

# ---- a reference centre at the latest version, and the kiosks ----
as_pg "$PG_BIN/createdb" -h "$PG_SOCK" -U hall_admin -E UTF8 -T template0 ref
expect "migrate: a reference centre at the latest version" 0 "version 0 -> [1-9][0-9]*" \
	"$KIOSKCTL" hall init --central "$(central ref)"
LATEST=$(sed -n 's/.*version 0 -> \([0-9]*\).*/\1/p' "$T/out")
for k in K1:HA K2:HA K3:HB K4:HB; do
	"$KIOSKCTL" hall kiosk-add "${k%%:*}" --hall "${k#*:}" --central "$(central ref)" >/dev/null ||
		echo "FAIL migrate: kiosk-add $k"
done
# ship_to DB KIOSK: kioskctl hall ship of $T/KIOSK.db as the kiosk's role.
ship_to() { "$KIOSKCTL" hall ship --central "$(central "$1" "kiosk_$2")" --db "$T/$2.db"; }
# March for every kiosk (K1 over two days), shipped to the reference.
for k in K1 K2 K3 K4; do
	n=60
	[ $k = K1 ] && n=150
	"$SEED" "$T/$k.db" $k $n 2026-03-02 || echo "FAIL migrate: seeding $k"
	ship_to ref $k >/dev/null || echo "FAIL migrate: shipping $k to the reference"
done

# ---- the centre at migration 2, holding March as shipped then ----
expect "migrate: init --to 2 stops at version 2" 0 "version 0 -> 2" \
	"$KIOSKCTL" hall init --to 2 --central "$PG_ADMIN"
is "migrate: the centre is at version 2, hall.audit not partitioned" "2 r" \
	"$(pg_psql -c "SELECT max(version) || ' ' || (SELECT relkind::text FROM pg_class WHERE oid = 'hall.audit'::regclass) FROM hall.migrations")"
pg_psql -c "INSERT INTO hall.halls (hall_id) VALUES ('HA'), ('HB');
	INSERT INTO hall.kiosks (kiosk_id, role_name, hall_id) VALUES ('K1', 'kiosk_K1', 'HA'),
	 ('K2', 'kiosk_K2', 'HA'), ('K3', 'kiosk_K3', 'HB'), ('K4', 'kiosk_K4', 'HB')" ||
	echo "FAIL migrate: registering the kiosks at version 2"
# The rows go in through the version 2 batch triggers (chain checked,
# registry and day facts derived), kiosk by kiosk as each shipped them.
for k in K1 K2 K3 K4; do
	psql_in ref -c "COPY (SELECT kiosk_id, seq, at_ms, actor, action, case_no, detail, prev, hash
	  FROM hall.audit WHERE kiosk_id = '$k' ORDER BY seq) TO STDOUT" |
		pg_psql -c "COPY hall.audit (kiosk_id, seq, at_ms, actor, action, case_no, detail,
		  prev, hash) FROM STDIN" || echo "FAIL migrate: K's rows into the version 2 centre"
done
psql_in ref -c "COPY (SELECT kiosk_id, at, local_head, central_head FROM hall.ship_reports) TO STDOUT" |
	pg_psql -c "COPY hall.ship_reports (kiosk_id, at, local_head, central_head) FROM STDIN"
pg_psql -c "INSERT INTO hall.refusals (kiosk_id, local_head, central_head, reason)
	VALUES ('K2', 10, 20, 'rewind refused: a restored file')"
ACKED=$(pg_psql -c "SELECT string_agg(kiosk_id || ':' || head_seq, ' ' ORDER BY kiosk_id) FROM hall.kiosks")
is "migrate: the version 2 centre holds every kiosk's March" \
	"$(psql_in ref -c "SELECT string_agg(kiosk_id || ':' || head_seq, ' ' ORDER BY kiosk_id) FROM hall.kiosks")" "$ACKED"
is "migrate: ... and derived its registry and day facts" t \
	"$(pg_psql -c "SELECT (SELECT count(*) FROM hall.keys) > 0 AND (SELECT count(*) FROM hall.day_cases) = 330
	   AND (SELECT count(*) FROM hall.pay_events) > 0")"
# April at every kiosk, shipped to the reference only (the version 2 centre
# gets it after its migrations: shipping resumes there).
for k in K1 K2 K3 K4; do
	"$SEED" "$T/$k.db" $k 40 2026-04-01 || echo "FAIL migrate: seeding $k in April"
	ship_to ref $k >/dev/null || echo "FAIL migrate: shipping $k's April to the reference"
done

# ---- what must not change: every table and view of version 2 (by its
# version 2 columns), every day's report ----
pg_psql -c "SELECT c.table_name || '|' || string_agg(quote_ident(c.column_name), ','
	ORDER BY c.ordinal_position) FROM information_schema.columns c
	WHERE c.table_schema = 'hall' AND c.table_name <> 'migrations' GROUP BY c.table_name
	ORDER BY c.table_name" >"$T/cols"
is "migrate: the version 2 tables and views to compare" \
	"audit bindings case_events cases cert_issued cert_revoked certificates conflicts day_cases hall_closes halls key_bindings key_moves keys kiosks pay_events refund_events refusals seals ship_reports supervisors window_closes" \
	"$(cut -d'|' -f1 "$T/cols" | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//')"
# fingerprint DB: per table, its rows and an md5 of them in a stable order.
fingerprint() {
	while IFS='|' read -r t cols; do
		echo "SELECT '$t ' || count(*) || ' ' || coalesce(md5(string_agg(x, E'\\n' ORDER BY x)), '-')
		      FROM (SELECT ROW($cols)::text AS x FROM hall.$t) s;"
	done <"$T/cols" | psql_in "$1"
}
DAYS="2026-03-02 2026-03-03 2026-04-01"
# reports DB: the hall report of each day, for each hall and for all.
reports() {
	for d in $DAYS; do for h in "'HA'" "'HB'" NULL; do
		echo "SELECT '$d', $h, r.* FROM hall.day_report('$d', $h) r;"
	done; done | psql_in "$1"
}
fingerprint hall >"$T/fp2"
reports hall >"$T/rep2"
is "migrate: the March reports at version 2 count every case" "330" \
	"$(awk -F'|' '$2 == "" && $1 != "2026-04-01" { n += $8 } END { print n }' "$T/rep2")"
fp_same() { # fp_same NAME: the centre still holds exactly what version 2 held
	fingerprint hall >"$T/fp"
	if cmp -s "$T/fp2" "$T/fp"; then echo "PASS $1"; else
		echo "FAIL $1"; diff "$T/fp2" "$T/fp" | sed 's/^/    | /' | head -10; fi
}

# ---- each migration interrupted before its commit, then run ----
# interrupt HOW: hall init held just before it records its next migration
# (all its work done, not committed: a lock on hall.migrations), then its
# connection killed (HOW=kill) or PostgreSQL crashed (HOW=crash).
interrupt() {
	pg_psql -c "BEGIN; LOCK TABLE hall.migrations IN EXCLUSIVE MODE; SELECT pg_sleep(120)" \
		>/dev/null 2>&1 &
	lpid=$!
	i=0
	until [ "$(pg_psql -c "SELECT count(*) FROM pg_locks WHERE granted AND mode = 'ExclusiveLock'
		AND relation = 'hall.migrations'::regclass")" = 1 ] || [ $i -ge 100 ]; do
		sleep 0.1; i=$((i + 1)); done
	"$KIOSKCTL" hall init --central "$PG_ADMIN" >"$T/init.out" 2>&1 &
	ipid=$!
	i=0
	until [ "$(pg_psql -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
		AND query LIKE 'INSERT INTO hall.migrations%'")" = 1 ] || [ $i -ge 600 ]; do
		sleep 0.1; i=$((i + 1)); done
	[ $i -lt 600 ] || echo "FAIL migrate: the migration never reached its commit"
	case $1 in
	kill) pg_psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query LIKE 'INSERT INTO hall.migrations%'" >/dev/null
		wait $ipid
		irc=$?
		pg_psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()" >/dev/null ;;
	crash) as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
		wait $ipid
		irc=$?
		pg_restart ;;
	esac
	wait $lpid 2>/dev/null
	return $irc
}
v=2
while [ $v -lt "$LATEST" ]; do
	next=$((v + 1))
	interrupt kill
	is "migrate $next: init's connection killed mid-migration: exit 2" 2 $?
	grep -q "central migration $next failed" "$T/init.out" && echo "PASS migrate $next: ... in words" ||
		{ echo "FAIL migrate $next: no message"; sed 's/^/    | /' "$T/init.out"; }
	is "migrate $next: killed: still at version $v" $v "$(version_of hall)"
	fp_same "migrate $next: killed: every table as it was"
	interrupt crash
	is "migrate $next: PostgreSQL crashed mid-migration: exit 2" 2 $?
	is "migrate $next: crashed: still at version $v" $v "$(version_of hall)"
	fp_same "migrate $next: crashed: every table as it was"
	is "migrate $next: crashed: nothing half-made left" 0 \
		"$(pg_psql -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		   WHERE n.nspname = 'hall' AND c.relname LIKE '%unpartitioned%'")"
	expect "migrate $next: run again, it goes through" 0 "version $v -> $next" \
		"$KIOSKCTL" hall init --to $next --central "$PG_ADMIN"
	fp_same "migrate $next: every row kept, the registry and derived facts unchanged"
	reports hall >"$T/rep"
	same "migrate $next: every day's hall report unchanged" "$T/rep2" "$T/rep"
	v=$next
done
is "migrate: at the latest version, hall.audit partitioned" "$LATEST p" \
	"$(pg_psql -c "SELECT max(version) || ' ' || (SELECT relkind::text FROM pg_class WHERE oid = 'hall.audit'::regclass) FROM hall.migrations")"
expect "migrate: init again is a no-op" 0 "version $LATEST, up to date" \
	"$KIOSKCTL" hall init --central "$PG_ADMIN"
fp_same "migrate: init again changed nothing"
expect "migrate: init --to an older version is refused" 2 "past 2: a migration is never undone" \
	"$KIOSKCTL" hall init --to 2 --central "$PG_ADMIN"
is "migrate: every shipped row in its hall's month, none in a default partition" \
	"$(pg_psql -c "SELECT string_agg(p || ':' || n, ' ' ORDER BY p) FROM (SELECT 'audit_' || k.hall_id
	   || '_' || to_char(date '1970-01-01' + ((a.at_ms + 28800000) / 86400000)::int, 'YYYYMM') AS p,
	   count(*) AS n FROM hall.audit a JOIN hall.kiosks k USING (kiosk_id) GROUP BY 1) x" 2>&1)" \
	"$(pg_psql -c "SELECT string_agg(p, ' ' ORDER BY p) FROM (SELECT c.relname || ':' || count(*) AS p
	   FROM hall.audit a JOIN pg_class c ON c.oid = a.tableoid GROUP BY c.relname) x")"
is "migrate: the day facts carried into their hall's month" "day_cases_HA_202603:210 day_cases_HB_202603:120" \
	"$(pg_psql -c "SELECT string_agg(p, ' ' ORDER BY p) FROM (SELECT c.relname || ':' || count(*) AS p
	   FROM hall.day_cases a JOIN pg_class c ON c.oid = a.tableoid GROUP BY c.relname) x")"

# ---- after the migrations: verify, and shipping resumes ----
echo migpin-1 | "$KIOSKCTL" hall supervisor-add sup1 --hall HA --central "$PG_ADMIN" >/dev/null
echo migpin-1 | "$KIOSKCTL" hall supervisor-add sup1 --hall HB --central "$PG_ADMIN" >/dev/null
verify() { echo migpin-1 | "$KIOSKCTL" hall verify --by sup1 --central "host=$PG_SOCK dbname=${1:-hall}"; }
expect "migrate: hall verify accepts every kiosk's chain after the migrations" 0 "" verify
for k in K1 K2 K3 K4; do
	head=$(echo "$ACKED" | tr ' ' '\n' | sed -n "s/^$k://p")
	local_head=$(sqlite3 "$T/$k.db" "SELECT seq FROM audit_head")
	expect "migrate: $k ships from the row after $head, the one acknowledged" 0 \
		"shipped $((local_head - head)) rows in [0-9]+ batches: the centre holds rows 1 to $local_head of kiosk $k; 0 left" \
		ship_to hall $k
done
expect "migrate: hall verify after the resumed shipments" 0 "" verify
fingerprint ref >"$T/fp_ref"
fingerprint hall >"$T/fp_hall"
# Registry, facts and rows equal a centre made at the latest version (only
# the times of arrival, the refusal and the reports of shipment differ).
grep -v '^\(audit\|halls\|kiosks\|refusals\|ship_reports\|supervisors\) ' "$T/fp_ref" >"$T/a"
grep -v '^\(audit\|halls\|kiosks\|refusals\|ship_reports\|supervisors\) ' "$T/fp_hall" >"$T/b"
same "migrate: the registry and day facts equal a centre made at the latest version" "$T/a" "$T/b"
rows() { psql_in "$1" -c "SELECT kiosk_id, count(*), md5(string_agg(seq::text || at_ms::text || actor || action || case_no || detail
	|| encode(prev, 'hex') || encode(hash, 'hex'), ',' ORDER BY seq)) FROM hall.audit GROUP BY 1 ORDER BY 1"; }
rows ref >"$T/a"
rows hall >"$T/b"
same "migrate: every kiosk's rows equal the reference's (counts and hashes)" "$T/a" "$T/b"
reports ref >"$T/a"
reports hall >"$T/b"
same "migrate: every day's hall report equals the reference's" "$T/a" "$T/b"

# ---- the report on a date reads that month's partitions only ----
plan=$(pg_psql -c "EXPLAIN (COSTS OFF) SELECT * FROM hall.day_case_rows('2026-03-02', 'HA')")
parts=$(echo "$plan" | grep -Eo '(day_cases|pay_events|refund_events|ship_reports|audit)_[A-Za-z0-9_-]+' |
	sed 's/_by_.*//; s/_[a-z_]*idx$//' | sort -u | tr '\n' ' ')
is "migrate: the report of 2026-03-02 at HA plans one month's partitions" \
	"day_cases_HA_202603 pay_events_HA_202603 refund_events_HA_202603 " "$parts"
# The report as the command runs it: the plan of hall.day_report()'s query
# (the day and hall its arguments), logged by auto_explain.
pg_psql -c "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;
	SET auto_explain.log_nested_statements = on; SET auto_explain.log_level = notice;
	SET client_min_messages = notice; SELECT count(*) FROM hall.day_report('2026-03-02', NULL)" \
	>"$T/ae" 2>&1
parts=$(grep -Eo '(day_cases|pay_events|refund_events)_[A-Za-z0-9_-]+' "$T/ae" |
	sed 's/_by_.*//; s/_[a-z_]*idx$//' | sort -u | tr '\n' ' ')
is "migrate: hall.day_report() of a day reads that month's partitions of every hall" \
	"day_cases_HA_202603 day_cases_HB_202603 day_cases_main_202603 pay_events_HA_202603 pay_events_HB_202603 pay_events_main_202603 refund_events_HA_202603 refund_events_HB_202603 refund_events_main_202603 " "$parts"
[ -n "$parts" ] || sed 's/^/    | /' "$T/ae" | head -40

# ---- backup with PostgreSQL's tools: pg_dump, then pg_restore into a new
# database (the roles are the cluster's: pg_dumpall --roles-only elsewhere) ----
as_pg "$PG_BIN/pg_dump" -h "$PG_SOCK" -U hall_admin -Fc -d hall -f "$PG_DIR/hall.dump" &&
	echo "PASS backup: pg_dump -Fc of the centre" || echo "FAIL backup: pg_dump"
as_pg "$PG_BIN/createdb" -h "$PG_SOCK" -U hall_admin -E UTF8 -T template0 restored
if as_pg "$PG_BIN/pg_restore" -h "$PG_SOCK" -U hall_admin -d restored --exit-on-error \
	"$PG_DIR/hall.dump" >"$T/restore.out" 2>&1; then echo "PASS backup: pg_restore into a new database"; else
	echo "FAIL backup: pg_restore"; sed 's/^/    | /' "$T/restore.out" | head; fi
fingerprint hall >"$T/a"
fingerprint restored >"$T/b"
same "backup: the restored centre holds every row, head and fact" "$T/a" "$T/b"
reports restored >"$T/b"
reports hall >"$T/a"
same "backup: the restored centre's reports" "$T/a" "$T/b"
expect "backup: hall verify accepts the restored centre" 0 "" verify restored
for k in K1 K3; do
	"$SEED" "$T/$k.db" $k 20 2026-04-03 || echo "FAIL backup: seeding $k"
	expect "backup: $k goes on shipping to the restored centre" 0 "shipped [1-9][0-9]* rows .* 0 left" \
		ship_to restored $k
	refuses "backup: the restored centre still checks the chain ($k)" "row [0-9]+ does not follow" \
		psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCK" -U kiosk_$k -d restored -c "INSERT INTO
		  hall.audit (kiosk_id, seq, at_ms, actor, action, case_no, detail, prev, hash)
		  SELECT a.kiosk_id, k.head_seq + 1, a.at_ms, a.actor, a.action, a.case_no, a.detail, a.prev,
		  a.hash FROM hall.audit a, hall.kiosks k WHERE a.kiosk_id = '$k' AND a.seq = 5
		  AND k.kiosk_id = '$k'"
done
expect "backup: hall verify after shipping to the restored centre" 0 "" verify restored
is "backup: every row of the restored centre in its month's partition (none in a default)" 0 \
	"$(psql_in restored -c "SELECT count(*) FROM hall.audit a JOIN pg_class c ON c.oid = a.tableoid
	   WHERE c.relname LIKE '%_other'")"
