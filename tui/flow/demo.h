/* demo: what trainer mode adds at start-up: the demo staff (kiosk-config/
 * demo/staff.ini) in the demo database, the simulated key with its demo keys
 * (demo/keys.ini) and the simulated payment (its orders kept in a file of
 * the data directory across restarts), put into the counter (which
 * then owns the devices). The real database is never opened in demo mode:
 * main() gives the demo its own file. */
#ifndef TUI_FLOW_DEMO_H
#define TUI_FLOW_DEMO_H

#include "tui/flow/counter.h"

int demo_prepare(counter *k, const char *config_dir, kerr *err);
/* The demo gateway's orders file under the data directory (NULL without
 * one: the gateway keeps its orders in memory), into buf. */
const char *demo_pay_file(const counter *k, char *buf, size_t n);

#endif
