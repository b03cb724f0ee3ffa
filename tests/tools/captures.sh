#!/bin/sh
# The guides' screen captures made again from the kiosk as it is today:
# the demo kiosk in script mode (docs/script-mode.md) on a pinned clock
# (2026-11-21 10:00, the follow-ups at 12-25), carried through what each
# guide shows, each capture a `dump FILE` of its own. In docs/clerk-guide.md,
# supervisor-guide.md and trainer-guide.md a capture is the fenced block right
# under a line `<!-- capture: NAME -->`; this replaces its contents with the
# dump NAME (runs of blank rows squeezed to one, the dump's `----` dropped).
#
#   sh tests/tools/captures.sh           rewrite the guides' captures
#   sh tests/tools/captures.sh --check   exit 1 (and the diff) if a guide is stale
#
# Run from the repository after `make build/test/kiosk`. A capture without a
# recipe below, or a recipe without its marker, is an error.
. tests/cli/screens.sh
OUT="$T/caps"
mkdir -p "$OUT"
check=
[ "$1" = --check ] && check=1

cap() { printf 'dump %s\n' "$OUT/$1"; }
downs() { i=0; while [ "$i" -lt "$1" ]; do printf 'key Down\n'; i=$((i + 1)); done; }
# go DIR NAME [NOW] [CONFIG]: run the kiosk on $T/NAME.keys over data directory DIR
go() {
	KIOSK_NOW=${3:-2026-11-21T10:00:00+08:00} KIOSK_SCRIPT="$T/$2.keys" timeout 60 \
		"$KIOSK" --demo ${4:+--config "$4"} --data-dir "$1" >"$T/$2.out" 2>"$T/$2.err" ||
		{ echo "captures: the run $2 failed:" >&2; cat "$T/$2.err" >&2; exit 2; }
}

# ---- the clerk's guide: one 政采 new case, 容缺, from login to the supplement ----
C="$T/clerk.d"
{ cap clerk.login; login
  printf 'key F2\n'; downs 7; cap clerk.service; printf 'key Enter\n'
  printf 'type 成都测试科技有限公司\nkey Enter\ntype 91310115MA1K3BTP2N\nkey Enter\n'; cap clerk.details_bad
  printf 'key BTab\nkey Backspace\ntype B\nkey Enter\ntype 张三\nkey Enter\ntype 110102199101010078\nkey Enter\ntype 138-0013-8000\n'
  cap clerk.details_ok
  printf 'key Enter Enter Enter Enter\nkey F5 F6\n'; cap clerk.materials
  printf 'key F8\nkey Down\ntype 客户改日再来\n'; cap clerk.cancel; printf 'key Esc\n'
  printf 'key F5\nkey Enter\n'; cap clerk.decision
  printf 'key Esc\n'; cap clerk.back
  printf 'key Enter\nkey Enter Enter\n'; keyin 6; printf 'key Enter\n'; cap clerk.token
  printf 'key Enter\n'; cap clerk.fee
  printf 'key F3\nkey Down Down Down Down\nkey C-u\ntype 139-0013-9000\nkey Enter Enter Enter Enter\n'
  printf 'type demosup\nkey Enter\ntype 975310\nkey Enter\ntype 客户报错手机号\n'; cap clerk.correct
  printf 'key Enter\nkey F5\n'; cap clerk.slip; printf 'key F6\n'; cap clerk.rating
  printf 'key Down Down Down\ntype 等候时间太长\nkey Enter\nkey PgDn PgDn\n'; cap clerk.slip_more
  printf 'key Enter\n'; cap clerk.home
  printf 'key F11\nkey F5\n'; cap clerk.paper; printf 'key Esc\n'
  printf 'key F1\n'; cap clerk.help; printf 'key Esc\n'; } >"$T/clerk1.keys"
go "$C" clerk1
# weeks later the case is still owed: F7's list, overdue (a copy of the day)
cp -R "$C" "$T/clerk_late.d"
{ login; printf 'key F7\n'; cap clerk.supply_list; printf 'key Esc\n'; } >"$T/clerk_late.keys"
go "$T/clerk_late.d" clerk_late 2026-12-25T10:00:00+08:00
# the same day the licence copy comes back: the supplement and its slip
{ login; printf 'key F7\nkey Enter\n'; cap clerk.supply; printf 'key F5\nkey Enter\n'; cap clerk.supp_slip
  printf 'key Enter\n'; } >"$T/clerk2.keys"
go "$C" clerk2

# ---- the supervisor's guide ----
S="$T/sup.d"
# demo01's day: 0001 容缺 paid and rated 不满意, 0002 refused, 0003 left at its payment
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F6 F5\nkey Enter\nkey Enter Enter\n'; keyin 6
  printf 'key Enter Enter\nkey F5\nkey F6\nkey Down Down Down\ntype 等候时间太长\nkey Enter\nkey Enter\n'
  pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F6 F5 F7\ntype 未加盖单位公章\nkey Enter\nkey Enter\nkey Enter Enter\nkey Enter\n'
} >"$T/sup1.keys"
go "$S" sup1
# (a run of its own: the demo keys start afresh, the blank one blank again)
{ login; pick 7; party 成都锦江示例贸易有限公司 91510100MA61XY3K4K
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'; keyin 6
  printf 'key Enter Enter\nkey Esc\n'; } >"$T/sup1b.keys"
go "$S" sup1b
cp -R "$S" "$T/sup_refund.d"
{ login demosup 975310; printf 'key F4\n'; cap sup.summary; printf 'key Tab\n'; cap sup.cases
  printf 'key Tab Tab Tab\n'; cap sup.refusals
  printf 'key Tab Tab Tab Tab Tab\nkey Enter\n'; cap sup.timeline; printf 'key Esc\n'
  printf 'key F12\n'; cap sup.close; printf 'key Esc\n'; } >"$T/sup2.keys"
