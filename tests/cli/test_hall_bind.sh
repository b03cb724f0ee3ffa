#!/bin/sh
# Bindings made blind, on a real PostgreSQL (tests/cli/pg_env.sh): the same
# key bound in two halls while both were offline is listed once by `kioskctl
# hall conflicts` as a binding conflict (docs/deployment.md, "Conflicts").
# The kiosks' rows are made by the repositories the token step uses
# (tests/sim/kiosk_seed bind: db_token_bind_seen, saying which binding was
# seen: the hall's when it answered, else the window's own record), shipped
# by `kioskctl hall ship` as each kiosk's role. Hall HA has windows K1 and
# K2, hall HB window K3.
#
#  - K1 and K3 bind key KEY-A offline, to two units: shipped to a centre at
#    migration 5, the last before the bindings' (its conflicts: the other kinds,
#    made here too: a key retired in both halls, a binding of a key retired
#    in the other hall), then the centre migrated: the rows it holds give
#    what they saw, the binding conflict is listed once, and the other
#    kinds exactly as before;
#  - K2, online, binds KEY-A after the hall showed it K3's binding (`hall
#    lookup --key`, its row): not listed;
#  - K1, offline again, binds KEY-A knowing only its own binding: listed;
#  - the words for the supervisors, in both languages.
. tests/cli/lib.sh
. tests/cli/pg_env.sh
SEED="$PWD/$BUILD/tests/sim/kiosk_seed"
DAY=2026-11-24
USCC1=91310115MA1K3BTP2B
USCC2=91510100MA61XY3K4K
pg_start

is() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: '$3', wanted '$2'"; fi; }
ship() { "$KIOSKCTL" hall ship --central "$(pg_kiosk "$1")" --db "$T/$1.db" >"$T/ship.out" 2>&1 ||
	{ echo "FAIL hall bind: shipping $1"; sed 's/^/    | /' "$T/ship.out"; }; }
# conflicts [ARGS...]: kioskctl hall conflicts as sup1 (hall HA), in English.
conflicts() { echo hallpin-1 | KIOSK_NOW=${DAY}T20:00:00+08:00 "$KIOSKCTL" hall conflicts --by sup1 \
	--central "host=$PG_SOCK dbname=hall" "$@"; }
seed() { "$SEED" "$T/$1.db" "$@" || echo "FAIL hall bind: kiosk_seed $*"; }
# acts [VIEW]: the existing kinds as VIEW (hall.conflicts) lists them: all but a binding's.
acts() { pg_psql -c "SELECT string_agg(concat_ws('|', kind, serial, first_kiosk, first_seq, first_act,
	second_kiosk, second_seq, second_act), E'\n' ORDER BY second_ms, serial, first_seq)
	FROM hall.${1:-conflicts} WHERE kind <> 'binding'"; }

# ---- a centre at migration 5, the last before the bindings' ----
V=$(sed -n 's/^#define HALL_SCHEMA_VERSION \([0-9]*\).*/\1/p' db/pg/pg.h)
expect "hall bind: a centre made at migration 5" 0 "version 0 -> 5" \
	"$KIOSKCTL" hall init --central "$PG_ADMIN" --to 5
pg_windows K1:HA K2:HA K3:HB

# ---- both halls offline: KEY-A bound in each, other conflicts beside ----
seed K1 bind KEY-A $USCC1 张三 $DAY 10:00
seed K3 bind KEY-A $USCC2 李四 $DAY 11:00
is "hall bind: K1's binding saw none, from its own record" 'none local' \
	"$(sqlite3 "$T/K1.db" "SELECT json_extract(detail, '\$.seen') || ' ' || json_extract(detail, '\$.seen_from')
	   FROM audit WHERE action = 'token.bind'")"
seed K1 retire KEY-R lost $DAY   # a key retired in both halls: kind key
seed K3 retire KEY-R revoked $DAY
seed K3 retire KEY-L lost $DAY   # and one retired in HB, then bound in HA
seed K1 bind KEY-L $USCC1 张三 $DAY 12:00
for k in K1 K3; do ship $k; done
BEFORE=$(acts)
is "hall bind: before the migration, the other kinds are listed" 2 "$(echo "$BEFORE" | grep -c .)"
is "hall bind: ... and nothing of the bindings" 2 "$(pg_psql -c "SELECT count(*) FROM hall.conflicts")"

# ---- the migration: the rows held give what they saw ----
expect "hall bind: the centre migrated with its rows" 0 "version 5 -> $V" \
	"$KIOSKCTL" hall init --central "$PG_ADMIN"
for s in sup1:hallpin-1:HA sup2:hallpin-2:HB; do
	echo "${s#*:}" | cut -d: -f1 | "$KIOSKCTL" hall supervisor-add "${s%%:*}" --hall "${s##*:}" \
		--central "$PG_ADMIN" >/dev/null || echo "FAIL hall bind: supervisor-add $s"
