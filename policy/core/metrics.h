/*
 * NAME
 *	metrics - process-wide counters for the Prometheus /metrics page
 * SYNOPSIS
 *	void pf_metrics_enable(void);
 *	bool pf_metrics_enabled(void);
 *
 *	void pf_metrics_message_begin(void);
 *	void pf_metrics_message_end(const int64_t check_us[], unsigned ran);
 *	void pf_metrics_result(pf_check_id check, pf_action action);
 *	void pf_metrics_decision(pf_action action, int64_t elapsed_us);
 *	void pf_metrics_reason(pf_check_id check, const char *code);
 *	void pf_metrics_dns(pf_metrics_dns_event ev);
 *	void pf_metrics_dkim_signature(bool ed25519);
 *	void pf_metrics_dkim_key(const char *domain, const char *selector,
 *				 const char *state);
 *	void pf_metrics_dkim_keys_reset(void);
 *	void pf_metrics_config_loaded(void);
 *	void pf_metrics_reload_failed(void);
 *
 *	void pf_metrics_render(GString *out);
 *	int pf_metrics_parse_listen(const char *text,
 *				    struct sockaddr_storage *ss,
 *				    socklen_t *len, GString *why);
 * DESCRIPTION
 *	Counting is off until pf_metrics_enable() (the milter calls it at
 *	start when [metrics] listen is set); while off every counting call
 *	returns after one relaxed load.  Counters are C11 atomics updated
 *	with relaxed order: no lock is taken per message.  The only locks
 *	are for the first sight of a reason code and for the DKIM key
 *	table, neither on a per-message path once warm.
 *
 *	pf_metrics_message_begin()/_end() bracket one transaction (the
 *	pipeline calls them): in-flight gauge, and each check's run time
 *	for the message (check_us[i] for the checks whose bit is set in
 *	ran) observed in its histogram.  pf_metrics_decision() counts one
 *	decision by action with its latency; pf_metrics_reason() counts one
 *	reason code of it.  Reason codes are interned in a fixed table of
 *	PF_METRICS_CODES entries; a code that does not start with its
 *	check's name and a dot, has characters outside [a-z0-9._-], is
 *	longer than PF_METRICS_CODE_MAX or finds the table full counts as
 *	code="other": label values stay bounded and free of free text.
 *
 *	pf_metrics_dkim_key() records the last published-record state of
 *	one signing key (at most PF_METRICS_KEYS keys);
 *	pf_metrics_dkim_keys_reset() forgets them all, before a reload checks
 *	the new configuration's keys, so that a key taken out of it
 *	disappears from the page.
 *
 *	pf_metrics_render() appends the whole page in the Prometheus text
 *	exposition format (version 0.0.4) to out.  It takes no lock on the
 *	counters; a histogram's _count is the sum of its buckets, so the
 *	+Inf bucket and _count always agree.
 *
 *	pf_metrics_parse_listen() reads "ADDRESS:PORT" or "[IPV6]:PORT"
 *	(numeric address, port 1-65535): 0, or -1 with the reason appended
 *	to why.  ss and len may be NULL to only check the text.
 */
#ifndef PF_METRICS_H
#define PF_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <glib.h>

#include "core/config.h"

#define PF_METRICS_CODES 256
#define PF_METRICS_CODE_MAX 48
#define PF_METRICS_KEYS 64

typedef enum pf_metrics_dns_event {
	PF_METRICS_DNS_LOOKUP,		/* every query asked of the resolver */
	PF_METRICS_DNS_CACHE_HIT,	/* answered from its cache */
	PF_METRICS_DNS_TIMEOUT,		/* no answer within the timeout */
	PF_METRICS_DNS_FAILURE,		/* other temporary failure */
	PF_METRICS_DNS_EVENTS
} pf_metrics_dns_event;

void pf_metrics_enable(void);
bool pf_metrics_enabled(void);

void pf_metrics_message_begin(void);
void pf_metrics_message_end(const int64_t check_us[], unsigned ran);
void pf_metrics_result(pf_check_id check, pf_action action);
void pf_metrics_decision(pf_action action, int64_t elapsed_us);
void pf_metrics_reason(pf_check_id check, const char *code);
void pf_metrics_dns(pf_metrics_dns_event ev);
void pf_metrics_dkim_signature(bool ed25519);
void pf_metrics_dkim_key(const char *domain, const char *selector,
			 const char *state);
void pf_metrics_dkim_keys_reset(void);
void pf_metrics_config_loaded(void);
void pf_metrics_reload_failed(void);

void pf_metrics_render(GString *out);
int pf_metrics_parse_listen(const char *text, struct sockaddr_storage *ss,
			    socklen_t *len, GString *why);

#endif
