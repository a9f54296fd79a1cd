/*
 * NAME
 *	dnsbl - DNS blocklist lookups and what their answers mean (dnsbl.h)
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dnsbl.h"
#include "auth/dmarc.h"		/* pf_dmarc_domain_syntax_ok */

typedef struct code_meaning {
	const char *code;	/* "127.0.0.2" */
	const char *meaning;
} code_meaning;

typedef enum list_family {
	LIST_OTHER,
	LIST_SPAMHAUS_IP,	/* zen, sbl, xbl, pbl, sbl-xbl */
	LIST_SPAMHAUS_DBL,
	LIST_SPAMHAUS_ZRD,
	LIST_BARRACUDA,
	LIST_SPAMCOP,
	LIST_URIBL,
} list_family;

static const code_meaning spamhaus_ip[] = {
	{"127.0.0.2", "SBL: a known spam source or spam operation"},
	{"127.0.0.3", "SBL CSS: low-reputation (snowshoe) sending"},
	{"127.0.0.4", "XBL: an exploited host (bot, proxy, malware)"},
	{"127.0.0.5", "XBL: an exploited host"},
	{"127.0.0.6", "XBL: an exploited host"},
	{"127.0.0.7", "XBL: an exploited host"},
	{"127.0.0.9", "SBL DROP: a hijacked or criminal network"},
	{"127.0.0.10", "PBL (provider): an end-user range that should not "
	 "send mail directly"},
	{"127.0.0.11", "PBL (Spamhaus): an end-user range that should not "
	 "send mail directly"},
};

static const code_meaning spamhaus_dbl[] = {
	{"127.0.1.2", "DBL: spam domain"},
	{"127.0.1.4", "DBL: phishing domain"},
	{"127.0.1.5", "DBL: malware domain"},
	{"127.0.1.6", "DBL: botnet command and control domain"},
	{"127.0.1.102", "DBL: abused legitimate domain (spam)"},
	{"127.0.1.103", "DBL: abused legitimate redirector or shortener"},
	{"127.0.1.104", "DBL: abused legitimate domain (phishing)"},
	{"127.0.1.105", "DBL: abused legitimate domain (malware)"},
	{"127.0.1.106", "DBL: abused legitimate domain (botnet C&C)"},
};

static const char spamhaus_fix[] = "Look it up at "
    "https://check.spamhaus.org/ and follow the removal steps there "
    "(for the PBL: send through your provider's relay, or have a static "
    "range removed); clean up the cause first";

static bool
has_suffix(const char *zone, const char *suffix)
{
	size_t zl = strlen(zone), sl = strlen(suffix);

	return zl >= sl && g_ascii_strcasecmp(zone + zl - sl, suffix) == 0 &&
	    (zl == sl || zone[zl - sl - 1] == '.');
}

static const struct {
	const char *name;
	list_family family;
} kind_names[] = {
	{"spamhaus", LIST_SPAMHAUS_IP}, {"spamhaus-dbl", LIST_SPAMHAUS_DBL},
	{"spamhaus-zrd", LIST_SPAMHAUS_ZRD}, {"barracuda", LIST_BARRACUDA},
	{"spamcop", LIST_SPAMCOP}, {"uribl", LIST_URIBL}, {"generic", LIST_OTHER},
};

bool
pf_dnsbl_kind_known(const char *kind)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kind_names); i++)
		if (g_ascii_strcasecmp(kind, kind_names[i].name) == 0)
			return true;
	return false;
}

