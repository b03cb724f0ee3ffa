#!/bin/sh
# kioskctl report as a supervisor uses it: the day view as text and CSV with
# its filters, a month summed, one case's timeline, and the refusals of bad
# dates and option values. The day is written with sqlite3 straight into a
# database that kioskctl created (the unit test test_dayview seeds through
# the repositories and checks every figure against SQL; this checks the
# command line on top of it).
. tests/cli/lib.sh
K=$KIOSKCTL
DB="$T/kiosk.db"

echo 975310 | $K staff add --id s001 --name 王主管 --role supervisor --db "$DB" >/dev/null 2>&1
printf '975310\n246810\n' | $K staff add --id c001 --name 张三 --role clerk --db "$DB" --by s001 >/dev/null 2>&1
printf '975310\n246810\n' | $K staff add --id c002 --name 李四 --role clerk --db "$DB" --by s001 >/dev/null 2>&1
# the reports are a supervisor's: --by and the PIN on stdin
sup() { echo 975310 | "$KIOSKCTL" "$@" --by s001; }

# 2024-03-01 00:00 Asia/Shanghai, civil day 19783; read "today" as 2024-03-10.
D0=1709222400000
H=3600000
export KIOSK_NOW=2024-03-10T10:00:00+08:00
N=SCCA-CD-01-20240301
sqlite3 "$DB" <<EOF
INSERT INTO cases (case_no, kiosk_id, day, day_seq, service_id, clerk_id, status, last_step,
  decision, finished, unit_name, uscc, agent_name, fee_fen, rongque_deadline, created_ms, updated_ms)
VALUES
 ('$N-0001', 'SCCA-CD-01', 19783, 1, 'zc.new', 'c001', 'completed', 'slip', 'accept', 1,
  '四川甲有限公司', '91310115MA1K3BTP2B', '赵一', 40000, NULL, $D0 + 9 * $H, $D0 + 9 * $H + 600000),
 ('$N-0002', 'SCCA-CD-01', 19783, 2, 'zc.new', 'c001', 'rongque', 'slip', 'rongque', 1,
  '四川乙有限公司', '91110000600037341L', '钱二', 20000, 19785, $D0 + 10 * $H, $D0 + 10 * $H),
 ('$N-0003', 'SCCA-CD-01', 19783, 3, 'zc.renew', 'c002', 'refused', 'slip', 'refuse', 1,
  '四川丙有限公司', '91310115MA1K3BTP2B', '孙三', 0, NULL, $D0 + 11 * $H, $D0 + 11 * $H),
 ('$N-0004', 'SCCA-CD-01', 19783, 4, 'zc.new', 'c002', 'open', 'details', 'none', 0,
  '四川丁有限公司', '91110000600037341L', '李四', 0, NULL, $D0 + 12 * $H, $D0 + 12 * $H),
 ('$N-0005', 'SCCA-CD-01', 19783, 5, 'zc.new', 'c001', 'cancelled', 'details', 'none', 1,
  '四川戊有限公司', '91110000600037341L', '周五', 0, NULL, $D0 + 13 * $H, $D0 + 13 * $H),
 ('SCCA-CD-01-20240302-0001', 'SCCA-CD-01', 19784, 1, 'zc.new', 'c002', 'completed', 'slip',
  'accept', 1, '次日有限公司', '91310115MA1K3BTP2B', '吴六', 0, NULL, $D0 + 33 * $H, $D0 + 33 * $H);
INSERT INTO case_steps (case_id, step, actor, at_ms, detail)
 SELECT c.id, s.step, 'c001', c.created_ms + s.k * 60000, '{"test":1}' FROM cases c,
 (SELECT 'details' AS step, 1 AS k UNION ALL SELECT 'materials', 2 UNION ALL SELECT 'decision', 3
  UNION ALL SELECT 'token', 4 UNION ALL SELECT 'payment', 5 UNION ALL SELECT 'slip', 6) s
 WHERE c.case_no IN ('$N-0001', '$N-0002');
