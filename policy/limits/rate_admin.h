/*
 * NAME
 *	rate_admin - show and reset rate buckets (preflight rate, and the
 *	milter's control socket for its in-process store)
 * SYNOPSIS
 *	int pf_rate_show(const pf_rate_conf *rc, const char *key,
 *			 GString *out);
 *	int pf_rate_reset(const pf_rate_conf *rc, const char *key,
 *			  GString *out);
 * DESCRIPTION
 *	key is "kind:value" (user:alice, sender:a@example.com,
 *	domain:example.com, ip:192.0.2.1) or a bare value, which means every
 *	kind.  pf_rate_show() appends one line per bucket of key (both
 *	metrics, limited or holding something), or with key NULL one per
 *	live bucket in the store: "kind:value metric level=L limit="..."
 *	scope=global|override next_s=S empty_s=S" (next_s: seconds until
 *	one more fits; empty_s: until the bucket is empty).
 *	pf_rate_reset() empties key's buckets.  Both return 0, or -1 when
 *	the store did not answer.
 */
#ifndef PF_RATE_ADMIN_H
#define PF_RATE_ADMIN_H

#include <glib.h>

#include "core/config.h"

int pf_rate_show(const pf_rate_conf *rc, const char *key, GString *out);
int pf_rate_reset(const pf_rate_conf *rc, const char *key, GString *out);

#endif
