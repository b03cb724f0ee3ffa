/* seal_flow: sealing at the tick and at the day close (seal_flow.h). */
#include "tui/flow/seal_flow.h"

#include "core/audit/seal.h"
#include "core/base/clock.h"
#include "db/repo/seal_repo.h"

#define SEAL_RETRY_MS 60000 /* not set up, or failing: look again in a minute */

seal_outcome seal_flow_tick(counter *k, seal_flow *sf)
{
	int64_t now = clock_now_ms();
	if (!k->db || !k->data_dir || now < sf->next_ms)
		return SEALF_IDLE;
	kerr err = { 0 };
	char path[4200];
	seal_run_result res;
	int rc = seal_default_path(k->data_dir, path, sizeof path, &err);
	if (rc == 0)
		rc = db_seal_run(k->db, path, now, false, &res, &err);
	if (rc < 0) {
		sf->next_ms = now + SEAL_RETRY_MS;
		if (sf->failing)
			return SEALF_FAILED;
		sf->failing = true;
		counter_say_err(k, &err);
		return SEALF_FAILED;
	}
	sf->failing = false;
	if (rc > 0) {
		sf->next_ms = now + SEAL_RETRY_MS;
		return SEALF_IDLE;
	}
	seal_setup_rec setup;
	if (db_seal_setup_get(k->db, &setup, &err) == 0)
		sf->next_ms = setup.p.t0_ms + (res.to_epoch + 1) * setup.p.interval_ms;
	else
		sf->next_ms = now + SEAL_RETRY_MS;
	return res.seals > 0 || res.to_epoch > res.from_epoch ? SEALF_SEALED : SEALF_IDLE;
}

int seal_flow_day_close(counter *k, kerr *err)
{
	char path[4200];
	seal_run_result res;
	if (seal_default_path(k->data_dir, path, sizeof path, err))
		return -1;
	return db_seal_run(k->db, path, clock_now_ms(), true, &res, err) < 0 ? -1 : 0;
}
