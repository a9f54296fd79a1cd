/*
 * NAME
 *	check_domain - sender and recipient domains must exist and take mail
 * SYNOPSIS
 *	extern const pf_check pf_check_domain;
 * DESCRIPTION
 *	At RCPT each recipient's domain is looked up as the next MTA will
 *	(mailhost.h): a domain that does not exist (domain.rcpt-unknown),
 *	has neither MX nor A/AAAA (domain.rcpt-no-mail-host), both 550
 *	5.1.2, or publishes a null MX (domain.rcpt-null-mx, 556 5.1.10,
 *	RFC 7505) is refused for that recipient only, with [domain]
 *	recipient_action; the reply names the domain and what the DNS said.
 *	At MAIL FROM the envelope sender's domain, and after the headers the
 *	From domain (when it is another one), must exist: an SOA lookup
 *	answered NXDOMAIN is domain.sender-unknown or domain.from-unknown
 *	(550 5.1.8, sender_action), as Yahoo checks.  The null sender,
 *	address literals and addresses without a domain are not looked up.
 *
 *	DNS trouble never refuses: domain.dns-error is logged and, with
 *	dns_error_action = tempfail, tempfails (451 4.4.3) that recipient
 *	or the transaction; with accept (the default) it is score 0.
 *
 *	With typo_hints = yes a recipient domain one edit (a letter
 *	changed, added, dropped or two swapped) away from a large mailbox
 *	provider's gets "did you mean" in its refusal; when it exists after
 *	all it is domain.rcpt-typo with typo_action (550 5.1.2).
 *
 *	The domains are policy/dns/ business (the check only asks the shared
 *	resolver, whose cache bounds the cost to one lookup per domain and
 *	TTL); it lives beside the resolver, not in auth/, because it
 *	authenticates nothing.
 */
#include <string.h>

#include "core/check.h"
#include "dns/mailhost.h"
#include "auth/dmarc.h"		/* pf_from_domain: the From, read strictly */

/* Large mailbox providers: the targets of typing mistakes. */
static const char *const provider_domains[] = {
	"gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk",
	"yahoo.fr", "ymail.com", "outlook.com", "hotmail.com", "hotmail.co.uk",
	"hotmail.fr", "live.com", "msn.com", "icloud.com", "me.com",
	"aol.com", "gmx.de", "gmx.net", "web.de", "t-online.de", "orange.fr",
	"free.fr", "laposte.net", "libero.it", "mail.ru", "yandex.ru",
	"proton.me", "protonmail.com", "comcast.net", "verizon.net",
	"att.net", "qq.com", "163.com",
};

/* Optimal string alignment distance, but only: is it exactly 1? */
static bool
one_edit(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i = 0;

	if (la > lb + 1 || lb > la + 1 || strcmp(a, b) == 0)
		return false;
	while (a[i] && a[i] == b[i])
		i++;
	if (la == lb)	/* one changed, or two neighbours swapped */
		return strcmp(a + i + 1, b + i + 1) == 0 ||
		    (a[i + 1] && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		     strcmp(a + i + 2, b + i + 2) == 0);
	return la > lb ? strcmp(a + i + 1, b + i) == 0 :
	    strcmp(a + i, b + i + 1) == 0;
}

static const char *
domain_typo_of(const char *domain)
{
	for (size_t i = 0; i < G_N_ELEMENTS(provider_domains); i++)
		if (one_edit(domain, provider_domains[i]))
			return provider_domains[i];
	return NULL;
}

/* The lower-case domain of an address, or NULL when there is none to
 * look up (no @, an address literal, not a host name); caller frees. */
static char *
address_domain(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	char *d;
	size_t n;

	if (at == NULL || at[1] == '\0' || at[1] == '[')
		return NULL;
	d = g_ascii_strdown(at + 1, -1);
	n = strlen(d);
	if (n && d[n - 1] == '.')
		d[n - 1] = '\0';
	if (!pf_dmarc_domain_syntax_ok(d)) {
		g_free(d);
		return NULL;
	}
	return d;
}

