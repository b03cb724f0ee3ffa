/* app: the kiosk's screens, its actions and the state the loop keeps.
 * Screens and actions are declared once in the tables below (after tig's
 * view and request tables): the footer, the F1 help and key dispatch are
 * generated from ACTIONS, and an action's preconditions are a column of it
 * (after neomutt's CHECK_*). Each screen is a small ops table that declares
 * the size of its private state: the loop allocates it when the screen is
 * entered and frees it when the screen is left (help and the lock are
 * overlays: the screen under them keeps its state), unless the screen keeps
 * it for the session. The app owns the counter (tui/flow/counter.h: the
 * configuration, the store, the devices, who is signed in) and the case in
 * progress; flows get the counter, screens get the app.
 *
 *   files          header  what they hold
 *   app.h          public  this table; the screen and action tables, the app
 *   app.c                  the loop, navigation and private states, actions
 *                          offered (the NEED_* column), the key's live state
 *   frame.c                the title, status and footer lines of every screen
 *
 * app.h is public to tui/screens and tui/kiosk.c. */
#ifndef TUI_APP_APP_H
#define TUI_APP_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "core/base/names.h"
#include "tui/flow/flow.h"
#include "tui/term/draw.h"
#include "tui/term/edit.h"
#include "tui/term/input.h"

/* Screens: id, string key of the title. */
#define SCREENS(X)                                   \
	X(SCR_LOGIN,     "screen.login")             \
	X(SCR_HOME,      "screen.home")              \
	X(SCR_SERVICE,   "screen.service")           \
	X(SCR_DETAILS,   "screen.details")           \
	X(SCR_MATERIALS, "screen.materials")         \
	X(SCR_DECISION,  "screen.decision")          \
	X(SCR_APPROVAL,  "screen.approval")          \
	X(SCR_TOKEN,     "screen.token")             \
	X(SCR_PAYMENT,   "screen.payment")           \
	X(SCR_SLIP,      "screen.slip")              \
	X(SCR_DAY,       "screen.day")               \
	X(SCR_TIMELINE,  "screen.timeline")          \
	X(SCR_REFUND,    "screen.refund")            \
	X(SCR_STAFF,     "screen.staff")             \
	X(SCR_TRAIN,     "screen.train")             \
	X(SCR_STOP,      "screen.stop")              \
	X(SCR_SCORE,     "screen.score")             \
	X(SCR_PAPER,     "screen.paper")             \
	X(SCR_SUPPLY,    "screen.supply")            \
	X(SCR_SUPP_SLIP, "screen.supp_slip")         \
	X(SCR_RATING,    "screen.rating")            \
	X(SCR_HALL,      "screen.hall")              \
	X(SCR_LOCK,      "screen.lock")              \
	X(SCR_HELP,      "screen.help")

/* screen_id_key(): the title's UI string key ("screen.unknown" out of range) */
ENUM_DECLARE_KEY(screen_id, SCREENS, SCR_COUNT);

#define ON(s) (1u << (s))
#define ON_CASE (ON(SCR_DETAILS) | ON(SCR_MATERIALS) | ON(SCR_DECISION) | ON(SCR_APPROVAL) | \
		 ON(SCR_TOKEN) | ON(SCR_PAYMENT))
#define ON_SIGNED_IN (ON(SCR_HOME) | ON(SCR_SERVICE) | ON_CASE | ON(SCR_SLIP) | ON(SCR_DAY) | \
		      ON(SCR_TIMELINE) | ON(SCR_REFUND) | ON(SCR_STAFF) | ON(SCR_TRAIN) | ON(SCR_STOP) | ON(SCR_SCORE) | \
		      ON(SCR_PAPER) | ON(SCR_SUPPLY) | ON(SCR_SUPP_SLIP) | ON(SCR_RATING) | ON(SCR_HALL))
#define ON_ALL 0xffffffffu

/* What an action needs to be offered (NEED_* may be or-ed): trainer mode, a
 * real kiosk, a supervisor signed in, a reissue case, a scenario being
 * played, a case with nothing confirmed yet, a hall (its day readable here:
 * [hall] central, not trainer mode). NO_FOOT: offered and listed by F1 help, but left out of the footer,
 * with the reason in FOOT_HIDDEN below. One function checks the column
 * (action_offered_on). */
