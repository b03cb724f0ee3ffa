#!/bin/sh
# The supervisor's day view in hall mode (全厅: F4 in the day view) on a real
# PostgreSQL (tests/cli/pg_env.sh). Hall HA has three windows: K1 (the kiosk
# a supervisor looks from, run in script mode with [hall] central, its day
# closed), K2 (seeded, tests/sim/kiosk_seed) and SCCA-CD-01 (the demo kiosk
# driven in script mode: two clerks, a paid case, a refusal, a cancel, a
# case left open, a refund); hall HB has K3. Each ships its day. At K1, the
# supervisor s001 opens the hall view with the hall PIN and sees, for every
# window and every clerk, the figures kioskctl hall report gives and a
# direct SQL count over the shipped rows; HB's window is not shown; the date
# moves (PgUp, F2) as in the day view. A wrong hall PIN is refused by the
# centre; a clerk has no way in; a centre that does not answer gives the
# offline words within the bound, and a centre gone after a read shows the
# figures read and when.
. tests/cli/screens.sh
. tests/cli/pg_env.sh
SEED="$PWD/$BUILD/tests/sim/kiosk_seed"
PROXY="$PWD/$BUILD/tests/tools/stallproxy"
DAY=2026-11-21
pg_start

is() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: '$3', wanted '$2'"; fi; }
kctl() { KIOSK_NOW=${DAY}T20:00:00+08:00 "$KIOSKCTL" "$@"; }
# dump_n N FILE: the N-th screen dumped (1-based) of a run's output.
dump_n() { awk -v n="$1" 'BEGIN { k = 1 } /^----$/ { k++; next } k == n' "$2"; }
# show NAME: a run's output, for a failure.
show() { sed 's/^/    | /' "$T/$1.out" | tail -60; sed 's/^/    ! /' "$T/$1.err" | head; }

# ---- the centre: hall HA (K1, K2, SCCA-CD-01), hall HB (K3) ----
"$KIOSKCTL" hall init --central "$PG_ADMIN" >/dev/null || echo "FAIL hall view: init"
for k in K1 K2 SCCA-CD-01; do
	"$KIOSKCTL" hall kiosk-add $k --hall HA --central "$PG_ADMIN" >/dev/null
done
"$KIOSKCTL" hall kiosk-add K3 --hall HB --central "$PG_ADMIN" >/dev/null
echo hallpin-1 | "$KIOSKCTL" hall supervisor-add s001 --hall HA --central "$PG_ADMIN" >/dev/null
echo hallpin-3 | "$KIOSKCTL" hall supervisor-add s003 --hall HB --central "$PG_ADMIN" >/dev/null

# ---- the windows' day ----
mkdir -p "$T/k1d"
"$SEED" "$T/k1d/kiosk.db" K1 12 $DAY || echo "FAIL hall view: seeding K1"
"$SEED" "$T/k2.db" K2 7 $DAY || echo "FAIL hall view: seeding K2"
"$SEED" "$T/k3.db" K3 5 $DAY || echo "FAIL hall view: seeding K3"
D="$T/demo.d"
krun() {
	KIOSK_SCRIPT="$T/$1.keys" timeout 30 "$KIOSK" --demo --data-dir "$D" >"$T/$1.out" 2>"$T/$1.err"
	rc=$?
	if [ $rc = 0 ] && [ ! -s "$T/$1.err" ]; then echo "PASS $1: kiosk exited cleanly"; else
		echo "FAIL $1: kiosk exit $rc"; sed 's/^/    ! /' "$T/$1.err" | head; fi
}
NEW='key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'
{ login # demo01: completed and paid, refused, cancelled, left open
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$NEW"; keyin 6
  printf 'key Enter Enter\nkey F5\nkey Enter\n'
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F6 F5 F7\ntype 未加盖单位公章\nkey Enter\nkey Enter\nkey Enter Enter\nkey Enter\n'
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F8\nkey Enter\n'
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf 'key Enter Enter Enter Enter\nkey Esc\n'; } >"$T/s1.keys"
krun s1
{ login demo02 135790 # a second clerk at the same window
  pick 7; party 成都锦城示例科技有限公司 91510100MA61XY3K4K; printf "$NEW"; keyin 6
  printf 'key Enter Enter\nkey F5\nkey Enter\n'; } >"$T/s2.keys"
