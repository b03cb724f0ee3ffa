#!/bin/sh
# The hall's central store on a real PostgreSQL (tests/cli/pg_env.sh: one
# cluster for this script, as an unprivileged user, on a socket of its own):
# the central schema by migrations, kiosks' roles, `kioskctl hall ship` with
# the chain verified at the centre, once by (kiosk, seq), the registry
# derived from the shipped rows, row-level security checked with psql, and
# the faults: a batch sent twice, two shippers at once, the shipper killed
# (kill -9) mid-batch, PostgreSQL stopped mid-batch, the connection reset
# mid-batch, and a kiosk database restored from a backup (rewind and fork
# refused). Every fault ends with the centre holding each row exactly once
# and the same head as the kiosk's file.
. tests/cli/lib.sh
. tests/cli/pg_env.sh
SEED="$PWD/$BUILD/tests/sim/kiosk_seed"
PROXY="$PWD/$BUILD/tests/tools/stallproxy"
pg_start

# rows_of KIOSK: rows the centre holds for KIOSK, distinct seqs, its head.
rows_of() {
	pg_psql -c "SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' ||
	            coalesce(max(seq), 0) FROM hall.audit WHERE kiosk_id = '$1'"
}
# local_rows DB: the same three for a kiosk's file.
local_rows() { sqlite3 "$1" "SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' || max(seq) FROM audit"; }
# heads_agree NAME KIOSK DB: the centre's head (seq and hash) is the file's.
heads_agree() {
	c=$(pg_psql -c "SELECT head_seq || ' ' || encode(head_hash, 'hex') FROM hall.kiosks
	                WHERE kiosk_id = '$2'")
	l=$(sqlite3 "$3" "SELECT seq || ' ' || lower(hex(hash)) FROM audit_head")
	if [ "$c" = "$l" ]; then echo "PASS $1"; else echo "FAIL $1: centre '$c', file '$l'"; fi
}
# same_rows NAME KIOSK DB: every row once at the centre, as many as the file.
same_rows() {
	c=$(rows_of "$2")
	l=$(local_rows "$3")
	if [ "$c" = "$l" ]; then echo "PASS $1"; else echo "FAIL $1: centre '$c', file '$l'"; fi
}
# is NAME WANT GOT
is() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: '$3', wanted '$2'"; fi; }
# ship KIOSK DB [OPTIONS]: kioskctl hall ship as the kiosk's role.
ship() {
	k=$1 f=$2
	shift 2
	"$KIOSKCTL" hall ship --central "$(pg_kiosk "$k")" --db "$f" "$@"
}

# ---- the central schema and the kiosks' roles ----
expect "hall: init needs the centre" 2 "give the centre" "$KIOSKCTL" hall init
expect "hall: init migrates the central schema" 0 "version 0 -> [1-9][0-9]*" \
	"$KIOSKCTL" hall init --central "$PG_ADMIN"
latest=$(sed -n 's/.*version 0 -> \([0-9]*\).*/\1/p' "$T/out")
expect "hall: init again is up to date" 0 "version $latest, up to date" \
	"$KIOSKCTL" hall init --central "$PG_ADMIN"
is "hall: every migration recorded" "$latest $latest" \
	"$(pg_psql -c 'SELECT count(*) || $$ $$ || max(version) FROM hall.migrations')"
for k in K1 K2 K3; do
	expect "hall: kiosk-add $k" 0 "kiosk $k registered: its role is kiosk_$k" \
		"$KIOSKCTL" hall kiosk-add "$k" --central "$PG_ADMIN"
done
expect "hall: kiosk-add again" 0 "registered already" \
	"$KIOSKCTL" hall kiosk-add K1 --central "$PG_ADMIN"
expect "hall: a bad kiosk id" 2 "is not a kiosk id" \
	"$KIOSKCTL" hall kiosk-add "K 1;" --central "$PG_ADMIN"
is "hall: the kiosk's role is a login in hall_kiosk" "t" \
	"$(pg_psql -c "SELECT rolcanlogin AND pg_has_role('kiosk_K1', 'hall_kiosk', 'member')
	               FROM pg_roles WHERE rolname = 'kiosk_K1'")"

# ---- the embedded default: no [hall], no shipment ----
"$SEED" "$T/k1.db" K1 300 2026-03-02 || echo "FAIL hall: seeding k1"
expect "hall: no [hall] configured, nothing is shipped" 2 "no hall is configured" \
	"$KIOSKCTL" hall ship --db "$T/k1.db"
cp -r kiosk-config "$T/cfg"
sed -i "s|^central =.*|central = $(pg_kiosk K1)|" "$T/cfg/kiosk.ini"

# ---- ship, verified at the centre, idempotent ----
expect "hall: ship through [hall] central" 0 "the centre holds rows 1 to [0-9]+ of kiosk K1; 0 left" \
	env KIOSK_CONFIG="$T/cfg" "$KIOSKCTL" hall ship --db "$T/k1.db" --batch 1000
same_rows "hall: every row of K1 once at the centre" K1 "$T/k1.db"
heads_agree "hall: the centre's head is the file's" K1 "$T/k1.db"
is "hall: the centre recomputes every hash as core/audit/audit.c does" 0 \
	"$(pg_psql -c "SELECT count(*) FROM hall.audit WHERE hash <> hall.audit_hash(seq, at_ms,
	               actor, action, case_no, detail, prev)")"
is "hall: Chinese text arrives byte for byte" 1 \
	"$(pg_psql -c "SELECT count(*) FROM hall.audit WHERE kiosk_id = 'K1' AND
	               detail LIKE '%成都某某科技有限公司17\"%' AND action = 'case.details'")"
before=$(rows_of K1)
expect "hall: ship again sends nothing" 0 "shipped 0 rows in 0 batches" ship K1 "$T/k1.db"
is "hall: nothing doubled" "$before" "$(rows_of K1)"
"$KIOSKCTL" db backup "$T/k1-yesterday.db" --db "$T/k1.db" >/dev/null

# The same batch sent twice, by hand, as the kiosk: refused, nothing doubled.
refuses "hall: a batch the centre holds, sent again, is refused" "duplicate key|holds rows 1 to" \
	pg_psql -U kiosk_K1 -c "CREATE TEMP TABLE again AS SELECT * FROM hall.audit
	  WHERE kiosk_id = 'K1' AND seq BETWEEN 5 AND 9;
	  INSERT INTO hall.audit (kiosk_id, seq, at_ms, actor, action, case_no, detail, prev, hash)
	  SELECT kiosk_id, seq, at_ms, actor, action, case_no, detail, prev, hash FROM again"
is "hall: still nothing doubled" "$before" "$(rows_of K1)"

# Two shippers at once over the same new rows: each row once.
"$SEED" "$T/k1.db" K1 200 2026-03-10 || echo "FAIL hall: seeding k1 again"
ship K1 "$T/k1.db" --batch 200 >"$T/s1" 2>&1 &
p1=$!
ship K1 "$T/k1.db" --batch 200 >"$T/s2" 2>&1 &
p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
is "hall: two shippers at once both finish" "0 0" "$r1 $r2"
[ "$r1 $r2" = "0 0" ] || sed 's/^/    | /' "$T/s1" "$T/s2"
same_rows "hall: two shippers: every row once" K1 "$T/k1.db"
heads_agree "hall: two shippers: heads agree" K1 "$T/k1.db"

# ---- the centre verifies what it is sent (a forger with the kiosk's role) ----
head=$(pg_psql -c "SELECT head_seq FROM hall.kiosks WHERE kiosk_id = 'K1'")
hh=$(pg_psql -c "SELECT encode(head_hash, 'hex') FROM hall.kiosks WHERE kiosk_id = 'K1'")
forge() { # forge NAME PATTERN PREV HASH-EXPR
	refuses "$1" "$2" pg_psql -U kiosk_K1 -c "INSERT INTO hall.audit (kiosk_id, seq, at_ms,
	  actor, action, case_no, detail, prev, hash) SELECT 'K1', $head + 1, 1, 's001',
	  'payment.update', '', '{}', decode('$3', 'hex'), $4"
}
forge "hall: a row that does not match its hash is refused" "row $((head + 1)) does not match its hash" \
	"$hh" "sha256('x')"
