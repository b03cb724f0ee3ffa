/* seal_flow: the kiosk's share of forward-secure sealing (docs/audit.md,
 * "Sealing"). The app calls seal_flow_tick() at its one-second tick: when an
 * epoch has ended, the rows written during it are sealed with its key and
 * the key evolves (db_seal_run); between boundaries the tick costs a clock
 * read. The supervisor's day close calls seal_flow_day_close() to seal the
 * day's rows at once. Sealing not set up (kioskctl audit seal-init) is not
 * an error: nothing is done, and the tick looks again once a minute. A
 * seal_flow is a plain value kept by the caller, zeroed to start. */
#ifndef TUI_FLOW_SEAL_FLOW_H
#define TUI_FLOW_SEAL_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "tui/flow/counter.h"

typedef struct seal_flow {
	int64_t next_ms;   /* the next look (an epoch's end), 0 at once */
	bool failing;      /* the last run failed and was said: not said again */
} seal_flow;

typedef enum seal_outcome {
	SEALF_IDLE,     /* nothing was due (or sealing is not set up) */
	SEALF_SEALED,   /* an epoch was sealed, the key moved on */
	SEALF_FAILED    /* said through the counter (once until it works again) */
} seal_outcome;

seal_outcome seal_flow_tick(counter *k, seal_flow *sf);
/* Seal everything written so far with the current epoch's key. 0 (also when
 * sealing is not set up), or -1 with err. */
int seal_flow_day_close(counter *k, kerr *err);

#endif
