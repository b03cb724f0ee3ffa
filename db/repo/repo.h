/* repo: the repositories, one per table family. This is the folder's main
 * header; including it includes them all.
 *
 *   file                what it holds
 *   staff_repo.h/.c     staff: PIN hashes, login, failures, lock, logout
 *   case_repo.h/.c      cases, their steps and material decisions;
 *                       db_case_step() is the one way a case moves
 *   token_repo.h/.c     the customer keys, their lifecycle events,
 *                       certificates and bindings
 *   payment_repo.h/.c   WeChat Pay orders, one row per out_trade_no, with the
 *                       code_url the customer was shown
 *   refund_repo.h/.c    refunds, maker-checker: a paid case cancelled (-R1),
 *                       a duplicate payment refunded (重复支付退款, -D1)
 *   refund_send.h/.c    the gateway's side of a refund, shared by the kiosk
 *                       and kioskctl: orders paid meanwhile taken up, the
 *                       approved refund asked for and its answer recorded
 *   recon_repo.h/.c     the reconciliation with WeChat Pay's bill: the day's
 *                       book, a run and its differences, their resolution
 *   supp_repo.h/.c      容缺补交 (supplements: the owed material brought back,
 *                       the case completed) and 好差评 (ratings, a 差评's follow-up)
 *   anchor_repo.h/.c    the supervisor's day close and the signed day anchors
 *   seal_repo.h/.c      forward-secure sealing: the set-up row, the seals
 *                       (made with core/audit/seal's evolving key), checking them
 *   training_repo.h/.c  the trainer's score sheet (demo database)
 *
 * Public: every header here (each .h beside its .c). The .c files work
 * through db/store.h and db/audit_log.h: each change and its audit row commit
 * in one operation. Dependencies point one way: repo/ uses db/ (store,
 * audit_log, db.h) and report/ (anchor_repo signs the day's counts that
 * db_report_daily() reads); nothing in report/ or at db/'s top level includes
 * repo/. Inside: anchor_repo, refund_repo, recon_repo, seal_repo and supp_repo read
 * staff_repo; anchor_repo merges case_repo's search index after a day close;
 * supp_repo reads case_repo; refund_repo reads case_repo and resolves
 * through recon_repo; a cancel (case_repo, refund_repo) revokes the case's
 * certificates through token_repo inside its own operation; refund_send calls
 * the payment device (core/pay) and writes through payment_repo and
 * refund_repo, outside any transaction of its own. */
#ifndef DB_REPO_REPO_H
#define DB_REPO_REPO_H

#include "db/repo/anchor_repo.h"
#include "db/repo/case_repo.h"
#include "db/repo/payment_repo.h"
#include "db/repo/recon_repo.h"
#include "db/repo/refund_repo.h"
#include "db/repo/refund_send.h"
#include "db/repo/seal_repo.h"
#include "db/repo/staff_repo.h"
#include "db/repo/supp_repo.h"
#include "db/repo/token_repo.h"
#include "db/repo/training_repo.h"

#endif
