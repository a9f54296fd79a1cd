/*
 * NAME
 *	spf - SPF evaluation (RFC 7208) over the shared resolver
 * SYNOPSIS
 *	#include "auth/spf.h"
 *
 *	pf_spf *pf_spf_new(pf_resolver *resolver, GString *err);
 *	void pf_spf_free(pf_spf **spf);
 *
 *	void pf_spf_eval(pf_spf *spf, const char *ip, const char *sender,
 *			 const char *helo, gint64 deadline_us,
 *			 pf_spf_outcome *out);
 *	void pf_spf_eval_traced(pf_spf *spf, const char *ip,
 *				const char *sender, const char *helo,
 *				gint64 deadline_us, pf_spf_outcome *out,
 *				GPtrArray *trace);
 *	void pf_spf_eval_libspf2(pf_spf *spf, const char *ip,
 *				 const char *sender, const char *helo,
 *				 gint64 deadline_us, pf_spf_outcome *out);
 *	void pf_spf_outcome_clear(pf_spf_outcome *out);
 *	const char *pf_spf_result_name(pf_spf_result res);
 *	char *pf_spf_printable(const char *text);
 *	const char *pf_spf_permerror_fix(pf_spf_problem problem);
 * DESCRIPTION
 *	One pf_spf per configuration, over the configuration's resolver
 *	(resolver.h), so every SPF lookup shares its cache and per-lookup
 *	timeout.
 *
 *	pf_spf_eval() runs RFC 7208's check_host() (spf_eval.c, preflight's
 *	own evaluator) for one IP address (v4 or v6 text) and the sender
 *	address (its domain; "postmaster@HELO" for the null sender) and
 *	fills out (clear it with pf_spf_outcome_clear()): the result, the
 *	top-level record, the deciding term of that record, the DNS-querying
 *	terms and void lookups counted over the whole evaluation, and for
 *	errors the problem and what went wrong (for a lookup limit: the term
 *	that crossed it and the include chain that led there).  The
 *	evaluation stops with a temperror once the deadline (monotonic µs,
 *	0: none) has passed.  out->explanation is the exp= text of a fail,
 *	made printable and bounded: it is the sender's text, and the SPF
 *	check never puts it in a reply.  pf_spf_eval_traced() does the same
 *	and appends one line (char *, indented by depth) per record, term
 *	and decision to trace.
 *
 *	pf_spf_eval_libspf2() evaluates with libspf2 instead (its DNS layer
 *	is the same resolver; it never asks for the obsolete SPF RR type):
 *	a cross-check for tests ("preflight spf-eval --libspf2"), not used
 *	to decide mail.
 *
 *	pf_spf_printable() returns a new copy of text with bytes outside
 *	printable ASCII replaced by "?", at most 450 bytes and "...".
 *	pf_spf_permerror_fix() says what fixes a
 *	record with that problem (static text, for findings and the tool).
 *
 *	Thread-safe: the handle is shared and read-only; each evaluation's
 *	state is its own.
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
	char *explanation;	/* exp= text of a fail, printable, or NULL */
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
void pf_spf_eval_traced(pf_spf *spf, const char *ip, const char *sender,
			const char *helo, gint64 deadline_us,
			pf_spf_outcome *out, GPtrArray *trace);
void pf_spf_eval_libspf2(pf_spf *spf, const char *ip, const char *sender,
			 const char *helo, gint64 deadline_us,
			 pf_spf_outcome *out);
pf_resolver *pf_spf_resolver(const pf_spf *spf);
char *pf_spf_printable(const char *text);
const char *pf_spf_permerror_fix(pf_spf_problem problem);
void pf_spf_outcome_clear(pf_spf_outcome *out);
const char *pf_spf_result_name(pf_spf_result res);

#endif
