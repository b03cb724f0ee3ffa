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
	/* a case ends with one of the two: the receipt, or the notice of a refusal */
	static const char *const kinds[] = { "slip", "notice" };
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		int rc = printout_find(k->data_dir, case_no, kinds[i], out->path, sizeof out->path,
				       &out->text);
		if (rc == 0 && out->text) {
			snprintf(out->kind, sizeof out->kind, "%s", kinds[i]);
			return 0;
		}
		if (rc < 0) {
			str_var v[] = { { "case", case_no }, { NULL, NULL } };
			char buf[512];
			counter_say(k, counter_render(k, "paper.unreadable", v, buf, sizeof buf));
			return -1;
		}
	}
	str_var v[] = { { "case", case_no }, { NULL, NULL } };
	char buf[512];
	counter_say(k, counter_render(k, "paper.none", v, buf, sizeof buf));
	return 1;
}

void paper_free(paper *p)
{
	free(p->text);
	p->text = NULL;
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