forge "hall: a row that does not follow the head is refused" "does not follow the row before it" \
	"$(printf '%064d' 0)" "hall.audit_hash($head + 1, 1, 's001', 'payment.update', '', '{}', decode('$(printf '%064d' 0)', 'hex'))"
refuses "hall: a gap after the head is refused" "start at row $((head + 2))" \
	pg_psql -U kiosk_K1 -c "INSERT INTO hall.audit (kiosk_id, seq, at_ms, actor, action,
	  case_no, detail, prev, hash) VALUES ('K1', $head + 2, 1, 'a', 'b', '', '', '\\x00', '\\x00')"
refuses "hall: a first row that is not the kiosk's genesis is refused" "not this kiosk's genesis row" \
	pg_psql -U kiosk_K3 -c "INSERT INTO hall.audit (kiosk_id, seq, at_ms, actor, action,
	  case_no, detail, prev, hash) SELECT 'K3', 1, 1, 'system', 'genesis', '', 'K1',
	  decode(repeat('00', 32), 'hex'), hall.audit_hash(1, 1, 'system', 'genesis', '', 'K1',
	  decode(repeat('00', 32), 'hex'))"
same_rows "hall: forgeries left nothing" K1 "$T/k1.db"

# ---- row-level security and grants, seen with psql as each role ----
"$SEED" "$T/k2.db" K2 100 2026-03-02 || echo "FAIL hall: seeding k2"
expect "hall: K2 ships its own" 0 "holds rows 1 to" ship K2 "$T/k2.db"
k2rows=$(local_rows "$T/k2.db" | cut -d' ' -f1)
is "hall: K2 reads only its own rows" "$k2rows 0" \
	"$(pg_psql -U kiosk_K2 -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE kiosk_id <> 'K2') FROM hall.audit")"
