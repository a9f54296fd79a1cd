/*
 * NAME
 *	check_from - the From header: syntax, one author, honest display
 *	name, and the SASL user's right to the address
 * SYNOPSIS
 *	extern const pf_check pf_check_from;
 * DESCRIPTION
 *	At end of headers the From header is parsed with GMime's address
 *	parser (the DMARC check uses the same parse: dmarc.h).  Findings,
 *	each with its own code:
 *	  from.multiple           several From headers      550 5.7.1
 *	  from.unparsable         no mailbox could be read  550 5.6.0
 *	  from.multiple-mailboxes several mailboxes/groups  550 5.7.1
 *	  from.no-domain          address without a valid domain (also
 *	                          comment or quote syntax)  550 5.6.0
 *	  from.display-spoof      display name shows another address or
 *	                          domain than the real one  550 5.7.1
 *	  from.identity           [from] sasl_senders does not allow the
 *	                          SASL user this address    550 5.7.1
 *	Several mailboxes and a missing domain are the OpenDMARC CVE
 *	classes (2019-16378, 2021-34555): DMARC is never evaluated for them.
 *	A message without From is left alone: the MTA may add one (Postfix
 *	always_add_missing_headers, sendmail submissions).
 */
#include <string.h>

#include <gmime/gmime.h>

#include "core/check.h"
#include "auth/dmarc.h"
#include "core/table.h"

static bool
domain_ok(const char *d)
{
	if (d == NULL || *d == '\0' || strlen(d) > 253 || *d == '.' ||
	    strchr(d, '.') == NULL)
		return false;
	for (; *d; d++)
		if (!g_ascii_isalnum(*d) && *d != '-' && *d != '.')
			return false;
	return true;
}

static pf_result *
finding(pf_message *msg, const char *code, pf_action action, const char *dsn)
{
	return pf_result_add(msg, PF_CHECK_FROM, code, action, 10, "550", dsn);
}

/* An address or domain-looking word in the display name, if different. */
static char *
display_claim(const char *name, const char *addr)
{
	gchar **words = g_strsplit_set(name, " \t<>()\"',;:[]", -1);
	const char *at = strrchr(addr, '@');
	char *claim = NULL, *org_real, *org_claim;

	org_real = pf_dmarc_org_domain(NULL, at + 1);
	for (gchar **w = words; *w && claim == NULL; w++) {
		const char *wat = strrchr(*w, '@'), *dom, *dot;

		dom = wat ? wat + 1 : *w;
		dot = strrchr(dom, '.');
		if (dot == NULL || !domain_ok(dom) || strlen(dot + 1) < 2 ||
		    !g_ascii_isalpha(dot[1]))
			continue;
		if (wat && g_ascii_strcasecmp(*w, addr) != 0) {
			claim = g_strdup(*w);
			break;
		}
		if (wat)
			continue;
		org_claim = pf_dmarc_org_domain(NULL, dom);
		if (org_claim && org_real && strcmp(org_claim, org_real) != 0)
			claim = g_strdup(*w);
		g_free(org_claim);
	}
	g_free(org_real);
	g_strfreev(words);
	return claim;
}

static bool
identity_allows(const char *allowed, const char *addr)
{
	gchar **v = g_strsplit_set(allowed, " \t,", -1);
	const char *dom = strrchr(addr, '@') + 1;
	bool ok = false;

	for (gchar **p = v; *p && !ok; p++) {
		const char *a = *p;

		if (*a == '\0')
			continue;
		if (strchr(a, '@') && a[0] != '@')
			ok = g_ascii_strcasecmp(a, addr) == 0;
		else
			ok = g_ascii_strcasecmp(a[0] == '@' ? a + 1 : a,
						dom) == 0;
	}
	g_strfreev(v);
	return ok;
}

static void
check_identity(pf_message *msg, const char *addr)
{
	const pf_from_conf *fc = &msg->cfg->from;
	const char *allowed;
	pf_result *r;

	if (fc->sasl_table == NULL || msg->auth_user == NULL ||
	    (allowed = pf_table_lookup(fc->sasl_table, msg->auth_user)) ==
	    NULL || identity_allows(allowed, addr))
		return;
	r = finding(msg, "from.identity", fc->identity_action, "5.7.1");
	pf_result_text(r, "SASL user %s may not send as %s (allowed: %s)",
	    msg->auth_user, addr, allowed);
	pf_result_fix(r, "send with one of the allowed From addresses, or "
	    "ask the postmaster to add %s for %s to the sasl_senders table",
	    addr, msg->auth_user);
	pf_result_fact(r, "sasl_user", "%s", msg->auth_user);
	pf_result_fact(r, "from", "%s", addr);
}

