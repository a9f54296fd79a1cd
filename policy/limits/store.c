/*
 * NAME
 *	store - the bucket maths, limit syntax and the dispatch to a
 *	store's function table (see store.h)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "limits/store.h"

int
pf_rate_store_take(pf_rate_store *s, pf_rate_req *reqs, size_t nreqs,
		   int64_t now_us, pf_rate_commit commit)
{
	return s->ops->take(s, reqs, nreqs, now_us, commit);
}

struct pf_rate_pending {
	pf_rate_store *store;
	pf_rate_req *reqs;
	size_t nreqs;
	int64_t now_us;
	pf_rate_commit commit;
	void *sent;			/* the store's, or NULL: rc is it */
	int rc;
};

pf_rate_pending *
pf_rate_store_take_begin(pf_rate_store *s, pf_rate_req *reqs, size_t nreqs,
			 int64_t now_us, pf_rate_commit commit)
{
	pf_rate_pending *p = g_new0(pf_rate_pending, 1);

	p->store = s;
	p->reqs = reqs;
	p->nreqs = nreqs;
	p->now_us = now_us;
	p->commit = commit;
	if (s->ops->send == NULL)
		p->rc = s->ops->take(s, reqs, nreqs, now_us, commit);
	else if ((p->sent = s->ops->send(s, reqs, nreqs, now_us,
					 commit)) == NULL)
		p->rc = -1;
	return p;
}

int
pf_rate_store_take_end(pf_rate_pending **pp)
{
	pf_rate_pending *p = *pp;
	int rc = p->rc;

	*pp = NULL;
	if (p->sent)
		rc = p->store->ops->receive(p->store, p->sent, p->reqs,
		    p->nreqs, p->now_us, p->commit);
	g_free(p);
	return rc;
}

int
pf_rate_store_count(pf_rate_store *s, const char *key, int64_t window_us,
		    unsigned nwin, int64_t now_us, unsigned long *counts)
{
	if (nwin > PF_RATE_MAX_WINDOWS || window_us <= 0)
		return -1;
	return s->ops->count(s, key, window_us, nwin, now_us, counts);
}

int
pf_rate_store_get(pf_rate_store *s, const char *key, int64_t *tat_us)
{
	return s->ops->get(s, key, tat_us);
}

int
pf_rate_store_reset(pf_rate_store *s, const char *key)
{
	return s->ops->reset(s, key);
}

int
pf_rate_store_list(pf_rate_store *s, pf_rate_list_fn fn, void *arg)
{
	return s->ops->list(s, fn, arg);
}

const char *
pf_rate_store_name(const pf_rate_store *s)
{
	return s->description;
}

void
pf_rate_store_free(pf_rate_store **sp)
{
	pf_rate_store *s;

	if (sp == NULL || (s = *sp) == NULL)
		return;
	*sp = NULL;
	s->ops->release(s);
}

/*
 * The one copy of the bucket maths (the Redis store's Lua script says
 * the same).  tat_us[i] is request i's bucket (0: empty); new_tat_us[i]
 * receives what to store (equal to tat_us[i]: leave it).
 */
