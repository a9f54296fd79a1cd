/*
 * NAME
 *	store_redis - rate buckets in Redis, shared by every milter that
 *	uses the same server (see store.h)
 * DESCRIPTION
 *	One EVALSHA per take(): a Lua script (below) reads every bucket of
 *	the call, decides as pf_rate_bucket_decide() does, and moves each
 *	group's all or none, atomically on the server; keys expire by themselves
 *	(PX: when the bucket has drained).  The script is known by its SHA1;
 *	a server that answers NOSCRIPT (restarted, flushed) gets SCRIPT LOAD
 *	and the call again.  The script returns the buckets as they were
 *	(integers: a Lua number is one);
 *	the maths is then run here on the same numbers to tell the caller
 *	what was decided.  Time is the caller's clock, so milters sharing a
 *	server must keep their clocks in step (NTP).
 *
 *	The script writes its numbers with "%d" (a C long: exact where long
 *	has 64 bits, which it checks, else "%.0f", exact too but slower in
 *	glibc) and gives PX as a string (Redis formats a Lua number argument
 *	with "%.17g"): 2.4 of its 24 us a call alone.
 *
 *	count() (the compromise signals' fixed windows) is a second script:
 *	INCR and PEXPIRE the current window's counter, GET the previous
 *	ones, in one call.
 *
 *	take() is send() and receive(): the EVALSHA written, and its answer
 *	read later (rate.c sends at MAIL FROM and reads at the first RCPT
 *	TO, so that the MTA's round trip hides Redis's).  A connection
 *	whose answer is still unread is not idle but it is not held either:
 *	a caller that finds no idle connection and no room to open one takes
 *	the oldest such (its answer is likely there), reads the answer into
 *	the call it belongs to and uses the connection; receive() then
 *	finds the answer read.  It tries that once: a failed read there
 *	(bounded by timeout, as every read is) fails its own call too.  A
 *	NOSCRIPT answer is mended in receive(): SCRIPT LOAD and the call
 *	again, there and then.
 *
 *	Connections (redis_conn.h: plain, or TLS for rediss://, hiredis
 *	formatting and parsing): a pool of at most pool_size, opened on
 *	demand, shared by every thread; a caller waits at most timeout for
 *	a free one.
 *	Every connect, write and read is bounded by timeout.  A failed call
 *	closes its connection and the idle ones; then no connect is tried
 *	for a backoff that doubles from 100 ms to 5 s, and calls in between
 *	fail at once (the check applies on_error).  Trouble is logged once
 *	per 10 s with the number of failed calls; recovery once.
 */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "limits/redis_conn.h"
#include "limits/store.h"

#define BACKOFF_MIN_US ((int64_t)100 * 1000)
#define BACKOFF_MAX_US ((int64_t)5 * G_USEC_PER_SEC)
#define REPORT_US ((int64_t)10 * G_USEC_PER_SEC)
#define MAX_KEYS 8

