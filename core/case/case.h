/* case: the CA's domain as the counter meets it, pure logic over values with
 * no device, no curses and no SQL. The catalogue (services, materials, holder
 * types, fees, loaded from kiosk-config) describes what can be done; a case
 * moves through its steps by the state machine, checked by the guides' time
 * rules and the national identifier validators, charged by the fee
 * calculation, for a party whose fields are declared once; staff roles say
 * who may do what.
 *
 *   files          header  what they hold
 *   case.h         public  this table; includes every header below
 *   catalog.[ch]   public  services, materials, holder types, fee items, token
 *                          operations (and their word tables); catalog_load()
 *   casefsm.[ch]   public  steps, statuses, decisions; the next legal step
 *   marks.[ch]     public  MATERIAL_MARKS: received, missing, defective (the
 *                          store's words and the UI keys)
 *   party.[ch]     public  PARTY_FIELDS: unit and agent fields, case_party,
 *                          party_get() / party_set()
 *   rules.[ch]     public  renewal window, seal upgrade, validity of a new cert
 *   rating.[ch]    public  RATING_LEVELS: 好差评's five levels and none; 差评 and
 *                          the day its follow-up is due
 *   fees.[ch]      public  a case's fee in 分 with its breakdown (fee_quote)
 *   validate.[ch]  public  USCC, organisation code, resident ID, mobile
 *   staff.[ch]     public  clerk, supervisor, trainer; the wait after wrong PINs
 *
 * Every header here is public. The folder depends on core/base only. */
#ifndef CORE_CASE_H
#define CORE_CASE_H

#include "core/case/casefsm.h"
#include "core/case/catalog.h"
#include "core/case/fees.h"
#include "core/case/marks.h"
#include "core/case/party.h"
#include "core/case/rating.h"
#include "core/case/rules.h"
#include "core/case/staff.h"
#include "core/case/validate.h"

#endif
