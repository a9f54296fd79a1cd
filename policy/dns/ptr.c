/*
 * NAME
 *	ptr - an IP address's PTR names and forward confirmation (ptr.h)
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <string.h>

#include "dns/dnsbl.h"		/* pf_dnsbl_reverse: the same name form */
#include "dns/ptr.h"
#include "dns/resolver.h"

pf_dns_status
pf_dns_ptr(pf_resolver *r, const char *ip, GPtrArray **names, char **qname,
	   GString *why)
{
	char *rev = pf_dnsbl_reverse(ip);
	struct ub_result *res = NULL;
	pf_dns_status st;

	*names = g_ptr_array_new_with_free_func(g_free);
	*qname = NULL;
	if (rev == NULL) {
		g_string_append_printf(why, "%s is not an IP address", ip);
		return PF_DNS_NODATA;
	}
	*qname = g_strdup_printf("%s.%s", rev, strchr(ip, ':') ? "ip6.arpa" :
				 "in-addr.arpa");
	g_free(rev);
	st = pf_dns_query(r, *qname, ns_t_ptr, ns_c_in, &res, why);
	if (st == PF_DNS_OK)
		for (int i = 0; res->data[i]; i++)
			g_ptr_array_add(*names, pf_dns_wire_name(
			    (unsigned char *)res->data[i], res->len[i]));
	if (res)
		ub_resolve_free(res);
	return st;
}

pf_dns_status
pf_dns_resolves_to(pf_resolver *r, const char *name, const char *ip,
		   bool *match, GString *addrs, GString *why)
{
	unsigned char want[16], *got;
	int af = strchr(ip, ':') ? AF_INET6 : AF_INET;
	size_t alen = af == AF_INET ? 4 : 16;
	struct ub_result *res = NULL;
	char buf[INET6_ADDRSTRLEN];
	pf_dns_status st;

	*match = false;
	if (inet_pton(af, ip, want) != 1)
		return PF_DNS_NODATA;
	st = pf_dns_query(r, name, af == AF_INET ? ns_t_a : ns_t_aaaa,
			  ns_c_in, &res, why);
	if (st == PF_DNS_OK)
		for (int i = 0; res->data[i]; i++) {
			got = (unsigned char *)res->data[i];
			if ((size_t)res->len[i] != alen)
				continue;
			if (memcmp(got, want, alen) == 0)
				*match = true;
			if (inet_ntop(af, got, buf, sizeof(buf)))
				g_string_append_printf(addrs, "%s%s",
				    addrs->len ? ", " : "", buf);
		}
	if (res)
		ub_resolve_free(res);
	return st;
}

char *
pf_dns_relay_state(pf_resolver *r, const char *ip, const char *helo)
{
	GString *why = g_string_new(NULL), *addrs = g_string_new(NULL);
	GString *out = g_string_new(NULL);
	GPtrArray *names;
	char *qname;
	bool fc = false, hm = false;
	pf_dns_status st = pf_dns_ptr(r, ip, &names, &qname, why);

	if (st == PF_DNS_TEMPFAIL) {
		g_string_assign(out, "dns=tempfail");
	} else if (names->len == 0) {
		g_string_assign(out, "ptr=none");
	} else {
		for (guint i = 0; i < names->len && !fc; i++)
			if (pf_dns_resolves_to(r, names->pdata[i], ip, &fc,
					       addrs, why) == PF_DNS_TEMPFAIL) {
				g_string_assign(out, "dns=tempfail");
				break;
			}
		if (out->len == 0)
			g_string_printf(out, "ptr=%s fcrdns=%s",
					(char *)names->pdata[0], fc ? "yes" : "no");
	}
	if (helo && strcmp(out->str, "dns=tempfail") != 0) {
		if (pf_dns_resolves_to(r, helo, ip, &hm, addrs, why) ==
		    PF_DNS_TEMPFAIL)
			g_string_assign(out, "dns=tempfail");
		else
			g_string_append_printf(out, " helo=%s", hm ? "yes" : "no");
	}
	g_ptr_array_unref(names);
	g_free(qname);
	g_string_free(why, TRUE);
	g_string_free(addrs, TRUE);
	return g_string_free(out, FALSE);
}