is "hall: K2 cannot read K1's rows" 0 \
	"$(pg_psql -U kiosk_K2 -c "SELECT count(*) FROM hall.audit WHERE kiosk_id = 'K1'")"
is "hall: K2 sees only its own kiosk row and refusals" "K2 0" \
	"$(pg_psql -U kiosk_K2 -c "SELECT string_agg(kiosk_id, ',') || ' ' || (SELECT count(*) FROM hall.refusals) FROM hall.kiosks")"
refuses "hall: K2 cannot add a row as K1" "row-level security" \
	pg_psql -U kiosk_K2 -c "INSERT INTO hall.audit (kiosk_id, seq, at_ms, actor, action,
	  case_no, detail, prev, hash) VALUES ('K1', 999999, 1, 'a', 'b', '', '', '\\x00', '\\x00')"
refuses "hall: K2 cannot change a row" "permission denied" \
	pg_psql -U kiosk_K2 -c "UPDATE hall.audit SET detail = 'x' WHERE kiosk_id = 'K2'"
refuses "hall: K2 cannot change K1's rows" "permission denied" \
	pg_psql -U kiosk_K2 -c "UPDATE hall.audit SET detail = 'x' WHERE kiosk_id = 'K1'"
refuses "hall: K2 cannot delete a row" "permission denied" \
	pg_psql -U kiosk_K2 -c "DELETE FROM hall.audit WHERE kiosk_id = 'K1'"
refuses "hall: K2 cannot truncate" "permission denied" \
	pg_psql -U kiosk_K2 -c "TRUNCATE hall.audit"
refuses "hall: K2 cannot move a head" "permission denied" \
	pg_psql -U kiosk_K2 -c "UPDATE hall.kiosks SET head_seq = 0"
refuses "hall: K2 cannot write the registry" "permission denied" \
	pg_psql -U kiosk_K2 -c "DELETE FROM hall.cert_revoked"
refuses "hall: not even the owner changes a shipped row" "rows are never changed" \
	pg_psql -c "UPDATE hall.audit SET detail = 'x' WHERE kiosk_id = 'K1' AND seq = 2"
is "hall: K2 reads the whole hall's registry (K1's certificates too)" t \
	"$(pg_psql -U kiosk_K2 -c "SELECT count(*) FILTER (WHERE kiosk_id = 'K1') > 0 FROM hall.certificates")"
