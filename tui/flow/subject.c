#include "tui/flow/subject.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/utf8.h"
#include "core/case/fees.h"
#include "db/repo/case_repo.h"
#include "db/repo/payment_repo.h"
#include "db/repo/token_repo.h"

/* Append "serial" to a ", "-separated list that stays within n bytes. */
static void list_add(char *list, size_t n, const char *item)
{
	size_t len = strlen(list);
	if (!item[0] || strstr(list, item))
		return;
	snprintf(list + len, n - len, "%s%s", len ? ", " : "", item);
}

int case_subject_get(counter *k, const char *case_no, const token_info *key_read,
		     case_subject *out)
{
	memset(out, 0, sizeof *out);
	out->paid_fen = -1;
	snprintf(out->case_no, sizeof out->case_no, "%s", case_no);
	kerr err = { 0 };
	case_rec c;
	int got = db_case_get(k->db, case_no, &c, &err);
	if (got != 0) {
		if (got == 1)
			kerr_set(&err, case_no, "no such case");
		counter_say_err(k, &err);
		return -1;
	}
	utf8_copy(out->unit_name, sizeof out->unit_name, party_get(&c.party, PF_UNIT_NAME));
	utf8_copy(out->uscc, sizeof out->uscc, party_get(&c.party, PF_USCC));
	const service *svc = catalog_service(k->cat, c.service_id);
	out->service = svc ? svc->label[k->lg] : NULL;
	out->fee_fen = c.fee_fen;
	payment_rec p;
	if (db_payment_latest(k->db, case_no, &p, NULL, 0, &err) == 0 && p.verified &&
	    (p.state == PAY_SUCCESS || p.state == PAY_REFUND))
		out->paid_fen = p.amount_fen;
	/* the key read at the counter, then the unit's keys on record: the one
	 * this case moved first (a refund), else every one (a revocation whose
	 * key was not brought: the supervisor sees which keys the unit holds) */
	/* only the case unit's key is shown as the one approved: another
	 * unit's key (or a blank one) in the reader is named apart, as such */
	if (key_read && key_read->serial[0]) {
		if (out->uscc[0] && strcmp(key_read->uscc, out->uscc) == 0) {
			list_add(out->keys, sizeof out->keys, key_read->serial);
			list_add(out->certs, sizeof out->certs, key_read->cert_serial);
		} else {
			snprintf(out->foreign_key, sizeof out->foreign_key, "%s", key_read->serial);
			utf8_copy(out->foreign_unit, sizeof out->foreign_unit, key_read->unit_name);
			snprintf(out->foreign_uscc, sizeof out->foreign_uscc, "%s", key_read->uscc);
		}
	}
	token_rec *t = NULL;
	size_t n = 0;
	if (out->uscc[0] && db_token_by_uscc(k->db, out->uscc, &t, &n, &err) == 0) {
		bool own = false;
		for (size_t i = 0; i < n; i++)
			own = own || strcmp(t[i].case_no, case_no) == 0;
		for (size_t i = 0; i < n; i++) {
			if (own && strcmp(t[i].case_no, case_no) != 0)
				continue;
			list_add(out->keys, sizeof out->keys, t[i].serial);
			list_add(out->certs, sizeof out->certs, t[i].cert_serial);
		}
	}
	free(t);
	/* trainer mode keeps no key register: the demo's keys as they are now
	 * (keys.ini and what this session wrote) stand for it, the unit's own */
	if (k->demo && k->tok && !out->keys[0] && out->uscc[0]) {
		token_demo_entry e[32];
		long m = token_demo_list(k->tok, e, sizeof e / sizeof *e, &err);
		for (long i = 0; i < m && i < (long)(sizeof e / sizeof *e); i++)
			if (e[i].personalised && strcmp(e[i].uscc, out->uscc) == 0) {
				list_add(out->keys, sizeof out->keys, e[i].serial);
				list_add(out->certs, sizeof out->certs, e[i].cert_serial);
			}
	}
	return 0;
}

const char *case_subject_text(const counter *k, const case_subject *s, char *buf, size_t n)
{
	char due[32], amount[32], paid[128];
	fees_format_yuan(s->fee_fen, due, sizeof due);
	str_var pv[] = { { "amount", fees_format_yuan(s->paid_fen >= 0 ? s->paid_fen : 0, amount, sizeof amount) },
			 { NULL, NULL } };
	counter_render(k, s->paid_fen >= 0 ? "subject.paid" : "subject.unpaid", pv, paid, sizeof paid);
	const char *none = counter_str(k, "subject.none");
	str_var v[] = { { "case", s->case_no },
			{ "unit", s->unit_name[0] ? s->unit_name : none },
			{ "uscc", s->uscc[0] ? s->uscc : none },
			{ "service", s->service ? s->service : none },
			{ "due", due },
			{ "paid", paid },
			{ "keys", s->keys[0] ? s->keys : none },
			{ "certs", s->certs[0] ? s->certs : none },
			{ NULL, NULL } };
	/* a line each: who, what and how much, which key (draw_wrapped breaks at \n) */
	static const char *const lines[] = { "subject.unit", "subject.service", "subject.money",
					     "subject.key" };
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof lines / sizeof *lines && used + 1 < n; i++) {
		char line[512];
		counter_render(k, lines[i], v, line, sizeof line);
		int w = snprintf(buf + used, n - used, "%s%s", i ? "\n" : "", line);
		if (w < 0)
			break;
		used += (size_t)w < n - used ? (size_t)w : n - used - 1;
	}
	return buf;
}

const char *case_subject_warning(const counter *k, const case_subject *s, char *buf, size_t n)
{
	buf[0] = '\0';
	if (!s->foreign_key[0])
		return buf;
	const char *none = counter_str(k, "subject.none");
	str_var v[] = { { "serial", s->foreign_key },
			{ "unit", s->foreign_unit[0] ? s->foreign_unit : none },
			{ "uscc", s->foreign_uscc[0] ? s->foreign_uscc : none },
			{ NULL, NULL } };
	return counter_render(k, s->foreign_unit[0] ? "subject.foreign_key" : "subject.blank_key", v, buf, n);
}
