#!/bin/sh
# Output that cannot attack its reader. A name holding a bidi override or a
# zero-width character is refused on the details screen with the character
# named, and nothing of it is recorded; kioskctl staff add and the demo's
# staff.ini refuse one too. A unit name and an agent name that are
# spreadsheet formulas reach the day's CSV (kioskctl report daily --csv and
# the day-close export) as text behind a single quote. docs/reports.md,
# docs/config.md ("Names").
. tests/cli/screens.sh
K=$KIOSKCTL
RLO=$(printf '\342\200\256')   # U+202E RIGHT-TO-LEFT OVERRIDE
ZWSP=$(printf '\342\200\213')  # U+200B ZERO WIDTH SPACE

# ---- names ----

# An override typed in the unit name: refused with its code point, its name
# and its place; going on to the other fields and confirming records nothing.
{ login; pick 7; printf 'type 四川某某%s有限公司\nkey Enter\ndump\n' "$RLO"
  printf 'key Tab\ntype 91310115MA1K3BTP2B\nkey Enter\n'
  printf 'type 张三\nkey Enter\ntype 110102199101010078\nkey Enter\ntype 138-0013-8000\nkey Enter\ndump\n'; } > "$T/bidi.keys"
run bidi
seen bidi "unit name with U+202E refused, the character named" \
	"单位名称第5个字符是不可见的控制字符 U\+202E（从右到左覆盖）"
equal "bidi: no details recorded" "$(sql bidi "SELECT count(*) FROM case_steps")" "0"
equal "bidi: no name stored" "$(sql bidi "SELECT count(*) FROM cases WHERE unit_name <> ''")" "0"

# A zero-width space at the end of the agent's name, typed after the rest.
{ login; pick 7; party 四川某某有限公司 91310115MA1K3BTP2B
  printf 'key Up Up\nkey End\ntype %s\nkey Enter\ndump\n' "$ZWSP"; } > "$T/zwsp.keys"
run zwsp
seen zwsp "agent name with U+200B refused, the character named" \
	"经办人姓名第3个字符是不可见的控制字符 U\+200B（零宽空格）"
equal "zwsp: no details recorded" "$(sql zwsp "SELECT count(*) FROM case_steps")" "0"

# A middle dot and full-width brackets are names like any other; full-width
# letters are typed in their narrow form (issue 13: typing), the brackets kept.
{ login; pick 7; printf 'type ＡＢＣ（成都）科技有限公司\nkey Enter\ntype 91310115MA1K3BTP2B\nkey Enter\n'
  printf 'type 买买提·艾力\nkey Enter\ntype 110102199101010078\nkey Enter\ntype 138-0013-8000\n'
  printf 'key Enter Enter Enter Enter\ndump\n'; } > "$T/dot.keys"
run dot
equal "middle dot and full-width brackets accepted, full-width letters folded" \
	"$(sql dot "SELECT unit_name || '|' || agent_name || '|' || last_step FROM cases")" \
	"ABC（成都）科技有限公司|买买提·艾力|details"

# kioskctl staff add and the demo's staff.ini
DB="$T/staff.db"
expect "staff add refuses a zero-width space, named" 1 \
	"staff name: holds U\+200B ZERO WIDTH SPACE at character 2" \
	sh -c "echo 246810 | $K staff add --id c009 --name '王${ZWSP}五' --role supervisor --db $DB"
cp -r kiosk-config "$T/cfg"
sed -i "s/^name = 培训学员二\$/name = 培训${RLO}学员二/" "$T/cfg/demo/staff.ini"
printf 'dump\n' > "$T/staff.keys"
KIOSK_CONFIG="$T/cfg" KIOSK_SCRIPT="$T/staff.keys" timeout 20 "$KIOSK" --demo --data-dir "$T/staff.d" \
	>"$T/staff.out" 2>&1
equal "demo staff.ini with an override: the kiosk does not start" "$?" 2
truth "demo staff.ini: file, line and character named" grep -qF \
	"demo/staff.ini:9: [staff demo02]: staff name: holds U+202E RIGHT-TO-LEFT OVERRIDE at character 3" \
	"$T/staff.out"

# ---- CSV ----

# A case whose unit and agent names are formulas, then the day's CSV.
{ login; pick 7
  printf 'type =HYPERLINK("http://x","y")\nkey Enter\ntype 91310115MA1K3BTP2B\nkey Enter\n'
  printf 'type @SUM(1+1)\nkey Enter\ntype 110102199101010078\nkey Enter\ntype 138-0013-8000\n'
  printf 'key Enter Enter Enter Enter\ndump\n'; } > "$T/csv.keys"
run csv
equal "csv: the name is stored as typed" "$(sql csv "SELECT unit_name FROM cases")" '=HYPERLINK("http://x","y")'
echo 975310 | "$K" report daily --date 2026-11-21 --csv --db "$T/csv.d/demo.db" --by demosup \
	>"$T/day.csv" 2>"$T/day.err"
equal "report daily --csv succeeds" "$?" 0
truth "CSV: the unit name is text, quotes doubled" \
	grep -qF ",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",91310115MA1K3BTP2B,400.00,0.00," "$T/day.csv"
truth "CSV: the agent name is text" grep -qF ",interrupted,\"'@SUM(1+1)\",," "$T/day.csv"
unseen_in() { if grep -q -- "$2" "$3"; then echo "FAIL $1"; sed 's/^/    | /' "$3"; else echo "PASS $1"; fi; }
unseen_in "CSV: no cell starts with a formula" ',[=+@-]' "$T/day.csv"
# the day-close export is the same writer
# (its case is left open: the close lists it and asks for --with-open, issue 13)
echo 975310 | KIOSK_NOW=2026-11-21T18:00:00+08:00 "$K" day close --date 2026-11-21 \
	--db "$T/csv.d/demo.db" --by demosup --out "$T/closes" --key "$T/kiosk-key.pem" >"$T/out" 2>&1
equal "day close over an open case: asked again, refused" "$?" 1
echo 975310 | KIOSK_NOW=2026-11-21T18:00:00+08:00 "$K" day close --date 2026-11-21 --with-open \
	--db "$T/csv.d/demo.db" --by demosup --out "$T/closes" --key "$T/kiosk-key.pem" >"$T/out" 2>&1
equal "day close succeeds" "$?" 0
truth "day-close CSV: the unit name is text" \
	grep -qF ",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"," "$T/closes/day-20261121.csv"
unseen_in "day-close CSV: no cell starts with a formula" ',[=+@-]' "$T/closes/day-20261121.csv"
