/*
 * NAME
 *	store_memory - the in-process rate store: one per process, shared
 *	by every configuration, bounded by an LRU (see store.h)
 * DESCRIPTION
 *	A hash of key -> tat and a queue of the same entries, most recently
 *	used first, behind one mutex (libmilter runs a thread per
 *	connection).  When a new key would pass max_keys, the least
 *	recently used key is dropped; one whose bucket still held units is
 *	counted and reported by a warning at most once a minute, since
 *	forgetting it lets that key start afresh.  Keys whose tat has passed
 *	are dropped from the tail as they are met.
 *
 *	The store is a refcounted singleton: a reload takes a reference for
 *	the new configuration before the old one drops its own, so buckets
 *	carry over; when the last reference goes the store is freed.
 */
#include <pthread.h>
#include <string.h>

#include "core/log.h"
#include "limits/store.h"

typedef struct mem_entry {
	char *key;
	int64_t tat_us;			/* a counter's: when it expires */
	unsigned long count;		/* window counters (count()) */
	GList link;			/* in mem_store.lru; data = entry */
} mem_entry;

typedef struct mem_store {
	pf_rate_store base;
	int refcount;			/* under store_lock */
	pthread_mutex_t lock;		/* not GMutex: TSan sees this one */
	GHashTable *keys;		/* char * -> mem_entry * */
	GQueue lru;			/* head: most recently used */
	unsigned long max_keys;
	unsigned long evicted_live;	/* since the last warning */
	int64_t warned_us;
} mem_store;

static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static mem_store *the_store;

static void
entry_free(gpointer p)
{
	mem_entry *e = p;

	g_free(e->key);
	g_free(e);
}

static void
drop_entry(mem_store *m, mem_entry *e)
{
	g_queue_unlink(&m->lru, &e->link);
	g_hash_table_remove(m->keys, e->key);	/* frees e */
}

/* Make room for one more key; lock held. */
static void
make_room(mem_store *m, int64_t now_us)
{
	GList *tail;

	while ((tail = m->lru.tail) != NULL) {
		mem_entry *e = tail->data;

		if (e->tat_us > now_us &&
		    g_hash_table_size(m->keys) < m->max_keys)
			break;
		if (e->tat_us > now_us)
			m->evicted_live++;
		drop_entry(m, e);
	}
	if (m->evicted_live && now_us - m->warned_us > (int64_t)60 * G_USEC_PER_SEC) {
		pf_warn("rate: in-process store full (max_keys %lu): %lu keys "
		    "with live buckets forgotten; raise [rate] max_keys",
		    m->max_keys, m->evicted_live);
		m->evicted_live = 0;
		m->warned_us = now_us;
	}
}

static mem_entry *
lookup(mem_store *m, const char *key)
{
	mem_entry *e = g_hash_table_lookup(m->keys, key);

	if (e) {
		g_queue_unlink(&m->lru, &e->link);
		g_queue_push_head_link(&m->lru, &e->link);
	}
	return e;
}

static void
store_tat(mem_store *m, const char *key, int64_t tat_us, int64_t now_us)
{
	mem_entry *e = lookup(m, key);

	if (e) {
		e->tat_us = tat_us;
		return;
	}
	if (tat_us <= now_us)
		return;		/* an empty bucket needs no entry */
	make_room(m, now_us);
	e = g_new0(mem_entry, 1);
	e->key = g_strdup(key);
	e->tat_us = tat_us;
	e->link.data = e;
	g_hash_table_insert(m->keys, e->key, e);
	g_queue_push_head_link(&m->lru, &e->link);
}

