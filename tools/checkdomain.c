/*
 * NAME
 *	checkdomain - "preflight check-domain": a sending domain's DNS as
 *	receivers will read it (see checkdomain.h for the report model)
 * SYNOPSIS
 *	int pf_cmd_check_domain(int argc, char **argv);
 * DESCRIPTION
 *	preflight check-domain [-c FILE] [--json] DOMAIN... prints a report
 *	for the relay (its egress IPs: PTR, FCrDNS, HELO, IP blocklists) and
 *	one per domain: existence (SOA), MX (null MX noted), SPF (records,
 *	syntax, lookup and void counts over the whole tree, each egress IP
 *	with the deciding term: spf.h), DKIM (every configured key of the
 *	domain, published and matching, its length: dkim.h), DMARC (record,
 *	p/sp/np/t/psd, alignment modes, rua/ruf and whether an external
 *	report address is authorised, organisational domain by tree walk
 *	and by PSL: dmarc_walk.h), MTA-STS and TLS-RPT records, and the
 *	[dnsbl] domain_lists.  Each line is pass, warn or fail, with what
 *	was found and the fix.  Colour only when standard output is a
 *	terminal.  Exit status: 0 every line passes, 1 warnings, 2 failures,
 *	64 usage errors, 78 configuration errors.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/dkim.h"
#include "auth/dmarc_walk.h"
#include "checkdomain.h"
#include "dns/mailhost.h"
#include "tools.h"

#define CD_EXIT_USAGE 64
#define CD_EXIT_CONFIG 78

static const char dns_fix[] = "Check the relay's DNS resolver ([dns]) "
    "and run the check again";

static void
check_exists(cd_report *rep, pf_resolver *r, const char *domain,
	     bool *nxdomain)
{
	GString *why = g_string_new(NULL);

	*nxdomain = false;
	switch (pf_domain_exists(r, domain, why)) {
	case PF_DNS_OK:
		cd_add(rep, "exists", CD_PASS, "SOA", NULL, "zone apex");
		break;
	case PF_DNS_NODATA:
		cd_add(rep, "exists", CD_PASS, "SOA", NULL, "exists (below its "
		       "zone's apex)");
		break;
	case PF_DNS_NXDOMAIN:
		*nxdomain = true;
		cd_add(rep, "exists", CD_FAIL, "SOA", "Register the domain or "
		    "correct the name: receivers (Yahoo, among others) refuse "
		    "mail from domains that do not exist", "NXDOMAIN: %s does "
		    "not exist", domain);
		break;
	case PF_DNS_TEMPFAIL:
		cd_add(rep, "exists", CD_WARN, "SOA", dns_fix, "DNS: %s",
		       why->str);
		break;
	}
	g_string_free(why, TRUE);
}

static void
check_mx(cd_report *rep, pf_resolver *r, const char *domain)
{
	GString *why = g_string_new(NULL);
	pf_mailhost mh;

	switch (pf_mailhost_lookup(r, domain, &mh, why)) {
	case PF_MAILHOST_MX:
		cd_add(rep, "mx", CD_PASS, "MX", NULL, "%s", mh.detail->str);
		break;
	case PF_MAILHOST_IMPLICIT:
		cd_add(rep, "mx", CD_WARN, "MX", "Publish an MX record for the "
		    "host that receives the domain's mail", "%s (implicit MX)",
		    mh.detail->str);
		break;
	case PF_MAILHOST_NULL_MX:
		cd_add(rep, "mx", CD_FAIL, "MX", "Publish a real MX, or send "
		    "from a domain that receives mail: receivers may refuse "
		    "mail from a null-MX domain (RFC 7505 4.2, 550 5.7.27)",
		    "null MX (MX 0 .): the domain receives no mail, bounces "
		    "and replies cannot reach it");
		break;
	case PF_MAILHOST_NONE:
	case PF_MAILHOST_NXDOMAIN:
		cd_add(rep, "mx", CD_FAIL, "MX", "Publish an MX record",
		       "%s: bounces and replies cannot reach the domain",
		       mh.detail->str);
		break;
	case PF_MAILHOST_TEMPFAIL:
		cd_add(rep, "mx", CD_WARN, "MX", dns_fix, "DNS: %s", why->str);
		break;
	}
	pf_mailhost_clear(&mh);
	g_string_free(why, TRUE);
}

static void
spf_terms(GString *out, const GPtrArray *ips)
{
	for (guint i = 0; i < ips->len; i++) {
		const char *ip = ips->pdata[i];

		g_string_append_printf(out, "%s%s:%s", i ? " " : "",
				       strchr(ip, ':') ? "ip6" : "ip4", ip);
	}
}

static void
check_spf(cd_report *rep, pf_config *cfg, pf_spf *spf, const char *domain)
{
	GPtrArray *ips = cfg->spf.egress, *trace;
	char *sender = g_strdup_printf("postmaster@%s", domain);
	GString *fix = g_string_new(NULL);
	pf_spf_outcome o;
	bool first = true;

	if (ips == NULL || ips->len == 0) {
		cd_add(rep, "spf", CD_WARN, "egress_ips", "Set [spf] egress_ips",
		    "no egress IPs configured: SPF not evaluated");
		g_free(sender);
		g_string_free(fix, TRUE);
		return;
	}
	for (guint i = 0; i < ips->len; i++) {
		const char *ip = ips->pdata[i];

		memset(&o, 0, sizeof(o));
		trace = g_ptr_array_new_with_free_func(g_free);
		pf_spf_eval_traced(spf, ip, sender, cfg->spf.helo_name,
		    pf_now_us() + (gint64)pf_resolver_timeout_ms(
		    pf_config_resolver(cfg)) * 1000, &o, trace);
		g_ptr_array_unref(trace);
		if (first) {
			first = false;
			g_string_assign(fix, "Publish TXT \"v=spf1 ");
			spf_terms(fix, ips);
			g_string_append(fix, " -all\" (or add the relay's "
			    "addresses to the record you have)");
			if (o.result == PF_SPF_TEMPERROR)
				cd_add(rep, "spf", CD_WARN, "record", dns_fix,
				       "DNS: %s", o.error ? o.error : "temperror");
			else if (o.n_records == 0)
				cd_add(rep, "spf", CD_FAIL, "record", fix->str,
				       "no v=spf1 record");
			else if (o.problem == PF_SPF_MULTIPLE_RECORDS ||
				 o.problem == PF_SPF_SYNTAX)
				cd_add(rep, "spf", CD_FAIL, "record",
				    pf_spf_permerror_fix(o.problem), "%s: %s",
				    o.record ? o.record : "(several records)",
				    o.error ? o.error : "permerror");
			else
				cd_add(rep, "spf", CD_PASS, "record", NULL, "%s",
				       o.record ? o.record : "");
			if (o.n_records > 0 && o.result != PF_SPF_TEMPERROR) {
				cd_status st = o.dns_lookups > 10 ||
				    o.void_lookups > 2 ? CD_FAIL :
				    o.dns_lookups >= 8 ? CD_WARN : CD_PASS;

				cd_add(rep, "spf", st, "lookups",
				    st == CD_FAIL ? pf_spf_permerror_fix(o.problem) :
				    "Flatten includes before the record reaches "
				    "the limit of 10", "%u of 10 DNS-querying "
				    "terms, %u of 2 void lookups%s%s",
				    o.dns_lookups, o.void_lookups,
				    st == CD_FAIL && o.error ? ": " : "",
				    st == CD_FAIL && o.error ? o.error : "");
			}
		}
		g_string_assign(fix, "Add ");
		g_string_append_printf(fix, "%s:%s to the SPF record",
				       strchr(ip, ':') ? "ip6" : "ip4", ip);
		if (o.result == PF_SPF_PASS)
			cd_add(rep, "spf", CD_PASS, ip, NULL, "pass (%s)",
			       o.mechanism ? o.mechanism : "");
		else if (o.result == PF_SPF_TEMPERROR)
			cd_add(rep, "spf", CD_WARN, ip, dns_fix, "temperror: %s",
			       o.error ? o.error : "DNS");
		else if (o.result == PF_SPF_PERMERROR)
			cd_add(rep, "spf", CD_FAIL, ip,
			       pf_spf_permerror_fix(o.problem), "permerror: "
			       "every receiver treats it as a failure");
		else if (o.n_records > 0)
			cd_add(rep, "spf", CD_FAIL, ip, fix->str, "%s%s%s",
			       pf_spf_result_name(o.result),
			       o.mechanism ? ": " : "",
			       o.mechanism ? o.mechanism : "");
		pf_spf_outcome_clear(&o);
	}
	g_free(sender);
	g_string_free(fix, TRUE);
}

static void
check_dkim(cd_report *rep, pf_config *cfg, const char *domain)
{
	pf_dkim_keys *keys = cfg->dkim.keys;
	GString *why = g_string_new(NULL), *fix = g_string_new(NULL);
	unsigned n = 0;

	for (guint i = 0; keys && i < keys->keys->len; i++) {
		pf_dkim_key *k = keys->keys->pdata[i];
		char *item;
		pf_dkim_pub st;

		if (g_ascii_strcasecmp(k->domain, domain) != 0)
			continue;
		n++;
		item = g_strdup_printf("%s._domainkey", k->selector);
		g_string_truncate(why, 0);
		g_string_printf(fix, "Publish TXT %s._domainkey.%s \"%s\"",
				k->selector, k->domain, k->record);
		st = pf_dkim_published(k, pf_config_resolver(cfg), 0, why);
		if (st == PF_DKIM_PUB_OK)
			cd_add(rep, "dkim", CD_PASS, item, NULL, "published, "
			       "matches the private key");
		else if (st == PF_DKIM_PUB_TEMPFAIL)
			cd_add(rep, "dkim", CD_WARN, item, dns_fix, "DNS: %s",
			       why->str);
		else if (st == PF_DKIM_PUB_TESTING)
			cd_add(rep, "dkim", CD_WARN, item, "Remove t=y from the "
			       "record once signatures verify", "matches, t=y "
			       "(testing): receivers may ignore it");
		else
			cd_add(rep, "dkim", CD_FAIL, item, fix->str, "%s: %s",
			       pf_dkim_pub_name(st), why->len ? why->str :
			       "not published");
		if (k->ed25519)
			cd_add(rep, "dkim", CD_PASS, item, NULL, "ed25519");
		else
			cd_add(rep, "dkim", k->bits < 1024 ? CD_FAIL :
			    k->bits < 2048 ? CD_WARN : CD_PASS, item,
			    "Generate a 2048-bit RSA key (preflight dkim keygen "
			    "--bits 2048) and publish it under a new selector",
			    "rsa %u bits%s", k->bits, k->bits < 1024 ?
			    ": receivers treat shorter than 1024 as no "
			    "signature" : k->bits < 2048 ? ": below the 2048 "
			    "bits receivers ask for" : "");
		g_free(item);
	}
	if (n == 0)
		cd_add(rep, "dkim", CD_WARN, "selector", "Configure a key for "
		    "the domain in [dkim] (domain, selector, key_file or the "
		    "KeyTable) and publish it", "no DKIM key configured for %s",
		    domain);
	g_string_free(why, TRUE);
	g_string_free(fix, TRUE);
}

/* External rua/ruf addresses must be authorised (RFC 7489 7.1). */
static void
check_report_addrs(cd_report *rep, pf_dmarc_ctx *c, pf_resolver *r,
		   const char *domain, const pf_dmarc_policy *pol)
{
	gchar **tags = g_strsplit(pol->text ? pol->text : "", ";", -1);
	bool rua = false;
	const char *org = NULL, *rorg = NULL;
	GString *why = g_string_new(NULL);

	(void)pf_dmarc_org_domain_of(c, PF_DMARC_TREEWALK, pol->domain, &org,
				     why);
	for (gchar **t = tags; *t; t++) {
		char *tag = g_strstrip(*t);
		gchar **uris;

		if (g_ascii_strncasecmp(tag, "rua=", 4) != 0 &&
		    g_ascii_strncasecmp(tag, "ruf=", 4) != 0)
			continue;
		rua |= g_ascii_strncasecmp(tag, "rua=", 4) == 0;
		uris = g_strsplit(tag + 4, ",", -1);
		for (gchar **u = uris; *u; u++) {
			char *uri = g_strstrip(*u), *at, *bang, *rd, *q;
			GPtrArray *txt = NULL;
			bool ok = false;
			pf_dns_status st;

			if ((bang = strchr(uri, '!')) != NULL)
				*bang = '\0';
			if ((at = strrchr(uri, '@')) == NULL)
				continue;
			rd = g_ascii_strdown(at + 1, -1);
			rorg = NULL;
			(void)pf_dmarc_org_domain_of(c, PF_DMARC_TREEWALK, rd,
						     &rorg, why);
			if (org && rorg && g_ascii_strcasecmp(org, rorg) == 0) {
				cd_add(rep, "dmarc", CD_PASS, tag[2] == 'a' ?
				    "rua" : "ruf", NULL, "%s (same organisation)",
				    uri);
				g_free(rd);
				continue;
			}
			q = g_strdup_printf("%s._report._dmarc.%s", pol->domain, rd);
			st = pf_dns_txt(r, q, &txt, why);
			for (guint i = 0; st == PF_DNS_OK && i < txt->len; i++)
				ok |= g_ascii_strncasecmp(txt->pdata[i],
				    "v=DMARC1", 8) == 0;
			if (st == PF_DNS_TEMPFAIL)
				cd_add(rep, "dmarc", CD_WARN, tag[2] == 'a' ? "rua" :
				    "ruf", dns_fix, "%s: DNS: %s", uri, why->str);
			else
				cd_add(rep, "dmarc", ok ? CD_PASS : CD_FAIL,
				    tag[2] == 'a' ? "rua" : "ruf",
				    "Ask the report receiver to publish TXT "
				    "\"v=DMARC1\" at that name, or send reports "
				    "to an address in your own domain",
				    "%s: external, %s at %s", uri, ok ?
				    "authorised" : "not authorised: no v=DMARC1",
				    q);
			if (txt)
				g_ptr_array_unref(txt);
			g_free(q);
			g_free(rd);
		}
		g_strfreev(uris);
	}
	if (!rua)
		cd_add(rep, "dmarc", CD_WARN, "rua", "Add rua=mailto:ADDRESS to "
		    "receive aggregate reports", "no rua: no aggregate reports "
		    "for %s", domain);
	g_strfreev(tags);
	g_string_free(why, TRUE);
}

