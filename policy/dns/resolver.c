/*
 * NAME
 *	resolver - the one caching DNS resolver every check shares
 *	(see resolver.h)
 * DESCRIPTION
 *	libunbound runs its resolving in a background thread
 *	(ub_ctx_async(ctx, 1)); lookups are started with ub_resolve_async()
 *	and their answers delivered by ub_process() when ub_fd() is
 *	readable.  Several threads wait at once: whoever holds the
 *	"processing" token polls the fd and runs ub_process(), whose
 *	callbacks mark the matching lookup done and wake every waiter; the
 *	others sleep on a condition variable.  A lookup past its deadline
 *	is cancelled by a thread holding the token, so no callback can run
 *	for it afterwards and its state can be freed: by its own thread
 *	when the token is free, else it is left on the abandoned list for
 *	the token holder (so a timed-out caller never waits for another
 *	thread's poll).
 *
 *	Answers also go into a small cache (dns_cache.c) in front of
 *	libunbound, kept for the record's TTL: libunbound's own cache lives
 *	in its background thread, and asking it costs two thread hand-offs,
 *	a pipe and a poll per lookup.  Measured with bench/ (small messages,
 *	every check, the milter's own CPU time): about 1,840 us a message
 *	without this cache, 1,560 with it.  The cache holds at most
 *	PF_DNS_CACHE_MAX entries and is emptied when full.
 *
 *	Resolution failures (a timeout, SERVFAIL or another error rcode, a
 *	DNSSEC failure) are held too, as RFC 9520 asks: for hold_ms (5 s),
 *	doubled each time the same lookup fails again within a minute of its
 *	hold's end, up to PF_DNS_HOLD_MAX_MS (60 s; the RFC allows 5 min).
 *	Without it every message waited the whole timeout while a server
 *	was down (measured: 5 s each at MAIL FROM); with it the first one
 *	does and the others get the same temporary failure at once, its
 *	reason saying that it was held.  An answer replaces the failure.
 *
 *	A prefetch is a lookup nobody waits for: its pending is listed in
 *	r->prefetches until its callback (run by the token holder, as any)
 *	puts the answer into the cache and frees it; ub_ctx_delete() runs no
 *	callback after it, so what is still listed then is freed with the
 *	resolver.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "dns/dns_cache.h"
#include "dns/resolver.h"

#define PF_DNS_DEFAULT_TIMEOUT_MS 5000
#define PF_DNS_POLL_SLICE_MS 100
#define PF_DNS_CACHE_MAX 4096
#define PF_DNS_DEFAULT_HOLD_MS 5000

struct pf_resolver {
	struct ub_ctx *ctx;
	unsigned timeout_ms;
	unsigned hold_ms;	/* a failure's first hold */
	GMutex lock;		/* processing, pending->done */
	GCond cond;		/* a lookup completed or the token was freed */
	bool processing;	/* someone is polling and running ub_process */
	GPtrArray *abandoned;	/* pending, timed out, to cancel and free */
	gint lookups;		/* atomic: every pf_dns_query() */
	gint hits;		/* atomic: answered from the cache */
	GPtrArray *prefetches;	/* pending, started by pf_dns_prefetch() */
	pf_dns_cache *cache;	/* in front of libunbound's */
};

typedef struct pending {
	pf_resolver *r;
	int async_id;
	bool done;
	int err;
	struct ub_result *result;
	char *key;		/* a prefetch's cache key; NULL otherwise */
} pending;

/* At most this many prefetches in flight: a dead server cannot grow them. */
#define PF_DNS_PREFETCH_MAX 256

/* Serialises lazy creation in pf_config_resolver(). */
static GMutex lazy_lock;

static pf_dns_status classify(struct ub_result *res, const char *name,
			      int rrtype, GString *why);

/*
 * A prefetch's answer, in whichever thread runs ub_process(): into the
 * cache when it is one (a failure is left for the lookup that follows to
 * find, report and hold), then freed.
 */
static void
on_prefetched(pending *p, int err, struct ub_result *result)
{
	pf_resolver *r = p->r;

	g_mutex_lock(&r->lock);
	(void)g_ptr_array_remove_fast(r->prefetches, p);
	g_mutex_unlock(&r->lock);
	if (err == 0 && result != NULL) {
		GString *why = g_string_new(NULL);

		if (classify(result, result->qname, result->qtype, why) !=
		    PF_DNS_TEMPFAIL)
			pf_dns_cache_put(r->cache, p->key, result);
		g_string_free(why, TRUE);
	}
	ub_resolve_free(result);
	g_free(p->key);
	g_free(p);
}