static void
from_check(pf_message *msg)
{
	const pf_from_conf *fc = &msg->cfg->from;
	unsigned n = pf_message_header_count(msg, "From");
	const char *value;
	InternetAddressList *list;
	InternetAddress *ia;
	const char *addr, *name, *at;
	char *claim;
	pf_result *r;

	if (n == 0)	/* the MTA may add it (always_add_missing_headers) */
		return;
	if (n > 1) {
		r = finding(msg, "from.multiple", fc->action, "5.7.1");
		pf_result_text(r, "The message has %u From headers; RFC 5322 "
		    "allows one", n);
		pf_result_fix(r, "send the message with exactly one From "
		    "header");
		pf_result_fact(r, "count", "%u", n);
		return;
	}
	value = pf_message_header_get(msg, "From", 0);
	pf_gmime_init_once();
	list = internet_address_list_parse(NULL, value);
	if (list == NULL || internet_address_list_length(list) == 0) {
		r = finding(msg, "from.unparsable", fc->action, "5.6.0");
		pf_result_text(r, "The From header \"%s\" holds no readable "
		    "address", value);
		pf_result_fix(r, "write the From header as \"Name "
		    "<user@example.com>\"");
		if (list)
			g_object_unref(list);
		return;
	}
	ia = internet_address_list_get_address(list, 0);
	if (internet_address_list_length(list) > 1 ||
	    !INTERNET_ADDRESS_IS_MAILBOX(ia)) {
		r = finding(msg, "from.multiple-mailboxes", fc->action, "5.7.1");
		pf_result_text(r, "The From header \"%s\" names %d mailboxes "
		    "or a group; receivers check one author", value,
		    internet_address_list_length(list));
		pf_result_fix(r, "put exactly one address in From (others "
		    "belong in Reply-To or Cc)");
		g_object_unref(list);
		return;
	}
	addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	at = addr ? strrchr(addr, '@') : NULL;
	if (at == NULL || !domain_ok(at + 1) || at == addr) {
		r = finding(msg, "from.no-domain", fc->action, "5.6.0");
		pf_result_text(r, "The From address \"%s\" has no valid "
		    "domain", addr ? addr : "");
		pf_result_fix(r, "use a complete address such as "
		    "user@example.com in From");
		g_object_unref(list);
		return;
	}
	name = internet_address_get_name(ia);
	if (name && (claim = display_claim(name, addr)) != NULL) {
		r = finding(msg, "from.display-spoof", fc->display_action,
			    "5.7.1");
		pf_result_text(r, "The From display name \"%s\" shows %s, but "
		    "the address is %s", name, claim, addr);
		pf_result_fix(r, "use a display name without addresses or "
		    "domains, e.g. the person's or company's name");
		pf_result_fact(r, "display", "%s", claim);
		pf_result_fact(r, "from", "%s", addr);
		g_free(claim);
	}
	check_identity(msg, addr);
	g_object_unref(list);
}

static void
from_run(pf_message *msg, pf_stage stage)
{
	if (stage == PF_STAGE_EOH)
		from_check(msg);
}

static pf_mode *
from_mode(pf_config *cfg)
{
	return &cfg->from.mode;
}

static bool
validate_senders(const char *key, const char *value, GString *why, void *a)
{
	if (*value == '\0') {
		g_string_append_printf(why, "\"%s\": no addresses or domains",
				       key);
		return false;
	}
	return true;
}

static int
from_configure(pf_config *cfg, GString *err)
{
	if (cfg->from.sasl_senders == NULL)
		return 0;
	cfg->from.sasl_table = pf_table_load(cfg->from.sasl_senders,
	    validate_senders, NULL, err);
	return cfg->from.sasl_table ? 0 : -1;
}

static void
from_unconfigure(pf_config *cfg)
{
	pf_table_free(&cfg->from.sasl_table);
}

const pf_check pf_check_from = {
	.id = PF_CHECK_FROM,
	.name = "from",
	.stages = PF_STAGE_EOH,
	.mode = from_mode,
	.run = from_run,
	.configure = from_configure,
	.unconfigure = from_unconfigure,
};
