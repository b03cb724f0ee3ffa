/* paper_flow: any case's papers, found again and reprinted. The 受理回执 or
 * the 一次性告知单 a case was given, and the 容缺补交回执 of its supplement,
 * are read back as it was saved under the
 * data directory (core/print/printout.h: the file the slip step recorded),
 * never made again from today's data; a reprint is a copy marked 补打 /
 * REPRINT with who reprinted it and when, saved beside the paper (the
 * original file is never touched), sent to the print command when one is
 * configured, and audited ("case.reprint": who, when, which paper and the
 * copy's file). A paper owns its text: paper_free() releases it. */
#ifndef TUI_FLOW_PAPER_FLOW_H
#define TUI_FLOW_PAPER_FLOW_H

#include <stdbool.h>

#include "tui/flow/counter.h"

/* The kinds of paper a case can have, in the order they were given. */
#define PAPER_KINDS_MAX 3

typedef struct paper_one {
	char kind[16];            /* "slip" (受理回执), "notice" (一次性告知单) or
				   * "supplement" (容缺补交回执) */
	char path[1100];          /* the file as saved */
	char *text;               /* its contents, malloc'd */
} paper_one;

typedef struct paper {
	char case_no[40];
	paper_one all[PAPER_KINDS_MAX];  /* every paper of the case, as given */
	size_t n;
	size_t cur;               /* the one shown (and reprinted) */
} paper;

/* Every paper of case_no: 0 found (at least one), 1 the case has none (not
 * yet at its slip, or cancelled), -1 one cannot be read; the reason is said
 * either way. */
int paper_flow_load(counter *k, const char *case_no, paper *out);
/* The paper shown (NULL none). */
const paper_one *paper_current(const paper *p);
void paper_free(paper *p);

/* Reprint text, the paper `kind` ("slip", "notice", "supplement") of case_no: the marked
 * copy saved, printed (without a print command: said, the copy is the
 * file) and audited. true when the copy is saved and audited; else the
 * reason is said. */
bool paper_flow_reprint(counter *k, const char *case_no, const char *kind, const char *text);

#endif
