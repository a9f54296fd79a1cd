/*
 * NAME
 *	check_bulk - unsubscribe headers on bulk mail (RFC 2369, RFC 8058)
 * SYNOPSIS
 *	extern const pf_check pf_check_bulk;
 * DESCRIPTION
 *	At end of message, when the message is bulk (content.h: [bulk]
 *	recipients or more, Precedence: bulk/list/junk, or List-Id), one of:
 *
 *	bulk.no-list-unsubscribe (no_unsubscribe_score): no List-Unsubscribe;
 *	bulk.unsubscribe-not-https (not_https_score): List-Unsubscribe has
 *	no https URI, so one-click unsubscribe is impossible;
 *	bulk.no-one-click (no_one_click_score): an https URI but no
 *	"List-Unsubscribe-Post: List-Unsubscribe=One-Click".
 *
 *	Receivers also require both headers to be covered by the DKIM
 *	signature; that is the signer's configuration (its signed header
 *	list) and is not checked here.
 */
#include "content/content.h"

static void
bulk_run(pf_message *msg, pf_stage stage)
{
	const pf_bulk_conf *bc = &msg->cfg->bulk;
	GString *why;
	pf_result *r = NULL;

	if (pf_content_check_off(msg, PF_CHECK_BULK))
		return;
	why = g_string_new(NULL);
	if (!pf_content_is_bulk(msg, why)) {
		g_string_free(why, TRUE);
		return;
	}
	switch (pf_content_unsubscribe(msg)) {
	case PF_UNSUB_NONE:
		if ((r = pf_content_add(msg, PF_CHECK_BULK,
		    "bulk.no-list-unsubscribe", PF_ACTION_NONE,
		    (int)bc->no_unsubscribe_score, NULL, NULL))) {
			pf_result_text(r, "Bulk mail (%s) without a "
			    "List-Unsubscribe header", why->str);
			pf_result_fix(r, "Add \"List-Unsubscribe: "
			    "<https://...>, <mailto:...>\" and "
			    "\"List-Unsubscribe-Post: List-Unsubscribe="
			    "One-Click\" (RFC 8058); large receivers "
			    "require them");
		}
		break;
	case PF_UNSUB_NO_HTTPS:
		if ((r = pf_content_add(msg, PF_CHECK_BULK,
		    "bulk.unsubscribe-not-https", PF_ACTION_NONE,
		    (int)bc->not_https_score, NULL, NULL))) {
			pf_result_text(r, "Bulk mail (%s) whose "
			    "List-Unsubscribe has no https URI", why->str);
			pf_result_fix(r, "Add an <https://...> unsubscribe URI "
			    "to List-Unsubscribe and \"List-Unsubscribe-Post: "
			    "List-Unsubscribe=One-Click\" (RFC 8058)");
		}
		break;
	case PF_UNSUB_NO_POST:
		if ((r = pf_content_add(msg, PF_CHECK_BULK,
		    "bulk.no-one-click", PF_ACTION_NONE,
		    (int)bc->no_one_click_score, NULL, NULL))) {
			pf_result_text(r, "Bulk mail (%s) without "
			    "\"List-Unsubscribe-Post: List-Unsubscribe="
			    "One-Click\"", why->str);
			pf_result_fix(r, "Add that header and accept the POST "
			    "at the https URI (RFC 8058); sign both headers "
			    "with DKIM");
		}
		break;
	case PF_UNSUB_ONE_CLICK:
		break;
	}
	if (r)
		pf_result_fact(r, "bulk", "%s", why->str);
	g_string_free(why, TRUE);
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
