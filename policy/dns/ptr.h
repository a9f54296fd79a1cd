/*
 * NAME
 *	ptr - an IP address's PTR names and forward confirmation (FCrDNS)
 * SYNOPSIS
 *	#include "dns/ptr.h"
 *
 *	pf_dns_status pf_dns_ptr(pf_resolver *r, const char *ip,
 *				 GPtrArray **names, char **qname,
 *				 GString *why);
 *	pf_dns_status pf_dns_resolves_to(pf_resolver *r, const char *name,
 *					 const char *ip, bool *match,
 *					 GString *addrs, GString *why);
 *	char *pf_dns_relay_state(pf_resolver *r, const char *ip,
 *				 const char *helo);
 * DESCRIPTION
 *	pf_dns_ptr() looks up the PTR records of ip (IPv4 under
 *	in-addr.arpa, IPv6 in nibble form under ip6.arpa): *names (new, of
 *	char *, free with g_ptr_array_unref()) holds the names, empty when
 *	there is none; *qname (new) is the name asked.
 *
 *	pf_dns_resolves_to() asks for name's A (IPv4 ip) or AAAA records:
 *	*match says whether ip is among them; the addresses found are
 *	appended to addrs ("192.0.2.10, ...").  A reason is appended to why
 *	on PF_DNS_TEMPFAIL.
 *
 *	pf_dns_relay_state() sums up what receivers check of a sending IP,
 *	for the reputation watch: "ptr=NAME fcrdns=yes|no helo=yes|no", or
 *	"ptr=none", "dns=tempfail" (new string).
 *
 *	Every lookup goes through the shared resolver (resolver.h).
 */
#ifndef PF_PTR_H
#define PF_PTR_H

#include <stdbool.h>

#include "dns/resolver.h"

pf_dns_status pf_dns_ptr(pf_resolver *r, const char *ip, GPtrArray **names,
			 char **qname, GString *why);
pf_dns_status pf_dns_resolves_to(pf_resolver *r, const char *name,
				 const char *ip, bool *match, GString *addrs,
				 GString *why);
char *pf_dns_relay_state(pf_resolver *r, const char *ip, const char *helo);

#endif
