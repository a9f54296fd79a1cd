/*
 * NAME
 *	mailhost - does a domain exist, and where does its mail go
 * SYNOPSIS
 *	#include "dns/mailhost.h"
 *
 *	pf_mailhost_state pf_mailhost_lookup(pf_resolver *r,
 *					     const char *domain,
 *					     pf_mailhost *out, GString *why);
 *	void pf_mailhost_clear(pf_mailhost *out);
 *	const char *pf_mailhost_state_name(pf_mailhost_state st);
 *	pf_dns_status pf_domain_exists(pf_resolver *r, const char *domain,
 *				       GString *why);
 * DESCRIPTION
 *	pf_mailhost_lookup() answers the question an MTA asks before it
 *	delivers to domain (RFC 5321 5.1): its MX records; a single MX
 *	"0 ." is a null MX (RFC 7505: the domain accepts no mail); no MX at
 *	all falls back to the domain's own A or AAAA records (the implicit
 *	MX); neither is "no mail host".  out->hosts is filled with the MX
 *	targets ("10 mx1.example.com", in the order the DNS gave them) or
 *	the addresses of the implicit MX, and out->detail with a short
 *	account of what the DNS said, for a finding or a report.  The
 *	caller releases both with pf_mailhost_clear().  A null MX among
 *	other MX records is not a null MX (RFC 7505 3: such a domain is
 *	misconfigured, the "." entry is ignored).
 *
 *	pf_domain_exists() asks for the domain's SOA, as Yahoo does for
 *	sending domains: PF_DNS_NXDOMAIN means the name does not exist;
 *	PF_DNS_OK or PF_DNS_NODATA (a name below its zone's apex) that it
 *	does; PF_DNS_TEMPFAIL with a reason in why.
 *
 *	Every lookup goes through the shared resolver (resolver.h): cached
 *	for the records' TTL and bounded by its timeout.
 * DIAGNOSTICS
 *	PF_MAILHOST_TEMPFAIL with the resolver's reason appended to why.
 */
#ifndef PF_MAILHOST_H
#define PF_MAILHOST_H

#include "dns/resolver.h"

typedef enum pf_mailhost_state {
	PF_MAILHOST_MX,		/* MX records name mail hosts */
	PF_MAILHOST_IMPLICIT,	/* no MX; the domain's A/AAAA */
	PF_MAILHOST_NULL_MX,	/* RFC 7505: accepts no mail */
	PF_MAILHOST_NONE,	/* exists, neither MX nor A/AAAA */
	PF_MAILHOST_NXDOMAIN,	/* does not exist */
	PF_MAILHOST_TEMPFAIL,	/* the DNS did not answer */
} pf_mailhost_state;

typedef struct pf_mailhost {
	pf_mailhost_state state;
	GPtrArray *hosts;	/* char *: "10 mx.example.com" or addresses */
	GString *detail;	/* "MX 10 mx.example.com", "NXDOMAIN", ... */
} pf_mailhost;

pf_mailhost_state pf_mailhost_lookup(pf_resolver *r, const char *domain,
				     pf_mailhost *out, GString *why);
void pf_mailhost_clear(pf_mailhost *out);
const char *pf_mailhost_state_name(pf_mailhost_state st);
pf_dns_status pf_domain_exists(pf_resolver *r, const char *domain,
			       GString *why);

#endif
