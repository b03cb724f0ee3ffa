#!/bin/sh
# What only a real terminal shows: the demo kiosk in a private tmux server, on
# real time. Chinese typed into a field, resize below and back above the
# 80x24 minimum (keys pressed while too small do nothing), Ctrl-C / Ctrl-Z / Ctrl-\ that do not leave, F10 with its
# question, SIGTERM, TERM=vt100 in monochrome, and the idle lock (a config
# copy with idle_lock_minutes = 1, running alongside the other checks so the
# minute is waited for once). Every check polls the pane with a deadline.
. tests/cli/tmux.sh

UNIT=成都测试科技有限公司
FIELD="单位名称 +$UNIT( |\$)"
HINT="组合键不会退出程序；如需退出请按 F10"
ESC=$(printf '\033')

# alive NAME TEST PID: the kiosk is still the pane's program, running (not stopped).
alive() {
	st=$(ps -o stat= -p "$3" 2>/dev/null | tr -d ' ')
	cmd=$(tm display -p -t "$1" '#{pane_current_command}')
	case "$st:$cmd" in
	T*|t*|:*) echo "FAIL $2: the kiosk (pid $3) is stopped or gone (state '$st', pane runs '$cmd')" ;;
	*:*kiosk) echo "PASS $2" ;;
	*) echo "FAIL $2: the pane runs '$cmd', not the kiosk" ;;
	esac
}
# ended NAME TEST PID: the kiosk is gone and the terminal is the shell's again:
# no alternate screen, the cursor visible, the modes it found restored, the
# prompt answers.
ended() {
	if ! wait_dead "$3" 5; then
		echo "FAIL $2: the kiosk (pid $3) is still running"
		return
	fi
	wait_for "$1" "kiosk rc=" 5
	alt=$(tm display -p -t "$1" '#{alternate_on}:#{cursor_flag}')
	tm send-keys -t "$1" -l 'echo "ok-$((6 * 7))"'
	tm send-keys -t "$1" Enter
	if [ "$alt" != 0:1 ]; then
		echo "FAIL $2: alternate screen and cursor are '$alt' (on/off), wanted 0:1 (off, cursor shown)"
	elif ! wait_for "$1" "^ok-42\$" 5; then
		echo "FAIL $2: the shell does not answer"
		sed 's/^/    | /' "$T/$1.pane"
	elif ! cmp -s "$T/$1.stty0" "$T/$1.stty1"; then
		echo "FAIL $2: terminal modes not restored: $(cat "$T/$1.stty0") became $(cat "$T/$1.stty1")"
	else
		echo "PASS $2"
	fi
}

# ---- the idle lock: started first, checked last (one wait of the minute) ----
cp -R kiosk-config "$T/cfg"
sed -i 's/^idle_lock_minutes *=.*/idle_lock_minutes = 1/' "$T/cfg/kiosk.ini"
expect "idle: config copy locks after 1 minute" 0 "^idle_lock_minutes = 1\$" grep -x "idle_lock_minutes = 1" "$T/cfg/kiosk.ini"
session idle
kiosk idle --demo --config "$T/cfg" --data-dir "$T/idle.d"
login idle
wait_for idle "您好" 10
keys idle F2
wait_for idle "选择业务" 10
keys idle Enter
wait_for idle "单位名称" 10
idle_from=$(date +%s) # the last key to the idle kiosk is sent after this
text idle "$UNIT"
shows idle "idle: case started before the wait" "$FIELD"

# ---- Chinese typed on a real terminal ----
session main
kiosk main --demo --data-dir "$T/main.d"
shows main "start: login screen" "请输入工号和 PIN 登录"
equal "start: alternate screen on" "$(tm display -p -t main '#{alternate_on}')" "1"
pid=$(kiosk_pid main)
login main
shows main "login: demo01 signed in" "培训学员，您好"
keys main F2
shows main "F2: service picker" "选择业务"
keys main Enter
shows main "Enter: details of the first service" "单位及经办人信息"
text main "$UNIT"
shows main "Chinese unit name shown exactly" "$FIELD"
# Backspace takes one whole character, not a byte or a cell.
keys main BSpace
shows main "Backspace removes one Chinese character" "单位名称 +成都测试科技有限公( |\$)"
text main 司
shows main "retyped character shown" "$FIELD"

# ---- resize: below the minimum, at it, back ----
tm resize-window -t main -x 60 -y 20
shows main "60x20: terminal too small" "终端窗口太小"
hides main "60x20: the case is not drawn" "单位名称"
# Keys typed blind behind the notice do nothing: F8 Enter would cancel the
# case, X would be typed into the name.
keys main F8
keys main Enter
text main X
shows main "60x20: keys said to do nothing" "按键无效"
tm resize-window -t main -x 79 -y 24
shows main "79x24: still too small (80 columns needed)" "终端窗口太小"
tm resize-window -t main -x 80 -y 23
shows main "80x23: still too small (24 rows needed)" "终端窗口太小"
tm resize-window -t main -x 80 -y 24
shows main "80x24: the screen is back at the minimum" "$FIELD"
tm resize-window -t main -x 100 -y 30
shows main "100x30: the screen is restored with the name" "$FIELD"
hides main "100x30: no too-small text left" "终端窗口太小"
shows main "100x30: the status line spans the width" "经办 demo01 .{60,}[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}"
hides main "100x30: the ignored-keys note is gone" "按键无效"
equal "too small: F8 Enter cancelled nothing" "$(sqlite3 "$T/main.d/demo.db" "SELECT count(*) FROM audit WHERE action = 'case.cancel'")" "0"

