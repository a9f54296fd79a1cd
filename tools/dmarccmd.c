/*
 * NAME
 *	dmarccmd - "preflight dmarc": how a domain's DMARC policy is found
 * SYNOPSIS
 *	int pf_cmd_dmarc(int argc, char **argv);
 * DESCRIPTION
 *	preflight dmarc [-c FILE] [--json] DOMAIN runs policy discovery for
 *	DOMAIN as the From domain through the configuration's resolver and
 *	prints: every lookup of RFC 9989's DNS tree walk (4.10) with its
 *	answer, where and why the walk ended, the organisational domain and
 *	the rule that gave it (4.10.2), the policy a failing message gets
 *	and why (p, sp or np, t=y), then RFC 7489's answer with the Public
 *	Suffix List and whether the two disagree.  The configured model
 *	([dmarc] org_domain) is named as the one that decides.  --json
 *	prints the same as one JSON object.  Exit status 0 when discovery
 *	completed (policy or not), 1 on a temporary DNS failure or a
 *	configuration error, 2 on usage errors.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/dmarc_walk.h"
#include "core/verdict.h"
#include "tools.h"

static const char *
org_rule_text(pf_dmarc_org_rule r)
{
	switch (r) {
	case PF_DMARC_ORG_PSD_N: return "psd=n";
	case PF_DMARC_ORG_PSD_Y: return "psd=y";
	case PF_DMARC_ORG_FEWEST: return "fewest-labels";
	case PF_DMARC_ORG_SELF: return "self";
	}
	return "unknown";
}

static const char *
org_rule_why(pf_dmarc_org_rule r)
{
	switch (r) {
	case PF_DMARC_ORG_PSD_N: return "the record with psd=n";
	case PF_DMARC_ORG_PSD_Y: return "one label below the psd=y record";
	case PF_DMARC_ORG_FEWEST: return "the record with the fewest labels";
	case PF_DMARC_ORG_SELF: return "no record on the walk: the domain "
	    "itself";
	}
	return "";
}

static const char *
psd_name(pf_dmarc_psd p)
{
	return p == PF_DMARC_PSD_Y ? "y" : p == PF_DMARC_PSD_N ? "n" : "u";
}

static const char *
walk_end(const pf_dmarc_walk *w)
{
	return w->failed ? "error" : w->psd_stop ? "psd" : "top";
}

/* why the policy applies, in words */
static void
policy_why(GString *out, const char *domain, const pf_dmarc_policy *p,
	   pf_dmarc_model m)
{
	if (!p->inherited)
		g_string_append_printf(out, "the record of %s itself", domain);
	else if (p->nonexistent)
		g_string_append_printf(out, "%s does not exist (NXDOMAIN): np "
		    "of %s", domain, p->domain);
	else
		g_string_append_printf(out, "%s is a subdomain of %s%s", domain,
		    p->domain, m == PF_DMARC_TREEWALK && p->rec.has_np &&
		    p->rec.np != p->rec.sp ? " and exists" : "");
	if (m == PF_DMARC_TREEWALK && p->rec.testing)
		g_string_append(out, "; t=y: applied one level lower");
	if (m == PF_DMARC_PSL && p->rec.pct < 100)
		g_string_append_printf(out, "; pct=%u: applied to %u%% of "
		    "failing mail, one level lower for the rest", p->rec.pct,
		    p->rec.pct);
	if (m == PF_DMARC_TREEWALK && p->rec.pct < 100)
		g_string_append(out, "; pct is not part of RFC 9989 and is "
		    "ignored");
}

static void
json_str(GString *j, const char *key, const char *value, bool comma)
{
	if (comma)
		g_string_append_c(j, ',');
	pf_json_string(j, key);
	g_string_append_c(j, ':');
	if (value)
		pf_json_string(j, value);
	else
		g_string_append(j, "null");
}

static void
json_policy(GString *j, const char *key, const pf_dmarc_policy *p,
	    pf_dns_status st, const char *domain, pf_dmarc_model m)
{
	GString *why;

	g_string_append_printf(j, ",\"%s\":", key);
	if (st != PF_DNS_OK) {
		g_string_append(j, "null");
		return;
	}
	why = g_string_new(NULL);
	policy_why(why, domain, p, m);
	g_string_append_c(j, '{');
	json_str(j, "domain", p->domain, false);
	json_str(j, "tag", p->tag, true);
	json_str(j, "value", pf_dmarc_p_name(p->effective), true);
	json_str(j, "record", p->text, true);
	g_string_append_printf(j, ",\"testing\":%s,\"nonexistent\":%s",
	    p->rec.testing ? "true" : "false",
	    p->nonexistent ? "true" : "false");
	json_str(j, "why", why->str, true);
	g_string_append_c(j, '}');
	g_string_free(why, TRUE);
}