krun s2
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$NEW"; keyin 6 # refunded
  printf 'key Enter Enter\nkey F5\nkey Enter\n'
  printf 'key F8\ntype 客户申请撤销\nkey Enter\ntype demo01\nkey Enter\ntype 246810\nkey Enter\n'
  printf 'key Home\nkey Delete Delete Delete Delete Delete Delete\ntype demosup\nkey Tab\ntype 975310\nkey Enter\n'; } >"$T/s3.keys"
krun s3
is "hall view: the demo window's refund went through" "SUCCESS" "$(sqlite3 "$D/demo.db" "SELECT state FROM refunds")"
# K1 closes its day; the others do not
echo 975310 | kctl day close --date $DAY --by s001 --db "$T/k1d/kiosk.db" --key "$T/k1-key.pem" \
	--with-open --out "$T/k1-closes" >"$T/close.out" 2>&1 ||
	{ echo "FAIL hall view: closing K1's day"; sed 's/^/    | /' "$T/close.out"; }
ship() { "$KIOSKCTL" hall ship --central "$(pg_kiosk "$1")" --db "$2" >"$T/ship.out" 2>&1 ||
	{ echo "FAIL hall view: shipping $1"; sed 's/^/    | /' "$T/ship.out"; }; }
ship K1 "$T/k1d/kiosk.db"
ship K2 "$T/k2.db"
ship K3 "$T/k3.db"
ship SCCA-CD-01 "$D/demo.db"

# What the supervisor's command line says of HA's day (the figures to match).
echo hallpin-1 | kctl hall report --date $DAY --hall HA --by s001 --central "host=$PG_SOCK dbname=hall" \
	>"$T/report.txt" 2>&1 || { echo "FAIL hall view: hall report"; sed 's/^/    | /' "$T/report.txt"; }

# ---- K1, a real kiosk of the hall (not trainer mode) ----
cp -r kiosk-config "$T/cfg"
# (a reader of its own name that is not there: the machine's PC/SC reader
# belongs to the tests that take its lock)
sed -i "s|^kiosk_id =.*|kiosk_id = K1|; s|^central =.*|central = $(pg_kiosk K1) connect_timeout=2|;
	s|^reader =.*|reader = hall view test, no reader|" "$T/cfg/kiosk.ini"
# k1run NAME [CONFIG]: K1 on the script $T/NAME.keys.
k1run() {
	KIOSK_CONFIG="${2:-$T/cfg}" KIOSK_SCRIPT="$T/$1.keys" timeout 90 "$KIOSK" --data-dir "$T/k1d" \
		>"$T/$1.out" 2>"$T/$1.err"
	rc=$?
	if [ $rc = 0 ] && [ ! -s "$T/$1.err" ]; then echo "PASS $1: kiosk exited cleanly"; else
		echo "FAIL $1: kiosk exit $rc"; sed 's/^/    ! /' "$T/$1.err" | head; fi
}
{ login s001 975310
  printf 'key F4\ndump\n'              # 1: the window's day view, F4 全厅 offered
  printf 'key F4\ndump\n'              # 2: the hall PIN asked
  printf 'type hallpin-1\nkey Enter\ndump\n'   # 3: by window
  printf 'key Tab\ndump\n'             # 4: by clerk
  printf 'key Tab\ndump\n'             # 5: by service
  printf 'key Tab\nkey PgUp\ndump\n'   # 6: the day before
  printf 'key F2\ntype 20261121\nkey Enter\ndump\n'  # 7: back by date
  printf 'key Down Down\ndump\n'       # 8: the third window selected
  printf 'key F4\ndump\n'              # 9: this window again
} >"$T/v.keys"
k1run v
dump_n 1 "$T/v.out" | grep -q "F4 全厅" && echo "PASS hall view: the day view offers F4 全厅 with a hall" ||
	{ echo "FAIL hall view: F4 全厅 in the day view's footer"; show v; }