enum {
	NEED_NONE = 0,
	NEED_DEMO = 1 << 0,
	NEED_REAL = 1 << 1,
	NEED_SUPERVISOR = 1 << 2,
	NEED_REISSUE = 1 << 3,
	NEED_SCENARIO = 1 << 4,
	NEED_FRESH = 1 << 5,      /* a case with no step confirmed yet */
	NEED_HALL = 1 << 6,       /* the hall's day can be read (counter.hallday) */
	NEED_TRAINER = 1 << 7,    /* a trainer or a supervisor signed in */
	NO_FOOT = 1 << 8
};

/* Actions: id, key, key label, UI string key (label; "<key>.help" is its help
 * line), screens where it applies, what it needs (NEED_*, NO_FOOT). */
#define ACTIONS(X)                                                                          \
	X(ACT_HELP,      KEY_F(1),  "F1",    "act.help",      ON_ALL & ~ON(SCR_HELP), NEED_NONE)      \
	X(ACT_BACK,      K_ESC,     "Esc",   "act.back",      ON_ALL & ~(ON(SCR_LOGIN) | ON(SCR_HOME) | ON(SCR_LOCK)), NEED_NONE) \
	X(ACT_NEXT,      KEY_ENTER, "Enter", "act.next",      ON_ALL & ~ON(SCR_HELP), NEED_NONE)      \
	X(ACT_FIELD,     K_TAB,     "Tab",   "act.field",     ON(SCR_LOGIN) | ON(SCR_DETAILS) | ON(SCR_LOCK) | ON(SCR_APPROVAL) | ON(SCR_REFUND) | ON(SCR_SUPPLY), NEED_NONE) \
	X(ACT_FIELD_BACK, KEY_BTAB, "S-Tab", "act.field_back", ON(SCR_LOGIN) | ON(SCR_DETAILS) | ON(SCR_LOCK) | ON(SCR_APPROVAL) | ON(SCR_REFUND) | ON(SCR_SUPPLY), NO_FOOT) \
	X(ACT_TAB,       K_TAB,     "Tab",   "act.tab",       ON(SCR_DAY) | ON(SCR_HALL) | ON(SCR_PAPER), NEED_NONE)  \
	X(ACT_NEW_CASE,  KEY_F(2),  "F2",    "act.new_case",  ON(SCR_HOME), NEED_NONE)                \
	X(ACT_FIND,      KEY_F(3),  "F3",    "act.find",      ON(SCR_HOME) | ON(SCR_DAY), NEED_NONE)  \
	X(ACT_HALL_DAY,  KEY_F(4),  "F4",    "act.hall_day",  ON(SCR_DAY), NEED_SUPERVISOR | NEED_HALL) \
	X(ACT_WINDOW_DAY, KEY_F(4), "F4",    "act.window_day", ON(SCR_HALL), NEED_NONE)             \
	X(ACT_SUPP_FIND, KEY_F(3),  "F3",    "act.find",      ON(SCR_SUPPLY), NEED_NONE)  \
	X(ACT_SUPERVISE, KEY_F(4),  "F4",    "act.supervise", ON(SCR_HOME), NEED_SUPERVISOR)            \
	X(ACT_STAFF,     KEY_F(5),  "F5",    "act.staff",     ON(SCR_HOME), NEED_SUPERVISOR)            \
	X(ACT_STAFF_ADD, KEY_F(2),  "F2",    "act.staff_add", ON(SCR_STAFF), NEED_SUPERVISOR)           \
	X(ACT_STAFF_UNLOCK, KEY_F(5), "F5",  "act.staff_unlock", ON(SCR_STAFF), NEED_SUPERVISOR)        \
	X(ACT_STAFF_PIN, KEY_F(6),  "F6",    "act.staff_pin", ON(SCR_STAFF), NEED_SUPERVISOR)           \
	X(ACT_STAFF_DISABLE, KEY_F(7), "F7", "act.staff_disable", ON(SCR_STAFF), NEED_SUPERVISOR)       \
	X(ACT_TRAIN,     KEY_F(6),  "F6",    "act.train",     ON(SCR_HOME), NEED_DEMO)           \
	X(ACT_SUPPLY,    KEY_F(7),  "F7",    "act.supply",    ON(SCR_HOME), NEED_NONE)                \
	X(ACT_GO_DATE,   KEY_F(2),  "F2",    "act.go_date",   ON(SCR_DAY) | ON(SCR_HALL), NEED_NONE) \
	X(ACT_DAY_CLOSE, KEY_F(12), "F12",   "act.day_close", ON(SCR_DAY), NEED_NONE)             \
	X(ACT_PREV_DAY,  KEY_PPAGE, "PgUp/Dn", "act.prev_day", ON(SCR_DAY) | ON(SCR_HALL), NEED_NONE) \
	X(ACT_NEXT_DAY,  KEY_NPAGE, "PgDn",  "act.next_day",  ON(SCR_DAY) | ON(SCR_HALL), NO_FOOT)  \
	X(ACT_HALL_REFRESH, KEY_F(5), "F5",  "act.hall_refresh", ON(SCR_HALL), NEED_NONE)          \
	X(ACT_F_CLERK,   KEY_F(5),  "F5",    "act.f_clerk",   ON(SCR_DAY), NEED_NONE)             \
	X(ACT_F_SERVICE, KEY_F(6),  "F6",    "act.f_service", ON(SCR_DAY), NEED_NONE)             \
	X(ACT_F_OUTCOME, KEY_F(7),  "F7",    "act.f_outcome", ON(SCR_DAY), NEED_NONE)             \
	X(ACT_END_TRAIN, KEY_F(7),  "F7",    "act.end_train", ON(SCR_TRAIN), NEED_DEMO)          \
	X(ACT_RECEIVED,  KEY_F(5),  "F5",    "act.received",  ON(SCR_MATERIALS) | ON(SCR_SUPPLY), NEED_NONE)           \
	X(ACT_MISSING,   KEY_F(6),  "F6",    "act.missing",   ON(SCR_MATERIALS) | ON(SCR_SUPPLY), NEED_NONE)           \
	X(ACT_DEFECTIVE, KEY_F(7),  "F7",    "act.defective", ON(SCR_MATERIALS) | ON(SCR_SUPPLY), NEED_NONE)           \
	X(ACT_KEY_IN,    KEY_F(5),  "F5",    "act.key_in",    ON(SCR_DETAILS) | ON(SCR_TOKEN), NEED_DEMO) \
	X(ACT_KEY_OUT,   KEY_F(6),  "F6",    "act.key_out",   ON(SCR_DETAILS) | ON(SCR_TOKEN), NEED_DEMO) \
	X(ACT_OLD_REASON, KEY_F(7), "F7",    "act.old_reason", ON(SCR_TOKEN), NEED_REAL | NEED_REISSUE)              \
	X(ACT_CORRECT,   KEY_F(3),  "F3",    "act.correct",   ON(SCR_PAYMENT), NEED_NONE) \
	X(ACT_PAID,      KEY_F(5),  "F5",    "act.paid",      ON(SCR_PAYMENT), NEED_DEMO)             \
	X(ACT_PAY_AGAIN, KEY_F(6),  "F6",    "act.pay_again", ON(SCR_PAYMENT), NEED_NONE)             \
	X(ACT_PRINT,     KEY_F(5),  "F5",    "act.print",     ON(SCR_SLIP) | ON(SCR_PAPER) | ON(SCR_SUPP_SLIP), NEED_NONE) \
	X(ACT_RATE,      KEY_F(6),  "F6",    "act.rate",      ON(SCR_SLIP) | ON(SCR_SUPP_SLIP), NEED_NONE) \
	X(ACT_WITHDRAW,  KEY_F(7),  "F7",    "act.withdraw",  ON(SCR_DETAILS), NEED_FRESH)              \
	X(ACT_CANCEL,    KEY_F(8),  "F8",    "act.cancel",    ON_CASE, NEED_NONE)                      \
	X(ACT_REFUND,    KEY_F(8),  "F8",    "act.refund",    ON(SCR_HOME) | ON(SCR_DAY), NEED_NONE)             \
	X(ACT_PAPER,     KEY_F(11), "F11",   "act.paper",     ON(SCR_HOME) | ON(SCR_DAY) | ON(SCR_TIMELINE), NEED_NONE) \
	X(ACT_T_GATEWAY, KEY_F(11), "F11",   "act.t_gateway", ON_CASE, NEED_DEMO | NEED_SCENARIO)                 \
	X(ACT_T_PIN_LOCK, KEY_F(12), "F12",  "act.t_pin_lock", ON_CASE, NEED_DEMO | NEED_SCENARIO)                \
	X(ACT_NEW_DAY,   KEY_F(12), "F12",   "act.new_day",   ON(SCR_HOME), NEED_DEMO | NEED_TRAINER) \
	X(ACT_LOCK,      KEY_F(9),  "F9",    "act.lock",      ON_SIGNED_IN, NEED_NONE)                 \
	X(ACT_QUIT,      KEY_F(10), "F10",   "act.quit",      ON_ALL & ~ON(SCR_HELP), NEED_NONE)

