/*
 * NAME
 *	resolver - the one caching DNS resolver every check shares
 * SYNOPSIS
 *	#include "dns/resolver.h"
 *
 *	pf_resolver *pf_resolver_new(const pf_resolver_opts *opts,
 *				     GString *err);
 *	void pf_resolver_free(pf_resolver **r);
 *
 *	pf_dns_status pf_dns_txt(pf_resolver *r, const char *name,
 *				 GPtrArray **out, GString *why);
 *	pf_dns_status pf_dns_query(pf_resolver *r, const char *name,
 *				   int rrtype, int rrclass,
 *				   struct ub_result **res, GString *why);
 *	void pf_dns_prefetch(pf_resolver *r, const char *name, int rrtype,
 *			     int rrclass);
 *	const char *pf_dns_status_name(pf_dns_status st);
 *	const char *pf_dns_type_name(int rrtype, char buf[16]);
 *	int pf_dns_type_number(const char *name);
 *	unsigned long pf_resolver_queries_sent(const pf_resolver *r);
 *	unsigned long pf_resolver_cache_hits(const pf_resolver *r);
 *	unsigned pf_resolver_timeout_ms(const pf_resolver *r);
 *	char *pf_dns_wire_name(const unsigned char *data, int len);
 *
 *	int pf_dns_configure(pf_config *cfg, GString *err);
 *	pf_resolver *pf_config_resolver(pf_config *cfg);
 * DESCRIPTION
 *	A thin layer over one libunbound context (in-process cache that
 *	honours TTLs; optional DNSSEC validation).  One resolver belongs to
 *	one configuration: every reload builds its own.  All lookups are
 *	thread-safe and bounded: each returns within opts->timeout_ms
 *	(plus scheduling slack) whatever the upstream does.
 *
 *	opts->upstreams is a list of "address[@port]" separated by blanks
 *	or commas (forwarders for every name); NULL or empty with no
 *	config_file means the system's /etc/resolv.conf.  config_file is an
 *	unbound.conf(5)-style file read with ub_ctx_config() (tests use it
 *	for `local-zone: "test." nodefault` and forward-zones);
 *	trust_anchor_file turns DNSSEC validation on (bogus answers are
 *	temporary failures).  timeout_ms 0 means 5000.  A lookup that
 *	fails (timeout, SERVFAIL, DNSSEC) is held hold_ms (0 means 5000),
 *	doubling while it keeps failing, at most 60 s (RFC 9520): asked
 *	again within its hold it fails at once, why saying it was held.
 *
 *	pf_dns_txt() returns the TXT records of name, each record's strings
 *	concatenated, as a GPtrArray of NUL-terminated char * that the
 *	caller frees with g_ptr_array_unref(); *out is NULL unless the
 *	status is PF_DNS_OK.  A record with an embedded NUL byte is kept up
 *	to that byte.
 *
 *	pf_dns_query() gives the raw libunbound result for any type; the
 *	caller frees *res with ub_resolve_free(); *res is NULL on
 *	PF_DNS_TEMPFAIL.
 *
 *	pf_dns_prefetch() starts a lookup that a check will ask for later
 *	and returns at once: when its answer comes (to whichever thread next
 *	runs libunbound's results) it goes into the cache, where the later
 *	pf_dns_query() finds it; asked before it came, libunbound joins the
 *	two to the one query in flight.  A failure is not kept: the later
 *	lookup meets it, reports it and holds it.  Nothing is started for a
 *	name already cached (answer or held failure), nor past
 *	PF_DNS_PREFETCH_MAX (256) prefetches in flight.  Not counted by
 *	pf_resolver_queries_sent().
 *
 *	pf_resolver_queries_sent() counts every lookup asked of the
 *	resolver; pf_resolver_cache_hits() those answered from its own cache
 *	(valid for the record's TTL) without asking libunbound, held failures
 *	among them.  Tests prove
 *	the caches with the server's counters.
 *
 *	pf_dns_type_name() names a record type ("TXT", "MX"; others as
 *	RFC 3597's "TYPE99", written into buf) for reasons people read;
 *	pf_dns_type_number() is the reverse, any case, or atoi() of name.
 *
 *	pf_dns_wire_name() returns the text of a name in uncompressed wire
 *	format (the rdata of MX and PTR answers, which libunbound hands over
 *	uncompressed), new; it stops at a compression pointer or a label that
 *	runs past len.
 *
 *	pf_dns_configure() builds cfg->dns.resolver from the [dns] keys at
 *	configuration load; pf_config_resolver() returns it, building it on
 *	first use for a configuration that was not loaded from a file.
 * DIAGNOSTICS
 *	PF_DNS_TEMPFAIL with a reason in why ("timed out after 5000 ms",
 *	"SERVFAIL", "DNSSEC validation failed: ...").  pf_resolver_new()
 *	returns NULL with a reason in err.
 */
#ifndef PF_RESOLVER_H
#define PF_RESOLVER_H

#include <glib.h>
#include <unbound.h>

#include "core/config.h"

typedef struct pf_resolver pf_resolver;

typedef enum {
	PF_DNS_OK,
	PF_DNS_NXDOMAIN,
	PF_DNS_NODATA,
	PF_DNS_TEMPFAIL
} pf_dns_status;

typedef struct pf_resolver_opts {
	const char *upstreams;
	const char *config_file;
	const char *trust_anchor_file;
	unsigned timeout_ms;
	unsigned hold_ms;	/* a failure's first hold; 0: 5000 */
} pf_resolver_opts;

pf_resolver *pf_resolver_new(const pf_resolver_opts *opts, GString *err);
void pf_resolver_free(pf_resolver **r);

pf_dns_status pf_dns_txt(pf_resolver *r, const char *name, GPtrArray **out,
			 GString *why);
pf_dns_status pf_dns_query(pf_resolver *r, const char *name, int rrtype,
			   int rrclass, struct ub_result **res, GString *why);
void pf_dns_prefetch(pf_resolver *r, const char *name, int rrtype,
		     int rrclass);
const char *pf_dns_status_name(pf_dns_status st);
const char *pf_dns_type_name(int rrtype, char buf[16]);
int pf_dns_type_number(const char *name);
unsigned long pf_resolver_queries_sent(const pf_resolver *r);
unsigned long pf_resolver_cache_hits(const pf_resolver *r);
unsigned pf_resolver_timeout_ms(const pf_resolver *r);
char *pf_dns_wire_name(const unsigned char *data, int len);

int pf_dns_configure(pf_config *cfg, GString *err);
pf_resolver *pf_config_resolver(pf_config *cfg);

#endif
