/*
 * NAME
 *	metrics - process-wide counters and their text exposition
 *	(see metrics.h)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/check.h"
#include "core/metrics.h"

#define RLX memory_order_relaxed
#define HIST_MAX 20

typedef atomic_uint_fast64_t counter;

/* Bucket bounds in microseconds; the last bucket is +Inf. */
static const int64_t decision_bounds[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 30000000,
};
static const int64_t check_bounds[] = {
	10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
	100000, 250000, 1000000, 5000000,
};

typedef struct hist {
	counter bucket[HIST_MAX + 1];	/* not cumulative; [n] is +Inf */
	counter sum_us;
} hist;

typedef struct code_slot {
	atomic_int ready;		/* code is written and final */
	char code[PF_METRICS_CODE_MAX + 1];
	counter count;
} code_slot;

typedef struct key_state {
	char domain[254];
	char selector[64];
	char state[24];
	int64_t checked;		/* unix seconds */
} key_state;

static atomic_bool enabled;
static double start_time;

static counter decisions[PF_ACTION_REJECT + 1];
static hist decision_latency;
static counter results[PF_CHECK_COUNT][PF_ACTION_REJECT + 1];
static hist check_time[PF_CHECK_COUNT];
static atomic_int_fast64_t in_flight;
static counter dns[PF_METRICS_DNS_EVENTS];
static counter dkim_signatures[2];	/* rsa, ed25519 */
static atomic_uint_fast64_t config_generation;
static counter reload_failures;
static atomic_int_fast64_t config_loaded_at;

static code_slot codes[PF_METRICS_CODES];
static counter code_other;
static GMutex codes_lock;		/* inserting a code only */

static key_state keys[PF_METRICS_KEYS];
static unsigned nkeys;
static GMutex keys_lock;

void
pf_metrics_enable(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == 0)
		start_time = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	atomic_store(&enabled, true);
}

bool
pf_metrics_enabled(void)
{
	return atomic_load_explicit(&enabled, RLX);
}

static void
hist_observe(hist *h, const int64_t *bounds, unsigned n, int64_t us)
{
	unsigned i = 0;

	if (us < 0)
		us = 0;
	while (i < n && us > bounds[i])
		i++;
	atomic_fetch_add_explicit(&h->bucket[i], 1, RLX);
	atomic_fetch_add_explicit(&h->sum_us, (uint_fast64_t)us, RLX);
}

void
pf_metrics_message_begin(void)
{
	if (pf_metrics_enabled())
		atomic_fetch_add_explicit(&in_flight, 1, RLX);
}

void
pf_metrics_message_end(const int64_t check_us[], unsigned ran)
{
	if (!pf_metrics_enabled())
		return;
	atomic_fetch_sub_explicit(&in_flight, 1, RLX);
	for (unsigned i = 0; i < PF_CHECK_COUNT; i++)
		if (ran & (1u << i))
			hist_observe(&check_time[i], check_bounds,
				     G_N_ELEMENTS(check_bounds), check_us[i]);
}

void
pf_metrics_result(pf_check_id check, pf_action action)
{
	if (!pf_metrics_enabled() || (unsigned)check >= PF_CHECK_COUNT ||
	    (unsigned)action > PF_ACTION_REJECT)
		return;
	atomic_fetch_add_explicit(&results[check][action], 1, RLX);
}

void
pf_metrics_decision(pf_action action, int64_t elapsed_us)
{
	if (!pf_metrics_enabled() || action < PF_ACTION_ACCEPT ||
	    action > PF_ACTION_REJECT)
		return;
	atomic_fetch_add_explicit(&decisions[action], 1, RLX);
	hist_observe(&decision_latency, decision_bounds,
		     G_N_ELEMENTS(decision_bounds), elapsed_us);
}

/* A code is CHECKNAME.[a-z0-9._-]+, short: never free text. */
static bool
code_valid(pf_check_id check, const char *code)
{
	const pf_check *c = pf_check_get(check);
	size_t n, len;

	if (c == NULL || code == NULL)
		return false;
	n = strlen(c->name);
	len = strlen(code);
	if (len > PF_METRICS_CODE_MAX || len <= n + 1 ||
	    strncmp(code, c->name, n) != 0 || code[n] != '.')
		return false;
	for (const char *p = code; *p; p++)
		if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p) &&
		    *p != '.' && *p != '-' && *p != '_')
			return false;
	return true;
}