static void
check_dmarc(cd_report *rep, pf_config *cfg, const char *domain)
{
	pf_resolver *r = pf_config_resolver(cfg);
	pf_dmarc_ctx *c = pf_dmarc_ctx_new(r, cfg->dmarc.psl);
	GString *why = g_string_new(NULL);
	const char *tw = NULL, *psl = NULL;
	pf_dmarc_policy pol;
	pf_dns_status st;

	memset(&pol, 0, sizeof(pol));
	st = pf_dmarc_discover(c, PF_DMARC_TREEWALK, domain, &pol, why);
	if (st == PF_DNS_TEMPFAIL) {
		cd_add(rep, "dmarc", CD_WARN, "record", dns_fix, "DNS: %s",
		       why->str);
	} else if (st != PF_DNS_OK) {
		cd_add(rep, "dmarc", CD_FAIL, "record", "Publish TXT at "
		    "_dmarc.DOMAIN: \"v=DMARC1; p=none; rua=mailto:ADDRESS\", "
		    "then move to p=quarantine and p=reject", "no DMARC record "
		    "for %s (Gmail and Yahoo require one of bulk senders)",
		    domain);
	} else {
		const pf_dmarc_record *d = &pol.rec;

		cd_add(rep, "dmarc", d->p == PF_DMARC_P_NONE ? CD_WARN : CD_PASS,
		    "record", "Once the reports show your mail aligned, move "
		    "to p=quarantine, then p=reject", "%s%s%s", pol.text,
		    pol.inherited ? " at " : "", pol.inherited ? pol.domain : "");
		cd_add(rep, "dmarc", CD_PASS, "policy", NULL, "p=%s sp=%s np=%s "
		    "t=%s psd=%s; %s applies: %s", pf_dmarc_p_name(d->p),
		    pf_dmarc_p_name(d->sp), pf_dmarc_p_name(d->np),
		    d->testing ? "y" : "n", d->psd == PF_DMARC_PSD_Y ? "y" :
		    d->psd == PF_DMARC_PSD_N ? "n" : "u", pol.tag,
		    pf_dmarc_p_name(pol.effective));
		cd_add(rep, "dmarc", CD_PASS, "alignment", NULL, "adkim=%s "
		    "aspf=%s", d->adkim_strict ? "s (strict)" : "r (relaxed)",
		    d->aspf_strict ? "s (strict)" : "r (relaxed)");
		check_report_addrs(rep, c, r, domain, &pol);
	}
	g_string_truncate(why, 0);
	if (pf_dmarc_org_domain_of(c, PF_DMARC_TREEWALK, domain, &tw, why) ==
	    PF_DNS_TEMPFAIL)
		tw = NULL;
	(void)pf_dmarc_org_domain_of(c, PF_DMARC_PSL, domain, &psl, why);
	if (tw && psl && strcmp(tw, psl) != 0)
		cd_add(rep, "dmarc", CD_WARN, "org-domain", "Receivers that "
		    "still use the Public Suffix List align differently: "
		    "publish the record where both find it", "tree walk: %s, "
		    "PSL: %s (they differ)", tw, psl);
	else if (tw)
		cd_add(rep, "dmarc", CD_PASS, "org-domain", NULL, "%s (tree "
		       "walk and PSL agree)", tw);
	pf_dmarc_policy_clear(&pol);
	pf_dmarc_ctx_free(&c);
	g_string_free(why, TRUE);
}

