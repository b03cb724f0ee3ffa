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
/* A fresh training day without stopping the kiosk (after a demo day close,
 * say), as make demo-reset does with the kiosk stopped: the demo database
 * (db_path, with its WAL), the gateway's orders and the papers (slips/)
 * move, whole, into the data directory's archive/ as demo-STAMP.*; a new
 * database is made and prepared as at start-up (demo_prepare: the demo
 * staff, a fresh demo key set and gateway). The archive's name prefix into
 * archived. 0, or -1 with err (the old day's database open again when
 * nothing was moved). */
int demo_new_day(counter *k, const char *config_dir, const char *db_path, char *archived, size_t n,
		 kerr *err);

#endif
