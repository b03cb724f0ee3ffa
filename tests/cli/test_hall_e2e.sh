#!/bin/sh
# Issue 15's end-to-end test of the hall's registry at the counter, on a real
# PostgreSQL (tests/cli/pg_env.sh) and the real PC/SC stack (pcscd + vpcd,
# tests/sim/cardsim as the customer's keys): three kiosks, the real kiosk
# program in script mode, at two halls — windows A1 and A2 of hall HA,
# window B1 of hall HB — sharing the province's CA and the keys' admin
# secret, each with its own SQLite file, shipping to the centre.
#
#  - 新办 at A1 (key SC-K-0001, its PIV certificates too), bound (绑定) there;
#    shipped to a centre still at the migration before the registry's v4,
#    which then derives the new facts from the rows it already holds;
#  - 补办 at A2, whose file knows nothing of SC-K-0001: the token step finds
#    it only through the central registry and retires it as lost;
#  - 绑定 at B1: the unit's keys and their bindings from hall HA on screen;
#    the lost key brought to the counter is refused;
#  - 注销 at B1 of the reissued key, found the same way; then a further act
#    on either retired key, in either hall, is refused;
#  - with the centre unreachable the token step says it looked locally only;
#  - the same key revoked at A1 and at B1 while both were offline is listed
#    by `kioskctl hall conflicts`;
#  - the registry's facts from rows the kiosk cannot produce here (a USCC
#    corrected after its key, a supplement, a rating, a decision corrected),
#    written through the centre's own chain check as a kiosk's role.
. tests/cli/screens.sh
. tests/cli/pg_env.sh
. tests/sim/pcsc_env.sh
R0='Virtual PCD 00 00'
UNIT='成都测试科技有限公司'
USCC=91310115MA1K3BTP2B
UNIT2='成都锦城示例科技有限公司'
USCC2=91510100MA61XY3K4K

# pg_cleanup (pg_env.sh) after the keys and pcscd: it stops the server and removes $T
pcsc_test_setup --then pg_cleanup "hall e2e"
pg_start

is() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1: '$3', wanted '$2'"; fi; }


# ---- the centre, still at migration 4, before the registry's v5 ----
V=$(sed -n 's/^#define HALL_SCHEMA_VERSION \([0-9]*\).*/\1/p' db/pg/pg.h)
expect "hall e2e: a centre made at the migration before" 0 "version 0 -> 4" \
	"$KIOSKCTL" hall init --central "$PG_ADMIN" --to 4
for k in A1:HA A2:HA B1:HB; do
	"$KIOSKCTL" hall kiosk-add "${k%%:*}" --hall "${k#*:}" --central "$PG_ADMIN" >/dev/null ||
		echo "FAIL hall e2e: kiosk-add $k"
done

# Each kiosk: its own configuration and data; the province's admin secret
# (the keys' admin PINs) and CA (A1's, copied) shared.
head -c 32 /dev/urandom >"$T/secret"
chmod 600 "$T/secret"
for k in A1 A2 B1; do
	cp -r kiosk-config "$T/cfg$k"
	sed -i -e "s|^kiosk_id =.*|kiosk_id = $k|" -e "s|^central =.*|central = $(pg_kiosk $k)|" \
		-e "s|^token_admin_secret_file =.*|token_admin_secret_file = $T/secret|" "$T/cfg$k/kiosk.ini"
	# the same configuration with the centre unreachable (2 s)
	cp -r "$T/cfg$k" "$T/off$k"
	sed -i "s|^central =.*|central = host=$T/nowhere dbname=hall user=kiosk_$k connect_timeout=2|" \
		"$T/off$k/kiosk.ini"
	K="$KIOSKCTL --config $T/cfg$k --db $T/$k/kiosk.db"
	echo 975310 | $K staff add --id sup1 --name 赵六 --role supervisor >/dev/null
	printf '975310\n246810\n' | $K staff add --id clerk1 --name 王五 --role clerk --by sup1 >/dev/null
