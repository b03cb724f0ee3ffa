#!/bin/sh
# The supervisor's day close through kioskctl, on a temporary configuration
# and data directory: who may close, the files it writes and their modes, the
# signed anchor checked by openssl alone, then a truncated log, a deleted
# anchor row and a forged signature reported by audit verify --anchors (and
# the rows they leave unbound by audit verify alone), and a clerk promoted by
# one UPDATE reported and refused.
. tests/cli/lib.sh
K=$KIOSKCTL
cp -r kiosk-config "$T/cfg"
D="$T/data"
sed -i "s|^data_dir *=.*|data_dir = $D|" "$T/cfg/kiosk.ini"
export KIOSK_CONFIG="$T/cfg"
export KIOSK_NOW=2026-11-21T18:00:00+08:00
DB="$D/kiosk.db"
A="$D/closes/day-20261121.anchor"
mode() { stat -c %a "$1"; }

expect "supervisor added" 0 "added" sh -c "echo 135790 | $K staff add --id s001 --name 李四 --role supervisor"
expect "clerk added" 0 "added" sh -c "printf '135790\n246810\n' | $K staff add --id c001 --name 张三 --role clerk --by s001"
expect "help lists day close" 0 "day close --date" $K help
expect "anchors OK before any close" 0 "anchors OK: 0 closed days" $K audit verify --anchors

# usage and refusals: nothing is closed
expect "day without a subcommand" 2 "usage: kioskctl day close" $K day
expect "day close needs --by" 2 "needs --by" sh -c "echo 135790 | $K day close --date 2026-11-21"
expect "day close needs --date" 2 "--date YYYY-MM-DD" $K day close --by s001
expect "day close impossible date" 1 "not a real date" $K day close --date 2026-02-30 --by s001
expect "day close unknown option" 2 "unknown option --csv" $K day close --date 2026-11-21 --by s001 --csv
expect "day close without a PIN" 2 "no PIN" sh -c "$K day close --date 2026-11-21 --by s001 < /dev/null"
expect "wrong PIN refused" 1 "wrong PIN for s001" sh -c "echo 999999 | $K day close --date 2026-11-21 --by s001"
expect "a clerk cannot close the day" 1 "c001 is a clerk; closing a day is a supervisor.s" sh -c "echo 246810 | $K day close --date 2026-11-21 --by c001"
expect "unknown staff id" 1 "no active staff member 'x9'" sh -c "echo 135790 | $K day close --date 2026-11-21 --by x9"
expect "a day in the future refused" 2 "2026-11-22 is in the future" sh -c "echo 135790 | $K day close --date 2026-11-22 --by s001"
expect "not closed yet" 1 "2026-11-21 is not closed" sh -c "echo 135790 | $K day show --date 2026-11-21 --by s001"
truth "no export yet" test ! -e "$D/closes"

# the close
expect "day close" 0 "Day 2026-11-21, kiosk SCCA-CD-01: closed by s001" sh -c "echo 135790 | $K day close --date 2026-11-21 --by s001"
cp "$T/out" "$T/close.out"
truth "day close prints the counts" grep -q "^cases 0: open 0 accepted 0 rongque 0 refused 0 completed 0 cancelled 0$" "$T/close.out"
truth "day close prints the money" grep -q "^fees due 0.00 yuan, paid (verified) 0.00 yuan, refunded 0.00 yuan$" "$T/close.out"
truth "day close names both files" sh -c "grep -q 'wrote $D/closes/day-20261121.csv' '$T/close.out' && grep -q 'wrote $A' '$T/close.out'"
truth "key file is mode 600" test "$(mode "$D/kiosk-key.pem")" = 600
truth "closes directory is mode 700" test "$(mode "$D/closes")" = 700
truth "CSV is mode 600" test "$(mode "$D/closes/day-20261121.csv")" = 600
truth "anchor file is mode 600" test "$(mode "$A")" = 600
truth "CSV holds the report header" grep -q '^case_no,service,clerk,status' "$D/closes/day-20261121.csv"
truth "anchor file has three lines" test "$(wc -l < "$A")" = 3
truth "no temporary files left" sh -c "! ls -A '$D/closes' '$D' | grep -q '^\\.'"
expect "a second close refused" 2 "2026-11-21 is already closed \(by s001" sh -c "echo 135790 | $K day close --date 2026-11-21 --by s001"
expect "day show" 0 "anchor: audit row [0-9]+, head [0-9a-f]{64}" sh -c "echo 135790 | $K day show --date 2026-11-21 --by s001"
expect "day show of an open day" 1 "2026-11-20 is not closed" sh -c "echo 135790 | $K day show --date 2026-11-20 --by s001"

