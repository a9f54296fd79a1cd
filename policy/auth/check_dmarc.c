/*
 * NAME
 *	check_dmarc - predict the receivers' DMARC verdict for the From domain
 * SYNOPSIS
 *	extern const pf_check pf_check_dmarc;
 * DESCRIPTION
 *	At end of message the From domain's policy is found (dmarc_walk.h)
 *	by the configured model, [dmarc] org_domain: treewalk (RFC 9989:
 *	DNS tree walk, p/sp/np, t=y) or psl (RFC 7489 with the Public Suffix
 *	List, p/sp, pct).  Alignment is predicted from the SPF check's
 *	outcome (pass for the MAIL FROM domain only: a HELO identity never
 *	aligns) and the DKIM domains preflight will sign with
 *	(msg->dkim_sign_domains, set by the DKIM check).  A missing record
 *	is no policy.
 *
 *	The other model is evaluated as well, from the same lookups (the
 *	PSL model costs no DNS beyond the registrable domain's record; the
 *	tree walk walks only when the message needs an organisational
 *	domain).  When the two disagree on the organisational domain (one
 *	both computed) or the outcome, the result carries the facts
 *	psl_differs (org_domain, outcome), psl_org_domain, psl_outcome,
 *	treewalk_org_domain and treewalk_outcome; when the configured model
 *	finds nothing to report, an informational dmarc.psl-differs result
 *	(no action, no score) carries them.
 *
 *	Findings: dmarc.fail under reject (reject_action, 550 5.7.26),
 *	dmarc.quarantine under quarantine (quarantine_action), dmarc.none
 *	under none (score only), each naming the domain, the tag that
 *	applies (p, sp or np) and what would align it; dmarc.temperror
 *	(451 4.7.24) when the policy cannot be fetched.  A policy that is
 *	not applied (t=y with treewalk; with psl and honour_pct, pct < 100
 *	for that share of failing messages) is applied one level lower:
 *	reject as quarantine, quarantine as annotate.
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
#include "auth/dmarc_walk.h"
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

/* One model's answer for the message. */
typedef struct outcome {
	pf_dmarc_model model;
	pf_dns_status st;
	pf_dmarc_policy pol;
	const char *result;	/* pass, fail, none, temperror */
	bool spf_pass_unaligned;
	GString *why;		/* temporary failure */
	GString *summary;	/* "fail sp=reject", for comparing models */
} outcome;

static void
outcome_clear(outcome *o)
{
	pf_dmarc_policy_clear(&o->pol);
	g_string_free(o->why, TRUE);
	g_string_free(o->summary, TRUE);
}

/* Is the policy applied to a failing message, or one level lower? */
static bool
policy_applied(const pf_dmarc_conf *dc, const outcome *o)
{
	if (o->model == PF_DMARC_TREEWALK)
		return !o->pol.rec.testing;	/* RFC 9989 4.7 t */
	if (dc->honour_pct && o->pol.rec.pct < 100)	/* RFC 7489 6.6.4 */
		return (unsigned)g_random_int_range(0, 100) < o->pol.rec.pct;
	return true;
}

static void
evaluate(pf_message *msg, pf_dmarc_ctx *c, pf_dmarc_model m,
	 const char *from, outcome *o)
{
	const pf_spf_state *spf = msg->state[PF_CHECK_SPF];
	bool aligned = false;

	memset(o, 0, sizeof(*o));
	o->model = m;
	o->why = g_string_new(NULL);
	o->st = pf_dmarc_discover(c, m, from, &o->pol, o->why);
	o->result = o->st == PF_DNS_TEMPFAIL ? "temperror" :
	    o->st == PF_DNS_OK ? "fail" : "none";
	if (o->st == PF_DNS_OK && spf && spf->result == PF_SPF_PASS &&
	    !spf->helo_identity) {
		if (pf_dmarc_align(c, m, from, spf->domain,
		    o->pol.rec.aspf_strict, &aligned, o->why) ==
		    PF_DNS_TEMPFAIL)
			o->st = PF_DNS_TEMPFAIL;
		o->spf_pass_unaligned = !aligned;
	}
	for (guint i = 0; o->st == PF_DNS_OK && !aligned &&
	     i < msg->dkim_sign_domains->len; i++)
		if (pf_dmarc_align(c, m, from, msg->dkim_sign_domains->pdata[i],
		    o->pol.rec.adkim_strict, &aligned, o->why) ==
		    PF_DNS_TEMPFAIL)
			o->st = PF_DNS_TEMPFAIL;
	if (o->st == PF_DNS_TEMPFAIL)
		o->result = "temperror";
	else if (o->st == PF_DNS_OK && aligned)
		o->result = "pass";
	o->summary = g_string_new(NULL);
	pf_dmarc_summary(o->summary, m, o->st == PF_DNS_OK ? &o->pol : NULL,
			 o->result);
}

