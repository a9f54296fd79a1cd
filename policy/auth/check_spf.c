/*
 * NAME
 *	check_spf - SPF of the envelope sender against the relay's egress IPs
 * SYNOPSIS
 *	extern const pf_check pf_check_spf;
 * DESCRIPTION
 *	At MAIL FROM the sender's domain (for the null sender the relay's
 *	own HELO name: [spf] helo_name, else the MTA's host name) is
 *	evaluated as RFC 7208 says (spf.h) against every address in [spf]
 *	egress_ips: the addresses receivers will see, not the submitting
 *	client's.  The worst result over the IPs counts; findings name the
 *	IPs that did not pass, the record and the deciding term, and say
 *	what to add to the record.
 *
 *	Reason codes: spf.fail, spf.softfail (550 5.7.23), spf.neutral
 *	(score only), spf.permerror, spf.lint.too-many-lookups,
 *	spf.lint.void-lookups, spf.lint.multiple-records (550 5.7.24),
 *	spf.temperror (451 4.7.24).  The whole evaluation (every IP) is
 *	bounded by one [dns] timeout.  The SPF exp= text (the
 *	domain's words) never reaches a reply.
 *
 *	The outcome stays in msg->state[PF_CHECK_SPF] (pf_spf_state) for
 *	the DMARC check.  The SPF handle is built once per configuration.
 */
#include <string.h>

#include <gio/gio.h>

#include "core/check.h"
#include "dns/resolver.h"
#include "auth/spf.h"

static GMutex spf_lazy_lock;

void
pf_spf_state_free(void *state)
{
	pf_spf_state *st = state;

	if (st == NULL)
		return;
	g_free(st->domain);
	g_free(st->ips);
	g_free(st);
}

static pf_spf *
spf_server_for(pf_config *cfg)
{
	pf_spf *spf = g_atomic_pointer_get(&cfg->spf.server);
	GString *err;

	if (spf)
		return spf;
	g_mutex_lock(&spf_lazy_lock);
	if ((spf = cfg->spf.server) == NULL) {
		err = g_string_new(NULL);
		spf = pf_spf_new(pf_config_resolver(cfg), err);
		if (spf == NULL)
			pf_error("SPF: %s", err->str);
		g_atomic_pointer_set(&cfg->spf.server, spf);
		g_string_free(err, TRUE);
	}
	g_mutex_unlock(&spf_lazy_lock);
	return spf;
}

static int
result_rank(pf_spf_result r)
{
	switch (r) {
	case PF_SPF_PASS: return 0;
	case PF_SPF_NONE: return 1;
	case PF_SPF_NEUTRAL: return 2;
	case PF_SPF_SOFTFAIL: return 3;
	case PF_SPF_FAIL: return 4;
	case PF_SPF_PERMERROR: return 5;
	case PF_SPF_TEMPERROR: return 6;
	}
	return 0;
}

/* "add ip4:192.0.2.10 ip6:2001:db8::10" for the IPs that did not pass */
static void
append_terms(GString *out, const char *ips)
{
	gchar **v = g_strsplit(ips, " ", -1);

	for (gchar **p = v; *p; p++)
		if (**p)
			g_string_append_printf(out, "%s%s:%s",
			    p == v ? "" : " ",
			    strchr(*p, ':') ? "ip6" : "ip4", *p);
	g_strfreev(v);
}

static void
add_facts(pf_result *r, const pf_spf_outcome *o, const char *ips)
{
	pf_result_fact(r, "spf", "%s", pf_spf_result_name(o->result));
	pf_result_fact(r, "spf_domain", "%s", o->domain);
	pf_result_fact(r, "egress_ip", "%s", ips);
	if (o->record)
		pf_result_fact(r, "spf_record", "%s", o->record);
	if (o->mechanism)
		pf_result_fact(r, "mechanism", "%s", o->mechanism);
	pf_result_fact(r, "dns_lookups", "%u", o->dns_lookups);
	pf_result_fact(r, "void_lookups", "%u", o->void_lookups);
	if (o->error)
		pf_result_fact(r, "error", "%s", o->error);
}

