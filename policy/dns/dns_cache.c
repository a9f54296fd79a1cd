/*
 * NAME
 *	dns_cache - answers and held failures in front of libunbound
 *	(see dns_cache.h)
 */
#include <stdlib.h>
#include <string.h>

#include "dns/dns_cache.h"

struct pf_dns_cache {
	GMutex lock;
	GHashTable *table;	/* "type/class/name" -> cached *; lazily */
	unsigned max;
};

typedef struct cached {
	struct ub_result *result;	/* NULL: a failure, held */
	gint64 expires;		/* monotonic, microseconds */
	char *why;		/* failure: its reason */
	gint64 failed;		/* failure: when */
	unsigned hold_ms;	/* failure: how long it is held */
} cached;

pf_dns_cache *
pf_dns_cache_new(unsigned max)
{
	pf_dns_cache *c = g_new0(pf_dns_cache, 1);

	g_mutex_init(&c->lock);
	c->max = max;
	return c;
}

void
pf_dns_cache_free(pf_dns_cache *c)
{
	if (c == NULL)
		return;
	if (c->table)
		g_hash_table_destroy(c->table);
	g_mutex_clear(&c->lock);
	g_free(c);
}

/*
 * ub_resolve_free(), written out: what libunbound's own does (free() of
 * every part; canonname may be qname), here so that the copies below are
 * released by code the static analysers can see.
 */
void
pf_dns_result_free(struct ub_result *res)
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
	pf_dns_result_free(out);
	return NULL;
}

static void
cached_free(gpointer p)
{
	cached *c = p;

	pf_dns_result_free(c->result);
	g_free(c->why);
	g_free(c);
}

/*
 * An answer (*res, a copy) or a held failure (its reason appended to
 * why) for key.  An expired answer is dropped; an expired failure stays
 * until the lookup is done again, which needs its hold to double.
 */
pf_dns_cache_hit
pf_dns_cache_get(pf_dns_cache *dc, const char *key, struct ub_result **res,
		 GString *why)
{
	pf_dns_cache_hit hit = PF_DNS_CACHE_MISS;
	gint64 now = g_get_monotonic_time();
	cached *c;

	*res = NULL;
	g_mutex_lock(&dc->lock);
	if (dc->table && (c = g_hash_table_lookup(dc->table, key)) != NULL) {
		if (c->expires <= now) {
			if (c->result)
				g_hash_table_remove(dc->table, key);
		} else if (c->result) {
			if ((*res = result_copy(c->result)) != NULL)
				hit = PF_DNS_CACHE_ANSWER;
		} else {
			g_string_append_printf(why, "%s (%.1f s ago; a failed "
			    "lookup is held %.0f s before it is asked again, "
			    "RFC 9520)", c->why,
			    (double)(now - c->failed) / G_USEC_PER_SEC,
			    c->hold_ms / 1000.0);
			hit = PF_DNS_CACHE_FAILURE;
		}
	}
	g_mutex_unlock(&dc->lock);
	return hit;
}

/* With dc->lock held: key -> c, replacing what was there. */
static void
cache_store(pf_dns_cache *dc, const char *key, cached *c)
{
	if (dc->table == NULL)
		dc->table = g_hash_table_new_full(g_str_hash, g_str_equal,
						 g_free, cached_free);
	if (g_hash_table_size(dc->table) >= dc->max)
		g_hash_table_remove_all(dc->table);
	g_hash_table_replace(dc->table, g_strdup(key), c);
}

void
pf_dns_cache_put(pf_dns_cache *dc, const char *key,
		 const struct ub_result *res)
{
	cached *c;

	if (res->ttl <= 0) {		/* a held failure ends all the same */
		g_mutex_lock(&dc->lock);
		if (dc->table)
			g_hash_table_remove(dc->table, key);
		g_mutex_unlock(&dc->lock);
		return;
	}
	c = g_new0(cached, 1);
	if ((c->result = result_copy(res)) == NULL) {
		g_free(c);
		return;
	}
	c->expires = g_get_monotonic_time() + (gint64)res->ttl * G_USEC_PER_SEC;
	g_mutex_lock(&dc->lock);
	cache_store(dc, key, c);
	g_mutex_unlock(&dc->lock);
}

void
pf_dns_cache_put_failure(pf_dns_cache *dc, const char *key, const char *why,
			 unsigned hold_ms)
{
	gint64 now = g_get_monotonic_time();
	unsigned hold = hold_ms;
	cached *c, *old;

	g_mutex_lock(&dc->lock);
	old = dc->table ? g_hash_table_lookup(dc->table, key) : NULL;
	if (old && old->result)
		old = NULL;		/* an answer: no hold to go on from */
	if (old && now < old->expires) {
		/* a lookup asked before the hold began: one hold, not two */
		g_mutex_unlock(&dc->lock);
		return;
	}
	if (old && now - old->expires < (gint64)PF_DNS_HOLD_MAX_MS * 1000)
		hold = MIN(old->hold_ms * 2, PF_DNS_HOLD_MAX_MS);
	c = g_new0(cached, 1);
	c->why = g_strdup(why);
	c->failed = now;
	c->hold_ms = hold;
	c->expires = now + (gint64)hold * 1000;
	cache_store(dc, key, c);
	g_mutex_unlock(&dc->lock);
}

bool
pf_dns_cache_has(pf_dns_cache *dc, const char *key)
{
	cached *c;
	bool has;

	g_mutex_lock(&dc->lock);
	has = dc->table && (c = g_hash_table_lookup(dc->table, key)) != NULL &&
	    c->expires > g_get_monotonic_time();
	g_mutex_unlock(&dc->lock);
	return has;
}