static int
mem_take(pf_rate_store *s, pf_rate_req *reqs, size_t nreqs, int64_t now_us,
	 pf_rate_commit commit)
{
	mem_store *m = (mem_store *)s;
	int64_t tat[8], new_tat[8];

	if (nreqs > G_N_ELEMENTS(tat))
		return -1;
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < nreqs; i++) {
		mem_entry *e = lookup(m, reqs[i].key);

		tat[i] = e ? e->tat_us : 0;
	}
	pf_rate_bucket_decide(reqs, nreqs, tat, now_us, commit, new_tat);
	for (size_t i = 0; i < nreqs; i++)
		if (new_tat[i] != tat[i])
			store_tat(m, reqs[i].key, new_tat[i], now_us);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int
mem_count(pf_rate_store *s, const char *key, int64_t window_us, unsigned nwin,
	  int64_t now_us, unsigned long *counts)
{
	mem_store *m = (mem_store *)s;
	int64_t idx = now_us / window_us;
	GString *k = g_string_new(NULL);

	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; i <= nwin; i++) {
		mem_entry *e;

		g_string_printf(k, "%s:%lld", key, (long long)(idx - i));
		e = lookup(m, k->str);
		if (e && e->tat_us <= now_us)
			e->count = 0;		/* expired, not yet dropped */
		if (i == 0) {
			int64_t expires = (idx + nwin + 1) * window_us;

			if (e == NULL) {
				store_tat(m, k->str, expires, now_us);
				e = g_hash_table_lookup(m->keys, k->str);
			}
			e->tat_us = expires;
			e->count++;
		}
		counts[i] = e ? e->count : 0;
	}
	pthread_mutex_unlock(&m->lock);
	g_string_free(k, TRUE);
	return 0;
}

static int
mem_get(pf_rate_store *s, const char *key, int64_t *tat_us)
{
	mem_store *m = (mem_store *)s;
	mem_entry *e;

	pthread_mutex_lock(&m->lock);
	e = g_hash_table_lookup(m->keys, key);
	*tat_us = e ? e->tat_us : 0;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int
mem_reset(pf_rate_store *s, const char *key)
{
	mem_store *m = (mem_store *)s;
	mem_entry *e;

	pthread_mutex_lock(&m->lock);
	if ((e = g_hash_table_lookup(m->keys, key)) != NULL)
		drop_entry(m, e);
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static int
mem_list(pf_rate_store *s, pf_rate_list_fn fn, void *arg)
{
	mem_store *m = (mem_store *)s;

	pthread_mutex_lock(&m->lock);
	for (GList *l = m->lru.head; l; l = l->next) {
		const mem_entry *e = l->data;

		fn(e->key, e->tat_us, arg);
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static void
mem_release(pf_rate_store *s)
{
	mem_store *m = (mem_store *)s;

	pthread_mutex_lock(&store_lock);
	if (--m->refcount > 0) {
		pthread_mutex_unlock(&store_lock);
		return;
	}
	the_store = NULL;
	pthread_mutex_unlock(&store_lock);
	g_hash_table_destroy(m->keys);	/* frees every entry */
	pthread_mutex_destroy(&m->lock);
	g_free(m->base.description);
	g_free(m);
}

static const pf_rate_store_ops mem_ops = {
	.name = "memory",
	.take = mem_take,
	.count = mem_count,
	.get = mem_get,
	.reset = mem_reset,
	.list = mem_list,
	.release = mem_release,
};

pf_rate_store *
pf_rate_store_memory_get(unsigned long max_keys)
{
	mem_store *m;

	pthread_mutex_lock(&store_lock);
	if ((m = the_store) == NULL) {
		m = g_new0(mem_store, 1);
		m->base.ops = &mem_ops;
		m->base.description = g_strdup("memory");
		pthread_mutex_init(&m->lock, NULL);
		m->keys = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
						entry_free);
		g_queue_init(&m->lru);
		the_store = m;
	}
	m->refcount++;
	pthread_mutex_lock(&m->lock);
	if (max_keys || m->max_keys == 0)
		m->max_keys = max_keys ? max_keys : 100000;
	pthread_mutex_unlock(&m->lock);
	pthread_mutex_unlock(&store_lock);
	return &m->base;
}
