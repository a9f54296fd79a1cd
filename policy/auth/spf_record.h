/*
 * NAME
 *	spf_record - an SPF record parsed and checked against RFC 7208's
 *	grammar, and macro expansion (for spf_eval.c)
 * SYNOPSIS
 *	#include "auth/spf_record.h"
 *
 *	bool pf_spf_is_v1(const char *txt);
 *	spf_record *spf_record_parse(const char *txt, GString *why);
 *	void spf_record_free(spf_record **rec);
 *
 *	int spf_macro_check(const char *s, bool exp_text, GString *why);
 *	char *spf_expand(const char *spec, const spf_macro_env *env,
 *			 bool domain, GString *why);
 *	bool spf_domain_valid(const char *name, bool multi_label);
 * DESCRIPTION
 *	spf_record_parse() checks the whole record first (RFC 7208 4.6: any
 *	syntax error anywhere makes the record a permerror before a term is
 *	evaluated): terms separated by spaces, known mechanisms with their
 *	arguments (ip4/ip6 networks, dual CIDR lengths without leading
 *	zeros, domain-specs ending in a top label or a macro, section 7.1
 *	macro syntax), modifiers named name=value with redirect and exp at
 *	most once each (section 6), printable ASCII only.  It returns a new
 *	record, or NULL with the reason in why.
 *
 *	spf_macro_check() checks a macro-string (exp_text: an explanation,
 *	where spaces and the c, r and t macros are allowed).  spf_expand()
 *	expands one (section 7.3, 7.4): letters, digit and r transformers,
 *	delimiters, upper-case letters URL-escaped; with domain, a trailing
 *	dot is dropped and a name over 253 bytes loses labels on its left.
 *	It returns a new string, or NULL with the reason in why (a %{p}
 *	lookup the environment's callback could not make).
 *
 *	spf_domain_valid(): every label 1-63 bytes, at most 253 in all, and
 *	with multi_label, at least two labels (section 4.3).
 */
#ifndef PF_SPF_RECORD_H
#define PF_SPF_RECORD_H

#include <stdbool.h>
#include <glib.h>

typedef enum spf_mech {
	SPF_M_ALL,
	SPF_M_INCLUDE,
	SPF_M_A,
	SPF_M_MX,
	SPF_M_PTR,
	SPF_M_IP4,
	SPF_M_IP6,
	SPF_M_EXISTS,
} spf_mech;

typedef struct spf_term {
	char qualifier;		/* '+', '-', '~' or '?' */
	spf_mech mech;
	char *spec;		/* domain-spec as written, or NULL */
	unsigned char net[16];	/* ip4 (first 4 bytes) / ip6 network */
	int cidr4, cidr6;	/* prefix lengths: 32 and 128 unless given */
	char *text;		/* the term as written */
} spf_term;

typedef struct spf_record {
	GPtrArray *terms;	/* spf_term *, mechanisms in order */
	char *redirect;		/* domain-spec, or NULL */
	char *exp;		/* domain-spec, or NULL */
} spf_record;

/* What macros expand to, for one check_host() call. */
typedef struct spf_macro_env {
	const char *sender;	/* s: local@domain */
	const char *local;	/* l */
	const char *sender_domain; /* o */
	const char *domain;	/* d: the current domain */
	const char *ip_macro;	/* i: dotted quad or dotted nibbles */
	const char *ip_text;	/* c: the address as text */
	bool v6;		/* v: "ip6" or "in-addr" */
	const char *helo;	/* h */
	/* p: the validated name; called once, may return NULL ("unknown") */
	char *(*validated_name)(void *arg, const char *domain);
	void *arg;
} spf_macro_env;

bool pf_spf_is_v1(const char *txt);
spf_record *spf_record_parse(const char *txt, GString *why);
void spf_record_free(spf_record **rec);
const char *spf_mech_name(spf_mech m);

int spf_macro_check(const char *s, bool exp_text, GString *why);
char *spf_expand(const char *spec, const spf_macro_env *env, bool domain,
		 GString *why);
bool spf_domain_valid(const char *name, bool multi_label);

#endif