void
pf_rate_bucket_decide(pf_rate_req *reqs, size_t nreqs, const int64_t *tat_us,
		      int64_t now_us, pf_rate_commit commit, int64_t *new_tat_us)
{
	bool fits[PF_RATE_GROUPS] = {true, true};

	for (size_t i = 0; i < nreqs; i++) {
		pf_rate_req *r = &reqs[i];
		int64_t base = tat_us[i] > now_us ? tat_us[i] : now_us;
		int64_t want = base + (int64_t)r->n * r->interval_us;
		int64_t cap = now_us + (int64_t)r->burst * r->interval_us;

		if (commit == PF_RATE_REFUND) {
			want = tat_us[i] - (int64_t)r->n * r->interval_us;
			r->admitted = true;
			r->wait_us = 0;
			new_tat_us[i] = tat_us[i] <= now_us ? tat_us[i] :
			    want > now_us ? want : now_us;
			continue;
		}
		r->admitted = want <= cap;
		r->wait_us = r->admitted ? 0 : want - cap;
		new_tat_us[i] = r->admitted ? want : (want < cap ? want : cap);
		if (!r->admitted && r->refuses)
			fits[r->group ? 1 : 0] = false;
	}
	fits[1] = fits[1] && fits[0];
	for (size_t i = 0; i < nreqs; i++) {
		pf_rate_req *r = &reqs[i];
		int64_t after;

		if (commit == PF_RATE_PEEK || (!fits[r->group ? 1 : 0] &&
		    commit == PF_RATE_IF_ADMITTED))
			new_tat_us[i] = tat_us[i];
		after = new_tat_us[i] > now_us ? new_tat_us[i] - now_us : 0;
		r->level_units = (double)after / (double)r->interval_us;
	}
}

static int
parse_count(const char *s, char **end, unsigned long *out)
{
	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	*out = strtoul(s, end, 10);
	return errno ? -1 : 0;
}

int
pf_rate_limit_parse(const char *text, pf_rate_limit *lim, GString *why)
{
	unsigned long count, mult = 1, burst;
	char *end;
	int64_t unit;

	memset(lim, 0, sizeof(*lim));
	if (text == NULL || strcmp(text, "off") == 0 || strcmp(text, "0") == 0)
		return 0;
	if (parse_count(text, &end, &count) < 0 || count == 0 || *end != '/')
		goto bad;
	text = end + 1;
	if (*text >= '0' && *text <= '9') {
		if (parse_count(text, &end, &mult) < 0 || mult == 0 ||
		    mult > 1000000)
			goto bad;
		text = end;
	}
	switch (*text) {
	case 's': unit = G_USEC_PER_SEC; break;
	case 'm': unit = 60 * (int64_t)G_USEC_PER_SEC; break;
	case 'h': unit = 3600 * (int64_t)G_USEC_PER_SEC; break;
	case 'd': unit = 86400 * (int64_t)G_USEC_PER_SEC; break;
	default: goto bad;
	}
	text++;
	burst = count;
	if (*text == ':') {
		if (parse_count(text + 1, &end, &burst) < 0 || burst == 0)
			goto bad;
		text = end;
	}
	if (*text != '\0' || count > 100000000 || burst > 100000000)
		goto bad;
	lim->count = count;
	lim->period_us = (int64_t)mult * unit;
	lim->burst = burst;
	if (lim->period_us / (int64_t)count < 1)
		goto bad;
	return 0;
bad:
	memset(lim, 0, sizeof(*lim));
	g_string_append(why, "expected COUNT/PERIOD[:BURST] such as 100/h, "
	    "500/1d:50 or 10/30s (PERIOD in s, m, h or d), or off");
	return -1;
}

/* "100/1h burst 20", as the reply and the log show it. */
void
pf_rate_limit_format(GString *out, const pf_rate_limit *lim)
{
	static const struct { int64_t us; char unit; } units[] = {
		{86400 * (int64_t)G_USEC_PER_SEC, 'd'},
		{3600 * (int64_t)G_USEC_PER_SEC, 'h'},
		{60 * (int64_t)G_USEC_PER_SEC, 'm'},
		{G_USEC_PER_SEC, 's'},
	};

	if (lim->count == 0) {
		g_string_append(out, "off");
		return;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
		if (lim->period_us % units[i].us == 0) {
			g_string_append_printf(out, "%lu/%lld%c burst %lu",
			    lim->count,
			    (long long)(lim->period_us / units[i].us),
			    units[i].unit, lim->burst);
			return;
		}
	g_string_append_printf(out, "%lu/%llds burst %lu", lim->count,
	    (long long)(lim->period_us / G_USEC_PER_SEC), lim->burst);
}
