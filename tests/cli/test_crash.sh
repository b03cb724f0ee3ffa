#!/bin/sh
# Durable steps: the demo kiosk on a real terminal (tmux, real time) is killed
# with kill -9 in the middle of a 政采 new case, restarted on the same data
# directory, and the case is resumed from home and finished: killed on the
# decision screen (details and materials committed), and on the payment
# screen with the order made (the same order must come back, not a second
# one). After each, every step is in the database exactly once, the database
# is intact and the audit chain verifies. Last, a kill the instant the
# decision is confirmed: committed whole or not at all, resumed accordingly.
# shellcheck disable=SC1111 # “” below are the kiosk's own quotation marks
. tests/cli/tmux.sh
KIOSKCTL="$PWD/$BUILD/test/kioskctl"

UNIT=成都测试科技有限公司
USCC=91310115MA1K3BTP2B

# sql DIR QUERY: rows of the demo database of DIR, '|' between columns, ' ' between rows.
sql() { sqlite3 "$1/demo.db" "$2" | tr '\n' ' ' | sed 's/ $//'; }

# start SESSION DIR: a new terminal running the demo kiosk on DIR, signed in as demo01.
start() {
	session "$1"
	kiosk "$1" --demo --data-dir "$2"
	login "$1"
	wait_for "$1" "培训学员，您好" 10
}

# to_decision S: from home, a 政采 new case (service 7) carried through details
# and materials (all received) to the decision screen.
to_decision() {
	keys "$1" F2
	wait_for "$1" "选择业务" 5
	keys "$1" Down Down Down Down Down Down Down Enter
	wait_for "$1" "证书及印章新办" 5
	text "$1" "$UNIT"
	keys "$1" Enter
	text "$1" "$USCC"
	keys "$1" Enter
	text "$1" 张三
	keys "$1" Enter
	text "$1" 110102199101010078
	keys "$1" Enter
	text "$1" 138-0013-8000
	keys "$1" Enter Enter Enter Enter
	wait_for "$1" "资料核验" 5
	keys "$1" F5 F5 F5 Enter
}

# decision_to_payment S: accept, put the blank demo key in (F5 lists the
# demo keys, the sixth picked), write it (confirmed): the payment screen.
decision_to_payment() {
	keys "$1" Enter
	wait_for "$1" "确认作出“受理”决定吗" 5
	keys "$1" Enter
	wait_for "$1" "USB Key 操作" 5
	keys "$1" F5
	wait_for "$1" "哪一把演示 Key" 5
	keys "$1" Down Down Down Down Down Enter
	wait_for "$1" "SC-DEMO-0006" 5
	keys "$1" Enter
	wait_for "$1" "即将写入客户的 USB Key" 5
	keys "$1" Enter
}

# crash S TEST: kill -9 the kiosk of session S; it is gone at once.
crash() {
	p=$(kiosk_pid "$1")
	kill -9 "$p"
	if wait_dead "$p" 5; then echo "PASS $2"; else echo "FAIL $2: pid $p still running"; fi
	tm kill-session -t "$1"
}

# intact TEST DIR: integrity_check ok and the audit chain verifies.
intact() {
	equal "$1: integrity_check ok" "$(sql "$2" "PRAGMA integrity_check")" "ok"
	expect "$1: audit chain verifies" 0 "^OK" "$KIOSKCTL" audit verify --db "$2/demo.db"
}

# once TEST DIR: the one case completed, each of its six steps recorded once.
once() {
	equal "$1: one case, completed at the slip" "$(sql "$2" "SELECT count(*), status, last_step FROM cases")" "1|completed|slip"
	equal "$1: each step exactly once" "$(sql "$2" "SELECT step, count(*) FROM case_steps GROUP BY step ORDER BY step")" \
		"decision|1 details|1 materials|1 payment|1 slip|1 token|1"
	equal "$1: each step audited exactly once" "$(sql "$2" "SELECT action, count(*) FROM audit WHERE action LIKE 'case.%' AND action NOT IN ('case.open', 'case.resume') GROUP BY action ORDER BY action")" \
		"case.decision|1 case.details|1 case.materials|1 case.payment|1 case.slip|1 case.token|1"
	equal "$1: one slip file" "$(ls "$2"/slips/*/*-slip.txt 2>/dev/null | wc -l)" "1"
	intact "$1" "$2"
}

