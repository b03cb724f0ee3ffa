#!/bin/sh
# Script-mode screen tests: the demo kiosk carried through each service from
# login to slip, refusal with its one-time notice, 容缺受理, invalid
# identifiers with their reasons, and renewal outside its window. Each run is a
# headless kiosk reading a key script; the dumped screens and the demo
# database are checked. Service positions in the picker: rs new 0, renew 1,
# change 2, reissue 3, revoke 4, bind 5, unlock 6; zc new 7, renew 8, change 9,
# reissue 10, revoke 11, unlock 12, seal upgrade 13, seal renew 14.
. tests/cli/screens.sh

# finish NAME SERVICE_LABEL: the slip shows, the case is 办结 and recorded once
# per step, and the audit chain verifies.
finish() {
	seen "$1" "$1: slip printed" "受理回执"
	seen "$1" "$1: slip names the service" "$2"
	equal "$1: case completed" "$(sql "$1" "SELECT status || '/' || last_step FROM cases")" "completed/slip"
	equal "$1: each step once" "$(sql "$1" "SELECT count(*) - count(DISTINCT step) FROM case_steps")" "0"
	expect "$1: audit chain verifies" 0 "^OK" "$KIOSKCTL" audit verify --db "$T/$1.d/demo.db"
	truth "$1: slip file saved" sh -c "ls $T/$1.d/slips/2026-11-21/*-slip.txt"
}

# 人社 new: blank key personalised, paid
{ login; pick 0; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter\ndump\nkey Enter Enter\n'
  keyin 6; printf 'key Enter\ndump\nkey Enter\ndump\nkey F5\ndump\n'; } > "$T/rs_new.keys"
run rs_new
seen rs_new "rs.new: decision offers 受理" "▶ 受理"
seen rs_new "rs.new: asks before writing the key" "即将写入客户的 USB Key"
seen rs_new "rs.new: fee shown" "应收 300.00 元"
finish rs_new "证书新办"

