#!/bin/sh
# The hall's day on a real PostgreSQL (tests/cli/pg_env.sh): three kiosks at
# two halls — hall HA with window K1 (its records made by the repositories,
# tests/sim/kiosk_seed) and window SCCA-CD-01 (the demo kiosk driven in
# script mode: a paid case, a refusal, a cancel, a case left open, a 容缺, a
# second clerk's case, a refund), hall HB with window K3. Each ships to the
# centre; `kioskctl hall report` must equal the sum of the windows' own
# reports (`kioskctl report daily`, `day show`) and a direct SQL count with
# psql over the raw audit rows; every hall command needs a supervisor whose
# PIN the centre checks; `hall close` is refused while a window is open,
# names it, and signs the windows' totals once all are closed (the
# signature checked with openssl); `hall verify` recomputes every kiosk's
# chain and seals at the centre and names a gap in shipping.
. tests/cli/screens.sh
. tests/cli/pg_env.sh
SEED="$PWD/$BUILD/tests/sim/kiosk_seed"
DAY=2026-11-21
pg_start
D="$T/demo.d"

is() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: '$3', wanted '$2'"; fi; }
krun() {
	KIOSK_SCRIPT="$T/$1.keys" timeout 30 "$KIOSK" --demo --data-dir "$D" >"$T/$1.out" 2>"$T/$1.err"
	rc=$?
	if [ $rc = 0 ] && [ ! -s "$T/$1.err" ]; then echo "PASS $1: kiosk exited cleanly"; else
		echo "FAIL $1: kiosk exit $rc"; sed 's/^/    ! /' "$T/$1.err" | head; fi
}
# kctl ARGS...: kioskctl at the end of the day (its clock: KIOSK_NOW).
kctl() { KIOSK_NOW=${DAY}T20:00:00+08:00 "$KIOSKCTL" "$@"; }
# sup ID PIN ARGS...: a hall command as supervisor ID, the PIN on stdin.
sup() {
	id=$1 pin=$2
	shift 2
	echo "$pin" | kctl hall "$@" --by "$id" --central "host=$PG_SOCK dbname=hall"
}

# ---- the centre, its halls, windows and supervisors ----
"$KIOSKCTL" hall init --central "$PG_ADMIN" >/dev/null || echo "FAIL hall day: init"
expect "hall day: K1 is a window of hall HA" 0 "a window of hall HA" \
	"$KIOSKCTL" hall kiosk-add K1 --hall HA --central "$PG_ADMIN"
"$KIOSKCTL" hall kiosk-add SCCA-CD-01 --hall HA --central "$PG_ADMIN" >/dev/null
"$KIOSKCTL" hall kiosk-add K3 --hall HB --central "$PG_ADMIN" >/dev/null
expect "hall day: a kiosk is a window of one hall" 2 "is a window of hall HA, not HB" \
	"$KIOSKCTL" hall kiosk-add K1 --hall HB --central "$PG_ADMIN"
is "hall day: the halls' windows" "HA:K1,SCCA-CD-01 HB:K3" \
	"$(pg_psql -c "SELECT string_agg(h, ' ' ORDER BY h) FROM (SELECT hall_id || ':' ||
	   string_agg(kiosk_id, ',' ORDER BY kiosk_id) AS h FROM hall.kiosks GROUP BY hall_id) x")"
expect "hall day: a supervisor of HA" 0 "sup1 now supervises hall HA" \
	sh -c "echo hallpin-1 | '$KIOSKCTL' hall supervisor-add sup1 --hall HA --central '$PG_ADMIN'"
echo hallpin-2 | "$KIOSKCTL" hall supervisor-add sup2 --hall HB --central "$PG_ADMIN" >/dev/null
is "hall day: the PIN is kept only as PostgreSQL's SCRAM verifier" "t" \
	"$(pg_psql -c "SELECT rolpassword LIKE 'SCRAM-SHA-256\$%' AND rolpassword NOT LIKE '%hallpin%'
	   FROM pg_authid WHERE rolname = 'hall_sup_sup1'")"

