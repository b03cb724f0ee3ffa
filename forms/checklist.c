#include "forms/checklist.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/hidden.h"
#include "core/base/kini.h"
#include "core/base/utf8.h"

ENUM_DEFINE_WORD_KEY(checklist_verdict, CHECKLIST_VERDICTS, "?", "checklist.unknown")

checklist *checklist_new(const service *svc)
{
	if (!svc)
		return NULL;
	checklist *cl = calloc(1, sizeof *cl);
	if (!cl)
		return NULL;
	cl->items = calloc(svc->n_materials ? svc->n_materials : 1, sizeof *cl->items);
	if (!cl->items) {
		free(cl);
		return NULL;
	}
	cl->svc = svc;
	cl->n_items = svc->n_materials;
	for (size_t i = 0; i < cl->n_items; i++) {
		cl->items[i].sm = &svc->materials[i];
		cl->items[i].mark = MARK_UNSET;
	}
	return cl;
}

void checklist_free(checklist *cl)
{
	if (!cl)
		return;
	free(cl->items);
	free(cl);
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (!(*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f'))
			return false;
	return true;
}

/* The first hidden character of s that is not a control character. */
static bool format_char(const char *s, hidden_hit *h)
{
	size_t left = strlen(s);
	for (int pos = 1; left > 0; pos++) {
		long cp;
		size_t k = utf8_next(s, left, &cp);
		hidden_char kind = k ? hidden_char_of(cp) : HC_NONE;
		if (kind != HC_NONE && kind != HC_CONTROL) {
			*h = (hidden_hit){ pos, cp, kind };
			return true;
		}
		k = k ? k : 1;
		s += k;
		left -= k;
	}
	return false;
}

int checklist_mark(checklist *cl, const char *material_id, material_mark mark,
		   const char *reason, kerr *err)
{
	if (!cl)
		return kerr_set(err, NULL, "no checklist");
	const char *sid = cl->svc && cl->svc->id ? cl->svc->id : "?";
	checklist_item *it = NULL;
	for (size_t i = 0; material_id && i < cl->n_items; i++)
		if (strcmp(cl->items[i].sm->material->id, material_id) == 0)
			it = &cl->items[i];
	if (!it)
		return kerr_set(err, sid, "material '%s' is not on the checklist of service %s; "
				"mark one of the service's materials",
				material_id ? material_id : "(none)", sid);
	if ((unsigned)mark >= MARK_COUNT)
		return kerr_set(err, sid, "unknown mark %d for material '%s'", (int)mark,
				material_id);
	if (mark == MARK_DEFECTIVE) {
		if (!reason || blank(reason))
			return kerr_set(err, sid, "material '%s' marked defective without a reason; "
					"say what is wrong with it (it goes on the one-time notice)",
					material_id);
		size_t n = strlen(reason);
		if (n >= sizeof it->reason)
			return kerr_set(err, sid, "the reason for '%s' is %zu bytes long, more than "
					"the %zu allowed; shorten it", material_id, n,
					sizeof it->reason - 1);
		if (!kini_utf8_valid(reason, n, NULL))
			return kerr_set(err, sid, "the reason for '%s' is not valid UTF-8; type it "
					"again", material_id);
		/* the reason is printed on the one-time notice: nothing in it may hide
		 * or reorder text (control characters are the slip's to drop and the
		 * store's to refuse) */
		hidden_hit h;
		if (format_char(reason, &h)) {
			char said[96];
			return kerr_set(err, sid, "the reason for '%s' holds %s, a character that "
					"does not show or that reorders the text around it; delete it",
					material_id, hidden_describe(&h, said, sizeof said));
		}
		memcpy(it->reason, reason, n + 1);
	} else {
		it->reason[0] = '\0';
	}
	it->mark = mark;
	return 0;
}

void checklist_evaluate(const checklist *cl, checklist_result *out)
{
	memset(out, 0, sizeof *out);
	out->verdict = CL_INCOMPLETE;
	if (!cl)
		return;
	size_t n_bad = 0;
	bool essential_bad = false;
	for (size_t i = 0; i < cl->n_items; i++) {
		const checklist_item *it = &cl->items[i];
		if (it->mark == MARK_UNSET)
			out->n_unset++;
		else if (it->mark == MARK_MISSING || it->mark == MARK_DEFECTIVE) {
			n_bad++;
			if (it->sm->essential)
				essential_bad = true;
		}
	}
	if (n_bad) {
		out->notice = calloc(n_bad, sizeof *out->notice);
		if (!out->notice) {
			/* without the full list there is no lawful notice: stay incomplete */
			out->verdict = CL_INCOMPLETE;
			return;
		}
		for (size_t i = 0; i < cl->n_items; i++) {
			const checklist_item *it = &cl->items[i];
			if (it->mark != MARK_MISSING && it->mark != MARK_DEFECTIVE)
				continue;
			notice_item *ni = &out->notice[out->n_notice++];
			ni->material = it->sm->material;
			ni->mark = it->mark;
			ni->essential = it->sm->essential;
			ni->reason = it->mark == MARK_DEFECTIVE ? it->reason : "";
		}
	}
	if (out->n_unset)
		out->verdict = CL_INCOMPLETE;
	else if (!n_bad)
		out->verdict = CL_COMPLETE;
	else if (essential_bad || !cl->svc->rongque_allowed)
		out->verdict = CL_REFUSE;
	else
		out->verdict = CL_RONGQUE;
}

void checklist_result_free(checklist_result *r)
{
	if (!r)
		return;
	free(r->notice);
	r->notice = NULL;
	r->n_notice = 0;
}
