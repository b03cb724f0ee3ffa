#!/bin/sh
# kioskctl speaks the configured language (issue 13 point 17): with
# KIOSKCTL_LANG unset and the shipped kiosk.ini (zh_CN), every command family
# answers in Chinese with the same exit codes as in English; --lang and
# KIOSKCTL_LANG choose, in that order, before kiosk.ini's language; an unknown
# language is a usage error; when the configuration cannot be loaded the
# environment error is said in the built-in English. CSV is the same in every
# language. And every ctl.* key the sources name is in both strings files.
. tests/cli/lib.sh
unset KIOSKCTL_LANG
K=$KIOSKCTL
export KIOSK_NOW=2026-11-21T10:00:00+08:00
D="$T/data"
SUP=135790
ZH=kiosk-config/strings/zh_CN.ini EN=kiosk-config/strings/en.ini

# ---- every key the sources name is in both files ----
keys() {
	grep -oh '"ctl\.[a-z0-9_.-]*[a-z0-9_-]"' ctl/*.c | tr -d '"'
	# the keys made at run time: each command's help, each role, each staff act
	sed -n 's/^[[:space:]]*X("\([a-z-]*\)",.*/ctl.help.\1/p' ctl/kioskctl.c
	for r in clerk supervisor trainer; do echo "ctl.role.$r"; done
	for s in list unlock reset-pin disable role; do echo "ctl.act.staff.$s"; done
}
missing=""
for k in $(keys | sort -u); do
	for f in "$ZH" "$EN"; do
		grep -q "^$k = " "$f" || missing="$missing $k($(basename "$f"))"
	done
done
if [ -z "$missing" ] && [ "$(keys | sort -u | wc -l)" -gt 300 ]; then
	echo "PASS every ctl.* key of ctl/*.c is in zh_CN.ini and en.ini ($(keys | sort -u | wc -l) keys)"
else
	echo "FAIL ctl.* keys missing:$missing"
fi
# the built-in English (ctl/say.c) is en.ini's own text
bad=""
for k in $(sed -n 's/^[[:space:]]*{ "\(ctl\.[a-z_.]*\)", ".*" },$/\1/p' ctl/say.c); do
	text=$(sed -n "s/^[[:space:]]*{ \"$k\", \"\(.*\)\" },\$/\1/p" ctl/say.c)
	grep -qxF "$k = $text" "$EN" || bad="$bad $k"
done
if [ -z "$bad" ] && grep -q '{ "ctl.usage_hint"' ctl/say.c; then
	echo "PASS the built-in English is en.ini's"
else
	echo "FAIL built-in texts differ from en.ini:$bad"
fi
# no words of a person's language in a printf format of ctl/: they are keys
# (left: the program's name, the CSV header, the ATR token, the usage syntax,
# and hall day's records, a protocol the kiosk reads: cmd_hall_day.c)
words=$(grep -n 'printf(' ctl/*.c | grep -v snprintf | grep -v '^ctl/cmd_hall_day\.c:' |
	sed -n 's/.*printf([^"]*"\([^"]*\)".*/\1/p' |
	sed 's/%[-0-9.*]*[lz]*[sdcux]//g; s/\\n//g; s/kioskctl//g; s/ATR//g' |
	grep -v '^hall,window,clerk' | grep '[A-Za-z]')
if [ -z "$words" ]; then echo "PASS no English in ctl/'s printf formats"; else echo "FAIL English in a printf format: $words"; fi

# ---- Chinese by default (kiosk.ini language = zh_CN) ----
expect "zh: a usage error" 2 "用法：kioskctl staff add" $K staff
expect "zh: the help hint" 2 "运行 kioskctl help 查看全部命令" $K staff
expect "zh: an unknown command" 2 "没有“frobnicate”这个命令" $K frobnicate
expect "zh: an unknown option" 2 "该命令没有 --bogus 选项" $K fee --bogus 1
expect "zh: a value error" 1 "--years “one”不是整数" $K fee --holder unit --years one
expect "zh: fee" 0 "合计 400.00 元（40000 分）" $K fee --holder unit --years 1 --seals 1
expect "zh: validate" 1 "无效：.*第18位" $K validate uscc 91110000600037341N
expect "zh: help" 0 "退出码：0 成功" $K help
expect "zh: the first supervisor" 0 "已添加工作人员 s001（李四，值班主管），为本数据库的第一位值班主管" \
	sh -c "echo $SUP | $K staff add --id s001 --name 李四 --role supervisor --data-dir $D"