static const char take_script[] =
    "local now = tonumber(ARGV[1])\n"
    "local int = string.format('%d', 2^53) == '9007199254740992' and '%d'\n"
    "  or '%.0f'\n"
    "local charge, peek = ARGV[2] == '1', ARGV[2] == '2'\n"
    "local refund = ARGV[2] == '3'\n"
    "local old, new, group, fits = {}, {}, {}, {true, true}\n"
    "local got = redis.call('MGET', unpack(KEYS))\n"
    "for i = 1, #KEYS do\n"
    "  local b = 2 + (i - 1) * 5\n"
    "  local interval = tonumber(ARGV[b + 1])\n"
    "  local burst = tonumber(ARGV[b + 2])\n"
    "  local n = tonumber(ARGV[b + 3])\n"
    "  local tat = tonumber(got[i] or '0') or 0\n"
    "  group[i] = ARGV[b + 5] == '1' and 2 or 1\n"
    "  old[i] = tat\n"
    "  if refund then new[i] = tat - n * interval else\n"
    "    local want = math.max(tat, now) + n * interval\n"
    "    local cap = now + burst * interval\n"
    "    if want <= cap then new[i] = want else\n"
    "      new[i] = cap\n"
    "      if ARGV[b + 4] == '1' then fits[group[i]] = false end\n"
    "    end\n"
    "  end\n"
    "end\n"
    "fits[2] = fits[2] and fits[1]\n"
    "for i = 1, #KEYS do\n"
    "  if refund and old[i] > now and new[i] <= now then\n"
    "    redis.call('DEL', KEYS[i])\n"
    "  elseif (refund and old[i] > now) or (not refund and not peek\n"
    "      and (fits[group[i]] or charge) and new[i] ~= old[i]\n"
    "      and new[i] > now) then\n"
    "    redis.call('SET', KEYS[i], string.format(int, new[i]), 'PX',\n"
    "      string.format(int, math.ceil((new[i] - now) / 1000) + 1000))\n"
    "  end\n"
    "end\n"
    "return old\n";

static const char count_script[] =
    "local idx = tonumber(ARGV[1])\n"
    "local nwin = tonumber(ARGV[2])\n"
    "local k = KEYS[1] .. ':' .. string.format('%.0f', idx)\n"
    "local out = {redis.call('INCR', k)}\n"
    "redis.call('PEXPIRE', k, ARGV[3])\n"
    "for i = 1, nwin do\n"
    "  local v = redis.call('GET', KEYS[1] .. ':' .. string.format('%.0f', idx - i))\n"
    "  out[i + 1] = tonumber(v or '0') or 0\n"
    "end\n"
    "return out\n";

/* A take() written and not yet read: send() to receive(). */
typedef struct redis_sent {
	pf_redis_conn *c;		/* NULL once another caller read it */
	redisReply *rep;		/* what was read (NULL: failed, why) */
	GString *why;
	bool reading;			/* another caller is reading it */
	const char *argv[3 + MAX_KEYS * 6 + 2];
	int argc;
	char num[2 + MAX_KEYS * 3][24];	/* the numbers of argv, formatted */
	unsigned nnum;
} redis_sent;

typedef struct redis_store {
	pf_rate_store base;
	char *host;			/* or NULL for a unix socket */
	int port;
	char *path;			/* unix socket */
	int db;
	char *password;
	SSL_CTX *tls;			/* rediss://, else NULL */
	int64_t timeout_us;
	char sha[41];			/* of take_script */
	char count_sha[41];

	GMutex lock;
	GCond freed;
	pf_redis_conn **idle;		/* pool_size slots */
	redis_sent **sent;		/* pool_size slots, oldest first */
	GCond read;			/* a sent call's answer was read */
	unsigned nidle, nsent, nopen, pool_size;
	unsigned waiting;		/* callers in pool_get's wait */
	int64_t retry_after_us;		/* no connect before (monotonic) */
	int64_t backoff_us;
	unsigned long failures;		/* since the last report */
	int64_t reported_us;
	gint failing;			/* atomic: read unlocked */
} redis_store;

static void
note_failure(redis_store *r, const char *why)
{
	int64_t now = g_get_monotonic_time();

	g_mutex_lock(&r->lock);
	r->failures++;
	if (r->retry_after_us <= now) {
		r->backoff_us = r->backoff_us ? MIN(r->backoff_us * 2,
		    BACKOFF_MAX_US) : BACKOFF_MIN_US;
		r->retry_after_us = now + r->backoff_us;
	}
	if (!g_atomic_int_get(&r->failing) ||
	    now - r->reported_us >= REPORT_US) {
		pf_warn("rate: %s: %s; rate limits not applied (%lu failed "
		    "calls), next connect in %lld ms", r->base.description,
		    why, r->failures, (long long)(r->backoff_us / 1000));
		r->failures = 0;
		r->reported_us = now;
	}
	g_atomic_int_set(&r->failing, 1);
	g_mutex_unlock(&r->lock);
}