static void
on_answer(void *arg, int err, struct ub_result *result)
{
	pending *p = arg;

	if (p->key) {
		on_prefetched(p, err, result);
		return;
	}
	g_mutex_lock(&p->r->lock);
	p->err = err;
	p->result = result;
	p->done = true;
	g_cond_broadcast(&p->r->cond);
	g_mutex_unlock(&p->r->lock);
}

static int
add_upstreams(struct ub_ctx *ctx, const char *list, GString *err)
{
	gchar **words = g_strsplit_set(list, " \t,", -1);
	int rc = 0, n = 0;

	for (gchar **w = words; *w; w++) {
		int ub;

		if (**w == '\0')
			continue;
		if ((ub = ub_ctx_set_fwd(ctx, *w)) != 0) {
			g_string_append_printf(err, "upstream \"%s\": %s", *w,
					       ub_strerror(ub));
			rc = -1;
			break;
		}
		n++;
	}
	g_strfreev(words);
	return rc < 0 ? -1 : n;
}

pf_resolver *
pf_resolver_new(const pf_resolver_opts *opts, GString *err)
{
	pf_resolver_opts none = {0};
	pf_resolver *r;
	int ub, n = 0;

	if (opts == NULL)
		opts = &none;
	r = g_new0(pf_resolver, 1);
	r->abandoned = g_ptr_array_new();
	r->prefetches = g_ptr_array_new();
	g_mutex_init(&r->lock);
	r->cache = pf_dns_cache_new(PF_DNS_CACHE_MAX);
	g_cond_init(&r->cond);
	r->timeout_ms = opts->timeout_ms ? opts->timeout_ms :
	    PF_DNS_DEFAULT_TIMEOUT_MS;
	r->hold_ms = opts->hold_ms ? MIN(opts->hold_ms, PF_DNS_HOLD_MAX_MS) :
	    PF_DNS_DEFAULT_HOLD_MS;
	if ((r->ctx = ub_ctx_create()) == NULL) {
		g_string_append(err, "cannot create a libunbound context");
		goto fail;
	}
	if ((ub = ub_ctx_async(r->ctx, 1)) != 0) {
		g_string_append_printf(err, "libunbound threads: %s",
				       ub_strerror(ub));
		goto fail;
	}
	if (opts->config_file && *opts->config_file &&
	    (ub = ub_ctx_config(r->ctx, opts->config_file)) != 0) {
		g_string_append_printf(err, "%s: %s%s%s", opts->config_file,
		    ub_strerror(ub), ub == UB_SYNTAX ? "" : ": ",
		    ub == UB_SYNTAX ? "" : g_strerror(errno));
		goto fail;
	}
	if (opts->upstreams && *opts->upstreams &&
	    (n = add_upstreams(r->ctx, opts->upstreams, err)) < 0)
		goto fail;
	if (n == 0 && !(opts->config_file && *opts->config_file) &&
	    (ub = ub_ctx_resolvconf(r->ctx, NULL)) != 0) {
		g_string_append_printf(err, "/etc/resolv.conf: %s",
				       ub_strerror(ub));
		goto fail;
	}
	if (opts->trust_anchor_file && *opts->trust_anchor_file &&
	    (ub = ub_ctx_add_ta_file(r->ctx, opts->trust_anchor_file)) != 0) {
		g_string_append_printf(err, "%s: %s", opts->trust_anchor_file,
				       ub_strerror(ub));
		goto fail;
	}
	return r;
fail:
	pf_resolver_free(&r);
	return NULL;
}

void
pf_resolver_free(pf_resolver **rp)
{
	pf_resolver *r;

	if (rp == NULL || (r = *rp) == NULL)
		return;
	*rp = NULL;
	if (r->ctx)
		ub_ctx_delete(r->ctx);	/* no callback runs after this */
	for (guint i = 0; i < r->abandoned->len; i++) {
		pending *p = r->abandoned->pdata[i];

		ub_resolve_free(p->result);
		g_free(p);
	}
	g_ptr_array_free(r->abandoned, TRUE);
	for (guint i = 0; i < r->prefetches->len; i++) {
		pending *p = r->prefetches->pdata[i];

		g_free(p->key);
		g_free(p);
	}
	g_ptr_array_free(r->prefetches, TRUE);
	pf_dns_cache_free(r->cache);
	g_mutex_clear(&r->lock);
	g_cond_clear(&r->cond);
	g_free(r);
}

