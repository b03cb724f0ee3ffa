/* ui: the kiosk's screens and the state they share. Screens and actions are
 * declared once in the tables below (after tig's view and request tables): the
 * footer, the F1 help and key dispatch are generated from ACTIONS. Each screen
 * is a small ops table; the app owns the catalogue, the database, the devices
 * and the case in progress, and every screen borrows them. */
#ifndef TUI_UI_H
#define TUI_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "core/case/catalog.h"
#include "core/base/config.h"
#include "core/case/fees.h"
#include "core/pay/pay.h"
#include "core/base/strings.h"
#include "core/token/issuer.h"
#include "core/token/token.h"
#include "db/repo/case_repo.h"
#include "db/db.h"
#include "db/repo/staff_repo.h"
#include "db/repo/token_repo.h"
#include "forms/checklist.h"
#include "forms/form.h"
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
	X(SCR_TRAIN,     "screen.train")             \
	X(SCR_STOP,      "screen.stop")              \
	X(SCR_SCORE,     "screen.score")             \
	X(SCR_LOCK,      "screen.lock")              \
	X(SCR_HELP,      "screen.help")

typedef enum screen_id {
#define X(e, key) e,
	SCREENS(X)
#undef X
	SCR_COUNT
} screen_id;

#define ON(s) (1u << (s))
#define ON_CASE (ON(SCR_DETAILS) | ON(SCR_MATERIALS) | ON(SCR_DECISION) | ON(SCR_APPROVAL) | \
		 ON(SCR_TOKEN) | ON(SCR_PAYMENT))
#define ON_SIGNED_IN (ON(SCR_HOME) | ON(SCR_SERVICE) | ON_CASE | ON(SCR_SLIP) | ON(SCR_DAY) | \
		      ON(SCR_TIMELINE) | ON(SCR_REFUND) | ON(SCR_TRAIN) | ON(SCR_STOP) | ON(SCR_SCORE))
#define ON_ALL 0xffffffffu

/* When an action is offered: always, only in demo (trainer) mode, only on a
 * real kiosk (A_WHEN masks these); A_NOFOOT: offered, listed by F1 help, but
 * left out of the footer (its partner's label names both keys). */
enum { A_ALL = 1, A_DEMO = 2, A_REAL = 3, A_WHEN = 3, A_NOFOOT = 8 };

/* Actions: id, key, key label, UI string key (label; "<key>.help" is its help
 * line), screens where it applies, when it is offered (A_*). */