# ---- the windows' day ----
"$SEED" "$T/k1.db" K1 120 2026-11-20 || echo "FAIL hall day: seeding K1"
"$SEED" "$T/k3.db" K3 60 $DAY || echo "FAIL hall day: seeding K3"
NEW='key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'
{ login # completed and paid
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$NEW"; keyin 6
  printf 'key Enter Enter\nkey F5\nkey Enter\n'
  # refused: the form without its fresh seal
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F6 F5 F7\ntype 未加盖单位公章\nkey Enter\nkey Enter\nkey Enter Enter\nkey Enter\n'
  # cancelled at the materials
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F8\nkey Enter\n'
  # stopped before a decision
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf 'key Enter Enter Enter Enter\nkey Esc\n'; } >"$T/s1.keys"
krun s1
{ login # 容缺受理
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F6 F5\nkey Enter\nkey Enter Enter\n'; keyin 6
  printf 'key Enter Enter\nkey F5\nkey Enter\n'; } >"$T/s2.keys"
krun s2
{ login demo02 135790 # a second clerk
  pick 7; party 成都锦城示例科技有限公司 91510100MA61XY3K4K; printf "$NEW"; keyin 6
  printf 'key Enter Enter\nkey F5\nkey Enter\n'; } >"$T/s3.keys"
krun s3
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$NEW"; keyin 6
  printf 'key Enter Enter\nkey F5\nkey Enter\n'
  printf 'key F8\ntype 客户申请撤销\nkey Enter\ntype demo01\nkey Enter\ntype 246810\nkey Enter\n'
  printf 'key Home\nkey Delete Delete Delete Delete Delete Delete\ntype demosup\nkey Tab\ntype 975310\nkey Enter\n'; } >"$T/s4.keys"
krun s4
is "hall day: the demo window's day, by status" "cancelled completed open refused rongque" \
	"$(sqlite3 "$D/demo.db" "SELECT group_concat(status, ' ') FROM (SELECT DISTINCT status FROM cases ORDER BY status)")" 2>/dev/null
is "hall day: its refund went through" "SUCCESS" "$(sqlite3 "$D/demo.db" "SELECT state FROM refunds")"

# ship KIOSK DB: the kiosk's rows to the centre, as its own role.
ship() { "$KIOSKCTL" hall ship --central "$(pg_kiosk "$1")" --db "$2" >"$T/ship.out" 2>&1 ||
	{ echo "FAIL hall day: shipping $1"; sed 's/^/    | /' "$T/ship.out"; }; }
# windows_close KIOSK DB SUPERVISOR: the window's own day close (--with-open:
# the demo window keeps a case stopped before its decision, which the close
# counts as open).
window_close() {
	echo 975310 | kctl day close --date $DAY --by "$3" --db "$2" --key "$T/$1-key.pem" --with-open \
		--out "$T/$1-closes" >"$T/close.out" 2>&1 ||
		{ echo "FAIL hall day: closing window $1"; sed 's/^/    | /' "$T/close.out"; }
}
window_close K1 "$T/k1.db" s001
window_close K3 "$T/k3.db" s001
ship K1 "$T/k1.db"
ship K3 "$T/k3.db"
ship SCCA-CD-01 "$D/demo.db"

# ---- a supervisor's, the PIN checked by the centre ----
expect "hall day: report needs a supervisor" 2 "give --by SUPERVISOR_ID" \
	kctl hall report --date $DAY --hall HA --central "host=$PG_SOCK dbname=hall"
expect "hall day: a wrong hall PIN is refused" 1 "refused supervisor sup1" \
	sup sup1 wrong-pin report --date $DAY --hall HA
expect "hall day: an unknown supervisor is refused" 1 "refused supervisor nobody1" \
	sup nobody1 hallpin-1 report --date $DAY --hall HA
expect "hall day: a supervisor of HB cannot see HA" 1 "sup2 is not a supervisor of hall HA" \
	sup sup2 hallpin-2 report --date $DAY --hall HA
expect "hall day: a kiosk's own login is not a supervisor's" 1 "refused supervisor" \
	sup K1 anything report --date $DAY --hall HA