INSERT INTO case_steps (case_id, step, actor, at_ms, detail)
 SELECT c.id, s.step, 'c002', c.created_ms + s.k * 60000, '{"test":1}' FROM cases c,
 (SELECT 'details' AS step, 1 AS k UNION ALL SELECT 'materials', 2 UNION ALL SELECT 'decision', 3
  UNION ALL SELECT 'slip', 4) s WHERE c.case_no = '$N-0003';
INSERT INTO material_decisions (case_id, material_id, mark, reason, essential)
 SELECT id, 'app_form', 'missing', '', 1 FROM cases WHERE case_no = '$N-0003';
INSERT INTO material_decisions (case_id, material_id, mark, reason, essential)
 SELECT id, 'agent_id_copy', 'defective', '复印件模糊', 0 FROM cases WHERE case_no = '$N-0003';
INSERT INTO material_decisions (case_id, material_id, mark, reason, essential)
 SELECT id, 'usb_key', 'received', '', 1 FROM cases WHERE case_no = '$N-0003';
INSERT INTO payments (case_id, out_trade_no, amount_fen, state, transaction_id, verified,
  created_ms, updated_ms)
 SELECT id, case_no, fee_fen, 'SUCCESS', '4200000001', 1, created_ms + 280000, created_ms + 290000
 FROM cases WHERE case_no IN ('$N-0001', '$N-0002');
INSERT INTO tokens (serial, state, reason, case_id, created_ms, updated_ms)
 SELECT 'SC-0001', 'ACTIVE', 'enrolled', id, created_ms + 200000, created_ms + 230000
 FROM cases WHERE case_no = '$N-0001';
INSERT INTO token_events (token_id, case_id, from_state, to_state, reason, actor, at_ms)
 SELECT t.id, t.case_id, NULL, 'UNFORMATTED', 'registered', 'c001', t.created_ms FROM tokens t;
INSERT INTO token_events (token_id, case_id, from_state, to_state, reason, actor, at_ms)
 SELECT t.id, t.case_id, 'UNFORMATTED', 'FORMATTED', 'personalised', 'c001', t.created_ms + 10000 FROM tokens t;
INSERT INTO token_events (token_id, case_id, from_state, to_state, reason, actor, at_ms)
 SELECT t.id, t.case_id, 'FORMATTED', 'ACTIVE', 'enrolled', 'c001', t.updated_ms FROM tokens t;
EOF

# report daily: text
expect "daily text names the day" 0 "^Daily report 2024-03-01, kiosk SCCA-CD-01: 5 cases" \
	sup report daily --date 2024-03-01 --db "$DB"
expect "daily text outcome counts" 0 \
	"^outcome: completed 1 accepted 0 rongque 1 refused 1 cancelled 1 interrupted 1$" \
	sup report daily --date 2024-03-01 --db "$DB"
expect "daily text money" 0 "^fees due 600.00 yuan, paid \(verified\) 600.00 yuan, flagged 0$" \
	sup report daily --date 2024-03-01 --db "$DB"
expect "daily text rongque overdue" 0 "$N-0002 +deadline 2024-03-03 OVERDUE" \
	sup report daily --date 2024-03-01 --db "$DB"
expect "daily text refusal notice" 0 "app_form \(.*\) missing, essential" \
	sup report daily --date 2024-03-01 --db "$DB"
expect "daily text defect reason" 0 "agent_id_copy \(.*\) defective: 复印件模糊" \
	sup report daily --date 2024-03-01 --db "$DB"
expect "daily text key moves" 0 "SC-0001 +FORMATTED +-> ACTIVE +enrolled +c001 +$N-0001" \
	sup report daily --date 2024-03-01 --db "$DB"
expect "daily text another day" 0 "kiosk SCCA-CD-01: 1 cases" \
	sup report daily --date 2024-03-02 --db "$DB"

