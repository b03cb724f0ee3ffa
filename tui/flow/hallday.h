/* hallday: the hall's day at the counter, for the supervisor's day view in
 * hall mode (docs/supervisor-guide.md, "全厅"; docs/deployment.md): every
 * window of this kiosk's hall for a date, by window and by clerk, with
 * each window's day close and shipping, and the hall's close.
 *
 * The figures are the centre's (hall.day_report(), as kioskctl hall
 * report), read as the supervisor's own hall login: its hall PIN, typed at
 * the counter, goes to `kioskctl hall day` on the child's stdin and the
 * centre checks it, so the kiosk's own role never reads another window's
 * rows and the kiosk links no libpq. The child is killed at its bound, so
 * a centre that does not answer costs the supervisor a few seconds and
 * never holds the counter. A source is an interface, so a test gives a
 * fake; hallday_fetch() refuses anyone but a supervisor signed in.
 *
 * Ownership: a source is its maker's (hallday_src_free); a hallday's
 * arrays are its own (hallday_free). */
#ifndef TUI_FLOW_HALLDAY_H
#define TUI_FLOW_HALLDAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/config.h"
#include "core/case/casefsm.h"
#include "tui/flow/counter.h"

/* One window (kiosk) of the hall and its day. */
typedef struct hallday_window {
	char kiosk_id[25];
	bool closed;                  /* its day.close of the date reached the centre */
	char closed_by[40];
	int64_t head_seq;             /* the rows the centre holds */
	int64_t shipped_ms;           /* its last shipment that added rows, -1 never */
	int64_t local_head;           /* the rows it held at its last shipment, -1 never said */
	int64_t reported_ms;          /* when, -1 never */
} hallday_window;

/* One group of the day's cases: window, clerk, service, status. */
typedef struct hallday_row {
	char kiosk_id[25];
	char clerk[40];
	char service[40];
	case_status status;
	int64_t cases, due_fen, paid_fen, refunded_fen;
} hallday_row;

typedef struct hallday {
	char date[16];                /* YYYY-MM-DD */
	char hall_id[25];
	bool hall_closed;
	char hall_closed_by[40];
	int64_t hall_closed_ms;
	hallday_window *win;
	size_t n_win;
	hallday_row *rows;
	size_t n_rows;
	size_t *pairs, n_pairs;       /* the first row of each (window, clerk) */
	size_t *svcs, n_svcs;         /* the first row of each service */
	int64_t fetched_ms;           /* when the centre gave it (the kiosk's clock) */
	char fetched_by[40];          /* the supervisor whose login read it */
} hallday;

void hallday_free(hallday *d);
/* A copy of src into *dst (arrays copied): 0, -1 out of memory. */
int hallday_copy(hallday *dst, const hallday *src);

/* The figures of some of the day's rows. */
typedef struct hallday_figs {
	int64_t cases, by_status[CS_COUNT], due_fen, paid_fen, refunded_fen;
} hallday_figs;

/* The rows of window kiosk_id (NULL: every window) and clerk (NULL: every
 * clerk) summed. */
void hallday_sum(const hallday *d, const char *kiosk_id, const char *clerk, hallday_figs *f);
/* The same for one service of the whole hall. */
void hallday_sum_service(const hallday *d, const char *svc, hallday_figs *f);
/* The distinct (window, clerk) pairs, by window then clerk, and the distinct
 * services in their first order: how many; the i-th into *kiosk, *clerk or
 * *service (pointers into d). */
size_t hallday_clerks(const hallday *d);
void hallday_clerk_at(const hallday *d, size_t i, const char **kiosk, const char **clerk);
size_t hallday_services(const hallday *d);
const char *hallday_service_at(const hallday *d, size_t i);
/* Cases by service of window kiosk_id and clerk (either NULL: all), as
 * "label n  label n ..." with label(service) giving the shown name. */
void hallday_by_service(const hallday *d, const char *kiosk_id, const char *clerk,
			const char *(*label)(const void *ctx, const char *svc), const void *ctx,
			char *buf, size_t n);
/* Rows a window holds that the centre does not (as it last said), -1 unknown. */
int64_t hallday_unshipped(const hallday_window *w);

/* kioskctl hall day's records (ctl/cmd_hall_day.c) parsed into *d: 0; -1
 * not a whole answer (no "end", a malformed line). */
int hallday_parse(const char *text, hallday *d);

/* How a fetch went. */
typedef enum hallday_result {
	HD_OK,          /* *d filled */
	HD_OFFLINE,     /* the centre not reached within the bound */
	HD_REFUSED,     /* the centre refused: a wrong hall PIN, not the hall's supervisor */
	HD_NOT_ALLOWED  /* no supervisor signed in here: nothing was asked */
} hallday_result;

typedef struct hallday_src hallday_src;
struct hallday_src {
	/* The day (YYYY-MM-DD) as supervisor sup_id with its hall PIN; why (may
	 * be "") the centre's words on a failure. */
	hallday_result (*fetch)(hallday_src *s, const char *date, const char *sup_id,
				const char *pin, hallday *d, char *why, size_t n);
	void (*free)(hallday_src *s);
};

void hallday_src_free(hallday_src *s);
/* `argv` (copied, NULL-terminated) and then "--date D --by ID --timeout S"
 * as a child, the PIN on its stdin, killed after timeout_s + 1 seconds.
 * NULL when out of memory. */
hallday_src *hallday_child_new(const char *const *argv, int timeout_s);
/* The kiosk's: `kioskctl hall day --config DIR` beside this program, 3 s.
 * NULL with no [hall] central, or in trainer mode (never the hall). */
#define HALLDAY_TIMEOUT_S 3
hallday_src *hallday_for(const kiosk_config *cfg, bool demo);

/* The hall's day of `day` for the supervisor signed in at k, with the hall
 * PIN typed (the caller's, to wipe): HD_NOT_ALLOWED unless k has a
 * supervisor signed in, is not in trainer mode and has a source
 * (k->hallday). On HD_OK, *d is stamped with the time and the supervisor;
 * this window's unshipped rows are the file's own head now. why: the
 * centre's words on a failure. */
hallday_result hallday_fetch(counter *k, long day, const char *pin, hallday *d, char *why,
			     size_t n);

#endif