static list_family
family_of(const char *zone, const char *kind)
{
	for (size_t i = 0; kind && i < G_N_ELEMENTS(kind_names); i++)
		if (g_ascii_strcasecmp(kind, kind_names[i].name) == 0)
			return kind_names[i].family;
	if (has_suffix(zone, "spamhaus.org") ||
	    has_suffix(zone, "spamhaus.net")) {
		if (strstr(zone, "dbl.") != NULL)
			return LIST_SPAMHAUS_DBL;
		if (strstr(zone, "zrd.") != NULL)
			return LIST_SPAMHAUS_ZRD;
		return LIST_SPAMHAUS_IP;
	}
	if (has_suffix(zone, "barracudacentral.org"))
		return LIST_BARRACUDA;
	if (has_suffix(zone, "spamcop.net"))
		return LIST_SPAMCOP;
	if (has_suffix(zone, "uribl.com"))
		return LIST_URIBL;
	return LIST_OTHER;
}

static bool
spamhaus(list_family f)
{
	return f == LIST_SPAMHAUS_IP || f == LIST_SPAMHAUS_DBL ||
	    f == LIST_SPAMHAUS_ZRD;
}

const char *
pf_dnsbl_status_name(pf_dnsbl_status st)
{
	switch (st) {
	case PF_DNSBL_CLEAN: return "clean";
	case PF_DNSBL_LISTED: return "listed";
	case PF_DNSBL_ERROR: return "error";
	case PF_DNSBL_TEMPFAIL: return "tempfail";
	}
	return "unknown";
}

char *
pf_dnsbl_reverse(const char *ip)
{
	unsigned char a[16];
	GString *s;

	if (ip == NULL)
		return NULL;
	if (inet_pton(AF_INET, ip, a) == 1)
		return g_strdup_printf("%u.%u.%u.%u", a[3], a[2], a[1], a[0]);
	if (inet_pton(AF_INET6, ip, a) != 1)
		return NULL;
	s = g_string_new(NULL);
	for (int i = 15; i >= 0; i--)
		g_string_append_printf(s, "%s%x.%x", i < 15 ? "." : "",
				       a[i] & 0xf, a[i] >> 4);
	return g_string_free(s, FALSE);
}

void
pf_dnsbl_answer_clear(pf_dnsbl_answer *out)
{
	if (out == NULL)
		return;
	g_free(out->zone);
	g_free(out->query);
	if (out->codes)
		g_ptr_array_unref(out->codes);
	if (out->meaning)
		g_string_free(out->meaning, TRUE);
	g_free(out->txt);
	g_free(out->error);
	memset(out, 0, sizeof(*out));
}

/* An answer that is an error report, not a listing: set out, true. */
static bool
error_code(list_family f, const char *code, pf_dnsbl_answer *out)
{
	const char *e = NULL, *fix = NULL;

	if (strncmp(code, "127.", 4) != 0) {
		e = "the answer is not a blocklist code (outside 127.0.0.0/8): "
		    "the zone is gone or answers every name";
		fix = "Remove this zone from [dnsbl]";
	} else if (spamhaus(f) && strcmp(code, "127.255.255.252") == 0) {
		e = "Spamhaus: typing error in the zone name (127.255.255.252)";
		fix = "Correct the zone name in [dnsbl]";
	} else if (spamhaus(f) && strcmp(code, "127.255.255.254") == 0) {
		e = "Spamhaus refuses queries through public or open resolvers "
		    "(127.255.255.254)";
		fix = "Run your own recursive resolver ([dns] upstreams or "
		    "config_file naming a local unbound, not 8.8.8.8 or "
		    "1.1.1.1), or use a Spamhaus DQS key "
		    "(KEY.zen.dq.spamhaus.net)";
	} else if (spamhaus(f) && strcmp(code, "127.255.255.255") == 0) {
		e = "Spamhaus: over the free-use query limit (127.255.255.255)";
		fix = "Register for a Spamhaus DQS key and list "
		    "KEY.zen.dq.spamhaus.net instead";
	} else if (f == LIST_SPAMHAUS_DBL && strcmp(code, "127.0.1.255") == 0) {
		e = "Spamhaus DBL: an IP address was asked of a domain list "
		    "(127.0.1.255)";
		fix = "List the DBL under [dnsbl] domain_lists, not ip_lists";
	} else if (f == LIST_URIBL && strcmp(code, "127.0.0.1") == 0) {
		e = "URIBL refused the query (127.0.0.1: public resolver or too "
		    "many queries)";
		fix = "Use your own recursive resolver, or a URIBL data feed";
	}
	if (e == NULL)
		return false;
	if (out->error == NULL) {
		out->error = g_strdup(e);
		out->fix = fix;
	}
	return true;
}

