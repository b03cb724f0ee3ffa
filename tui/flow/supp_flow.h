/* supp_flow: 容缺补交 and 好差评 without a screen (issue 13, points 2 and 14).
 *
 * 容缺补交: a 容缺 case (accepted with a non-essential material missing, its
 * slip printed, a deadline promised) is found by what the customer remembers
 * (the home finder's query: case number or its tail, USCC, unit or agent
 * name) or from the list of every case still owed; the owed materials are
 * marked with the checklist's marks and checks (received, missing, defective
 * with a reason; forms/checklist.h); when every one is received the
 * supplement is recorded, the case 办结, and the 容缺补交回执 saved under the
 * data directory (<case>-supplement.txt) and printed. After the deadline a
 * supervisor (id and PIN, not the clerk) allows it with a note
 * (docs/clerk-guide.md "容缺补交"). A supp_case is owned by its caller:
 * supp_flow_open() makes one, supp_case_free() releases it.
 *
 * 好差评: the customer's one rating of a case at its end (five levels or
 * none), a 差评's follow-up due so many working days later
 * (services.ini [rules]), and the supervisor's record of the follow-up. */
#ifndef TUI_FLOW_SUPP_FLOW_H
#define TUI_FLOW_SUPP_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "core/case/rating.h"
#include "db/repo/supp_repo.h"
#include "forms/checklist.h"
#include "tui/flow/case_flow.h"
#include "tui/flow/counter.h"

typedef struct supp_case {
	case_rec rec;
	const service *svc;
	checklist *cl;            /* the service's: what was received at acceptance marked so */
	bool *owed;               /* per checklist item: owed by the case (the ones to mark) */
	size_t n_owed;
	bool late;                /* today is after the deadline: a supervisor decides */
	bool done;                /* recorded: the case is 办结 */
	char *slip_text;          /* the 容缺补交回执, once recorded */
	char slip_path[1024];
	char msg[1024];           /* the last result or error, for the screen */
	bool failed;
} supp_case;

/* The 容缺 cases still owed: every one (query NULL or blank), nearest
 * deadline first, or those the finder's query finds. *out owned (free()).
 * 0, or -1 with the reason said. */
int supp_flow_list(counter *k, const char *query, case_rec **out, size_t *n);
/* Is this case one whose material can be brought back (容缺, slip printed)? */
bool supp_flow_owes(const case_rec *c);
/* Take up case_no for its supplement: NULL with the reason said (no such
 * case, not 容缺 owing a material, its service no longer in the catalogue).
 * A case whose supplement is recorded already is taken up done, with its
 * slip (to show, reprint or rate). */
supp_case *supp_flow_open(counter *k, const char *case_no);
void supp_case_free(supp_case *s);
/* Mark checklist item i (only an owed one); a defective mark needs a reason.
 * false with the reason said. */
bool supp_flow_mark(counter *k, supp_case *s, size_t i, material_mark m, const char *reason);
/* Every owed item received: record the supplement (late: sup_id and pin of a
 * supervisor, who is not the clerk, and a note saying why; the PIN is wiped),
 * complete the case, make and print the slip: FLOW_NEXT. Something still
 * unmarked, missing or defective: FLOW_STAY, s->msg says what is still owed
 * and nothing is recorded. FLOW_FAILED with s->msg (a refused approval, the
 * store). A slip that could not be saved is made again by supp_flow_slip(). */
flow_outcome supp_flow_complete(counter *k, supp_case *s, const char *sup_id, char *pin,
				const char *note);
/* The 容缺补交回执 of a completed supplement, rendered from the store, saved
 * and sent to the print command (once; a second call keeps it). false with
 * s->msg. */
bool supp_flow_slip(counter *k, supp_case *s);
/* A copy marked 补打 / REPRINT, saved beside it and printed. */
void supp_flow_reprint(counter *k, supp_case *s);

/* ---- 好差评 ---- */

/* Record the customer's rating of case_no by the signed-in clerk: a 差评 is
 * due rating_followup_days working days from today. false with the reason said. */
bool rating_flow_record(counter *k, const char *case_no, rating_level l, const char *comment);
/* The case's rating in words for the screens ("满意", "未评价" when none; a
 * 差评 with its due day and follow-up); buf. */
const char *rating_flow_text(counter *k, const char *case_no, char *buf, size_t n);
/* The signed-in supervisor records what was done about case_no's 差评.
 * false with the reason said. */
bool rating_flow_resolve(counter *k, const char *case_no, const char *what);

#endif