# 人社 renew inside the window (key expires in 30 days)
{ login; pick 1; party 绵阳涪城示例建设工程有限公司 91510700MA62Q8TU37; keyin 2
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter Enter\nkey F5\ndump\n'; } > "$T/rs_renew.keys"
run rs_renew
finish rs_renew "证书更新"
equal "rs.renew: validity extended by a year" "$(sql rs_renew "SELECT count(*) FROM case_steps WHERE step='token' AND detail LIKE '%2026-11-21..2027-12-21%'")" "1"

# A key already in the reader when a case that needs it starts (put in for a
# case withdrawn): the details screen reads it, it never asks for it while
# the status line says it is there.
{ login; pick 0; keyin 2; printf 'key F7\nkey Enter\n'; pick 1; printf 'dump\n'; } >"$T/key_already.keys"
run key_already
seen key_already "a key already in the reader: read at once on the details screen" \
	"Key SC-DEMO-0002：绵阳涪城示例建设工程有限公司（91510700MA62Q8TU37）"
unseen key_already "a key already in the reader: not asked for" "请客户插入 USB Key"

# 政采 change: the key carries the unit's former name; same key, validity kept
# (the end kept; the new certificate starts today, never backdated: docs/ca.md)
{ login; pick 9; party 成都高新示例软件集团有限公司 91510104MA6DJ9QG4K; keyin 8
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter Enter\ndump\n'; } > "$T/zc_change.keys"
run zc_change
finish zc_change "证书及印章变更"
equal "zc.change: validity kept" "$(sql zc_change "SELECT count(*) FROM case_steps WHERE step='token' AND detail LIKE '%certificate 2026-11-21..2027-05-20%'")" "1"

# 政采 reissue: key lost, expiry typed from the records, new blank key, 50 元
{ login; pick 10; party 成都锦城示例科技有限公司 91510100MA61XY3K4K
  printf 'key Enter\ntype 2027-09-17\nkey Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'
  keyin 6; printf 'key Enter Enter\nkey F5\ndump\n'; } > "$T/zc_reissue.keys"
run zc_reissue
equal "zc.reissue: 50 元 charged" "$(sql zc_reissue "SELECT fee_fen FROM cases")" "5000"
finish zc_reissue "证书及印章补办"

# 政采 revoke: supervisor approval; the clerk cannot approve it
{ login; pick 11; party 成都锦城示例科技有限公司 91510100MA61XY3K4K
  printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\ndump\n'
  printf 'type demo01\nkey Enter\ntype 246810\nkey Enter\ndump\n'
  printf 'key Tab\nkey Home\nkey Delete Delete Delete Delete Delete Delete\ntype demosup\nkey Enter\ntype 975310\nkey Enter\ndump\nkey Enter Enter\ndump\n'; } > "$T/zc_revoke.keys"
run zc_revoke
seen zc_revoke "zc.revoke: waits for the supervisor" "须值班主管审批"
seen zc_revoke "zc.revoke: self-approval refused" "不能由本人审批"
finish zc_revoke "证书及印章吊销"
equal "zc.revoke: approved by the supervisor" "$(sql zc_revoke "SELECT detail FROM case_steps WHERE step='approval'")" "approved by demosup"

# 人社 bind: the key is read, nothing written, no fee
{ login; pick 5; party 成都锦城示例科技有限公司 91510100MA61XY3K4K; keyin 1
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter\ndump\n'; } > "$T/rs_bind.keys"
run rs_bind
finish rs_bind "证书绑定"

# 政采 PIN unlock: the locked key's PIN reset to the initial one
{ login; pick 12; party 成都金牛示例物流有限公司 91510100MA6AHR3W43; keyin 7
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter Enter\ndump\n'; } > "$T/zc_unlock.keys"
run zc_unlock
finish zc_unlock "密码解锁"

# 政采 seal upgrade with 200 days left: free
{ login; pick 13; party 成都武侯示例人力资源有限公司 91510100MA68K2PF12; keyin 5
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter Enter\ndump\n'; } > "$T/zc_seal_upgrade.keys"
run zc_seal_upgrade
finish zc_seal_upgrade "印章升级"

# 政采 seal renew: paid by WeChat scan (demo key 0009: the seal ends 200
# days before the certificate)
{ login; pick 14; party 成都锦江示例贸易有限公司 91510104MA6E5T7L3W; keyin 9
  printf 'key Enter Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter Enter\ndump\nkey F5\ndump\n'; } > "$T/zc_seal_renew.keys"
run zc_seal_renew
seen zc_seal_renew "zc.seal_renew: QR code shown" "▀▀▀▀▀▀▀"
finish zc_seal_renew "印章续期"
expect "zc.seal_renew: the seal now runs to the certificate's end" 0 "印章有效期至：2027-09-17" cat "$T/zc_seal_renew.d/slips/2026-11-21/SCCA-CD-01-20261121-0001-slip.txt"

# 政采 seal renew whose seal already runs to the certificate's end (demo key
# 0001, both 2027-09-17): nothing charged, said on the form and the slip, no QR
{ login; pick 14; party 成都锦城示例科技有限公司 91510100MA61XY3K4K; keyin 1
  printf 'dump\nkey Enter Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\nkey Enter Enter\ndump\n'; } > "$T/zc_seal_free.keys"
run zc_seal_free
seen zc_seal_free "seal current: the form says nothing is due" "应收费用：0.00 元"
seen zc_seal_free "seal current: and why" "印章有效期已与证书一致，无须续期"
unseen zc_seal_free "seal current: no QR code" "▀▀▀▀▀▀▀"
finish zc_seal_free "印章续期"
FREE_SLIP="$T/zc_seal_free.d/slips/2026-11-21/SCCA-CD-01-20261121-0001-slip.txt"
expect "seal current: the slip's fee line says not charged" 0 "印章费 *100.00元/枚/年 免收（印章已与证" cat "$FREE_SLIP"
expect "seal current: the slip's total is 0" 0 "合计 +0.00 元" cat "$FREE_SLIP"
expect "seal current: the slip's next step says nothing was renewed" 0 "本次无须续期，印章未改动" \
	sh -c "tr -d '\n ' <'$FREE_SLIP'" # (the paper wraps at 40 columns)
expect "seal current: not that the seal was renewed" 1 "" grep -q "印章已续期" "$FREE_SLIP"
equal "seal current: the case recorded at 0, no payment" "$(sql zc_seal_free "SELECT fee_fen || '/' || (SELECT count(*) FROM payments) FROM cases")" "0/0"

# Refusal: the form original missing and the ID copy unstamped → one-time notice
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F6 F5 F7\ntype 未加盖单位公章（鲜章）\nkey Enter\nkey Enter\ndump\nkey Enter Enter\ndump\nkey Down Down Down Down Down Down Down Down Down Down\ndump\n'; } > "$T/refuse.keys"
run refuse
seen refuse "refusal: decision preselects 不予受理" "▶ 不予受理"
seen refuse "refusal: notice printed" "一次性告知单"
seen refuse "refusal: notice lists the missing form" "企业机构数字证书及印章业务申请表"
seen refuse "refusal: notice lists the defect with its reason" "未加盖单位公章"
equal "refusal: case refused" "$(sql refuse "SELECT status || '/' || last_step FROM cases")" "refused/slip"
truth "refusal: notice file saved" sh -c "ls $T/refuse.d/slips/2026-11-21/*-notice.txt"

# 容缺受理: only the licence copy missing on a new certificate
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F6 F5\nkey Enter\ndump\nkey Enter Enter\n'
  keyin 6; printf 'key Enter Enter\nkey F5\ndump\nkey Down Down Down Down Down Down Down Down Down Down\ndump\n'; } > "$T/rongque.keys"
run rongque
seen rongque "容缺: decision preselects 容缺受理" "▶ 容缺受理"
seen rongque "容缺: deadline shown" "补交期限：2026-12-21"
equal "容缺: case stays 容缺受理 after the slip" "$(sql rongque "SELECT status || '/' || last_step FROM cases")" "rongque/slip"
seen rongque "容缺: slip lists what is to follow" "单位证照复印件"

# Invalid identifiers: the reason beside the field, in words
{ login; pick 7; printf 'type 成都测试科技有限公司\nkey Enter\ntype 91110000600037341N\nkey Enter\ndump\n'
  printf 'type 张三\nkey Enter\ntype 110102199102300078\nkey Enter\ndump\ntype 12800138000\nkey Enter\ndump\n'; } > "$T/invalid.keys"
run invalid
seen invalid "invalid USCC: check character named" "第18位校验码应为“L”，现为“N”"
seen invalid "invalid ID: impossible birth date named" "身份证"
seen invalid "invalid mobile: reason given" "手机号码第2位"
equal "invalid: nothing recorded past opening" "$(sql invalid "SELECT count(*) FROM case_steps")" "0"

# Renewal outside its window: refused with the reason (key 0001 has 300 days)
{ login; pick 1; party 成都锦城示例科技有限公司 91510100MA61XY3K4K; keyin 1
  printf 'key Enter Enter Enter Enter\ndump\n'; } > "$T/early.keys"
run early
seen early "renewal too early: reason with the opening date" "更新自2027-07-19起方可办理"
equal "renewal too early: no step recorded" "$(sql early "SELECT count(*) FROM case_steps")" "0"

# The key's unit differs from the application: caught at the counter
{ login; pick 1; party 绵阳某某公司 91510700MA62Q8TU37; keyin 2
  printf 'key Enter Enter Enter Enter\ndump\n'; } > "$T/mismatch.keys"
run mismatch
seen mismatch "unit on the key differs: 所属机构与key信息不一致" "所属机构与key信息不一致"

# The QR code on the payment screen decodes (zbarimg) to the order's code URL.
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'
  keyin 6; printf 'key Enter Enter\ndump\n'; } > "$T/qr.keys"
run qr
"$PWD/$BUILD/tests/tools/dump2pbm" "$T/qr.out" > "$T/qr.pbm" 2>"$T/qr.pbm.err"
decoded=$(zbarimg -q --raw "$T/qr.pbm" 2>/dev/null)
equal "QR on screen decodes to the order's code URL" "$decoded" "$(sql qr "SELECT detail FROM audit WHERE action = 'payment.qr'")"
truth "QR code URL is a WeChat Native one" sh -c "echo '$decoded' | grep -q '^weixin://wxpay/bizpayurl?pr='"
# each figure of the fee as the slip says it (issue 13 point 12)
seen qr "fee screen: the opening fee once" "开户费 100.00元（一次性） = 100.00"
seen qr "fee screen: the annual fee per year" "年服务费 200.00元/年×1年 = 200.00"
seen qr "fee screen: the seal fee per seal per year" "印章费100.00元/枚/年×1枚×1年 = 100.00"

# The idle lock over a payable order keeps its code on screen, payable (issue
# 12 point 4): the locked screen's QR decodes to the same URL; the PIN unlocks
# back to the payment screen.
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'
  keyin 6; printf 'key Enter Enter\nidle 30\ndump\n'; } > "$T/qrlock.keys"
run qrlock
seen qrlock "idle lock over the payment: locked" "屏幕已锁定"
seen qrlock "idle lock over the payment: says the code can still be paid" "收款二维码仍可扫码支付"
"$PWD/$BUILD/tests/tools/dump2pbm" "$T/qrlock.out" > "$T/qrlock.pbm" 2>"$T/qrlock.pbm.err"
equal "idle lock over the payment: the QR still decodes to the order's code URL" \
	"$(zbarimg -q --raw "$T/qrlock.pbm" 2>/dev/null)" "$(sql qrlock "SELECT detail FROM audit WHERE action = 'payment.qr'")"
{ cat "$T/qrlock.keys"; printf 'type 246810\nkey Enter\ndump\n'; } > "$T/qrunlock.keys"
run qrunlock
seen qrunlock "unlocked: back on the payment screen" "请客户使用微信扫码支付"

# English when language = en; slips go to the configured print command.
cp -r kiosk-config "$T/cfg_en"
sed -i 's/^language *=.*/language = en/' "$T/cfg_en/kiosk.ini"
sed -i "s|^command *=.*|command = cat > $T/printed.txt|" "$T/cfg_en/kiosk.ini"
{ login; pick 0; party "Chengdu Test Co" 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter\ndump\nkey Enter Enter\n'
  keyin 6; printf 'key Enter Enter\nkey F5\ndump\n'; } > "$T/english.keys"
rm -rf "$T/english.d"
KIOSK_SCRIPT="$T/english.keys" timeout 20 "$KIOSK" --demo --config "$T/cfg_en" --data-dir "$T/english.d" >"$T/english.out" 2>"$T/english.err"
seen english "English: screens in English" "Today's cases|Decision"
seen english "English: slip in English" "Acceptance slip|ACCEPT|Case"
truth "print command received the slip" grep -q "SCCA-CD-01-20261121-0001" "$T/printed.txt"

# The fifth wrong PIN in a row makes the staff id wait (the clock stands
# still here, so the wait never ends); the right PIN is then refused too.
{ login demo01 111111; printf 'type 111111\nkey Enter\n%.0s' 1 2 3; printf 'dump\ntype 111111\nkey Enter\ndump\ntype 246810\nkey Enter\ndump\n'; } > "$T/lockout.keys"
run lockout
seen lockout "login: tries left counted down" "还可尝试 1 次"
seen lockout "login: fifth failure makes the id wait" "已暂时锁定，请 1 秒后再试"
unseen lockout "login: locked id cannot sign in" "培训学员，您好"
equal "login: five wrong PINs audited" "$(sql lockout "SELECT count(*) FROM audit WHERE action = 'staff.login_failed' AND detail LIKE '%wrong PIN%'")" "5"
equal "login: the wait audited once" "$(sql lockout "SELECT count(*) FROM audit WHERE action = 'staff.locked'")" "1"
equal "login: the right PIN in the wait refused unchecked" "$(sql lockout "SELECT count(*) FROM audit WHERE action = 'staff.login_failed' AND detail LIKE '%\"locked\"%'")" "1"

# Find a case by the unit's USCC from home.
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf 'key Enter Enter Enter Enter\nkey Esc Esc\nkey F3\ntype 91310115ma1k3btp2b\nkey Enter\ndump\nkey Enter\ndump\n'; } > "$T/find.keys"
run find
seen find "find by USCC lists the case" "▶ SCCA-CD-01-20261121-0001"
seen find "Enter resumes it at the materials" "单位证照复印件"
{ login; printf 'key F3\ntype 91310115MA1K3BTP2X\nkey Enter\ndump\n'; } > "$T/notfound.keys"
run notfound
seen notfound "find: nothing found says so" "没有找到相符的业务"

# Seal upgrade with 40 days left (key 0004): renew first.
{ login; pick 13; party 成都青羊示例咨询服务有限公司 91510100MA6B4E8N71; keyin 4
  printf 'key Enter Enter Enter Enter\ndump\n'; } > "$T/seal_short.keys"
run seal_short
seen seal_short "seal upgrade under 60 days: renew first" "少于60天，请先办理证书更新"
equal "seal upgrade under 60 days: no step recorded" "$(sql seal_short "SELECT count(*) FROM case_steps")" "0"

# Change and bind need the key: without it the case does not go on.
for svc in 2 5; do
	{ login; pick $svc; party 成都锦城示例科技有限公司 91510100MA61XY3K4K
	  printf 'key Enter Enter Enter Enter\ndump\n'; } > "$T/nokey$svc.keys"
	run nokey$svc
	seen nokey$svc "service $svc without the key: asked for it" "此业务须携带数字证书 USB Key"
	equal "service $svc without the key: no step recorded" "$(sql nokey$svc "SELECT count(*) FROM case_steps")" "0"
done

# An expired certificate asked to be renewed: offered as a new case (key 0003).
{ login; pick 1; party 成都天府示例商贸有限公司 91510100MA6C7D2A75; keyin 3
  printf 'key Enter Enter Enter\ndump\nkey Enter\ndump\n'; } > "$T/expired.keys"
run expired
seen expired "expired renewal: handled as new" "按新办办理"
equal "expired renewal: renew case cancelled, new case opened" "$(sql expired "SELECT group_concat(service_id || ':' || status, ' ') FROM cases")" "rs.renew:cancelled rs.new:open"

# Idle lock in script mode: the clerk's own PIN unlocks; a supervisor may take over.
{ login; printf 'idle 10\ndump\ntype 000000\nkey Enter\ndump\ntype 246810\nkey Enter\ndump\n'
  printf 'key F9\nkey Tab\nkey Home\nkey Delete Delete Delete Delete Delete Delete\ntype demosup\nkey Enter\ntype 975310\nkey Enter\ndump\n'; } > "$T/idle.keys"
run idle
seen idle "idle lock: screen locked after the idle time" "屏幕已锁定（培训学员，工号 demo01）"
seen idle "idle lock: wrong PIN refused" "PIN 不正确"
seen idle "idle lock: own PIN unlocks" "培训学员，您好"
seen idle "idle lock: a supervisor takes over" "经办 demosup"
equal "idle lock: takeover audited" "$(sql idle "SELECT count(*) FROM audit WHERE action = 'staff.takeover'")" "1"

# F1 on the lock screen, then the idle lock again: the PIN still unlocks
# (once trapped the kiosk on the lock screen)
{ login; printf 'key F9\nkey F1\nidle 30\ntype 246810\nkey Enter\ndump\n'; } > "$T/lockhelp.keys"
run lockhelp
seen lockhelp "lock + help + idle: unlocked back to home" "1号窗口  今日业务"

# ---- going back and correcting (issue 13 point 3) ----
# At the decision, Esc goes back to the materials, then to the details, with
# what was typed; the mobile corrected there is audited with both versions,
# and Enter goes on to where the case was (the decision).
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter\ndump\nkey Esc\ndump\nkey Esc\ndump\n'
  printf 'key Down Down Down Down\nkey C-u\ntype 139-0013-9000\nkey Enter Enter Enter Enter\ndump\n'; } > "$T/goback.keys"