# the exported anchor checks out with openssl and the public key alone
head -n 1 "$A" | tr -d '\n' > "$T/msg"
perl -ne 'print pack("H*", $1) if /^signature=([0-9a-f]+)$/' "$A" > "$T/sig"
expect "openssl verifies the anchor with kiosk-key.pub.pem" 0 "Signature Verified Successfully" \
	openssl pkeyutl -verify -pubin -inkey "$D/kiosk-key.pub.pem" -rawin -in "$T/msg" -sigfile "$T/sig"
printf 'x' >> "$T/msg"
refuses "openssl refuses a changed message" "Failure" \
	openssl pkeyutl -verify -pubin -inkey "$D/kiosk-key.pub.pem" -rawin -in "$T/msg" -sigfile "$T/sig"
kid=$(openssl pkey -pubin -in "$D/kiosk-key.pub.pem" -outform DER | sha256sum | cut -d' ' -f1)
truth "key_id is the SHA-256 of the public key DER" grep -qx "key_id=$kid" "$A"

# verify against the anchors
expect "audit verify --anchors" 0 "anchors OK: 1 closed days, 0 anchor files, signed by kiosk key $kid" $K audit verify --anchors
expect "audit verify with the anchor file" 0 "anchors OK: 1 closed days, 1 anchor files" $K audit verify --anchors --anchor-file "$A"
expect "--anchor-file alone implies --anchors" 0 "1 anchor files" $K audit verify --anchor-file "$A"
expect "audit verify --pubkey" 0 "anchors OK" $K audit verify --anchors --pubkey "$D/kiosk-key.pub.pem"
expect "plain audit verify unchanged" 0 "^OK [0-9]+ rows, head [0-9a-f]{64}$" $K audit verify
expect "--key without --anchors" 2 "go with --anchors" $K audit verify --key "$D/kiosk-key.pem"
expect "no public key for the anchors" 2 "no kiosk public key" $K audit verify --anchors --pubkey "$T/none.pub.pem"
sed '2s/.$//' "$A" > "$T/bad.anchor"
expect "malformed anchor file names file and line" 2 "bad.anchor:2: the signature must be" $K audit verify --anchor-file "$T/bad.anchor"

# tampering, on copies with the triggers dropped as a tamperer would
last=$(sed -n 's/.*last_seq=\([0-9]*\) .*/\1/p' "$A")
prev=$((last - 1))
cp "$DB" "$T/trunc.db"
sqlite3 "$T/trunc.db" "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_head_only_advances;
 DELETE FROM audit WHERE seq >= $last;
 UPDATE audit_head SET seq = $prev, hash = (SELECT hash FROM audit WHERE seq = $prev);"
expect "a truncated log: the chain walk alone sees the anchor row it left unbound" 1 \
	"TAMPERED day_anchors day=[0-9]+: inserted without its record" $K audit verify --db "$T/trunc.db"
expect "a truncated log is caught by --anchors" 1 "ANCHOR 2026-11-21: log truncated: the anchor of 2026-11-21 names row $last, the log ends at row $prev" \
	$K audit verify --anchors --db "$T/trunc.db"