expect "zh: staff list" 0 "工号 +角色 +状态 +姓名" sh -c "echo $SUP | $K staff list --by s001 --data-dir $D"
expect "zh: staff list: the role and state in words" 0 "s001 +值班主管 +在用" sh -c "echo $SUP | $K staff list --by s001 --data-dir $D"
expect "zh: a wrong PIN" 1 "工号 s001 的 PIN 不正确" sh -c "echo 000000 | $K staff list --by s001 --data-dir $D"
expect "zh: no --by" 2 "须由值班主管办理" $K staff list --data-dir "$D"
expect "zh: report daily" 0 "2026-11-21 当日业务（窗口 .*）：共 0 笔" \
	sh -c "echo $SUP | $K report daily --date 2026-11-21 --by s001 --data-dir $D"
expect "zh: report daily: 容缺 and 不予受理" 0 "不予受理：0 笔" \
	sh -c "echo $SUP | $K report daily --date 2026-11-21 --by s001 --data-dir $D"
expect "zh: report daily: the states in words" 0 "^状态： 办理中 0 已受理 0 容缺受理 0 不予受理 0 已办结 0 已撤销 0$" \
	sh -c "echo $SUP | $K report daily --date 2026-11-21 --by s001 --data-dir $D"
truth "zh: report daily: no English state words" \
	sh -c "echo $SUP | $K report daily --date 2026-11-21 --by s001 --data-dir $D >'$T/zhdaily' && ! grep -Eq 'open|accepted|rongque|completed|cancelled|interrupted' '$T/zhdaily'"
expect "zh: report daily: a bad date" 1 "--date “2026-13-01”不是 YYYY-MM-DD 格式的真实日期" \
	sh -c "echo $SUP | $K report daily --date 2026-13-01 --by s001 --data-dir $D"
expect "zh: report range: the heading" 0 "日期 +业务" \
	sh -c "echo $SUP | $K report range --from 2026-11-20 --to 2026-11-21 --by s001 --data-dir $D"
expect "zh: day show: not closed" 1 "2026-11-21 尚未日结" \
	sh -c "echo $SUP | $K day show --date 2026-11-21 --by s001 --data-dir $D"
expect "zh: day close" 0 "已由 s001 于 .* 日结" \
	sh -c "echo $SUP | $K day close --date 2026-11-21 --by s001 --data-dir $D"
expect "zh: audit verify" 0 "^OK 审计链完好：共 [0-9]+ 行，链头 [0-9a-f]{64}" $K audit verify --data-dir "$D"
expect "zh: audit verify --anchors" 0 "日结锚点完好：已日结 1 天" $K audit verify --anchors --data-dir "$D"
expect "zh: audit verify: a bad --head" 1 "--head “xyz”不是 64 位十六进制数" $K audit verify --head xyz --data-dir "$D"
expect "zh: pay diffs" 0 "2026-11-21 尚未与微信支付对账单对账" \
	sh -c "echo $SUP | $K pay diffs --date 2026-11-21 --by s001 --data-dir $D"
expect "zh: pay resolve: no --note" 2 "处理差异须写 --note 说明" $K pay resolve --id 1 --by s001 --data-dir "$D"
expect "zh: rating list" 0 "2026-11-21 客户评价 0 条" \
	sh -c "echo $SUP | $K rating list --date 2026-11-21 --by s001 --data-dir $D"
expect "zh: rating list: 差评" 0 "须回访的差评：0 条" \
	sh -c "echo $SUP | $K rating list --date 2026-11-21 --by s001 --data-dir $D"
