/*
 * NAME
 *	watch - the relay's reputation, rechecked in the background
 * SYNOPSIS
 *	#include "dns/watch.h"
 *
 *	void pf_watch_start(pf_config *(*current)(void));
 *	void pf_watch_stop(void);
 *	void pf_watch_run_once(pf_config *cfg);
 *	pf_watch_listing *pf_watch_listed(void);
 *	void pf_watch_listing_free(pf_watch_listing **l);
 * DESCRIPTION
 *	One watch per process (the daemon's).  pf_watch_start() starts a
 *	thread that, every [dnsbl] interval seconds of the configuration
 *	current() returns at that moment (a new reference, released by the
 *	watch), looks every [spf] egress_ips address up in every [dnsbl]
 *	ip_lists zone (dnsbl.h), and checks its PTR, whether the PTR name
 *	resolves back to it and whether [spf] helo_name resolves to it
 *	(ptr.h): the first state is logged, and each change, as a warning
 *	when something is missing.  Nothing is looked up per message: a check
 *	only reads the last result with pf_watch_listed().  When the set of
 *	listings changes the watch logs one line: a warning naming the IP,
 *	the list, the codes and the delisting fix, or an informational line
 *	when an IP is no longer listed.  Answers that are errors
 *	(127.255.255.254 and the like) and DNS failures leave the last state
 *	as it was (they are logged once per change too).  interval 0 leaves
 *	the watch idle.  The thread blocks every signal (they are the
 *	daemon's signal thread's).  pf_watch_stop() ends the thread and forgets the
 *	state; both may be called once each.  pf_watch_run_once() does one
 *	round now, in the caller's thread (tests, start-up).
 *
 *	pf_watch_listed() returns a copy of the first current listing
 *	(caller frees with pf_watch_listing_free()), or NULL when no egress
 *	IP is listed or the watch has not run.
 */
#ifndef PF_WATCH_H
#define PF_WATCH_H

#include "core/config.h"

typedef struct pf_watch_listing {
	char *ip;
	char *zone;
	char *codes;		/* "127.0.0.2,127.0.0.4" */
	char *meaning;
	char *fix;
	unsigned count;		/* listings in all (IP, zone pairs) */
} pf_watch_listing;

void pf_watch_start(pf_config *(*current)(void));
void pf_watch_stop(void);
void pf_watch_run_once(pf_config *cfg);
pf_watch_listing *pf_watch_listed(void);
void pf_watch_listing_free(pf_watch_listing **l);

#endif