static void
note_success(redis_store *r)
{
	if (!g_atomic_int_get(&r->failing))	/* re-checked locked */
		return;
	g_mutex_lock(&r->lock);
	if (g_atomic_int_get(&r->failing))
		pf_info("rate: %s: answering again (%lu failed calls since the "
		    "last report)", r->base.description, r->failures);
	g_atomic_int_set(&r->failing, 0);
	r->failures = 0;
	r->backoff_us = 0;
	r->retry_after_us = 0;
	g_mutex_unlock(&r->lock);
}

/* A reply that is not an error; frees it and says why otherwise. */
static bool
reply_ok(redisReply *rep, GString *why)
{
	if (rep == NULL)
		return false;		/* why says so */
	if (rep->type == REDIS_REPLY_ERROR) {
		g_string_assign(why, rep->str);
		freeReplyObject(rep);
		return false;
	}
	freeReplyObject(rep);
	return true;
}

static pf_redis_conn *
redis_connect(redis_store *r, GString *why)
{
	pf_redis_conn *c = pf_redis_conn_open(r->host, r->port, r->path,
	    r->tls, r->timeout_us, why);
	char db[16];
	const char *auth[] = {"AUTH", r->password};
	const char *select[] = {"SELECT", db};

	if (c == NULL)
		return NULL;
	g_snprintf(db, sizeof(db), "%d", r->db);
	if ((r->password && !reply_ok(pf_redis_conn_call(c, 2, auth, why),
	    why)) ||
	    (r->db && !reply_ok(pf_redis_conn_call(c, 2, select, why), why))) {
		pf_redis_conn_free(c);
		return NULL;
	}
	return c;
}

/* One answer from c, or NULL (why says so); bounded by the timeout. */
static redisReply *
read_reply(pf_redis_conn *c, GString *why)
{
	return pf_redis_conn_read(c, why);
}

/* Close c, and the idle ones that likely share its fate: one timeout,
 * not one per pooled connection.  Locked. */
static void
drop_locked(redis_store *r, pf_redis_conn *c)
{
	pf_redis_conn_free(c);
	r->nopen--;
	while (r->nidle) {
		pf_redis_conn_free(r->idle[--r->nidle]);
		r->nopen--;
	}
}

/* Take w off the list of sent calls, if it is there.  Locked. */
static void
unlist_sent_locked(redis_store *r, const redis_sent *w)
{
	for (unsigned i = 0; i < r->nsent; i++)
		if (r->sent[i] == w) {
			memmove(r->sent + i, r->sent + i + 1,
			    (--r->nsent - i) * sizeof(*r->sent));
			return;
		}
}

/*
 * The connection of the oldest sent call, its answer read into that
 * call first; NULL when that failed (why says so: the connection is
 * closed).  Locked on entry and on return, unlocked while reading.
 */
static pf_redis_conn *
take_sent_locked(redis_store *r, GString *why)
{
	redis_sent *w = r->sent[0];
	pf_redis_conn *c = w->c;

	unlist_sent_locked(r, w);
	w->reading = true;
	g_mutex_unlock(&r->lock);
	w->rep = read_reply(c, w->why);
	g_mutex_lock(&r->lock);
	w->c = NULL;
	w->reading = false;
	g_cond_broadcast(&r->read);
	if (w->rep == NULL) {
		g_string_assign(why, w->why->str);
		drop_locked(r, c);
		return NULL;
	}
	return c;
}

