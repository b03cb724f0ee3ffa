#!/bin/sh
# Forward-secure sealing through kioskctl on a temporary configuration and data
# directory: audit seal-init needs a supervisor, shows the verification key
# once (text and QR) and refuses a second time; the day close seals at once,
# the ended epochs are sealed; audit verify --seal-key passes with the right
# key (0), fails with a wrong one (1) and on a tampered, re-hashed and
# re-sealed log (1); a log never sealed says nothing of seals.
. tests/cli/lib.sh
K=$KIOSKCTL
cp -r kiosk-config "$T/cfg"
D="$T/data"
sed -i "s|^data_dir *=.*|data_dir = $D|" "$T/cfg/kiosk.ini"
sed -i "s|^seal_interval_minutes *=.*|seal_interval_minutes = 60|" "$T/cfg/kiosk.ini"
export KIOSK_CONFIG="$T/cfg"
export KIOSK_NOW=2026-11-21T09:00:00+08:00
DB="$D/kiosk.db"
mode() { stat -c %a "$1"; }

expect "supervisor added" 0 "added" sh -c "echo 135790 | $K staff add --id s001 --name 李四 --role supervisor"
expect "clerk added" 0 "added" sh -c "printf '135790\n246810\n' | $K staff add --id c001 --name 张三 --role clerk --by s001"
expect "config check with [audit]" 0 "config OK" $K config check
expect "verify before sealing says nothing of seals" 0 "^OK [0-9]+ rows" $K audit verify
truth "no seal lines before sealing" sh -c "! grep -q -i seal '$T/out'"
expect "help lists seal-init" 0 "audit seal-init --by ID" $K help

# set-up: a supervisor only
expect "seal-init needs --by" 2 "needs --by" $K audit seal-init
expect "a clerk cannot set sealing up" 1 "c001 is a clerk" sh -c "echo 246810 | $K audit seal-init --by c001"
expect "wrong PIN refused" 1 "wrong PIN for s001" sh -c "echo 999999 | $K audit seal-init --by s001"
truth "nothing set up yet" test ! -e "$D/seal-key"
expect "seal-init" 0 "sealing set up: the audit log is sealed every 60 minutes" sh -c "echo 135790 | $K audit seal-init --by s001"
cp "$T/out" "$T/init.out"
KEY=$(grep -Eo '[0-9a-f]{8}(-[0-9a-f]{8}){7}/[0-9]+-3600' "$T/init.out")
truth "the verification key is shown as text" test -n "$KEY"
truth "and as a QR code" grep -q '█' "$T/init.out"
truth "seal key file is mode 600" test "$(mode "$D/seal-key")" = 600
K0=$(echo "$KEY" | cut -d/ -f1 | tr -d -)
truth "the key file holds k_0 in epoch 0" grep -q "^key $K0$" "$D/seal-key"
expect "a second seal-init refused" 2 "already set up \(by s001" sh -c "echo 135790 | $K audit seal-init --by s001"
truth "the key is not shown again" sh -c "! grep -q '$KEY' '$T/out'"
expect "verify with the key right after set-up" 0 "seals OK: 1 seals, epochs 0..0" $K audit verify --seal-key "$KEY"
expect "a malformed key is an invalid value" 1 "not a verification key" $K audit verify --seal-key abc

# rows in the next hours, the epochs sealed as they end, a day close
export KIOSK_NOW=2026-11-21T10:30:00+08:00
expect "a row in epoch 1" 0 "added" sh -c "printf '135790\n112358\n' | $K staff add --id c002 --name 王二 --role clerk --by s001"
expect "verify shows the unsealed tail" 0 "note: rows [0-9]+\.\.[0-9]+ \([0-9]+\) are not sealed yet" $K audit verify --seal-key "$KEY"
export KIOSK_NOW=2026-11-21T11:10:00+08:00
expect "verify notes an ended epoch not sealed yet" 0 "note: 1 ended epoch after epoch 0 not sealed yet" $K audit verify --seal-key "$KEY"
# two: the supervisor's logout after the set-up (epoch 0), and epoch 1
expect "audit seal seals epochs 0 and 1" 0 "sealed: 2 new seals, rows up to [0-9]+, key at epoch 2" $K audit seal
truth "the key file moved to epoch 2" grep -q '^epoch 2$' "$D/seal-key"
truth "k_0 is gone from it" sh -c "! grep -q '$K0' '$D/seal-key'"
truth "no temporary key files left" sh -c "! ls -A '$D' | grep -q '^\\.'"
expect "day close seals at once" 0 "sealed: 1 new seal" sh -c "echo 135790 | $K day close --date 2026-11-21 --by s001"
expect "verify --seal-key: good key" 0 "every tag checked with the verification key" $K audit verify --seal-key "$KEY"
truth "no unsealed tail after the close" sh -c "! grep -q 'not sealed yet' '$T/out'"
expect "verify --anchors --seal-key" 0 "seals OK: 4 seals, epochs 0..2" $K audit verify --anchors --seal-key "$KEY"
expect "verify without the key: structure only" 0 "structure only: tags not checked" $K audit verify

# a wrong key: every tag fails
WRONG=$(echo "$KEY" | sed 's/^./0/; t; s/^/x/')
[ "$WRONG" = "$KEY" ] && WRONG=$(echo "$KEY" | sed 's/^./1/')
expect "verify --seal-key: wrong key" 1 "SEAL: seal 1 \(epoch 0, rows 1\.\.[0-9]+\): the tag does not verify" $K audit verify --seal-key "$WRONG"

# tampered: a row of epoch 1 changed (the chain says so; the rehashed and
# re-sealed forgeries are test_seal_repo's), then a seal of epoch 1 changed:
# its tag fails with the key, and only with it
cp "$DB" "$T/good.db"
SEQ=$(sqlite3 "$DB" "SELECT first_seq FROM seals WHERE epoch = 1")
sqlite3 "$DB" "DROP TRIGGER audit_no_update; UPDATE audit SET detail = detail || ' ' WHERE seq = $SEQ"
expect "tampered row: verify --seal-key fails" 1 "TAMPERED at row $SEQ" $K audit verify --seal-key "$KEY"
cp "$T/good.db" "$DB"
# (the trigger put back: the ledger binds the schema, so one left dropped is itself seen)
TRIG=$(sqlite3 "$DB" "SELECT sql FROM sqlite_schema WHERE name = 'seals_no_update'")
sqlite3 "$DB" "DROP TRIGGER seals_no_update; UPDATE seals SET at_ms = at_ms + 1 WHERE epoch = 1; $TRIG"
expect "tampered seal: its tag fails" 1 "SEAL: seal [0-9]+ \(epoch 1, rows [0-9]+\.\.[0-9]+\): the tag does not verify with the key of epoch 1" $K audit verify --seal-key "$KEY"
expect "tampered seal: unseen without the key" 0 "structure only" $K audit verify
cp "$T/good.db" "$DB"
sqlite3 "$DB" "DROP TRIGGER seals_no_delete; DELETE FROM seals"
expect "seals deleted: the closed day is reported" 1 "SEAL: the day closed at row [0-9]+ \(day [0-9]+\) has no seal" $K audit verify
expect "seals deleted: with the key too" 1 "not a single seal" $K audit verify --seal-key "$KEY"
cp "$T/good.db" "$DB"
expect "restored: good again" 0 "seals OK" $K audit verify --seal-key "$KEY"