# ---- 1: killed on the decision screen ----
D1=$T/d1
start c1 "$D1"
to_decision c1
shows c1 "decision: reached with 受理 preselected" "▶ 受理"
case_no=$(sql "$D1" "SELECT case_no FROM cases")
crash c1 "decision: kill -9"
equal "decision: details and materials committed" "$(sql "$D1" "SELECT step FROM case_steps ORDER BY id")" "details materials"
equal "decision: case open at materials" "$(sql "$D1" "SELECT status, last_step, decision FROM cases")" "open|materials|none"
equal "decision: the unit recorded" "$(sql "$D1" "SELECT unit_name, uscc FROM cases")" "$UNIT|$USCC"
intact "decision: after the crash" "$D1"

start c2 "$D1"
shows c2 "restart: the case waits at home at 受理决定" "$case_no +[0-9:]+ +办理中 +受理决定"
keys c2 Enter
shows c2 "resume: back on the decision screen" "号窗口  受理决定"
shows c2 "resume: 受理 preselected from the recorded materials" "▶ 受理"
shows c2 "resume: same case number" "业务 $case_no"
decision_to_payment c2
shows c2 "resume: payment screen" "应收 [0-9]+\\.[0-9]{2} 元"
keys c2 F5
shows c2 "resume: slip printed" "受理回执"
shows c2 "resume: slip carries the case number" "【 $case_no 】"
once "case 1" "$D1"
equal "case 1: resumed once, at the decision" "$(sql "$D1" "SELECT count(*), detail FROM audit WHERE action = 'case.resume'")" "1|resumed at decision"
tm kill-session -t c2

# ---- 2: killed on the payment screen with the order made ----
D2=$T/d2
start c3 "$D2"
to_decision c3
wait_for c3 "▶ 受理" 5
decision_to_payment c3
shows c3 "payment: order shown" "应收 [0-9]+\\.[0-9]{2} 元"
wait_for c3 "等待客户扫码付款" 5
trade=$(sql "$D2" "SELECT out_trade_no FROM payments")
# (the order number ends its own line; the status line's case number does not)
shows c3 "payment: the order number on screen" " {2}${trade:-no order in the database} *\$"
crash c3 "payment: kill -9"
equal "payment: token committed, payment not" "$(sql "$D2" "SELECT group_concat(step, ' ') FROM (SELECT step FROM case_steps ORDER BY id)")" "details materials decision token"
equal "payment: one order, unpaid" "$(sql "$D2" "SELECT count(*), state FROM payments")" "1|NOTPAY"
intact "payment: after the crash" "$D2"

start c4 "$D2"
keys c4 Enter
shows c4 "resume: the same order again" " {2}${trade:-no order in the database} *\$"
shows c4 "resume: on the payment screen" "号窗口  收费"
equal "resume: still one order row, same out_trade_no" "$(sql "$D2" "SELECT count(*), out_trade_no FROM payments")" "1|$trade"
equal "resume: the order is for the case's fee" "$(sql "$D2" "SELECT p.amount_fen = c.fee_fen AND p.amount_fen > 0 FROM payments p JOIN cases c ON c.id = p.case_id")" "1"
keys c4 F5
shows c4 "resume: paid, slip printed" "受理回执"
equal "resume: the order paid once" "$(sql "$D2" "SELECT count(*), out_trade_no, state FROM payments")" "1|$trade|SUCCESS"
once "case 2" "$D2"

# ---- 3: killed just as the decision is confirmed: either committed or not,
# never half; the resumed case starts where the database says ----
D3=$T/d3
start c5 "$D3"
to_decision c5
wait_for c5 "▶ 受理" 5
keys c5 Enter
wait_for c5 "确认作出“受理”决定吗" 5
keys c5 Enter
crash c5 "confirm: kill -9 right after the confirming key"
last=$(sql "$D3" "SELECT last_step FROM cases")
case "$last" in
materials) want="details materials" next="号窗口  受理决定" ;;
decision) want="details materials decision" next="号窗口  USB Key 操作" ;;
*) want="details materials, or that and decision" next="impossible: last_step $last" ;;
esac
equal "confirm: steps agree with the case row ($last)" "$(sql "$D3" "SELECT group_concat(step, ' ') FROM (SELECT step FROM case_steps ORDER BY id)")" "$want"
equal "confirm: a step is audited iff recorded" "$(sql "$D3" "SELECT (SELECT count(*) FROM audit WHERE action = 'case.decision') = (SELECT count(*) FROM case_steps WHERE step = 'decision')")" "1"
equal "confirm: decision recorded iff its step is" "$(sql "$D3" "SELECT (decision = 'accept') = (last_step = 'decision') FROM cases")" "1"
intact "confirm: after the crash" "$D3"
start c6 "$D3"
keys c6 Enter
shows c6 "confirm: resumed at the next step for '$last'" "$next"