/* Open addressing; a slot once ready never changes its code. */
static code_slot *
code_find(const char *code, bool insert)
{
	unsigned h = g_str_hash(code);

	for (unsigned i = 0; i < PF_METRICS_CODES; i++) {
		code_slot *s = &codes[(h + i) % PF_METRICS_CODES];

		if (!atomic_load_explicit(&s->ready, memory_order_acquire)) {
			if (!insert)
				return NULL;
			g_strlcpy(s->code, code, sizeof(s->code));
			atomic_store_explicit(&s->ready, 1,
					      memory_order_release);
			return s;
		}
		if (strcmp(s->code, code) == 0)
			return s;
	}
	return NULL;		/* full */
}

void
pf_metrics_reason(pf_check_id check, const char *code)
{
	code_slot *s;

	if (!pf_metrics_enabled())
		return;
	if (!code_valid(check, code)) {
		atomic_fetch_add_explicit(&code_other, 1, RLX);
		return;
	}
	if ((s = code_find(code, false)) == NULL) {
		g_mutex_lock(&codes_lock);	/* first sight of this code */
		s = code_find(code, true);
		g_mutex_unlock(&codes_lock);
	}
	atomic_fetch_add_explicit(s ? &s->count : &code_other, 1, RLX);
}

void
pf_metrics_dns(pf_metrics_dns_event ev)
{
	if (pf_metrics_enabled() && (unsigned)ev < PF_METRICS_DNS_EVENTS)
		atomic_fetch_add_explicit(&dns[ev], 1, RLX);
}

void
pf_metrics_dkim_signature(bool ed25519)
{
	if (pf_metrics_enabled())
		atomic_fetch_add_explicit(&dkim_signatures[ed25519 ? 1 : 0],
					  1, RLX);
}

void
pf_metrics_dkim_key(const char *domain, const char *selector,
		    const char *state)
{
	key_state *k = NULL;

	if (!pf_metrics_enabled() || !domain || !selector || !state)
		return;
	g_mutex_lock(&keys_lock);
	for (unsigned i = 0; i < nkeys && k == NULL; i++)
		if (strcmp(keys[i].domain, domain) == 0 &&
		    strcmp(keys[i].selector, selector) == 0)
			k = &keys[i];
	if (k == NULL && nkeys < PF_METRICS_KEYS) {
		k = &keys[nkeys++];
		g_strlcpy(k->domain, domain, sizeof(k->domain));
		g_strlcpy(k->selector, selector, sizeof(k->selector));
	}
	if (k) {
		g_strlcpy(k->state, state, sizeof(k->state));
		k->checked = (int64_t)time(NULL);
	}
	g_mutex_unlock(&keys_lock);
}

void
pf_metrics_dkim_keys_reset(void)
{
	g_mutex_lock(&keys_lock);
	nkeys = 0;
	g_mutex_unlock(&keys_lock);
}

void
pf_metrics_config_loaded(void)
{
	atomic_fetch_add_explicit(&config_generation, 1, RLX);
	atomic_store_explicit(&config_loaded_at, (int64_t)time(NULL), RLX);
}

void
pf_metrics_reload_failed(void)
{
	atomic_fetch_add_explicit(&reload_failures, 1, RLX);
}

/* ---- the text exposition ---- */

static uint64_t
get(counter *c)
{
	return (uint64_t)atomic_load_explicit(c, RLX);
}

static void
head(GString *out, const char *name, const char *type, const char *help)
{
	g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			       name, type);
}

/* Label values: backslash, quote and newline escaped. */
static void
label_value(GString *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			g_string_append_c(out, '\\');
		if (*v == '\n')
			g_string_append(out, "\\n");
		else
			g_string_append_c(out, *v);
	}
}

/* Microseconds as seconds, without trailing zeros: 2500 -> 0.0025. */
static void
seconds(GString *out, uint64_t us)
{
	char frac[8];
	int n;

	g_string_append_printf(out, "%llu", (unsigned long long)(us / 1000000));
	if (us % 1000000 == 0)
		return;
	snprintf(frac, sizeof(frac), "%06llu",
		 (unsigned long long)(us % 1000000));
	for (n = 5; n > 0 && frac[n] == '0'; n--)
		frac[n] = '\0';
	g_string_append_printf(out, ".%s", frac);
}