static const char *
org_of(pf_dmarc_ctx *c, const outcome *o, const char *from)
{
	return o->pol.org_domain ? o->pol.org_domain :
	    pf_dmarc_org_known(c, o->model, from);
}

/*
 * What differs between the two models: NULL, or "org_domain",
 * "outcome" or both.  Organisational domains are compared only when the
 * tree walk computed one (the PSL's costs nothing).
 */
static char *
models_differ(pf_dmarc_ctx *c, const outcome *tw, const outcome *psl,
	      const char *from)
{
	const char *a = org_of(c, tw, from), *b;
	GString *d = g_string_new(NULL);

	if (tw->st == PF_DNS_TEMPFAIL || psl->st == PF_DNS_TEMPFAIL) {
		g_string_free(d, TRUE);
		return NULL;
	}
	if (a && pf_dmarc_org_domain_of(c, PF_DMARC_PSL, from, &b, NULL) ==
	    PF_DNS_OK && g_ascii_strcasecmp(a, b) != 0)
		g_string_append(d, "org_domain");
	if (strcmp(tw->summary->str, psl->summary->str) != 0)
		g_string_append_printf(d, "%soutcome", d->len ? "," : "");
	if (d->len == 0) {
		g_string_free(d, TRUE);
		return NULL;
	}
	return g_string_free(d, FALSE);
}

static void
differ_facts(pf_result *r, pf_dmarc_ctx *c, const outcome *tw,
	     const outcome *psl, const char *from, const char *differs)
{
	const char *o;

	pf_result_fact(r, "psl_differs", "%s", differs);
	o = org_of(c, psl, from);
	if (o == NULL)
		(void)pf_dmarc_org_domain_of(c, PF_DMARC_PSL, from, &o, NULL);
	pf_result_fact(r, "psl_org_domain", "%s", o ? o : "-");
	pf_result_fact(r, "psl_outcome", "%s", psl->summary->str);
	o = org_of(c, tw, from);
	pf_result_fact(r, "treewalk_org_domain", "%s", o ? o : "-");
	pf_result_fact(r, "treewalk_outcome", "%s", tw->summary->str);
}

