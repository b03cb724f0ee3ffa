#!/bin/sh
# Every kioskctl command walked the same way: a required option or word left
# out is a usage error (2) and the message names what is missing; an invalid
# value is a finding (1); the usage text of each command names its required
# options. Also --data-dir as the kiosk takes it, and kiosk --help.
. tests/cli/lib.sh
K=$KIOSKCTL
D="$T/data"
SUP=135790 CLERK=246810
# a data directory with a supervisor and a clerk, made through --data-dir
expect "--data-dir: the first supervisor into DIR/kiosk.db" 0 "added" sh -c "echo $SUP | $K staff add --id s001 --name 李四 --role supervisor --data-dir $D"
truth "--data-dir: the database is DIR/kiosk.db" test -s "$D/kiosk.db"
expect "--data-dir: a clerk added" 0 "added" sh -c "printf '$SUP\n$CLERK\n' | $K staff add --id c001 --name 张三 --role clerk --by s001 --data-dir $D"
sup() { sh -c "echo $SUP | $K $* --data-dir $D"; }

# missing NAME PATTERN ARGS...: exit 2, the message names what is missing.
missing() { n=$1 p=$2; shift 2; expect "missing: $n" 2 "$p" "$@"; }
# invalid NAME PATTERN ARGS...: exit 1, the message says what is wrong.
invalid() { n=$1 p=$2; shift 2; expect "invalid: $n" 1 "$p" "$@"; }

# ---- config check ----
cp -R kiosk-config "$T/cfg"
sed -i 's/^window = .*/window = 5000/' "$T/cfg/kiosk.ini"
invalid "config check: a window out of range" "kiosk.ini:[0-9]+" $K config check --config "$T/cfg"
missing "config check: the word check" "config check" $K config
# ---- validate ----
missing "validate: the value" "validate uscc\|id\|orgcode\|mobile VALUE" $K validate uscc
invalid "validate: a wrong USCC" "invalid" $K validate uscc 91110000600037341N
missing "validate: --lang (a usage error, as for every command)" "--lang 'fr'" $K validate uscc 91110000600037341L --lang fr
# ---- fee ----
missing "fee: --years" "--holder and --years" $K fee --holder unit
invalid "fee: --years not a number" "--years 'one'" $K fee --holder unit --years one
invalid "fee: --holder unknown" "--holder boss" $K fee --holder boss --years 1
invalid "fee: --platform unknown" "--platform 'xx'" $K fee --holder unit --years 1 --platform xx
invalid "fee: 3 years" "1 to 2 years" $K fee --holder unit --years 3 --seals 1
# ---- staff ----
missing "staff add: --role" "--id, --name and --role" $K staff add --id c002 --name x --data-dir "$D"
invalid "staff add: --role boss" "--role 'boss'" $K staff add --id c002 --name x --role boss --data-dir "$D"
invalid "staff add: a bad id" "staff id" $K staff add --id 'a b' --name x --role clerk --data-dir "$D"
invalid "staff add: a weak PIN" "not accepted" sh -c "printf '$SUP\n123456\n' | $K staff add --id c002 --name x --role clerk --by s001 --data-dir $D"
missing "staff list: --by" "--by SUPERVISOR_ID" $K staff list --data-dir "$D"
invalid "staff list: --by a clerk" "is a clerk" sh -c "echo $CLERK | $K staff list --by c001 --data-dir $D"
for s in unlock reset-pin disable; do
	missing "staff $s: --by" "--by SUPERVISOR_ID" $K staff $s c001 --data-dir "$D"
	missing "staff $s: the staff id" "staff unlock\|reset-pin\|disable STAFF_ID --by" $K staff $s --by s001 --data-dir "$D"