run goback
seen goback "Esc at the decision: the materials, marks kept" "1号窗口  资料核验"
seen goback "the marks kept" "已收取 "
seen goback "Esc again: the details with what was typed" "经办人手机号码 +138-0013-8000"
seen goback "corrected: said, and on to the decision" "已更正，改动前后的内容已记入日志"
equal "goback: both versions in the audit row" \
	"$(sql goback "SELECT json_extract(detail, '\$.changes[0].field') || '|' || json_extract(detail, '\$.changes[0].old') || '|' || json_extract(detail, '\$.changes[0].new') FROM audit WHERE action = 'case.correct'")" \
	"agent_mobile|13800138000|13900139000"
equal "goback: the case at its decision step again" "$(sql goback "SELECT agent_mobile || '|' || last_step FROM cases")" "13900139000|materials"

# Past the point of no return (the key written): Esc no longer goes back;
# F3 corrects the agent's mobile with a supervisor's PIN and a reason; the
# clerk cannot approve it.
late() { # late NAME APPROVER PIN
	{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
	  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter\nkey Enter Enter\n'
	  keyin 6; printf 'key Enter Enter\nkey F3\ndump\nkey Down Down Down Down\nkey C-u\ntype 139-0013-9000\nkey Enter Enter Enter Enter\ndump\n'
	  printf 'type %s\nkey Enter\ntype %s\nkey Enter\ntype 客户报错手机号\nkey Enter\ndump\n' "$2" "$3"; } > "$T/$1.keys"
	run "$1"
}
late late_ok demosup 975310
seen late_ok "F3 at the payment: the agent's details to correct" "更正经办人信息"
seen late_ok "the supervisor sees old and new" "经办人手机号码：13800138000 → 13900139000"
seen late_ok "approved: back at the payment, said" "已更正，改动前后的内容已记入日志"
# ...with the case it changes, as every approval screen shows it (issue 13 point 1)
seen late_ok "the late correction's approval: the unit and its USCC" "单位：成都测试科技有限公司（统一社会信用代码 91310115MA1K3BTP2B）"
seen late_ok "the late correction's approval: the service and the case" "业务：证书及印章新办（SCCA-CD-01-20261121-0001）"
seen late_ok "the late correction's approval: the money" "应收 400.00 元"
equal "late_ok: approved by the supervisor, with the reason" \
	"$(sql late_ok "SELECT json_extract(detail, '\$.approved_by') || '|' || json_extract(detail, '\$.reason') || '|' || json_extract(detail, '\$.changes[0].new') FROM audit WHERE action = 'case.correct'")" \
	"demosup|客户报错手机号|13900139000"
