#include "core/print/qr.h"

#include <errno.h>
#include <qrencode.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void qr_art_free(qr_art *a)
{
	if (!a)
		return;
	for (int i = 0; a->lines && i < a->rows; i++)
		free(a->lines[i]);
	free(a->lines);
	free(a);
}

/* Module (x, y) of the padded picture: dark only inside the code itself. */
static bool dark(const QRcode *q, int x, int y)
{
	x -= QR_QUIET_ZONE;
	y -= QR_QUIET_ZONE;
	if (x < 0 || y < 0 || x >= q->width || y >= q->width)
		return false;
	return q->data[y * q->width + x] & 1; /* bit 0: dark module */
}

qr_art *qr_render(const char *text, kerr *err)
{
	if (!text || !*text) {
		kerr_set(err, "qr", "nothing to encode: the payment order has no code_url");
		return NULL;
	}
	errno = 0;
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!q) {
		if (errno == ERANGE)
			kerr_set(err, "qr", "text of %zu bytes is too long for a QR code",
				 strlen(text));
		else
			kerr_set(err, "qr", "cannot encode the QR code: %s",
				 errno ? strerror(errno) : "unknown error");
		return NULL;
	}
	qr_art *a = calloc(1, sizeof *a);
	int size = q->width + 2 * QR_QUIET_ZONE;
	if (!a)
		goto oom;
	a->modules = q->width;
	a->width = size;
	a->rows = (size + 1) / 2; /* an odd last module row pairs with light */
	a->lines = calloc((size_t)a->rows, sizeof *a->lines);
	if (!a->lines)
		goto oom;
	for (int r = 0; r < a->rows; r++) {
		char *line = malloc((size_t)size * 3 + 1);
		if (!line)
			goto oom;
		a->lines[r] = line;
		size_t o = 0;
		for (int x = 0; x < size; x++) {
			bool top = dark(q, x, 2 * r), bottom = dark(q, x, 2 * r + 1);
			const char *cell = top && bottom ? "\xE2\x96\x88" /* █ */
					   : top	  ? "\xE2\x96\x80" /* ▀ */
					   : bottom	  ? "\xE2\x96\x84" /* ▄ */
							  : " ";
			size_t l = strlen(cell);
			memcpy(line + o, cell, l);
			o += l;
		}
		line[o] = '\0';
	}
	QRcode_free(q);
	return a;
oom:
	QRcode_free(q);
	qr_art_free(a);
	kerr_set(err, "qr", "out of memory");
	return NULL;
}
