/*
 * NAME
 *	check_content - receiver profiles; owner of the parsed MIME message
 * SYNOPSIS
 *	extern const pf_check pf_check_content;
 * DESCRIPTION
 *	Receiver profiles predict, locally, the refusals that large mailbox
 *	providers publish for their sender requirements, and give the code
 *	that receiver would, so that the sender learns it before relay.  A
 *	profile applies when a recipient is at that receiver's consumer
 *	domains (gmail.com; yahoo.*, aol.com; outlook.com, hotmail.*, live.*,
 *	msn.com), or to every message with profiles_all_recipients.
 *
 *	Only what can be known here is predicted:
 *	gmail: RFC 5322 conformance (one From, at most one Date, Subject,
 *	Message-ID, To, Cc, Reply-To, Sender, In-Reply-To, References; a
 *	Message-ID present): 550 5.7.1; a DMARC failure, or bulk mail
 *	without DMARC: 5.7.26; bulk mail failing SPF: 5.7.27; bulk mail not
 *	DKIM-signed: 5.7.30; bulk mail without one-click unsubscribe: score.
 *	yahoo: a DMARC failure, or bulk mail lacking DMARC, SPF or DKIM:
 *	554 5.7.9; bulk without one-click: score.
 *	microsoft: bulk mail lacking DMARC, SPF or DKIM, or failing DMARC:
 *	550 5.7.515.
 *
 *	Authentication hook: SPF, DKIM and DMARC are decided by their own
 *	checks; this file reads their results by code (dmarc.fail,
 *	dmarc.none, spf.fail, spf.softfail, dkim.not-signed), so that those
 *	checks must run before this one (it is last in the table).  Without
 *	them the authentication rules say nothing.  Receivers also require
 *	List-Unsubscribe and List-Unsubscribe-Post to be covered by the DKIM
 *	signature; the signer must add them to its signed headers (not
 *	checked here).
 *
 *	This check also owns the parsed message shared by every content
 *	check (mime.h): msg->state[PF_CHECK_CONTENT], released by its
 *	free_state; and the [content] overrides table (content.h).
 */
#include <string.h>

#include "content/content.h"
#include "content/mime.h"
#include "core/table.h"

enum {
	PROFILE_GMAIL = 1 << 0,
	PROFILE_YAHOO = 1 << 1,
	PROFILE_MICROSOFT = 1 << 2,
};

static const struct {
	const char *name;
	unsigned bit;
	const char *const *domains;	/* org domains, "x." = any TLD */
} profiles[] = {
	{"gmail", PROFILE_GMAIL,
	 (const char *const[]){"gmail.com", "googlemail.com", NULL}},
	{"yahoo", PROFILE_YAHOO,
	 (const char *const[]){"yahoo.", "ymail.com", "rocketmail.com",
			       "aol.com", "aim.com", NULL}},
	{"microsoft", PROFILE_MICROSOFT,
	 (const char *const[]){"outlook.", "hotmail.", "live.", "msn.com",
			       "windowslive.com", NULL}},
};

/* The first recipient at one of the profile's domains, or NULL. */
static const char *
profile_recipient(const pf_message *msg, unsigned p)
{
	for (guint i = 0; i < msg->rcpts->len; i++) {
		const char *rcpt = msg->rcpts->pdata[i];
		const char *at = strrchr(rcpt, '@');
		char *lower;
		const char *org;
		bool hit = false;

		if (at == NULL || at[1] == '\0')
			continue;
		lower = g_ascii_strdown(at + 1, -1);
		org = pf_org_domain(lower);
		for (const char *const *d = profiles[p].domains; *d && !hit;
		     d++) {
			size_t len = strlen(*d);

			hit = (*d)[len - 1] == '.' ?
			    strncmp(org, *d, len) == 0 : strcmp(org, *d) == 0;
		}
		g_free(lower);
		if (hit)
			return rcpt;
	}
	return NULL;
}

/* What the authentication checks found (hook, see the head comment). */
typedef struct auth_view {
	bool dmarc_fail, dmarc_none, spf_fail, dkim_unsigned;
} auth_view;

static void
auth_view_get(const pf_message *msg, auth_view *av)
{
	memset(av, 0, sizeof(*av));
	for (guint i = 0; i < msg->results->len; i++) {
		const char *code = ((pf_result *)msg->results->pdata[i])->code;

		if (strcmp(code, "dmarc.fail") == 0)
			av->dmarc_fail = true;
		else if (strcmp(code, "dmarc.none") == 0)
			av->dmarc_none = true;
		else if (strcmp(code, "spf.fail") == 0 ||
			 strcmp(code, "spf.softfail") == 0)
			av->spf_fail = true;
		else if (strcmp(code, "dkim.not-signed") == 0)
			av->dkim_unsigned = true;
	}
}