/* A connection from the pool, or NULL (why says so) within timeout. */
static pf_redis_conn *
pool_get(redis_store *r, GString *why)
{
	int64_t deadline = g_get_monotonic_time() + r->timeout_us;
	pf_redis_conn *c = NULL;
	gboolean woken;

	g_mutex_lock(&r->lock);
	for (;;) {
		if (r->nidle) {
			c = r->idle[--r->nidle];
			break;
		}
		if (r->nopen < r->pool_size) {
			if (g_get_monotonic_time() < r->retry_after_us) {
				g_string_assign(why, "waiting to reconnect");
				g_mutex_unlock(&r->lock);
				return NULL;
			}
			r->nopen++;
			g_mutex_unlock(&r->lock);
			if ((c = redis_connect(r, why)) == NULL) {
				g_mutex_lock(&r->lock);
				r->nopen--;
				if (r->waiting)
					g_cond_signal(&r->freed);
				g_mutex_unlock(&r->lock);
			}
			return c;
		}
		if (r->nsent) {		/* one try: bounded by one timeout */
			c = take_sent_locked(r, why);
			break;
		}
		r->waiting++;
		woken = g_cond_wait_until(&r->freed, &r->lock, deadline);
		r->waiting--;
		if (!woken) {
			g_string_assign(why, "every connection busy");
			break;
		}
	}
	g_mutex_unlock(&r->lock);
	return c;
}

static void
pool_put(redis_store *r, pf_redis_conn *c, bool ok)
{
	g_mutex_lock(&r->lock);
	if (ok && !pf_redis_conn_broken(c))
		r->idle[r->nidle++] = c;
	else
		drop_locked(r, c);
	/* GLib's signal is a futex call even with nobody waiting */
	if (r->waiting)
		g_cond_signal(&r->freed);
	g_mutex_unlock(&r->lock);
}

/* Run argv on a pooled connection; the reply (caller frees) or NULL. */
static redisReply *
redis_call(redis_store *r, int argc, const char **argv)
{
	GString *why = g_string_new(NULL);
	pf_redis_conn *c = pool_get(r, why);
	redisReply *rep = NULL;

	if (c != NULL) {
		rep = pf_redis_conn_call(c, argc, argv, why);
		pool_put(r, c, rep != NULL);
	}
	if (rep)
		note_success(r);
	else
		note_failure(r, why->str);
	g_string_free(why, TRUE);
	return rep;
}

static bool
is_noscript(const redisReply *rep)
{
	return rep->type == REDIS_REPLY_ERROR &&
	    strncmp(rep->str, "NOSCRIPT", 8) == 0;
}

/* EVALSHA argv (argv[1] the script's SHA1), loading it on NOSCRIPT. */
static redisReply *
eval_script(redis_store *r, const char *script, int argc, const char **argv)
{
	redisReply *rep = redis_call(r, argc, argv);

	if (rep && is_noscript(rep)) {
		const char *load[] = {"SCRIPT", "LOAD", script};
		redisReply *lr = redis_call(r, 3, load);

		freeReplyObject(rep);
		if (lr == NULL)
			return NULL;
		freeReplyObject(lr);
		rep = redis_call(r, argc, argv);
	}
	return rep;
}

static int
redis_count(pf_rate_store *s, const char *key, int64_t window_us,
	    unsigned nwin, int64_t now_us, unsigned long *counts)
{
	redis_store *r = (redis_store *)s;
	char idx[32], n[16], ttl[32];
	const char *argv[] = {"EVALSHA", r->count_sha, "1", key, idx, n, ttl};
	redisReply *rep;
	int rc = -1;

	g_snprintf(idx, sizeof(idx), "%lld", (long long)(now_us / window_us));
	g_snprintf(n, sizeof(n), "%u", nwin);
	g_snprintf(ttl, sizeof(ttl), "%lld",
	    (long long)((nwin + 1) * (window_us / 1000)) + 1000);
	if ((rep = eval_script(r, count_script, 7, argv)) == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_ARRAY && rep->elements == nwin + 1) {
		for (size_t i = 0; i <= nwin; i++)
			counts[i] = rep->element[i]->type ==
			    REDIS_REPLY_INTEGER ?
			    (unsigned long)rep->element[i]->integer : 0;
		rc = 0;
	} else {
		note_failure(r, rep->type == REDIS_REPLY_ERROR ? rep->str :
		    "unexpected answer to the count script");
	}
	freeReplyObject(rep);
	return rc;
}

