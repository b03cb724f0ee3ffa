/* train: trainer mode's scripted customers and how a trainee did. Scenarios
 * come from kiosk-config/demo/scenarios.ini; the loader plays each one
 * through the catalogue, the guides' rules, the validators and the demo key
 * so the outcome the file expects is the one its situation leads to. The
 * score compares the trainee's play (decision or stop reason, checklist
 * marks) with it and says what was missed in the trainee's language.
 *
 *   files          header  what they hold
 *   train.h        public  this table; includes every header below
 *   scenario.[ch]  public  trainee outcomes, stop reasons, brought states, the
 *                          score sheet's messages (their word tables);
 *                          scenario_set_load(), scenario_check()
 *   score.[ch]     public  score_play(): right or wrong, and what was missed
 *
 * Every header here is public. The folder depends on core/base, core/case
 * and core/token (the key a scenario's customer brings). */
#ifndef CORE_TRAIN_H
#define CORE_TRAIN_H

#include "core/train/scenario.h"
#include "core/train/score.h"

#endif