cp "$DB" "$T/cut.db"
sqlite3 "$T/cut.db" "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= $last;"
expect "a cut tail: chain and anchor both report" 1 "ANCHOR 2026-11-21: log truncated" $K audit verify --anchors --db "$T/cut.db"
cp "$DB" "$T/noanchor.db"
sqlite3 "$T/noanchor.db" "DROP TRIGGER day_anchors_no_delete; DELETE FROM day_anchors;"
# (the anchor row is bound by the row after its close row)
expect "a deleted anchor row is seen without the file (its binding)" 1 \
	"TAMPERED day_anchors day=[0-9]+: deleted; its last record is audit row $((last + 1))" \
	$K audit verify --anchors --db "$T/noanchor.db"
expect "a deleted anchor row is caught by the exported file" 1 "ANCHOR 2026-11-21 \(file .*day-20261121.anchor\): the anchor of 2026-11-21 is not in the database" \
	$K audit verify --anchors --db "$T/noanchor.db" --anchor-file "$A"
cp "$DB" "$T/forged.db"
sqlite3 "$T/forged.db" "DROP TRIGGER day_anchors_no_update; UPDATE day_anchors SET signature = zeroblob(64);"
expect "a forged signature is caught" 1 "ANCHOR 2026-11-21: the signature of the anchor of 2026-11-21 does not verify" \
	$K audit verify --anchors --db "$T/forged.db"

# a clerk promoted with one UPDATE: reported by column, and refused at the door
cp "$DB" "$T/promoted.db"
sqlite3 "$T/promoted.db" "UPDATE staff SET role = 'supervisor' WHERE id = 'c001'"
expect "a clerk promoted by UPDATE is reported" 1 "TAMPERED staff id=c001: changed \(column role\)" \
	$K audit verify --db "$T/promoted.db"
expect "the promoted clerk cannot close a day over it" 1 "table staff: staff id=c001: changed \(column role\).*a day cannot be closed" \
	sh -c "echo 246810 | $K day close --date 2026-11-20 --by c001 --db $T/promoted.db"

# the key: refused when others may read it, never silently replaced
chmod 644 "$D/kiosk-key.pem"
expect "a key readable by others is refused" 2 "chmod 600 $D/kiosk-key.pem" sh -c "echo 135790 | $K day close --date 2026-11-20 --by s001"
chmod 600 "$D/kiosk-key.pem"
mv "$D/kiosk-key.pem" "$T/kept-key.pem"
expect "a missing key is not replaced once days are closed" 2 "the kiosk key is missing, but 1 days were closed" sh -c "echo 135790 | $K day close --date 2026-11-20 --by s001"
truth "no new key was made" test ! -e "$D/kiosk-key.pem"
mv "$T/kept-key.pem" "$D/kiosk-key.pem"
openssl genpkey -algorithm ed25519 -out "$T/other-key.pem" 2>/dev/null
chmod 600 "$T/other-key.pem"
expect "another key cannot close over earlier anchors" 1 "not with this kiosk's key" sh -c "echo 135790 | $K day close --date 2026-11-20 --by s001 --key $T/other-key.pem"

# an earlier day, exported elsewhere; and a later export of a closed day
expect "close an earlier day into --out" 0 "wrote $T/out2/day-20261120.anchor" sh -c "echo 135790 | $K day close --date 2026-11-20 --by s001 --out $T/out2"
truth "--out directory made with mode 700" test "$(mode "$T/out2")" = 700
expect "both anchors verify" 0 "anchors OK: 2 closed days, 2 anchor files" $K audit verify --anchors --anchor-file "$A" --anchor-file "$T/out2/day-20261120.anchor"
expect "day export" 0 "wrote $T/again/day-20261121.anchor" sh -c "echo 135790 | $K day export --date 2026-11-21 --out $T/again --by s001"
same "the exported anchor is the one written at the close" "$A" "$T/again/day-20261121.anchor"
expect "day export of an open day" 1 "not closed" sh -c "echo 135790 | $K day export --date 2026-11-19 --out $T/again --by s001"