static void
sent_free(redis_sent *w)
{
	if (w->rep)
		freeReplyObject(w->rep);
	g_string_free(w->why, TRUE);
	g_free(w);
}

/* The EVALSHA of take_script for reqs, in w->argv. */
static void
take_args(redis_sent *w, const redis_store *r, const pf_rate_req *reqs,
	  size_t nreqs, int64_t now_us, pf_rate_commit commit)
{
#define ARG(s) (w->argv[w->argc++] = (s))
#define ARGF(...) (g_snprintf(w->num[w->nnum], sizeof(w->num[0]), __VA_ARGS__), \
		   ARG(w->num[w->nnum++]))
	ARG("EVALSHA");
	ARG(r->sha);
	ARGF("%zu", nreqs);
	for (size_t i = 0; i < nreqs; i++)
		ARG(reqs[i].key);
	ARGF("%lld", (long long)now_us);
	ARG(commit == PF_RATE_PEEK ? "2" : commit == PF_RATE_CHARGE ? "1" :
	    commit == PF_RATE_REFUND ? "3" : "0");
	for (size_t i = 0; i < nreqs; i++) {
		ARGF("%lld", (long long)reqs[i].interval_us);
		ARGF("%lu", reqs[i].burst);
		ARGF("%lu", reqs[i].n);
		ARG(reqs[i].refuses ? "1" : "0");
		ARG(reqs[i].group ? "1" : "0");
	}
#undef ARG
#undef ARGF
}

static void *
redis_send(pf_rate_store *s, pf_rate_req *reqs, size_t nreqs, int64_t now_us,
	   pf_rate_commit commit)
{
	redis_store *r = (redis_store *)s;
	redis_sent *w;
	pf_redis_conn *c;

	if (nreqs > MAX_KEYS)
		return NULL;
	w = g_new0(redis_sent, 1);
	w->why = g_string_new(NULL);
	take_args(w, r, reqs, nreqs, now_us, commit);
	if ((c = pool_get(r, w->why)) != NULL &&
	    pf_redis_conn_send(c, w->argc, w->argv, w->why) < 0) {
		pool_put(r, c, false);
		c = NULL;
	}
	if (c == NULL) {
		note_failure(r, w->why->str);
		sent_free(w);
		return NULL;
	}
	w->c = c;
	g_mutex_lock(&r->lock);
	r->sent[r->nsent++] = w;
	if (r->waiting)		/* a connection to take */
		g_cond_signal(&r->freed);
	g_mutex_unlock(&r->lock);
	return w;
}

static int
redis_receive(pf_rate_store *s, void *sent, pf_rate_req *reqs, size_t nreqs,
	      int64_t now_us, pf_rate_commit commit)
{
	redis_store *r = (redis_store *)s;
	redis_sent *w = sent;
	int64_t tat[MAX_KEYS], new_tat[MAX_KEYS];
	redisReply *rep;
	int rc = -1;

	g_mutex_lock(&r->lock);
	unlist_sent_locked(r, w);
	/* another caller reads it: bounded by the timeout of that read */
	while (w->reading)
		g_cond_wait(&r->read, &r->lock);
	g_mutex_unlock(&r->lock);
	if (w->c) {			/* still ours */
		w->rep = read_reply(w->c, w->why);
		pool_put(r, w->c, w->rep != NULL);
		w->c = NULL;
	}
	rep = w->rep;
	w->rep = NULL;
	if (rep && is_noscript(rep)) {
		freeReplyObject(rep);
		rep = eval_script(r, take_script, w->argc, w->argv);
	} else if (rep) {
		note_success(r);
	} else {
		note_failure(r, w->why->str);
	}
	sent_free(w);
	if (rep == NULL)
		return -1;
	if (rep->type != REDIS_REPLY_ARRAY || rep->elements != nreqs) {
		note_failure(r, rep->type == REDIS_REPLY_ERROR ? rep->str :
		    "unexpected answer to the rate script");
	} else {
		for (size_t i = 0; i < nreqs; i++) {
			const redisReply *e = rep->element[i];

			tat[i] = e->type == REDIS_REPLY_INTEGER ? e->integer : 0;
		}
		pf_rate_bucket_decide(reqs, nreqs, tat, now_us, commit, new_tat);
		rc = 0;
	}
	freeReplyObject(rep);
	return rc;
}

