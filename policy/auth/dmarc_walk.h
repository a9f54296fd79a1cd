/*
 * NAME
 *	dmarc_walk - DMARC policy discovery and organisational domains: RFC
 *	9989's DNS tree walk and RFC 7489's Public Suffix List
 * SYNOPSIS
 *	#include "auth/dmarc_walk.h"
 *
 *	pf_dmarc_ctx *pf_dmarc_ctx_new(pf_resolver *r, const psl_ctx_t *psl);
 *	void pf_dmarc_ctx_free(pf_dmarc_ctx **c);
 *	const pf_dmarc_query *pf_dmarc_ask(pf_dmarc_ctx *c, const char *name);
 *	const GPtrArray *pf_dmarc_ctx_queries(const pf_dmarc_ctx *c);
 *
 *	pf_dns_status pf_dmarc_tree_walk(pf_dmarc_ctx *c, const char *domain,
 *					 pf_dmarc_walk *w, GString *why);
 *	void pf_dmarc_walk_clear(pf_dmarc_walk *w);
 *	pf_dns_status pf_dmarc_org_domain_of(pf_dmarc_ctx *c,
 *					     pf_dmarc_model m,
 *					     const char *domain,
 *					     const char **org, GString *why);
 *	const char *pf_dmarc_org_known(pf_dmarc_ctx *c, pf_dmarc_model m,
 *				       const char *domain);
 *	pf_dns_status pf_dmarc_domain_exists(pf_dmarc_ctx *c,
 *					     const char *domain,
 *					     bool *exists, GString *why);
 *	pf_dns_status pf_dmarc_discover(pf_dmarc_ctx *c, pf_dmarc_model m,
 *					const char *from_domain,
 *					pf_dmarc_policy *out, GString *why);
 *	pf_dns_status pf_dmarc_align(pf_dmarc_ctx *c, pf_dmarc_model m,
 *				     const char *from_domain,
 *				     const char *auth_domain, bool strict,
 *				     bool *aligned, GString *why);
 *	void pf_dmarc_policy_clear(pf_dmarc_policy *p);
 *	void pf_dmarc_summary(GString *out, pf_dmarc_model m,
 *			      const pf_dmarc_policy *pol, const char *result);
 *	const char *pf_dmarc_model_name(pf_dmarc_model m);
 *	int pf_dmarc_model_parse(const char *text, pf_dmarc_model *m);
 * DESCRIPTION
 *	A pf_dmarc_ctx belongs to one evaluation (one message, one
 *	"preflight dmarc" run): it asks the shared resolver (which caches
 *	for the records' TTLs) and remembers every _dmarc lookup it made, in
 *	order, so that a name asked twice (by the tree walk and by the PSL
 *	model, or by the walks of the From domain and of an SPF or DKIM
 *	domain) costs one lookup.  pf_dmarc_ask() returns the answer for
 *	_dmarc.NAME, owned by the context: status PF_DNS_OK when exactly one
 *	usable v=DMARC1 record is there, PF_DNS_TEMPFAIL (why set), else no
 *	record (nrecords counts the v=DMARC1 records: several, or one that
 *	does not parse, count as none, RFC 9989 4.10 step 2).
 *
 *	pf_dmarc_tree_walk() is the DNS tree walk of RFC 9989 4.10 from
 *	domain: the domain itself, then (at 8 labels or more) the name with
 *	7 labels, then one label less at a time down to the top-level
 *	domain, at most 8 lookups; it stops at a psd=n record, or at a
 *	psd=y one other than at the starting name.  w->org_domain is the
 *	organisational domain by RFC 9989 4.10.2.  A lookup that fails
 *	temporarily ends the walk there (w->failed): the records found so
 *	far decide, as if the top had been reached; only a failure of the
 *	first lookup (the domain's own record) makes the walk
 *	PF_DNS_TEMPFAIL.  The caller clears w with pf_dmarc_walk_clear().
 *
 *	pf_dmarc_org_domain_of() gives the organisational domain by either
 *	model (PSL: the registrable domain, or the domain itself when libpsl
 *	has none), remembered in the context; *org belongs to it.
 *	pf_dmarc_org_known() returns it only when already computed (by
 *	discovery or alignment), else NULL: it never asks the DNS.
 *	pf_dmarc_domain_exists() asks for the domain's A records: NXDOMAIN
 *	means it does not exist (RFC 8020, as RFC 9989 uses it for np).
 *
 *	pf_dmarc_discover() finds the policy for from_domain.  Tree walk
 *	(RFC 9989 4.10.1): the From domain's own record (p); else the
 *	organisational domain's record, else the public suffix domain's
 *	that ended the walk (sp, or np when np differs and the From domain
 *	does not exist).  PSL (RFC 7489 6.6.3): the From domain's record,
 *	where several records end discovery; else the registrable domain's
 *	(sp).  The organisational domain is computed only when discovery
 *	needs it (out->org_domain, else NULL).  PF_DNS_OK with out filled;
 *	PF_DNS_NXDOMAIN for no policy (out->org_domain may still be set);
 *	PF_DNS_TEMPFAIL with a reason.  Clear out with
 *	pf_dmarc_policy_clear().
 *
 *	pf_dmarc_align() says whether auth_domain (the SPF or a DKIM
 *	domain) aligns with from_domain: strict means equal, relaxed means
 *	the same organisational domain by the model.  The tree walk is only
 *	done when the answer is not already known: equal names align, and
 *	names that share no label at the end cannot.
 *
 *	pf_dmarc_summary() appends a short outcome for comparing the models:
 *	the result (pass, fail, none), the tag that applies with its value
 *	(pol NULL: none), and for a failing message whether the policy is
 *	applied one level lower (t=y, pct=0: "lowered") or to a share
 *	("pct=N").
 */