go "$S" sup2
{ login demosup 975310; printf 'key F4\nkey F2\ntype 2026-11-21\nkey Enter\nkey Tab Tab Tab Tab Tab Tab\n'; cap sup.ratings
  printf 'key Enter\ntype 已电话回访，致歉并说明高峰期安排\nkey Enter\n'; cap sup.followup; printf 'key Esc\n'; } >"$T/sup3.keys"
go "$S" sup3 2026-12-25T10:00:00+08:00
# the day closed over the open case: asked twice
{ login demosup 975310; printf 'key F4\nkey F12\nkey Enter\nkey Enter\n'; cap sup.closed; } >"$T/sup7.keys"
go "$S" sup7
# a revocation waits for the supervisor
{ login; pick 11; party 成都锦城示例科技有限公司 91510100MA61XY3K4K; keyin 1
  printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'; cap sup.approval; } >"$T/sup4.keys"
go "$T/sup_revoke.d" sup4
# the paid 容缺 case cancelled and refunded, approved
{ login; printf 'key Down Down\nkey F8\ntype 客户申请撤销\nkey Tab\ntype demosup\nkey Tab\ntype 975310\nkey Enter\n'
  cap sup.refund; } >"$T/sup5.keys"
go "$T/sup_refund.d" sup5
# the staff screen: demo01 typed two wrong PINs; a new member being added
{ printf 'type demo01\nkey Enter\ntype 000000\nkey Enter\ntype 000000\nkey Enter\n'
  printf 'key Tab\nkey C-u\ntype demosup\nkey Enter\ntype 975310\nkey Enter\nkey F5\nkey F2\n'
  printf 'type c002\nkey Tab\ntype 王五\n'; cap sup.staff; } >"$T/sup6.keys"
go "$T/sup_staff.d" sup6

# ---- the trainer's guide: a session, scenario 5 stopped right, 11 decided wrong ----
R="$T/train.d"
SCN=kiosk-config/demo/scenarios.ini
sv() { awk -v s="[scenario $1]" -v k="$2 = " '$0 == s { p = 1; next } /^\[/ { p = 0 }
	p && index($0, k) == 1 { print substr($0, length(k) + 1); exit }' "$SCN"; }
sid() { awk '/^\[scenario / { s = $2; sub(/\]$/, "", s); print s }' "$SCN" | sed -n "${1}p"; }
party_of() {
	printf 'type %s\nkey Enter\ntype %s\nkey Enter\ntype %s\nkey Enter\ntype %s\nkey Enter\ntype %s\n' \
		"$(sv "$1" unit_name)" "$(sv "$1" uscc)" "$(sv "$1" agent_name)" \
		"$(sv "$1" agent_id_no)" "$(sv "$1" agent_mobile)"
}
s5=$(sid 5) s11=$(sid 11)
{ login; printf 'key F6\n'; downs 4; cap train.list
  printf 'key Enter\n'; party_of "$s5"; printf 'key Enter\n'; cap train.details
  printf 'key F8\n'; cap train.stop; printf 'key Enter Enter\n'; cap train.scored
  downs 6; printf 'key Enter\n'; party_of "$s11"; printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'key Esc Esc Esc Esc\nkey F6\nkey F7\n'; cap train.sheet; printf 'key Esc\n'; } >"$T/train1.keys"
go "$R" train1
{ login; pick 0; printf 'key F5\n'; cap train.keys; printf 'key Esc\n'; } >"$T/train2.keys"
go "$T/train_keys.d" train2

# ---- into the guides ----
# the data directories' random part (a slip's path on a timeline, the day
# close's files) as the same number of X, so a run matches the last
# (and a demo transaction id's random part: the demo gateway never repeats
# one, core/pay/pay_demo.c)
for f in "$OUT"/*; do
	sed -i -E 's/(4200000[0-9]{8})[0-9]{13}/\1XXXXXXXXXXXXX/g' "$f"
	sed -i "s|$T|$(printf '%s' "$T" | sed 's|/tmp/tmp\.\(.*\)|/tmp/tmp.\1|; s|[A-Za-z0-9]*$||')$(printf '%s' "${T##*.}" | tr 'A-Za-z0-9' 'X')|g" "$f"
done
# CAPS_KEEP=DIR keeps the dumps there, to look at
[ -n "$CAPS_KEEP" ] && rm -rf "$CAPS_KEEP" && cp -R "$OUT" "$CAPS_KEEP"
status=0
for g in clerk-guide supervisor-guide trainer-guide; do
	f=docs/$g.md
	awk -v dir="$OUT" '
		function emit(name,   line, n, blank, rows, i, file) {
			file = dir "/" name
			n = 0
			while ((getline line < file) > 0) {
				if (line == "----") break
				rows[++n] = line
			}
			close(file)
			if (n == 0) { printf "captures: no dump %s\n", name > "/dev/stderr"; bad = 1; return }
			while (n > 0 && rows[n] == "") n--
			blank = 0
			for (i = 1; i <= n; i++) {
				if (rows[i] == "") { if (blank) continue; blank = 1 } else blank = 0
				print rows[i]
			}
		}
		/^<!-- capture: [a-z_.]+ -->$/ { name = $3; print; want = 1; next }
		want && /^```$/ { print; emit(name); skip = 1; want = 0; next }
		skip && /^```$/ { print; skip = 0; next }
		skip { next }
		{ print }
		END { exit bad }' "$f" >"$T/$g.md" || status=2
	if [ -n "$check" ]; then
		diff -u "$f" "$T/$g.md" || status=1
	else
		cmp -s "$f" "$T/$g.md" || cp "$T/$g.md" "$f"
	fi
done
exit $status