#define ACTIONS(X)                                                                          \
	X(ACT_HELP,      KEY_F(1),  "F1",    "act.help",      ON_ALL & ~ON(SCR_HELP), 1)      \
	X(ACT_BACK,      K_ESC,     "Esc",   "act.back",      ON_ALL & ~(ON(SCR_LOGIN) | ON(SCR_HOME) | ON(SCR_LOCK)), 1) \
	X(ACT_NEXT,      KEY_ENTER, "Enter", "act.next",      ON_ALL & ~ON(SCR_HELP), 1)      \
	X(ACT_FIELD,     K_TAB,     "Tab",   "act.field",     ON(SCR_LOGIN) | ON(SCR_DETAILS) | ON(SCR_LOCK) | ON(SCR_APPROVAL) | ON(SCR_REFUND), 1) \
	X(ACT_TAB,       K_TAB,     "Tab",   "act.tab",       ON(SCR_DAY), A_ALL | A_NOFOOT)  \
	X(ACT_NEW_CASE,  KEY_F(2),  "F2",    "act.new_case",  ON(SCR_HOME), 1)                \
	X(ACT_FIND,      KEY_F(3),  "F3",    "act.find",      ON(SCR_HOME) | ON(SCR_DAY), 1)  \
	X(ACT_SUPERVISE, KEY_F(4),  "F4",    "act.supervise", ON(SCR_HOME), A_ALL)            \
	X(ACT_TRAIN,     KEY_F(6),  "F6",    "act.train",     ON(SCR_HOME), A_DEMO)           \
	X(ACT_DAY_CLOSE, KEY_F(12), "F12",   "act.day_close", ON(SCR_DAY), A_ALL)             \
	X(ACT_PREV_DAY,  KEY_PPAGE, "PgUp/Dn", "act.prev_day", ON(SCR_DAY), A_ALL)            \
	X(ACT_NEXT_DAY,  KEY_NPAGE, "PgDn",  "act.next_day",  ON(SCR_DAY), A_ALL | A_NOFOOT)  \
	X(ACT_F_CLERK,   KEY_F(5),  "F5",    "act.f_clerk",   ON(SCR_DAY), A_ALL)             \
	X(ACT_F_SERVICE, KEY_F(6),  "F6",    "act.f_service", ON(SCR_DAY), A_ALL)             \
	X(ACT_F_OUTCOME, KEY_F(7),  "F7",    "act.f_outcome", ON(SCR_DAY), A_ALL)             \
	X(ACT_END_TRAIN, KEY_F(7),  "F7",    "act.end_train", ON(SCR_TRAIN), A_DEMO)          \
	X(ACT_RECEIVED,  KEY_F(5),  "F5",    "act.received",  ON(SCR_MATERIALS), 1)           \
	X(ACT_MISSING,   KEY_F(6),  "F6",    "act.missing",   ON(SCR_MATERIALS), 1)           \
	X(ACT_DEFECTIVE, KEY_F(7),  "F7",    "act.defective", ON(SCR_MATERIALS), 1)           \
	X(ACT_KEY_IN,    KEY_F(5),  "F5",    "act.key_in",    ON(SCR_DETAILS) | ON(SCR_TOKEN), A_DEMO) \
	X(ACT_KEY_OUT,   KEY_F(6),  "F6",    "act.key_out",   ON(SCR_DETAILS) | ON(SCR_TOKEN), A_DEMO) \
	X(ACT_OLD_REASON, KEY_F(7), "F7",    "act.old_reason", ON(SCR_TOKEN), A_REAL)              \
	X(ACT_PAID,      KEY_F(5),  "F5",    "act.paid",      ON(SCR_PAYMENT), A_DEMO)             \
	X(ACT_PAY_AGAIN, KEY_F(6),  "F6",    "act.pay_again", ON(SCR_PAYMENT), 1)             \
	X(ACT_PRINT,     KEY_F(5),  "F5",    "act.print",     ON(SCR_SLIP), 1)                \
	X(ACT_CANCEL,    KEY_F(8),  "F8",    "act.cancel",    ON_CASE, 1)                      \
	X(ACT_REFUND,    KEY_F(8),  "F8",    "act.refund",    ON(SCR_HOME), A_ALL)             \
	X(ACT_T_GATEWAY, KEY_F(11), "F11",   "act.t_gateway", ON_CASE, A_DEMO)                 \
	X(ACT_T_PIN_LOCK, KEY_F(12), "F12",  "act.t_pin_lock", ON_CASE, A_DEMO)                \
	X(ACT_LOCK,      KEY_F(9),  "F9",    "act.lock",      ON_SIGNED_IN, 1)                 \
	X(ACT_QUIT,      KEY_F(10), "F10",   "act.quit",      ON_ALL & ~ON(SCR_HELP), 1)

typedef enum action_id {
#define X(e, key, label, skey, where, footer) e,
	ACTIONS(X)
#undef X
	ACT_COUNT,
	ACT_NONE = -1
} action_id;

typedef struct app app;

typedef struct action_def {
	int key;
	const char *key_label;
	const char *str_key;
	unsigned where;
	int when;                 /* A_ALL, A_DEMO, A_REAL */
} action_def;

extern const action_def actions[ACT_COUNT];
/* The action bound to a key on the current screen, or ACT_NONE. */
action_id action_for_key(const app *a, const key_event *ev);
/* Whether an action is offered now (screen, mode, the case's service). */
bool action_offered(const app *a, action_id id);
/* The same for screen s (F1 help lists what its screen offers). */
bool action_offered_on(const app *a, action_id id, screen_id s);
const char *screen_title_key(screen_id s);

/* A line-editing field (wide characters, so Chinese edits by character). */
#define FIELD_MAX 128
typedef struct edit_field {
	wchar_t text[FIELD_MAX + 1];
	int len;
	int cursor;
	bool secret;   /* PIN: shown as * */
} edit_field;

void edit_set(edit_field *f, const char *utf8);
/* UTF-8 of the text into buf. */
const char *edit_get(const edit_field *f, char *buf, size_t n);
/* Apply an editing key; true if it was one (printable, Backspace, Delete, Left, Right, Home, End). */
bool edit_key(edit_field *f, const key_event *ev);
void edit_clear(edit_field *f);

