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
 *	Answers also go into a small cache in front of libunbound, kept
 *	for the record's TTL: libunbound's own cache lives in its
 *	background thread, and asking it costs two thread hand-offs, a
 *	pipe and a poll per lookup.  Measured with bench/ (small messages,
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
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/metrics.h"
#include "dns/resolver.h"

#define PF_DNS_DEFAULT_TIMEOUT_MS 5000
#define PF_DNS_POLL_SLICE_MS 100
#define PF_DNS_CACHE_MAX 4096
#define PF_DNS_DEFAULT_HOLD_MS 5000
#define PF_DNS_HOLD_MAX_MS 60000

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
	GMutex cache_lock;
	GHashTable *cache;	/* "type/class/name" -> cached * */
};

typedef struct cached {
	struct ub_result *result;	/* NULL: a failure, held */
	gint64 expires;		/* monotonic, microseconds */
	char *why;		/* failure: its reason */
	gint64 failed;		/* failure: when */
	unsigned hold_ms;	/* failure: how long it is held */
} cached;

typedef struct pending {
	pf_resolver *r;
	int async_id;
	bool done;
	int err;
	struct ub_result *result;
} pending;

/* Serialises lazy creation in pf_config_resolver(). */
static GMutex lazy_lock;

static void
on_answer(void *arg, int err, struct ub_result *result)
{
	pending *p = arg;

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
	g_mutex_init(&r->lock);
	g_mutex_init(&r->cache_lock);
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
	if (r->cache)
		g_hash_table_destroy(r->cache);
	g_mutex_clear(&r->cache_lock);
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

/*
 * ub_resolve_free(), written out: what libunbound's own does (free() of
 * every part; canonname may be qname), here so that the copies below are
 * released by code the static analysers can see.
 */
static void
result_free(struct ub_result *res)
{
	if (res == NULL)
		return;
	free(res->qname);
	if (res->canonname != res->qname)
		free(res->canonname);
	for (int i = 0; res->data && res->data[i]; i++)
		free(res->data[i]);
	free(res->data);
	free(res->len);
	free(res->answer_packet);
	free(res->why_bogus);
	free(res);
}

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

/*
 * A copy of an answer that ub_resolve_free() can release (malloc and
 * strdup, as libunbound allocates); NULL when memory runs out.
 */
static struct ub_result *
result_copy(const struct ub_result *in)
{
	struct ub_result *out = calloc(1, sizeof(*out));
	int n = 0;

	if (out == NULL)
		return NULL;
	*out = *in;
	out->qname = xstrdup(in->qname);
	out->canonname = xstrdup(in->canonname);
	out->why_bogus = xstrdup(in->why_bogus);
	out->data = NULL;
	out->len = NULL;
	out->answer_packet = NULL;
	while (in->data && in->data[n])
		n++;
	out->data = calloc((size_t)n + 1, sizeof(char *));
	out->len = calloc((size_t)n + 1, sizeof(int));
	if (out->data == NULL || out->len == NULL)
		goto fail;
	for (int i = 0; i < n; i++) {
		if ((out->data[i] = malloc((size_t)in->len[i] + 1)) == NULL)
			goto fail;
		memcpy(out->data[i], in->data[i], (size_t)in->len[i]);
		out->data[i][in->len[i]] = '\0';
		out->len[i] = in->len[i];
	}
	if (in->answer_packet && in->answer_len > 0) {
		if ((out->answer_packet = malloc((size_t)in->answer_len)) ==
		    NULL)
			goto fail;
		memcpy(out->answer_packet, in->answer_packet,
		       (size_t)in->answer_len);
	}
	return out;
fail:
	result_free(out);
	return NULL;
}

static void
cached_free(gpointer p)
{
	cached *c = p;

	result_free(c->result);
	g_free(c->why);
	g_free(c);
}

typedef enum { CACHE_MISS, CACHE_ANSWER, CACHE_FAILURE } cache_hit;

/*
 * An answer (*res, a copy) or a held failure (its reason appended to
 * why) for key.  An expired answer is dropped; an expired failure stays
 * until the lookup is done again, which needs its hold to double.
 */
static cache_hit
cache_get(pf_resolver *r, const char *key, struct ub_result **res,
	  GString *why)
{
	cache_hit hit = CACHE_MISS;
	gint64 now = g_get_monotonic_time();
	cached *c;

	*res = NULL;
	g_mutex_lock(&r->cache_lock);
	if (r->cache && (c = g_hash_table_lookup(r->cache, key)) != NULL) {
		if (c->expires <= now) {
			if (c->result)
				g_hash_table_remove(r->cache, key);
		} else if (c->result) {
			if ((*res = result_copy(c->result)) != NULL)
				hit = CACHE_ANSWER;
		} else {
			g_string_append_printf(why, "%s (%.1f s ago; a failed "
			    "lookup is held %.0f s before it is asked again, "
			    "RFC 9520)", c->why,
			    (double)(now - c->failed) / G_USEC_PER_SEC,
			    c->hold_ms / 1000.0);
			hit = CACHE_FAILURE;
		}
	}
	g_mutex_unlock(&r->cache_lock);
	return hit;
}

/* With cache_lock held: key -> c, replacing what was there. */
static void
cache_store(pf_resolver *r, const char *key, cached *c)
{
	if (r->cache == NULL)
		r->cache = g_hash_table_new_full(g_str_hash, g_str_equal,
						 g_free, cached_free);
	if (g_hash_table_size(r->cache) >= PF_DNS_CACHE_MAX)
		g_hash_table_remove_all(r->cache);
	g_hash_table_replace(r->cache, g_strdup(key), c);
}

static void
cache_put(pf_resolver *r, const char *key, const struct ub_result *res)
{
	cached *c;

	if (res->ttl <= 0) {		/* a held failure ends all the same */
		g_mutex_lock(&r->cache_lock);
		if (r->cache)
			g_hash_table_remove(r->cache, key);
		g_mutex_unlock(&r->cache_lock);
		return;
	}
	c = g_new0(cached, 1);
	if ((c->result = result_copy(res)) == NULL) {
		g_free(c);
		return;
	}
	c->expires = g_get_monotonic_time() + (gint64)res->ttl * G_USEC_PER_SEC;
	g_mutex_lock(&r->cache_lock);
	cache_store(r, key, c);
	g_mutex_unlock(&r->cache_lock);
}

/*
 * Hold the failure of key (reason why): hold_ms, or twice the last hold
 * when the lookup fails again within PF_DNS_HOLD_MAX_MS of its end.
 */
static void
cache_put_failure(pf_resolver *r, const char *key, const char *why)
{
	gint64 now = g_get_monotonic_time();
	unsigned hold = r->hold_ms;
	cached *c, *old;

	g_mutex_lock(&r->cache_lock);
	old = r->cache ? g_hash_table_lookup(r->cache, key) : NULL;
	if (old && old->result)
		old = NULL;		/* an answer: no hold to go on from */
	if (old && now < old->expires) {
		/* a lookup asked before the hold began: one hold, not two */
		g_mutex_unlock(&r->cache_lock);
		return;
	}
	if (old && now - old->expires < (gint64)PF_DNS_HOLD_MAX_MS * 1000)
		hold = MIN(old->hold_ms * 2, PF_DNS_HOLD_MAX_MS);
	c = g_new0(cached, 1);
	c->why = g_strdup(why);
	c->failed = now;
	c->hold_ms = hold;
	c->expires = now + (gint64)hold * 1000;
	cache_store(r, key, c);
	g_mutex_unlock(&r->cache_lock);
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
	cache_hit hit;

	*res = NULL;
	if (r == NULL) {
		g_string_append(why, "no resolver configured");
		return PF_DNS_TEMPFAIL;
	}
	if (name == NULL || *name == '\0' || strlen(name) > 253) {
		g_string_append(why, "invalid domain name");
		return PF_DNS_NXDOMAIN;
	}
	g_atomic_int_inc(&r->lookups);
	pf_metrics_dns(PF_METRICS_DNS_LOOKUP);
	key = g_strdup_printf("%d/%d/%s", rrtype, rrclass, name);
	if ((hit = cache_get(r, key, res, why)) != CACHE_MISS) {
		g_atomic_int_inc(&r->hits);
		pf_metrics_dns(PF_METRICS_DNS_CACHE_HIT);
		/* an answer reads as when it was cached: never a tempfail */
		return hit == CACHE_ANSWER ? classify(*res, name, rrtype, why) :
		    PF_DNS_TEMPFAIL;
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
		cache_put_failure(r, key, why->str + why0);
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
		cache_put_failure(r, key, why->str + why0);
		ub_resolve_free(p->result);
		g_free(p);
		return PF_DNS_TEMPFAIL;
	}
	st = classify(p->result, name, rrtype, why);
	if (st == PF_DNS_TEMPFAIL) {
		pf_metrics_dns(PF_METRICS_DNS_FAILURE);
		cache_put_failure(r, key, why->str + why0);
		ub_resolve_free(p->result);
	} else {
		cache_put(r, key, p->result);
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
		result_free(res);	/* libunbound's or a cached copy */
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
	result_free(res);	/* libunbound's or a cached copy */
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
