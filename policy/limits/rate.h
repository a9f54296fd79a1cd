/*
 * NAME
 *	rate - rate limit keys and clock, shared by the check (rate.c) and
 *	preflight rate (tools/ratecmd.c)
 * SYNOPSIS
 *	void pf_rate_set_clock(int64_t (*now_us)(void));
 *	void pf_rate_set_peek(bool peek);
 *	int64_t pf_rate_now_us(void);
 *	const char *pf_rate_kind_name(unsigned kind);
 *	const char *pf_rate_metric_name(unsigned metric);
 *	int pf_rate_kind_parse(const char *name);
 *	void pf_rate_store_key(GString *out, unsigned kind, unsigned metric,
 *			       const char *value);
 *	void pf_rate_limit_for(const pf_rate_conf *rc, unsigned kind,
 *			       unsigned metric, const char *value,
 *			       pf_rate_limit *lim, bool *override);
 * DESCRIPTION
 *	Buckets are dated by the real-time clock (microseconds), the same
 *	in every milter sharing a Redis; pf_rate_set_clock() replaces it
 *	(tests; NULL restores it).  pf_rate_set_peek(true) makes the check
 *	decide without counting anything (preflight scan: a dry run must not
 *	use up a user's allowance in a shared store).
 *
 *	A kind is user, sender, domain or ip (0-3), a metric messages or
 *	recipients (0-1).  pf_rate_store_key() writes the store key for one
 *	bucket: "pf:rate:KIND:METRIC:value", value lower-cased.
 *	pf_rate_limit_for() is the limit that applies to value: its line
 *	in [rate] overrides ("kind:value" first, then "value") or the
 *	[rate] key of that kind and metric.
 */
#ifndef PF_RATE_H
#define PF_RATE_H

#include "core/config.h"
#include "limits/store.h"

enum { PF_RATE_USER, PF_RATE_SENDER, PF_RATE_DOMAIN, PF_RATE_IP };
enum { PF_RATE_MESSAGES, PF_RATE_RECIPIENTS };

void pf_rate_set_clock(int64_t (*now_us)(void));
void pf_rate_set_peek(bool peek);
int64_t pf_rate_now_us(void);
const char *pf_rate_kind_name(unsigned kind);
const char *pf_rate_metric_name(unsigned metric);
int pf_rate_kind_parse(const char *name);
void pf_rate_store_key(GString *out, unsigned kind, unsigned metric,
		       const char *value);
void pf_rate_limit_for(const pf_rate_conf *rc, unsigned kind,
		       unsigned metric, const char *value, pf_rate_limit *lim,
		       bool *override);

#endif