done
is "hall bind: each shipped binding says what it saw" \
	"K1 KEY-A none local|K1 KEY-L none local|K3 KEY-A none local" \
	"$(pg_psql -c "SELECT string_agg(concat_ws(' ', kiosk_id, key_serial, seen, seen_from), '|'
	   ORDER BY kiosk_id, key_serial) FROM hall.key_bindings")"
is "hall bind: the centre holds the later binding" "KEY-A $USCC2 K3" \
	"$(pg_psql -c "SELECT key_serial || ' ' || uscc || ' ' || kiosk_id FROM hall.bindings
	   WHERE key_serial = 'KEY-A'")"
K1SEQ=$(sqlite3 "$T/K1.db" "SELECT min(seq) FROM audit WHERE action = 'token.bind'")
K3SEQ=$(sqlite3 "$T/K3.db" "SELECT seq FROM audit WHERE action = 'token.bind'")
expect "hall bind: two offline bindings in two halls are a binding conflict" 1 \
	"^CONFLICT binding KEY-A: bound to $USCC1 \(张三\) at K1 \(hall HA, audit row $K1SEQ, .*\), then bound to $USCC2 \(李四\), having seen no binding \(local\) at K3 \(hall HB, audit row $K3SEQ, .*\) without seeing it" \
	conflicts
is "hall bind: ... listed once" 1 "$(grep -c '^CONFLICT binding' "$T/out")"
expect "hall bind: ... said in words for the supervisors" 1 \
	"^  a binding made blind: the key was bound at K3 \(hall HB\) .* at K1 \(hall HA\).*bind the key again at a window that is online" \
	conflicts
is "hall bind: the other kinds exactly as before the migration" "$BEFORE" "$(acts)"
is "hall bind: ... as old as the view they came from" "$BEFORE" "$(acts conflicts_acts)"
is "hall bind: a supervisor of HB sees it too" 1 \
	"$(echo hallpin-2 | "$KIOSKCTL" hall conflicts --by sup2 --hall HB \
	   --central "host=$PG_SOCK dbname=hall" | grep -c '^CONFLICT binding KEY-A')"
expect "hall bind: the words in Chinese" 1 "^  绑定冲突：K3（大厅 HB）办理绑定时，经办人不知道此前在 K1（大厅 HA）已做的绑定" \
	env KIOSKCTL_LANG=zh_CN sh -c "echo hallpin-1 | '$KIOSKCTL' hall conflicts --by sup1 --central 'host=$PG_SOCK dbname=hall'"

# ---- K2 online: the hall shows K3's binding, K2 binds knowing it ----
expect "hall bind: the hall names the key's binding and its row" 0 \
	"bound KEY-A to $USCC2, agent 李四, at K3 \(hall HB\), row $K3SEQ" \
	"$KIOSKCTL" hall lookup --key KEY-A --central "$(pg_kiosk K2)"
SEEN=$(sed -n 's/^  bound KEY-A to .*, at \([A-Za-z0-9_-]*\) (hall [^)]*), row \([0-9]*\)$/\1:\2/p' "$T/out")
is "hall bind: what K2 saw" "K3:$K3SEQ" "$SEEN"
seed K2 bind KEY-A $USCC2 王五 $DAY 14:00 "hall:$SEEN"
ship K2
expect "hall bind: a binding made knowing the other hall's is not a conflict" 1 "^3 conflicts" conflicts
is "hall bind: ... still the one binding conflict" 1 "$(grep -c '^CONFLICT binding' "$T/out")"
is "hall bind: the centre holds K2's binding" "KEY-A 王五 K2" \
	"$(pg_psql -c "SELECT key_serial || ' ' || agent_name || ' ' || kiosk_id FROM hall.bindings
	   WHERE key_serial = 'KEY-A'")"

# ---- K1 offline again: it knows only its own binding ----
seed K1 bind KEY-A $USCC1 赵六 $DAY 15:00
is "hall bind: K1's second binding saw its first, from its own record" "K1:$K1SEQ local" \
	"$(sqlite3 "$T/K1.db" "SELECT json_extract(detail, '\$.seen') || ' ' || json_extract(detail, '\$.seen_from')
	   FROM audit WHERE action = 'token.bind' ORDER BY seq DESC LIMIT 1")"
ship K1
expect "hall bind: a binding over another window's that it did not know is listed" 1 \
	"^CONFLICT binding KEY-A: bound to $USCC2 \(王五\) at K2 \(hall HA, .*\), then bound to $USCC1 \(赵六\), having seen K1:$K1SEQ \(local\) at K1" \
	conflicts
is "hall bind: two binding conflicts now, the first unchanged" 2 "$(grep -c '^CONFLICT binding' "$T/out")"
is "hall bind: the other kinds still as they were" "$BEFORE" "$(acts)"
expect "hall verify accepts every kiosk's chain" 0 "" \
	sh -c "echo hallpin-1 | KIOSK_NOW=${DAY}T20:00:00+08:00 '$KIOSKCTL' hall verify --by sup1 --central 'host=$PG_SOCK dbname=hall'"
