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
 *	const char *pf_dmarc_p_name(pf_dmarc_p p);
 *	bool pf_dmarc_domain_syntax_ok(const char *domain);
 *	char *pf_dmarc_printable(const char *text);
 *	char *pf_from_domain(pf_message *msg);
 *	char *pf_from_address(pf_message *msg);
 * DESCRIPTION
 *	pf_dmarc_parse() reads one "v=DMARC1; p=...; ..." record (RFC 7489
 *	6.3, RFC 9989 4.7): p, sp, np, adkim, aspf, t, psd and the legacy
 *	pct; unknown tags are ignored.  A record without a valid p but with
 *	a rua tag is read as p=none (RFC 7489 6.6.3 step 6, RFC 9989
 *	4.10.1).  np defaults to sp, sp to p.  Returns 0, or -1 with a
 *	reason when it is not a usable record.
 *
 *	pf_dmarc_org_domain() returns the organisational domain (the
 *	registrable domain by the Public Suffix List), lower case, or NULL
 *	for a public suffix or junk; the caller frees it with g_free().
 *	pf_dmarc_aligned() compares two domains: strict means equal,
 *	relaxed means the same organisational domain.  Comparison is by
 *	DNS label syntax: names with characters outside letters, digits,
 *	'-', '_' and '.' never align (CVE-2020-12272 class).
 *
 *	Policy discovery (both models: RFC 9989's DNS tree walk and RFC
 *	7489's Public Suffix List) lives in dmarc_walk.h.
 *
 *	pf_dmarc_domain_syntax_ok() says whether a name is plain DNS label
 *	syntax; pf_dmarc_printable() returns a bounded printable copy of
 *	DNS text (caller frees with g_free()).
 *
 *	pf_from_domain() returns the domain of the single mailbox in the
 *	single From header, read strictly as the From check reads it
 *	(from_parse.h: A-labels, lower case), or NULL when the header is
 *	missing, repeated, ambiguous or not exactly one mailbox with a
 *	domain (the From check reports those).  pf_from_address() returns
 *	local@domain the same way.  Caller frees with g_free().  The reading
 *	is kept with the message (msg->from_address) while no field has been
 *	added to msg->headers since: the DKIM, DMARC and domain checks each
 *	ask, at EOH and at EOM.
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

/* RFC 9989 4.7 psd: y (a public suffix domain), n (an organisational
 * domain), u (unknown, the default) */
typedef enum pf_dmarc_psd {
	PF_DMARC_PSD_U,
	PF_DMARC_PSD_Y,
	PF_DMARC_PSD_N,
} pf_dmarc_psd;

typedef struct pf_dmarc_record {
	pf_dmarc_p p;
	pf_dmarc_p sp;		/* p when absent */
	pf_dmarc_p np;		/* sp when absent (RFC 9989 4.7) */
	bool has_sp;
	bool has_np;
	bool adkim_strict;
	bool aspf_strict;
	unsigned pct;		/* 0..100; RFC 7489 only (RFC 9989 A.6) */
	bool testing;		/* t=y (RFC 9989 4.7) */
	pf_dmarc_psd psd;
} pf_dmarc_record;

int pf_dmarc_parse(const char *txt, pf_dmarc_record *rec, GString *why);
char *pf_dmarc_org_domain(const psl_ctx_t *psl, const char *domain);
bool pf_dmarc_aligned(const psl_ctx_t *psl, const char *from_domain,
		      const char *auth_domain, bool strict);
const char *pf_dmarc_p_name(pf_dmarc_p p);
bool pf_dmarc_domain_syntax_ok(const char *domain);
char *pf_dmarc_printable(const char *text);
char *pf_from_domain(pf_message *msg);
char *pf_from_address(pf_message *msg);
void pf_gmime_init_once(void);

#endif