expect "zh: hall usage" 2 "用法：kioskctl hall init\|kiosk-add" $K hall
expect "zh: hall report without --by" 2 "查看大厅汇总须由值班主管办理" $K hall report --date 2026-11-21 --central "dbname=x"
expect "zh: audit seal: not set up" 2 "尚未设置封存" $K audit seal --data-dir "$D"

# ---- choosing the language ----
expect "--lang en overrides kiosk.ini" 2 "usage: kioskctl staff add" $K --lang en staff
expect "--lang en: a value error" 1 "--years 'one' is not a whole number" $K fee --holder unit --years one --lang en
expect "KIOSKCTL_LANG=en" 0 "OK [0-9]+ rows, head" env KIOSKCTL_LANG=en $K audit verify --data-dir "$D"
expect "--lang zh_CN overrides KIOSKCTL_LANG" 0 "审计链完好" env KIOSKCTL_LANG=en $K audit verify --lang zh_CN --data-dir "$D"
expect "an unknown --lang is a usage error" 2 "--lang “fr”不是可用的语言" $K help --lang fr
expect "an unknown KIOSKCTL_LANG is a usage error" 2 "KIOSKCTL_LANG 的值“fr”不是可用的语言" env KIOSKCTL_LANG=fr $K help
expect "--lang fr with KIOSKCTL_LANG=en: said in English" 2 "--lang 'fr' is not a language: use zh_CN or en" \
	env KIOSKCTL_LANG=en $K help --lang fr
cp -R kiosk-config "$T/cfg_en"
sed -i 's/^language = .*/language = en/' "$T/cfg_en/kiosk.ini"
expect "kiosk.ini language = en" 1 "--years 'one' is not a whole number" $K fee --holder unit --years one --config "$T/cfg_en"
expect "--lang zh_CN over kiosk.ini's en" 1 "不是整数" $K fee --holder unit --years one --config "$T/cfg_en" --lang zh_CN

# ---- the configuration cannot be loaded: the built-in English ----
expect "no config: the environment error, exit 2" 2 "/nowhere/kiosk.ini: cannot open" $K staff list --by s001 --config /nowhere
expect "no config: config check reports it (exit 1)" 1 "config check: /nowhere/kiosk.ini" $K config check --config /nowhere
cp -R kiosk-config "$T/cfg_nostr"
rm "$T/cfg_nostr/strings/zh_CN.ini"
expect "no strings file: said in English, exit 2" 2 "strings/zh_CN.ini" $K help --config "$T/cfg_nostr"
expect "no strings file: config check names it" 1 "config check: .*zh_CN.ini" $K config check --config "$T/cfg_nostr"
expect "no config, unknown --lang: usage error in English" 2 "--lang 'xx' is not a language" $K help --config /nowhere --lang xx

# ---- machine-readable output is the same in every language ----
echo $SUP | $K report daily --date 2026-11-21 --by s001 --data-dir "$D" --csv >"$T/zh.csv" 2>/dev/null
echo $SUP | $K report daily --date 2026-11-21 --by s001 --data-dir "$D" --csv --lang en >"$T/en.csv" 2>/dev/null
truth "report daily --csv: a header" grep -q '^case_no,service,clerk,status' "$T/zh.csv"
same "report daily --csv: the same in zh_CN and en" "$T/zh.csv" "$T/en.csv"

# ---- config check: the placeholders agree between the languages ----
cp -R kiosk-config "$T/cfg_ph"
sed -i 's/^ctl.validate.valid = .*/ctl.validate.valid = 有效/' "$T/cfg_ph/strings/zh_CN.ini"
expect "config check: a placeholder missing in one language" 1 \
	"zh_CN.ini: 'ctl.validate.valid' lacks the placeholder \{value\}" $K config check --config "$T/cfg_ph"
cp -R kiosk-config "$T/cfg_ph2"
sed -i 's/^ctl.validate.valid = .*/ctl.validate.valid = valid: {value} {extra}/' "$T/cfg_ph2/strings/en.ini"
expect "config check: a placeholder only one language has" 1 \
	"zh_CN.ini: 'ctl.validate.valid' lacks the placeholder \{extra\}" $K config check --config "$T/cfg_ph2"