static pf_result *
predict(pf_message *msg, const char *code, const char *receiver,
	const char *rcpt, const char *smtp, const char *dsn)
{
	const pf_content_conf *cc = &msg->cfg->content;
	pf_result *r = pf_content_add(msg, PF_CHECK_CONTENT, code,
	    smtp ? cc->profile_action : PF_ACTION_NONE,
	    smtp ? 0 : (int)cc->profile_score, smtp, dsn);

	if (r) {
		pf_result_fact(r, "receiver", "%s", receiver);
		pf_result_fact(r, "rcpt", "%s", rcpt);
	}
	return r;
}

static const char *const single_headers[] = {
	"Date", "Subject", "Message-ID", "To", "Cc", "Reply-To", "Sender",
	"In-Reply-To", "References",
};

static void
profile_gmail(pf_message *msg, const char *rcpt, bool bulk,
	      const auth_view *av)
{
	unsigned from = pf_message_header_count(msg, "From");
	GString *bad = g_string_new(NULL);
	pf_result *r;

	if (from != 1)
		g_string_printf(bad, "%u From headers", from);
	for (unsigned i = 0; i < G_N_ELEMENTS(single_headers) && !bad->len;
	     i++)
		if (pf_message_header_count(msg, single_headers[i]) > 1)
			g_string_printf(bad, "%u %s headers",
			    pf_message_header_count(msg, single_headers[i]),
			    single_headers[i]);
	if (!bad->len && pf_message_header_count(msg, "Message-ID") == 0)
		g_string_assign(bad, "no Message-ID header");
	if (bad->len && (r = predict(msg, "content.gmail-rfc5322", "gmail",
				     rcpt, "550", "5.7.1"))) {
		pf_result_text(r, "Gmail would refuse this message as not RFC "
		    "5322 compliant: it has %s (recipient %s)", bad->str, rcpt);
		pf_result_fix(r, "Send exactly one From and at most one of "
		    "each Date, Subject, Message-ID, To, Cc header, with a "
		    "Message-ID; fix the program that composed it");
		pf_result_fact(r, "problem", "%s", bad->str);
	}
	g_string_free(bad, TRUE);
	if ((av->dmarc_fail || (bulk && av->dmarc_none)) &&
	    (r = predict(msg, "content.gmail-unauthenticated", "gmail", rcpt,
			 "550", "5.7.26"))) {
		pf_result_text(r, "Gmail would refuse this message as "
		    "unauthenticated: %s (recipient %s)", av->dmarc_fail ?
		    "DMARC fails for the From domain" :
		    "bulk mail from a domain without a DMARC record", rcpt);
		pf_result_fix(r, "Sign with DKIM for the From domain, make SPF "
		    "pass for the envelope domain, and publish a DMARC record");
	}
	if (bulk && av->spf_fail &&
	    (r = predict(msg, "content.gmail-spf", "gmail", rcpt, "550",
			 "5.7.27"))) {
		pf_result_text(r, "Gmail would refuse this bulk message: SPF "
		    "does not pass for the envelope domain (recipient %s)",
		    rcpt);
		pf_result_fix(r, "Add this relay's address to the SPF record "
		    "of the envelope sender's domain");
	}
	if (bulk && av->dkim_unsigned &&
	    (r = predict(msg, "content.gmail-dkim", "gmail", rcpt, "550",
			 "5.7.30"))) {
		pf_result_text(r, "Gmail would refuse this bulk message: it "
		    "is not DKIM-signed (recipient %s)", rcpt);
		pf_result_fix(r, "Configure DKIM signing for the From domain");
	}
}

static void
profile_auth(pf_message *msg, const char *code, const char *receiver,
	     const char *rcpt, const char *smtp, const char *dsn, bool bulk,
	     const auth_view *av)
{
	const char *what = NULL;
	pf_result *r;

	if (av->dmarc_fail)
		what = "DMARC fails for the From domain";
	else if (bulk && av->dmarc_none)
		what = "bulk mail from a domain without a DMARC record";
	else if (bulk && av->spf_fail)
		what = "bulk mail whose SPF does not pass";
	else if (bulk && av->dkim_unsigned)
		what = "bulk mail without a DKIM signature";
	if (what == NULL || (r = predict(msg, code, receiver, rcpt, smtp,
					 dsn)) == NULL)
		return;
	pf_result_text(r, "%s would refuse this message: %s (recipient %s)",
	    receiver, what, rcpt);
	pf_result_fix(r, "Bulk senders need SPF and DKIM both passing and "
	    "a DMARC record aligned with the From domain");
}

