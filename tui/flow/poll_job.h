/* poll_job: one payment query run on a thread of its own, so that a slow
 * gateway (up to the client's timeouts and retries) never freezes the
 * screen. The caller starts it, looks whether it is done at its ticks, and
 * takes the answer on its own thread (poll_job_take); the device is used by
 * one thread at a time, so every other use of the gateway waits for the job
 * first (poll_job_drop). A job is owned by its starter: take or drop frees it. */
#ifndef TUI_FLOW_POLL_JOB_H
#define TUI_FLOW_POLL_JOB_H

#include <stdbool.h>

#include "core/pay/pay.h"

typedef struct poll_job poll_job;

/* Ask dev about out_trade_no in the background: the job, or NULL when no
 * thread could be had (the caller asks in line). */
poll_job *poll_job_start(pay_dev *dev, const char *out_trade_no);
/* Whether the answer has arrived (never blocks). */
bool poll_job_done(poll_job *j);
/* The order the job asks about. */
const char *poll_job_trade_no(const poll_job *j);
/* Wait for the answer and take it: the query's result, *o and *err filled;
 * the job is freed. */
pay_result poll_job_take(poll_job *j, pay_order *o, kerr *err);
/* Wait for the answer and drop it; the job is freed (NULL: nothing). */
void poll_job_drop(poll_job *j);

#endif