/* A TXT record at prefix.domain beginning with tag (MTA-STS, TLS-RPT). */
static void
check_txt(cd_report *rep, pf_resolver *r, const char *area,
	  const char *prefix, const char *domain, const char *tag,
	  const char *fix)
{
	char *name = g_strdup_printf("%s.%s", prefix, domain);
	GString *why = g_string_new(NULL);
	GPtrArray *txt = NULL;
	pf_dns_status st = pf_dns_txt(r, name, &txt, why);
	const char *found = NULL;

	for (guint i = 0; st == PF_DNS_OK && i < txt->len; i++)
		if (g_ascii_strncasecmp(txt->pdata[i], tag, strlen(tag)) == 0)
			found = txt->pdata[i];
	if (st == PF_DNS_TEMPFAIL)
		cd_add(rep, area, CD_WARN, prefix, dns_fix, "DNS: %s", why->str);
	else if (found)
		cd_add(rep, area, CD_PASS, prefix, NULL, "%s", found);
	else
		cd_add(rep, area, CD_WARN, prefix, fix, "no %s record at %s",
		       tag, name);
	if (txt)
		g_ptr_array_unref(txt);
	g_string_free(why, TRUE);
	g_free(name);
}

void
cd_domain(cd_report *rep, pf_config *cfg, pf_spf *spf)
{
	pf_resolver *r = pf_config_resolver(cfg);
	const char *domain = rep->subject;
	gchar **zones;
	bool nx;

	check_exists(rep, r, domain, &nx);
	if (nx)
		return;
	check_mx(rep, r, domain);
	check_spf(rep, cfg, spf, domain);
	check_dkim(rep, cfg, domain);
	check_dmarc(rep, cfg, domain);
	check_txt(rep, r, "mta-sts", "_mta-sts", domain, "v=STSv1",
	    "Publish TXT \"v=STSv1; id=YYYYMMDD\" and the policy at "
	    "https://mta-sts.DOMAIN/.well-known/mta-sts.txt (RFC 8461)");
	check_txt(rep, r, "tls-rpt", "_smtp._tls", domain, "v=TLSRPTv1",
	    "Publish TXT \"v=TLSRPTv1; rua=mailto:ADDRESS\" (RFC 8460)");
	zones = g_strsplit_set(cfg->dnsbl.domain_lists ?
	    cfg->dnsbl.domain_lists : "", " \t,", -1);
	for (gchar **z = zones; *z; z++) {
		pf_dnsbl_answer a;

		if (**z == '\0')
			continue;
		(void)pf_dnsbl_domain(r, *z, domain, &a);
		cd_blocklist_line(rep, domain, &a);
		pf_dnsbl_answer_clear(&a);
	}
	g_strfreev(zones);
}