# ---- the hall's report equals the sum of its windows' ----
sup sup1 hallpin-1 report --date $DAY --hall HA >"$T/ha.txt" 2>&1 ||
	{ echo "FAIL hall day: report HA"; sed 's/^/    | /' "$T/ha.txt"; }
# own K DB SUP: the window's own report, its status line and money line.
own() { echo 975310 | kctl report daily --date $DAY --by "$3" --db "$2" 2>&1; }
own K1 "$T/k1.db" s001 >"$T/own-k1.txt"
own SCCA-CD-01 "$D/demo.db" demosup >"$T/own-demo.txt"
# sum_status FILE...: the "status:" lines summed, as "open N accepted N ...".
sum_status() {
	grep -h '^status:' "$@" | awk '{ for (i = 2; i < NF; i += 2) n[$i] += $(i + 1); }
	  END { printf "open %d accepted %d rongque %d refused %d completed %d cancelled %d",
	        n["open"], n["accepted"], n["rongque"], n["refused"], n["completed"], n["cancelled"] }'
}
# sum_yuan FIELD FILE...: on the money lines, "fees due" ($3), "paid
# (verified)" ($7) or "refunded" ($10) summed, in fen.
sum_yuan() {
	f=$1
	shift
	grep -h '^fees due' "$@" | awk -v f="$f" '{ v = $f; sub(/\./, "", v); s += v } END { print s + 0 }'
}
is "hall day: HA's statuses are the sum of its windows'" \
	"$(sum_status "$T/own-k1.txt" "$T/own-demo.txt")" "$(sum_status "$T/ha.txt")"
is "hall day: HA's fees due are the sum of its windows'" \
	"$(sum_yuan 3 "$T/own-k1.txt" "$T/own-demo.txt")" "$(sum_yuan 3 "$T/ha.txt")"
is "hall day: HA's verified payments are the sum of its windows'" \
	"$(sum_yuan 7 "$T/own-k1.txt" "$T/own-demo.txt")" "$(sum_yuan 7 "$T/ha.txt")"
k1_cases=$(sed -n 's/^Daily report .*: \([0-9]*\) cases$/\1/p' "$T/own-k1.txt")
demo_cases=$(sed -n 's/^Daily report .*: \([0-9]*\) cases$/\1/p' "$T/own-demo.txt")
is "hall day: K1 had its 20 cases of the day (100 the day before)" 20 "$k1_cases"
grep -q "^Hall report $DAY, hall HA: 2 windows (1 closed the day), $((k1_cases + demo_cases)) cases$" "$T/ha.txt" &&
	echo "PASS hall day: HA's cases are the sum of its windows'" ||
	{ echo "FAIL hall day: HA's cases are the sum of its windows'"; sed 's/^/    | /' "$T/ha.txt"; }
# The refund: the demo window's own figure is its day.close anchor (below);
# here, the order it refunded.
refunded=$(sqlite3 "$D/demo.db" "SELECT amount_fen FROM refunds WHERE state = 'SUCCESS'")
is "hall day: HA's refunds are the demo window's" "$refunded" "$(sum_yuan 10 "$T/ha.txt")"
grep -q "^  HA SCCA-CD-01 demo02: 1 cases" "$T/ha.txt" && echo "PASS hall day: by window and clerk" ||
	{ echo "FAIL hall day: by window and clerk"; sed 's/^/    | /' "$T/ha.txt"; }
grep -A1 "^  HA SCCA-CD-01: " "$T/ha.txt" | grep -q "^    day not closed at the centre" &&
	grep -A1 "^  HA K1: " "$T/ha.txt" | grep -q "^    day closed by s001 (audit row" &&
	echo "PASS hall day: each window says whether its day is closed" ||
	echo "FAIL hall day: each window says whether its day is closed"