static int
redis_take(pf_rate_store *s, pf_rate_req *reqs, size_t nreqs, int64_t now_us,
	   pf_rate_commit commit)
{
	void *w = redis_send(s, reqs, nreqs, now_us, commit);

	return w ? redis_receive(s, w, reqs, nreqs, now_us, commit) : -1;
}

static int
redis_get(pf_rate_store *s, const char *key, int64_t *tat_us)
{
	const char *argv[] = {"GET", key};
	redisReply *rep = redis_call((redis_store *)s, 2, argv);

	*tat_us = 0;
	if (rep == NULL)
		return -1;
	if (rep->type == REDIS_REPLY_STRING)
		*tat_us = g_ascii_strtoll(rep->str, NULL, 10);
	freeReplyObject(rep);
	return 0;
}

static int
redis_reset(pf_rate_store *s, const char *key)
{
	const char *argv[] = {"DEL", key};
	redisReply *rep = redis_call((redis_store *)s, 2, argv);

	if (rep == NULL)
		return -1;
	freeReplyObject(rep);
	return 0;
}

static int
redis_list(pf_rate_store *s, pf_rate_list_fn fn, void *arg)
{
	char cursor[32] = "0";

	do {
		const char *argv[] = {"SCAN", cursor, "MATCH", "pf:rate:*",
		    "COUNT", "500"};
		redisReply *rep = redis_call((redis_store *)s, 6, argv);

		if (rep == NULL)
			return -1;
		if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
			freeReplyObject(rep);
			return -1;
		}
		g_strlcpy(cursor, rep->element[0]->str, sizeof(cursor));
		for (size_t i = 0; i < rep->element[1]->elements; i++) {
			const char *key = rep->element[1]->element[i]->str;
			int64_t tat;

			if (redis_get(s, key, &tat) == 0 && tat)
				fn(key, tat, arg);
		}
		freeReplyObject(rep);
	} while (strcmp(cursor, "0") != 0);
	return 0;
}

static void
redis_release(pf_rate_store *s)
{
	redis_store *r = (redis_store *)s;

	for (unsigned i = 0; i < r->nidle; i++)
		pf_redis_conn_free(r->idle[i]);
	g_free(r->idle);
	g_free(r->sent);	/* empty: every send has had its receive */
	g_cond_clear(&r->read);
	g_mutex_clear(&r->lock);
	g_cond_clear(&r->freed);
	g_free(r->host);
	g_free(r->path);
	g_free(r->password);
	SSL_CTX_free(r->tls);
	g_free(r->base.description);
	g_free(r);
}

static const pf_rate_store_ops redis_ops = {
	.name = "redis",
	.take = redis_take,
	.send = redis_send,
	.receive = redis_receive,
	.count = redis_count,
	.get = redis_get,
	.reset = redis_reset,
	.list = redis_list,
	.release = redis_release,
};

/* redis[s]://[:password@]host[:port][/db] or unix:/path[?db=N]; 1 for
 * rediss:// (TLS), else 0; -1 with err */
