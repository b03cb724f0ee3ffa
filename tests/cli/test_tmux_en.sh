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
shows en "home: the footer's second row, F11 and F9 too" "^ F7 Supplement  F8 Cancel \\+ refund  F11 Slip  F9 Lock  F10 Quit *$"

# F1 help: the long lines go on to a second row, the labels whole
keys en F1
shows en "help: a long help line's end on its second row" "^ +USCC, or part of the unit's or agent's name *$"
shows en "help: the label of F8 whole" "F8 +Cancel \\+ refund  "
shows en "help: the supervisor's line whole" "^ +day close \\(supervisors only\\) *$"
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
shows en "day view: an outcome and its count whole" "Stopped, no decision 1"
shows en "day view: the 容缺 outcome whole" "Accepted, to follow 0"
keys en Escape

# the day view's case rows: the service's name whole (the longest English one too)
keys en F2 Down Enter
shows en "a renewal opened" "Window 1  Unit and agent *$"
keys en Escape
keys en F4 Tab
shows en "day rows: the outcome and the service whole" "^. SCCA-CD-01-[0-9]{8}-0001 [0-9:]{5} demosup Stopped +0.00  New cert \\+ seal *$"
shows en "day rows: the longest service name whole" "^. SCCA-CD-01-[0-9]{8}-0002 [0-9:]{5} demosup Stopped +0.00  Certificate renewal *$"
keys en Escape

# the staff screen: roles whole
keys en F5
shows en "staff: the title whole" "Window 1  Staff *$"
shows en "staff: the clerk's role whole" "demo01 +培训学员 +Counter clerk +active"
keys en Escape
keys en F10
shows en "quit asked" "Quit anyway\\?"
keys en Enter
shows en "the kiosk ended" "kiosk rc=0"
