/* print: the counter's papers and codes on their way out. The slips' text is
 * written by forms/slip; this folder keeps every paper as a file under the
 * data directory before it goes to the configured print command, and draws
 * WeChat Pay's code_url as a QR code of half blocks for the payment screen.
 * No curses: the screens draw the lines this folder returns.
 *
 *   files          header  what they hold
 *   print.h        public  this table; includes every header below
 *   printout.[ch]  public  save a paper (slip, notice, day summary) atomically,
 *                          then pipe it to kiosk.ini [print] command
 *   qr.[ch]        public  a QR code as lines of ▀ ▄ █, with its quiet zone
 *
 * Every header here is public. The folder depends on core/base only. */
#ifndef CORE_PRINT_H
#define CORE_PRINT_H

#include "core/print/printout.h"
#include "core/print/qr.h"

#endif
