#!/bin/sh
# kioskctl staff: every command a supervisor's. For each of add, list, unlock,
# reset-pin, disable and role: no --by (2, usage), a clerk's id with a wrong
# PIN (1, refused before the PIN is checked: the clerk's count and wait stay
# as they were), a supervisor's id with a wrong PIN (1), and the right PIN
# (0, the change made and audited) -- all read back with sqlite3. Then the
# first supervisor of an empty database, a disabled member refused, the last
# supervisor kept, and a storm of wrong PINs against a supervisor after
# which the right PIN (and the day close) passes within the minute: on the
# test clock, and on the real clock with max_wait_seconds = 1.
. tests/cli/lib.sh
cp -r kiosk-config "$T/cfg"
D="$T/data"
sed -i "s|^data_dir *=.*|data_dir = $D|" "$T/cfg/kiosk.ini"
export KIOSK_CONFIG="$T/cfg"
# 2026-11-21 18:00 in Shanghai, as epoch seconds so the storm can count on
NOW=1795255200
export KIOSK_NOW=$NOW
K=$KIOSKCTL
DB="$D/kiosk.db"
SUP=135790 CLERK=246810
q() { sqlite3 "$DB" "$1"; }
# count of audit rows of ACTION by ACTOR
audited() { q "SELECT count(*) FROM audit WHERE action = '$1' AND actor = '$2'"; }
clerk_state() { q "SELECT failures || '|' || locked_until_ms FROM staff WHERE id = 'c001'"; }
# every member but s001 (whose wrong PINs below count), to see nothing moved
others() { q "SELECT group_concat(id || ':' || role || ':' || active || ':' || failures || ':' || locked_until_ms || ':' || pin_hash, ' ') FROM (SELECT * FROM staff WHERE id <> 's001' ORDER BY id)"; }
equal() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: got '$2', wanted '$3'"; fi; }

# ---- the first supervisor of an empty database ----
expect "empty: a clerk cannot be the first" 2 "first member must be a supervisor" sh -c "echo $CLERK | $K staff add --id c001 --name 张三 --role clerk"
expect "empty: --by names nobody yet" 1 "no active staff member 's001'" sh -c "printf '$SUP\n$SUP\n' | $K staff add --id s001 --name 李四 --role supervisor --by s001"
equal "empty: nothing added" "$(q 'SELECT count(*) FROM staff')" "0"
expect "empty: a weak first PIN refused" 1 "pin.sequence" sh -c "echo 123456 | $K staff add --id s001 --name 李四 --role supervisor"
expect "empty: the first supervisor without --by" 0 "s001 .*added as the first supervisor" sh -c "echo $SUP | $K staff add --id s001 --name 李四 --role supervisor"
equal "empty: audited as staff.add_first by system" "$(q "SELECT actor || ' ' || detail FROM audit WHERE action = 'staff.add_first'")" 'system {"id":"s001","name":"李四","role":"supervisor"}'
expect "a second first supervisor refused" 2 "needs --by" sh -c "echo 975310 | $K staff add --id s002 --name 王五 --role supervisor"
equal "only one supervisor" "$(q "SELECT group_concat(id) FROM staff")" "s001"

# the cast: a clerk, and members to change
for m in "c001 张三 clerk $CLERK" "c002 王二 clerk 864209" "c003 赵三 clerk 864209" "s002 钱七 supervisor 975310"; do
	set -- $m
	expect "added $1" 0 "staff $1 .*added" sh -c "printf '$SUP\n$4\n' | $K staff add --id $1 --name $2 --role $3 --by s001"
done
equal "added by s001, audited" "$(audited staff.add s001)" "4"

# refusals NAME STDIN_AFTER_PIN ARGS...: no --by, a clerk's id with a wrong
# PIN, a supervisor's with a wrong PIN; each refused with nothing changed.
refusals() {
	name=$1 more=$2
	shift 2
	before=$(others)
	expect "$name: no --by is a usage error" 2 "--by SUPERVISOR_ID" sh -c "printf '$SUP\n$more' | $K $*"
	expect "$name: a clerk's id refused before its PIN" 1 "c001 is a clerk; .* supervisor's \(the PIN was not checked\)" sh -c "printf '000000\n$more' | $K $* --by c001"
	equal "$name: the clerk's count untouched" "$(clerk_state)" "0|0"
	expect "$name: a supervisor's wrong PIN refused" 1 "wrong PIN for s001" sh -c "printf '000000\n$more' | $K $* --by s001"
	equal "$name: nothing changed" "$(others)" "$before"
}