/* The case being served. */
#define CASE_FIELDS 10
/* What a details-screen field is: a form field, or one of the case's own. */
typedef enum case_field_kind { CF_FORM, CF_OLD_EXPIRY, CF_HOLDER, CF_YEARS, CF_SEALS } case_field_kind;
typedef struct case_ctx {
	const service *svc;
	case_rec rec;
	edit_field fields[CASE_FIELDS];   /* the form's fields, then the case's own */
	case_field_kind kinds[CASE_FIELDS];
	int n_fields;
	char field_msg[CASE_FIELDS][512]; /* why a field is wrong, "" when fine */
	int focus;
	size_t holder_ix;                 /* index into the platform's holder types */
	int years, seals;
	fee_quote quote;
	long old_not_after;               /* the certificate's expiry (key or typed), -1 unknown */
	long old_not_before;
	bool key_read;                    /* the key was read on the details step */
	token_info key;
	char rule_msg[512];               /* a rule stops the case: why */
	checklist *cl;
	int mat_sel;
	edit_field defect;                /* reason being typed for a defective mark */
	bool typing_defect;
	case_decision decision;
	int dec_sel;
	long rongque_deadline;
	pay_order order;
	bool order_made;
	int pay_attempt;
	int64_t last_poll_ms;             /* the gateway is asked every poll_seconds */
	struct poll_job *poll_job;        /* the query in flight (tui/scr_end.c), NULL none */
	char slip_text_path[1024];
	char *slip_text;
	int slip_scroll;
	char step_msg[1024];               /* result or error of the last step */
	bool step_failed;
	int token_op_ix;                  /* next token operation to run (demo) */
	char confirm_serial[TOKEN_SERIAL_MAX + 1]; /* the key the clerk agreed to write */
	bool token_resume;                /* a key pulled mid-write: finish when it is back */
	char replaced_cert[TOKEN_CERT_SERIAL_MAX + 1]; /* renewed / changed away */
	token_rec *old_keys;              /* the unit's keys on record (reissue, revoke) */
	size_t n_old_keys;
	size_t old_sel;
	bool old_broken;                  /* reissue: broken (DAMAGED), else lost */
	edit_field approver, approver_pin;
	int approval_focus;
} case_ctx;

typedef struct app app;

typedef struct screen_ops {
	screen_id id;
	void (*enter)(app *a);
	void (*draw)(app *a);
	/* A key the screen takes before the action table (typing); true if used. */
	bool (*key)(app *a, const key_event *ev);
	/* An action; true if the screen handled it. */
	bool (*act)(app *a, action_id act);
} screen_ops;

struct app {
	kiosk_config *cfg;
	catalog *cat;
	form_spec *form;
	strings *str;
	lang lg;
	kdb *db;
	token_dev *tok;
	issuer *ca;               /* outside demo: the certificates' issuer */
	pay_dev *pay;
	/* The reader and key as last seen (app_watch_key), for the status line
	 * and the token screen: read once when a key arrives, not on every draw. */
	token_status reader_st;   /* TOK_OK, or why the reader cannot be used */
	bool key_seen;            /* a key was in the reader at the last look */
	bool key_dirty;           /* something was written: read the key again */
	token_status key_st;      /* how reading the key went */
	token_info key_info;
	bool demo;
	const char *data_dir;
	char db_path[1024];
	input *in;

	screen_id screen;
	screen_id help_from;      /* the screen F1 was pressed on */
	screen_id lock_from;
	bool signed_in;
	staff_rec user;
	int64_t last_key_ms;
	bool quit;

	/* login / lock */
	edit_field login_id, login_pin;
	int login_focus;
	char login_msg[512];

	/* home */
	case_rec *cases;
	size_t n_cases;
	int home_sel;
	bool finding;
	edit_field find;
	char home_msg[512];

	case_ctx *cs;

	/* a yes/no question over the current screen */
	bool asking;
	char question[512];
	void (*on_yes)(app *a);

	char flash[512];          /* one-line message in the status line */

	/* the supervisor's day view and timeline (tui/scr_super.c owns it) */
	struct day_ctx *day;
	/* the trainer's session: scenarios, the one being played, the score
	 * sheet (tui/scr_train.c owns it; NULL outside demo mode) */
	struct train_ctx *train;
};