const char *
pf_dns_status_name(pf_dns_status st)
{
	switch (st) {
	case PF_DNS_OK: return "ok";
	case PF_DNS_NXDOMAIN: return "nxdomain";
	case PF_DNS_NODATA: return "nodata";
	case PF_DNS_TEMPFAIL: return "tempfail";
	}
	return "unknown";
}

unsigned long
pf_resolver_queries_sent(const pf_resolver *r)
{
	return r ? (unsigned long)(guint)g_atomic_int_get(&r->lookups) : 0;
}

unsigned long
pf_resolver_cache_hits(const pf_resolver *r)
{
	return r ? (unsigned long)(guint)g_atomic_int_get(&r->hits) : 0;
}

unsigned
pf_resolver_timeout_ms(const pf_resolver *r)
{
	return r ? r->timeout_ms : 0;
}

/* Run ub_process() once if the fd becomes readable within wait_ms. */
static void
process_once(pf_resolver *r, int wait_ms)
{
	struct pollfd pfd = {.fd = ub_fd(r->ctx), .events = POLLIN};

	if (poll(&pfd, 1, wait_ms) > 0)
		(void)ub_process(r->ctx);
}

/* With the token and r->lock held: cancel and free abandoned lookups. */
static void
reap_abandoned(pf_resolver *r)
{
	for (guint i = 0; i < r->abandoned->len; i++) {
		pending *p = r->abandoned->pdata[i];

		if (!p->done)
			(void)ub_cancel(r->ctx, p->async_id);
		ub_resolve_free(p->result);
		g_free(p);
	}
	g_ptr_array_set_size(r->abandoned, 0);
}

/*
 * Wait for p until the deadline (monotonic us).  Returns with r->lock
 * held; true when p is done.  On timeout p is cancelled and freed, now
 * or by the token holder, and must not be touched again.
 */
static bool
wait_for(pf_resolver *r, pending *p, gint64 deadline)
{
	g_mutex_lock(&r->lock);
	for (;;) {
		gint64 now = g_get_monotonic_time();

		if (p->done)
			return true;
		if (now >= deadline)
			break;
		if (!r->processing) {
			gint64 left_ms = (deadline - now + 999) / 1000;

			r->processing = true;
			g_mutex_unlock(&r->lock);
			process_once(r, (int)MIN(left_ms,
						 PF_DNS_POLL_SLICE_MS));
			g_mutex_lock(&r->lock);
			reap_abandoned(r);
			r->processing = false;
			g_cond_broadcast(&r->cond);
		} else {
			g_cond_wait_until(&r->cond, &r->lock,
			    MIN(deadline, now + (gint64)PF_DNS_POLL_SLICE_MS * 1000));
		}
	}
	g_ptr_array_add(r->abandoned, p);
	if (!r->processing)
		reap_abandoned(r);	/* nobody runs ub_process: safe */
	return false;
}

static const struct {
	int type;
	const char *name;
} rr_types[] = {
	{1, "A"}, {2, "NS"}, {5, "CNAME"}, {6, "SOA"}, {12, "PTR"},
	{15, "MX"}, {16, "TXT"}, {28, "AAAA"},
};

const char *
pf_dns_type_name(int rrtype, char buf[16])
{
	for (size_t i = 0; i < G_N_ELEMENTS(rr_types); i++)
		if (rr_types[i].type == rrtype)
			return rr_types[i].name;
	g_snprintf(buf, 16, "TYPE%d", rrtype);
	return buf;
}

int
pf_dns_type_number(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(rr_types); i++)
		if (g_ascii_strcasecmp(rr_types[i].name, name) == 0)
			return rr_types[i].type;
	return atoi(name);
}

