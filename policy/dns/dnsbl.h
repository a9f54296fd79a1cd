/*
 * NAME
 *	dnsbl - DNS blocklist lookups (RFC 5782) and what their answers mean
 * SYNOPSIS
 *	#include "dns/dnsbl.h"
 *
 *	char *pf_dnsbl_reverse(const char *ip);
 *	pf_dnsbl_status pf_dnsbl_ip(pf_resolver *r, const char *zone,
 *				    const char *ip, pf_dnsbl_answer *out);
 *	pf_dnsbl_status pf_dnsbl_domain(pf_resolver *r, const char *zone,
 *					const char *domain,
 *					pf_dnsbl_answer *out);
 *	void pf_dnsbl_answer_clear(pf_dnsbl_answer *out);
 *	const char *pf_dnsbl_status_name(pf_dnsbl_status st);
 *	bool pf_dnsbl_kind_known(const char *kind);
 *	int pf_dnsbl_configure(pf_config *cfg, GString *err);
int pf_dnsbl_configure(pf_config *cfg, GString *err);
 * DESCRIPTION
 *	pf_dnsbl_reverse() returns the name an IP address is looked up under
 *	(RFC 5782 2.1, 2.4): the IPv4 octets reversed ("10.2.0.192"), an
 *	IPv6 address as 32 nibbles in reverse order; NULL when ip is not an
 *	address.  Caller frees with g_free().  The same form, under
 *	in-addr.arpa or ip6.arpa, is the PTR name.
 *
 *	pf_dnsbl_ip() asks zone about ip, pf_dnsbl_domain() about a domain
 *	name (RFC 5782 2.3), through the shared resolver.  zone may be
 *	written "zone=KIND" to read its answers as a known list's (a mirror,
 *	a DQS name): KIND is spamhaus (ZEN, SBL, XBL, PBL), spamhaus-dbl,
 *	spamhaus-zrd, barracuda, spamcop, uribl or generic;
 *	pf_dnsbl_kind_known() says whether KIND is one.  Without it the kind
 *	follows the zone's name.  pf_dnsbl_configure() checks the [dnsbl]
 *	lists at configuration load (zone syntax, known kinds): 0, or -1
 *	with "file: message" lines appended to err.  out->zone is the zone, out->query the
 *	name asked; when listed out->codes holds the A records returned
 *	("127.0.0.2", ...), out->meaning what they mean for that list
 *	(Spamhaus ZEN and DBL, Barracuda, SpamCop, URIBL, SURBL are known;
 *	others: "listed"), out->txt the list's TXT reason when it gives one.
 *
 *	Some answers are not listings: Spamhaus's 127.255.255.252 (a typing
 *	error in the zone name), 127.255.255.254 (queried through a public or
 *	open resolver) and 127.255.255.255 (over the free-use quota), DBL's
 *	127.0.1.255 (an IP address asked of a domain list), URIBL's
 *	127.0.0.1 (query refused), and any answer outside 127.0.0.0/8 (the
 *	zone is gone or wildcarded).  They are PF_DNSBL_ERROR with
 *	out->error saying what happened and out->fix what to do (run an own
 *	recursive resolver, use a Spamhaus DQS key, fix the zone name).
 *	Clear out with pf_dnsbl_answer_clear().
 * DIAGNOSTICS
 *	PF_DNSBL_TEMPFAIL with out->error holding the resolver's reason.
 */
#ifndef PF_DNSBL_H
#define PF_DNSBL_H

#include "dns/resolver.h"

typedef enum pf_dnsbl_status {
	PF_DNSBL_CLEAN,		/* NXDOMAIN: not listed */
	PF_DNSBL_LISTED,
	PF_DNSBL_ERROR,		/* the list answered, but not a listing */
	PF_DNSBL_TEMPFAIL,	/* no answer */
} pf_dnsbl_status;

typedef struct pf_dnsbl_answer {
	pf_dnsbl_status status;
	char *zone;		/* the list's zone */
	char *query;		/* the name asked */
	GPtrArray *codes;	/* char *: "127.0.0.2" */
	GString *meaning;	/* "SBL: Spamhaus SBL spam source", ... */
	char *txt;		/* the list's TXT reason, printable, or NULL */
	char *error;		/* ERROR, TEMPFAIL: what happened */
	const char *fix;	/* LISTED, ERROR: what to do (static) */
} pf_dnsbl_answer;

char *pf_dnsbl_reverse(const char *ip);
pf_dnsbl_status pf_dnsbl_ip(pf_resolver *r, const char *zone, const char *ip,
			    pf_dnsbl_answer *out);
pf_dnsbl_status pf_dnsbl_domain(pf_resolver *r, const char *zone,
				const char *domain, pf_dnsbl_answer *out);
void pf_dnsbl_answer_clear(pf_dnsbl_answer *out);
const char *pf_dnsbl_status_name(pf_dnsbl_status st);
bool pf_dnsbl_kind_known(const char *kind);
int pf_dnsbl_configure(pf_config *cfg, GString *err);

#endif
