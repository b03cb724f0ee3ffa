#include "tui/flow/poll_job.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

struct poll_job {
	pthread_t th;
	atomic_bool done;
	pay_dev *dev;
	char no[PAY_TRADE_NO_MAX + 1];
	pay_order out;
	pay_result r;
	kerr err;
};

static void *run(void *arg)
{
	poll_job *j = arg;
	j->r = pay_query(j->dev, j->no, &j->out, &j->err);
	atomic_store(&j->done, true);
	return NULL;
}

poll_job *poll_job_start(pay_dev *dev, const char *out_trade_no)
{
	poll_job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	atomic_init(&j->done, false);
	j->dev = dev;
	snprintf(j->no, sizeof j->no, "%s", out_trade_no);
	if (pthread_create(&j->th, NULL, run, j) != 0) {
		free(j);
		return NULL;
	}
	return j;
}

bool poll_job_done(poll_job *j)
{
	return atomic_load(&j->done);
}

const char *poll_job_trade_no(const poll_job *j)
{
	return j->no;
}

pay_result poll_job_take(poll_job *j, pay_order *o, kerr *err)
{
	pthread_join(j->th, NULL);
	pay_result r = j->r;
	*o = j->out;
	*err = j->err;
	free(j);
	return r;
}

void poll_job_drop(poll_job *j)
{
	if (!j)
		return;
	pthread_join(j->th, NULL);
	free(j);
}