static int
usage(void)
{
	fputs("usage: preflight check-domain [-c FILE] [--json] DOMAIN...\n",
	      stderr);
	return CD_EXIT_USAGE;
}

int
pf_cmd_check_domain(int argc, char **argv)
{
	const char *path = PF_DEFAULT_CONFIG;
	GPtrArray *domains = g_ptr_array_new(), *reports;
	bool json = false;
	pf_config *cfg;
	pf_spf *spf;
	cd_status worst = CD_PASS;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		     strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-' ||
			 !pf_dmarc_domain_syntax_ok(argv[i])) {
			g_ptr_array_unref(domains);
			if (argv[i][0] != '-')
				fprintf(stderr, "preflight: \"%s\" is not a "
					"domain name\n", argv[i]);
			return usage();
		} else
			g_ptr_array_add(domains, argv[i]);
	}
	if (domains->len == 0) {
		g_ptr_array_unref(domains);
		return usage();
	}
	if (pf_tool_spf_open(path, &cfg, &spf) < 0) {
		g_ptr_array_unref(domains);
		return CD_EXIT_CONFIG;
	}
	reports = g_ptr_array_new_with_free_func(cd_report_free);
	g_ptr_array_add(reports, cd_report_new("relay"));
	cd_relay(reports->pdata[0], cfg);
	for (guint i = 0; i < domains->len; i++) {
		char *d = g_ascii_strdown(domains->pdata[i], -1);
		cd_report *rep = cd_report_new(d);

		g_free(d);
		cd_domain(rep, cfg, spf);
		g_ptr_array_add(reports, rep);
	}
	for (guint i = 0; i < reports->len; i++)
		worst = MAX(worst, cd_report_status(reports->pdata[i]));
	if (json)
		cd_print_json(stdout, reports);
	else
		cd_print_human(stdout, reports, isatty(STDOUT_FILENO));
	g_ptr_array_unref(reports);
	g_ptr_array_unref(domains);
	pf_spf_free(&spf);
	pf_config_unref(&cfg);
	return worst == CD_PASS ? 0 : worst == CD_WARN ? 1 : 2;
}