# ---- add ----
refusals "staff add" "975310\n" staff add --id c009 --name 新人 --role clerk
equal "staff add: no c009 yet" "$(q "SELECT count(*) FROM staff WHERE id = 'c009'")" "0"
expect "staff add: by a supervisor" 0 "staff c009 .*added" sh -c "printf '$SUP\n975310\n' | $K staff add --id c009 --name 新人 --role clerk --by s001"
equal "staff add: the row" "$(q "SELECT role || active FROM staff WHERE id = 'c009'")" "clerk1"
equal "staff add: audited" "$(q "SELECT actor || ' ' || detail FROM audit WHERE action = 'staff.add' ORDER BY seq DESC LIMIT 1")" 's001 {"id":"c009","name":"新人","role":"clerk"}'
expect "staff add: a repeated group refused" 1 "pin.repeated" sh -c "printf '$SUP\n123123\n' | $K staff add --id c010 --name x --role clerk --by s001"

# ---- list ----
refusals "staff list" "" staff list
expect "staff list: by a supervisor" 0 "^c001 +clerk +active +张三" sh -c "echo $SUP | $K staff list --by s001"
cp "$T/out" "$T/list.out"
truth "staff list: every member" grep -q "^s002 *supervisor *active *钱七" "$T/list.out"

# ---- unlock ----
# a clerk's id where a supervisor's is asked for: refused, never counted
for i in 1 2 3 4 5 6; do echo 000000 | $K staff list --by c002 >/dev/null 2>&1; done
equal "six tries with a clerk's id count nothing" "$(q "SELECT failures || '|' || locked_until_ms FROM staff WHERE id = 'c002'")" "0|0"
# s002 made to wait: the fifth wrong PIN begins a 1 s wait, the sixth falls in it
for i in 1 2 3 4 5 6; do echo 000000 | $K report daily --date 2026-11-21 --by s002 >/dev/null 2>&1; done
equal "s002 waits after 5 wrong PINs" "$(q "SELECT failures || '|' || locked_until_ms FROM staff WHERE id = 's002'")" "5|$(( (NOW + 1) * 1000 ))"
refusals "staff unlock" "" staff unlock s002
expect "staff unlock: by a supervisor" 0 "s002: wrong PINs cleared" sh -c "echo $SUP | $K staff unlock s002 --by s001"
equal "staff unlock: no count, no wait" "$(q "SELECT failures || '|' || locked_until_ms FROM staff WHERE id = 's002'")" "0|0"
equal "staff unlock: audited with what it cleared" "$(q "SELECT actor || ' ' || detail FROM audit WHERE action = 'staff.unlock_by'")" "s001 {\"id\":\"s002\",\"failures\":5,\"locked_until_ms\":$(( (NOW + 1) * 1000 ))}"
expect "staff unlock: s002 signs in at once" 0 "" sh -c "echo 975310 | $K staff list --by s002"
expect "staff unlock: nobody to unlock" 1 "no staff member 'x9'" sh -c "echo $SUP | $K staff unlock x9 --by s001"

# ---- reset-pin ----
refusals "staff reset-pin" "975310\n" staff reset-pin c002
expect "staff reset-pin: a weak new PIN refused" 1 "pin.sequence" sh -c "printf '$SUP\n345678\n' | $K staff reset-pin c002 --by s001"
old=$(q "SELECT pin_hash FROM staff WHERE id = 'c002'")
expect "staff reset-pin: by a supervisor" 0 "c002: new PIN set" sh -c "printf '$SUP\n975310\n' | $K staff reset-pin c002 --by s001"
truth "staff reset-pin: a new hash" test "$(q "SELECT pin_hash FROM staff WHERE id = 'c002'")" != "$old"
equal "staff reset-pin: audited, no PIN in it" "$(q "SELECT actor || ' ' || detail FROM audit WHERE action = 'staff.reset_pin'")" 's001 {"id":"c002"}'
equal "no PIN anywhere in the log" "$(q "SELECT count(*) FROM audit WHERE instr(detail, '975310') OR instr(detail, '$SUP') OR instr(detail, '$CLERK')")" "0"

# ---- role ----
refusals "staff role" "" staff role c002 trainer
expect "staff role: an unknown role" 1 "use clerk, supervisor or trainer" sh -c "echo $SUP | $K staff role c002 boss --by s001"
expect "staff role: by a supervisor" 0 "c002 is now a trainer" sh -c "echo $SUP | $K staff role c002 trainer --by s001"
equal "staff role: the row" "$(q "SELECT role FROM staff WHERE id = 'c002'")" "trainer"
equal "staff role: audited from and to" "$(q "SELECT actor || ' ' || detail FROM audit WHERE action = 'staff.role'")" 's001 {"id":"c002","from":"clerk","to":"trainer"}'
expect "staff role: the same role again refused" 1 "already" sh -c "echo $SUP | $K staff role c002 trainer --by s001"

