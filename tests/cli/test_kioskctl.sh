#!/bin/sh
# kioskctl as an operator uses it: every command, its exit status and its
# message for good and bad input, against real files.
. tests/cli/lib.sh
K=$KIOSKCTL
DB="$T/kiosk.db"

expect "help lists the commands" 0 "audit verify" $K help
expect "no command is a usage error" 2 "" $K
expect "unknown command" 2 "unknown command 'frobnicate'" $K frobnicate
expect "unknown option" 2 "unknown option --bogus" $K fee --bogus 1

# validate: the values in domain.md, and reasons in words
expect "uscc valid (domain.md)" 0 "valid: 91110000600037341L" $K validate uscc 91110000600037341L
expect "uscc valid lower case" 0 "valid: 91310115MA1K3BTP2B" $K validate uscc 91310115ma1k3btp2b
expect "uscc wrong check names the expected char" 1 "18.*L" $K validate uscc 91110000600037341N
expect "uscc wrong check in English" 1 "position 18" $K validate uscc 91110000600037341N --lang en
expect "uscc too short" 1 "17" $K validate uscc 91110000600037341
expect "uscc bad letter" 1 "I" $K validate uscc 9111000060003734IL
expect "id valid" 0 "valid: 110102199101010078" $K validate id 110102199101010078
expect "id valid with X" 0 "valid: 44011320141005001X" $K validate id 44011320141005001x
expect "id wrong check" 1 "invalid" $K validate id 110102199101010079
expect "id impossible date" 1 "invalid" $K validate id 110102199102300078
expect "orgcode valid" 0 "valid" $K validate orgcode 600037341
expect "orgcode wrong check" 1 "invalid" $K validate orgcode 600037342
expect "mobile normalised" 0 "valid: 13800138000" $K validate mobile "+86 138-0013-8000"
expect "mobile bad prefix" 1 "invalid" $K validate mobile 12800138000
expect "validate unknown kind" 2 "uscc, id, orgcode, mobile" $K validate passport X
expect "validate bad language" 2 "zh_CN or en" $K validate uscc 91110000600037341L --lang fr

# fee: every example in domain.md
expect "fee unit 1y 1 seal = 400" 0 "total 400.00 yuan \(40000 fen\)" $K fee --holder unit --years 1 --seals 1
expect "fee unit 2y 1 seal = 600" 0 "total 600.00 yuan" $K fee --holder unit --years 2 --seals 1
expect "fee expert 2y 1 seal = 200" 0 "total 200.00 yuan" $K fee --holder expert --years 2 --seals 1
expect "fee reissue = 50" 0 "total 50.00 yuan" $K fee --reissue
expect "fee 3 years refused" 1 "1 to 2 years" $K fee --holder unit --years 3 --seals 1
expect "fee unknown holder lists the right ones" 1 "unit" $K fee --holder boss --years 1
expect "fee non-numeric years" 1 "not a whole number" $K fee --holder unit --years one

# config check: shipped config, then broken copies naming file:line
expect "config check shipped" 0 "config OK" $K config check
cp -r kiosk-config "$T/cfg1"
line=$(grep -n '^annual_fen' "$T/cfg1/fees.ini" | head -n 1 | cut -d: -f1)
sed -i "${line}s/=.*/= -5/" "$T/cfg1/fees.ini"
expect "config negative fee names fees.ini:$line" 1 "fees.ini:$line" $K config check --config "$T/cfg1"
cp -r kiosk-config "$T/cfg2"
line=$(grep -n '^annual_fen' "$T/cfg2/fees.ini" | head -n 1 | cut -d: -f1)
sed -i "${line}s/=.*/= 100.5/" "$T/cfg2/fees.ini"
expect "config non-integer fee names the line" 1 "fees.ini:$line" $K config check --config "$T/cfg2"
cp -r kiosk-config "$T/cfg3"
line=$(grep -n '^materials' "$T/cfg3/services.ini" | head -n 1 | cut -d: -f1)
sed -i "${line}s/=.*/= app_form, no_such_material/" "$T/cfg3/services.ini"
expect "config unknown material names the line" 1 "services.ini:$line.*no_such_material" $K config check --config "$T/cfg3"
cp -r kiosk-config "$T/cfg4"
printf 'this line is not ini\n' >> "$T/cfg4/materials.ini"
line=$(wc -l < "$T/cfg4/materials.ini")
expect "config malformed line" 1 "materials.ini:$line" $K config check --config "$T/cfg4"
expect "config missing directory" 1 "kiosk.ini" $K config check --config "$T/nowhere"