static void
report(pf_message *msg, const pf_spf_outcome *o, const char *ips)
{
	const pf_spf_conf *sc = &msg->cfg->spf;
	GString *terms = g_string_new(NULL);
	pf_result *r;
	const char *code;

	append_terms(terms, ips);
	switch (o->result) {
	case PF_SPF_FAIL:
	case PF_SPF_SOFTFAIL:
		r = pf_result_add(msg, PF_CHECK_SPF,
		    o->result == PF_SPF_FAIL ? "spf.fail" : "spf.softfail",
		    o->result == PF_SPF_FAIL ? sc->fail_action :
		    sc->softfail_action, o->result == PF_SPF_FAIL ? 3 : 2,
		    "550", "5.7.23");
		pf_result_text(r, "SPF %s: the SPF record of %s does not "
		    "permit this relay's egress IP %s (record \"%s\"%s%s%s)",
		    pf_spf_result_name(o->result), o->domain, ips,
		    o->record ? o->record : "", o->mechanism ?
		    ", decided by " : "", o->mechanism ? o->mechanism : "",
		    "");
		pf_result_fix(r, "add %s to the SPF record of %s (before its "
		    "\"all\" term), or relay this domain's mail through a host "
		    "it authorises", terms->str, o->domain);
		break;
	case PF_SPF_NEUTRAL:
		r = pf_result_add(msg, PF_CHECK_SPF, "spf.neutral",
		    PF_ACTION_NONE, 1, "550", "5.7.23");
		pf_result_text(r, "SPF neutral: the SPF record of %s makes no "
		    "statement about this relay's egress IP %s (record "
		    "\"%s\")", o->domain, ips, o->record ? o->record : "");
		pf_result_fix(r, "add %s to the SPF record of %s", terms->str,
		    o->domain);
		break;
	case PF_SPF_PERMERROR:
		code = o->problem == PF_SPF_TOO_MANY_LOOKUPS ?
		    "spf.lint.too-many-lookups" :
		    o->problem == PF_SPF_VOID_LOOKUPS ?
		    "spf.lint.void-lookups" :
		    o->problem == PF_SPF_MULTIPLE_RECORDS ?
		    "spf.lint.multiple-records" : "spf.permerror";
		r = pf_result_add(msg, PF_CHECK_SPF, code,
		    sc->permerror_action, 3, "550", "5.7.24");
		if (o->problem == PF_SPF_TOO_MANY_LOOKUPS)
			pf_result_text(r, "SPF permerror: the SPF record of %s "
			    "needs more than 10 DNS-querying terms (include, a, "
			    "mx, ptr, exists, redirect, counted over every "
			    "include: and redirect=): %s; receivers treat this "
			    "as a failure", o->domain,
			    o->error ? o->error : "limit exceeded");
		else if (o->problem == PF_SPF_VOID_LOOKUPS)
			pf_result_text(r, "SPF permerror: evaluating the SPF "
			    "record of %s gave %u void DNS lookups (names "
			    "that do not exist or have no records); RFC 7208 "
			    "allows 2", o->domain, o->void_lookups);
		else if (o->problem == PF_SPF_MULTIPLE_RECORDS)
			pf_result_text(r, "SPF permerror: %s publishes %u "
			    "v=spf1 records; RFC 7208 allows exactly one",
			    o->domain, o->n_records);
		else
			pf_result_text(r, "SPF permerror: the SPF record of %s "
			    "is invalid: %s (record \"%s\")", o->domain,
			    o->error ? o->error : "syntax error",
			    o->record ? o->record : "");
		pf_result_fix(r, "%s", pf_spf_permerror_fix(o->problem));
		break;
	case PF_SPF_TEMPERROR:
		r = pf_result_add(msg, PF_CHECK_SPF, "spf.temperror",
		    sc->temperror_action, 0, "451", "4.7.24");
		pf_result_text(r, "SPF temperror: the SPF record of %s could "
		    "not be checked: %s", o->domain,
		    o->error ? o->error : "DNS failure");
		pf_result_fix(r, "the message stays queued and is retried; if "
		    "this persists, check the DNS servers of %s and this "
		    "relay's resolver ([dns] upstreams)", o->domain);
		break;
	default:
		g_string_free(terms, TRUE);
		return;
	}
	add_facts(r, o, ips);
	g_string_free(terms, TRUE);
}