static void
hist_render(GString *out, const char *name, const char *labels, hist *h,
	    const int64_t *bounds, unsigned n)
{
	uint64_t cum = 0;
	const char *sep = *labels ? "," : "";

	for (unsigned i = 0; i <= n; i++) {
		cum += get(&h->bucket[i]);
		g_string_append_printf(out, "%s_bucket{%s%sle=\"", name, labels,
				       sep);
		if (i < n)
			seconds(out, (uint64_t)bounds[i]);
		else
			g_string_append(out, "+Inf");
		g_string_append_printf(out, "\"} %llu\n",
				       (unsigned long long)cum);
	}
	g_string_append_printf(out, "%s_sum%s%s%s ", name, *labels ? "{" : "",
			       labels, *labels ? "}" : "");
	seconds(out, get(&h->sum_us));
	g_string_append_printf(out, "\n%s_count%s%s%s %llu\n", name,
			       *labels ? "{" : "", labels, *labels ? "}" : "",
			       (unsigned long long)cum);
}

static void
render_decisions(GString *out)
{
	head(out, "preflight_decisions_total", "counter",
	     "Decisions by the action applied.");
	for (int a = PF_ACTION_ACCEPT; a <= PF_ACTION_REJECT; a++)
		g_string_append_printf(out,
		    "preflight_decisions_total{action=\"%s\"} %llu\n",
		    pf_action_name((pf_action)a),
		    (unsigned long long)get(&decisions[a]));
	head(out, "preflight_decision_reasons_total", "counter",
	     "Reason codes in decisions (other: a code outside the fixed "
	     "set).");
	for (unsigned i = 0; i < PF_METRICS_CODES; i++) {
		code_slot *s = &codes[i];

		if (!atomic_load_explicit(&s->ready, memory_order_acquire))
			continue;
		g_string_append(out, "preflight_decision_reasons_total{code=\"");
		label_value(out, s->code);
		g_string_append_printf(out, "\"} %llu\n",
				       (unsigned long long)get(&s->count));
	}
	g_string_append_printf(out,
	    "preflight_decision_reasons_total{code=\"other\"} %llu\n",
	    (unsigned long long)get(&code_other));
	head(out, "preflight_decision_duration_seconds", "histogram",
	     "Time from MAIL FROM to the decision.");
	hist_render(out, "preflight_decision_duration_seconds", "",
		    &decision_latency, decision_bounds,
		    G_N_ELEMENTS(decision_bounds));
	head(out, "preflight_messages_in_flight", "gauge",
	     "Transactions between MAIL FROM and their end.");
	g_string_append_printf(out, "preflight_messages_in_flight %lld\n",
	    (long long)atomic_load_explicit(&in_flight, RLX));
}

static void
render_checks(GString *out)
{
	GString *l = g_string_new(NULL);

	head(out, "preflight_check_results_total", "counter",
	     "Results added by each check, by the action each asks for "
	     "(none: score or information only).");
	for (unsigned i = 0; i < PF_CHECK_COUNT; i++)
		for (int a = PF_ACTION_NONE; a <= PF_ACTION_REJECT; a++)
			g_string_append_printf(out,
			    "preflight_check_results_total{check=\"%s\","
			    "action=\"%s\"} %llu\n", pf_check_get(i)->name,
			    a == PF_ACTION_NONE ? "none" :
			    pf_action_name((pf_action)a),
			    (unsigned long long)get(&results[i][a]));
	head(out, "preflight_check_duration_seconds", "histogram",
	     "Run time of each check per message, every stage together.");
	for (unsigned i = 0; i < PF_CHECK_COUNT; i++) {
		g_string_printf(l, "check=\"%s\"", pf_check_get(i)->name);
		hist_render(out, "preflight_check_duration_seconds", l->str,
			    &check_time[i], check_bounds,
			    G_N_ELEMENTS(check_bounds));
	}
	g_string_free(l, TRUE);
}