# A direct count with psql over the raw rows the kiosks shipped (not the
# derived tables): cases opened that day, cancels among them, at HA.
raw=$(pg_psql -c "SELECT count(*) || ' ' || count(*) FILTER (WHERE EXISTS (SELECT FROM hall.audit c
	  WHERE c.kiosk_id = a.kiosk_id AND c.case_no = a.case_no AND c.action = 'case.cancel'))
	  FROM hall.audit a JOIN hall.kiosks k ON k.kiosk_id = a.kiosk_id
	  WHERE k.hall_id = 'HA' AND a.action = 'case.open'
	  AND to_char(to_timestamp(a.at_ms / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') = '$DAY'")
is "hall day: psql counts the same cases and cancels at HA" \
	"$((k1_cases + demo_cases)) $(sum_status "$T/ha.txt" | awk '{ print $12 }')" "$raw"
is "hall day: hall.day_report() in psql agrees" "$((k1_cases + demo_cases))" \
	"$(pg_psql -c "SELECT sum(cases) FROM hall.day_report('$DAY', 'HA')")"

# CSV: one line per window, clerk, service and status; the counts add up.
sup sup1 hallpin-1 report --date $DAY --hall HA --csv >"$T/ha.csv" 2>&1
is "hall day: CSV header" "hall,window,clerk,service,status,cases,due_fen,paid_fen,refunded_fen" \
	"$(head -n 1 "$T/ha.csv")"
is "hall day: CSV cases add up" "$((k1_cases + demo_cases))" \
	"$(tail -n +2 "$T/ha.csv" | awk -F, '{ s += $6 } END { print s }')"
# HB: its own window only; K3's report is the hall's.
sup sup2 hallpin-2 report --date $DAY --hall HB >"$T/hb.txt" 2>&1
own K3 "$T/k3.db" s001 >"$T/own-k3.txt"
is "hall day: HB is K3's day" "$(sum_status "$T/own-k3.txt") $(sum_yuan 3 "$T/own-k3.txt")" \
	"$(sum_status "$T/hb.txt") $(sum_yuan 3 "$T/hb.txt")"
is "hall day: a supervisor's halls only, without --hall" 0 \
	"$(sup sup2 hallpin-2 report --date $DAY | grep -c 'K1\|SCCA')"

# ---- the hall's close: every window first ----
expect "hall day: close refused while a window is open, named" 1 \
	"windows still open .*: SCCA-CD-01; nothing was closed" \
	sup sup1 hallpin-1 close --date $DAY --hall HA --key "$T/hall-HA.pem"
refuses "hall day: the centre refuses it too, whoever asks" "windows still open .*SCCA-CD-01" \
	pg_psql -c "INSERT INTO hall.hall_closes (hall_id, day, closed_by, windows, totals, message,
	  key_id, signature) VALUES ('HA', '$DAY', 'x', '', '', '', '', '')"
window_close SCCA-CD-01 "$D/demo.db" demosup
ship SCCA-CD-01 "$D/demo.db"
refuses "hall day: a supervisor of HB cannot close HA" "not a supervisor of hall HA" \
	sup sup2 hallpin-2 close --date $DAY --hall HA --key "$T/hall-HB.pem"
expect "hall day: HA closes once both windows have" 0 "Hall HA, day $DAY: closed by sup1; 2 windows" \
	sup sup1 hallpin-1 close --date $DAY --hall HA --key "$T/hall-HA.pem"
cp "$T/out" "$T/hclose.out"
# The totals are the windows' signed anchors summed.
anchors=$(for k in K1 SCCA-CD-01; do
	if [ $k = K1 ]; then f=$T/k1.db; else f=$D/demo.db; fi
	sqlite3 "$f" "SELECT detail FROM audit WHERE action = 'day.close'" | sed 's/.*"counts":"\([^"]*\)".*/\1/'
	done | tr ',' '\n' | awk -F= '{ n[$1] += $2; o[$1] = NR } END {
	  printf "cases=%d,open=%d,accepted=%d,rongque=%d,refused=%d,completed=%d,cancelled=%d,due_fen=%d,paid_fen=%d,refunded_fen=%d",
	  n["cases"], n["open"], n["accepted"], n["rongque"], n["refused"], n["completed"], n["cancelled"], n["due_fen"], n["paid_fen"], n["refunded_fen"] }')
is "hall day: the hall's totals are its windows' anchors summed" "totals: $anchors" \
	"$(grep '^totals:' "$T/hclose.out")"
grep '^message: ' "$T/hclose.out" | sed 's/^message: //' | tr -d '\n' >"$T/hmsg"
pg_psql -c "SELECT signature FROM hall.hall_closes WHERE hall_id = 'HA'" | xxd -r -p >"$T/hsig"
truth "hall day: the hall's close verifies with openssl and the hall's public key" \
	openssl pkeyutl -verify -pubin -inkey "$T/hall-HA.pub.pem" -rawin -in "$T/hmsg" -sigfile "$T/hsig"
is "hall day: the stored message is the one signed" "$(cat "$T/hmsg")" \
	"$(pg_psql -c "SELECT message FROM hall.hall_closes WHERE hall_id = 'HA'")"
expect "hall day: a second close is refused" 1 "already closed" \
	sup sup1 hallpin-1 close --date $DAY --hall HA --key "$T/hall-HA.pem"
refuses "hall day: a supervisor cannot close another hall with psql either" "row-level security" \
	sh -c "PGPASSWORD=hallpin-2 psql -X -q -v ON_ERROR_STOP=1 -h '$PG_SOCK' -U hall_sup_sup2 -d hall \
	  -c \"INSERT INTO hall.hall_closes (hall_id, day, closed_by, windows, totals, message, key_id,
	  signature) VALUES ('HA', '$DAY', 'sup2', '', '', '', '', '')\""
