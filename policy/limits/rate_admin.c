/*
 * NAME
 *	rate_admin - what preflight rate shows and resets (see rate_admin.h)
 */
#include <string.h>

#include "core/verdict.h"
#include "limits/rate.h"
#include "limits/rate_admin.h"

/* One line: "user:alice messages level=3.0 limit=... next_s=0 empty_s=N" */
static void
show_bucket(const pf_rate_conf *rc, unsigned kind, unsigned metric,
	    const char *value, int64_t tat_us, int64_t now_us, GString *out)
{
	pf_rate_limit lim;
	bool override;
	GString *l = g_string_new(NULL);

	pf_rate_limit_for(rc, kind, metric, value, &lim, &override);
	pf_rate_limit_format(l, &lim);
	g_string_append_printf(out, "%s:", pf_rate_kind_name(kind));
	pf_text_printable(out, value, 512);	/* a sender's bytes */
	g_string_append_printf(out, " %s", pf_rate_metric_name(metric));
	if (lim.count == 0) {
		g_string_append_printf(out, " limit=off\n");
	} else {
		int64_t interval = lim.period_us / (int64_t)lim.count;
		int64_t held = tat_us > now_us ? tat_us - now_us : 0;
		int64_t cap = (int64_t)lim.burst * interval;
		int64_t next = held + interval > cap ? held + interval - cap : 0;

		g_string_append_printf(out, " level=%.1f limit=\"%s\" scope=%s "
		    "next_s=%lld empty_s=%lld\n", (double)held / (double)interval,
		    l->str, override ? "override" : "global",
		    (long long)((next + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC),
		    (long long)((held + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC));
	}
	g_string_free(l, TRUE);
}

/* "pf:rate:KIND:METRIC:value" split; false for a foreign key. */
static bool
split_key(const char *key, unsigned *kind, unsigned *metric,
	  const char **value)
{
	gchar **p;
	int k, m = -1;

	if (strncmp(key, "pf:rate:", 8) != 0)
		return false;
	p = g_strsplit(key + 8, ":", 3);
	k = p[0] ? pf_rate_kind_parse(p[0]) : -1;
	for (unsigned i = 0; p[0] && p[1] && i < PF_RATE_METRICS; i++)
		if (strcmp(p[1], pf_rate_metric_name(i)) == 0)
			m = (int)i;
	if (k >= 0 && m >= 0 && p[2]) {
		*kind = (unsigned)k;
		*metric = (unsigned)m;
		*value = key + 8 + strlen(p[0]) + 1 + strlen(p[1]) + 1;
	}
	g_strfreev(p);
	return k >= 0 && m >= 0 && *value;
}

typedef struct show_all {
	const pf_rate_conf *rc;
	int64_t now_us;
	GString *out;
	unsigned n;
} show_all;

static void
show_one(const char *key, int64_t tat_us, void *arg)
{
	show_all *s = arg;
	unsigned kind, metric;
	const char *value = NULL;

	if (tat_us <= s->now_us || !split_key(key, &kind, &metric, &value))
		return;
	show_bucket(s->rc, kind, metric, value, tat_us, s->now_us, s->out);
	s->n++;
}

/* kinds the KEY argument names: "kind:value" one, "value" all */
static unsigned
key_kinds(const char *arg, const char **value)
{
	const char *colon = strchr(arg, ':');

	if (colon) {
		GString *k = g_string_new_len(arg, colon - arg);
		int kind = pf_rate_kind_parse(k->str);

		g_string_free(k, TRUE);
		if (kind >= 0) {
			*value = colon + 1;
			return 1u << kind;
		}
	}
	*value = arg;
	return (1u << PF_RATE_KINDS) - 1;
}

int
pf_rate_show(const pf_rate_conf *rc, const char *arg, GString *out)
{
	int64_t now = pf_rate_now_us();
	const char *value;
	unsigned kinds;
	char *lower;

	if (rc->store == NULL) {
		g_string_append(out, "no rate limit is configured\n");
		return 0;
	}
	if (arg == NULL) {
		show_all s = {.rc = rc, .now_us = now, .out = out};

		if (pf_rate_store_list(rc->store, show_one, &s) < 0)
			return -1;
		if (s.n == 0)
			g_string_append(out, "no bucket holds anything\n");
		return 0;
	}
	kinds = key_kinds(arg, &value);
	lower = g_ascii_strdown(value, -1);
	for (unsigned k = 0; k < PF_RATE_KINDS; k++)
		for (unsigned m = 0; (kinds & (1u << k)) && m < PF_RATE_METRICS;
		     m++) {
			GString *key = g_string_new(NULL);
			int64_t tat;
			pf_rate_limit lim;
			bool override;

			pf_rate_limit_for(rc, k, m, value, &lim, &override);
			pf_rate_store_key(key, k, m, value);
			if (pf_rate_store_get(rc->store, key->str, &tat) < 0) {
				g_string_free(key, TRUE);
				g_free(lower);
				return -1;
			}
			if (lim.count || tat > now)
				show_bucket(rc, k, m, lower, tat, now, out);
			g_string_free(key, TRUE);
		}
	g_free(lower);
	return 0;
}

int
pf_rate_reset(const pf_rate_conf *rc, const char *arg, GString *out)
{
	const char *value;
	unsigned kinds;

	if (rc->store == NULL) {
		g_string_append(out, "no rate limit is configured\n");
		return 0;
	}
	kinds = key_kinds(arg, &value);
	for (unsigned k = 0; k < PF_RATE_KINDS; k++)
		for (unsigned m = 0; (kinds & (1u << k)) && m < PF_RATE_METRICS;
		     m++) {
			GString *key = g_string_new(NULL);
			int rc_;

			pf_rate_store_key(key, k, m, value);
			rc_ = pf_rate_store_reset(rc->store, key->str);
			g_string_free(key, TRUE);
			if (rc_ < 0)
				return -1;
		}
	g_string_append_printf(out, "reset %s%s in %s\n",
	    kinds == (1u << PF_RATE_KINDS) - 1 ? "every kind of " : "", arg,
	    pf_rate_store_name(rc->store));
	return 0;
}
