/* counter: the parts of the counter a flow works with — configuration,
 * catalogue, form, strings, the store, the devices, who is signed in — and
 * the two ways a flow speaks to whoever shows it (a one-line message, and
 * "show progress now" during a long device operation). A flow takes a
 * counter, never the app: it cannot draw and does not navigate. The app owns
 * the counter and every part in it. */
#ifndef TUI_FLOW_COUNTER_H
#define TUI_FLOW_COUNTER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/config.h"
#include "core/base/strings.h"
#include "core/case/catalog.h"
#include "core/pay/pay.h"
#include "core/token/issuer.h"
#include "core/token/token.h"
#include "db/db.h"
#include "db/repo/staff_repo.h"
#include "forms/form.h"

typedef struct counter {
	kiosk_config *cfg;
	catalog *cat;
	form_spec *form;
	strings *str;
	lang lg;
	kdb *db;
	token_dev *tok;
	issuer *ca;               /* outside demo: the certificates' issuer */
	pay_dev *pay;
	/* The hall's registry (tui/flow/registry.h), NULL without a hall: the
	 * unit's keys at other windows and halls, looked up with a bound. */
	struct registry *reg;
	/* The hall's day for the supervisor's hall view (tui/flow/hallday.h),
	 * NULL without a hall or in trainer mode. */
	struct hallday_src *hallday;
	bool demo;
	const char *data_dir;
	bool signed_in;
	staff_rec user;
	/* A supervisor took the window over at the lock (tui/flow/session.c):
	 * the window's own clerk, whose PIN takes it back at the next lock. */
	bool taken_over;
	staff_rec owner;
	/* How a flow is heard: say() puts a one-line message up (the status
	 * line), progress() shows the screen as it is now. Either may be NULL. */
	void (*say)(void *ui, const char *text);
	void (*progress)(void *ui);
	void *ui;
} counter;

/* The UI string for key in the counter's language (the key itself if missing). */
const char *counter_str(const counter *k, const char *key);
const char *counter_render(const counter *k, const char *key, const str_var *vars, char *buf,
			   size_t n);
void counter_say(const counter *k, const char *text);
void counter_say_err(const counter *k, const kerr *err);
/* After a commit that recorded or revoked certificates: the CA's index and
 * CRL follow the database (db_token_ca_sync). A failure is said and loses
 * nothing: the records are in, and the next start brings the CA's files to
 * them. Nothing in demo (no issuer). */
void counter_ca_follow(const counter *k);
void counter_progress(const counter *k);
/* Today as YYYYMMDD for the validators. */
int counter_today_ymd(void);

#endif