# ---- Ctrl-C, Ctrl-Z, Ctrl-\ do not leave ----
for k in C-c C-z 'C-\'; do
	keys main Down
	wait_gone main "$HINT" 5
	keys main Up
	keys main "$k"
	shows main "$k: says how to leave (F10)" "$HINT"
	alive main "$k: kiosk still running" "$pid"
done
shows main "control keys typed nothing into the field" "$FIELD"

# ---- F10 asks; n stays, y leaves ----
keys main F10
shows main "F10: asks before leaving (case open)" "确定退出吗？"
keys main n
hides main "n: question gone" "确定退出吗？"
alive main "n: kiosk still running" "$pid"
shows main "n: the case is still on screen" "$FIELD"
keys main F10
wait_for main "确定退出吗？" 5
keys main y
ended main "F10 y: kiosk ended, terminal restored" "$pid"
shows main "F10 y: exit status 0" "^kiosk rc=0\$"
equal "F10 y: logout audited" "$(sqlite3 "$T/main.d/demo.db" "SELECT count(*) FROM audit WHERE action = 'staff.logout' AND actor = 'demo01'")" "1"

# ---- SIGTERM ends it and restores the terminal ----
kiosk main --demo --data-dir "$T/main.d"
login main
shows main "SIGTERM: signed in again, the case waits at home" "SCCA-CD-01-[0-9]{8}-0001"
pid=$(kiosk_pid main)
kill -TERM "$pid"
ended main "SIGTERM: kiosk ended, terminal restored" "$pid"

# ---- TERM=vt100: monochrome, usable with the vt100's own keys ----
session vt vt100
kiosk vt --demo --data-dir "$T/vt.d"
shows vt "vt100: login screen" "请输入工号和 PIN 登录"
tm capture-pane -e -p -t vt >"$T/vt.sgr"
if grep -Eq "$ESC\\[([0-9]*;)*(3[0-7]|4[0-7]|38|48)(;[0-9]*)*m" "$T/vt.sgr"; then
	echo "FAIL vt100: colours sent to a monochrome terminal"
elif grep -Eq "$ESC\\[([0-9]*;)*7(;[0-9]*)*m" "$T/vt.sgr"; then
	echo "PASS vt100: monochrome, title in reverse video"
else
	echo "FAIL vt100: no reverse video for the title"
fi
tm capture-pane -e -p -t idle >"$T/x.sgr"
truth "xterm-256color: colours used" grep -Eq "$ESC\\[([0-9]*;)*(3[0-7]|4[0-7]|38|48)(;[0-9]*)*m" "$T/x.sgr"
vpid=$(kiosk_pid vt)
login vt
shows vt "vt100: login accepted" "培训学员，您好"
text vt "${ESC}OQ"
shows vt "vt100: F2 (ESC O Q) opens the service picker" "选择业务"
keys vt Escape
shows vt "vt100: Esc back home" "今日尚无业务"
text vt "${ESC}Ox"
shows vt "vt100: F10 (ESC O x) asks before leaving" "确定退出登录并关闭程序吗"
keys vt y
ended vt "vt100: kiosk ended, terminal restored" "$vpid"

# ---- the idle lock, then unlock with the wrong and the right PIN ----
ipid=$(kiosk_pid idle)
shows idle "idle: locked after 1 minute" "屏幕已锁定（培训学员，工号 demo01）" 75
idle_for=$(($(date +%s) - idle_from))
if [ "$idle_for" -ge 58 ]; then echo "PASS idle: not locked before the minute"; else echo "FAIL idle: locked after ${idle_for}s idle, wanted 60"; fi
hides idle "idle: the case is hidden while locked" "$UNIT" 2
# F10 first: were it to ask about leaving, the Enter below would answer yes.
keys idle F10
text idle 111111
keys idle Enter
shows idle "idle: wrong PIN refused with a message" "PIN 不正确，还可尝试 4 次"
alive idle "idle: F10 does not leave a locked screen" "$ipid"
if grep -q "确定退出" "$T/idle.pane"; then echo "FAIL idle: F10 asks to leave a locked screen"; else echo "PASS idle: F10 asks nothing while locked"; fi
shows idle "idle: still locked after the wrong PIN" "屏幕已锁定"
text idle 246810
keys idle Enter
shows idle "idle: right PIN returns to the case" "$FIELD"
hides idle "idle: lock screen gone" "屏幕已锁定"
shows idle "idle: back on the details screen" "单位及经办人信息"
equal "idle: lock and unlock audited" "$(sqlite3 "$T/idle.d/demo.db" "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit WHERE action IN ('staff.lock', 'staff.unlock') ORDER BY seq)")" "staff.lock staff.unlock"
