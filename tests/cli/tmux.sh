# Helpers for tests on a real terminal: a private tmux server (removed on exit,
# failure and interrupt included), sessions of 100x30 running a shell, the demo
# kiosk started in them, and polling of the pane for a text with a deadline
# (never a bare sleep). Sourced by test_tmux.sh and test_crash.sh; run on its
# own it starts and stops a tmux server and prints nothing.
. tests/cli/lib.sh
KIOSK="$PWD/$BUILD/test/kiosk"
SOCK="kiosk$$"
unset TMUX # a private server even when the tests run inside tmux
SOCKPATH=
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -f "$SOCKPATH"; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM HUP

tm() { tmux -L "$SOCK" -f /dev/null "$@"; }
# The server lives until the trap kills it, not until its last session ends
# (a new session racing a server that exits fails with "server exited unexpectedly").
tm new-session -d -s hold -x 100 -y 30 cat \; set -s exit-empty off
SOCKPATH=$(tm display -p -t hold '#{socket_path}')

# session NAME [TERM]: a new detached 100x30 session NAME running a shell with
# the prompt "$ ", LINES/COLUMNS and the script-mode variables unset (real time).
session() {
	tm new-session -d -s "$1" -x 100 -y 30 \
		"env -u LINES -u COLUMNS -u KIOSK_NOW -u KIOSK_SCRIPT -u KIOSK_DUMP -u ENV \
		 LANG=C.UTF-8 TERM=${2:-xterm-256color} PS1='$ ' sh"
}

# (Helpers' own variables start with _ so they never clobber a caller's.)

# kiosk NAME ARGS...: type in NAME's shell a command line that records the
# terminal modes, runs the kiosk (its pid in $T/NAME.pid), prints its exit
# status and records the modes again (in $T/NAME.stty0 and .stty1).
kiosk() {
	_s=$1
	shift
	rm -f "$T/$_s.pid" "$T/$_s.stty0" "$T/$_s.stty1"
	tm send-keys -t "$_s" -l "stty -g >$T/$_s.stty0; sh -c 'echo \$\$ >$T/$_s.pid; exec $KIOSK $*'; echo \"kiosk rc=\$?\"; stty -g >$T/$_s.stty1"
	tm send-keys -t "$_s" Enter
}

# pane NAME: the screen of NAME, as text, into $T/NAME.pane (and stdout).
pane() { tm capture-pane -p -t "$1" >"$T/$1.pane" 2>&1; cat "$T/$1.pane"; }

# wait_for NAME PATTERN SECONDS: poll the screen until it matches the grep -E
# PATTERN; false when the deadline passes.
wait_for() {
	_end=$(($(date +%s) + $3))
	while :; do
		pane "$1" | grep -Eq -- "$2" && return 0
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
}
# wait_gone NAME PATTERN SECONDS: poll until the screen no longer matches.
wait_gone() {
	_end=$(($(date +%s) + $3))
	while :; do
		pane "$1" | grep -Eq -- "$2" || return 0
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
}
# wait_dead PID SECONDS: poll until the process is gone.
wait_dead() {
	_end=$(($(date +%s) + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
	return 0
}

# shows NAME TEST PATTERN [SECONDS]: PASS when NAME's screen comes to match
# PATTERN within SECONDS (default 10), else FAIL with the screen.
shows() {
	if wait_for "$1" "$3" "${4:-10}"; then
		echo "PASS $2"
	else
		echo "FAIL $2: the screen does not show /$3/"
		sed 's/^/    | /' "$T/$1.pane"
	fi
}
# hides NAME TEST PATTERN [SECONDS]: PASS when the screen stops matching.
hides() {
	if wait_gone "$1" "$3" "${4:-10}"; then
		echo "PASS $2"
	else
		echo "FAIL $2: the screen still shows /$3/"
		sed 's/^/    | /' "$T/$1.pane"
	fi
}

# kiosk_pid NAME: the pid of the kiosk started in NAME (waits for it a little).
kiosk_pid() {
	_end=$(($(date +%s) + 5))
	while [ ! -s "$T/$1.pid" ] && [ "$(date +%s)" -lt "$_end" ]; do sleep 0.1; done
	cat "$T/$1.pid" 2>/dev/null
}

# login NAME [ID PIN]: sign in on the login screen once it is up.
login() {
	wait_for "$1" "请输入工号和 PIN 登录" 10
	tm send-keys -t "$1" -l "${2:-demo01}"
	tm send-keys -t "$1" Enter
	tm send-keys -t "$1" -l "${3:-246810}"
	tm send-keys -t "$1" Enter
}

# keys NAME KEY...: tmux key names (Enter, F2, Down, C-c ...).
keys() {
	_s=$1
	shift
	tm send-keys -t "$_s" "$@"
}
# text NAME TEXT: literal text, Chinese included.
text() { tm send-keys -t "$1" -l "$2"; }

# equal TEST GOT WANT
equal() {
	if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: got '$2', wanted '$3'"; fi
}