static void
dns_error(pf_message *msg, const char *role, const char *domain,
	  const char *why)
{
	const pf_domain_conf *dc = &msg->cfg->domain;
	bool tf = dc->dns_error_action == PF_ACTION_TEMPFAIL;
	pf_result *r = pf_result_add(msg, PF_CHECK_DOMAIN, "domain.dns-error",
	    tf ? PF_ACTION_TEMPFAIL : PF_ACTION_NONE, 0, "451", "4.4.3");

	pf_result_text(r, "Could not look up the %s domain %s: %s", role,
		       domain, why && *why ? why : "no answer");
	pf_result_fix(r, "%s", tf ? "Try again later; if it persists, check "
	    "the relay's DNS resolver ([dns] in preflight.conf)" :
	    "None needed for this message; check the relay's DNS resolver "
	    "if it persists");
	pf_result_fact(r, "name", "%s", domain);
	pf_result_fact(r, "role", "%s", role);
}

/* MAIL FROM or From domain: NXDOMAIN refuses. */
static void
check_exists(pf_message *msg, const char *domain, const char *role,
	     const char *code)
{
	GString *why = g_string_new(NULL);
	pf_dns_status st = pf_domain_exists(pf_config_resolver(msg->cfg),
					    domain, why);
	pf_result *r;

	if (st == PF_DNS_TEMPFAIL) {
		dns_error(msg, role, domain, why->str);
	} else if (st == PF_DNS_NXDOMAIN) {
		r = pf_result_add(msg, PF_CHECK_DOMAIN, code,
		    msg->cfg->domain.sender_action, 0, "550", "5.1.8");
		pf_result_text(r, "The %s domain %s does not exist (the DNS "
		    "answers NXDOMAIN for its SOA): receivers refuse mail "
		    "from it", role, domain);
		pf_result_fix(r, "Send from an address in a registered domain, "
		    "or register and publish %s in the DNS", domain);
		pf_result_fact(r, "name", "%s", domain);
		pf_result_fact(r, "dns", "NXDOMAIN");
	}
	g_string_free(why, TRUE);
}

static void
typo_finding(pf_message *msg, const char *rcpt, const char *domain,
	     const char *meant, const pf_mailhost *mh)
{
	pf_action a = msg->cfg->domain.typo_action;
	pf_result *r = pf_result_add(msg, PF_CHECK_DOMAIN, "domain.rcpt-typo",
	    a, 0, a == PF_ACTION_TEMPFAIL ? "450" : "550",
	    a == PF_ACTION_TEMPFAIL ? "4.1.2" : "5.1.2");

	pf_result_text(r, "Recipient %s: the domain %s looks like a typing "
	    "mistake for %s (%s)", rcpt, domain, meant, mh->detail->str);
	pf_result_fix(r, "Did you mean %s? Correct the address", meant);
	pf_result_fact(r, "name", "%s", domain);
	pf_result_fact(r, "did_you_mean", "%s", meant);
}