static pf_result *
fail_result(pf_message *msg, const char *from, const outcome *o)
{
	const pf_dmarc_conf *dc = &msg->cfg->dmarc;
	const pf_spf_state *spf = msg->state[PF_CHECK_SPF];
	const pf_dmarc_policy *pol = &o->pol;
	bool applied = policy_applied(dc, o);
	GString *spf_why = g_string_new(NULL), *where = g_string_new(NULL);
	pf_action action;
	const char *code;
	pf_result *r;

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
	else if (o->spf_pass_unaligned)
		g_string_printf(spf_why, "SPF passes for %s, which is not "
		    "aligned with %s%s", spf->domain, from,
		    pol->rec.aspf_strict ? " (aspf=s: strict)" : "");
	else
		g_string_printf(spf_why, "SPF %s for %s%s%s",
		    pf_spf_result_name(spf->result), spf->domain,
		    spf->ips && *spf->ips ? " from " : "",
		    spf->ips ? spf->ips : "");
	if (pol->nonexistent)
		g_string_printf(where, " (from the record of %s: %s does not "
		    "exist in the DNS)", pol->domain, from);
	else if (pol->inherited)
		g_string_printf(where, " (inherited from %s%s)", pol->domain,
		    o->model == PF_DMARC_PSL ||
		    (pol->org_domain && strcmp(pol->org_domain,
		    pol->domain) == 0) ? ", its organisational domain" :
		    ", a public suffix domain");
	if (!applied)
		g_string_append(where, o->model == PF_DMARC_TREEWALK ?
		    " in test mode (t=y): receivers apply it one level lower" :
		    " with pct: this message falls outside the share it "
		    "applies to");
	r = pf_result_add(msg, PF_CHECK_DMARC, code, action,
	    pol->effective == PF_DMARC_P_NONE ? 1 : 4, "550", "5.7.26");
	pf_result_text(r, "DMARC would fail for the From domain %s, whose "
	    "policy is %s=%s%s (record at _dmarc.%s): %s, and no DKIM "
	    "signature preflight adds is aligned with %s%s",
	    from, pol->tag, pf_dmarc_p_name(pol->effective), where->str,
	    pol->domain, spf_why->str, from,
	    pol->rec.adkim_strict ? " (adkim=s: strict)" : "");
	pf_result_fix(r, "sign mail from %s with DKIM d=%s%s, or send it "
	    "with an envelope sender at %s whose SPF record permits this "
	    "relay; or, if this user may not send as %s, use an address of "
	    "a domain this relay serves", from, from,
	    pol->rec.adkim_strict ? "" : " (or its organisational domain)",
	    from, from);
	pf_result_fact(r, "from_domain", "%s", from);
	pf_result_fact(r, "policy", "%s", pf_dmarc_p_name(pol->effective));
	pf_result_fact(r, "policy_tag", "%s", pol->tag);
	pf_result_fact(r, "policy_domain", "%s", pol->domain);
	if (pol->rec.pct < 100)
		pf_result_fact(r, "pct", "%u", pol->rec.pct);
	if (pol->rec.testing)
		pf_result_fact(r, "testing", "yes");
	pf_result_fact(r, "applied", "%s", applied ? "yes" : "no");
	pf_result_fact(r, "dmarc_record", "%s", pol->text);
	if (spf) {
		pf_result_fact(r, "spf", "%s", pf_spf_result_name(spf->result));
		pf_result_fact(r, "spf_domain", "%s", spf->domain);
	}
	g_string_free(spf_why, TRUE);
	g_string_free(where, TRUE);
	return r;
}

static pf_result *
temperror_result(pf_message *msg, const char *from, const outcome *o)
{
	pf_result *r = pf_result_add(msg, PF_CHECK_DMARC, "dmarc.temperror",
	    msg->cfg->dmarc.temperror_action, 0, "451", "4.7.24");

	pf_result_text(r, "The DMARC policy of %s could not be looked up: %s",
	    from, o->why->str);
	pf_result_fix(r, "the message stays queued and is retried; if this "
	    "persists, check the DNS servers of %s and this relay's resolver "
	    "([dns] upstreams)", from);
	pf_result_fact(r, "from_domain", "%s", from);
	pf_result_fact(r, "error", "%s", o->why->str);
	return r;
}