is "hall: a reader role reads every kiosk" "K1,K2" \
	"$(pg_psql -c "CREATE ROLE auditor LOGIN IN ROLE hall_reader" >/dev/null;
	   pg_psql -U auditor -c "SELECT string_agg(DISTINCT kiosk_id, ',' ORDER BY kiosk_id) FROM hall.audit")"

# ---- a row of the file changed after it was written: the good rows before
# it go, nothing from it on (the sender recomputes the chain too) ----
"$SEED" "$T/k2.db" K2 50 2026-03-20 || echo "FAIL hall: seeding k2 again"
bad=$(( $(sqlite3 "$T/k2.db" "SELECT seq FROM audit_head") - 300 ))
sqlite3 "$T/k2.db" "DROP TRIGGER audit_no_update; UPDATE audit SET detail = detail || ' ' WHERE seq = $bad"
expect "hall: a changed row of the file is not sent" 1 "row $bad of .* does not match its hash" \
	ship K2 "$T/k2.db" --batch 500
is "hall: the rows before it were" "$((bad - 1))" \
	"$(pg_psql -c "SELECT head_seq FROM hall.kiosks WHERE kiosk_id = 'K2'")"

# ---- the registry, derived in PostgreSQL from the token.* and case.* rows ----
is "hall: registry: one key per K1 case, every fifth lost" "500 100" \
	"$(pg_psql -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE state = 'PERM_LOST') FROM hall.keys WHERE kiosk_id = 'K1'")"
is "hall: registry: certificates, the lost keys' revoked" "500 100" \
	"$(pg_psql -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE revoke_reason = 'lost') FROM hall.certificates WHERE kiosk_id = 'K1'")"
is "hall: registry: a key's binding" "t|91310115MA1K3BTP2B|成都某某科技有限公司7|张三" \
	"$(pg_psql -c "SELECT key_serial LIKE 'SC-K1-%-07', uscc, unit_name, agent_name FROM hall.bindings WHERE case_no = 'K1-20260302-0008'")"
is "hall: registry: a case's unit and last step" "K1-20260302-0008|成都某某科技有限公司7|slip" \
	"$(pg_psql -c "SELECT case_no, unit_name, last_step FROM hall.cases WHERE case_no = 'K1-20260302-0008'")"

# ---- a kiosk database restored from yesterday's backup ----
ref0=$(pg_psql -c "SELECT count(*) FROM hall.refusals WHERE kiosk_id = 'K1'")
before=$(rows_of K1)
expect "hall: a restored file (behind the centre) is refused: rewind" 1 \
	"rewind refused: the centre holds rows 1 to [0-9]+ of kiosk K1" ship K1 "$T/k1-yesterday.db"
"$SEED" "$T/k1-yesterday.db" K1 300 2026-04-01 || echo "FAIL hall: writing on the restored file"
expect "hall: the restored file written again is refused: fork" 1 "fork refused" \
	ship K1 "$T/k1-yesterday.db"
is "hall: the centre kept its chain" "$before" "$(rows_of K1)"
is "hall: both refusals recorded at the centre" $((ref0 + 2)) \
	"$(pg_psql -c "SELECT count(*) FROM hall.refusals WHERE kiosk_id = 'K1'")"
heads_agree "hall: the real file still agrees with the centre" K1 "$T/k1.db"
expect "hall: kiosks lists the refusals" 0 "K1: rows 1 to [0-9]+, head [0-9a-f]{64}, last shipped .*, 2 refused" \
	"$KIOSKCTL" hall kiosks --central "$PG_ADMIN"

