/*
 * NAME
 *	report_pool - the parser threads of "preflight report"
 * SYNOPSIS
 *	void pf_report_pool_add(pf_report *rep, pf_report_file *f,
 *				guint64 lineno, const char *line, gsize len);
 *	void pf_report_pool_flush(pf_report *rep);
 *	void pf_report_finish(pf_report *rep);
 * DESCRIPTION
 *	JSON parsing is nearly all of a report's time (json-glib builds a
 *	tree a line), so the reading thread only cuts lines and hands them,
 *	in batches of about 256 KiB of consecutive lines of one file, to
 *	rep->jobs threads; each parses into a pf_report of its own (a shard,
 *	the options copied) with no lock.  A fixed number of batch buffers
 *	circulates between a free queue and a work queue, so a reader
 *	faster than the parsers waits instead of buffering the log: memory
 *	stays flat.
 *
 *	pf_report_pool_add() appends a line (starting the threads on the
 *	first); pf_report_pool_flush() hands over the batch being filled
 *	(the next line is not consecutive: a blank or overlong line, or
 *	another file).  pf_report_finish() hands over the last batch, stops
 *	and joins the threads, merges the shards into rep
 *	(pf_report_merge()), keeps the first PF_REPORT_BAD_KEEP malformed
 *	lines in file and line order, prints them on standard error and
 *	sets each file's record count.  Without a line read it only does
 *	the last two.
 */
#include <string.h>

#include "report.h"

#define BATCH_BYTES ((guint)256 * 1024)

typedef struct {
	pf_report_file *f;
	guint64 first, lines;		/* line number of the first; count */
	GByteArray *data;		/* the lines, each ended by \n */
} batch;

typedef struct {
	struct pf_report_pool *pool;
	pf_report *shard;
} worker_ctx;

struct pf_report_pool {
	guint n, n_batches;
	GThread **threads;
	worker_ctx *ctx;
	GAsyncQueue *work, *idle;
	batch *cur;
};

static batch stop_marker;

static gpointer
worker(gpointer data)
{
	worker_ctx *ctx = data;
	batch *b;

	while ((b = g_async_queue_pop(ctx->pool->work)) != &stop_marker) {
		const char *p = (const char *)b->data->data;
		const char *end = p + b->data->len;
		guint64 lineno = b->first;

		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			pf_report_line(ctx->shard, b->f, lineno++, p,
				       (gsize)(nl - p));
			p = nl + 1;
		}
		g_byte_array_set_size(b->data, 0);
		g_async_queue_push(ctx->pool->idle, b);
	}
	return NULL;
}

static pf_report *
shard_new(const pf_report *rep)
{
	pf_report *s = pf_report_new();

	s->since = rep->since;
	s->until = rep->until;
	s->action_mask = rep->action_mask;
	s->reason = rep->reason ? g_pattern_spec_copy(rep->reason) : NULL;
	s->sender_domain = g_strdup(rep->sender_domain);
	s->max_rows = rep->max_rows;
	return s;
}

static struct pf_report_pool *
pool_start(pf_report *rep)
{
	struct pf_report_pool *pool = g_new0(struct pf_report_pool, 1);

	pool->n = MAX(rep->jobs, 1);
	pool->n_batches = 2 * pool->n + 2;
	pool->work = g_async_queue_new();
	pool->idle = g_async_queue_new();
	for (guint i = 0; i < pool->n_batches; i++) {
		batch *b = g_new0(batch, 1);

		b->data = g_byte_array_sized_new(BATCH_BYTES + 4096);
		g_async_queue_push(pool->idle, b);
	}
	pool->threads = g_new0(GThread *, pool->n);
	pool->ctx = g_new0(worker_ctx, pool->n);
	for (guint i = 0; i < pool->n; i++) {
		pool->ctx[i].pool = pool;
		pool->ctx[i].shard = shard_new(rep);
		pool->threads[i] = g_thread_new("report", worker, &pool->ctx[i]);
	}
	return pool;
}

void
pf_report_pool_flush(pf_report *rep)
{
	struct pf_report_pool *pool = rep->pool;

	if (pool && pool->cur) {
		g_async_queue_push(pool->work, pool->cur);
		pool->cur = NULL;
	}
}

void
pf_report_pool_add(pf_report *rep, pf_report_file *f, guint64 lineno,
		   const char *line, gsize len)
{
	struct pf_report_pool *pool;
	batch *b;

	if (!rep->pool)
		rep->pool = pool_start(rep);
	pool = rep->pool;
	if (pool->cur && (pool->cur->f != f ||
			  pool->cur->first + pool->cur->lines != lineno))
		pf_report_pool_flush(rep);
	if (!pool->cur) {
		pool->cur = g_async_queue_pop(pool->idle);	/* may wait */
		pool->cur->f = f;
		pool->cur->first = lineno;
		pool->cur->lines = 0;
	}
	b = pool->cur;
	g_byte_array_append(b->data, (const guint8 *)line, (guint)len);
	g_byte_array_append(b->data, (const guint8 *)"\n", 1);
	b->lines++;
	if (b->data->len >= BATCH_BYTES)
		pf_report_pool_flush(rep);
}

static int
cmp_bad(gconstpointer a, gconstpointer b)
{
	const pf_report_bad *x = *(pf_report_bad *const *)a;
	const pf_report_bad *y = *(pf_report_bad *const *)b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void
pool_stop(pf_report *rep)
{
	struct pf_report_pool *pool = rep->pool;

	pf_report_pool_flush(rep);
	for (guint i = 0; i < pool->n; i++)
		g_async_queue_push(pool->work, &stop_marker);
	for (guint i = 0; i < pool->n; i++) {
		g_thread_join(pool->threads[i]);
		pf_report_merge(rep, pool->ctx[i].shard);
		pf_report_free(&pool->ctx[i].shard);
	}
	for (guint i = 0; i < pool->n_batches; i++) {
		batch *b = g_async_queue_pop(pool->idle);

		g_byte_array_free(b->data, TRUE);
		g_free(b);
	}
	g_async_queue_unref(pool->work);
	g_async_queue_unref(pool->idle);
	g_free(pool->threads);
	g_free(pool->ctx);
	g_free(pool);
	rep->pool = NULL;
}

void
pf_report_finish(pf_report *rep)
{
	if (rep->pool)
		pool_stop(rep);
	g_ptr_array_sort(rep->bad, cmp_bad);
	if (rep->bad->len > PF_REPORT_BAD_KEEP)
		g_ptr_array_set_size(rep->bad, PF_REPORT_BAD_KEEP);
	for (guint i = 0; i < rep->bad->len; i++) {
		const pf_report_bad *b = rep->bad->pdata[i];

		fprintf(stderr, "preflight: report: %s: malformed line: %s\n",
			b->where, b->error);
	}
	if (rep->malformed > rep->bad->len)
		fprintf(stderr, "preflight: report: %" G_GUINT64_FORMAT " more "
			"malformed lines not named\n",
			rep->malformed - rep->bad->len);
	for (guint i = 0; i < rep->files->len; i++) {
		pf_report_file *f = rep->files->pdata[i];

		f->records = f->lines - f->blank -
			     (guint64)g_atomic_int_get(&f->malformed);
	}
}