refuses "hall day: a close is never changed" "never changed" \
	pg_psql -c "UPDATE hall.hall_closes SET totals = 'x'"

# ---- hall verify: chains, seals, gaps ----
mkdir -m 700 "$T/k3data"
echo 975310 | kctl audit seal-init --by s001 --db "$T/k3.db" --data-dir "$T/k3data" >"$T/seal.out" 2>&1 ||
	{ echo "FAIL hall day: seal-init"; sed 's/^/    | /' "$T/seal.out"; }
mkdir -p "$T/vkeys"
grep -Eo '[0-9a-f]{8}(-[0-9a-f]{8}){7}/[0-9]+-[0-9]+' "$T/seal.out" | head -n 1 >"$T/vkeys/K3.vkey"
"$SEED" "$T/k3.db" K3 10 2026-11-22 || echo "FAIL hall day: seeding K3 again"
KIOSK_NOW=2026-11-23T10:00:00+08:00 "$KIOSKCTL" audit seal --db "$T/k3.db" --data-dir "$T/k3data" >"$T/seal2.out" 2>&1 ||
	{ echo "FAIL hall day: audit seal"; sed 's/^/    | /' "$T/seal2.out"; }
ship K3 "$T/k3.db"
is "hall day: the seals reached the centre" "$(sqlite3 "$T/k3.db" "SELECT count(*) FROM seals")" \
	"$(pg_psql -c "SELECT count(*) FROM hall.seals WHERE kiosk_id = 'K3'")"
"$SEED" "$T/k1.db" K1 30 2026-11-22 || echo "FAIL hall day: seeding K1 again"
"$KIOSKCTL" hall ship --central "$(pg_kiosk K1)" --db "$T/k1.db" --max 100 >/dev/null 2>&1
k1_local=$(sqlite3 "$T/k1.db" "SELECT seq FROM audit_head")
k1_central=$(pg_psql -c "SELECT head_seq FROM hall.kiosks WHERE kiosk_id = 'K1'")
expect "hall day: verify, every kiosk intact" 0 "^2 kiosks: 0 tampered, 1 with a gap in shipping" \
	sup sup1 hallpin-1 verify --seal-key "$T/vkeys"
cp "$T/out" "$T/verify.out"
sup sup2 hallpin-2 verify --seal-key "$T/vkeys" >"$T/verify2.out" 2>&1
grep -q "^OK K3: HB" "$T/verify2.out" && grep -Eq "seal tags: [1-9][0-9]* verified" "$T/verify2.out" &&
	echo "PASS hall day: K3's seals checked at the centre, tags with its verification key" ||
	{ echo "FAIL hall day: K3's seals"; sed 's/^/    | /' "$T/verify2.out"; }