static void
profile_one_click(pf_message *msg, const char *code, const char *receiver,
		  const char *rcpt)
{
	pf_result *r;

	if (pf_content_unsubscribe(msg) == PF_UNSUB_ONE_CLICK ||
	    (r = predict(msg, code, receiver, rcpt, NULL, NULL)) == NULL)
		return;
	pf_result_text(r, "%s requires one-click unsubscribe on bulk mail "
	    "and may junk or refuse it (recipient %s)", receiver, rcpt);
	pf_result_fix(r, "Add \"List-Unsubscribe: <https://...>\" and "
	    "\"List-Unsubscribe-Post: List-Unsubscribe=One-Click\" (RFC "
	    "8058), both covered by the DKIM signature");
}

static void
content_run(pf_message *msg, pf_stage stage)
{
	const pf_content_conf *cc = &msg->cfg->content;
	auth_view av;
	bool bulk;

	if (cc->profile_mask == 0 ||
	    pf_content_check_off(msg, PF_CHECK_CONTENT))
		return;
	bulk = pf_content_is_bulk(msg, NULL);
	auth_view_get(msg, &av);
	for (unsigned p = 0; p < G_N_ELEMENTS(profiles); p++) {
		const char *rcpt;

		if ((cc->profile_mask & profiles[p].bit) == 0)
			continue;
		rcpt = profile_recipient(msg, p);
		if (rcpt == NULL && cc->profiles_all_recipients)
			rcpt = msg->rcpts->len ? msg->rcpts->pdata[0] : "-";
		if (rcpt == NULL)
			continue;
		switch (profiles[p].bit) {
		case PROFILE_GMAIL:
			profile_gmail(msg, rcpt, bulk, &av);
			if (bulk)
				profile_one_click(msg,
				    "content.gmail-one-click", "Gmail", rcpt);
			break;
		case PROFILE_YAHOO:
			profile_auth(msg, "content.yahoo-unauthenticated",
			    "Yahoo", rcpt, "554", "5.7.9", bulk, &av);
			if (bulk)
				profile_one_click(msg,
				    "content.yahoo-one-click", "Yahoo", rcpt);
			break;
		case PROFILE_MICROSOFT:
			profile_auth(msg, "content.microsoft-auth",
			    "Microsoft (Outlook.com)", rcpt, "550", "5.7.515",
			    bulk, &av);
			break;
		}
	}
}

static pf_mode *
content_mode(pf_config *cfg)
{
	return &cfg->content.mode;
}

static int
content_configure(pf_config *cfg, GString *err)
{
	pf_content_conf *cc = &cfg->content;
	gchar **words = g_strsplit_set(cc->profiles ? cc->profiles : "",
				       " \t,", -1);
	int rc = 0;

	cc->profile_mask = 0;
	for (gchar **w = words; *w; w++) {
		unsigned p;

		if (**w == '\0')
			continue;
		for (p = 0; p < G_N_ELEMENTS(profiles); p++)
			if (g_ascii_strcasecmp(*w, profiles[p].name) == 0)
				break;
		if (p == G_N_ELEMENTS(profiles)) {
			g_string_append_printf(err, "%s: content.profiles: "
			    "unknown profile \"%s\" (gmail, yahoo, microsoft)\n",
			    cfg->path ? cfg->path : "(defaults)", *w);
			rc = -1;
		} else {
			cc->profile_mask |= profiles[p].bit;
		}
	}
	g_strfreev(words);
	if (cc->overrides) {
		cc->override_table = pf_table_load(cc->overrides,
		    pf_content_validate_override, NULL, err);
		if (cc->override_table == NULL)
			rc = -1;
	}
	return rc;
}

static void
content_unconfigure(pf_config *cfg)
{
	pf_table_free(&cfg->content.override_table);
}

static void
content_free_state(void *state)
{
	pf_mime *mime = state;

	pf_mime_free(&mime);
}

const pf_check pf_check_content = {
	.id = PF_CHECK_CONTENT,
	.name = "content",
	.stages = PF_STAGE_EOM,
	.mode = content_mode,
	.run = content_run,
	.configure = content_configure,
	.unconfigure = content_unconfigure,
	.free_state = content_free_state,
};
