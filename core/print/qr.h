/* qr: a QR code as text for the screen. The payment step shows WeChat Pay's
 * code_url as a QR code drawn with Unicode half blocks (▀ ▄ █ and space), two
 * modules per character row, error correction level M, a 4-module quiet zone
 * on every side. A block is a dark module: the screen draws the lines dark on a
 * light background. No curses here: the tui draws the lines. qr_render()
 * returns an owned qr_art; qr_art_free() releases it and its lines. */
#ifndef CORE_QR_H
#define CORE_QR_H

#include "core/base/err.h"

/* Modules of light margin around the code on each side (the standard's minimum). */
#define QR_QUIET_ZONE 4

typedef struct qr_art {
	int rows;      /* number of lines (character rows) */
	int width;     /* display cells per line: modules across, quiet zone included */
	int modules;   /* modules across the code itself, without the quiet zone */
	char **lines;  /* rows UTF-8 strings, each exactly width cells wide */
} qr_art;

/* Encode text (UTF-8, as bytes) and draw it. NULL with err for an empty or
 * too long text, or out of memory. */
qr_art *qr_render(const char *text, kerr *err);
void qr_art_free(qr_art *a);

#endif
