/*
 * NAME
 *	check_bulk - bulk mail without one-click unsubscribe
 * SYNOPSIS
 *	extern const pf_check pf_check_bulk;
 * DESCRIPTION
 *	A message is bulk when it has [bulk] recipients or more, or a
 *	Precedence: bulk or list field.  Large receivers (Gmail, Yahoo,
 *	Microsoft, since 2024) require bulk mail to carry an https
 *	List-Unsubscribe and "List-Unsubscribe-Post: List-Unsubscribe=
 *	One-Click" (RFC 8058); without them: bulk.no-one-click-unsubscribe,
 *	[bulk] score.  (Both fields should also be DKIM-signed: they are in
 *	[dkim] signed_headers by default.)
 */
#include <string.h>

#include "check.h"

static void
bulk_run(pf_message *msg, pf_stage stage)
{
	const pf_bulk_conf *bc = &msg->cfg->bulk;
	const char *prec = pf_message_header_get(msg, "Precedence", 0);
	const char *lu = pf_message_header_get(msg, "List-Unsubscribe", 0);
	const char *lup = pf_message_header_get(msg, "List-Unsubscribe-Post",
						0);
	bool bulk, https, oneclick;
	pf_result *r;

	if (stage != PF_STAGE_EOM || bc->score == 0)
		return;
	bulk = msg->rcpts->len >= bc->recipients ||
	    (prec && (strstr(prec, "bulk") || strstr(prec, "list")));
	if (!bulk)
		return;
	https = lu && strstr(lu, "<https://");
	oneclick = lup && strstr(lup, "List-Unsubscribe=One-Click");
	if (https && oneclick)
		return;
	r = pf_result_add(msg, PF_CHECK_BULK, "bulk.no-one-click-unsubscribe",
			  PF_ACTION_NONE, (int)bc->score, "550", "5.7.1");
	pf_result_text(r, "Bulk mail (%u recipients%s) without %s: Gmail, "
	    "Yahoo and Microsoft refuse or junk it", msg->rcpts->len,
	    prec ? ", Precedence" : "", !https ? "an https List-Unsubscribe" :
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click");
	pf_result_fix(r, "Add List-Unsubscribe: <https://...> and "
	    "List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058)");
}

static pf_mode *
bulk_mode(pf_config *cfg)
{
	return &cfg->bulk.mode;
}

const pf_check pf_check_bulk = {
	.id = PF_CHECK_BULK,
	.name = "bulk",
	.stages = PF_STAGE_EOM,
	.mode = bulk_mode,
	.run = bulk_run,
};
