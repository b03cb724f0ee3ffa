/* paper_flow: a case's paper read back from its file and reprinted as a
 * marked, audited copy (paper_flow.h). */
#include "tui/flow/paper_flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/print/printout.h"
#include "db/db.h"

int paper_flow_load(counter *k, const char *case_no, paper *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->case_no, sizeof out->case_no, "%s", case_no);
	/* a case ends with one of the first two, the receipt or the notice of a
	 * refusal; a 容缺 case brought back has its supplement's receipt too */
	static const char *const kinds[PAPER_KINDS_MAX] = { "slip", "notice", "supplement" };
	for (size_t i = 0; i < PAPER_KINDS_MAX; i++) {
		paper_one *p = &out->all[out->n];
		int rc = printout_find(k->data_dir, case_no, kinds[i], p->path, sizeof p->path, &p->text);
		if (rc == 0 && p->text) {
			snprintf(p->kind, sizeof p->kind, "%s", kinds[i]);
			out->n++;
			continue;
		}
		if (rc < 0) {
			paper_free(out);
			str_var v[] = { { "case", case_no }, { NULL, NULL } };
			char buf[512];
			counter_say(k, counter_render(k, "paper.unreadable", v, buf, sizeof buf));
			return -1;
		}
	}
	if (out->n)
		return 0;
	str_var v[] = { { "case", case_no }, { NULL, NULL } };
	char buf[512];
	counter_say(k, counter_render(k, "paper.none", v, buf, sizeof buf));
	return 1;
}

const paper_one *paper_current(const paper *p)
{
	return p->cur < p->n ? &p->all[p->cur] : NULL;
}

void paper_free(paper *p)
{
	for (size_t i = 0; i < PAPER_KINDS_MAX; i++) {
		free(p->all[i].text);
		p->all[i].text = NULL;
	}
	p->n = p->cur = 0;
}

bool paper_flow_reprint(counter *k, const char *case_no, const char *kind, const char *text)
{
	if (!text || !case_no || !*case_no)
		return false;
	kerr err = { 0 };
	/* the copy says it is one, and whose and when: never taken for the original */
	char when[32], by[256];
	clock_format_local(clock_now_ms(), when, sizeof when);
	str_var v[] = { { "time", when }, { "clerk", k->user.id }, { NULL, NULL } };
	counter_render(k, "paper.reprint_by", v, by, sizeof by);
	const char *mark = counter_str(k, "slip.reprint");
	size_t n = strlen(mark) + strlen(by) + strlen(text) + 8;
	char *copy = malloc(n);
	if (!copy)
		return false;
	snprintf(copy, n, "%s\n%s\n\n%s", mark, by, text);
	char copy_kind[32], path[1100];
	snprintf(copy_kind, sizeof copy_kind, "%s-reprint", kind);
	int rc = printout_save(k->data_dir, case_no, copy_kind, copy, path, sizeof path, &err);
	free(copy);
	if (rc != 0) {
		counter_say_err(k, &err);
		return false;
	}
	/* which paper, and the copy's file (the row says who and when) */
	char detail[2400], file[2200];
	size_t o = 0;
	for (const char *p = path; *p && o + 3 < sizeof file; p++) {
		if (*p == '"' || *p == '\\')
			file[o++] = '\\';
		file[o++] = (unsigned char)*p < 0x20 ? ' ' : *p;
	}
	file[o] = '\0';
	snprintf(detail, sizeof detail, "{\"paper\":\"%s\",\"file\":\"%s\"}", kind, file);
	if (db_audit_append(k->db, k->user.id, AUD_CASE_REPRINT, case_no, detail, &err) != 0) {
		counter_say_err(k, &err);
		return false;
	}
	if (!k->cfg->print_command[0]) {
		counter_say(k, counter_str(k, "slip.no_printer"));
		return true;
	}
	if (printout_send(k->cfg->print_command, path, &err) != 0) {
		counter_say_err(k, &err);
		return true;
	}
	str_var w[] = { { "case", case_no }, { NULL, NULL } };
	char buf[512];
	counter_say(k, counter_render(k, "paper.reprinted", w, buf, sizeof buf));
	return true;
}
