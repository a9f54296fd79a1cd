/*
 * NAME
 *	rate - messages and recipients per SASL user, envelope sender,
 *	sender domain and client IP (the rate check)
 * SYNOPSIS
 *	extern const pf_check pf_check_rate;
 * DESCRIPTION
 *	Each [rate] KIND_METRIC key is a leaky bucket (store.h): a sustained
 *	rate with a burst on top.  At MAIL FROM one message is asked of every
 *	message bucket that applies (user, sender, domain, ip), at each RCPT
 *	TO one recipient of every recipient bucket, in one store call: all
 *	or nothing, so that a message refused by its IP limit does not use
 *	up its user's allowance.  The first recipient is asked at MAIL FROM,
 *	in the message's call (its group 1: taken only if the message is):
 *	one round trip a message rather than two, the decision kept for the
 *	first RCPT TO, its units given back if that never comes (the
 *	transaction ends: free_state) or is refused by another check.
 *
 *	The MAIL FROM call is begun there and read at the first RCPT TO
 *	(pf_rate_store_take_begin/_end): with Redis the MTA's round trip
 *	covers the store's, and the thread does not sleep for it.  So what
 *	it decided is said at RCPT TO: a message over a limit refuses each
 *	of its recipients (the client has none left for DATA), with the same
 *	result at every RCPT TO (at end of message when none came: preflight
 *	scan without --rcpt).  Over a limit: rate.KIND-METRIC with that
 *	limit's action (451 4.7.28 by default), naming the limit, what the
 *	bucket holds and when the next unit fits.
 *
 *	An IPv6 client counts by its /64, as one network (ip:2001:db8:1:2::/64
 *	in replies, logs and the overrides table).
 *
 *	The check runs last in its stage, so it sees whether another check
 *	already refuses the message or recipient; such attempts, and those
 *	refused by a limit, are counted only with count_refused.  Messages
 *	refused at end of message have been counted at MAIL FROM.
 *
 *	configure() parses the limits and the overrides table and takes the
 *	store: the process's in-process store (shared with the previous
 *	configuration, so a reload keeps every bucket) or a Redis store of
 *	its own (the buckets live in Redis).  With no limit and no table
 *	set, no store is taken and the check's mode is off: no stage is
 *	asked for and nothing runs.
 *
 *	The compromise signals (rate_signals.c), scored rather than
 *	refused, run here: rate.surge at MAIL FROM, rate.many-domains at
 *	each RCPT TO.
 *
 *	preflight scan sets peek mode (pf_rate_set_peek): limits are looked
 *	at, nothing is counted, the signals are skipped.
 *
 *	A store that does not answer gives rate.unavailable with the
 *	on_error action and the fact rate.applied=no; the store itself logs
 *	the trouble (once per interval).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "core/check.h"
#include "core/table.h"
#include "limits/rate.h"
#include "limits/rate_signals.h"

static const char *const kind_names[PF_RATE_KINDS] = {
	"user", "sender", "domain", "ip"
};
/* the last three: the compromise signals' keys (not limits) */
static const char *const metric_names[PF_RATE_METRICS + 3] = {
	"messages", "recipients", "seen", "domains", "surge"
};
static const char *const codes[PF_RATE_KINDS][PF_RATE_METRICS] = {
	{"rate.user-messages", "rate.user-recipients"},
	{"rate.sender-messages", "rate.sender-recipients"},
	{"rate.domain-messages", "rate.domain-recipients"},
	{"rate.ip-messages", "rate.ip-recipients"},
};

static int64_t (*rate_clock)(void);
static bool rate_peek;

void
pf_rate_set_peek(bool peek)
{
	rate_peek = peek;
}

void
pf_rate_set_clock(int64_t (*now_us)(void))
{
	rate_clock = now_us;
}

int64_t
pf_rate_now_us(void)
{
	return rate_clock ? rate_clock() : g_get_real_time();
}

const char *
pf_rate_kind_name(unsigned kind)
{
	return kind < PF_RATE_KINDS ? kind_names[kind] : "?";
}