static void
render_dns_dkim(GString *out)
{
	static const char *const dns_names[PF_METRICS_DNS_EVENTS][2] = {
		{"preflight_dns_lookups_total", "DNS lookups asked of the "
		 "resolver."},
		{"preflight_dns_cache_hits_total", "DNS lookups answered from "
		 "the resolver's cache."},
		{"preflight_dns_timeouts_total", "DNS lookups that timed out."},
		{"preflight_dns_failures_total", "DNS lookups that failed "
		 "temporarily otherwise (SERVFAIL, library error)."},
	};

	for (unsigned i = 0; i < PF_METRICS_DNS_EVENTS; i++) {
		head(out, dns_names[i][0], "counter", dns_names[i][1]);
		g_string_append_printf(out, "%s %llu\n", dns_names[i][0],
				       (unsigned long long)get(&dns[i]));
	}
	head(out, "preflight_dkim_signatures_total", "counter",
	     "DKIM signatures made, by algorithm.");
	g_string_append_printf(out, "preflight_dkim_signatures_total"
	    "{algorithm=\"rsa-sha256\"} %llu\n"
	    "preflight_dkim_signatures_total{algorithm=\"ed25519-sha256\"} "
	    "%llu\n", (unsigned long long)get(&dkim_signatures[0]),
	    (unsigned long long)get(&dkim_signatures[1]));
	head(out, "preflight_dkim_key_state", "gauge",
	     "1 for the last published-key check state of each signing key "
	     "(ok, missing, mismatch, revoked, bad-key-type, testing, "
	     "temperror).");
	g_mutex_lock(&keys_lock);
	for (unsigned i = 0; i < nkeys; i++) {
		g_string_append(out, "preflight_dkim_key_state{domain=\"");
		label_value(out, keys[i].domain);
		g_string_append(out, "\",selector=\"");
		label_value(out, keys[i].selector);
		g_string_append(out, "\",state=\"");
		label_value(out, keys[i].state);
		g_string_append(out, "\"} 1\n");
	}
	head(out, "preflight_dkim_key_checked_timestamp_seconds", "gauge",
	     "When each signing key's published record was last checked.");
	for (unsigned i = 0; i < nkeys; i++) {
		g_string_append(out, "preflight_dkim_key_checked_timestamp_"
				"seconds{domain=\"");
		label_value(out, keys[i].domain);
		g_string_append(out, "\",selector=\"");
		label_value(out, keys[i].selector);
		g_string_append_printf(out, "\"} %lld\n",
				       (long long)keys[i].checked);
	}
	g_mutex_unlock(&keys_lock);
}

void
pf_metrics_render(GString *out)
{
	render_decisions(out);
	render_checks(out);
	render_dns_dkim(out);
	head(out, "preflight_config_generation", "gauge",
	     "Configurations loaded: 1 at start, one more per successful "
	     "reload.");
	g_string_append_printf(out, "preflight_config_generation %llu\n",
	    (unsigned long long)atomic_load_explicit(&config_generation, RLX));
	head(out, "preflight_config_loaded_timestamp_seconds", "gauge",
	     "When the configuration in use was loaded.");
	g_string_append_printf(out,
	    "preflight_config_loaded_timestamp_seconds %lld\n",
	    (long long)atomic_load_explicit(&config_loaded_at, RLX));
	head(out, "preflight_config_reload_failures_total", "counter",
	     "Reloads refused because the new configuration had errors.");
	g_string_append_printf(out,
	    "preflight_config_reload_failures_total %llu\n",
	    (unsigned long long)get(&reload_failures));
	head(out, "process_start_time_seconds", "gauge",
	     "Start time of the process since the Unix epoch in seconds.");
	g_string_append_printf(out, "process_start_time_seconds %.3f\n",
			       start_time);
}

int
pf_metrics_parse_listen(const char *text, struct sockaddr_storage *ss,
			socklen_t *len, GString *why)
{
	struct sockaddr_storage tmp = {0};
	const char *colon, *port_text;
	char host[INET6_ADDRSTRLEN + 1];
	size_t hlen;
	unsigned long port;
	char *end;
	bool v6 = text[0] == '[';

	if (v6) {
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			goto bad;
		hlen = (size_t)(close - text - 1);
		colon = close + 1;
		text++;
	} else {
		if ((colon = strrchr(text, ':')) == NULL ||
		    memchr(text, ':', (size_t)(colon - text)) != NULL)
			goto bad;
		hlen = (size_t)(colon - text);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	port_text = colon + 1;
	port = strtoul(port_text, &end, 10);
	if (!g_ascii_isdigit(*port_text) || *end || port == 0 || port > 65535)
		goto bad;
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&tmp;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			goto bad;
		if (len)
			*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&tmp;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			goto bad;
		if (len)
			*len = sizeof(*s4);
	}
	if (ss)
		*ss = tmp;
	return 0;
bad:
	g_string_append(why, "expected ADDRESS:PORT or [IPV6-ADDRESS]:PORT "
			"with a numeric address and a port from 1 to 65535, "
			"e.g. 127.0.0.1:9469");
	return -1;
}