done
# krun KIOSK NAME [CONFIG]: the real kiosk KIOSK on $T/NAME.keys, each run
# a minute after the one before (the registry orders acts by the kiosks' time)
MINUTE=0
krun() {
	MINUTE=$((MINUTE + 1))
	KIOSK_NOW=$(printf '2026-11-21T%02d:%02d:00+08:00' $((10 + MINUTE / 60)) $((MINUTE % 60))) \
	KIOSK_SCRIPT="$T/$2.keys" timeout 60 "$KIOSK" --config "${3:-$T/cfg$1}" --data-dir "$T/$1" \
		>"$T/$2.out" 2>"$T/$2.err"
	rc=$?
	if [ $rc = 0 ] && [ ! -s "$T/$2.err" ]; then echo "PASS $2: kiosk exited cleanly"; else
		echo "FAIL $2: kiosk exit $rc"; sed 's/^/    ! /' "$T/$2.err" | head -20; fi
}
ship() { "$KIOSKCTL" hall ship --config "$T/cfg$1" --data-dir "$T/$1" >"$T/ship.out" 2>&1 ||
	{ echo "FAIL hall e2e: ship $1"; sed 's/^/    | /' "$T/ship.out"; }; }
q() { sqlite3 "$T/$1/kiosk.db" "$2"; }
clerk() { login clerk1 246810; }
MATS='key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'

