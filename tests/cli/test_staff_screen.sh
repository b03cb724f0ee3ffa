#!/bin/sh
# The supervisor's staff screen (script mode, demo kiosk): F5 at home, for
# supervisors only; the list with wrong PINs in a row and waits; a wait
# ended, a member added, a PIN reset, a member disabled, each audited with
# the supervisor's id as kioskctl staff does; the refusals in words. Then a
# supervisor's takeover at the lock, and the clerk taking the window back.
. tests/cli/screens.sh

# A clerk: F5 at home opens nothing.
{ login; printf 'key F5\ndump\nkey F1\ndump\n'; } >"$T/clerk.keys"
run clerk
unseen clerk "clerk: F5 does not open the staff screen" "员工管理"
unseen clerk "clerk: F1 help does not offer it" "员工列表"

# demo01 types two wrong PINs, then the supervisor signs in (Tab back to
# the id, Ctrl-U clears it) and opens the staff screen.
SUP='type demo01\nkey Enter\ntype 111111\nkey Enter\ntype 222222\nkey Enter\nkey Tab\nkey C-u\ntype demosup\nkey Enter\ntype 975310\nkey Enter\n'
{ printf "$SUP"; printf 'key F5\ndump\n'
  # the wait of demo01 (first row) ended
  printf 'key F5\ndump\nkey F5\ndump\n'
  # a new clerk added: id, name, role (clerk), PIN twice; first with PINs that differ
  printf 'key F2\ntype clerk9\nkey Tab\ntype 王五\nkey Tab\nkey Tab\ntype 482916\nkey Tab\ntype 482917\nkey Enter\ndump\n'
  printf 'type 482916\nkey Tab\ntype 482916\nkey Enter\ndump\n'
  # an id taken, refused in words
  printf 'key F2\ntype demo02\nkey Tab\ntype 重复\nkey Tab\nkey Tab\ntype 482916\nkey Tab\ntype 482916\nkey Enter\ndump\nkey Esc\n'
  # clerk9 (selected after its addition): a new PIN, a weak one refused first
  printf 'key F6\ntype 123456\nkey Tab\ntype 123456\nkey Enter\ndump\ntype 730164\nkey Tab\ntype 730164\nkey Enter\ndump\n'
  # clerk9 disabled (asked first); the supervisor cannot disable itself
  printf 'key F7\ndump\nkey Enter\ndump\nkey Down\nkey Down\nkey Down\nkey F7\nkey Enter\ndump\n'; } >"$T/sup.keys"
run sup
seen sup "staff screen: F5 at home opens it for a supervisor" "1号窗口  员工管理"
seen sup "staff screen: the wrong PINs in a row shown" "demo01 +培训学员 +窗口经办 +在用  PIN 连续错误 2 次"
seen sup "staff screen: the wait ended" "已清除 demo01 的 PIN 错误次数"
seen sup "staff screen: nothing to end said in words" "demo01 没有 PIN 错误记录，无需解除"
seen sup "staff screen: PINs that differ refused" "两次输入的 PIN 不一致"
seen sup "staff screen: a member added" "已新增员工 clerk9"
seen sup "staff screen: the new member listed" "clerk9 +王五 +窗口经办 +在用"
seen sup "staff screen: an id taken refused in words" "工号 demo02 已存在"
seen sup "staff screen: a weak PIN refused with the reason" "PIN 不能是依次递增或递减的数字"
seen sup "staff screen: a new PIN set" "已为 clerk9 设置新 PIN"
seen sup "staff screen: disabling asks first" "停用 clerk9（王五）？"
seen sup "staff screen: disabled" "clerk9 +王五 +窗口经办 +已停用"
seen sup "staff screen: the supervisor cannot disable itself" "不能停用自己的工号"
q() { sql sup "SELECT group_concat(actor || ' ' || action, ', ') FROM (SELECT actor, action FROM audit WHERE action IN ('staff.unlock_by', 'staff.add', 'staff.reset_pin', 'staff.disable') AND actor <> 'demo' ORDER BY seq)"; }
equal "staff screen: every change audited with the supervisor's id" "$(q)" \
	"demosup staff.unlock_by, demosup staff.add, demosup staff.reset_pin, demosup staff.disable"
equal "staff screen: demo01's count cleared" "$(sql sup "SELECT failures FROM staff WHERE id = 'demo01'")" 0
expect "staff screen: the audit chain verifies" 0 "^OK" "$KIOSKCTL" audit verify --db "$T/sup.d/demo.db"
# the new PIN is the one that signs clerk9 in: disabled, so refused now
{ login clerk9 730164; printf 'dump\n'; } >"$T/after.keys"
KIOSK_SCRIPT="$T/after.keys" timeout 20 "$KIOSK" --demo --data-dir "$T/sup.d" >"$T/after.out" 2>"$T/after.err"
unseen after "staff screen: a disabled member cannot sign in" "王五，您好"

# ---- takeover and back ----
# demo01 locks (F9); the supervisor takes over, does its work and locks;
# demo01's own PIN takes the window back.
{ login; printf 'key F9\nkey Tab\nkey C-u\ntype demosup\nkey Enter\ntype 975310\nkey Enter\ndump\n'
  printf 'key F9\nkey Tab\nkey C-u\ntype demo01\nkey Enter\ntype 246810\nkey Enter\ndump\n'; } >"$T/back.keys"
run back
seen back "takeover: the supervisor at the window" "经办 demosup"
seen back "take back: the clerk at the window again" "经办 demo01 .*"
seen back "take back: the clerk's home" "培训学员，您好"
equal "take back: audited as a takeover from the supervisor" \
	"$(sql back "SELECT actor || ' ' || detail FROM audit WHERE action = 'staff.takeover' ORDER BY seq DESC LIMIT 1")" \
	"demo01 took the window back from demosup"
# another clerk still cannot unlock it
{ login; printf 'key F9\nkey Tab\nkey C-u\ntype demosup\nkey Enter\ntype 975310\nkey Enter\n'
  printf 'key F9\nkey Tab\nkey C-u\ntype demo02\nkey Enter\ntype 135790\nkey Enter\ndump\n'; } >"$T/other.keys"
run other
seen other "take back: only the window's own clerk" "工号 demo02 不是值班主管，不能接管他人窗口"
