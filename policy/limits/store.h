/*
 * NAME
 *	store - where rate buckets live: a small function table with an
 *	in-process implementation (store_memory.c) and a Redis one
 *	(store_redis.c)
 * SYNOPSIS
 *	int pf_rate_store_take(pf_rate_store *s, pf_rate_req *reqs,
 *			       size_t nreqs, int64_t now_us, pf_rate_commit commit);
 *	pf_rate_pending *pf_rate_store_take_begin(pf_rate_store *s,
 *			pf_rate_req *reqs, size_t nreqs, int64_t now_us,
 *			pf_rate_commit commit);
 *	int pf_rate_store_take_end(pf_rate_pending **p);
 *	int pf_rate_store_count(pf_rate_store *s, const char *key,
 *				int64_t window_us, unsigned nwin,
 *				int64_t now_us, unsigned long *counts);
 *	int pf_rate_store_get(pf_rate_store *s, const char *key,
 *			      int64_t *tat_us);
 *	int pf_rate_store_reset(pf_rate_store *s, const char *key);
 *	int pf_rate_store_list(pf_rate_store *s, pf_rate_list_fn fn,
 *			       void *arg);
 *	const char *pf_rate_store_name(const pf_rate_store *s);
 *	void pf_rate_store_free(pf_rate_store **s);
 *
 *	pf_rate_store *pf_rate_store_memory_get(unsigned long max_keys);
 *	pf_rate_store *pf_rate_store_redis_new(const char *url,
 *		const char *password, unsigned long timeout_ms,
 *		unsigned long pool_size, const pf_rate_redis_tls *tls,
 *		GString *err);
 *
 *	void pf_rate_bucket_decide(pf_rate_req *reqs, size_t nreqs,
 *				   const int64_t *tat_us, int64_t now_us,
 *				   pf_rate_commit commit, int64_t *new_tat_us);
 *	int pf_rate_limit_parse(const char *text, pf_rate_limit *lim,
 *				GString *why);
 *	void pf_rate_limit_format(GString *out, const pf_rate_limit *lim);
 * DESCRIPTION
 *	A bucket is one number per key: its "theoretical arrival time" (tat,
 *	microseconds of the real-time clock), the generic cell rate
 *	algorithm.  A limit of count units per period with burst b leaks
 *	one unit every interval = period / count; the bucket holds
 *	(tat - now) / interval units.  n units fit when
 *	max(tat, now) + n * interval - now <= b * interval; taking them
 *	moves tat there.  This is a continuous leaky bucket, not a fixed
 *	window: a full bucket frees one unit every interval.  A key whose
 *	tat has passed holds nothing and may be forgotten: that is how keys
 *	expire (Redis: PEXPIREAT tat; memory: an LRU that drops them).
 *
 *	take() asks for several buckets at once (one message's keys) and
 *	is atomic over them: the decision for each request is made first
 *	(pf_rate_bucket_decide, the one copy of the maths, mirrored by the
 *	Lua script of the Redis store), then every bucket is moved only if
 *	no request whose refusal refuses the message (req->refuses) was
 *	refused (PF_RATE_IF_ADMITTED); with PF_RATE_CHARGE they move anyway
 *	(refused attempts count), capped at a full bucket; with PF_RATE_PEEK
 *	never (preflight scan: what would happen, nothing counted).  Requests
 *	come in two groups (req->group): group 0 moves as said, group 1 only
 *	when group 0 moves too and none of its own refusing requests was
 *	refused.  That lets one call take a message's units and, tentatively,
 *	its first recipient's (rate.c).  PF_RATE_REFUND gives n units back to
 *	each bucket (an emptied bucket is forgotten).  Each request gets
 *	admitted, level_units (after the decision) and wait_us (refused:
 *	until it would fit).  take() returns 0, or -1 when the store could
 *	not answer (timeout, connection lost, no server): the caller
 *	applies [rate] on_error.
 *
 *	take_begin() and take_end() are take() in two halves, so that a
 *	caller can let the store work while it goes on: take_begin() sends
 *	the call where the store is remote (Redis: the request is written,
 *	its answer read by take_end()) and decides at once where it is not.
 *	reqs must stay as they are until take_end(), which fills them,
 *	frees the pending call, sets *p to NULL and returns what take()
 *	would.  Every take_begin() has its one take_end(); the store does
 *	not hold a connection for a call that waits: another caller that
 *	needs it reads the answer and keeps it for take_end().
 *
 *	count() is the one fixed-window operation (incr_window), for the
 *	compromise signals rather than limits: it adds one to the counter of
 *	the current window (now_us / window_us) of key and returns it in
 *	counts[0], the counters of the nwin windows before it in
 *	counts[1..nwin] (0 when absent); counters expire after nwin + 1
 *	windows.
 *
 *	get() returns a key's tat (0 for none), reset() forgets a key,
 *	list() calls fn for every live key (the memory store; Redis: SCAN
 *	over the prefix).  Every store is thread-safe.
 *
 *	pf_rate_store_memory_get() returns a reference to the one
 *	in-process store of this process (created at the first call):
 *	configurations share it, so buckets survive a reload; max_keys of
 *	the newest call bounds it (least recently used keys are dropped
 *	first; 0 leaves the bound as it is).  pf_rate_store_redis_new()
 *	parses url ("redis://host:port/db", "rediss://host:port/db" for
 *	TLS, or "unix:/path[?db=N]") and returns a store that connects on
 *	first use; NULL with the reason in err when url is malformed, when
 *	tls's files do not load, or when tls names files but url is not
 *	rediss:// (it would not be encrypted).  TLS verifies the server's
 *	certificate and its name (the URL's host) and presents cert_file
 *	when set (redis_conn.h).
 *	pf_rate_store_free() drops a reference
 *	and sets *s to NULL.
 *
 *	pf_rate_limit_parse() reads "COUNT/PERIOD[:BURST]" (PERIOD: [N]s,
 *	m, h or d; BURST defaults to COUNT) or "off"/"0" (no limit).
 */