static void
check_recipient(pf_message *msg, const char *rcpt)
{
	const pf_domain_conf *dc = &msg->cfg->domain;
	char *domain = address_domain(rcpt);
	GString *why = g_string_new(NULL);
	const char *meant, *code, *smtp, *dsn;
	pf_mailhost mh;
	pf_result *r;
	bool tf = dc->recipient_action == PF_ACTION_TEMPFAIL;

	if (domain == NULL) {
		g_string_free(why, TRUE);
		return;
	}
	meant = dc->typo_hints ? domain_typo_of(domain) : NULL;
	switch (pf_mailhost_lookup(pf_config_resolver(msg->cfg), domain, &mh,
				   why)) {
	case PF_MAILHOST_TEMPFAIL:
		dns_error(msg, "recipient", domain, why->str);
		goto done;
	case PF_MAILHOST_MX:
	case PF_MAILHOST_IMPLICIT:
		if (meant)
			typo_finding(msg, rcpt, domain, meant, &mh);
		goto done;
	case PF_MAILHOST_NULL_MX:
		code = "domain.rcpt-null-mx";
		smtp = tf ? "450" : "556";
		dsn = tf ? "4.1.10" : "5.1.10";
		break;
	case PF_MAILHOST_NXDOMAIN:
		code = "domain.rcpt-unknown";
		smtp = tf ? "450" : "550";
		dsn = tf ? "4.1.2" : "5.1.2";
		break;
	case PF_MAILHOST_NONE:
	default:
		code = "domain.rcpt-no-mail-host";
		smtp = tf ? "450" : "550";
		dsn = tf ? "4.1.2" : "5.1.2";
		break;
	}
	r = pf_result_add(msg, PF_CHECK_DOMAIN, code, dc->recipient_action, 0,
			  smtp, dsn);
	if (mh.state == PF_MAILHOST_NULL_MX)
		pf_result_text(r, "Recipient %s: the domain %s accepts no mail "
		    "(it publishes a null MX, RFC 7505)", rcpt, domain);
	else if (mh.state == PF_MAILHOST_NXDOMAIN)
		pf_result_text(r, "Recipient %s: the domain %s does not exist "
		    "(the DNS answers NXDOMAIN)", rcpt, domain);
	else
		pf_result_text(r, "Recipient %s: the domain %s has no mail "
		    "host (the DNS has no MX, A or AAAA record for it)", rcpt,
		    domain);
	if (meant)
		pf_result_fix(r, "Did you mean %s? Correct the address", meant);
	else
		pf_result_fix(r, "Check the address for a typing mistake; mail "
		    "to %s cannot be delivered", domain);
	pf_result_fact(r, "name", "%s", domain);
	pf_result_fact(r, "dns", "%s", mh.detail->str);
	if (meant)
		pf_result_fact(r, "did_you_mean", "%s", meant);
done:
	pf_mailhost_clear(&mh);
	g_string_free(why, TRUE);
	g_free(domain);
}

static void
domain_run(pf_message *msg, pf_stage stage)
{
	char *sender = address_domain(msg->sender), *from;

	switch (stage) {
	case PF_STAGE_MAIL:
		if (sender)
			check_exists(msg, sender, "sender", "domain.sender-unknown");
		break;
	case PF_STAGE_RCPT:
		if (msg->rcpts->len > 0)
			check_recipient(msg, msg->rcpts->pdata[msg->rcpts->len - 1]);
		break;
	case PF_STAGE_EOH:
		from = pf_from_domain(msg);
		if (from && (sender == NULL || strcmp(from, sender) != 0))
			check_exists(msg, from, "From", "domain.from-unknown");
		g_free(from);
		break;
	default:
		break;
	}
	g_free(sender);
}

static pf_mode *
domain_mode(pf_config *cfg)
{
	return &cfg->domain.mode;
}

static int
domain_configure(pf_config *cfg, GString *err)
{
	pf_action a = cfg->domain.dns_error_action;

	if (a != PF_ACTION_ACCEPT && a != PF_ACTION_TEMPFAIL) {
		g_string_append_printf(err, "%s: [domain] dns_error_action: "
		    "accept or tempfail (DNS trouble never refuses), not %s\n",
		    cfg->path ? cfg->path : "(config)",
		    pf_action_name(a));
		return -1;
	}
	return 0;
}

const pf_check pf_check_domain = {
	.id = PF_CHECK_DOMAIN,
	.name = "domain",
	.stages = PF_STAGE_MAIL | PF_STAGE_RCPT | PF_STAGE_EOH,
	.mode = domain_mode,
	.run = domain_run,
	.configure = domain_configure,
};
