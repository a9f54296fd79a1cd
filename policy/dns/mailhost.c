/*
 * NAME
 *	mailhost - does a domain exist, and where does its mail go
 *	(see mailhost.h)
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <string.h>

#include "dns/mailhost.h"
#include "dns/resolver.h"

const char *
pf_mailhost_state_name(pf_mailhost_state st)
{
	switch (st) {
	case PF_MAILHOST_MX: return "mx";
	case PF_MAILHOST_IMPLICIT: return "implicit-mx";
	case PF_MAILHOST_NULL_MX: return "null-mx";
	case PF_MAILHOST_NONE: return "no-mail-host";
	case PF_MAILHOST_NXDOMAIN: return "nxdomain";
	case PF_MAILHOST_TEMPFAIL: return "tempfail";
	}
	return "unknown";
}

void
pf_mailhost_clear(pf_mailhost *out)
{
	if (out == NULL)
		return;
	if (out->hosts)
		g_ptr_array_unref(out->hosts);
	if (out->detail)
		g_string_free(out->detail, TRUE);
	out->hosts = NULL;
	out->detail = NULL;
}

/* MX rdata into "PREF NAME" strings; true when it is exactly "0 ." */
static bool
read_mx(const struct ub_result *res, GPtrArray *hosts)
{
	unsigned n = 0, null_mx = 0;

	for (int i = 0; res->data[i]; i++) {
		const unsigned char *d = (const unsigned char *)res->data[i];
		int len = res->len[i];
		char *name;

		if (len < 3)
			continue;
		n++;
		name = pf_dns_wire_name(d + 2, len - 2);
		if (d[2] == 0 && ((d[0] << 8) | d[1]) == 0)
			null_mx++;
		g_ptr_array_add(hosts, g_strdup_printf("%u %s",
		    (unsigned)((d[0] << 8) | d[1]), *name ? name : "."));
		g_free(name);
	}
	return n == 1 && null_mx == 1;
}

/* The domain's A or AAAA records as text into hosts. */
static pf_dns_status
read_addresses(pf_resolver *r, const char *domain, int rrtype,
	       GPtrArray *hosts, GString *why)
{
	struct ub_result *res = NULL;
	pf_dns_status st = pf_dns_query(r, domain, rrtype, ns_c_in, &res, why);
	char buf[INET6_ADDRSTRLEN];

	if (st == PF_DNS_OK)
		for (int i = 0; res->data[i]; i++) {
			int af = rrtype == ns_t_a ? AF_INET : AF_INET6;

			if (res->len[i] != (af == AF_INET ? 4 : 16) ||
			    inet_ntop(af, res->data[i], buf, sizeof(buf)) == NULL)
				continue;
			g_ptr_array_add(hosts, g_strdup(buf));
		}
	if (res)
		ub_resolve_free(res);
	return st;
}

static void
join_hosts(GString *out, const GPtrArray *hosts)
{
	for (guint i = 0; i < hosts->len; i++)
		g_string_append_printf(out, "%s%s", i ? ", " : "",
				       (const char *)hosts->pdata[i]);
}

pf_mailhost_state
pf_mailhost_lookup(pf_resolver *r, const char *domain, pf_mailhost *out,
		   GString *why)
{
	struct ub_result *res = NULL;
	pf_dns_status st, st4, st6;

	out->hosts = g_ptr_array_new_with_free_func(g_free);
	out->detail = g_string_new(NULL);
	st = pf_dns_query(r, domain, ns_t_mx, ns_c_in, &res, why);
	if (st == PF_DNS_OK) {
		bool null_mx = read_mx(res, out->hosts);

		ub_resolve_free(res);
		g_string_append(out->detail, "MX ");
		join_hosts(out->detail, out->hosts);
		if (null_mx) {
			g_string_assign(out->detail, "null MX (MX 0 .)");
			return out->state = PF_MAILHOST_NULL_MX;
		}
		if (out->hosts->len > 0)
			return out->state = PF_MAILHOST_MX;
		st = PF_DNS_NODATA;	/* only unreadable records */
	} else if (res) {
		ub_resolve_free(res);
	}
	if (st == PF_DNS_NXDOMAIN) {
		g_string_assign(out->detail, "NXDOMAIN");
		return out->state = PF_MAILHOST_NXDOMAIN;
	}
	if (st == PF_DNS_TEMPFAIL)
		return out->state = PF_MAILHOST_TEMPFAIL;
	/* no MX: the implicit MX is the domain's own address */
	st4 = read_addresses(r, domain, ns_t_a, out->hosts, why);
	st6 = st4 == PF_DNS_TEMPFAIL ? st4 :
	    read_addresses(r, domain, ns_t_aaaa, out->hosts, why);
	if (out->hosts->len > 0) {
		g_string_assign(out->detail, "no MX, address ");
		join_hosts(out->detail, out->hosts);
		return out->state = PF_MAILHOST_IMPLICIT;
	}
	if (st4 == PF_DNS_TEMPFAIL || st6 == PF_DNS_TEMPFAIL)
		return out->state = PF_MAILHOST_TEMPFAIL;
	if (st4 == PF_DNS_NXDOMAIN) {
		g_string_assign(out->detail, "NXDOMAIN");
		return out->state = PF_MAILHOST_NXDOMAIN;
	}
	g_string_assign(out->detail, "no MX, no A, no AAAA record");
	return out->state = PF_MAILHOST_NONE;
}

pf_dns_status
pf_domain_exists(pf_resolver *r, const char *domain, GString *why)
{
	struct ub_result *res = NULL;
	pf_dns_status st = pf_dns_query(r, domain, ns_t_soa, ns_c_in, &res,
					why);

	if (res)
		ub_resolve_free(res);
	return st;
}