# ---- faults in the middle of a batch (stallproxy holds it half-sent) ----
mkdir -p "$T/px"
# midway KIOSK DB: ship through the proxy, which stalls a few batches in;
# $spid is the shipper, $ppid the proxy, once the marker is there.
midway() {
	rm -f "$T/stalled"
	"$PROXY" "$T/px/.s.PGSQL.5432" "$PG_SOCK/.s.PGSQL.5432" 700000 "$T/stalled" &
	ppid=$!
	i=0
	while [ ! -S "$T/px/.s.PGSQL.5432" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	"$KIOSKCTL" hall ship --central "host=$T/px dbname=hall user=kiosk_$1" --db "$2" \
		--batch 500 >"$T/mid.out" 2>&1 &
	spid=$!
	i=0
	while [ ! -f "$T/stalled" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	[ -f "$T/stalled" ] || echo "FAIL hall: the proxy never stalled"
	sleep 0.3 # the server has read what the proxy passed
}
# committed_only NAME KIOSK: mid-batch, the centre holds whole batches only.
committed_only() {
	set -- "$1" "$(rows_of "$2")"
	n=${2%% *}
	if [ "$n" -gt 0 ] && [ $((n % 500)) -eq 0 ] || [ "$n" -eq "$(echo "$2" | cut -d' ' -f3)" ]; then
		echo "PASS $1"
	else
		echo "FAIL $1: $2"
	fi
}
"$SEED" "$T/k3.db" K3 400 2026-03-02 || echo "FAIL hall: seeding k3"
midway K3 "$T/k3.db"
kill -9 $spid
wait $spid 2>/dev/null
kill $ppid; wait $ppid 2>/dev/null
sleep 0.5
committed_only "hall: shipper killed mid-batch: only whole batches at the centre" K3
expect "hall: after the kill, ship again" 0 "0 left to ship" ship K3 "$T/k3.db"
same_rows "hall: after the kill: every row once" K3 "$T/k3.db"
heads_agree "hall: after the kill: heads agree" K3 "$T/k3.db"

"$SEED" "$T/k3.db" K3 400 2026-04-02 || echo "FAIL hall: seeding k3 again"
midway K3 "$T/k3.db"
pg_stop
wait $spid
is "hall: PostgreSQL stopped mid-batch: the shipper says so (exit 2)" 2 $?
grep -Eq "lost|cannot reach|terminat" "$T/mid.out" && echo "PASS hall: ... in words" ||
	{ echo "FAIL hall: PostgreSQL stopped: no message"; sed 's/^/    | /' "$T/mid.out"; }
kill $ppid; wait $ppid 2>/dev/null
expect "hall: while the centre is down the kiosk is told, nothing breaks" 2 "cannot reach the central store" \
	ship K3 "$T/k3.db"
pg_restart
committed_only "hall: PostgreSQL restarted: only whole batches at the centre" K3
expect "hall: after the restart, ship again" 0 "0 left to ship" ship K3 "$T/k3.db"
same_rows "hall: after the restart: every row once" K3 "$T/k3.db"
heads_agree "hall: after the restart: heads agree" K3 "$T/k3.db"

"$SEED" "$T/k3.db" K3 400 2026-05-02 || echo "FAIL hall: seeding k3 a third time"
midway K3 "$T/k3.db"
kill -USR1 $ppid
wait $spid
is "hall: connection reset mid-batch: the shipper says so (exit 2)" 2 $?
grep -q "connection to the central store was lost" "$T/mid.out" && echo "PASS hall: ... in words" ||
	{ echo "FAIL hall: reset: no message"; sed 's/^/    | /' "$T/mid.out"; }
kill $ppid; wait $ppid 2>/dev/null
sleep 0.5
committed_only "hall: connection reset: only whole batches at the centre" K3
expect "hall: after the reset, ship again" 0 "0 left to ship" ship K3 "$T/k3.db"
same_rows "hall: after the reset: every row once" K3 "$T/k3.db"
heads_agree "hall: after the reset: heads agree" K3 "$T/k3.db"
is "hall: the whole centre recomputes" 0 \
	"$(pg_psql -c "SELECT count(*) FROM hall.audit WHERE hash <> hall.audit_hash(seq, at_ms,
	               actor, action, case_no, detail, prev)")"

# ---- a statement_timeout at the centre mid-batch: the batch check waits
# on the kiosk's row (held by another session) past the role's timeout ----
"$SEED" "$T/k3.db" K3 200 2026-06-02 || echo "FAIL hall: seeding k3 a fourth time"
pg_psql -c "ALTER ROLE \"kiosk_K3\" SET statement_timeout = '1s'"
pg_psql -c "BEGIN; SELECT 1 FROM hall.kiosks WHERE kiosk_id = 'K3' FOR UPDATE; SELECT pg_sleep(4)" \
	>/dev/null 2>&1 &
lpid=$!
i=0
until [ "$(pg_psql -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(4)%'
	AND wait_event = 'PgSleep'")" = 1 ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
before=$(rows_of K3)
expect "hall: a statement_timeout mid-batch: the shipper says so (exit 2)" 2 \
	"adding a batch at the centre failed: canceling statement due to statement timeout" \
	ship K3 "$T/k3.db" --batch 500
is "hall: statement_timeout: nothing of the batch kept" "$before" "$(rows_of K3)"
wait $lpid
pg_psql -c "ALTER ROLE \"kiosk_K3\" RESET statement_timeout"
expect "hall: after the timeout, ship again" 0 "0 left to ship" ship K3 "$T/k3.db"
same_rows "hall: after the timeout: every row once" K3 "$T/k3.db"
heads_agree "hall: after the timeout: heads agree" K3 "$T/k3.db"

# ---- the centre's disk full mid-shipment: hall HX's partitions of
# hall.audit on a tablespace of 1 MiB (a tmpfs: needs root to mount) ----
"$KIOSKCTL" hall kiosk-add K4 --hall HX --central "$PG_ADMIN" >/dev/null
"$SEED" "$T/k4.db" K4 300 2026-06-02 || echo "FAIL hall: seeding k4"
mkdir "$PG_DIR/small"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o "size=1m,mode=0700,uid=$(id -u "$PG_OS_USER")" tmpfs "$PG_DIR/small" 2>/dev/null; then
	trap 'umount "$PG_DIR/small" 2>/dev/null; pg_cleanup' EXIT
	pg_psql -c "CREATE TABLESPACE small LOCATION '$PG_DIR/small'"
	move_hx() { # move_hx TABLESPACE: hall HX's audit partitions there
		pg_psql -c "SELECT format('ALTER TABLE hall.%I SET TABLESPACE $1;', relname) FROM pg_class
		            WHERE relname LIKE 'audit\_HX\_%' AND relkind = 'r'" | pg_psql >/dev/null
	}
	move_hx small
	expect "hall: the centre's disk full mid-shipment: the shipper says so (exit 2)" 2 \
		"No space left on device" ship K4 "$T/k4.db" --batch 500
	committed_only "hall: disk full: only whole batches at the centre" K4
	is "hall: disk full: some batches went before it filled" t \
		"$(pg_psql -c "SELECT head_seq > 0 FROM hall.kiosks WHERE kiosk_id = 'K4'")"
	move_hx pg_default
	expect "hall: room made, ship again" 0 "0 left to ship" ship K4 "$T/k4.db"
	same_rows "hall: after the disk full: every row once" K4 "$T/k4.db"
	heads_agree "hall: after the disk full: heads agree" K4 "$T/k4.db"
	pg_psql -c "DROP TABLESPACE small"
	umount "$PG_DIR/small"
else
	echo "note: the centre's disk full is not simulated here (mounting a tmpfs needs root)"
fi

# ---- the kiosk's own shipper: a thread running kioskctl hall ship, its
# word on the status line (在线 / 离线 N 条待同步); the clerk never waits ----
KIOSK="$PWD/$BUILD/test/kiosk"
"$KIOSKCTL" hall kiosk-add K5 --central "$PG_ADMIN" >/dev/null
cp -r kiosk-config "$T/cfgk"
sed -i "s|^kiosk_id =.*|kiosk_id = K5|; s|^central =.*|central = $(pg_kiosk K5)|" "$T/cfgk/kiosk.ini"
printf 'wait 3\ndump\n' >"$T/k.keys"
KIOSK_CONFIG="$T/cfgk" KIOSK_SCRIPT="$T/k.keys" timeout 20 "$KIOSK" --data-dir "$T/kd" >"$T/k.out" 2>"$T/k.err"
is "hall: the kiosk with a hall runs" 0 $?
if sed -n 2p "$T/k.out" | grep -q ' 在线 '; then echo "PASS hall: the status line says 在线"; else
	echo "FAIL hall: the status line says 在线"; sed 's/^/    | /' "$T/k.out" "$T/k.err" | head -5; fi
same_rows "hall: the kiosk's shipper sent its rows" K5 "$T/kd/kiosk.db"
cp -r "$T/cfgk" "$T/cfgo"
sed -i "s|^central =.*|central = host=$T/nowhere dbname=hall user=kiosk_K5 connect_timeout=2|" "$T/cfgo/kiosk.ini"
KIOSK_CONFIG="$T/cfgo" KIOSK_SCRIPT="$T/k.keys" timeout 20 "$KIOSK" --data-dir "$T/ko" >"$T/k.out" 2>"$T/k.err"
is "hall: the kiosk without its centre runs" 0 $?
n=$(sqlite3 "$T/ko/kiosk.db" "SELECT seq FROM audit_head")
if sed -n 2p "$T/k.out" | grep -q " 离线 $n 条待同步 "; then echo "PASS hall: the status line says 离线 $n 条待同步"; else
	echo "FAIL hall: the status line says 离线 $n 条待同步"; sed 's/^/    | /' "$T/k.out" "$T/k.err" | head -5; fi
sed -i 's|^central =.*|central =|' "$T/cfgo/kiosk.ini"
KIOSK_CONFIG="$T/cfgo" KIOSK_SCRIPT="$T/k.keys" timeout 20 "$KIOSK" --data-dir "$T/ko" >"$T/k.out" 2>"$T/k.err"
if sed -n 2p "$T/k.out" | grep -Eq '在线|离线'; then echo "FAIL hall: no [hall], nothing on the status line"; else
	echo "PASS hall: no [hall], nothing on the status line"; fi

# ---- the CA feed (central migration 6): both halves of a pair, in either order ----
# Registry facts written as the centre's own derivation writes them: a
# retirement arriving after the certificate (the moves' side) and a
# certificate arriving after its key was retired elsewhere (the
# certificates' side, both kiosks offline), each read by its issuer only.
pg_psql -c "INSERT INTO hall.cert_issued (kiosk_id, seq, at_ms, cert_serial, key_serial, case_no)
            VALUES ('K1', 900001, 1000, 'FEEDC1', 'FEED-K1', 'c1');
            INSERT INTO hall.key_moves VALUES ('K2', 900001, 2000, 'FEED-K1', 'lost', 'ACTIVE', 'PERM_LOST', 'c2', 'x');
            INSERT INTO hall.key_moves VALUES ('K2', 900002, 3000, 'FEED-K2', 'revoked', 'ACTIVE', 'TERMINATED', 'c3', 'x');
            INSERT INTO hall.cert_issued (kiosk_id, seq, at_ms, cert_serial, key_serial, case_no)
            VALUES ('K1', 900002, 2500, 'FEEDC2', 'FEED-K2', 'c4');
            INSERT INTO hall.cert_revoked VALUES ('K2', 900003, 4000, 'FEEDC1', 'lost');" >/dev/null ||
	echo "FAIL ca feed: writing the facts"
is "ca feed: a retirement after the certificate, and a certificate after its key's retirement, and a revocation" \
	"FEEDC1 K1 lost K2 PERM_LOST|FEEDC1 K1 lost K2 |FEEDC2 K1 revoked K2 TERMINATED" \
	"$(pg_psql -c "SELECT string_agg(cert_serial || ' ' || issuer_kiosk || ' ' || reason || ' ' || by_kiosk || ' ' || coalesce(key_state, ''), '|' ORDER BY cert_serial, at_ms) FROM hall.ca_feed WHERE cert_serial LIKE 'FEEDC%'")"
is "ca feed: the issuing kiosk's role reads its rows" 3 \
	"$(pg_psql -U kiosk_K1 -c "SELECT count(*) FROM hall.ca_feed WHERE cert_serial LIKE 'FEEDC%'")"
is "ca feed: another kiosk's role reads none of them" 0 \
	"$(pg_psql -U kiosk_K2 -c "SELECT count(*) FROM hall.ca_feed WHERE cert_serial LIKE 'FEEDC%'")"