late late_self demo01 246810
# F3, nothing changed, Enter: said, and no supervisor asked for
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter\nkey Enter Enter\n'
  keyin 6; printf 'key Enter Enter\nkey F3\nkey Enter Enter Enter Enter Enter Enter Enter Enter\ndump\n'; } > "$T/late_same.keys"
run late_same
seen late_same "F3 with nothing changed: said, no approval needed" "内容未改动，无须主管审批"
unseen late_same "F3 with nothing changed: no supervisor asked for" "主管审批 *$|请主管核对"
seen late_self "the clerk cannot approve the correction" "不能审批|本人"
equal "late_self: nothing corrected" "$(sql late_self "SELECT count(*) || '|' || (SELECT agent_mobile FROM cases) FROM audit WHERE action = 'case.correct'")" "0|13800138000"

# The demo key picker (F5) is a list of keys only: no line of words under it
# (a reason's line there would invite typing into nothing). On the way, the
# materials: the note of the one under the cursor is shown whole, wrapped.
{ login; pick 0; party 成都测试科技有限公司 91310115MA1K3BTP2B
  printf 'key Enter Enter Enter Enter\ndump\nkey F5 F5 F5\nkey Enter Enter Enter\nkey F5\ndump\nkey Esc\n'; } >"$T/picker.keys"