# report daily --csv: the same rows, the outcome and deadline columns at the end
sup report daily --date 2024-03-01 --csv --db "$DB" > "$T/day.csv" 2>&1
truth "csv header" test "$(head -n 1 "$T/day.csv")" = \
	"case_no,service,clerk,status,last_step,unit_name,uscc,fee_yuan,paid_yuan,pay_state,flags,created,outcome,agent_name,rongque_deadline,rongque_overdue,cancel_code,cancel_reason,dup_refund_yuan,dup_refund_state,supplied,rating,rating_due,rating_resolved_by"
truth "csv one line per case" test "$(wc -l < "$T/day.csv")" -eq 6
truth "csv rongque line" grep -q "^$N-0002,zc.new,c001,rongque,slip,.*,rongque,钱二,2024-03-03,overdue,,,,,,,,$" "$T/day.csv"
truth "csv open case is interrupted" grep -q "^$N-0004,.*,interrupted,李四,,,,,,,,,,$" "$T/day.csv"
for o in completed rongque refused cancelled interrupted; do
	n_text=$(sup report daily --date 2024-03-01 --db "$DB" | sed -n "s/^outcome:.* $o \([0-9]*\).*/\1/p")
	n_csv=$(cut -d, -f13 "$T/day.csv" | grep -c "^$o$")
	truth "csv matches the view: $o" test "$n_text" = "$n_csv"
done

# filters
expect "filter by clerk" 0 "kiosk SCCA-CD-01: 2 cases" sup report daily --date 2024-03-01 --clerk c002 --db "$DB"
expect "filter shown" 0 "^filter: clerk c002$" sup report daily --date 2024-03-01 --clerk c002 --db "$DB"
expect "filter by service" 0 "1 cases" sup report daily --date 2024-03-01 --service zc.renew --db "$DB"
expect "filter by outcome" 0 "2 cases" sup report daily --date 2024-03-01 --outcome refused,cancelled --db "$DB"
expect "search by agent" 0 "1 cases" sup report daily --date 2024-03-01 --search 赵 --db "$DB"
expect "search by USCC prefix" 0 "3 cases" sup report daily --date 2024-03-01 --search 911100 --db "$DB"
expect "search by case number" 0 "1 cases" sup report daily --date 2024-03-01 --search "$N-0003" --db "$DB"
expect "search is not a pattern" 0 "0 cases" sup report daily --date 2024-03-01 --search "%" --db "$DB"
sup report daily --date 2024-03-01 --csv --outcome interrupted --db "$DB" > "$T/int.csv" 2>&1
truth "csv filtered" test "$(wc -l < "$T/int.csv")" -eq 2
truth "csv filtered row" grep -q "^$N-0004," "$T/int.csv"

# bad option values: a clear message, exit 2
expect "unknown clerk" 1 "no member of staff has this id" sup report daily --date 2024-03-01 --clerk nobody --db "$DB"
expect "unknown service" 1 "not a service of the catalog" sup report daily --date 2024-03-01 --service zc.nope --db "$DB"
expect "unknown outcome lists them" 1 "completed, accepted, rongque, refused, cancelled, interrupted" \
	sup report daily --date 2024-03-01 --outcome done --db "$DB"
expect "empty search" 2 "needs a value" sup report daily --date 2024-03-01 --search "" --db "$DB"
expect "impossible date" 1 "not a real date" sup report daily --date 2024-02-30 --db "$DB"
expect "date in another form" 1 "not a real date" sup report daily --date 01/03/2024 --db "$DB"
expect "no date" 2 "needs --date" sup report daily --db "$DB"
expect "unknown option" 2 "unknown option --bogus" sup report daily --date 2024-03-01 --bogus 1 --db "$DB"
expect "no subcommand" 2 "report range" sup report
expect "unknown subcommand" 2 "report daily" sup report weekly --date 2024-03-01
expect "missing database" 2 "missing.db" sup report daily --date 2024-03-01 --db "$T/missing.db"