typedef struct dmarc_report {
	const char *domain;
	pf_dmarc_model model;
	pf_dmarc_walk walk;
	pf_dns_status walk_st, tw_st, psl_st;
	pf_dmarc_policy tw, psl;
	const char *psl_org;
	GString *tw_sum, *psl_sum, *differs, *error;
} dmarc_report;

static void
print_text(const dmarc_report *d)
{
	GString *why = g_string_new(NULL);

	printf("DMARC policy discovery for %s (decided by %s)\n", d->domain,
	       pf_dmarc_model_name(d->model));
	printf("RFC 9989 DNS tree walk (4.10), %u lookup%s:\n", d->walk.n,
	       d->walk.n == 1 ? "" : "s");
	for (unsigned i = 0; i < d->walk.n; i++) {
		const pf_dmarc_query *q = d->walk.step[i];

		printf("  %u _dmarc.%s %s", i + 1, q->name,
		       q->status == PF_DNS_OK ? "record" :
		       pf_dns_status_name(q->status));
		if (q->text)
			printf(" \"%s\"", q->text);
		if (q->why)
			printf(" (%s)", q->why);
		if (q->status == PF_DNS_OK && q->rec.psd != PF_DMARC_PSD_U)
			printf(" psd=%s", psd_name(q->rec.psd));
		putchar('\n');
	}
	if (d->walk.failed)
		printf("  _dmarc.%s tempfail (%s): the walk ends here\n",
		       d->walk.failed->name, d->walk.failed->why);
	if (d->walk_st == PF_DNS_TEMPFAIL) {
		printf("temporary DNS failure: %s\n", d->error->str);
		g_string_free(why, TRUE);
		return;
	}
	printf("organisational domain: %s (4.10.2: %s)\n",
	       d->walk.org_domain, org_rule_why(d->walk.org_rule));
	if (d->tw_st == PF_DNS_OK) {
		policy_why(why, d->domain, &d->tw, PF_DMARC_TREEWALK);
		printf("policy: %s=%s from _dmarc.%s (%s)\n", d->tw.tag,
		       pf_dmarc_p_name(d->tw.effective), d->tw.domain,
		       why->str);
	} else {
		printf("policy: none (no DMARC record applies)\n");
	}
	printf("RFC 7489 with the Public Suffix List:\n");
	printf("  organisational domain: %s\n", d->psl_org);
	if (d->psl_st == PF_DNS_OK) {
		g_string_truncate(why, 0);
		policy_why(why, d->domain, &d->psl, PF_DMARC_PSL);
		printf("  policy: %s=%s from _dmarc.%s (%s)\n", d->psl.tag,
		       pf_dmarc_p_name(d->psl.effective), d->psl.domain,
		       why->str);
	} else {
		printf("  policy: none\n");
	}
	if (d->differs->len)
		printf("the models disagree: %s (tree walk: %s; PSL: %s)\n",
		       d->differs->str, d->tw_sum->str, d->psl_sum->str);
	else
		printf("the models agree\n");
	g_string_free(why, TRUE);
}

static void
print_json(const dmarc_report *d)
{
	GString *j = g_string_new("{");

	json_str(j, "domain", d->domain, false);
	json_str(j, "model", pf_dmarc_model_name(d->model), true);
	g_string_append(j, ",\"walk\":[");
	for (unsigned i = 0; i < d->walk.n; i++) {
		const pf_dmarc_query *q = d->walk.step[i];

		g_string_append(j, i ? ",{" : "{");
		json_str(j, "name", q->name, false);
		json_str(j, "status", q->status == PF_DNS_OK ? "record" :
			 pf_dns_status_name(q->status), true);
		g_string_append_printf(j, ",\"records\":%u", q->nrecords);
		json_str(j, "record", q->text, true);
		json_str(j, "psd", q->status == PF_DNS_OK ?
			 psd_name(q->rec.psd) : NULL, true);
		json_str(j, "error", q->why, true);
		g_string_append_c(j, '}');
	}
	g_string_append_c(j, ']');
	json_str(j, "walk_ended", d->walk_st == PF_DNS_TEMPFAIL ? "error" :
		 walk_end(&d->walk), true);
	json_str(j, "walk_error", d->walk.failed ? d->walk.failed->name :
		 NULL, true);
	json_str(j, "status", d->walk_st == PF_DNS_TEMPFAIL ? "tempfail" :
		 "ok", true);
	json_str(j, "error", d->error->len ? d->error->str : NULL, true);
	json_str(j, "org_domain", d->walk.org_domain, true);
	json_str(j, "org_rule", org_rule_text(d->walk.org_rule), true);
	json_policy(j, "policy", &d->tw, d->tw_st, d->domain,
		    PF_DMARC_TREEWALK);
	g_string_append(j, ",\"psl\":{");
	json_str(j, "org_domain", d->psl_org, false);
	json_policy(j, "policy", &d->psl, d->psl_st, d->domain, PF_DMARC_PSL);
	g_string_append_c(j, '}');
	json_str(j, "differs", d->differs->len ? d->differs->str : NULL,
		 true);
	json_str(j, "treewalk_outcome", d->tw_sum->str, true);
	json_str(j, "psl_outcome", d->psl_sum->str, true);
	g_string_append_c(j, '}');
	puts(j->str);
	g_string_free(j, TRUE);
}

