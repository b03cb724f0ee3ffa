/* base: the plain tools every other folder of core/ (and forms/, db/, the
 * front ends) stands on: errors that name where the fault is, the enum
 * generator, UTF-8 and the characters a name must not hold, the INI reader,
 * the UI strings, the clock, the civil calendar, kiosk.ini, and keeping files
 * and memory private. Nothing here knows the CA's domain (that is
 * core/case) or a device; base includes nothing outside itself.
 *
 *   files         header  what they hold
 *   base.h        public  this table; includes every header below
 *   err.[ch]      public  kerr: where (file:line, table, field) and what to do
 *   names.[ch]    public  ENUM_DECLARE_* / ENUM_DEFINE_*: an enum and its
 *                         _name() / _key() / _from_name() from one X-table
 *   utf8.[ch]     public  utf8_copy(): copy cut on a character boundary;
 *                         utf8_next(): one well-formed character
 *   hidden.[ch]   public  HIDDEN_CHARS: the characters a name must not hold
 *                         (controls, bidi, zero-width, other format)
 *   kini.[ch]     public  one kiosk-config INI file with a line on every key
 *   strings.[ch]  public  lang (LANGS), UI strings by key, {placeholders}
 *   clock.[ch]    public  UTC milliseconds, the day in Asia/Shanghai, test clocks
 *                         ($KIOSK_NOW only in a test build)
 *   protect.[ch]  public  private files (0600) and directories (0700), no core
 *                         dumps
 *   civil.[ch]    public  civil days (days since 1970-01-01), no time zone
 *   config.[ch]   public  kiosk.ini: site, window, data directory, devices
 *
 * Every header here is public: any layer may include it. */
#ifndef CORE_BASE_H
#define CORE_BASE_H

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/base/config.h"
#include "core/base/err.h"
#include "core/base/hidden.h"
#include "core/base/kini.h"
#include "core/base/names.h"
#include "core/base/protect.h"
#include "core/base/strings.h"
#include "core/base/utf8.h"

#endif
