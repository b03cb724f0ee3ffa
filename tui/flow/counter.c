#include "tui/flow/counter.h"

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "db/repo/token_repo.h"

const char *counter_str(const counter *k, const char *key)
{
	const char *s = strings_get(k->str, key);
	return s ? s : key;
}

const char *counter_render(const counter *k, const char *key, const str_var *vars, char *buf,
			   size_t n)
{
	return strings_render(k->str, key, vars, buf, n);
}

void counter_say(const counter *k, const char *text)
{
	if (k->say)
		k->say(k->ui, text);
}

void counter_say_err(const counter *k, const kerr *err)
{
	char buf[1024];
	counter_say(k, kerr_text(err, buf, sizeof buf));
}

void counter_ca_follow(const counter *k)
{
	kerr err = { 0 };
	if (k->ca && k->db && db_token_ca_sync(k->db, k->ca, NULL, &err) != 0)
		counter_say_err(k, &err);
}

void counter_progress(const counter *k)
{
	if (k->progress)
		k->progress(k->ui);
}

int counter_today_ymd(void)
{
	int y, m, d;
	civil_to_ymd(clock_today(), &y, &m, &d);
	return y * 10000 + m * 100 + d;
}