#ifndef PF_DMARC_WALK_H
#define PF_DMARC_WALK_H

#include "auth/dmarc.h"

#define PF_DMARC_WALK_MAX 8	/* RFC 9989 4.10: at most 8 lookups */

typedef enum pf_dmarc_model {
	PF_DMARC_TREEWALK,	/* RFC 9989 */
	PF_DMARC_PSL,		/* RFC 7489 with the Public Suffix List */
} pf_dmarc_model;

typedef struct pf_dmarc_ctx pf_dmarc_ctx;

typedef struct pf_dmarc_query {
	char *name;		/* without _dmarc. */
	pf_dns_status status;	/* OK: one usable record */
	unsigned nrecords;	/* v=DMARC1 records at the name */
	pf_dmarc_record rec;	/* when OK */
	char *text;		/* the record(s), printable, or NULL */
	char *why;		/* temporary failure, or why unusable */
} pf_dmarc_query;

/* How the organisational domain was found (RFC 9989 4.10.2). */
typedef enum pf_dmarc_org_rule {
	PF_DMARC_ORG_SELF,	/* no record on the walk: the domain */
	PF_DMARC_ORG_PSD_N,	/* a psd=n record */
	PF_DMARC_ORG_PSD_Y,	/* one label below a psd=y record */
	PF_DMARC_ORG_FEWEST,	/* the record with the fewest labels */
} pf_dmarc_org_rule;

typedef struct pf_dmarc_walk {
	const pf_dmarc_query *step[PF_DMARC_WALK_MAX];	/* the context's */
	unsigned n;
	const pf_dmarc_query *failed;	/* ended the walk early, or NULL */
	bool psd_stop;			/* ended at a psd=n/psd=y record */
	char *org_domain;
	pf_dmarc_org_rule org_rule;
	const pf_dmarc_query *org_record;	/* decided it, or NULL */
} pf_dmarc_walk;

typedef struct pf_dmarc_policy {
	pf_dmarc_record rec;
	char *domain;		/* where the record was found (without _dmarc) */
	char *text;		/* the record, printable */
	bool inherited;		/* from the organisational or a PSD */
	pf_dmarc_p effective;	/* the value of tag */
	const char *tag;	/* "p", "sp" or "np" */
	bool nonexistent;	/* np applies: the From domain does not exist */
	char *org_domain;	/* when discovery needed it, else NULL */
} pf_dmarc_policy;

pf_dmarc_ctx *pf_dmarc_ctx_new(pf_resolver *r, const psl_ctx_t *psl);
void pf_dmarc_ctx_free(pf_dmarc_ctx **c);
const pf_dmarc_query *pf_dmarc_ask(pf_dmarc_ctx *c, const char *name);
const GPtrArray *pf_dmarc_ctx_queries(const pf_dmarc_ctx *c);

pf_dns_status pf_dmarc_tree_walk(pf_dmarc_ctx *c, const char *domain,
				 pf_dmarc_walk *w, GString *why);
void pf_dmarc_walk_clear(pf_dmarc_walk *w);
pf_dns_status pf_dmarc_org_domain_of(pf_dmarc_ctx *c, pf_dmarc_model m,
				     const char *domain, const char **org,
				     GString *why);
const char *pf_dmarc_org_known(pf_dmarc_ctx *c, pf_dmarc_model m,
			       const char *domain);
pf_dns_status pf_dmarc_domain_exists(pf_dmarc_ctx *c, const char *domain,
				     bool *exists, GString *why);
pf_dns_status pf_dmarc_discover(pf_dmarc_ctx *c, pf_dmarc_model m,
				const char *from_domain, pf_dmarc_policy *out,
				GString *why);
pf_dns_status pf_dmarc_align(pf_dmarc_ctx *c, pf_dmarc_model m,
			     const char *from_domain, const char *auth_domain,
			     bool strict, bool *aligned, GString *why);
void pf_dmarc_policy_clear(pf_dmarc_policy *p);
void pf_dmarc_summary(GString *out, pf_dmarc_model m,
		      const pf_dmarc_policy *pol, const char *result);
const char *pf_dmarc_model_name(pf_dmarc_model m);
int pf_dmarc_model_parse(const char *text, pf_dmarc_model *m);

#endif
