/*
 * NAME
 *	check_dmarc - predict the receivers' DMARC verdict for the From domain
 * SYNOPSIS
 *	extern const pf_check pf_check_dmarc;
 * DESCRIPTION
 *	At end of message the From domain's policy is looked up (dmarc.h:
 *	_dmarc.DOMAIN, else the organisational domain's, sp for subdomains)
 *	and alignment is predicted from the SPF check's outcome (pass for
 *	the MAIL FROM domain only: a HELO identity never aligns) and the
 *	DKIM domains preflight will sign with (msg->dkim_sign_domains, set
 *	by the DKIM check).  A missing record is no policy.
 *
 *	Findings: dmarc.fail under p=reject (reject_action, 550 5.7.26),
 *	dmarc.quarantine under p=quarantine (quarantine_action), dmarc.none
 *	under p=none (score only), each naming the domain, its policy and
 *	what would align it; dmarc.temperror (451 4.7.24) when the record
 *	cannot be fetched.  With honour_pct a policy with pct < 100 is
 *	applied to that share of failing messages; the rest are annotated.
 *
 *	The check needs [spf] egress_ips: without them it does nothing.
 *
 *	When relayed, an Authentication-Results header (RFC 8601) with the
 *	predicted spf and dmarc results is added under the authserv-id
 *	([policy] authserv_id, else the MTA's host name, else this host's).
 */
#include <string.h>
#include <unistd.h>

#include "core/check.h"
#include "auth/dmarc.h"
#include "auth/spf.h"

typedef struct dmarc_state {
	char *from_domain;
	const char *result;	/* pass, fail, none, temperror */
	char *policy;		/* "reject", or NULL */
} dmarc_state;

static void
dmarc_state_free(void *p)
{
	dmarc_state *st = p;

	if (st == NULL)
		return;
	g_free(st->from_domain);
	g_free(st->policy);
	g_free(st);
}

static const psl_ctx_t *
psl_of(const pf_config *cfg)
{
	return cfg->dmarc.psl ? cfg->dmarc.psl : psl_builtin();
}

static bool
dkim_aligned(const pf_message *msg, const char *from_domain, bool strict,
	     const char **which)
{
	for (guint i = 0; i < msg->dkim_sign_domains->len; i++)
		if (pf_dmarc_aligned(psl_of(msg->cfg), from_domain,
		    msg->dkim_sign_domains->pdata[i], strict)) {
			*which = msg->dkim_sign_domains->pdata[i];
			return true;
		}
	return false;
}

static void
fail_result(pf_message *msg, const char *from, const pf_dmarc_policy *pol,
	    const pf_spf_state *spf, bool spf_pass_unaligned)
{
	const pf_dmarc_conf *dc = &msg->cfg->dmarc;
	pf_action action;
	const char *code;
	bool applied = true;
	pf_result *r;
	GString *spf_why = g_string_new(NULL);

	if (dc->honour_pct && pol->rec.pct < 100)
		applied = (unsigned)g_random_int_range(0, 100) < pol->rec.pct;
	switch (pol->effective) {
	case PF_DMARC_P_REJECT:
		code = "dmarc.fail";
		action = applied ? dc->reject_action : dc->quarantine_action;
		break;
	case PF_DMARC_P_QUARANTINE:
		code = "dmarc.quarantine";
		action = applied ? dc->quarantine_action : PF_ACTION_ANNOTATE;
		break;
	default:
		code = "dmarc.none";
		action = PF_ACTION_NONE;
		break;
	}
	if (spf == NULL)
		g_string_append(spf_why, "SPF was not checked");
	else if (spf->helo_identity)
		g_string_printf(spf_why, "the null sender has no MAIL FROM "
		    "domain to align");
	else if (spf_pass_unaligned)
		g_string_printf(spf_why, "SPF passes for %s, which is not "
		    "aligned with %s%s", spf->domain, from,
		    pol->rec.aspf_strict ? " (aspf=s: strict)" : "");
	else
		g_string_printf(spf_why, "SPF %s for %s%s%s",
		    pf_spf_result_name(spf->result), spf->domain,
		    spf->ips && *spf->ips ? " from " : "",
		    spf->ips ? spf->ips : "");
	r = pf_result_add(msg, PF_CHECK_DMARC, code, action,
	    pol->effective == PF_DMARC_P_NONE ? 1 : 4, "550", "5.7.26");
	pf_result_text(r, "DMARC would fail for the From domain %s, whose "
	    "policy is p=%s%s (record at _dmarc.%s): %s, and no DKIM "
	    "signature preflight adds is aligned with %s%s",
	    from, pf_dmarc_p_name(pol->effective),
	    pol->inherited ? " (inherited from its organisational domain)" :
	    "", pol->domain, spf_why->str, from,
	    pol->rec.adkim_strict ? " (adkim=s: strict)" : "");
	pf_result_fix(r, "sign mail from %s with DKIM d=%s%s, or send it "
	    "with an envelope sender at %s whose SPF record permits this "
	    "relay; or, if this user may not send as %s, use an address of "
	    "a domain this relay serves", from, from,
	    pol->rec.adkim_strict ? "" : " (or its organisational domain)",
	    from, from);
	pf_result_fact(r, "from_domain", "%s", from);
	pf_result_fact(r, "policy", "%s", pf_dmarc_p_name(pol->effective));
	pf_result_fact(r, "policy_domain", "%s", pol->domain);
	pf_result_fact(r, "pct", "%u", pol->rec.pct);
	pf_result_fact(r, "applied", "%s", applied ? "yes" : "no");
	pf_result_fact(r, "dmarc_record", "%s", pol->text);
	if (spf) {
		pf_result_fact(r, "spf", "%s", pf_spf_result_name(spf->result));
		pf_result_fact(r, "spf_domain", "%s", spf->domain);
	}
	g_string_free(spf_why, TRUE);
}