grep -q "gap: rows $((k1_central + 1)) to $k1_local held at the kiosk" "$T/verify.out" &&
	echo "PASS hall day: verify names K1's gap in shipping" ||
	{ echo "FAIL hall day: verify names K1's gap"; sed 's/^/    | /' "$T/verify.out"; }
# A shipped row changed at the centre by its superuser (triggers off):
# the centre's own verify names it; a seal is forged the same way.
pg_psql -c "ALTER TABLE hall.audit DISABLE TRIGGER audit_no_change;
	UPDATE hall.audit SET detail = detail || ' ' WHERE kiosk_id = 'SCCA-CD-01' AND seq = 20;
	ALTER TABLE hall.audit ENABLE TRIGGER audit_no_change;
	ALTER TABLE hall.seals DISABLE TRIGGER seals_no_change;
	UPDATE hall.seals SET tag = sha256(tag) WHERE kiosk_id = 'K3' AND seal_id = 1;
	ALTER TABLE hall.seals ENABLE TRIGGER seals_no_change" >/dev/null
expect "hall day: verify names a row changed at the centre" 1 "chain: row 20 does not match its hash" \
	sup sup1 hallpin-1 verify --hall HA
expect "hall day: verify names a forged seal's tag" 1 "TAMPERED seal 1 " \
	sup sup2 hallpin-2 verify --hall HB --seal-key "$T/vkeys"

