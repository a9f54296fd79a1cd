/*
 * NAME
 *	spf - SPF evaluation with libspf2 over the shared resolver
 * SYNOPSIS
 *	#include "auth/spf.h"
 *
 *	pf_spf *pf_spf_new(pf_resolver *resolver, GString *err);
 *	void pf_spf_free(pf_spf **spf);
 *
 *	void pf_spf_eval(pf_spf *spf, const char *ip, const char *sender,
 *			 const char *helo, gint64 deadline_us,
 *			 pf_spf_outcome *out);
 *	void pf_spf_outcome_clear(pf_spf_outcome *out);
 *	const char *pf_spf_result_name(pf_spf_result res);
 * DESCRIPTION
 *	One pf_spf per configuration: a libspf2 SPF_server_t whose DNS layer
 *	is the configuration's resolver (resolver.h), so every SPF lookup
 *	shares its cache and per-lookup timeout.  The layer never asks for
 *	the obsolete SPF RR type, counts the DNS-querying lookups and the
 *	void lookups (NXDOMAIN or no data) of each evaluation, and stops
 *	asking the network once the RFC 7208 void limit (2) is exceeded or
 *	the evaluation's deadline (monotonic µs, 0: none) has passed.
 *
 *	pf_spf_eval() checks one IP address (v4 or v6 text) for the sender
 *	address (its domain; "postmaster@HELO" for the null sender) and
 *	fills out (clear it with pf_spf_outcome_clear()).  Everything it
 *	needs from libspf2 is copied; the SPF_response_t is freed exactly
 *	once inside.  The SPF exp= explanation is never copied: it is the
 *	sender's text.
 *
 *	Thread-safe: the SPF server is shared and read-only; the per-call
 *	counters live in a thread-local pointer valid only during the call.
 */
#ifndef PF_SPF_H
#define PF_SPF_H

#include <stdbool.h>
#include <glib.h>

#include "dns/resolver.h"

typedef struct pf_spf pf_spf;

typedef enum pf_spf_result {
	PF_SPF_NONE,
	PF_SPF_NEUTRAL,
	PF_SPF_PASS,
	PF_SPF_FAIL,
	PF_SPF_SOFTFAIL,
	PF_SPF_TEMPERROR,
	PF_SPF_PERMERROR,
} pf_spf_result;

typedef enum pf_spf_problem {
	PF_SPF_OK = 0,
	PF_SPF_TOO_MANY_LOOKUPS,	/* > 10 DNS-querying terms */
	PF_SPF_VOID_LOOKUPS,		/* > 2 void lookups */
	PF_SPF_MULTIPLE_RECORDS,	/* several v=spf1 */
	PF_SPF_SYNTAX,			/* other permerror */
	PF_SPF_DNS,			/* temperror */
} pf_spf_problem;

typedef struct pf_spf_outcome {
	pf_spf_result result;
	pf_spf_problem problem;
	char *domain;		/* the domain evaluated */
	char *record;		/* its v=spf1 record, or NULL */
	unsigned n_records;	/* v=spf1 records at domain */
	char *mechanism;	/* the term that decided, when known */
	char *error;		/* what went wrong (libspf2 or DNS), or NULL */
	unsigned dns_lookups;	/* DNS-querying terms */
	unsigned void_lookups;
} pf_spf_outcome;

/* What the SPF check leaves in msg->state[PF_CHECK_SPF] for DMARC. */
typedef struct pf_spf_state {
	pf_spf_result result;	/* the worst over every egress IP */
	char *domain;		/* the domain checked (MAIL FROM or HELO) */
	bool helo_identity;	/* domain came from HELO (null sender) */
	char *ips;		/* the egress IPs that did not pass */
} pf_spf_state;

void pf_spf_state_free(void *state);

pf_spf *pf_spf_new(pf_resolver *resolver, GString *err);
void pf_spf_free(pf_spf **spf);
void pf_spf_eval(pf_spf *spf, const char *ip, const char *sender,
		 const char *helo, gint64 deadline_us, pf_spf_outcome *out);
void pf_spf_outcome_clear(pf_spf_outcome *out);
const char *pf_spf_result_name(pf_spf_result res);

#endif