static void
add_meaning(list_family f, const char *code, GString *m)
{
	const code_meaning *t = NULL;
	size_t n = 0;
	const char *text = NULL;

	if (f == LIST_SPAMHAUS_IP) {
		t = spamhaus_ip;
		n = G_N_ELEMENTS(spamhaus_ip);
	} else if (f == LIST_SPAMHAUS_DBL) {
		t = spamhaus_dbl;
		n = G_N_ELEMENTS(spamhaus_dbl);
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].code, code) == 0)
			text = t[i].meaning;
	if (text == NULL && f == LIST_SPAMHAUS_ZRD)
		text = "ZRD: a domain first seen in the last 24 hours";
	if (text == NULL && f == LIST_BARRACUDA)
		text = "Barracuda BRBL: listed";
	if (text == NULL && f == LIST_SPAMCOP)
		text = "SpamCop: reported as a spam source";
	if (text == NULL && f == LIST_URIBL) {
		unsigned last = 0;
		const char *dot = strrchr(code, '.');

		last = dot ? (unsigned)strtoul(dot + 1, NULL, 10) : 0;
		text = last & 2 ? "URIBL black" : last & 4 ? "URIBL grey" :
		    last & 8 ? "URIBL red" : NULL;
	}
	g_string_append_printf(m, "%s%s", m->len ? "; " : "",
			       text ? text : "listed");
}

static const char *
listed_fix(list_family f)
{
	switch (f) {
	case LIST_SPAMHAUS_IP:
	case LIST_SPAMHAUS_DBL:
	case LIST_SPAMHAUS_ZRD:
		return spamhaus_fix;
	case LIST_BARRACUDA:
		return "Request removal at "
		    "https://www.barracudacentral.org/rbl/removal-request";
	case LIST_SPAMCOP:
		return "SpamCop delists 24 hours after the last report: find "
		    "and stop what sends the reported mail";
	default:
		return "Find and stop what got it listed, then follow the "
		    "list's delisting procedure";
	}
}

/* g_ptr_array_sort: dotted quads in numeric order */
static gint
code_order(gconstpointer a, gconstpointer b)
{
	struct in_addr x, y;

	if (inet_pton(AF_INET, *(char *const *)a, &x) != 1 ||
	    inet_pton(AF_INET, *(char *const *)b, &y) != 1)
		return 0;
	return ntohl(x.s_addr) < ntohl(y.s_addr) ? -1 :
	    ntohl(x.s_addr) > ntohl(y.s_addr);
}

/* "zone=kind" or "zone": the zone, new */
static char *
eq_zone(const char *spec)
{
	const char *eq = strchr(spec, '=');

	return eq ? g_strndup(spec, (gsize)(eq - spec)) : g_strdup(spec);
}

