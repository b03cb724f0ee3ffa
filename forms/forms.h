/* forms: the counter's paper, between the domain (core) and the front ends
 * (tui, ctl). It binds the form fields of kiosk-config/forms.ini to the
 * validators, evaluates the materials checklist into 受理, 容缺受理 or 不予受理
 * with the full 一次性告知 list, renders the 受理回执 and the 一次性告知单, and
 * cross-checks every configuration file. It includes core only.
 *
 *   files            header  what they hold
 *   forms.h          public  this table; includes every header below
 *   form.[ch]        public  the details form: field specs, checks in the
 *                            clerk's language
 *   checklist.[ch]   public  received / missing / defective marks → verdict
 *                            and the notice list
 *   slip.[ch]        public  the 受理回执 and the 一次性告知单 as text
 *   casewords.[ch]   public  a case's recorded details (steps, audit rows) in
 *                            the counter's language; STEP_NOTES, the phrases
 *                            the flows write into them
 *   config_check.[ch] public kioskctl config check: every file, every string
 *                            key the code's tables use, in both languages
 */
#ifndef FORMS_FORMS_H
#define FORMS_FORMS_H

#include "forms/casewords.h"
#include "forms/checklist.h"
#include "forms/config_check.h"
#include "forms/form.h"
#include "forms/slip.h"

#endif