static int
parse_url(redis_store *r, const char *url, GString *err)
{
	bool tls = strncmp(url, "rediss://", 9) == 0;

	const char *p;
	char *end;

	if (strncmp(url, "unix:", 5) == 0) {
		const char *q = strstr(url, "?db=");

		r->path = q ? g_strndup(url + 5, q - url - 5) : g_strdup(url + 5);
		if (q)
			r->db = (int)strtol(q + 4, &end, 10);
		if (*r->path != '/' || (q && (*end != '\0' || r->db < 0))) {
			g_string_append(err, "expected unix:/path[?db=N]");
			return -1;
		}
		return 0;
	}
	if (strncmp(url, "redis://", 8) != 0 && !tls)
		goto bad;
	p = url + (tls ? 9 : 8);
	if ((end = strchr(p, '@')) != NULL) {
		const char *colon = memchr(p, ':', end - p);

		if (colon && r->password == NULL)
			r->password = g_strndup(colon + 1, end - colon - 1);
		p = end + 1;
	}
	r->port = 6379;
	end = (char *)p + strcspn(p, ":/");
	r->host = g_strndup(p, end - p);
	if (*r->host == '\0')
		goto bad;
	if (*end == ':') {
		long port = strtol(end + 1, &end, 10);

		if (port < 1 || port > 65535)
			goto bad;
		r->port = (int)port;
	}
	if (*end == '/' && end[1] != '\0') {
		r->db = (int)strtol(end + 1, &end, 10);
		if (r->db < 0)
			goto bad;
	} else if (*end == '/') {
		end++;
	}
	if (*end == '\0')
		return tls ? 1 : 0;
bad:
	g_string_append(err, "expected redis://host[:port][/db], "
	    "rediss://host[:port][/db] (TLS) or unix:/path[?db=N]");
	return -1;
}

pf_rate_store *
pf_rate_store_redis_new(const char *url, const char *password,
			unsigned long timeout_ms, unsigned long pool_size,
			const pf_rate_redis_tls *tls, GString *err)
{
	redis_store *r = g_new0(redis_store, 1);
	bool files = tls && ((tls->ca_file && *tls->ca_file) ||
	    (tls->cert_file && *tls->cert_file) ||
	    (tls->key_file && *tls->key_file));
	gchar *sha;
	int scheme;

	r->base.ops = &redis_ops;
	r->password = password ? g_strdup(password) : NULL;
	scheme = parse_url(r, url, err);
	if (scheme == 0 && files)
		g_string_append(err, "TLS files are set but the URL is not "
		    "rediss://: the connection would not be encrypted");
	else if (scheme == 1 && (r->tls = pf_redis_tls_new(
	    tls ? tls->ca_file : NULL, tls ? tls->cert_file : NULL,
	    tls ? tls->key_file : NULL, err)) == NULL)
		scheme = -1;
	if (scheme < 0 || (scheme == 0 && files)) {
		g_free(r->host);
		g_free(r->path);
		g_free(r->password);
		g_free(r);
		return NULL;
	}
	r->base.description = r->path ?
	    g_strdup_printf("redis unix:%s", r->path) :
	    g_strdup_printf("redis%s %s:%d", r->tls ? " (TLS)" : "",
			    r->host, r->port);
	r->timeout_us = (int64_t)timeout_ms * 1000;
	r->pool_size = pool_size ? (unsigned)pool_size : 1;
	r->idle = g_new0(pf_redis_conn *, r->pool_size);
	r->sent = g_new0(redis_sent *, r->pool_size);
	g_mutex_init(&r->lock);
	g_cond_init(&r->freed);
	g_cond_init(&r->read);
	sha = g_compute_checksum_for_string(G_CHECKSUM_SHA1, take_script, -1);
	g_strlcpy(r->sha, sha, sizeof(r->sha));
	g_free(sha);
	sha = g_compute_checksum_for_string(G_CHECKSUM_SHA1, count_script, -1);
	g_strlcpy(r->count_sha, sha, sizeof(r->count_sha));
	g_free(sha);
	return &r->base;
}
