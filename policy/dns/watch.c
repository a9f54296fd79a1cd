/*
 * NAME
 *	watch - the relay's reputation, rechecked in the background
 *	(see watch.h)
 */
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "dns/dnsbl.h"
#include "dns/ptr.h"
#include "dns/watch.h"
#include "core/log.h"

static GMutex watch_lock;		/* guards everything below */
static GCond watch_cond;
static GThread *watch_thread;
static bool watch_stopping;
static pf_config *(*watch_current)(void);
static GPtrArray *watch_listings;	/* pf_watch_listing *, current */
static GHashTable *watch_errors;	/* "ip zone" -> error, last logged */
static GHashTable *watch_relay;		/* ip -> pf_dns_relay_state() */

static void
listing_free_ptr(gpointer p)
{
	pf_watch_listing *l = p;

	pf_watch_listing_free(&l);
}

void
pf_watch_listing_free(pf_watch_listing **lp)
{
	pf_watch_listing *l;

	if (lp == NULL || (l = *lp) == NULL)
		return;
	*lp = NULL;
	g_free(l->ip);
	g_free(l->zone);
	g_free(l->codes);
	g_free(l->meaning);
	g_free(l->fix);
	g_free(l);
}

static pf_watch_listing *
listing_dup(const pf_watch_listing *l, unsigned count)
{
	pf_watch_listing *c = g_new0(pf_watch_listing, 1);

	c->ip = g_strdup(l->ip);
	c->zone = g_strdup(l->zone);
	c->codes = g_strdup(l->codes);
	c->meaning = g_strdup(l->meaning);
	c->fix = g_strdup(l->fix);
	c->count = count;
	return c;
}

pf_watch_listing *
pf_watch_listed(void)
{
	pf_watch_listing *l = NULL;

	g_mutex_lock(&watch_lock);
	if (watch_listings && watch_listings->len > 0)
		l = listing_dup(watch_listings->pdata[0], watch_listings->len);
	g_mutex_unlock(&watch_lock);
	return l;
}

static const pf_watch_listing *
find(const GPtrArray *set, const char *ip, const char *zone)
{
	for (guint i = 0; set && i < set->len; i++) {
		const pf_watch_listing *l = set->pdata[i];

		if (strcmp(l->ip, ip) == 0 && strcmp(l->zone, zone) == 0)
			return l;
	}
	return NULL;
}

/* An error or DNS failure: log it when it is new; keep the old state. */
static void
note_error(const char *ip, const pf_dnsbl_answer *a, GPtrArray *now)
{
	char *key = g_strdup_printf("%s %s", ip, a->zone);
	const char *last = g_hash_table_lookup(watch_errors, key);
	const pf_watch_listing *old = find(watch_listings, ip, a->zone);

	if (last == NULL || strcmp(last, a->error) != 0)
		pf_warn("reputation: could not check egress IP %s in %s: %s%s%s",
			ip, a->zone, a->error, a->fix ? "; fix: " : "",
			a->fix ? a->fix : "");
	g_hash_table_replace(watch_errors, key, g_strdup(a->error));
	if (old)
		g_ptr_array_add(now, listing_dup(old, 0));
}

/* PTR, FCrDNS and HELO of one IP: log the state when it changes. */
static void
check_relay(pf_resolver *r, const char *ip, const char *helo)
{
	char *now = pf_dns_relay_state(r, ip, helo);
	const char *last;
	bool bad = strstr(now, "=no") != NULL || strstr(now, "=none") != NULL;

	g_mutex_lock(&watch_lock);
	if (watch_relay == NULL)
		watch_relay = g_hash_table_new_full(g_str_hash, g_str_equal,
						    g_free, g_free);
	last = g_hash_table_lookup(watch_relay, ip);
	if (strcmp(now, "dns=tempfail") == 0 ||
	    (last && strcmp(last, now) == 0)) {
		g_free(now);
	} else {
		if (last && bad)
			pf_warn("reputation: egress IP %s changed: %s (was %s); "
			    "receivers want a PTR whose name resolves back to "
			    "the IP and a HELO name that does", ip, now, last);
		else if (last)
			pf_info("reputation: egress IP %s changed: %s (was %s)",
				ip, now, last);
		else if (bad)
			pf_warn("reputation: egress IP %s: %s; receivers want a "
			    "PTR whose name resolves back to the IP and a HELO "
			    "name that does", ip, now);
		else
			pf_info("reputation: egress IP %s: %s", ip, now);
		g_hash_table_replace(watch_relay, g_strdup(ip), now);
	}
	g_mutex_unlock(&watch_lock);
}

