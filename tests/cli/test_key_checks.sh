#!/bin/sh
# The key is checked before the clerk is asked to write it (issue 13 point
# 8: confirmations only after validation), and the demo's revocation erases
# only the case unit's key (point 9: demo = real), in script mode.
. tests/cli/screens.sh
MATS='key Enter Enter Enter Enter\nkey F5 F5 F5\nkey Enter Enter Enter\n'
SUP='type demosup\nkey Enter\ntype 975310\nkey Enter\n'

# ---- a 新办 with another unit's personalised key (demo key 0002) ----
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$MATS"; keyin 2
  printf 'key Enter\ndump\n'; } >"$T/new_used.keys"
run new_used
seen new_used "new, a used key: told it holds a certificate" "Key SC-DEMO-0002 已有证书"
unseen new_used "new, a used key: not asked to write it" "即将写入客户的 USB Key"
equal "new, a used key: no token step" "$(sql new_used "SELECT count(*) FROM case_steps WHERE step='token'")" 0

# ---- a 新办 with a blank key (demo key 0006): asked, then written ----
{ login; pick 7; party 成都测试科技有限公司 91310115MA1K3BTP2B; printf "$MATS"; keyin 6
  printf 'key Enter\ndump\nkey Enter\n'; } >"$T/new_blank.keys"
run new_blank
seen new_blank "new, a blank key: asked before writing" "即将写入客户的 USB Key"
equal "new, a blank key: the token step done" "$(sql new_blank "SELECT count(*) FROM case_steps WHERE step='token'")" 1

# ---- 政采吊销 for 成都锦城 with 绵阳涪城's key (demo key 0002) ----
{ login; pick 11; party 成都锦城示例科技有限公司 91510100MA61XY3K4K; keyin 2
  printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\ndump\n'; printf "$SUP"
  printf 'key Enter\ndump\nkey Enter\ndump\nkey F5\ndump\n'; } >"$T/rev_foreign.keys"
run rev_foreign
# the supervisor's approval (issue 13 point 1): the key in the reader is
# named as another unit's, never as the key approved
seen rev_foreign "revoke approval, a foreign key: a warning names it another unit's" "注意：读卡器中的 Key SC-DEMO-0002 属于其他单位"
unseen rev_foreign "revoke approval, a foreign key: not shown as the key approved" "USB Key：[^-]*SC-DEMO-0002"
seen rev_foreign "revoke, a foreign key: told it is another unit's" "属于其他单位（绵阳涪城示例建设工程有限公司"
unseen rev_foreign "revoke, a foreign key: not asked to erase it" "即将写入客户的 USB Key"
equal "revoke, a foreign key: no token step" "$(sql rev_foreign "SELECT count(*) FROM case_steps WHERE step='token'")" 0
# the key is still 绵阳涪城's (F5's list of demo keys reads it as it is now)
seen rev_foreign "revoke, a foreign key: the key is not erased" "SC-DEMO-0002 .*绵阳涪城"
unseen rev_foreign "revoke, a foreign key: the key never reads blank" "Key SC-DEMO-0002 空白"

# ---- the same revocation with the unit's own key (demo key 0001) ----
{ login; pick 11; party 成都锦城示例科技有限公司 91510100MA61XY3K4K; keyin 1
  printf 'key Enter Enter Enter\nkey F5 F5 F5 F5\nkey Enter Enter Enter\n'; printf "$SUP"
  printf 'key Enter\ndump\nkey Enter\n'; } >"$T/rev_own.keys"
run rev_own
seen rev_own "revoke, the unit's key: asked before erasing" "即将写入客户的 USB Key"
equal "revoke, the unit's key: the token step done" "$(sql rev_own "SELECT count(*) FROM case_steps WHERE step='token'")" 1