static pf_dnsbl_status
lookup(pf_resolver *r, const char *spec, const char *name,
       pf_dnsbl_answer *out)
{
	const char *eq = strchr(spec, '=');
	char *zone = eq_zone(spec);
	list_family f = family_of(zone, eq ? eq + 1 : NULL);
	struct ub_result *res = NULL;
	GString *why = g_string_new(NULL);
	GPtrArray *txt = NULL;
	char buf[INET_ADDRSTRLEN];
	bool listed = false;
	pf_dns_status st;

	memset(out, 0, sizeof(*out));
	out->zone = zone;
	out->query = g_strdup_printf("%s.%s", name, zone);
	out->codes = g_ptr_array_new_with_free_func(g_free);
	out->meaning = g_string_new(NULL);
	st = pf_dns_query(r, out->query, ns_t_a, ns_c_in, &res, why);
	if (st == PF_DNS_TEMPFAIL) {
		out->error = g_strdup(why->str);
		g_string_free(why, TRUE);
		return out->status = PF_DNSBL_TEMPFAIL;
	}
	if (st == PF_DNS_OK)
		for (int i = 0; res->data[i]; i++) {
			if (res->len[i] != 4 ||
			    inet_ntop(AF_INET, res->data[i], buf, sizeof(buf)) ==
			    NULL)
				continue;
			g_ptr_array_add(out->codes, g_strdup(buf));
		}
	if (res)
		ub_resolve_free(res);
	g_ptr_array_sort(out->codes, code_order);	/* the DNS shuffles */
	for (guint i = 0; i < out->codes->len; i++)
		if (!error_code(f, out->codes->pdata[i], out)) {
			listed = true;
			add_meaning(f, out->codes->pdata[i], out->meaning);
		}
	g_string_free(why, TRUE);
	if (out->error && !listed)
		return out->status = PF_DNSBL_ERROR;
	if (!listed)
		return out->status = PF_DNSBL_CLEAN;
	out->fix = listed_fix(f);
	why = g_string_new(NULL);
	if (pf_dns_txt(r, out->query, &txt, why) == PF_DNS_OK &&
	    txt->len > 0) {
		GString *t = g_string_new(NULL);

		for (const char *p = txt->pdata[0]; *p && t->len < 300; p++)
			g_string_append_c(t, g_ascii_isprint(*p) ? *p : '?');
		out->txt = g_string_free(t, FALSE);
	}
	if (txt)
		g_ptr_array_unref(txt);
	g_string_free(why, TRUE);
	return out->status = PF_DNSBL_LISTED;
}

pf_dnsbl_status
pf_dnsbl_ip(pf_resolver *r, const char *zone, const char *ip,
	    pf_dnsbl_answer *out)
{
	char *rev = pf_dnsbl_reverse(ip);
	pf_dnsbl_status st;

	if (rev == NULL) {
		memset(out, 0, sizeof(*out));
		out->zone = eq_zone(zone);
		out->error = g_strdup_printf("%s is not an IP address", ip);
		return out->status = PF_DNSBL_ERROR;
	}
	st = lookup(r, zone, rev, out);
	g_free(rev);
	return st;
}

pf_dnsbl_status
pf_dnsbl_domain(pf_resolver *r, const char *zone, const char *domain,
		pf_dnsbl_answer *out)
{
	return lookup(r, zone, domain, out);
}

static int
check_lists(const pf_config *cfg, const char *key, const char *lists,
	    GString *err)
{
	gchar **v = g_strsplit_set(lists ? lists : "", " \t,", -1);
	int rc = 0;

	for (gchar **p = v; *p; p++) {
		char *eq = strchr(*p, '='), *zone;

		if (**p == '\0')
			continue;
		zone = eq_zone(*p);
		if (!pf_dmarc_domain_syntax_ok(zone) ||
		    (eq && !pf_dnsbl_kind_known(eq + 1))) {
			g_string_append_printf(err, "%s: [dnsbl] %s: \"%s\" is "
			    "not ZONE or ZONE=KIND (KIND: spamhaus, "
			    "spamhaus-dbl, spamhaus-zrd, barracuda, spamcop, "
			    "uribl, generic)\n", cfg->path ? cfg->path :
			    "(config)", key, *p);
			rc = -1;
		}
		g_free(zone);
	}
	g_strfreev(v);
	return rc;
}

int
pf_dnsbl_configure(pf_config *cfg, GString *err)
{
	int rc = check_lists(cfg, "ip_lists", cfg->dnsbl.ip_lists, err);

	if (check_lists(cfg, "domain_lists", cfg->dnsbl.domain_lists, err) < 0)
		rc = -1;
	return rc;
}