static int
usage(void)
{
	fputs("usage: preflight dmarc [-c FILE] [--json] DOMAIN\n", stderr);
	return 2;
}

int
pf_cmd_dmarc(int argc, char **argv)
{
	const char *path = PF_DEFAULT_CONFIG;
	bool json = false, explicit_path = false;
	dmarc_report d;
	pf_config *cfg;
	pf_dmarc_ctx *c;
	GString *err;
	char *domain;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		     strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
			path = argv[++i];
			explicit_path = true;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else {
			return usage();
		}
	}
	if (argc - i != 1)
		return usage();
	err = g_string_new(NULL);
	if (!explicit_path && access(path, F_OK) != 0)
		cfg = pf_config_defaults();
	else if ((cfg = pf_config_load(path, err)) == NULL) {
		fputs(err->str, stderr);
		g_string_free(err, TRUE);
		return 1;
	}
	g_string_free(err, TRUE);
	domain = g_ascii_strdown(argv[i], -1);
	if (*domain && domain[strlen(domain) - 1] == '.')
		domain[strlen(domain) - 1] = '\0';
	memset(&d, 0, sizeof(d));
	d.domain = domain;
	d.model = (pf_dmarc_model)cfg->dmarc.model;
	d.error = g_string_new(NULL);
	d.tw_sum = g_string_new(NULL);
	d.psl_sum = g_string_new(NULL);
	d.differs = g_string_new(NULL);
	c = pf_dmarc_ctx_new(pf_config_resolver(cfg), cfg->dmarc.psl);
	/* the whole walk, for the display; discovery reuses its lookups */
	d.walk_st = pf_dmarc_tree_walk(c, domain, &d.walk, d.error);
	d.tw_st = pf_dmarc_discover(c, PF_DMARC_TREEWALK, domain, &d.tw,
				    d.error);
	d.psl_st = pf_dmarc_discover(c, PF_DMARC_PSL, domain, &d.psl,
				     d.error);
	(void)pf_dmarc_org_domain_of(c, PF_DMARC_PSL, domain, &d.psl_org,
				     d.error);
	rc = d.walk_st == PF_DNS_TEMPFAIL || d.tw_st == PF_DNS_TEMPFAIL ||
	    d.psl_st == PF_DNS_TEMPFAIL ? 1 : 0;
	/* as for a failing message: the policy it would get */
	pf_dmarc_summary(d.tw_sum, PF_DMARC_TREEWALK,
	    d.tw_st == PF_DNS_OK ? &d.tw : NULL,
	    d.tw_st == PF_DNS_OK ? "fail" : "none");
	pf_dmarc_summary(d.psl_sum, PF_DMARC_PSL,
	    d.psl_st == PF_DNS_OK ? &d.psl : NULL,
	    d.psl_st == PF_DNS_OK ? "fail" : "none");
	if (rc == 0 && d.walk.org_domain && d.psl_org &&
	    strcmp(d.walk.org_domain, d.psl_org) != 0)
		g_string_append(d.differs, "org_domain");
	if (rc == 0 && strcmp(d.tw_sum->str, d.psl_sum->str) != 0)
		g_string_append_printf(d.differs, "%soutcome",
				       d.differs->len ? "," : "");
	if (json)
		print_json(&d);
	else
		print_text(&d);
	pf_dmarc_walk_clear(&d.walk);
	pf_dmarc_policy_clear(&d.tw);
	pf_dmarc_policy_clear(&d.psl);
	g_string_free(d.error, TRUE);
	g_string_free(d.tw_sum, TRUE);
	g_string_free(d.psl_sum, TRUE);
	g_string_free(d.differs, TRUE);
	pf_dmarc_ctx_free(&c);
	g_free(domain);
	pf_config_unref(&cfg);
	return rc;
}