static void
spf_evaluate(pf_message *msg)
{
	pf_spf_conf *sc = &msg->cfg->spf;
	pf_spf *spf;
	pf_spf_state *st;
	pf_spf_outcome worst = {0}, o;
	GString *bad = g_string_new(NULL);
	const char *helo;
	gint64 deadline;
	bool null_sender = msg->sender == NULL || *msg->sender == '\0';

	if (sc->egress == NULL || sc->egress->len == 0 ||
	    (spf = spf_server_for(msg->cfg)) == NULL) {
		g_string_free(bad, TRUE);
		return;
	}
	helo = sc->helo_name ? sc->helo_name : msg->mta_hostname ?
	    msg->mta_hostname : msg->helo;
	deadline = g_get_monotonic_time() +
	    (gint64)pf_resolver_timeout_ms(pf_config_resolver(msg->cfg)) * 1000;
	worst.result = PF_SPF_PASS;
	for (guint i = 0; i < sc->egress->len; i++) {
		const char *ip = sc->egress->pdata[i];

		pf_spf_eval(spf, ip, null_sender ? NULL : msg->sender, helo,
			    deadline, &o);
		if (o.result != PF_SPF_PASS)
			g_string_append_printf(bad, "%s%s", bad->len ? " " : "",
					       ip);
		if (i == 0 || result_rank(o.result) > result_rank(worst.result)) {
			pf_spf_outcome_clear(&worst);
			worst = o;
		} else {
			pf_spf_outcome_clear(&o);
		}
	}
	st = g_new0(pf_spf_state, 1);
	st->result = worst.result;
	st->domain = g_strdup(worst.domain);
	st->helo_identity = null_sender;
	st->ips = g_strdup(bad->str);
	msg->state[PF_CHECK_SPF] = st;
	if (worst.domain)
		report(msg, &worst, bad->str);
	pf_spf_outcome_clear(&worst);
	g_string_free(bad, TRUE);
}

static void
spf_run(pf_message *msg, pf_stage stage)
{
	if (stage == PF_STAGE_MAIL) {
		pf_spf_state_free(msg->state[PF_CHECK_SPF]);
		msg->state[PF_CHECK_SPF] = NULL;
		spf_evaluate(msg);
	}
}

static pf_mode *
spf_mode(pf_config *cfg)
{
	return &cfg->spf.mode;
}

static int
spf_configure(pf_config *cfg, GString *err)
{
	gchar **words;
	int rc = 0;

	cfg->spf.egress = g_ptr_array_new_with_free_func(g_free);
	if (cfg->spf.egress_ips == NULL)
		return 0;
	words = g_strsplit_set(cfg->spf.egress_ips, " \t,", -1);
	for (gchar **w = words; *w; w++) {
		GInetAddress *a;

		if (**w == '\0')
			continue;
		if ((a = g_inet_address_new_from_string(*w)) == NULL) {
			g_string_append_printf(err, "%s: [spf] egress_ips: "
			    "\"%s\" is not an IPv4 or IPv6 address\n",
			    cfg->path ? cfg->path : "(config)", *w);
			rc = -1;
			continue;
		}
		g_object_unref(a);
		g_ptr_array_add(cfg->spf.egress, g_strdup(*w));
	}
	g_strfreev(words);
	if (rc == 0 && cfg->spf.mode != PF_MODE_OFF &&
	    cfg->spf.egress->len > 0 && spf_server_for(cfg) == NULL) {
		g_string_append_printf(err, "%s: [spf]: cannot set up libspf2\n",
		    cfg->path ? cfg->path : "(config)");
		rc = -1;
	}
	return rc;
}

static void
spf_unconfigure(pf_config *cfg)
{
	pf_spf_free(&cfg->spf.server);
	if (cfg->spf.egress)
		g_ptr_array_free(cfg->spf.egress, TRUE);
	cfg->spf.egress = NULL;
}

const pf_check pf_check_spf = {
	.id = PF_CHECK_SPF,
	.name = "spf",
	.stages = PF_STAGE_MAIL,
	.mode = spf_mode,
	.run = spf_run,
	.configure = spf_configure,
	.unconfigure = spf_unconfigure,
	.free_state = pf_spf_state_free,
};