static pf_dns_status
classify(struct ub_result *res, const char *name, int rrtype, GString *why)
{
	if (res->bogus) {
		g_string_append_printf(why, "DNSSEC validation failed for %s"
		    "%s%s", name, res->why_bogus ? ": " : "",
		    res->why_bogus ? res->why_bogus : "");
		return PF_DNS_TEMPFAIL;
	}
	if (res->nxdomain || res->rcode == 3)
		return PF_DNS_NXDOMAIN;
	if (res->rcode != 0) {
		static const char *const rcodes[] = {"NOERROR", "FORMERR",
		    "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
		char t[16];

		if ((unsigned)res->rcode < G_N_ELEMENTS(rcodes))
			g_string_append_printf(why, "%s looking up %s %s",
			    rcodes[res->rcode], pf_dns_type_name(rrtype, t), name);
		else
			g_string_append_printf(why, "rcode %d looking up %s %s",
			    res->rcode, pf_dns_type_name(rrtype, t), name);
		return PF_DNS_TEMPFAIL;
	}
	return res->havedata ? PF_DNS_OK : PF_DNS_NODATA;
}

/* A name a lookup may ask for: not empty, at most 253 octets. */
static bool
name_ok(const char *name)
{
	return name != NULL && *name != '\0' && strlen(name) <= 253;
}

/* The cache's key for a lookup: pf_dns_prefetch() must make query's. */
static char *
cache_key(const char *name, int rrtype, int rrclass)
{
	return g_strdup_printf("%d/%d/%s", rrtype, rrclass, name);
}

void
pf_dns_prefetch(pf_resolver *r, const char *name, int rrtype, int rrclass)
{
	pending *p;
	char *key;

	if (r == NULL || !name_ok(name))
		return;
	key = cache_key(name, rrtype, rrclass);
	if (pf_dns_cache_has(r->cache, key)) {
		g_free(key);
		return;
	}
	g_mutex_lock(&r->lock);
	if (r->prefetches->len >= PF_DNS_PREFETCH_MAX) {
		g_mutex_unlock(&r->lock);
		g_free(key);
		return;
	}
	p = g_new0(pending, 1);
	p->r = r;
	p->key = key;
	/* listed first: another thread's ub_process() may answer it at once */
	g_ptr_array_add(r->prefetches, p);
	g_mutex_unlock(&r->lock);
	if (ub_resolve_async(r->ctx, name, rrtype, rrclass, p, on_answer,
			     &p->async_id) != 0) {	/* no callback comes */
		g_mutex_lock(&r->lock);
		(void)g_ptr_array_remove_fast(r->prefetches, p);
		g_mutex_unlock(&r->lock);
		g_free(key);
		g_free(p);
	}
}

pf_dns_status
pf_dns_query(pf_resolver *r, const char *name, int rrtype, int rrclass,
	     struct ub_result **res, GString *why)
{
	pending *p;
	int ub;
	gint64 start = g_get_monotonic_time();
	pf_dns_status st;
	g_autofree char *key = NULL;
	size_t why0 = why->len;		/* this lookup's reason from here */
	char t[16];
	pf_dns_cache_hit hit;

	*res = NULL;
	if (r == NULL) {
		g_string_append(why, "no resolver configured");
		return PF_DNS_TEMPFAIL;
	}
	if (!name_ok(name)) {
		g_string_append(why, "invalid domain name");
		return PF_DNS_NXDOMAIN;
	}
	g_atomic_int_inc(&r->lookups);
	pf_metrics_dns(PF_METRICS_DNS_LOOKUP);
	key = cache_key(name, rrtype, rrclass);
	if ((hit = pf_dns_cache_get(r->cache, key, res, why)) !=
	    PF_DNS_CACHE_MISS) {
		g_atomic_int_inc(&r->hits);
		pf_metrics_dns(PF_METRICS_DNS_CACHE_HIT);
		/* an answer reads as when it was cached: never a tempfail */
		return hit == PF_DNS_CACHE_ANSWER ?
		    classify(*res, name, rrtype, why) : PF_DNS_TEMPFAIL;
	}
	p = g_new0(pending, 1);
	p->r = r;
	ub = ub_resolve_async(r->ctx, name, rrtype, rrclass, p, on_answer,
			      &p->async_id);
	if (ub == UB_SYNTAX) {		/* not a valid name: cannot exist */
		g_string_append_printf(why, "\"%s\" is not a valid domain "
				       "name", name);
		g_free(p);
		return PF_DNS_NXDOMAIN;
	}
	if (ub != 0) {
		pf_metrics_dns(PF_METRICS_DNS_FAILURE);
		g_string_append_printf(why, "cannot look up %s: %s", name,
				       ub_strerror(ub));
		g_free(p);
		return PF_DNS_TEMPFAIL;
	}
	if (!wait_for(r, p, start + (gint64)r->timeout_ms * 1000)) {
		g_mutex_unlock(&r->lock);
		pf_metrics_dns(PF_METRICS_DNS_TIMEOUT);
		g_string_append_printf(why, "lookup of %s %s timed out after "
		    "%u ms", pf_dns_type_name(rrtype, t), name, r->timeout_ms);
		pf_dns_cache_put_failure(r->cache, key, why->str + why0,
		    r->hold_ms);
		return PF_DNS_TEMPFAIL;
	}
	g_mutex_unlock(&r->lock);
	if (p->err == UB_SYNTAX) {	/* not a valid name: cannot exist */
		g_string_append_printf(why, "\"%s\" is not a valid domain "
				       "name", name);
		ub_resolve_free(p->result);
		g_free(p);
		return PF_DNS_NXDOMAIN;
	}
	if (p->err != 0 || p->result == NULL) {
		pf_metrics_dns(PF_METRICS_DNS_FAILURE);
		g_string_append_printf(why, "lookup of %s %s failed: %s",
		    pf_dns_type_name(rrtype, t), name, ub_strerror(p->err));
		pf_dns_cache_put_failure(r->cache, key, why->str + why0,
		    r->hold_ms);
		ub_resolve_free(p->result);
		g_free(p);
		return PF_DNS_TEMPFAIL;
	}
	st = classify(p->result, name, rrtype, why);
	if (st == PF_DNS_TEMPFAIL) {
		pf_metrics_dns(PF_METRICS_DNS_FAILURE);
		pf_dns_cache_put_failure(r->cache, key, why->str + why0,
		    r->hold_ms);
		ub_resolve_free(p->result);
	} else {
		pf_dns_cache_put(r->cache, key, p->result);
		*res = p->result;
	}
	g_free(p);
	return st;
}

pf_dns_status
pf_dns_txt(pf_resolver *r, const char *name, GPtrArray **out, GString *why)
{
	struct ub_result *res;
	pf_dns_status st;
	GPtrArray *txt;

	*out = NULL;
	st = pf_dns_query(r, name, 16 /* TXT */, 1 /* IN */, &res, why);
	if (st != PF_DNS_OK) {
		pf_dns_result_free(res);	/* libunbound's or a copy */
		return st;
	}
	txt = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; res->data[i] != NULL; i++) {
		const unsigned char *d = (const unsigned char *)res->data[i];
		int len = res->len[i], pos = 0;
		GString *s = g_string_new(NULL);

		while (pos < len) {
			int n = d[pos++];

			if (n > len - pos)
				n = len - pos;
			g_string_append_len(s, (const char *)d + pos, n);
			pos += n;
		}
		/* stops at an embedded NUL, as documented */
		g_ptr_array_add(txt, g_string_free(s, FALSE));
	}
	pf_dns_result_free(res);	/* libunbound's or a copy */
	if (txt->len == 0) {
		g_ptr_array_unref(txt);
		return PF_DNS_NODATA;
	}
	*out = txt;
	return PF_DNS_OK;
}