void
pf_watch_run_once(pf_config *cfg)
{
	gchar **zones = g_strsplit_set(cfg->dnsbl.ip_lists ?
	    cfg->dnsbl.ip_lists : "", " \t,", -1);
	GPtrArray *now = g_ptr_array_new_with_free_func(listing_free_ptr);
	GPtrArray *ips = cfg->spf.egress;
	pf_resolver *r = pf_config_resolver(cfg);

	for (guint i = 0; ips && i < ips->len; i++)
		check_relay(r, ips->pdata[i], cfg->spf.helo_name);
	for (guint i = 0; ips && i < ips->len; i++)
		for (gchar **z = zones; *z; z++) {
			const char *ip = ips->pdata[i];
			pf_dnsbl_answer a;
			GString *codes;
			pf_watch_listing *l;

			if (**z == '\0')
				continue;
			(void)pf_dnsbl_ip(r, *z, ip, &a);
			g_mutex_lock(&watch_lock);
			if (watch_errors == NULL)
				watch_errors = g_hash_table_new_full(g_str_hash,
				    g_str_equal, g_free, g_free);
			if (a.status == PF_DNSBL_ERROR ||
			    a.status == PF_DNSBL_TEMPFAIL) {
				note_error(ip, &a, now);
			} else if (a.status == PF_DNSBL_LISTED) {
				codes = g_string_new(NULL);
				for (guint c = 0; c < a.codes->len; c++)
					g_string_append_printf(codes, "%s%s",
					    c ? "," : "",
					    (char *)a.codes->pdata[c]);
				l = g_new0(pf_watch_listing, 1);
				l->ip = g_strdup(ip);
				l->zone = g_strdup(a.zone);
				l->codes = g_string_free(codes, FALSE);
				l->meaning = g_strdup(a.meaning->str);
				l->fix = g_strdup(a.fix);
				g_ptr_array_add(now, l);
			}
			if (a.status == PF_DNSBL_LISTED ||
			    a.status == PF_DNSBL_CLEAN) {
				char *key = g_strdup_printf("%s %s", ip, a.zone);

				g_hash_table_remove(watch_errors, key);
				g_free(key);
			}
			g_mutex_unlock(&watch_lock);
			pf_dnsbl_answer_clear(&a);
		}
	g_mutex_lock(&watch_lock);
	for (guint i = 0; i < now->len; i++) {
		const pf_watch_listing *l = now->pdata[i];

		if (find(watch_listings, l->ip, l->zone) == NULL)
			pf_warn("reputation: egress IP %s is LISTED in %s "
			    "(%s: %s); outbound mail will suffer; fix: %s",
			    l->ip, l->zone, l->codes, l->meaning, l->fix);
	}
	for (guint i = 0; watch_listings && i < watch_listings->len; i++) {
		const pf_watch_listing *l = watch_listings->pdata[i];

		if (find(now, l->ip, l->zone) == NULL)
			pf_info("reputation: egress IP %s is no longer listed "
				"in %s", l->ip, l->zone);
	}
	if (watch_listings)
		g_ptr_array_unref(watch_listings);
	watch_listings = now;
	g_mutex_unlock(&watch_lock);
	g_strfreev(zones);
}

static gpointer
watch_main(gpointer arg)
{
	(void)arg;
	g_mutex_lock(&watch_lock);
	while (!watch_stopping) {
		pf_config *cfg;
		unsigned long interval;

		g_mutex_unlock(&watch_lock);
		cfg = watch_current();
		interval = cfg ? cfg->dnsbl.interval : 0;
		if (interval > 0)
			pf_watch_run_once(cfg);
		pf_config_unref(&cfg);
		g_mutex_lock(&watch_lock);
		if (watch_stopping)
			break;
		(void)g_cond_wait_until(&watch_cond, &watch_lock,
		    g_get_monotonic_time() +
		    (gint64)(interval ? interval : 1) * G_TIME_SPAN_SECOND);
	}
	g_mutex_unlock(&watch_lock);
	return NULL;
}

void
pf_watch_start(pf_config *(*current)(void))
{
	g_mutex_lock(&watch_lock);
	if (watch_thread == NULL) {
		sigset_t all, old;

		watch_current = current;
		watch_stopping = false;
		/* signals belong to the daemon's signal thread, not this one */
		sigfillset(&all);
		(void)pthread_sigmask(SIG_BLOCK, &all, &old);
		watch_thread = g_thread_new("reputation", watch_main, NULL);
		(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	g_mutex_unlock(&watch_lock);
}

void
pf_watch_stop(void)
{
	GThread *t;

	g_mutex_lock(&watch_lock);
	watch_stopping = true;
	g_cond_broadcast(&watch_cond);
	t = watch_thread;
	watch_thread = NULL;
	g_mutex_unlock(&watch_lock);
	if (t)
		g_thread_join(t);
	g_mutex_lock(&watch_lock);
	if (watch_listings)
		g_ptr_array_unref(watch_listings);
	watch_listings = NULL;
	if (watch_errors)
		g_hash_table_destroy(watch_errors);
	watch_errors = NULL;
	if (watch_relay)
		g_hash_table_destroy(watch_relay);
	watch_relay = NULL;
	g_mutex_unlock(&watch_lock);
}
