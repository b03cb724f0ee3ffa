#!/bin/sh
# Finding cases (script mode, demo kiosk): at home (F3) by the tail of a case
# number, a fragment of the unit's name, the USCC or the agent, over every
# day; in the supervisor's day view (F3) the same within the day, and F2 to
# type a date and go there. The cases are seeded over two days through the
# clerk's screens.
. tests/cli/screens.sh
D="$T/find.d"

# krun NAME DAY: the demo kiosk on $T/NAME.keys at 10:00 of DAY, one data dir.
krun() {
	KIOSK_NOW="$2T10:00:00+08:00" KIOSK_SCRIPT="$T/$1.keys" timeout 30 "$KIOSK" --demo --data-dir "$D" >"$T/$1.out" 2>"$T/$1.err"
	rc=$?
	if [ $rc = 0 ] && [ ! -s "$T/$1.err" ]; then echo "PASS $1: kiosk exited cleanly"; else
		echo "FAIL $1: kiosk exit $rc"; sed 's/^/    ! /' "$T/$1.err" | head; fi
}
# case UNIT USCC AGENT: a 政采 new case with its details committed, then home
case_() {
	pick 7
	printf 'type %s\nkey Enter\ntype %s\nkey Enter\ntype %s\nkey Enter\n' "$1" "$2" "$3"
	printf 'type 110102199101010078\nkey Enter\ntype 138-0013-8000\nkey Enter Enter Enter Enter\nkey Esc Esc\n'
}

# 2026-11-20: 0001 成都测试科技 by agent 李四; 2026-11-21: 0001 and 0002 成都锦城 by 张三
{ login; case_ 成都测试科技有限公司 91310115MA1K3BTP2B 李四; } >"$T/seed1.keys"
krun seed1 2026-11-20
{ login; case_ 成都锦城示例科技有限公司 91510100MA61XY3K4K 张三; case_ 成都锦城示例科技有限公司 91510100MA61XY3K4K 张三; } >"$T/seed2.keys"
krun seed2 2026-11-21
n0=SCCA-CD-01-20261120-0001 n1=SCCA-CD-01-20261121-0001 n2=SCCA-CD-01-20261121-0002
equal "seed: three cases over two days" "$(sqlite3 "$D/demo.db" "SELECT group_concat(case_no, ' ') FROM (SELECT case_no FROM cases ORDER BY id)")" "$n0 $n1 $n2"

# ---- home (the clerk) ----
# find QUERY NAME: F3 at home, QUERY, Enter, dump
find_() { printf 'key F3\ntype %s\nkey Enter\ndump\nkey Esc\n' "$1"; }
{ login; find_ 测试科技; } >"$T/h_unit.keys"
krun h_unit 2026-11-21
seen h_unit "home: a fragment of the unit's name finds yesterday's case" "▶ $n0"
unseen h_unit "home: and only it" "$n1|$n2"
{ login; find_ 1121-0002; } >"$T/h_tail.keys"
krun h_tail 2026-11-21
seen h_tail "home: the tail of a case number" "▶ $n2"
unseen h_tail "home: the tail finds that case only" "$n0|$n1"
{ login; find_ 0001; } >"$T/h_tail4.keys"
krun h_tail4 2026-11-21
seen h_tail4 "home: four last digits find each day's case, newest first" "▶ $n1"
seen h_tail4 "home: four last digits, the older day's too" "  $n0"
{ login; find_ ０００２; } >"$T/h_wide.keys"
krun h_wide 2026-11-21
seen h_wide "home: a tail typed full-width is folded and finds its case" "▶ $n2"
unseen h_wide "home: and only it" "$n0|$n1"
{ login; find_ 锦城示例科技有限公司; } >"$T/h_long.keys"
krun h_long 2026-11-21
seen h_long "home: a long fragment of the unit's name, newest first" "▶ $n2"
seen h_long "home: and the older case of that unit" "  $n1"
unseen h_long "home: not the other unit's" "$n0"
{ login; find_ 李四; } >"$T/h_agent.keys"
krun h_agent 2026-11-21
seen h_agent "home: the agent's name" "▶ $n0"
{ login; find_ 91510100ma61xy3k4k; } >"$T/h_uscc.keys"
krun h_uscc 2026-11-21
seen h_uscc "home: the USCC, any letter case" "▶ $n2"
seen h_uscc "home: the USCC lists both its cases" "  $n1"
{ login; find_ 不存在的单位; } >"$T/h_none.keys"
krun h_none 2026-11-21
seen h_none "home: nothing found says what can be typed" "经办人姓名（未填完单位信息的业务只能按业务编号查找）"
{ login; printf 'key F3\ndump\n'; } >"$T/h_prompt.keys"
krun h_prompt 2026-11-21
seen h_prompt "home: the prompt says what can be typed" "编号末位、信用代码、单位或经办人："

# ---- the day view (the supervisor) ----
{ login demosup 975310; printf 'key F4\nkey F3\ntype 锦城\nkey Enter\ndump\n'; } >"$T/d_unit.keys"
krun d_unit 2026-11-21
seen d_unit "day view: a unit fragment filters the day's cases" "查找：锦城"
seen d_unit "day view: the unit's cases listed" "$n2"
{ login demosup 975310; printf 'key F4\nkey F3\ntype 0002\nkey Enter\ndump\n'; } >"$T/d_tail.keys"
krun d_tail 2026-11-21
seen d_tail "day view: a number's tail" "$n2"
unseen d_tail "day view: the tail finds that case only" "$n1"
{ login demosup 975310; printf 'key F4\nkey F2\ntype 2026/11/20\nkey Enter\nkey Tab\ndump\n'
  printf 'key F2\ntype 20261320\nkey Enter\ndump\nkey C-u\ntype 2026-11-22\nkey Enter\ndump\nkey Esc\nkey F2\ntype 20261121\nkey Enter\nkey Tab\ndump\n'; } >"$T/d_jump.keys"
krun d_jump 2026-11-21
seen d_jump "day view: F2 and a date typed 2026/11/20 goes there" "2026-11-20  经办人"
seen d_jump "day view: that day's case listed" "$n0"
seen d_jump "day view: a date that is not one is refused" "“20261320”不是真实日期"
seen d_jump "day view: a day to come is refused" "不能跳到今天以后的日期"
seen d_jump "day view: 20261121 back to today" "2026-11-21  经办人"
seen d_jump "day view: F2 in the footer" "F2 日期"