const char *
pf_rate_metric_name(unsigned metric)
{
	return metric < PF_RATE_METRICS + 3 ? metric_names[metric] : "?";
}

int
pf_rate_kind_parse(const char *name)
{
	for (unsigned i = 0; i < PF_RATE_KINDS; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return (int)i;
	return -1;
}

void
pf_rate_store_key(GString *out, unsigned kind, unsigned metric,
		  const char *value)
{
	char *lower = g_ascii_strdown(value, -1);

	g_string_printf(out, "pf:rate:%s:%s:%s", pf_rate_kind_name(kind),
	    pf_rate_metric_name(metric), lower);
	g_free(lower);
}

/* "messages=RATE recipients=RATE": the one for metric, or -1 with why. */
static int
parse_override(const char *value, int metric, pf_rate_limit *lim,
	       bool *found, GString *why)
{
	gchar **words = g_strsplit_set(value, " \t", -1);
	int rc = 0;

	for (gchar **w = words; *w && rc == 0; w++) {
		const char *eq = strchr(*w, '=');
		int m = -1;
		pf_rate_limit tmp;

		if (**w == '\0')
			continue;
		for (unsigned i = 0; eq && i < PF_RATE_METRICS; i++)
			if (strlen(metric_names[i]) == (size_t)(eq - *w) &&
			    strncmp(*w, metric_names[i], eq - *w) == 0)
				m = (int)i;
		if (m < 0) {
			g_string_append_printf(why, "\"%s\": expected "
			    "messages=RATE or recipients=RATE", *w);
			rc = -1;
		} else if (pf_rate_limit_parse(eq + 1, &tmp, why) < 0) {
			rc = -1;
		} else if (m == metric) {
			*lim = tmp;
			*found = true;
		}
	}
	g_strfreev(words);
	return rc;
}

/* Keys are "value" or "kind:value" (an IPv6 address is just a value). */
static bool
validate_override(const char *key, const char *value, GString *why,
		  void *arg)
{
	pf_rate_limit lim;
	bool found = false;

	(void)arg;
	(void)key;
	if (*value == '\0') {
		g_string_append(why, "no limits given");
		return false;
	}
	return parse_override(value, 0, &lim, &found, why) == 0;
}

void
pf_rate_limit_for(const pf_rate_conf *rc, unsigned kind, unsigned metric,
		  const char *value, pf_rate_limit *lim, bool *override)
{
	const char *line = NULL;

	*lim = rc->limit[kind][metric];
	*override = false;
	if (rc->override_table) {
		GString *k = g_string_new(NULL);

		g_string_printf(k, "%s:%s", kind_names[kind], value);
		line = pf_table_lookup(rc->override_table, k->str);
		if (line == NULL)
			line = pf_table_lookup(rc->override_table, value);
		g_string_free(k, TRUE);
	}
	if (line) {
		GString *why = g_string_new(NULL);
		bool found = false;
		pf_rate_limit o;

		if (parse_override(line, (int)metric, &o, &found, why) == 0 &&
		    found) {
			*lim = o;
			*override = true;
		}
		g_string_free(why, TRUE);
	}
}

/*
 * An IPv6 client counts by its /64 (one customer's network: a host can
 * take any address in it), an IPv4-mapped one as IPv4; buf holds the
 * result when it differs from addr.
 */
static const char *
ip_key(const char *addr, char *buf, size_t len)
{
	struct in6_addr a6;
	char tmp[INET6_ADDRSTRLEN];

	if (g_ascii_strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	if (strchr(addr, ':') == NULL || inet_pton(AF_INET6, addr, &a6) != 1)
		return addr;
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		if (inet_ntop(AF_INET, a6.s6_addr + 12, buf, (socklen_t)len))
			return buf;
		return addr;
	}
	memset(a6.s6_addr + 8, 0, 8);
	if (inet_ntop(AF_INET6, &a6, tmp, sizeof(tmp)) == NULL)
		return addr;
	g_snprintf(buf, len, "%s/64", tmp);
	return buf;
}

/* The value a kind of key has in this message, or NULL. */
static const char *
key_value(const pf_message *msg, unsigned kind, char *buf, size_t len)
{
	const char *v = NULL;

	switch (kind) {
	case PF_RATE_USER: v = msg->auth_user; break;
	case PF_RATE_SENDER: v = msg->sender; break;
	case PF_RATE_DOMAIN: v = pf_message_sender_domain(msg); break;
	case PF_RATE_IP:
		if (msg->client_addr && *msg->client_addr)
			v = ip_key(msg->client_addr, buf, len);
		break;
	default: break;
	}
	return v && *v ? v : NULL;
}

/* Another enforced result asks to refuse what this stage is about. */
static bool
others_refuse(const pf_message *msg)
{
	if (msg->cfg->monitor)
		return false;
	for (guint i = 0; i < msg->results->len; i++) {
		const pf_result *r = msg->results->pdata[i];

		if (r->mode == PF_MODE_ENFORCE && r->action >= PF_ACTION_TEMPFAIL)
			return true;
	}
	return false;
}

typedef struct rate_ask {
	pf_rate_limit lim;
	GString *key;
	const char *value;
	unsigned kind;
	bool override;
	char ip[INET6_ADDRSTRLEN + 4];	/* "2001:db8::/64" */
} rate_ask;

static void
over_limit(pf_message *msg, unsigned metric, const rate_ask *a,
	   const pf_rate_req *q)
{
	pf_action action = msg->cfg->rate.limit_action[a->kind][metric];
	bool reject = action == PF_ACTION_REJECT;
	GString *lim = g_string_new(NULL);
	long long retry_s = (q->wait_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
	pf_result *r = pf_result_add(msg, PF_CHECK_RATE, codes[a->kind][metric],
	    action, 0, reject ? "550" : "451", reject ? "5.7.28" : "4.7.28");

	pf_rate_limit_format(lim, &a->lim);
	pf_result_text(r, "Too many %s for %s %s: the limit is %s and %.1f "
	    "were sent recently; the next is accepted in %lld s",
	    metric_names[metric], kind_names[a->kind], a->value, lim->str,
	    q->level_units, retry_s);
	pf_result_fix(r, "Send the rest later (the MTA retries deferred mail "
	    "on its own). If this volume is expected, ask the postmaster to "
	    "raise the limit for %s %s; if not, the account may be "
	    "compromised", kind_names[a->kind], a->value);
	pf_result_fact(r, "key", "%s:%s", kind_names[a->kind], a->value);
	pf_result_fact(r, "limit", "%s", lim->str);
	pf_result_fact(r, "scope", "%s", a->override ? "override" : "global");
	pf_result_fact(r, "level", "%.1f", q->level_units);
	pf_result_fact(r, "retry_s", "%lld", retry_s);
	g_string_free(lim, TRUE);
}

static void
store_unavailable(pf_message *msg)
{
	const pf_rate_conf *rc = &msg->cfg->rate;
	pf_result *r = pf_result_add(msg, PF_CHECK_RATE, "rate.unavailable",
	    rc->on_error == PF_ACTION_TEMPFAIL ? PF_ACTION_TEMPFAIL :
	    PF_ACTION_NONE, 0, "451", "4.3.0");

	pf_result_text(r, "Rate limits could not be applied: the rate store "
	    "(%s) did not answer within %lu ms", pf_rate_store_name(rc->store),
	    rc->timeout);
	pf_result_fix(r, "Check the rate store (see the warning lines in the "
	    "log); mail is %s meanwhile ([rate] on_error)",
	    rc->on_error == PF_ACTION_TEMPFAIL ? "deferred" :
	    "accepted without limits");
	pf_result_fact(r, "applied", "no");
	pf_result_fact(r, "store", "%s", pf_rate_store_name(rc->store));
}

/*
 * The MAIL FROM call: the message's units (req[0..n)) and, tentatively,
 * its first recipient's (req[n..n+nrcpt), group 1: taken only if the
 * message is), sent at MAIL FROM and read at the first RCPT TO, so that
 * the MTA's round trip covers the store's.  What it decided about the
 * message is said at that RCPT TO, and again at every later one when it
 * refuses the message.  The first recipient's part is used by its RCPT
 * TO, or given back if that is refused by another check (and not to be
 * counted) or never comes (the transaction ends: mail_free).
 */
typedef struct rate_mail {
	pf_rate_store *store;		/* the message's configuration's */
	pf_rate_pending *pending;	/* until the first RCPT TO */
	rate_ask ask[2 * PF_RATE_KINDS];
	pf_rate_req req[2 * PF_RATE_KINDS];
	size_t n, nrcpt;
	pf_rate_commit commit;
	bool refused;			/* a message limit refuses it */
	bool first_ok;			/* req[n..] holds a decision to use */
	bool committed;			/* and its units were taken */
} rate_mail;

/* Give the first recipient's units back if they were taken. */
static void
give_back_first(rate_mail *m)
{
	if (m->committed)
		(void)pf_rate_store_take(m->store, m->req + m->n, m->nrcpt,
		    pf_rate_now_us(), PF_RATE_REFUND);
	m->committed = false;
	m->first_ok = false;
}

/* Read the call's answer; what it decided kept in m.  0 or -1. */
static int
mail_read(rate_mail *m)
{
	bool fits[PF_RATE_GROUPS] = {true, true};

	if (pf_rate_store_take_end(&m->pending) < 0)
		return -1;
	for (size_t i = 0; i < m->n + m->nrcpt; i++)
		if (!m->req[i].admitted && m->req[i].refuses)
			fits[m->req[i].group] = false;
	m->refused = !fits[0];
	m->first_ok = m->nrcpt && (fits[0] || m->commit != PF_RATE_IF_ADMITTED);
	m->committed = m->first_ok && (m->commit == PF_RATE_CHARGE ||
	    (m->commit == PF_RATE_IF_ADMITTED && fits[1]));
	return 0;
}

static void
mail_free(void *state)
{
	rate_mail *m = state;

	if (m->pending)		/* no RCPT TO came: read it all the same */
		(void)mail_read(m);
	give_back_first(m);
	for (size_t i = 0; i < m->n + m->nrcpt; i++)
		g_string_free(m->ask[i].key, TRUE);
	g_free(m);
}

/* The requests of one metric, after a[0..], q[0..]; how many. */
static size_t
asks(pf_message *msg, unsigned metric, bool refused, unsigned group,
     rate_ask *a, pf_rate_req *q)
{
	const pf_rate_conf *rc = &msg->cfg->rate;
	bool enforce = !msg->cfg->monitor && rc->mode == PF_MODE_ENFORCE;
	size_t n = 0;

	for (unsigned kind = 0; kind < PF_RATE_KINDS; kind++) {
		if ((a[n].value = key_value(msg, kind, a[n].ip,
					    sizeof(a[n].ip))) == NULL)
			continue;
		pf_rate_limit_for(rc, kind, metric, a[n].value, &a[n].lim,
				  &a[n].override);
		if (a[n].lim.count == 0)
			continue;
		a[n].kind = kind;
		a[n].key = g_string_new(NULL);
		pf_rate_store_key(a[n].key, kind, metric, a[n].value);
		memset(&q[n], 0, sizeof(q[n]));
		q[n].key = a[n].key->str;
		q[n].interval_us = a[n].lim.period_us / (int64_t)a[n].lim.count;
		q[n].burst = a[n].lim.burst;
		q[n].n = 1;
		q[n].group = group;
		q[n].refuses = enforce && !refused &&
		    rc->limit_action[kind][metric] >= PF_ACTION_TEMPFAIL;
		n++;
	}
	return n;
}

static pf_rate_commit
commit_mode(const pf_rate_conf *rc)
{
	return rate_peek ? PF_RATE_PEEK : rc->count_refused ?
	    PF_RATE_CHARGE : PF_RATE_IF_ADMITTED;
}

/* MAIL FROM: the signals, then the message's call sent. */
static void
rate_mail_run(pf_message *msg)
{
	const pf_rate_conf *rc = &msg->cfg->rate;
	bool refused = false;
	rate_mail *m;

	if (!rate_peek && !others_refuse(msg))
		pf_rate_signal_surge(msg);
	if (others_refuse(msg)) {
		if (!rc->count_refused)
			return;
		refused = true;
	}
	m = g_new0(rate_mail, 1);
	m->n = asks(msg, PF_RATE_MESSAGES, refused, 0, m->ask, m->req);
	m->nrcpt = asks(msg, PF_RATE_RECIPIENTS, refused, 1, m->ask + m->n,
			m->req + m->n);
	if (m->n + m->nrcpt == 0) {
		g_free(m);
		return;
	}
	m->store = rc->store;
	m->commit = commit_mode(rc);
	m->pending = pf_rate_store_take_begin(m->store, m->req,
	    m->n + m->nrcpt, pf_rate_now_us(), m->commit);
	msg->state[PF_CHECK_RATE] = m;
}

/*
 * At a RCPT TO, what the MAIL FROM call decided about the message: read
 * and said at the first, said again at the others when it refuses.
 * False when the store did not answer (said, rate.unavailable).
 */
static bool
mail_report(pf_message *msg, rate_mail *m)
{
	if (m->pending == NULL) {
		for (size_t i = 0; m->refused && i < m->n; i++)
			if (!m->req[i].admitted && m->req[i].refuses)
				over_limit(msg, PF_RATE_MESSAGES, &m->ask[i],
				    &m->req[i]);
		return true;
	}
	if (mail_read(m) < 0) {
		store_unavailable(msg);
		return false;
	}
	for (size_t i = 0; i < m->n; i++)
		if (!m->req[i].admitted)
			over_limit(msg, PF_RATE_MESSAGES, &m->ask[i],
			    &m->req[i]);
	return true;
}

/* The MAIL FROM call's decision for these requests, if it made one. */
static bool
use_first(rate_mail *m, pf_rate_req *q, size_t n)
{
	bool same;

	if (m == NULL || !m->first_ok)
		return false;
	same = m->nrcpt == n;
	for (size_t i = 0; same && i < n; i++)
		same = strcmp(m->req[m->n + i].key, q[i].key) == 0;
	if (same) {
		m->committed = false;	/* taken for this recipient */
		for (size_t i = 0; i < n; i++) {
			q[i].admitted = m->req[m->n + i].admitted;
			q[i].level_units = m->req[m->n + i].level_units;
			q[i].wait_us = m->req[m->n + i].wait_us;
		}
	}
	give_back_first(m);
	return same;
}

static void
rate_run(pf_message *msg, pf_stage stage)
{
	const pf_rate_conf *rc = &msg->cfg->rate;
	rate_mail *m = msg->state[PF_CHECK_RATE];
	bool refused = false;
	rate_ask ask[PF_RATE_KINDS];
	pf_rate_req req[PF_RATE_KINDS];
	size_t n;

	if (!rc->active)
		return;
	if (stage == PF_STAGE_MAIL) {
		rate_mail_run(msg);
		return;
	}
	if (stage == PF_STAGE_EOM) {	/* no RCPT TO (preflight scan) */
		if (m && m->pending)
			(void)mail_report(msg, m);
		return;
	}
	if (m && !mail_report(msg, m))
		return;		/* the store is down: said once */
	if (!rate_peek && !others_refuse(msg))
		pf_rate_signal_domains(msg);
	if (others_refuse(msg)) {
		if (!rc->count_refused) {
			if (m)
				give_back_first(m);
			return;
		}
		refused = true;
	}
	if ((n = asks(msg, PF_RATE_RECIPIENTS, refused, 0, ask, req)) == 0)
		return;
	if (use_first(m, req, n)) {
		/* decided at MAIL FROM */
	} else if (pf_rate_store_take(rc->store, req, n, pf_rate_now_us(),
	    commit_mode(rc)) < 0) {
		store_unavailable(msg);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (!req[i].admitted)
			over_limit(msg, PF_RATE_RECIPIENTS, &ask[i], &req[i]);
out:
	for (size_t i = 0; i < n; i++)
		g_string_free(ask[i].key, TRUE);
}

/* Off unless some limit is set: no stage is asked for, no store used. */
static pf_mode *
rate_mode(pf_config *cfg)
{
	return &cfg->rate.run_mode;
}

static int
rate_configure(pf_config *cfg, GString *err)
{
	pf_rate_conf *rc = &cfg->rate;
	const char *path = cfg->path ? cfg->path : "(defaults)";
	GString *why = g_string_new(NULL);
	int rc_ = 0;

	for (unsigned k = 0; k < PF_RATE_KINDS; k++)
		for (unsigned m = 0; m < PF_RATE_METRICS; m++) {
			g_string_truncate(why, 0);
			if (pf_rate_limit_parse(rc->limit_text[k][m],
			    &rc->limit[k][m], why) < 0) {
				g_string_append_printf(err, "%s: rate.%s_%s = "
				    "\"%s\": %s\n", path, kind_names[k],
				    metric_names[m], rc->limit_text[k][m],
				    why->str);
				rc_ = -1;
			}
			if (rc->limit[k][m].count)
				rc->active = true;
		}
	g_string_truncate(why, 0);
	if (pf_rate_limit_parse(rc->domains_text, &rc->domains, why) < 0) {
		g_string_append_printf(err, "%s: rate.user_recipient_domains = "
		    "\"%s\": %s\n", path, rc->domains_text, why->str);
		rc_ = -1;
	}
	if (rc->domains.count || rc->surge_factor)
		rc->active = true;
	if (rc->on_error != PF_ACTION_ACCEPT &&
	    rc->on_error != PF_ACTION_TEMPFAIL) {
		g_string_append_printf(err, "%s: rate.on_error: expected accept "
		    "or tempfail\n", path);
		rc_ = -1;
	}
	if (rc->overrides) {
		rc->override_table = pf_table_load(rc->overrides,
		    validate_override, NULL, err);
		if (rc->override_table == NULL)
			rc_ = -1;
		else
			rc->active = true;
	}
	if (rc_ == 0 && rc->active && rc->mode != PF_MODE_OFF) {
		pf_rate_redis_tls tls = {rc->redis_tls_ca_file,
		    rc->redis_tls_cert_file, rc->redis_tls_key_file};

		g_string_truncate(why, 0);
		rc->store = rc->redis ?
		    pf_rate_store_redis_new(rc->redis, rc->redis_password,
			rc->timeout, rc->pool_size, &tls, why) :
		    pf_rate_store_memory_get(rc->max_keys);
		if (rc->store == NULL) {
			g_string_append_printf(err, "%s: rate.redis = \"%s\": "
			    "%s\n", path, rc->redis, why->str);
			rc_ = -1;
		}
	}
	if (rc->store == NULL)
		rc->active = false;
	rc->run_mode = rc->active ? rc->mode : PF_MODE_OFF;
	g_string_free(why, TRUE);
	return rc_;
}

static void
rate_unconfigure(pf_config *cfg)
{
	pf_rate_store_free(&cfg->rate.store);
	pf_table_free(&cfg->rate.override_table);
	cfg->rate.active = false;
	cfg->rate.run_mode = PF_MODE_OFF;
}

const pf_check pf_check_rate = {
	.id = PF_CHECK_RATE,
	.name = "rate",
	.stages = PF_STAGE_MAIL | PF_STAGE_RCPT | PF_STAGE_EOM,
	.mode = rate_mode,
	.run = rate_run,
	.configure = rate_configure,
	.unconfigure = rate_unconfigure,
	.free_state = mail_free,
};