# ---- disable ----
refusals "staff disable" "" staff disable c003
expect "staff disable: by a supervisor" 0 "c003 disabled" sh -c "echo $SUP | $K staff disable c003 --by s001"
equal "staff disable: the row" "$(q "SELECT active FROM staff WHERE id = 'c003'")" "0"
equal "staff disable: audited" "$(q "SELECT actor || ' ' || detail FROM audit WHERE action = 'staff.disable'")" 's001 {"id":"c003","role":"clerk"}'
expect "staff disable: shown in the list" 0 "^c003 +clerk +disabled" sh -c "echo $SUP | $K staff list --by s001"

# a disabled supervisor cannot act, at the kiosk's login or as --by
expect "s002 disabled" 0 "disabled" sh -c "echo $SUP | $K staff disable s002 --by s001"
expect "a disabled supervisor's --by refused" 1 "no active staff member 's002'" sh -c "echo 975310 | $K staff list --by s002"
expect "nor closes the day" 1 "no active staff member 's002'" sh -c "echo 975310 | $K day close --date 2026-11-21 --by s002"
# the last active supervisor is kept
expect "the last supervisor cannot be disabled" 1 "last active supervisor" sh -c "echo $SUP | $K staff disable s001 --by s001"
expect "nor made a clerk" 1 "last active supervisor" sh -c "echo $SUP | $K staff role s001 clerk --by s001"
equal "s001 still a supervisor" "$(q "SELECT role || active FROM staff WHERE id = 's001'")" "supervisor1"

# ---- a storm of wrong PINs against the supervisor, on the test clock ----
# A wrong PIN the moment each wait ends, and two more inside each wait: the
# waits double to 60 s and stop there; inside a wait nothing is checked.
t=$NOW
longest=0
refused_unchecked=0
for i in $(seq 1 20); do
	echo 000000 | KIOSK_NOW=$t $K staff list --by s001 >/dev/null 2>&1
	until_s=$(( $(q "SELECT locked_until_ms FROM staff WHERE id = 's001'") / 1000 ))
	wait=$(( until_s > t ? until_s - t : 0 ))
	[ $wait -gt $longest ] && longest=$wait
	if [ $wait -gt 1 ]; then
		for j in 1 2; do
			echo 000000 | KIOSK_NOW=$((t + wait - 1)) $K staff list --by s001 >"$T/in_wait" 2>&1 &&
				echo "FAIL storm: a try inside the wait passed"
			grep -q "s001 is waiting after wrong PINs: try again in 1 s" "$T/in_wait" && refused_unchecked=$((refused_unchecked + 1))
		done
	fi
	last=$t
	t=$((t + wait))
done
equal "storm: 20 wrong PINs counted, none inside a wait" "$(q "SELECT failures FROM staff WHERE id = 's001'")" "20"
equal "storm: the longest wait is the minute" "$longest" "60"
equal "storm: two tries inside each of the 15 waits over a second" "$refused_unchecked" "30"
equal "storm: the tries inside the waits refused unchecked" "$refused_unchecked" "$(q "SELECT count(*) FROM audit WHERE actor = 's001' AND detail LIKE '{\"reason\":\"locked\"%'")"
expect "storm: the right PIN inside the last wait refused" 1 "waiting after wrong PINs" sh -c "echo $SUP | KIOSK_NOW=$((last + 59)) $K staff list --by s001"
expect "storm: a minute after the last wrong PIN the day closes" 0 "closed by s001" sh -c "echo $SUP | KIOSK_NOW=$((last + 60)) $K day close --date 2026-11-21 --by s001"
equal "storm: the right PIN cleared the count" "$(q "SELECT failures || '|' || locked_until_ms FROM staff WHERE id = 's001'")" "0|0"

# ---- the same on the real clock, with max_wait_seconds = 1 ----
unset KIOSK_NOW
sed -i 's/^max_wait_seconds *=.*/max_wait_seconds = 1/' "$T/cfg/kiosk.ini"
for i in $(seq 1 12); do echo 000000 | $K staff list --by s001 >/dev/null 2>&1; done
truth "real clock: the storm made s001 wait" test "$(q "SELECT failures FROM staff WHERE id = 's001'")" -ge 5
sleep 1.1
expect "real clock: after the one-second cap the right PIN passes" 0 "^s001 " sh -c "echo $SUP | $K staff list --by s001"