run picker
seen picker "materials: the note under the cursor wraps to its end" "^ +章无效"
seen picker "demo key picker: the keys listed, a locked PIN flagged" "SC-DEMO-0007 .*【密码已锁定】"
unseen picker "demo key picker: no line of words under the list" "^ +说明"

# The footer shows every key that acts on the screen (tests/unit/
# test_tui_footer.c checks every screen's table; here the screens as drawn):
# home with its cases has F11 (a case's paper) and Enter, and where the keys
# do not fit on one row they go on to a second, in the table's order, F10 last.
{ printf 'type demosup\nkey Enter\ntype 975310\nkey Enter\n'; pick 0; printf 'key Esc\ndump\nkey F4\ndump\n'; } >"$T/footer.keys"
run footer
seen footer "home footer: Enter and F11 beside the others" "^ F1 帮助  Enter 确认  F2 新业务  F3 查找  F4 主管  F5 员工  F6 培训  F7 补交$"
seen footer "home footer: second row, F8 F11 F12 (a trainer's fresh day) F9 and F10 last" "^ F8 撤销退款  F11 回执  F12 新培训日  F9 锁屏  F10 退出$"
# the day view's keys, the most of any screen, one column apart
seen footer "day view footer: Tab among them" "^ F1 帮助 Esc 返回 Enter 确认 Tab 分页 F3 查找 F2 日期 F12 日结 PgUp/Dn 换日$"
seen footer "day view footer: the filters, F11 and F9 too" "^ F5 经办 F6 业务 F7 结果 F8 撤销退款 F11 回执 F9 锁屏 F10 退出$"
