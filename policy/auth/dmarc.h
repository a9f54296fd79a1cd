/*
 * NAME
 *	dmarc - DMARC records, organisational domains and alignment
 * SYNOPSIS
 *	#include "auth/dmarc.h"
 *
 *	int pf_dmarc_parse(const char *txt, pf_dmarc_record *rec,
 *			   GString *why);
 *	char *pf_dmarc_org_domain(const psl_ctx_t *psl, const char *domain);
 *	bool pf_dmarc_aligned(const psl_ctx_t *psl, const char *from_domain,
 *			      const char *auth_domain, bool strict);
 *	pf_dns_status pf_dmarc_lookup(pf_resolver *r, const psl_ctx_t *psl,
 *				      const char *from_domain,
 *				      pf_dmarc_policy *out, GString *why);
 *	void pf_dmarc_policy_clear(pf_dmarc_policy *p);
 *	const char *pf_dmarc_p_name(pf_dmarc_p p);
 *	char *pf_from_domain(const pf_message *msg);
 *	char *pf_from_address(const pf_message *msg);
char *pf_from_address(const pf_message *msg);
 * DESCRIPTION
 *	pf_dmarc_parse() reads one "v=DMARC1; p=...; ..." record (RFC 7489
 *	6.3): p (required), sp, adkim, aspf, pct; unknown tags are ignored.
 *	Returns 0, or -1 with a reason when it is not a usable record.
 *
 *	pf_dmarc_org_domain() returns the organisational domain (the
 *	registrable domain by the Public Suffix List), lower case, or NULL
 *	for a public suffix or junk; the caller frees it with g_free().
 *	pf_dmarc_aligned() compares two domains: strict means equal,
 *	relaxed means the same organisational domain.  Comparison is by
 *	DNS label syntax: names with characters outside letters, digits,
 *	'-', '_' and '.' never align (CVE-2020-12272 class).
 *
 *	pf_dmarc_lookup() finds the policy of from_domain: _dmarc.DOMAIN,
 *	else _dmarc.ORGDOMAIN, where several DMARC records or none count as
 *	no record.  PF_DNS_OK with out filled; PF_DNS_NXDOMAIN when there is
 *	no policy; PF_DNS_TEMPFAIL with a reason.  out->effective is sp for
 *	a subdomain whose policy came from its organisational domain.
 *
 *	pf_from_domain() returns the domain of the single mailbox in the
 *	single From header (GMime's parser), lower case, or NULL when the
 *	header is missing, repeated, or not exactly one mailbox with a
 *	domain (the From check reports those).  Caller frees with g_free().
 */
#ifndef PF_DMARC_H
#define PF_DMARC_H

#include <stdbool.h>
#include <glib.h>
#include <libpsl.h>

#include "core/message.h"
#include "dns/resolver.h"

typedef enum pf_dmarc_p {
	PF_DMARC_P_NONE,
	PF_DMARC_P_QUARANTINE,
	PF_DMARC_P_REJECT,
} pf_dmarc_p;

typedef struct pf_dmarc_record {
	pf_dmarc_p p;
	pf_dmarc_p sp;
	bool has_sp;
	bool adkim_strict;
	bool aspf_strict;
	unsigned pct;		/* 0..100 */
} pf_dmarc_record;

typedef struct pf_dmarc_policy {
	pf_dmarc_record rec;
	char *domain;		/* where the record was found (without _dmarc) */
	char *text;		/* the record, printable */
	bool inherited;		/* from the organisational domain */
	pf_dmarc_p effective;	/* p, or sp for an inherited subdomain */
} pf_dmarc_policy;

int pf_dmarc_parse(const char *txt, pf_dmarc_record *rec, GString *why);
char *pf_dmarc_org_domain(const psl_ctx_t *psl, const char *domain);
bool pf_dmarc_aligned(const psl_ctx_t *psl, const char *from_domain,
		      const char *auth_domain, bool strict);
pf_dns_status pf_dmarc_lookup(pf_resolver *r, const psl_ctx_t *psl,
			      const char *from_domain, pf_dmarc_policy *out,
			      GString *why);
void pf_dmarc_policy_clear(pf_dmarc_policy *p);
const char *pf_dmarc_p_name(pf_dmarc_p p);
char *pf_from_domain(const pf_message *msg);
char *pf_from_address(const pf_message *msg);
void pf_gmime_init_once(void);

#endif