# staff add: the first supervisor of an empty database without --by, every
# other member with a supervisor's (its PIN, then the new one, on stdin); bad
# PINs write nothing (tests/cli/test_staff.sh has the rest)
expect "staff add: the first member must be a supervisor" 2 "first member must be a supervisor" sh -c "echo 246810 | $K staff add --id c001 --name 张三 --role clerk --db $DB"
expect "staff add supervisor" 0 "added as the first supervisor" sh -c "echo 135790 | $K staff add --id s001 --name 李四 --role supervisor --db $DB"
expect "staff add" 0 "added" sh -c "printf '135790\n246810\n' | $K staff add --id c001 --name 张三 --role clerk --db $DB --by s001"
expect "staff duplicate id" 2 "c001" sh -c "printf '135790\n246810\n' | $K staff add --id c001 --name 王五 --role clerk --db $DB --by s001"
expect "staff bad role" 1 "clerk, supervisor or trainer" sh -c "echo 246810 | $K staff add --id c002 --name x --role boss --db $DB"
expect "staff initial PIN refused" 1 "not accepted" sh -c "printf '135790\n12345678\n' | $K staff add --id c003 --name x --role clerk --db $DB --by s001"
expect "staff short PIN refused" 1 "not accepted" sh -c "printf '135790\n123\n' | $K staff add --id c004 --name x --role clerk --db $DB --by s001"
expect "staff run of digits refused" 1 "not accepted \(pin.sequence\)" sh -c "printf '135790\n654321\n' | $K staff add --id c004 --name x --role clerk --db $DB --by s001"
expect "staff no PIN" 2 "no PIN" sh -c "$K staff add --id c005 --name x --role clerk --db $DB --by s001 < /dev/null"
expect "staff no new PIN" 2 "no new PIN" sh -c "echo 135790 | $K staff add --id c005 --name x --role clerk --db $DB --by s001"
truth "PIN never stored in the clear" sh -c "! grep -a -q 246810 $DB"

# audit verify, then tampering
expect "audit verify intact" 0 "^OK [0-9]+ rows, head [0-9a-f]{64}" $K audit verify --db "$DB"
head=$($K audit verify --db "$DB" | sed -n 's/.*head //p')
expect "audit verify against the head" 0 "^OK" $K audit verify --db "$DB" --head "$head"
expect "audit verify bad --head" 1 "64 hex" $K audit verify --db "$DB" --head xyz
# tamper NAME SQL: a copy of the database with every trigger dropped (as a
# tamperer would) and SQL applied.
tamper() {
	cp "$DB" "$T/$1.db"
	for t in $(sqlite3 "$T/$1.db" "SELECT name FROM sqlite_master WHERE type='trigger'"); do
		sqlite3 "$T/$1.db" "DROP TRIGGER \"$t\""
	done
	sqlite3 "$T/$1.db" "$2"
}
rows=$(sqlite3 "$DB" "SELECT count(*) FROM audit")
tamper modified "UPDATE audit SET actor='mallory' WHERE seq=2;"
expect "audit verify catches a modified row" 1 "TAMPERED at row 2" $K audit verify --db "$T/modified.db"
tamper deleted "DELETE FROM audit WHERE seq=3;"
expect "audit verify catches a deleted row" 1 "TAMPERED at row [34]" $K audit verify --db "$T/deleted.db"
tamper reordered "UPDATE audit SET seq=1000 WHERE seq=2; UPDATE audit SET seq=2 WHERE seq=3; UPDATE audit SET seq=3 WHERE seq=1000;"
expect "audit verify catches reordered rows" 1 "TAMPERED at row [23]" $K audit verify --db "$T/reordered.db"
tamper truncated "DELETE FROM audit WHERE seq=$rows;"
expect "audit verify catches a truncated tail" 1 "TAMPERED" $K audit verify --db "$T/truncated.db"
tamper cut "DELETE FROM audit WHERE seq=$rows; UPDATE audit_head SET seq=seq-1, hash=(SELECT hash FROM audit WHERE seq=$rows-1);"
expect "a tail cut with its head rewritten is caught by --head" 1 "not the expected" $K audit verify --db "$T/cut.db" --head "$head"
cp "$DB" "$T/updated.db"
refuses "audit triggers refuse UPDATE" "append-only" sqlite3 "$T/updated.db" "UPDATE audit SET actor='x' WHERE seq=1;"
refuses "audit triggers refuse DELETE" "append-only" sqlite3 "$T/updated.db" "DELETE FROM audit WHERE seq=1;"
expect "audit verify after refused edits" 0 "^OK" $K audit verify --db "$T/updated.db"

# databases that must be refused without a write
printf 'this is not a database, just text long enough to be a header...%0200d' 0 > "$T/notdb"
cp "$T/notdb" "$T/notdb.orig"
expect "not SQLite refused" 2 "notdb" $K audit verify --db "$T/notdb"
same "not SQLite left unchanged" "$T/notdb" "$T/notdb.orig"
sqlite3 "$T/newer.db" "CREATE TABLE x(a); PRAGMA user_version = 99;"
cp "$T/newer.db" "$T/newer.orig"
expect "newer schema refused with its version" 2 "99" $K audit verify --db "$T/newer.db"
same "newer schema left unchanged" "$T/newer.db" "$T/newer.orig"
expect "missing database refused" 2 "missing.db" $K audit verify --db "$T/missing.db"
truth "missing database not created" test ! -e "$T/missing.db"

# report daily
expect "report daily" 0 "Daily report 2026-11-21" sh -c "echo 135790 | $K report daily --date 2026-11-21 --db $DB --by s001"
expect "report daily csv header" 0 "^case_no,service,clerk,status" sh -c "echo 135790 | $K report daily --date 2026-11-21 --csv --db $DB --by s001"
expect "report daily is a supervisor's" 1 "c001 is a clerk" sh -c "echo 246810 | $K report daily --date 2026-11-21 --db $DB --by c001"
expect "report impossible date" 1 "not a real date" $K report daily --date 2026-02-30 --db "$DB"
expect "report without date" 2 "needs --date" $K report daily --db "$DB"

# db backup
expect "db backup" 0 "backup written" $K db backup "$T/backup.db" --db "$DB"
expect "backup verifies" 0 "^OK" $K audit verify --db "$T/backup.db"
expect "backup refuses to overwrite" 2 "backup.db" $K db backup "$T/backup.db" --db "$DB"