/* The actions left out of the footer (NO_FOOT), each with why. Every other
 * action offered on a screen is in its footer: tests/unit/test_tui_footer.c
 * holds the footer to that on every screen, in both languages, at 80
 * columns, and every NO_FOOT row to a line here. */
#define FOOT_HIDDEN(X)                                                                      \
	X(ACT_FIELD_BACK, "S-Tab goes back through the fields that Tab (in the footer) goes through; F1 lists it") \
	X(ACT_NEXT_DAY,   "the footer's PgUp/Dn (ACT_PREV_DAY) names PgDn too")

typedef enum action_id {
#define X(e, key, label, skey, where, need) e,
	ACTIONS(X)
#undef X
	ACT_COUNT,
	ACT_NONE = -1
} action_id;

typedef struct app app;

/* The most items app_choose() lists. */
#define APP_CHOICES_MAX 12

typedef struct action_def {
	int key;
	const char *key_label;
	const char *str_key;
	unsigned where;
	unsigned need;            /* NEED_*, NO_FOOT */
} action_def;

extern const action_def actions[ACT_COUNT];
/* The action bound to a key on the current screen, or ACT_NONE. */
action_id action_for_key(const app *a, const key_event *ev);
/* Whether an action is offered now (screen, mode, the case's service). */
bool action_offered(const app *a, action_id id);
/* The same for screen s (F1 help lists what its screen offers). */
bool action_offered_on(const app *a, action_id id, screen_id s);