dump_n 2 "$T/v.out" | grep -q "主管 s001 的全厅 PIN：" && echo "PASS hall view: the hall PIN is asked" ||
	{ echo "FAIL hall view: the hall PIN is asked"; show v; }
dump_n 3 "$T/v.out" >"$T/w.txt"
dump_n 4 "$T/v.out" >"$T/c.txt"
grep -q "全厅 HA  $DAY" "$T/w.txt" && grep -q "数据读取于 $DAY" "$T/w.txt" &&
	echo "PASS hall view: the hall's day, read now" || { echo "FAIL hall view: heading"; show v; }

# By window: cases, 办理中, due, paid, refunded as hall report's lines.
sed -n 's/^  HA \([^ :]*\): \([0-9]*\) cases, open \([0-9]*\) .*fees due \([0-9.]*\) yuan, paid (verified) \([0-9.]*\) yuan, refunded \([0-9.]*\) yuan$/\1 \2 \3 \4 \5 \6/p' \
	"$T/report.txt" | sort >"$T/want-w"
grep -E "^[ ▶] (K1|K2|SCCA-CD-01) +[0-9]" "$T/w.txt" | sed 's/^.//' | awk '{ print $1, $2, $3, $4, $5, $6 }' | sort >"$T/got-w"
if [ "$(wc -l <"$T/want-w")" = 3 ] && cmp -s "$T/want-w" "$T/got-w"; then
	echo "PASS hall view: every window's figures are hall report's"
else
	echo "FAIL hall view: every window's figures are hall report's"; diff "$T/want-w" "$T/got-w" | sed 's/^/    | /'; show v
fi
# By clerk: cases and money as hall report's clerk lines.
sed -n 's/^  HA \([^ ]*\) \([^ :]*\): \([0-9]*\) cases; fees due \([0-9.]*\) yuan, paid (verified) \([0-9.]*\) yuan, refunded \([0-9.]*\) yuan$/\1 \2 \3 \4 \5 \6/p' \
	"$T/report.txt" | sort >"$T/want-c"
grep -E "^[ ▶] (K1|K2|SCCA-CD-01) +[^ ]+ +[0-9]" "$T/c.txt" | sed 's/^.//' | awk '{ print $1, $2, $3, $5, $6, $7 }' | sort >"$T/got-c"
if [ "$(wc -l <"$T/want-c")" -ge 4 ] && cmp -s "$T/want-c" "$T/got-c"; then
	echo "PASS hall view: every clerk's figures are hall report's"
else
	echo "FAIL hall view: every clerk's figures are hall report's"; diff "$T/want-c" "$T/got-c" | sed 's/^/    | /'; show v
fi
grep -q '^[ ▶] SCCA-CD-01 *demo02 *1 ' "$T/c.txt" && echo "PASS hall view: two clerks at one window" ||
	{ echo "FAIL hall view: two clerks at one window"; show v; }