# ---- reads that need the hall: the registry looked up, a key retired in
# one hall refused in another, the same key acted on in two halls offline ----
PROXY="$PWD/$BUILD/tests/tools/stallproxy"
key=$(pg_psql -c "SELECT key_serial FROM hall.keys WHERE kiosk_id = 'K1' AND state = 'ACTIVE'
	ORDER BY key_serial LIMIT 1")
uscc=$(pg_psql -c "SELECT uscc FROM hall.bindings WHERE key_serial = '$key'")
expect "hall lookup: HB's window finds HA's key at the centre" 0 \
	"^key $key ACTIVE .*last moved at K1 \(hall HA\); certificate [0-9A-F]+ to " \
	"$KIOSKCTL" hall lookup --key "$key" --central "$(pg_kiosk K3)"
expect "hall lookup: the unit's keys from every hall" 0 "hall: online; [0-9]+ on record at the centre for unit $uscc" \
	"$KIOSKCTL" hall lookup --uscc "$uscc" --central "$(pg_kiosk K3)"
# K3 (hall HB) retires it; once shipped, HA refuses it.
"$SEED" "$T/k3.db" K3 retire "$key" revoked 2026-11-23 || echo "FAIL hall lookup: K3 retires"
ship K3 "$T/k3.db"
expect "hall lookup: a key retired in HB is refused in HA" 1 \
	"refused: key $key was retired \(TERMINATED, revoked\) at K3 in hall HB" \
	"$KIOSKCTL" hall lookup --key "$key" --central "$(pg_kiosk K1)"
# A centre that accepts the connection and never answers: the lookup gives
# up within its bound and says it could only look locally.
mkdir -p "$T/stall"
"$PROXY" "$T/stall/.s.PGSQL.5432" "$PG_SOCK/.s.PGSQL.5432" 1 "$T/stalled" &
ppid=$!
i=0
while [ ! -S "$T/stall/.s.PGSQL.5432" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(date +%s)
expect "hall lookup: a silent centre: offline, looked up locally only" 2 \
	"hall: offline; looked up locally only \(.*cannot reach the central store within 2 s" \
	"$KIOSKCTL" hall lookup --key "$key" --timeout 2 --central "host=$T/stall dbname=hall user=kiosk_K1"
t1=$(date +%s)
kill $ppid; wait $ppid 2>/dev/null
truth "hall lookup: it never waits past its bound" test $((t1 - t0)) -le 4
# K1 (hall HA), offline, retires the same key as lost the next day: both
# acts reach the centre, which lists the conflict for the supervisors.
expect "hall conflicts: none yet" 0 "^0 conflicts" sup sup1 hallpin-1 conflicts
"$SEED" "$T/k1.db" K1 retire "$key" lost 2026-11-24 || echo "FAIL hall conflicts: K1 retires"
"$KIOSKCTL" hall ship --central "$(pg_kiosk K1)" --db "$T/k1.db" >/dev/null 2>&1
expect "hall conflicts: the key acted on in two halls is listed" 1 \
	"CONFLICT key $key: revoked -> TERMINATED at K3 \(hall HB, .*\), then lost ACTIVE -> PERM_LOST at K1 \(hall HA, .*\) without seeing it" \
	sup sup1 hallpin-1 conflicts
expect "hall conflicts: HB's supervisor sees it too" 1 "^1 conflicts" sup sup2 hallpin-2 conflicts --hall HB

# ---- a streaming replica serves the hall's report ----
if pg_replica_start; then
	is "replica: it is a standby, streaming" "t" \
		"$(psql -X -q -A -t -h "$PG_RSOCK" -U hall_admin -d hall -c 'SELECT pg_is_in_recovery()')"
	# it has caught up with the primary's last write
	lsn=$(pg_psql -c "SELECT pg_current_wal_lsn()")
	i=0
	until [ "$(psql -X -q -A -t -h "$PG_RSOCK" -U hall_admin -d hall \
		-c "SELECT pg_last_wal_replay_lsn() >= '$lsn'")" = t ] || [ $i -ge 100 ]; do
		sleep 0.1; i=$((i + 1)); done
	sup sup1 hallpin-1 report --date $DAY --hall HA >"$T/ha-primary.txt" 2>&1
	echo hallpin-1 | kctl hall report --date $DAY --hall HA --by sup1 \
		--central "host=$PG_RSOCK dbname=hall" >"$T/ha-replica.txt" 2>&1
	if cmp -s "$T/ha-primary.txt" "$T/ha-replica.txt" && grep -q "^Hall report $DAY, hall HA" "$T/ha-replica.txt"; then
		echo "PASS replica: it serves the hall's report, the same as the primary's"
	else
		echo "FAIL replica: the hall's report"; diff "$T/ha-primary.txt" "$T/ha-replica.txt" | sed 's/^/    | /'
	fi
	expect "replica: the supervisor's PIN is checked there too" 1 "refused supervisor sup1" \
		sh -c "echo wrong-pin | KIOSK_NOW=${DAY}T20:00:00+08:00 '$KIOSKCTL' hall report --date $DAY \
		--hall HA --by sup1 --central 'host=$PG_RSOCK dbname=hall'"
	refuses "replica: it is read-only (a kiosk ships to the primary)" "read-only" \
		"$KIOSKCTL" hall ship --central "host=$PG_RSOCK dbname=hall user=kiosk_K1" --db "$T/k1.db"
fi

# ---- the centre's rows partitioned by hall and month ----
is "partitions: hall.audit is partitioned" "p" \
	"$(pg_psql -c "SELECT relkind FROM pg_class WHERE oid = 'hall.audit'::regclass")"
is "partitions: each hall's rows in its own month's partition" \
	"hall.\"audit_HA_202611\" hall.\"audit_HB_202611\"" \
	"$(pg_psql -c "SELECT string_agg(DISTINCT tableoid::regclass::text, ' ') FROM hall.audit
	   WHERE at_ms < hall.month_ms('2026-12-01')")"
is "partitions: a report's day touches one month of one hall" "1" \
	"$(pg_psql -c "EXPLAIN SELECT count(*) FROM hall.audit WHERE hall_id = 'HA'
	   AND at_ms >= hall.month_ms('2026-11-01') + 20 * 86400000 AND at_ms < hall.month_ms('2026-11-01') + 21 * 86400000" |
	   grep -c 'Scan.* on .*audit_HA_')"
refuses "partitions: a kiosk cannot put its rows in another hall" "row-level security|hall HB's, not" \
	pg_psql -U kiosk_K3 -c "INSERT INTO hall.audit (kiosk_id, seq, at_ms, actor, action, case_no,
	  detail, prev, hash, hall_id) SELECT 'K3', head_seq + 1, 1, 'a', 'b', '', '', head_hash,
	  '\\x00', 'HA' FROM hall.kiosks WHERE kiosk_id = 'K3'"