static void
dmarc_evaluate(pf_message *msg)
{
	const pf_spf_state *spf = msg->state[PF_CHECK_SPF];
	dmarc_state *st = g_new0(dmarc_state, 1);
	pf_dmarc_policy pol;
	GString *why = g_string_new(NULL);
	const char *dkim_domain = NULL;
	bool spf_aligned = false, spf_pass_unaligned = false;
	pf_dns_status ds;
	pf_result *r;

	msg->state[PF_CHECK_DMARC] = st;
	if ((st->from_domain = pf_from_domain(msg)) == NULL) {
		st->result = NULL;	/* the From check reports why */
		g_string_free(why, TRUE);
		return;
	}
	ds = pf_dmarc_lookup(pf_config_resolver(msg->cfg), psl_of(msg->cfg),
			     st->from_domain, &pol, why);
	if (ds == PF_DNS_TEMPFAIL) {
		st->result = "temperror";
		r = pf_result_add(msg, PF_CHECK_DMARC, "dmarc.temperror",
		    msg->cfg->dmarc.temperror_action, 0, "451", "4.7.24");
		pf_result_text(r, "The DMARC policy of %s could not be looked "
		    "up: %s", st->from_domain, why->str);
		pf_result_fix(r, "the message stays queued and is retried; if "
		    "this persists, check the DNS servers of %s and this "
		    "relay's resolver ([dns] upstreams)", st->from_domain);
		pf_result_fact(r, "from_domain", "%s", st->from_domain);
		pf_result_fact(r, "error", "%s", why->str);
		g_string_free(why, TRUE);
		return;
	}
	g_string_free(why, TRUE);
	if (ds != PF_DNS_OK) {
		st->result = "none";
		return;
	}
	st->policy = g_strdup(pf_dmarc_p_name(pol.effective));
	if (spf && spf->result == PF_SPF_PASS && !spf->helo_identity) {
		spf_aligned = pf_dmarc_aligned(psl_of(msg->cfg),
		    st->from_domain, spf->domain, pol.rec.aspf_strict);
		spf_pass_unaligned = !spf_aligned;
	}
	if (spf_aligned ||
	    dkim_aligned(msg, st->from_domain, pol.rec.adkim_strict,
			 &dkim_domain)) {
		st->result = "pass";
	} else {
		st->result = "fail";
		fail_result(msg, st->from_domain, &pol, spf,
			    spf_pass_unaligned);
	}
	pf_dmarc_policy_clear(&pol);
}

/* RFC 8601 header with the predicted results. */
static void
add_auth_results(pf_message *msg)
{
	const pf_spf_state *spf = msg->state[PF_CHECK_SPF];
	const dmarc_state *st = msg->state[PF_CHECK_DMARC];
	GString *h = g_string_new(NULL);
	char host[256] = "localhost";
	const char *id = msg->cfg->authserv_id;

	if (id == NULL)
		id = msg->mta_hostname;
	if (id == NULL) {
		if (gethostname(host, sizeof(host)) == 0)
			host[sizeof(host) - 1] = '\0';
		id = host;
	}
	g_string_append(h, id);
	if (spf && spf->domain)
		g_string_append_printf(h, "; spf=%s (predicted by preflight "
		    "for the egress IPs) smtp.%s=%s",
		    pf_spf_result_name(spf->result),
		    spf->helo_identity ? "helo" : "mailfrom", spf->domain);
	if (st && st->result && st->from_domain)
		g_string_append_printf(h, "; dmarc=%s%s%s%s (predicted by "
		    "preflight) header.from=%s", st->result,
		    st->policy ? " (p=" : "", st->policy ? st->policy : "",
		    st->policy ? ")" : "", st->from_domain);
	if (h->len > strlen(id))
		pf_message_add_header(msg, "Authentication-Results", h->str,
				      true);
	g_string_free(h, TRUE);
}

static void
dmarc_run(pf_message *msg, pf_stage stage)
{
	/* Without egress IPs there is nothing to predict SPF from. */
	if (msg->cfg->spf.egress == NULL || msg->cfg->spf.egress->len == 0)
		return;
	if (stage == PF_STAGE_EOM) {
		dmarc_state_free(msg->state[PF_CHECK_DMARC]);
		msg->state[PF_CHECK_DMARC] = NULL;
		dmarc_evaluate(msg);
	} else if (stage == PF_STAGE_FINAL && msg->cfg->dmarc.auth_results) {
		add_auth_results(msg);
	}
}

static pf_mode *
dmarc_mode(pf_config *cfg)
{
	return &cfg->dmarc.mode;
}

static int
dmarc_configure(pf_config *cfg, GString *err)
{
	if (cfg->dmarc.psl_file == NULL)
		return 0;
	if ((cfg->dmarc.psl = psl_load_file(cfg->dmarc.psl_file)) == NULL) {
		g_string_append_printf(err, "%s: [dmarc] psl_file: cannot load "
		    "the Public Suffix List from %s\n",
		    cfg->path ? cfg->path : "(config)", cfg->dmarc.psl_file);
		return -1;
	}
	return 0;
}

static void
dmarc_unconfigure(pf_config *cfg)
{
	if (cfg->dmarc.psl)
		psl_free(cfg->dmarc.psl);
	cfg->dmarc.psl = NULL;
}

const pf_check pf_check_dmarc = {
	.id = PF_CHECK_DMARC,
	.name = "dmarc",
	.stages = PF_STAGE_EOM | PF_STAGE_FINAL,
	.mode = dmarc_mode,
	.run = dmarc_run,
	.configure = dmarc_configure,
	.unconfigure = dmarc_unconfigure,
	.free_state = dmarc_state_free,
};