# A direct count over the raw rows shipped: cases opened that day, by window.
pg_psql -c "SELECT a.kiosk_id || ' ' || count(*) FROM hall.audit a JOIN hall.kiosks k USING (kiosk_id)
	WHERE k.hall_id = 'HA' AND a.action = 'case.open'
	AND to_char(to_timestamp(a.at_ms / 1000.0) AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') = '$DAY'
	GROUP BY a.kiosk_id ORDER BY 1" >"$T/sql-w"
awk '{ print $1, $2 }' "$T/got-w" | sort >"$T/got-n"
cmp -s "$T/sql-w" "$T/got-n" && echo "PASS hall view: psql counts each window's cases the same" ||
	{ echo "FAIL hall view: psql counts"; diff "$T/sql-w" "$T/got-n" | sed 's/^/    | /'; }
total=$(sed -n "s/^Hall report $DAY, hall HA: 3 windows (1 closed the day), \([0-9]*\) cases$/\1/p" "$T/report.txt")
grep -q "^  业务 $total  办理中 " "$T/w.txt" && echo "PASS hall view: the hall's total is hall report's ($total)" ||
	{ echo "FAIL hall view: the hall's total ($total)"; show v; }
grep -q '全厅尚未日结：2 个窗口尚未日结（K2, SCCA-CD-01）' "$T/w.txt" &&
	grep -Eq '^[ ▶] K1 .* 已日结 ' "$T/w.txt" && grep -Eq '^[ ▶] K2 .* 未日结 ' "$T/w.txt" &&
	echo "PASS hall view: each window's close and the hall's" || { echo "FAIL hall view: closes"; show v; }
grep -Eq '^[ ▶] K2 .* 未日结 +0 +[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}' "$T/w.txt" &&
	echo "PASS hall view: shipping: nothing left to ship, the last shipment's time" ||
	{ echo "FAIL hall view: shipping lag"; show v; }
if grep -q 'K3' "$T/w.txt" "$T/c.txt"; then echo "FAIL hall view: another hall's window shows"; else
	echo "PASS hall view: only this hall's windows"; fi
dump_n 5 "$T/v.out" | grep -q '\[按业务\]' && echo "PASS hall view: by service" ||
	{ echo "FAIL hall view: by service"; show v; }
dump_n 6 "$T/v.out" | grep -q "全厅 HA  2026-11-20" && dump_n 6 "$T/v.out" | grep -q "^  业务 0 " &&
	echo "PASS hall view: PgUp, the day before (no cases)" || { echo "FAIL hall view: PgUp"; show v; }
dump_n 7 "$T/v.out" | grep -q "^  业务 $total " && echo "PASS hall view: F2, a date typed" ||
	{ echo "FAIL hall view: F2"; show v; }
dump_n 8 "$T/v.out" | grep -q "中心存至第 [0-9]* 行" && echo "PASS hall view: the selected window's shipping in words" ||
	{ echo "FAIL hall view: selected window's detail"; show v; }
dump_n 9 "$T/v.out" | grep -q "当日业务（主管）" && dump_n 9 "$T/v.out" | grep -q "  $DAY  经办人" &&
	echo "PASS hall view: F4 back to this window's day, same date" || { echo "FAIL hall view: F4 back"; show v; }
unseen v "hall view: the PIN never shows" "hallpin-1"

# ---- the centre refuses a wrong hall PIN; a clerk has no way in ----
{ login s001 975310; printf 'key F4\nkey F4\ntype wrong-pin\nkey Enter\ndump\n'; } >"$T/r.keys"
k1run r
grep -q "全厅中心拒绝了此全厅 PIN" "$T/r.out" && grep -q "主管 s001 的全厅 PIN：" "$T/r.out" &&
	echo "PASS hall view: a wrong hall PIN is refused by the centre, asked again" ||
	{ echo "FAIL hall view: a wrong hall PIN is refused"; show r; }
unseen r "hall view: a refused PIN shows no figures" "^  业务 [0-9]"
{ login c001 864209; printf 'key F4\ndump\nkey F4\ndump\n'; } >"$T/cl.keys"
k1run cl
unseen cl "hall view: a clerk has no day view nor hall view" "全厅|当日业务（主管）"
expect "hall view: the centre refuses hall day to a kiosk's clerk" 1 "refused" \
	sh -c "echo 864209 | KIOSK_CONFIG='$T/cfg' '$KIOSKCTL' hall day --date $DAY --by c001"
expect "hall view: the centre refuses another hall's supervisor" 1 "not a supervisor of hall HA" \
	sh -c "echo hallpin-3 | KIOSK_CONFIG='$T/cfg' '$KIOSKCTL' hall day --date $DAY --by s003"
expect "hall view: hall day's records" 0 "^end	3	" \
	sh -c "echo hallpin-1 | KIOSK_CONFIG='$T/cfg' '$KIOSKCTL' hall day --date $DAY --by s001"

# ---- the centre unreachable ----
# A centre that takes the connection and never answers: the view says so
# within its bound, and the window goes on. The proxy comes up once the
# kiosk's shipper has tried (at its start) and found nothing, so the hall
# view's is the connection that hangs.
mkdir -p "$T/stall"
cp -r "$T/cfg" "$T/cfgs"
sed -i "s|^central =.*|central = host=$T/stall dbname=hall user=kiosk_K1 connect_timeout=2|" "$T/cfgs/kiosk.ini"
{ login s001 975310; printf 'wait 4\nkey F4\nkey F4\ntype hallpin-1\nkey Enter\ndump\nkey F4\nkey Esc\ndump\n'; } >"$T/o.keys"
t0=$(date +%s)
k1run o "$T/cfgs" &
kpid=$!
sleep 2
"$PROXY" "$T/stall/.s.PGSQL.5432" "$PG_SOCK/.s.PGSQL.5432" 1 "$T/stalled" &
ppid=$!
wait $kpid
t1=$(date +%s)
kill $ppid; wait $ppid 2>/dev/null
dump_n 1 "$T/o.out" | grep -q "未能连上全厅中心，暂时看不到全厅数据" &&
	echo "PASS hall view: a silent centre: the offline words" || { echo "FAIL hall view: offline words"; show o; }
dump_n 1 "$T/o.out" | grep -q "timeout expired" &&
	echo "PASS hall view: ... after waiting its bound for a centre that never answered" ||
	{ echo "FAIL hall view: the silent centre's connection timed out"; show o; }
truth "hall view: never held past the bound ($((t1 - t0)) s for the whole run, 4 s of it waiting)" \
	test $((t1 - t0)) -le 14
dump_n 2 "$T/o.out" | grep -q "今日业务" && echo "PASS hall view: the window goes on" ||
	{ echo "FAIL hall view: the window goes on"; show o; }
# A centre gone after a read: the figures read, and when.
mkdir -p "$T/pass"
"$PROXY" "$T/pass/.s.PGSQL.5432" "$PG_SOCK/.s.PGSQL.5432" 0 "$T/never" &
ppid=$!
i=0
while [ ! -S "$T/pass/.s.PGSQL.5432" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cp -r "$T/cfg" "$T/cfgp"
sed -i "s|^central =.*|central = host=$T/pass dbname=hall user=kiosk_K1 connect_timeout=2|" "$T/cfgp/kiosk.ini"
# (the centre goes while the kiosk waits 15 s after its first read)
{ login s001 975310; printf 'key F4\nkey F4\ntype hallpin-1\nkey Enter\ndump %s\nwait 15\nkey F5\ndump\n' "$T/first.dump"; } >"$T/p.keys"
k1run p "$T/cfgp" &
kpid=$!
i=0
until grep -q "数据读取于" "$T/first.dump" 2>/dev/null || [ $i -ge 600 ]; do sleep 0.1; i=$((i + 1)); done
kill $ppid; wait $ppid 2>/dev/null
rm -f "$T/pass/.s.PGSQL.5432"
[ $i -ge 600 ] && echo "FAIL hall view: the first read did not come within 60 s"
wait $kpid
grep -q "未能连上全厅中心：以下是 $DAY [0-9:]* 读取的数据" "$T/p.out" && grep -Eq '^[ ▶] K2 ' "$T/p.out" &&
	echo "PASS hall view: offline after a read: the figures read, and when" ||
	{ echo "FAIL hall view: offline after a read"; show p; }

# ---- no hall, or trainer mode: nothing of this ----
cp -r "$T/cfg" "$T/cfgn"
sed -i "s|^central =.*|central =|" "$T/cfgn/kiosk.ini"
{ login s001 975310; printf 'key F4\ndump\nkey F4\ndump\n'; } >"$T/n.keys"
k1run n "$T/cfgn"
unseen n "hall view: no [hall], no 全厅" "全厅"
{ login demosup 975310; printf 'key F4\ndump\nkey F4\ndump\n'; } >"$T/t.keys"
krun t
unseen t "hall view: trainer mode never shows the hall" "全厅"
