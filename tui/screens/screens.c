/* screens: the table of every screen's ops, indexed by screen id (the loop
 * in tui/app reaches the screens only through it). */
#include "tui/screens/screens.h"

extern const screen_ops scr_token, scr_payment, scr_slip, scr_paper;
extern const screen_ops scr_login, scr_home, scr_service, scr_details, scr_materials,
	scr_decision, scr_approval, scr_lock, scr_help, scr_day, scr_timeline, scr_refund, scr_staff, scr_train, scr_stop,
	scr_score, scr_supply, scr_supp_slip, scr_rating, scr_hall;

const screen_ops *const screens[SCR_COUNT] = {
	[SCR_LOGIN] = &scr_login,         [SCR_HOME] = &scr_home,
	[SCR_SERVICE] = &scr_service,     [SCR_DETAILS] = &scr_details,
	[SCR_MATERIALS] = &scr_materials, [SCR_DECISION] = &scr_decision,
	[SCR_APPROVAL] = &scr_approval,   [SCR_TOKEN] = &scr_token,
	[SCR_PAYMENT] = &scr_payment,     [SCR_SLIP] = &scr_slip,
	[SCR_DAY] = &scr_day,             [SCR_TIMELINE] = &scr_timeline,
	[SCR_REFUND] = &scr_refund,       [SCR_STAFF] = &scr_staff,
	[SCR_TRAIN] = &scr_train,         [SCR_STOP] = &scr_stop,
	[SCR_SCORE] = &scr_score,         [SCR_PAPER] = &scr_paper,
	[SCR_SUPPLY] = &scr_supply,       [SCR_SUPP_SLIP] = &scr_supp_slip,
	[SCR_RATING] = &scr_rating,       [SCR_HALL] = &scr_hall,
	[SCR_LOCK] = &scr_lock,           [SCR_HELP] = &scr_help,
};