# ---- 新办 and 绑定 at A1 (hall HA) ----
start_sim k1 SC-K-0001
{ clerk; pick 7; party "$UNIT" $USCC
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\nkey Enter\ndump\n'; } >"$T/a1new.keys"
krun A1 a1new
is "A1 新办: the key ACTIVE with its certificates (kiosk, PIV 9a and 9c)" "ACTIVE 3" \
	"$(q A1 "SELECT state || ' ' || (SELECT count(*) FROM certs c WHERE c.token_id = t.id) FROM tokens t WHERE serial = 'SC-K-0001'")"
for k in A2 B1; do mkdir -p "$T/$k/ca" && cp "$T/A1/ca/ca.key" "$T/A1/ca/ca.crt" "$T/$k/ca/"; done
{ clerk; pick 5; party "$UNIT" $USCC; printf "$MATS"; printf 'key Enter\ndump\n'; } >"$T/a1bind.keys"
krun A1 a1bind
is "A1 绑定: the binding recorded" "SC-K-0001 张三" \
	"$(q A1 "SELECT t.serial || ' ' || b.agent_name FROM token_bindings b JOIN tokens t ON t.id = b.token_id WHERE b.unbound_ms IS NULL")"
stop_sim k1
ship A1
is "v3 centre: the kiosk certificate only (PIV certificates were ignored)" 1 \
	"$(pg_psql -c "SELECT count(*) FROM hall.cert_issued WHERE key_serial = 'SC-K-0001'")"

# Rows the kiosk would not write here, as a kiosk of hall HB writes them
# (each through the centre's chain check: hash and link computed in SQL):
# a key enrolled (with its PIV certificates) in a case whose unit and USCC
# are then corrected, the case decided 容缺, supplemented and rated; a
# second case accepted, then its decision corrected to a refusal.
"$KIOSKCTL" hall kiosk-add K9 --hall HB --central "$PG_ADMIN" >/dev/null
T0=$(date -d 2026-11-21T10:00:00+08:00 +%s)000
chain() { # ACTION CASE DETAIL [ACTOR]: one row after K9's head
	pg_psql -U kiosk_K9 -v a="$1" -v c="$2" -v d="$3" -v w="${4:-c1}" -v t="$T0" -f - <<'SQL' ||
INSERT INTO hall.audit (kiosk_id, seq, at_ms, actor, action, case_no, detail, prev, hash)
SELECT k.kiosk_id, k.head_seq + 1, :t + k.head_seq * 1000, :'w', :'a', :'c', :'d', k.head_hash,
 hall.audit_hash(k.head_seq + 1, :t + k.head_seq * 1000, :'w', :'a', :'c', :'d', k.head_hash)
FROM hall.kiosks k WHERE k.kiosk_id = 'K9';
SQL
		echo "FAIL hall e2e: K9 row $1"
}
C1=K9-20261121-0001 C2=K9-20261121-0002 OLD=91110000MA0000001A NEW=91220000MA0000002B
chain genesis "" K9 system
chain case.open $C1 '{"service":"zc.new","clerk":"c1"}'
chain case.details $C1 "{\"unit_name\":\"旧名单位\",\"uscc\":\"$OLD\",\"agent_name\":\"张三\",\"fee_fen\":30000}"
chain token.enrolled $C1 "{\"serial\":\"SC-K-0091\",\"from\":\"FORMATTED\",\"to\":\"ACTIVE\",\"cert\":\"9A01\",\"unit_name\":\"旧名单位\",\"uscc\":\"$OLD\",\"not_before\":\"2026-11-21\",\"not_after\":\"2027-11-20\",\"apps\":[{\"app\":\"piv.9a\",\"cert\":\"9A0A\"},{\"app\":\"piv.9c\",\"cert\":\"9A0C\"}]}"
chain case.correct $C1 "{\"step\":\"details\",\"changes\":[{\"field\":\"unit_name\",\"old\":\"旧名单位\",\"new\":\"新名单位\"},{\"field\":\"uscc\",\"old\":\"$OLD\",\"new\":\"$NEW\"}],\"approved_by\":\"s1\",\"reason\":\"营业执照号码录错\"}"
chain case.decision $C1 '{"decision":"rongque","deadline":"2026-12-01"}'
chain case.slip $C1 'printed'
chain case.supplement $C1 '{"received":["m1"],"deadline":"2026-12-01"}'
chain case.rating $C1 '{"level":"bad","comment":"等太久","due":"2026-11-28"}'
chain case.open $C2 '{"service":"zc.new","clerk":"c1"}'
chain case.details $C2 '{"unit_name":"某单位","uscc":"91330000MA0000003C","fee_fen":0}'
chain case.decision $C2 '{"decision":"accept"}'
chain case.correct $C2 '{"step":"decision","changes":[{"field":"decision","old":"accept","new":"refuse"}]}'
dayrows() { pg_psql -c "SELECT string_agg(case_no || ' ' || status, ', ' ORDER BY case_no)
                        FROM hall.day_case_rows('2026-11-21', 'HB')"; }
is "v3 centre: the day report missed the supplement and the corrected decision" \
	"$C1 rongque, $C2 accepted" "$(dayrows)"

# ---- the centre upgraded: the rows it holds give the new facts once ----
expect "hall e2e: the upgrade" 0 "version 4 -> $V" "$KIOSKCTL" hall init --central "$PG_ADMIN"
is "upgrade: A1's PIV certificates derived from the rows held, the kiosk's not doubled" \
	"kiosk piv.9a piv.9c" \
	"$(pg_psql -c "SELECT string_agg(app, ' ' ORDER BY app) FROM hall.cert_issued WHERE key_serial = 'SC-K-0001'")"
is "upgrade: the PIV certificates share the kiosk certificate's holder and term" "1" \
	"$(pg_psql -c "SELECT count(DISTINCT (uscc, unit_name, not_after)) FROM hall.certificates WHERE key_serial = 'SC-K-0001'")"
is "upgrade: a corrected USCC moved the case's key to the corrected unit" "$NEW 新名单位" \
	"$(pg_psql -c "SELECT uscc || ' ' || unit_name FROM hall.key_units WHERE key_serial = 'SC-K-0091'")"
expect "upgrade: lookup by the corrected USCC finds the key and its PIV certificates" 0 \
	"key SC-K-0091 ACTIVE .*certificate 9A0C to 2027-11-20, valid \(piv.9c\)" \
	"$KIOSKCTL" hall lookup --uscc $NEW --central "$(pg_kiosk A1)"
expect "upgrade: lookup by the old USCC no longer lists it" 0 "0 on record at the centre" \
	"$KIOSKCTL" hall lookup --uscc $OLD --central "$(pg_kiosk A1)"
is "upgrade: the hall's case view: corrected unit, a correction, supplemented, rated" \
	"新名单位|$NEW|rating|1|t|bad" \
	"$(pg_psql -c "SELECT unit_name, uscc, last_step, corrections, supplemented, rating FROM hall.cases WHERE case_no = '$C1'")"
is "upgrade: the day report counts the supplement and the corrected decision as the kiosk does" \
	"$C1 completed, $C2 refused" "$(dayrows)"
echo 'hallpin-1' | "$KIOSKCTL" hall supervisor-add sup1 --hall HA --central "$PG_ADMIN" >/dev/null
echo 'hallpin-2' | "$KIOSKCTL" hall supervisor-add sup2 --hall HB --central "$PG_ADMIN" >/dev/null

# ---- 补办 at A2 (hall HA): its file knows nothing of SC-K-0001 ----
is "A2 knows nothing of the unit's key" 0 "$(q A2 "SELECT count(*) FROM tokens")"
start_sim k2 SC-K-0002
{ clerk; pick 10; party "$UNIT" $USCC; printf 'key Enter\ntype 2028-11-21\nkey Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'dump\nkey Enter\nkey Enter\ndump\n'; } >"$T/a2reissue.keys"
krun A2 a2reissue
seen a2reissue "A2 补办: the token step asked the hall (1 key only on record elsewhere)" \
	"已联网查询该单位在大厅的 Key 记录（另有 1 个仅在其他窗口有记录）"
seen a2reissue "A2 补办: the screen shows the key from the hall" "▶ SC-K-0001 .*使用中"
is "A2 补办: the old key retired as lost here, the new one ACTIVE" "SC-K-0001 PERM_LOST,SC-K-0002 ACTIVE" \
	"$(q A2 "SELECT group_concat(serial || ' ' || state, ',') FROM (SELECT * FROM tokens ORDER BY serial)")"
stop_sim k2
ship A2
is "registry: SC-K-0001 lost at A2 of hall HA, its three certificates revoked with it" "PERM_LOST A2 lost,lost,lost" \
	"$(pg_psql -c "SELECT k.state || ' ' || k.kiosk_id || ' ' || (SELECT string_agg(revoke_reason, ',') FROM hall.certificates c WHERE c.key_serial = k.key_serial) FROM hall.keys k WHERE key_serial = 'SC-K-0001'")"

# The issuing window's CA learns it with its next shipment: A1's record,
# index.txt and CRL (openssl's own reading) revoke the three certificates
# it issued, as lost (keyCompromise), once.
a1certs() { q A1 "SELECT c.serial FROM certs c JOIN tokens t ON t.id = c.token_id WHERE t.serial = '$1' ORDER BY c.serial"; }
crl_has() { # KIOSK SERIALS...: each serial in KIOSK's CRL, as openssl lists it
	k=$1; shift
	openssl crl -inform DER -in "$T/$k/ca/crl.der" -noout -text >"$T/crl.txt" 2>&1 || return 1
	for s in "$@"; do grep -q "Serial Number: $s\$" "$T/crl.txt" || return 1; done
}
S1=$(a1certs SC-K-0001)
is "A1's CRL before: none of SC-K-0001's certificates" "" \
	"$(for s in $S1; do grep -q "Serial Number: $s" "$T/A1/ca/crl.pem" 2>/dev/null && echo "$s"; done)"
ship A1
grep -q "3 certificate(s) issued here were revoked at other windows" "$T/ship.out" &&
	grep -q "CRL published: $T/A1/ca/crl.der" "$T/ship.out" &&
	echo "PASS hall CA: A1's shipment takes in the 3 revocations made at A2, and publishes its CRL" ||
	{ echo "FAIL hall CA: A1's shipment"; sed 's/^/    | /' "$T/ship.out"; }
is "hall CA: A1's record: SC-K-0001's certificates revoked as lost" "lost lost lost" \
	"$(q A1 "SELECT group_concat(c.status || ':' || c.revoke_reason, ' ') FROM certs c JOIN tokens t ON t.id = c.token_id WHERE t.serial = 'SC-K-0001'" | sed 's/revoked://g')"
is "hall CA: A1's record of the key: lost too (moved by the hall's word, reason lost)" "PERM_LOST system lost" \
	"$(q A1 "SELECT t.state || ' ' || e.actor || ' ' || e.reason FROM tokens t JOIN token_events e ON e.token_id = t.id WHERE t.serial = 'SC-K-0001' ORDER BY e.id DESC LIMIT 1")"
grep -q "1 key(s) on record here were retired at other windows" "$T/ship.out" &&
	echo "PASS hall CA: A1's shipment says the key was retired" || echo "FAIL hall CA: A1's shipment says the key was retired"
is "hall CA: A1's index.txt: the three R, keyCompromise" 3 \
	"$(for s in $S1; do awk -F'\t' -v s="$s" '$4 == s && $1 == "R" && $3 ~ /,keyCompromise$/' "$T/A1/ca/index.txt"; done | wc -l)"
truth "hall CA: A1's CRL, verified by openssl against the CA, lists the three" \
	sh -c "openssl crl -inform DER -in '$T/A1/ca/crl.der' -CAfile '$T/A1/ca/ca.crt' -noout 2>&1 | grep -q 'verify OK'"
crl_has A1 $S1 && echo "PASS hall CA: openssl lists SC-K-0001's three certificates in A1's CRL" ||
	{ echo "FAIL hall CA: A1's CRL"; sed 's/^/    | /' "$T/crl.txt" | head -30; }
ship A1
is "hall CA: asked again, nothing new is written" 1 \
	"$(q A1 "SELECT count(*) FROM audit WHERE action = 'ca.hall_revoked'")"
grep -q "revoked at other windows" "$T/ship.out" && echo "FAIL hall CA: the second shipment took them in again" ||
	echo "PASS hall CA: the second shipment says nothing of them"
expect "hall CA: A1's chain verifies with the revocations taken in" 0 "" \
	"$KIOSKCTL" audit verify --config "$T/cfgA1" --db "$T/A1/kiosk.db"
is "hall CA: the centre keeps A2's revocation as the only one (A1 ships none of its own)" "A2 0" \
	"$(pg_psql -c "SELECT string_agg(DISTINCT revoked_at_kiosk, ',') || ' ' || (SELECT count(*) FROM hall.cert_revoked WHERE kiosk_id = 'A1') FROM hall.certificates WHERE key_serial = 'SC-K-0001'")"

# A1 still has SC-K-0001 as ACTIVE with its valid certificate: a PIN reset
# (解锁) of it there, the key brought, is refused by the hall's word
start_sim k1 SC-K-0001
{ clerk; pick 12; party "$UNIT" $USCC; printf "$MATS"; printf 'key Enter\nkey Enter\ndump\n'; } >"$T/a1unlock.keys"
krun A1 a1unlock
seen a1unlock "A1 解锁: a key lost at window A2 is refused at window A1" "据大厅记录，Key SC-K-0001 状态为「已遗失」"
is "A1 解锁: no PIN reset recorded" 0 "$(q A1 "SELECT count(*) FROM audit WHERE action = 'token.pin_reset'")"

# ---- 绑定 at B1 (hall HB): the unit's keys and bindings from hall HA ----
{ clerk; pick 5; party "$UNIT" $USCC; printf "$MATS"; printf 'dump\nkey Enter\ndump\n'; } >"$T/b1lost.keys"
krun B1 b1lost
seen b1lost "B1 绑定: the binding made in hall HA is visible" \
	"SC-K-0001 .*已绑定：经办人 张三，单位 $USCC，于 A1（大厅 HA）|已绑定：经办人 张三，单位 $USCC，于 A1（大厅 HA）"
seen b1lost "B1 绑定: the key lost in hall HA, brought here, is refused" "据大厅记录，Key SC-K-0001 状态为「已遗失」"
is "B1 绑定: nothing bound" 0 "$(q B1 "SELECT count(*) FROM token_bindings")"
stop_sim k1
start_sim k2 SC-K-0002
{ clerk; pick 5; party "$UNIT" $USCC; printf "$MATS"; printf 'key Enter\ndump\n'; } >"$T/b1bind.keys"
krun B1 b1bind
is "B1 绑定: the reissued key bound here" "SC-K-0002 张三" \
	"$(q B1 "SELECT t.serial || ' ' || b.agent_name FROM token_bindings b JOIN tokens t ON t.id = b.token_id WHERE b.unbound_ms IS NULL")"
is "B1 绑定: its row says the hall answered, with no binding of the key" "none hall" \
	"$(q B1 "SELECT json_extract(detail, '\$.seen') || ' ' || json_extract(detail, '\$.seen_from') FROM audit WHERE action = 'token.bind'")"
stop_sim k2
ship B1
expect "registry: the binding made in hall HB, as any kiosk reads it" 0 \
	"bound SC-K-0002 to $USCC, agent 张三, at B1 \(hall HB\)" \
	"$KIOSKCTL" hall lookup --uscc $USCC --config "$T/cfgA1"

# ---- 注销 at B1 of the reissued key, found through the hall ----
{ clerk; pick 11; party "$UNIT" $USCC; printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'type sup1\nkey Enter\ntype 975310\nkey Enter\n'
  printf 'dump\nkey Enter\nkey Enter\ndump\nkey Down\nkey Enter\nkey Enter\ndump\n'; } >"$T/b1revoke.keys"
krun B1 b1revoke
seen b1revoke "B1 注销: the unit's keys from the hall listed" "SC-K-0002 "
seen b1revoke "B1 注销: the key lost in hall HA is refused" "据大厅记录，Key SC-K-0001 状态为「已遗失」"
is "B1 注销: the reissued key revoked here" TERMINATED "$(q B1 "SELECT state FROM tokens WHERE serial = 'SC-K-0002'")"
ship B1
is "registry: SC-K-0002 revoked at B1 of hall HB" "TERMINATED B1 HB" \
	"$(pg_psql -c "SELECT state || ' ' || kiosk_id || ' ' || hall.hall_of(kiosk_id) FROM hall.keys WHERE key_serial = 'SC-K-0002'")"
expect "registry: hall lookup refuses the retired key" 1 "refused: key SC-K-0002 was retired \(TERMINATED, revoked\) at B1 in hall HB" \
	"$KIOSKCTL" hall lookup --key SC-K-0002 --config "$T/cfgA2"
# the window that issued it (A2, hall HA) revokes it at its CA: another
# hall's act, brought by the kiosk's own shipper (its first run, at start)
S2=$(q A2 "SELECT group_concat(c.serial, ' ') FROM certs c JOIN tokens t ON t.id = c.token_id WHERE t.serial = 'SC-K-0002'")
printf 'wait 8\n' >"$T/a2ship.keys"
krun A2 a2ship
is "hall CA: A2's record: SC-K-0002's certificates revoked (B1, hall HB)" "revoked revoked revoked" \
	"$(q A2 "SELECT group_concat(c.revoke_reason, ' ') FROM certs c JOIN tokens t ON t.id = c.token_id WHERE t.serial = 'SC-K-0002' AND c.status = 'revoked'")"
is "hall CA: A2's record of SC-K-0002: terminated (revoked at B1)" TERMINATED \
	"$(q A2 "SELECT state FROM tokens WHERE serial = 'SC-K-0002'")"
is "hall CA: A2's audit row says where and when" "B1" \
	"$(q A2 "SELECT DISTINCT json_extract(e.value, '$.kiosk') FROM audit a, json_each(a.detail, '$.certs') e WHERE a.action = 'ca.hall_revoked'")"
crl_has A2 $S2 && echo "PASS hall CA: openssl lists SC-K-0002's certificates in A2's CRL" ||
	{ echo "FAIL hall CA: A2's CRL"; sed 's/^/    | /' "$T/crl.txt" | head -30; }
is "hall CA: A2's index.txt: cessationOfOperation" "$(echo $S2 | wc -w)" \
	"$(for s in $S2; do awk -F'\t' -v s="$s" '$4 == s && $1 == "R" && $3 ~ /,cessationOfOperation$/' "$T/A2/ca/index.txt"; done | wc -l)"

# ---- a further act on a retired key, in either hall, is refused ----
{ clerk; pick 11; party "$UNIT" $USCC; printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'type sup1\nkey Enter\ntype 975310\nkey Enter\n'
  printf 'dump\nkey Enter\nkey Enter\ndump\n'; } >"$T/a1again.keys" # SC-K-0002 first: A1 holds no valid certificate
krun A1 a1again
seen a1again "A1 注销 again: the key revoked in hall HB is refused in hall HA" "据大厅记录，Key SC-K-0002 状态为「已吊销」"
{ clerk; pick 10; party "$UNIT" $USCC; printf 'key Enter\ntype 2028-11-21\nkey Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'dump\nkey Down\nkey Enter\nkey Enter\ndump\n'; } >"$T/b1again.keys"
krun B1 b1again
seen b1again "B1 补办 again: the key lost in hall HA is refused in hall HB" "据大厅记录，Key SC-K-0001 状态为「已遗失」"
is "a retired key's refusal records nothing" "0 0" \
	"$(q A1 "SELECT count(*) FROM tokens WHERE serial = 'SC-K-0002'") $(q B1 "SELECT count(*) FROM token_events e JOIN tokens t ON t.id = e.token_id WHERE t.serial = 'SC-K-0001'")"

# ---- the centre unreachable: the screens say they looked locally only ----
{ clerk; pick 11; party "$UNIT" $USCC; printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  printf 'type sup1\nkey Enter\ntype 975310\nkey Enter\ndump\n'; } >"$T/a2off.keys"
krun A2 a2off "$T/offA2"
seen a2off "offline: the token step says it looked at this window only" "大厅未能及时响应：仅查询了本窗口的 Key 记录。"
seen a2off "offline: what A2 took in from the hall stands (SC-K-0002's certificates revoked at B1)" \
	"本窗口没有该单位持有有效证书的 Key 记录"
unseen a2off "offline: nothing from the hall" "已联网查询"

# ---- the same key revoked in both halls while both were offline ----
start_sim k3 SC-K-0003
{ clerk; pick 7; party "$UNIT2" $USCC2
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\nkey Enter\nkey Enter\n'; } >"$T/a1new3.keys"
krun A1 a1new3
ship A1
REV2="key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\ntype sup1\nkey Enter\ntype 975310\nkey Enter\n"
{ clerk; pick 11; party "$UNIT2" $USCC2; printf "$REV2"; printf 'dump\nkey Enter\nkey Enter\ndump\n'; } >"$T/b1off.keys"
krun B1 b1off "$T/offB1"
seen b1off "offline at B1: looked at this window only" "大厅未能及时响应"
is "offline at B1: the key brought is revoked and erased" "TERMINATED" \
	"$(q B1 "SELECT to_state FROM token_events e JOIN tokens t ON t.id = e.token_id WHERE t.serial = 'SC-K-0003' AND e.to_state = 'TERMINATED'")"
stop_sim k3
{ clerk; pick 11; party "$UNIT2" $USCC2; printf "$REV2"; printf 'dump\nkey Enter\nkey Enter\ndump\n'; } >"$T/a1off.keys"
krun A1 a1off "$T/offA1"
seen a1off "offline at A1: looked at this window only" "大厅未能及时响应"
is "offline at A1: the key (not brought) revoked from this window's record" TERMINATED \
	"$(q A1 "SELECT state FROM tokens WHERE serial = 'SC-K-0003'")"
ship A1
ship B1
expect "conflicts: the key revoked in both halls while offline is listed" 1 \
	"CONFLICT key SC-K-0003: erased -> UNFORMATTED at B1 \(hall HB, .*\), then revoked ACTIVE -> TERMINATED at A1 \(hall HA, .*without seeing it" \
	sh -c "echo hallpin-1 | '$KIOSKCTL' hall conflicts --by sup1 --central 'host=$PG_SOCK dbname=hall'"
expect "conflicts: a supervisor of the other hall sees it too" 1 "CONFLICT key SC-K-0003" \
	sh -c "echo hallpin-2 | '$KIOSKCTL' hall conflicts --by sup2 --hall HB --central 'host=$PG_SOCK dbname=hall'"
expect "conflicts: the keys acted on in turn, online, are not conflicts" 1 "^1 conflicts" \
	sh -c "echo hallpin-1 | '$KIOSKCTL' hall conflicts --by sup1 --central 'host=$PG_SOCK dbname=hall'"

# A binding (an act that moves no state) of a key another hall had retired,
# by a kiosk that did not see it (K9's rows, written two hours later):
T0=$(date -d 2026-11-21T12:00:00+08:00 +%s)000
chain token.bind K9-20261121-0003 "{\"serial\":\"SC-K-0001\",\"entered\":\"adopted\",\"uscc\":\"$USCC\",\"unit_name\":\"$UNIT\",\"agent_name\":\"王五\",\"agent_id_no\":\"110102199101010078\"}"
expect "conflicts: a binding of a key retired in another hall is listed" 1 \
	"CONFLICT key SC-K-0001: lost -> PERM_LOST at A2 \(hall HA, .*\), then bind of a retired key at K9 \(hall HB" \
	sh -c "echo hallpin-2 | '$KIOSKCTL' hall conflicts --by sup2 --hall HB --central 'host=$PG_SOCK dbname=hall'"