/* Screens */
extern const screen_ops *const screens[SCR_COUNT];
void app_go(app *a, screen_id s);
void app_ask(app *a, const char *question, void (*on_yes)(app *a));
const char *app_str(const app *a, const char *key);
const char *app_render(const app *a, const char *key, const str_var *vars, char *buf, size_t n);
void app_flash(app *a, const char *text);
void app_flash_err(app *a, const kerr *err);
/* Today as YYYYMMDD for the validators. */
int app_today_ymd(void);

/* Drawing helpers */
int draw_text(int y, int x, const char *utf8, int max_cols);
int text_cols(const char *utf8);
void draw_frame(app *a);               /* title, status line, footer */
/* "[reader] Key <serial> present" etc. into buf. */
void draw_key_state(const app *a, char *buf, size_t n);
void draw_field(int y, int x, int width, const edit_field *f, bool focused);
void draw_wrapped(int y, int x, int width, int max_rows, const char *utf8);

/* The token step of a real kiosk (tui/tokstep.c): why it can refuse. */
#define TOKSTEP_REFUSALS(X)                                  \
	X(TSR_KEY_IN_USE,        "tokstep.key_in_use")        \
	X(TSR_NOT_OUR_CA,        "tokstep.not_our_ca")        \
	X(TSR_NOTHING_CHANGED,   "tokstep.nothing_changed")   \
	X(TSR_OTHER_KEY,         "tokstep.other_key")         \
	X(TSR_NO_KEY_ON_RECORD,  "tokstep.no_key_on_record")  \
	X(TSR_NO_CERT_ON_KEY,    "tokstep.no_cert_on_key")    \
	X(TSR_OLD_VALIDITY,      "tokstep.old_validity")      \
	X(TSR_ISSUER,            "tokstep.issuer_failed")     \
	X(TSR_STORE,             "tokstep.store_failed")

typedef enum tokstep_refusal {
#define X(e, key) e,
	TOKSTEP_REFUSALS(X)
#undef X
	TSR_COUNT
} tokstep_refusal;

const char *tokstep_refusal_key(tokstep_refusal r);
/* Run the service's key part and record it with the case's token step in one
 * transaction. False with cs->step_msg saying why (cs->token_resume when the
 * key was pulled: run again when it is back). */
bool tokstep_run(app *a);
/* The unit's keys on record into cs->old_keys (reissue, revoke). */
void tokstep_load_old_keys(app *a);
/* Look at the reader (cheap); read the key when it arrived or changed. */
void app_watch_key(app *a);
/* Wait for the payment query in flight, dropping its answer (before the
 * case is left, freed, or the gateway is used for anything else). */
void payment_poll_wait(app *a);
/* Draw the whole screen now (progress during a long operation). */
void app_redraw(app *a);

/* ---- supervisor (tui/scr_super.c) ---- */
void super_free(app *a);
/* F8 at home on a case: cancel it and refund its verified payment, once a
 * supervisor (not the case's clerk, not the one asking) approves with id and
 * PIN on the approval screen. */
void refund_start(app *a, const char *case_no);

/* ---- trainer (tui/scr_train.c), demo mode only ----
 * The hooks the case screens call while a scenario is being played; each
 * does nothing when no scenario is (a->train NULL or idle). */
/* The decision was committed: score the play (accept / rongque / refuse). */
void train_on_decision(app *a);
/* F8 during a scenario: ask why the service stops (SCR_STOP) instead of the
 * plain cancel; true when taken. */
bool train_on_cancel(app *a);
/* The trainer's controls during a scenario: ACT_T_GATEWAY (the gateway
 * fails), ACT_T_PIN_LOCK (the key's PIN is locked); true when taken. */
bool train_control(app *a, action_id act);
/* The scenario being played, for the title line ("" when none). */
const char *train_banner(const app *a);
void train_free(app *a);

/* Trainer mode: demo staff, the simulated key and payment (tui/demo.c). */
int demo_prepare(app *a, const char *config_dir, kerr *err);

/* Case helpers (tui/case.c) */
void case_start(app *a, const service *svc);
int case_resume(app *a, const char *case_no);
void case_end(app *a);
void case_goto_next(app *a);
/* F8 cancel, Esc home (case kept), demo key in/out: shared by the case screens. */
bool case_common_act(app *a, action_id act);
/* Complete a step in the database with its audit row; false with the reason
 * in cs->step_msg. */
bool case_commit(app *a, case_step step, const char *detail);

#endif
