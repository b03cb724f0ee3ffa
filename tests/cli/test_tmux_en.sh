#!/bin/sh
# The English kiosk on a real 80x24 terminal (tmux, demo mode): the main
# screens walked, and on each the words that were cut before shown whole:
# the screen's name in the title, every service's name, the F1 help lines,
# the form's labels and the holder type, the day view's outcomes, the staff
# roles. Every check polls the pane with a deadline.
. tests/cli/tmux.sh

cp -R kiosk-config "$T/cfg_en"
sed -i 's/^language *=.*/language = en/' "$T/cfg_en/kiosk.ini"
# session80 NAME: like session, 80x24
tm new-session -d -s en -x 80 -y 24 \
	"env -u LINES -u COLUMNS -u KIOSK_NOW -u KIOSK_SCRIPT -u KIOSK_DUMP -u ENV \
	 LANG=C.UTF-8 TERM=xterm-256color PS1='$ ' sh"
kiosk en --demo --config "$T/cfg_en" --data-dir "$T/en.d"
shows en "80x24 English: the login screen" "Staff id"
equal "80x24: the pane is 80x24" "$(tm display -p -t en '#{pane_width}x#{pane_height}')" "80x24"
text en demosup
keys en Enter
text en 975310
keys en Enter
shows en "home: the screen's name whole in the title" "Window 1  Today's cases *$"
# every key that acts at home in its footer, on two rows at 80 columns
shows en "home: the footer's first row, Enter among the keys" "^ F1 Help  Enter OK  F2 New case  F3 Find  F4 Supervisor  F5 Staff  F6 Training *$"
shows en "home: the footer's second row, F11, F12 and F9 too" "^ F7 Supplement  F8 Cancel \\+ refund  F11 Slip  F12 New day  F9 Lock  F10 Quit *$"

# F1 help: the long lines go on to a second row, the labels whole
keys en F1
shows en "help: a long help line's end on its second row" "^ +USCC, or part of the unit's or agent's name *$"
shows en "help: the supervisor's line whole" "^ +day close \\(supervisors only\\) *$"
shows en "help: more below is said" "more below \\(Down / PgDn\\)"
keys en NPage
shows en "help: PgDn shows the next page, more above said" "more above \\(Up / PgUp\\)"
shows en "help: the label of F8 whole" "F8 +Cancel \\+ refund  "
keys en Escape

# the service picker: every name whole, the picked one's note in full
keys en F2
shows en "services: the title whole" "Window 1  Choose a service *$"
for s in "New certificate" "Certificate renewal" "Certificate change" "Certificate reissue" \
	"Revoke certificate" "Certificate binding" "New cert \\+ seal" "Renew cert \\+ seal" \
	"Change cert \\+ seal" "Reissue cert \\+ seal" "Revoke cert \\+ seal" "Seal upgrade" "Seal renewal"; do
	shows en "services: '$s' whole" "^ +(▶ )?$s  " 3
done
shows en "services: the picked service's note in full" "^  First certificate or an additional one; a new USB key.*"
keys en Down Down Down Down Down Down Down
shows en "services: the note of the one picked now" "First or additional certificate"

# the form: labels and the holder type whole
keys en Enter
shows en "form: the title whole" "Window 1  Unit and agent *$"
shows en "form: the USCC's label whole" "^  Unified social credit code( |$)"
shows en "form: the holder type whole, on two rows" "purchase supervisor, supplier, agency\\) >"
shows en "form: the fee from the start" "Fee: 400.00 yuan"
keys en Escape

# the day view: the outcomes whole
keys en F4
shows en "day view: the title whole" "Window 1  Day view \\(supervisor\\) *$"
shows en "day view: every key in the footer, one column apart" "^ F5 Clerk F6 Service F7 Result F8 Cancel \\+ refund F11 Slip F9 Lock F10 Quit *$"
shows en "day view: an outcome and its count whole" "Open, no decision 1"
shows en "day view: the 容缺 outcome whole" "Accepted, to follow 0"
keys en Escape

# the day view's case rows: the service's name whole (the longest English one too)
keys en F2 Down Enter
shows en "a renewal opened" "Window 1  Unit and agent *$"
keys en Escape
keys en F4 Tab
shows en "day rows: the outcome and the service whole" "^. SCCA-CD-01-[0-9]{8}-0001 [0-9:]{5} demosup Open +0.00  New cert \\+ seal *$"
shows en "day rows: the longest service name whole" "^. SCCA-CD-01-[0-9]{8}-0002 [0-9:]{5} demosup Open +0.00  Certificate renewal *$"
keys en Escape

# the staff screen: roles whole
keys en F5
shows en "staff: the title whole" "Window 1  Staff *$"
shows en "staff: the clerk's role whole" "demo01 +培训学员 +Counter clerk +active"
keys en Escape
# unshown NAME TEST TEXT: the pane, as it is now, does not hold TEXT
unshown() {
	tm capture-pane -p -t "$1" >"$T/$1.now"
	if grep -qF -- "$3" "$T/$1.now"; then
		echo "FAIL $2: the screen shows '$3'"
		sed 's/^/    | /' "$T/$1.now"
	else
		echo "PASS $2"
	fi
}
# a whole case at 80x24 in English: the materials' marks and names, the
# decision, the key in the status line and the fee, each whole (wrapped, not cut)
keys en F2 Down Down Down Down Down Down Down Enter
shows en "case: a new cert + seal opened" "Window 1  Unit and agent *$"
text en "Chengdu Test Technology Co Ltd"; keys en Enter
text en 91310115MA1K3BTP2B; keys en Enter
text en 张三; keys en Enter
text en 110102199101010078; keys en Enter
text en 138-0013-8000
keys en Enter Enter Enter Enter
shows en "materials: the mark whole, the name beside it" "^▶ Not checked Application form for enterprise digital certificates and seals *$"
shows en "materials: a long name's end and (essential) on its second row" "^ +\\(original\\) \\(essential\\) *$"
keys en F5 F6 F5 Enter
shows en "decision: the verdict whole, on two rows" "^ +customer signs a promise to bring them by the deadline\\. *$"
shows en "decision: the missing material whole, on two rows" "^ +certificate\\): Missing *$"
keys en Enter Enter F5 Down Down Down Down Down Enter
shows en "key: the key's state whole in the status line" "Key SC-DEMO-0006 blank +[0-9]{2}:[0-9]{2} *$"
keys en Enter Enter
shows en "fee: the amount line whole, on two rows" " with WeChat to pay *$" 20
unshown en "fee: nothing cut" "…"
keys en F10
shows en "quit asked" "Quit anyway\\?"
keys en Enter
shows en "the kiosk ended" "kiosk rc=0"
