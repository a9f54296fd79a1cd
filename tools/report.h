/*
 * NAME
 *	report - what "preflight report" keeps while it reads audit logs
 * SYNOPSIS
 *	#include "report.h"
 *
 *	pf_report *pf_report_new(void);
 *	void pf_report_free(pf_report **rep);
 *	int pf_report_read(pf_report *rep, const char *path);
 *	void pf_report_finish(pf_report *rep);
 *	void pf_report_line(pf_report *rep, pf_report_file *f, guint64 lineno,
 *			    const char *line, gsize len);
 *
 *	GPtrArray *pf_report_sorted(const pf_report *rep, pf_report_dim dim,
 *				    bool by_refused);
 *	guint64 pf_report_total(const pf_report_counts *c);
 *	guint64 pf_report_refused(const pf_report_counts *c);
 *	const char *pf_report_dim_name(pf_report_dim dim);
 *	const char *pf_report_action_name(pf_report_action a);
 *	GPtrArray *pf_report_rows(pf_report *rep);
 *
 *	int pf_report_text(const pf_report *rep, FILE *out);
 *	int pf_report_csv(const pf_report *rep, FILE *out);
 *	char *pf_report_json(pf_report *rep, bool rows);
 *	int pf_report_html(pf_report *rep, FILE *out);
 * DESCRIPTION
 *	A pf_report holds the options (time range, filters, --top,
 *	--max-rows) and the aggregates: for each dimension a table from
 *	group key to counts by action; the day x reason counts; the newest
 *	--max-rows refusals (reject, tempfail) for the HTML table; the first
 *	malformed lines.  Nothing else of a record is kept, so memory does
 *	not grow with the log, only with the number of distinct keys.
 *
 *	pf_report_read() (report_input.c) streams one file ("-" standard
 *	input), gzip or not (by its first two bytes), cut into lines, in
 *	batches to --jobs
 *	parser threads (report_pool.c), each with a pf_report of its own
 *	(a shard) into which pf_report_line() parses one record with
 *	json-glib, checks it, filters it and counts it.  pf_report_finish()
 *	waits for the threads and merges the shards (pf_report_merge()):
 *	call it after the last file, before any output.  A malformed line is
 *	counted, kept as file:line (the first PF_REPORT_BAD_KEEP in file and
 *	line order) and, at the finish, warned about on standard error; it
 *	is never fatal.
 *
 *	pf_report_sorted() returns the groups of a dimension (borrowed
 *	pf_report_group pointers; free the array) by decisions, or by
 *	refusals, then key; days and actions in their own order.
 *	pf_report_rows() sorts the kept refusals newest first and returns
 *	them (borrowed).
 *
 *	The output functions write one format; 0, or -1 on a write error.
 *	pf_report_json() returns a new string: the summary, with the
 *	refusal rows when rows is true (the HTML page's data).
 * DIAGNOSTICS
 *	pf_report_read() returns -1 when the file cannot be opened or read
 *	(or its gzip stream is corrupt), after printing why and counting
 *	what it read before; the caller reports and exits 1.
 */
#ifndef PF_TOOLS_REPORT_H
#define PF_TOOLS_REPORT_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#define PF_REPORT_SCHEMA_MAX 1		/* newest record schema read */
#define PF_REPORT_BAD_KEEP 20		/* malformed lines named */
#define PF_REPORT_LINE_MAX ((gsize)1 << 20)	/* a longer line is malformed */

typedef enum {
	PF_RA_ACCEPT,
	PF_RA_ANNOTATE,
	PF_RA_QUARANTINE,
	PF_RA_TEMPFAIL,
	PF_RA_REJECT,
	PF_RA_OTHER,
	PF_RA_N
} pf_report_action;

typedef enum {
	PF_DIM_ACTION,
	PF_DIM_REASON,
	PF_DIM_CHECK,
	PF_DIM_SENDER,
	PF_DIM_SENDER_DOMAIN,
	PF_DIM_AUTH_USER,
	PF_DIM_RCPT_DOMAIN,
	PF_DIM_RELAY,
	PF_DIM_DAY,
	PF_DIM_N
} pf_report_dim;

typedef struct {
	guint64 n[PF_RA_N];
} pf_report_counts;

typedef struct {
	const char *key;		/* owned by the table */
	pf_report_counts counts;
} pf_report_group;

typedef struct {
	gint64 t;			/* seconds since the epoch, UTC */
	char *time, *queue_id, *relay, *sender, *rcpts, *reasons, *action,
	     *code, *reply;
} pf_report_row;

typedef struct {
	char *where;			/* file:line */
	char *error;
	guint file;			/* index in files, for the order */
	guint64 line;
} pf_report_bad;

typedef struct {
	char *name;
	guint index;
	guint64 lines, blank, records;
	gint malformed;			/* atomic: the parser threads count */
	char *error;			/* NULL, or why reading stopped */
} pf_report_file;

struct pf_report_pool;

typedef struct pf_report {
	/* options */
	gint64 since, until;		/* [since, until); G_MININT64/MAXINT64 */
	char *since_text, *until_text;	/* as given, for the headings */
	guint action_mask;		/* 1 << pf_report_action; 0 all */
	char *reason_glob;
	GPatternSpec *reason;
	char *sender_domain;		/* lower case */
	guint top;			/* 0: every group */
	guint max_rows;
	/* what was read */
	GPtrArray *files;		/* pf_report_file * */
	guint64 lines, blank, malformed, out_of_range, filtered;
	GPtrArray *bad;			/* pf_report_bad *, first few */
	gint64 first, last;		/* of the counted records */
	GHashTable *dim[PF_DIM_N];	/* key -> pf_report_group * */
	GHashTable *day_reason;		/* "day\treason" -> pf_report_group * */
	guint64 decisions, refused;
	GPtrArray *rows;		/* a min-heap on t while reading */
	bool rows_sorted;
	void *parser;			/* JsonParser, reused line to line */
	guint jobs;			/* parser threads */
	struct pf_report_pool *pool;	/* NULL until the first line */
} pf_report;

pf_report *pf_report_new(void);
void pf_report_free(pf_report **rep);
int pf_report_read(pf_report *rep, const char *path);
void pf_report_line(pf_report *rep, pf_report_file *f, guint64 lineno,
		    const char *line, gsize len);
void pf_report_bad_line(pf_report *rep, pf_report_file *f, guint64 lineno,
			const char *why);
void pf_report_merge(pf_report *rep, pf_report *shard);
void pf_report_pool_add(pf_report *rep, pf_report_file *f, guint64 lineno,
			const char *line, gsize len);
void pf_report_pool_flush(pf_report *rep);
void pf_report_finish(pf_report *rep);
bool pf_report_parse_time(const char *text, bool until, gint64 now,
			  gint64 *out);

GPtrArray *pf_report_sorted(const pf_report *rep, pf_report_dim dim,
			    bool by_refused);
guint64 pf_report_total(const pf_report_counts *c);
guint64 pf_report_refused(const pf_report_counts *c);
const char *pf_report_dim_name(pf_report_dim dim);
const char *pf_report_dim_title(pf_report_dim dim);
const char *pf_report_action_name(pf_report_action a);
GPtrArray *pf_report_rows(pf_report *rep);
void pf_report_row_free(gpointer row);
char *pf_report_time_text(gint64 t);

int pf_report_text(pf_report *rep, FILE *out);
int pf_report_csv(pf_report *rep, FILE *out);
char *pf_report_json(pf_report *rep, bool rows);
int pf_report_html(pf_report *rep, FILE *out);

#endif
