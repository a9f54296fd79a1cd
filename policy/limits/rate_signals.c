/*
 * NAME
 *	rate_signals - the compromise signals of the rate check: many
 *	recipient domains, and a surge over a user's own history
 * SYNOPSIS
 *	#include "limits/rate_signals.h"
 *
 *	void pf_rate_signal_domains(pf_message *msg);
 *	void pf_rate_signal_surge(pf_message *msg);
 * DESCRIPTION
 *	Scored, never refused by themselves (the verdict engine adds the
 *	scores); each finding names its numbers.  rate.c calls them: both
 *	need a SASL user, and the configuration's store.
 *
 *	pf_rate_signal_domains(), at each RCPT TO, with
 *	user_recipient_domains: each recipient domain a user has not written
 *	to within the period takes one unit of that user's distinct-domains
 *	bucket; over it, rate.many-domains adds user_recipient_domains_score
 *	(once a message).
 *
 *	pf_rate_signal_surge(), at MAIL FROM, with user_surge_factor: the
 *	user's messages in the current window (fixed windows, the store's
 *	count()) against its own average over the windows before; over
 *	factor times it (and at least user_surge_min), rate.surge adds
 *	user_surge_score.
 * DIAGNOSTICS
 *	A store that does not answer: no finding here (the limits say
 *	rate.unavailable).
 */
#include <string.h>

#include "core/check.h"
#include "limits/rate.h"
#include "limits/rate_signals.h"

static bool
has_code(const pf_message *msg, const char *code)
{
	for (guint i = 0; i < msg->results->len; i++)
		if (strcmp(((const pf_result *)msg->results->pdata[i])->code,
			   code) == 0)
			return true;
	return false;
}

/*
 * The compromise signal: a recipient domain this user has not written to
 * in the period (its "seen" bucket, burst 1, was empty) takes one unit of
 * the user's distinct-domains bucket; over it, a score, once a message.
 */
void
pf_rate_signal_domains(pf_message *msg)
{
	const pf_rate_conf *rc = &msg->cfg->rate;
	const pf_rate_limit *lim = &rc->domains;
	const char *rcpt, *at;
	GString *seen_key, *key, *l;
	pf_rate_req q;
	int64_t now = pf_rate_now_us();
	pf_result *r;
	char *domain;

	if (lim->count == 0 || msg->auth_user == NULL || msg->rcpts->len == 0 ||
	    has_code(msg, "rate.many-domains"))
		return;
	rcpt = msg->rcpts->pdata[msg->rcpts->len - 1];
	if ((at = strrchr(rcpt, '@')) == NULL || at[1] == '\0')
		return;
	domain = g_strndup(at + 1, strcspn(at + 1, ">"));
	seen_key = g_string_new(NULL);
	key = g_string_new(NULL);
	g_string_printf(key, "%s@%s", msg->auth_user, domain);
	pf_rate_store_key(seen_key, PF_RATE_USER, PF_RATE_METRICS, key->str);
	pf_rate_store_key(key, PF_RATE_USER, PF_RATE_METRICS + 1,
			  msg->auth_user);
	memset(&q, 0, sizeof(q));
	q.key = seen_key->str;
	q.interval_us = lim->period_us;
	q.burst = 1;
	q.n = 1;
	if (pf_rate_store_take(rc->store, &q, 1, now, PF_RATE_IF_ADMITTED) < 0 ||
	    !q.admitted)
		goto out;		/* unavailable: said by the limits */
	q.key = key->str;
	q.interval_us = lim->period_us / (int64_t)lim->count;
	q.burst = lim->burst;
	if (pf_rate_store_take(rc->store, &q, 1, now, PF_RATE_IF_ADMITTED) < 0 ||
	    q.admitted)
		goto out;
	l = g_string_new(NULL);
	pf_rate_limit_format(l, lim);
	r = pf_result_add(msg, PF_CHECK_RATE, "rate.many-domains",
	    PF_ACTION_NONE, (int)rc->domains_score, "451", "4.7.28");
	pf_result_text(r, "User %s wrote to a new recipient domain (%s) after "
	    "%.0f others recently, over [rate] user_recipient_domains %s: the "
	    "account may be compromised", msg->auth_user, domain,
	    q.level_units, l->str);
	pf_result_fix(r, "If this mail is expected, raise [rate] "
	    "user_recipient_domains; if not, change the password of %s",
	    msg->auth_user);
	pf_result_fact(r, "user", "%s", msg->auth_user);
	pf_result_fact(r, "domains", "%.0f", q.level_units);
	pf_result_fact(r, "limit", "%s", l->str);
	pf_result_fact(r, "domain", "%s", domain);
	g_string_free(l, TRUE);
out:
	g_string_free(seen_key, TRUE);
	g_string_free(key, TRUE);
	g_free(domain);
}

/*
 * The other signal: this user's messages in the current window against
 * its own average over the windows before (fixed windows: a signal, not a
 * limit).  Scored on every message past the threshold.
 */
void
pf_rate_signal_surge(pf_message *msg)
{
	const pf_rate_conf *rc = &msg->cfg->rate;
	unsigned long counts[PF_RATE_MAX_WINDOWS + 1], sum = 0;
	unsigned nwin = (unsigned)rc->surge_history;
	GString *key;
	double avg;
	pf_result *r;
	int st;

	if (rc->surge_factor == 0 || msg->auth_user == NULL)
		return;
	key = g_string_new(NULL);
	pf_rate_store_key(key, PF_RATE_USER, PF_RATE_METRICS + 2,
			  msg->auth_user);
	st = pf_rate_store_count(rc->store, key->str,
	    (int64_t)rc->surge_window * G_USEC_PER_SEC, nwin,
	    pf_rate_now_us(), counts);
	g_string_free(key, TRUE);
	if (st < 0)
		return;		/* unavailable: said by the limits */
	for (unsigned i = 1; i <= nwin; i++)
		sum += counts[i];
	avg = (double)sum / nwin;
	if (counts[0] < rc->surge_min ||
	    (double)counts[0] <= avg * (double)rc->surge_factor)
		return;
	r = pf_result_add(msg, PF_CHECK_RATE, "rate.surge", PF_ACTION_NONE,
	    (int)rc->surge_score, "451", "4.7.28");
	pf_result_text(r, "User %s sent %lu messages in this %lu s window, "
	    "more than %lu times its average of %.1f over the %u windows "
	    "before: the account may be compromised", msg->auth_user,
	    counts[0], rc->surge_window, rc->surge_factor, avg, nwin);
	pf_result_fix(r, "If this volume is expected, raise [rate] "
	    "user_surge_factor; if not, change the password of %s",
	    msg->auth_user);
	pf_result_fact(r, "user", "%s", msg->auth_user);
	pf_result_fact(r, "count", "%lu", counts[0]);
	pf_result_fact(r, "average", "%.1f", avg);
	pf_result_fact(r, "factor", "%lu", rc->surge_factor);
	pf_result_fact(r, "window_s", "%lu", rc->surge_window);
}