done
invalid "staff unlock: no such member" "nobody" sup staff unlock nobody --by s001
missing "staff role: --by" "--by SUPERVISOR_ID" $K staff role c001 supervisor --data-dir "$D"
invalid "staff role: an unknown role" "role 'boss'" $K staff role c001 boss --by s001 --data-dir "$D"
# ---- audit ----
invalid "audit verify: --head" "--head 'xyz'" $K audit verify --head xyz --data-dir "$D"
invalid "audit verify: --seal-key" "not a verification key" $K audit verify --seal-key abc --data-dir "$D"
missing "audit verify: --key without --anchors" "go with --anchors" $K audit verify --key x --data-dir "$D"
missing "audit seal-init: --by" "seal-init needs --by" $K audit seal-init --data-dir "$D"
invalid "audit seal-init: --by nobody" "no active staff member 'nobody'" sup audit seal-init --by nobody
missing "audit: the subcommand" "audit verify" $K audit
# ---- report ----
missing "report daily: --date" "needs --date" $K report daily --by s001 --data-dir "$D"
missing "report daily: --by" "--by SUPERVISOR_ID" $K report daily --date 2026-11-21 --data-dir "$D"
invalid "report daily: --date" "not a real date" sup report daily --date 2026-02-30 --by s001
invalid "report daily: --service" "not a service" sup report daily --date 2026-11-21 --service zc.nope --by s001
missing "report range: --to" "needs --to" $K report range --from 2026-11-01 --by s001 --data-dir "$D"
missing "report range: --by" "--by SUPERVISOR_ID" $K report range --from 2026-11-01 --to 2026-11-21 --data-dir "$D"
invalid "report range: reversed" "comes before" sup report range --from 2026-11-21 --to 2026-11-01 --by s001
missing "report case: the case number" "report case CASE_NO --by SUPERVISOR_ID" $K report case --by s001 --data-dir "$D"
missing "report case: --by" "--by SUPERVISOR_ID" $K report case SCCA-CD-01-20261121-0001 --data-dir "$D"
invalid "report case: a number too long" "not a case number" sup report case SCCA-CD-01-20261121-000000000000000000001 --by s001
# ---- day ----
for s in close show export; do
	missing "day $s: --date" "--date YYYY-MM-DD" $K day $s --by s001 --data-dir "$D"
	missing "day $s: --by" "--by SUPERVISOR_ID" $K day $s --date 2026-11-21 --data-dir "$D"
	invalid "day $s: --date" "not a real date" $K day $s --date 2026-02-30 --by s001 --data-dir "$D"
done
# ---- db, token ----
missing "db backup: the file" "db backup FILE" $K db backup --data-dir "$D"
missing "token: the subcommand" "token list \| kioskctl token info" $K token

# ---- the usage text names every required option ----
$K help >"$T/help" 2>&1
for u in "config check" "validate uscc|id|orgcode|mobile VALUE" "fee --holder unit|expert --years N" \
	"staff add --id ID --name NAME --role clerk|supervisor|trainer --by ID" "staff list --by ID" \
	"staff unlock|reset-pin|disable STAFF_ID --by ID" "staff role STAFF_ID ROLE --by ID" \
	"audit seal-init --by ID" "report daily --date YYYY-MM-DD --by ID" \
	"report range --from YYYY-MM-DD --to YYYY-MM-DD --by ID" "report case CASE_NO --by ID" \
	"day close --date YYYY-MM-DD --by ID" "day show|export --date D --by ID" "db backup FILE"; do
	truth "help: $u" grep -qF -- "$u" "$T/help"
done
expect "report: each usage names --by" 2 "report daily --date YYYY-MM-DD --by SUPERVISOR_ID.*" $K report
expect "report: range's usage names --by" 2 "report range --from YYYY-MM-DD --to YYYY-MM-DD --by SUPERVISOR_ID" $K report
expect "report: case's usage names --by" 2 "report case CASE_NO --by SUPERVISOR_ID" $K report
expect "day: show's usage names --by" 2 "day show --date YYYY-MM-DD --by SUPERVISOR_ID" $K day
expect "day: export's usage names --by" 2 "day export --date YYYY-MM-DD --by SUPERVISOR_ID" $K day

# ---- --data-dir like the kiosk's ----
expect "--data-dir: report daily reads DIR/kiosk.db" 0 "kiosk SCCA-CD-01: 0 cases" sup report daily --date 2026-11-21 --by s001
expect "--data-dir: staff list" 0 "c001 +clerk" sup staff list --by s001
expect "--data-dir: the day closed, its files under DIR/closes" 0 "day-20261121.csv" sup day close --date 2026-11-21 --by s001
truth "--data-dir: the kiosk key made in DIR" test -s "$D/kiosk-key.pem"
truth "--data-dir: the day's CSV in DIR/closes" test -s "$D/closes/day-20261121.csv"
expect "--data-dir: audit verify with the anchors and DIR's key" 0 "anchors OK: 1 closed" $K audit verify --anchors --data-dir "$D"
# a trainer's directory (the kiosk --demo --data-dir DIR writes DIR/demo.db)
printf 'type demo01\nkey Enter\ntype 246810\nkey Enter\nkey F2\nkey Enter\n' >"$T/demo.keys"
KIOSK_NOW=2026-11-21T10:00:00+08:00 KIOSK_SCRIPT="$T/demo.keys" timeout 20 "$PWD/$BUILD/test/kiosk" --demo --data-dir "$T/demo.d" >/dev/null 2>&1
expect "--data-dir: a demo kiosk's directory (DIR/demo.db)" 0 "^OK" $K audit verify --data-dir "$T/demo.d"
missing "--data-dir: needs a value" "--data-dir needs a value" $K audit verify --data-dir

# ---- kiosk --help ----
expect "kiosk --help exits 0 with the usage" 0 "usage: kiosk .*--data-dir DIR" "$PWD/$BUILD/test/kiosk" --help
expect "kiosk with a wrong option exits 2" 2 "usage: kiosk" "$PWD/$BUILD/test/kiosk" --bogus
