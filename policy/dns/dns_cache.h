/*
 * NAME
 *	dns_cache - answers and held failures in front of libunbound
 * SYNOPSIS
 *	#include "dns/dns_cache.h"
 *
 *	pf_dns_cache *pf_dns_cache_new(unsigned max);
 *	void pf_dns_cache_free(pf_dns_cache *c);
 *
 *	pf_dns_cache_hit pf_dns_cache_get(pf_dns_cache *c, const char *key,
 *					  struct ub_result **res, GString *why);
 *	bool pf_dns_cache_has(pf_dns_cache *c, const char *key);
 *	void pf_dns_cache_put(pf_dns_cache *c, const char *key,
 *			      const struct ub_result *res);
 *	void pf_dns_cache_put_failure(pf_dns_cache *c, const char *key,
 *				      const char *why, unsigned hold_ms);
 *	void pf_dns_result_free(struct ub_result *res);
 * DESCRIPTION
 *	The resolver's own cache (resolver.c says why it has one), keyed
 *	by "type/class/name", thread-safe, at most max entries (emptied when
 *	full).
 *
 *	pf_dns_cache_get() gives an unexpired answer as a copy in *res
 *	(PF_DNS_CACHE_ANSWER; the caller frees it with pf_dns_result_free()
 *	or ub_resolve_free()), or a held failure with its reason and age
 *	appended to why (PF_DNS_CACHE_FAILURE), else PF_DNS_CACHE_MISS; an
 *	expired answer is dropped, an expired failure stays until the lookup
 *	fails again, so that its hold can double.  pf_dns_cache_has() says
 *	whether either is there, unexpired, without copying.
 *
 *	pf_dns_cache_put() keeps a copy of res for its TTL (a TTL of 0 keeps
 *	nothing and ends a held failure).  pf_dns_cache_put_failure() holds a
 *	failure (RFC 9520) for hold_ms, or twice its last hold when the same
 *	key fails again within PF_DNS_HOLD_MAX_MS of that hold's end, at most
 *	PF_DNS_HOLD_MAX_MS; a failure already held is left as it is.
 *
 *	pf_dns_result_free() is ub_resolve_free() written out, for
 *	libunbound's results and these copies alike.
 */
#ifndef PF_DNS_CACHE_H
#define PF_DNS_CACHE_H

#include <stdbool.h>

#include <glib.h>
#include <unbound.h>

#define PF_DNS_HOLD_MAX_MS 60000

typedef struct pf_dns_cache pf_dns_cache;

typedef enum {
	PF_DNS_CACHE_MISS,
	PF_DNS_CACHE_ANSWER,
	PF_DNS_CACHE_FAILURE
} pf_dns_cache_hit;

pf_dns_cache *pf_dns_cache_new(unsigned max);
void pf_dns_cache_free(pf_dns_cache *c);
pf_dns_cache_hit pf_dns_cache_get(pf_dns_cache *c, const char *key,
				  struct ub_result **res, GString *why);
bool pf_dns_cache_has(pf_dns_cache *c, const char *key);
void pf_dns_cache_put(pf_dns_cache *c, const char *key,
		      const struct ub_result *res);
void pf_dns_cache_put_failure(pf_dns_cache *c, const char *key,
			      const char *why, unsigned hold_ms);
void pf_dns_result_free(struct ub_result *res);

#endif