/* One key of the footer: the action, the footer's row (0 the first) and
 * the column where its key label starts. */
typedef struct footer_slot {
	action_id act;
	int row, col;
} footer_slot;
#define FOOTER_ROWS_MAX 2
/* The footer laid out for `cols` columns (tui/app/frame.c): every action
 * offered on the current screen but the NO_FOOT ones, in the table's order,
 * going on to a second row when one is not enough. Returns how many were
 * placed; *rows is 1 or 2. What fits in neither row is left out (never at
 * 80 columns: the footer test), the way out (F10) kept, last. */
int footer_plan(const app *a, int cols, footer_slot out[ACT_COUNT], int *rows);
/* The rows the footer takes now: the screen's own rows end above it, and a
 * message (the flash) sits right above it. */
int app_footer_rows(const app *a);

typedef struct screen_ops {
	screen_id id;
	size_t private_size;      /* the screen's own state (app_private), 0 none */
	bool keep;                /* kept when left, for the session (else freed on leave) */
	void (*enter)(app *a);
	/* Release what the private state owns, before it is freed; may be NULL. */
	void (*leave)(app *a);
	void (*draw)(app *a);
	/* A key the screen takes before the action table (typing); true if used. */
	bool (*key)(app *a, const key_event *ev);
	/* An action; true if the screen handled it. */
	bool (*act)(app *a, action_id act);
} screen_ops;

struct app {
	counter k;                /* what the flows work with */
	/* The reader and key as last seen (app_watch_key), for the status line
	 * and the token screen: read once when a key arrives, not on every draw. */
	token_status reader_st;   /* TOK_OK, or why the reader cannot be used */
	bool key_seen;            /* a key was in the reader at the last look */
	bool key_dirty;           /* something was written: read the key again */
	token_status key_st;      /* how reading the key went */
	token_info key_info;
	char db_path[1024];
	const char *config_dir;   /* the configuration read at start (a fresh training day reads it again) */
	input *in;

