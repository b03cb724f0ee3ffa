#!/bin/sh
# Typing in the fields (script mode, demo kiosk): full-width digits and
# letters and no-break spaces folded to their narrow form, the clerk told so;
# Shift-Tab goes back a field and Ctrl-U clears one; dates typed as
# 2027-09-17, 2027/9/17 or 20270917; the unit name's limit is forms.ini's,
# in characters; the fee shown as soon as the form opens.
. tests/cli/screens.sh

# ---- full-width and no-break spaces ----
# The USCC typed full-width, the mobile with no-break spaces between groups.
{ login; pick 7; printf 'type 成都测试科技有限公司\nkey Enter\ntype ９１３１０１１５ＭＡ１Ｋ３ＢＴＰ２Ｂ\ndump\nkey Enter\n'
  printf 'type 张三\nkey Enter\ntype 110102199101010078\nkey Enter\ntype 138\302\2400013\302\2408000\ndump\nkey Enter Enter Enter Enter\n'; } >"$T/fold.keys"
run fold
seen fold "full-width: the USCC in its narrow form" "统一社会信用代码 +91310115MA1K3BTP2B"
seen fold "full-width: the clerk told" "已将全角字符转为半角"
unseen fold "full-width: no reason against the USCC" "统一社会信用代码第"
equal "full-width: the case's USCC and mobile as typed narrow" \
	"$(sql fold "SELECT uscc || ' ' || agent_mobile FROM cases")" "91310115MA1K3BTP2B 13800138000"

# ---- Shift-Tab back a field, Ctrl-U clears it ----
{ login; pick 7; printf 'type 错误的单位名称\nkey Enter\ntype 91310115MA1K3BTP2B\nkey BTab\nkey C-u\ntype 成都测试科技有限公司\ndump\n'; } >"$T/back.keys"
run back
seen back "Shift-Tab: back on the unit name, Ctrl-U cleared it, the new name typed" "单位名称 +成都测试科技有限公司( |$)"
unseen back "Ctrl-U: the old name gone" "错误的单位名称"
seen back "Shift-Tab: the USCC left as typed" "统一社会信用代码 +91310115MA1K3BTP2B( |$)"
{ login; pick 7; printf 'key F1\ndump\n'; } >"$T/backhelp.keys"
run backhelp
seen backhelp "F1 help lists Shift-Tab" "S-Tab +上一栏"

# ---- dates as the clerk types them ----
# 政采 reissue: the old certificate's expiry typed from the records.
i=0
for d in 2027/9/17 20270917 2027-09-17; do
	i=$((i + 1)) n=date$i
	{ login; pick 10; party 成都锦城示例科技有限公司 91510100MA61XY3K4K
	  printf 'key Enter\ntype %s\nkey Enter\ndump\nkey Enter Enter\n' "$d"; } >"$T/$n.keys"
	run "$n"
	unseen "$n" "date $d: accepted" "请填写真实日期"
	equal "date $d: the details step recorded" "$(sql "$n" "SELECT last_step FROM cases")" "details"
done
{ login; pick 10; party 成都锦城示例科技有限公司 91510100MA61XY3K4K
  printf 'key Enter\ntype 2027/2/30\nkey Enter\ndump\n'; } >"$T/baddate.keys"
run baddate
seen baddate "date 2027/2/30: refused with the forms it takes" "请填写真实日期，如 2027-03-01、2027/3/1 或 20270301"

# ---- the unit name's limit: forms.ini's max_chars, in characters ----
# 61 Chinese characters (183 bytes) into a field of max_chars = 60.
long=$(printf '单%.0s' $(seq 1 61))
{ login; pick 7; printf 'type %s\ndump\nkey Enter\ntype 91310115MA1K3BTP2B\nkey Enter\n' "$long"
  printf 'type 张三\nkey Enter\ntype 110102199101010078\nkey Enter\ntype 138-0013-8000\nkey Enter Enter Enter Enter\n'; } >"$T/long.keys"
run long
seen long "unit name: the 61st character refused, said with the limit" "单位名称最多60个字，已满"
unseen long "unit name: 60 characters are not too long (no byte limit)" "单位名称最多[0-9]+个字，现为"
equal "unit name: 60 characters recorded" "$(sql long "SELECT length(unit_name) FROM cases")" 60
# A smaller limit in forms.ini is the field's limit.
cp -R kiosk-config "$T/cfg_short"
sed -i 's/^max_chars = 60$/max_chars = 8/' "$T/cfg_short/forms.ini"
{ login; pick 7; printf 'type 成都测试科技有限公司\ndump\n'; } >"$T/short.keys"
rm -rf "$T/short.d"
KIOSK_SCRIPT="$T/short.keys" timeout 20 "$KIOSK" --demo --config "$T/cfg_short" --data-dir "$T/short.d" >"$T/short.out" 2>"$T/short.err"
seen short "unit name: forms.ini's 8 characters" "单位名称 +成都测试科技有限( |$)"
seen short "unit name: the clerk told the field is full" "单位名称最多8个字"

# ---- the fee as soon as the form opens ----
{ login; pick 7; printf 'dump\n'; } >"$T/fee.keys"
run fee
seen fee "fee: shown when the form opens (政采 new, unit, 1 year, 1 seal)" "应收费用：400.00 元"