/* The DMARC decision for from (the From domain, taken; NULL: none). */
static void
dmarc_evaluate(pf_message *msg, char *from)
{
	dmarc_state *st = g_new0(dmarc_state, 1);
	pf_dmarc_model m = (pf_dmarc_model)msg->cfg->dmarc.model;
	pf_dmarc_ctx *c;
	outcome mine, other;
	const outcome *tw, *psl;
	pf_result *r = NULL;
	char *differs;

	msg->state[PF_CHECK_DMARC] = st;
	if ((st->from_domain = from) == NULL)
		return;		/* the From check reports why */
	c = pf_dmarc_ctx_new(pf_config_resolver(msg->cfg), psl_of(msg->cfg));
	evaluate(msg, c, m, st->from_domain, &mine);
	st->result = mine.result;
	if (mine.st == PF_DNS_TEMPFAIL) {
		(void)temperror_result(msg, st->from_domain, &mine);
		outcome_clear(&mine);
		pf_dmarc_ctx_free(&c);
		return;
	}
	evaluate(msg, c, m == PF_DMARC_PSL ? PF_DMARC_TREEWALK : PF_DMARC_PSL,
		 st->from_domain, &other);
	tw = m == PF_DMARC_TREEWALK ? &mine : &other;
	psl = m == PF_DMARC_TREEWALK ? &other : &mine;
	if (mine.st == PF_DNS_OK)
		st->policy = g_strdup(pf_dmarc_p_name(mine.pol.effective));
	if (strcmp(mine.result, "fail") == 0)
		r = fail_result(msg, st->from_domain, &mine);
	if ((differs = models_differ(c, tw, psl, st->from_domain)) != NULL) {
		if (r == NULL) {
			r = pf_result_add(msg, PF_CHECK_DMARC,
			    "dmarc.psl-differs", PF_ACTION_NONE, 0, NULL, NULL);
			pf_result_text(r, "RFC 9989's DNS tree walk and RFC "
			    "7489's Public Suffix List disagree for %s: %s by "
			    "the tree walk, %s by the PSL; decided by %s",
			    st->from_domain, tw->summary->str,
			    psl->summary->str, pf_dmarc_model_name(m));
			pf_result_fact(r, "from_domain", "%s",
				       st->from_domain);
		}
		differ_facts(r, c, tw, psl, st->from_domain, differs);
		g_free(differs);
	}
	outcome_clear(&mine);
	outcome_clear(&other);
	pf_dmarc_ctx_free(&c);
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

/*
 * At the end of the headers the From domain is known: its _dmarc record,
 * the first name discovery asks at the end of the message, is looked up
 * now, so that a lookup the cache cannot answer runs while the body
 * arrives (a cold one costs a round trip to the domain's servers, and the
 * first of a process starts libunbound's thread).
 */
static void
dmarc_prefetch(pf_message *msg)
{
	dmarc_state *st = g_new0(dmarc_state, 1);
	char *name;

	dmarc_state_free(msg->state[PF_CHECK_DMARC]);
	msg->state[PF_CHECK_DMARC] = st;
	/* kept for the end of the message: the headers do not change */
	if ((st->from_domain = pf_from_domain(msg)) == NULL)
		return;
	name = g_strconcat("_dmarc.", st->from_domain, NULL);	/* lower case */
	pf_dns_prefetch(pf_config_resolver(msg->cfg), name, 16 /* TXT */,
			1 /* IN */);
	g_free(name);
}

static void
dmarc_run(pf_message *msg, pf_stage stage)
{
	/* Without egress IPs there is nothing to predict SPF from. */
	if (msg->cfg->spf.egress == NULL || msg->cfg->spf.egress->len == 0)
		return;
	if (stage == PF_STAGE_EOH) {
		dmarc_prefetch(msg);
	} else if (stage == PF_STAGE_EOM) {
		dmarc_state *old = msg->state[PF_CHECK_DMARC];
		/* read at EOH (NULL: no usable From); else read now */
		char *from = old ? g_steal_pointer(&old->from_domain) :
		    pf_from_domain(msg);

		dmarc_state_free(old);
		msg->state[PF_CHECK_DMARC] = NULL;
		dmarc_evaluate(msg, from);
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
	pf_dmarc_model m;

	if (pf_dmarc_model_parse(cfg->dmarc.org_domain, &m) < 0) {
		g_string_append_printf(err, "%s: [dmarc] org_domain: \"%s\" is "
		    "neither treewalk nor psl\n",
		    cfg->path ? cfg->path : "(config)", cfg->dmarc.org_domain);
		return -1;
	}
	cfg->dmarc.model = (int)m;
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
	.stages = PF_STAGE_EOH | PF_STAGE_EOM | PF_STAGE_FINAL,
	.mode = dmarc_mode,
	.run = dmarc_run,
	.configure = dmarc_configure,
	.unconfigure = dmarc_unconfigure,
	.free_state = dmarc_state_free,
};
