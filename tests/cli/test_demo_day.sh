#!/bin/sh
# A fresh training day (issue 13 point 7): make demo-reset archives the
# day's papers with its database, and a paper saved under a case number is
# taken up only by the case it belongs to (case numbers start again at 0001,
# the demo gateway's transaction ids never repeat).
. tests/cli/screens.sh
PAID='key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'
SLIP="SCCA-CD-01-20261121-0001-slip.txt"
# day NAME UNIT USCC: a 新办 from login to slip in the demo dir $T/day.d
day() {
	{ login; pick 7; party "$2" "$3"; printf "$PAID"; keyin 6
	  printf 'key Enter Enter\nkey F5\ndump\nkey Enter\n'; } >"$T/$1.keys"
	KIOSK_SCRIPT="$T/$1.keys" timeout 20 "$KIOSK" --demo --data-dir "$T/day.d" >"$T/$1.out" 2>"$T/$1.err"
	equal "$1: kiosk exited cleanly" "$?$(cat "$T/$1.err")" 0
}
day first 成都测试科技有限公司 91310115MA1K3BTP2B
truth "first: its slip is saved" test -s "$T/day.d/slips/2026-11-21/$SLIP"
tx1=$(sed -n 's/.*支付交易号：\([0-9]*\).*/\1/p' "$T/day.d/slips/2026-11-21/$SLIP")
cp -r "$T/day.d" "$T/copy.d"

expect "demo-reset: done" 0 "fresh training day" make -s demo-reset DEMO_DIR="$T/day.d"
truth "demo-reset: the papers archived with the database" \
	sh -c "ls '$T'/day.d/archive/demo-*.slips/2026-11-21/$SLIP && test ! -e '$T/day.d/slips'"
day second 成都锦城示例科技有限公司 91510100MA61XY3K4K
seen second "after demo-reset: the new 0001's slip is its own" "单位名称：成都锦城示例科技有限公司"
unseen second "after demo-reset: no paper taken from before" "中断前保存"
tx2=$(sed -n 's/.*支付交易号：\([0-9]*\).*/\1/p' "$T/day.d/slips/2026-11-21/$SLIP")
truth "after demo-reset: another transaction id for the same trade number" \
	sh -c "[ -n '$tx1' ] && [ -n '$tx2' ] && [ '$tx1' != '$tx2' ]"

# The database moved aside by hand, the papers (and the gateway's orders)
# left: the old 0001's slip is another unit's, never this case's.
mkdir -p "$T/copy.d/old" && mv "$T/copy.d/demo.db" "$T/copy.d/old/"
mv "$T/day.d" "$T/day2.d" && mv "$T/copy.d" "$T/day.d"
day third 成都锦城示例科技有限公司 91510100MA61XY3K4K
seen third "papers left behind: the new 0001's slip is its own" "单位名称：成都锦城示例科技有限公司"
unseen third "papers left behind: the old 0001's slip is not taken up" "中断前保存|成都测试科技有限公司"

# ---- after a demo day close: a fresh training day from the kiosk ----
D="$T/close.d"
krun() {
	KIOSK_SCRIPT="$T/$1.keys" timeout 20 "$KIOSK" --demo --data-dir "$D" >"$T/$1.out" 2>"$T/$1.err"
	equal "$1: kiosk exited cleanly" "$?$(cat "$T/$1.err")" 0
}
{ login demosup 975310; printf 'key F4\nkey F12\nkey Enter\ndump\n'; } >"$T/close.keys"
krun close
seen close "demo day close: closed" "已日结"
{ login; pick 7; printf 'dump\n'; } >"$T/closed.keys"
krun closed
seen closed "after the close: no new case" "今日已由 demosup 日结，不能再开始新业务。"
seen closed "after the close: the remedy named" "培训要继续：请培训师或主管在首页按|^ F12 开始新的培训日"
{ login; printf 'key F1\ndump\nkey Esc\nkey F12\ndump\n'; } >"$T/clerk12.keys"
krun clerk12
unseen clerk12 "a clerk is not offered a fresh training day (F1 lists no F12)" "F12 +新培训日"
unseen clerk12 "a clerk's F12 asks nothing" "开始新的培训日吗"
{ login trainer 864209; printf 'key F1\ndump\nkey Esc\nkey F12\ndump\nkey Enter\ndump\n'; pick 7; printf 'dump\n'; } >"$T/newday.keys"
krun newday
seen newday "trainer: F12 offered at home (F1 lists it)" "F12 +新培训日 +新培训日：今日演示数据与回执存档"
seen newday "trainer: asked first" "开始新的培训日吗？"
seen newday "trainer: done" "已开始新的培训日；原数据已存档："
seen newday "trainer: the archive named (a path goes whole to its own row)" "/archive/demo-[0-9]{8}-[0-9]{6}$"
seen newday "a fresh day: a new case opens, numbered 0001 again" "业务 SCCA-CD-01-20261121-0001"
equal "a fresh day: no day close in the new database" "$(sqlite3 "$D/demo.db" "SELECT count(*) FROM day_anchors")" 0
truth "a fresh day: the old database archived with its papers" \
	sh -c "ls '$D'/archive/demo-*.db && ls -d '$D'/archive/demo-*.slips"
equal "a fresh day: the old database holds the close" \
	"$(sqlite3 "$(ls "$D"/archive/demo-*.db | head -1)" "SELECT count(*) FROM day_anchors")" 1
expect "a fresh day: the new database's audit chain verifies" 0 "^OK" "$KIOSKCTL" audit verify --db "$D/demo.db"