# report range: a month
expect "range text" 0 "^Range report 2024-03-01 to 2024-03-31, kiosk SCCA-CD-01: 31 days, 6 cases" \
	sup report range --from 2024-03-01 --to 2024-03-31 --db "$DB"
expect "range day line" 0 "^2024-03-01 +5 +1 +0 +1 +1 +1 +1 +600.00 +600.00 +0$" \
	sup report range --from 2024-03-01 --to 2024-03-31 --db "$DB"
expect "range total line" 0 "^total +6 +2 " sup report range --from 2024-03-01 --to 2024-03-31 --db "$DB"
sup report range --from 2024-03-01 --to 2024-03-31 --csv --db "$DB" > "$T/range.csv" 2>&1
truth "range csv header" test "$(head -n 1 "$T/range.csv")" = \
	"day,cases,completed,accepted,rongque,refused,cancelled,interrupted,due_yuan,paid_yuan,mismatches"
truth "range csv a line per day and the total" test "$(wc -l < "$T/range.csv")" -eq 33
truth "range csv total" grep -q "^total,6,2,0,1,1,1,1,600.00,600.00,0$" "$T/range.csv"
expect "range reversed" 1 "comes before" sup report range --from 2024-03-31 --to 2024-03-01 --db "$DB"
expect "range too long" 1 "367 days" sup report range --from 2024-01-01 --to 2025-01-01 --db "$DB"
expect "range a leap year" 0 "366 days" sup report range --from 2024-01-01 --to 2024-12-31 --db "$DB"
expect "range bad date" 1 "not a real date" sup report range --from 2024-13-01 --to 2024-12-31 --db "$DB"
expect "range needs --to" 2 "needs --to" sup report range --from 2024-03-01 --db "$DB"

# report case: the timeline
expect "case timeline header" 0 "^Case $N-0001: zc.new by c001, completed at step slip" sup report case "$N-0001" --db "$DB"
expect "case timeline step" 0 "^2024-03-01 09:01:00  step +c001 +details" sup report case "$N-0001" --db "$DB"
expect "case timeline key" 0 "key +c001 +key SC-0001 UNFORMATTED -> FORMATTED \(personalised\)" sup report case "$N-0001" --db "$DB"
expect "case timeline payment" 0 "payment .*order $N-0001: SUCCESS, verified" sup report case "$N-0001" --db "$DB"
expect "case timeline materials" 0 "material +c002 +agent_id_copy defective: 复印件模糊" sup report case "$N-0003" --db "$DB"
sup report case "$N-0001" --db "$DB" | sed -n 's/^\(.\{19\}\).*/\1/p' | tail -n +3 > "$T/times"
truth "case timeline in time order" sh -c "sort -c '$T/times'"
expect "case unknown" 1 "no case $N-0099" sup report case "$N-0099" --db "$DB"
expect "case needs its number" 2 "report case CASE_NO" sup report case --db "$DB"
expect "case number too long" 1 "not a case number" sup report case "$N-00000000000000000000000001" --db "$DB"

# ---- the reports are a supervisor's ----
expect "report without --by refused" 2 "supervisor's: give --by" "$KIOSKCTL" report daily --date 2024-03-01 --db "$DB"
expect "report by a clerk refused" 1 "c001 is a clerk" sh -c "echo 246810 | '$KIOSKCTL' report daily --date 2024-03-01 --db '$DB' --by c001"
expect "report with a wrong PIN refused" 1 "wrong PIN for s001" sh -c "echo 000000 | '$KIOSKCTL' report range --from 2024-03-01 --to 2024-03-02 --db '$DB' --by s001"
expect "timeline by a clerk refused" 1 "is a clerk" sh -c "echo 246810 | '$KIOSKCTL' report case $N-0001 --db '$DB' --by c001"