	screen_id screen;
	screen_id help_from;      /* the screen F1 was pressed on */
	screen_id lock_from;
	screen_id came_from;      /* the screen left by the last app_go */
	void *priv[SCR_COUNT];    /* each screen's private state while it lives */
	screen_id go_to;          /* where a handler asked to go (the loop goes) */
	enum { GO_STAY, GO_ENTER, GO_RETURN } going;
	int64_t last_key_ms;
	bool quit;

	case_flow *cs;            /* the case in progress, NULL none */

	/* a yes/no question over the current screen */
	bool asking;
	char question[512];
	void (*on_yes)(app *a);

	/* a choice over the current screen (F8's reason): a list, a line of
	 * words under it, and what takes the pick */
	bool choosing;
	char choose_title[256];
	char choose_item[APP_CHOICES_MAX][128];
	int n_choose, choose_sel;
	edit_field choose_text;
	bool choose_words;        /* the line of words shown and typed into */
	bool (*on_choose)(app *a, int ix, const char *text);

	char flash[512];          /* one-line message in the status line */
	bool keys_ignored;        /* keys came while the terminal was too small */
	seal_flow seal;           /* forward-secure sealing, at the tick */
	ship_job *ship;           /* the hall's shipper, NULL without [hall] */

	/* The case the screen being entered is about (the timeline, the
	 * refund; home selects the case just left or ended): set by the
	 * screen that goes there, taken by the one entered. */
	char go_case[40];
	/* With go_case for the refund screen: the order of a duplicate payment
	 * to refund (重复支付退款), "" for the case's own refund. */
	char go_order[33];
	/* The day the day view and its hall mode hand each other (F4), 0 none:
	 * set by the one left, taken by the one entered. */
	long go_day;
	/* the trainer's session: scenarios, the one being played, the results
	 * (tui/screens/scr_train.c owns it; NULL outside a session) */
	train_session *train;
	/* The scenario being played, for the title line and the trainer's
	 * controls ("" when none): set by main() to the trainer screens'. */
	const char *(*banner)(const app *a);
};

/* Screens */
extern const screen_ops *const screens[SCR_COUNT];
/* Ask the loop to go to screen s: the screen left frees its private state
 * (unless it keeps it, or s is an overlay), s gets its own and is entered.
 * Nothing changes until the handler returns; the last request wins. */
void app_go(app *a, screen_id s);
/* The same, back from an overlay (help, lock) to s as it was: not entered again. */
void app_return(app *a, screen_id s);
/* The current screen's private state (private_size bytes, zeroed on first enter). */
void *app_private(app *a);
/* Screen s's private state released now (a kept one at the end of what it
 * was kept for). */
void app_release(app *a, screen_id s);
/* Every screen's private state released (the program ends). */
void app_release_all(app *a);
/* The loop: until F10 (confirmed), the script's end or SIGTERM; 0, or 2 on a script error. */
int app_run(app *a);
void app_ask(app *a, const char *question, void (*on_yes)(app *a));
/* Ask for one of n items (copied; at most APP_CHOICES_MAX) and, under them,
 * a line of words: ↑ ↓ pick, typing goes to the words, Enter gives
 * on_choose the pick and the words (it returns false to keep the list up,
 * having said why), Esc takes nothing. */
void app_choose(app *a, const char *title, const char *const *items, int n,
		bool (*on_choose)(app *a, int ix, const char *text));
/* The same list without the line of words (the demo key picker): on_choose
 * gets "" for them. */
void app_pick(app *a, const char *title, const char *const *items, int n,
	      bool (*on_choose)(app *a, int ix, const char *text));
const char *app_str(const app *a, const char *key);
const char *app_render(const app *a, const char *key, const str_var *vars, char *buf, size_t n);
void app_flash(app *a, const char *text);
void app_flash_err(app *a, const kerr *err);

/* The frame around every screen (tui/app/frame.c): title, status line, footer. */
void draw_frame(app *a);
/* "[reader] Key <serial> present" etc. into buf. */
void draw_key_state(const app *a, char *buf, size_t n);

/* Look at the reader (cheap); read the key when it arrived or changed. */
void app_watch_key(app *a);
/* Draw the whole screen now (progress during a long operation). */
void app_redraw(app *a);

#endif