#ifndef PF_RATE_STORE_H
#define PF_RATE_STORE_H

#define PF_RATE_MAX_WINDOWS 168	/* count(): nwin at most */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "core/config.h"

/* count units per period_us, burst at once; count 0: no limit */
typedef pf_rate_limit_conf pf_rate_limit;

typedef struct pf_rate_req {
	const char *key;		/* store key, "pf:rate:u:m:alice" */
	int64_t interval_us;		/* period / count */
	unsigned long burst;
	unsigned long n;		/* units asked */
	bool refuses;			/* its refusal refuses the message */
	unsigned group;			/* 0 or 1: see take() */
	/* results */
	bool admitted;
	double level_units;		/* in the bucket after the decision */
	int64_t wait_us;		/* refused: until n units fit */
} pf_rate_req;

typedef enum pf_rate_commit {
	PF_RATE_IF_ADMITTED = 0,	/* move the buckets unless refused */
	PF_RATE_CHARGE = 1,		/* move them anyway */
	PF_RATE_PEEK = 2,		/* never: decide only */
	PF_RATE_REFUND = 3,		/* give n units back */
} pf_rate_commit;

#define PF_RATE_GROUPS 2

typedef struct pf_rate_pending pf_rate_pending;

typedef void (*pf_rate_list_fn)(const char *key, int64_t tat_us, void *arg);

typedef struct pf_rate_store_ops {
	const char *name;
	int (*take)(pf_rate_store *s, pf_rate_req *reqs, size_t nreqs,
		    int64_t now_us, pf_rate_commit commit);
	/* optional, both or neither: take() sent, and its answer read */
	void *(*send)(pf_rate_store *s, pf_rate_req *reqs, size_t nreqs,
		      int64_t now_us, pf_rate_commit commit);
	int (*receive)(pf_rate_store *s, void *sent, pf_rate_req *reqs,
		       size_t nreqs, int64_t now_us, pf_rate_commit commit);
	int (*count)(pf_rate_store *s, const char *key, int64_t window_us,
		     unsigned nwin, int64_t now_us, unsigned long *counts);
	int (*get)(pf_rate_store *s, const char *key, int64_t *tat_us);
	int (*reset)(pf_rate_store *s, const char *key);
	int (*list)(pf_rate_store *s, pf_rate_list_fn fn, void *arg);
	void (*release)(pf_rate_store *s);
} pf_rate_store_ops;

struct pf_rate_store {
	const pf_rate_store_ops *ops;
	char *description;		/* "memory", "redis unix:/..." */
};

int pf_rate_store_take(pf_rate_store *s, pf_rate_req *reqs, size_t nreqs,
		       int64_t now_us, pf_rate_commit commit);
pf_rate_pending *pf_rate_store_take_begin(pf_rate_store *s, pf_rate_req *reqs,
					  size_t nreqs, int64_t now_us,
					  pf_rate_commit commit);
int pf_rate_store_take_end(pf_rate_pending **p);
int pf_rate_store_count(pf_rate_store *s, const char *key, int64_t window_us,
			unsigned nwin, int64_t now_us, unsigned long *counts);
int pf_rate_store_get(pf_rate_store *s, const char *key, int64_t *tat_us);
int pf_rate_store_reset(pf_rate_store *s, const char *key);
int pf_rate_store_list(pf_rate_store *s, pf_rate_list_fn fn, void *arg);
const char *pf_rate_store_name(const pf_rate_store *s);
void pf_rate_store_free(pf_rate_store **s);

pf_rate_store *pf_rate_store_memory_get(unsigned long max_keys);
/* TLS for rediss://: files in PEM, empty or NULL for none (see below) */
typedef struct pf_rate_redis_tls {
	const char *ca_file;		/* NULL: the system's trusted CAs */
	const char *cert_file;		/* client certificate, and its key */
	const char *key_file;
} pf_rate_redis_tls;

pf_rate_store *pf_rate_store_redis_new(const char *url, const char *password,
				       unsigned long timeout_ms,
				       unsigned long pool_size,
				       const pf_rate_redis_tls *tls,
				       GString *err);

void pf_rate_bucket_decide(pf_rate_req *reqs, size_t nreqs,
			   const int64_t *tat_us, int64_t now_us, pf_rate_commit commit,
			   int64_t *new_tat_us);
int pf_rate_limit_parse(const char *text, pf_rate_limit *lim, GString *why);
void pf_rate_limit_format(GString *out, const pf_rate_limit *lim);

#endif