static pf_resolver *
resolver_from_config(const pf_config *cfg, GString *err)
{
	pf_resolver_opts o = {
		.upstreams = cfg->dns.upstreams,
		.config_file = cfg->dns.config_file,
		.trust_anchor_file = cfg->dns.trust_anchor_file,
		.timeout_ms = (unsigned)cfg->dns.timeout,
	};

	return pf_resolver_new(&o, err);
}

int
pf_dns_configure(pf_config *cfg, GString *err)
{
	GString *why = g_string_new(NULL);

	cfg->dns.resolver = resolver_from_config(cfg, why);
	if (cfg->dns.resolver == NULL)
		g_string_append_printf(err, "%s: [dns]: %s\n",
		    cfg->path ? cfg->path : "(defaults)", why->str);
	g_string_free(why, TRUE);
	return cfg->dns.resolver ? 0 : -1;
}

pf_resolver *
pf_config_resolver(pf_config *cfg)
{
	pf_resolver *r = g_atomic_pointer_get(&cfg->dns.resolver);
	GString *why;

	if (r != NULL)
		return r;
	g_mutex_lock(&lazy_lock);
	if ((r = cfg->dns.resolver) == NULL) {
		why = g_string_new(NULL);
		if ((r = resolver_from_config(cfg, why)) == NULL)
			pf_error("DNS resolver: %s", why->str);
		else
			g_atomic_pointer_set(&cfg->dns.resolver, r);
		g_string_free(why, TRUE);
	}
	g_mutex_unlock(&lazy_lock);
	return r;
}

/* A domain name in uncompressed wire format at d[0..len) into text. */
char *
pf_dns_wire_name(const unsigned char *d, int len)
{
	GString *s = g_string_new(NULL);
	int pos = 0;

	while (pos < len && d[pos] != 0) {
		int n = d[pos++];

		if (n > 63 || n > len - pos)	/* compressed or broken */
			break;
		if (s->len)
			g_string_append_c(s, '.');
		g_string_append_len(s, (const char *)d + pos, n);
		pos += n;
	}
	return g_string_free(s, FALSE);
}
