/*
 * NAME
 *	report - "preflight report": summaries of the JSON audit log
 * SYNOPSIS
 *	int pf_cmd_report(int argc, char **argv);
 *
 *	bool pf_report_parse_time(const char *text, bool until, gint64 now,
 *				  gint64 *out);
 * DESCRIPTION
 *	preflight report [--since T] [--until T] [--action A[,A]]...
 *	[--reason GLOB] [--sender-domain D] [--top N] [--max-rows N]
 *	[--jobs N] [--format text|csv|json|html] [FILE...] reads the audit logs
 *	([audit] log, one JSON record a line; gzip or not; none or "-" is
 *	standard input), merged, and prints decisions by action, reason,
 *	check, sender, sender domain, SASL user, recipient domain, relay and
 *	day (report_read.c counts, report_out.c and report_html.c print).
 *
 *	pf_report_parse_time() reads --since/--until: an ISO 8601 date
 *	(midnight UTC; for --until the end of that day), date and time
 *	(UTC unless it names an offset; seconds optional) or an age N[smhdw]
 *	before now.
 *
 *	Exit status: 0 the report was written (malformed lines or not), 1 a
 *	file could not be read or the output not written (the report still
 *	covers what was read), 2 usage errors.
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "report.h"
#include "tools.h"

static const char *const dim_names[PF_DIM_N] = {
	"action", "reason", "check", "sender", "sender_domain", "auth_user",
	"recipient_domain", "relay", "day",
};

static const char *const dim_titles[PF_DIM_N] = {
	"Decisions by action", "By reason code", "By check", "By envelope sender",
	"By sender domain", "By SASL user", "By recipient domain", "By relay",
	"By day",
};

const char *
pf_report_dim_name(pf_report_dim dim)
{
	return (unsigned)dim < PF_DIM_N ? dim_names[dim] : "?";
}

const char *
pf_report_dim_title(pf_report_dim dim)
{
	return (unsigned)dim < PF_DIM_N ? dim_titles[dim] : "?";
}

guint64
pf_report_total(const pf_report_counts *c)
{
	guint64 t = 0;

	for (int i = 0; i < PF_RA_N; i++)
		t += c->n[i];
	return t;
}

guint64
pf_report_refused(const pf_report_counts *c)
{
	return c->n[PF_RA_REJECT] + c->n[PF_RA_TEMPFAIL];
}

static bool by_refused_flag;	/* g_ptr_array_sort has no user data */

static int
cmp_groups(gconstpointer a, gconstpointer b)
{
	const pf_report_group *x = *(pf_report_group *const *)a;
	const pf_report_group *y = *(pf_report_group *const *)b;
	guint64 nx = by_refused_flag ? pf_report_refused(&x->counts) :
				       pf_report_total(&x->counts);
	guint64 ny = by_refused_flag ? pf_report_refused(&y->counts) :
				       pf_report_total(&y->counts);

	if (nx != ny)
		return nx > ny ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int
cmp_keys(gconstpointer a, gconstpointer b)
{
	return strcmp((*(pf_report_group *const *)a)->key,
		      (*(pf_report_group *const *)b)->key);
}

static int
action_rank(const char *name)
{
	for (int i = 0; i < PF_RA_N; i++)
		if (strcmp(name, pf_report_action_name((pf_report_action)i)) == 0)
			return PF_RA_N - i;	/* reject first */
	return 0;
}

static int
cmp_actions(gconstpointer a, gconstpointer b)
{
	return action_rank((*(pf_report_group *const *)a)->key) -
	       action_rank((*(pf_report_group *const *)b)->key);
}

GPtrArray *
pf_report_sorted(const pf_report *rep, pf_report_dim dim, bool by_refused)
{
	GPtrArray *out = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, rep->dim[dim]);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (!by_refused || pf_report_refused(&((pf_report_group *)v)->counts))
			g_ptr_array_add(out, v);
	by_refused_flag = by_refused;
	if (dim == PF_DIM_DAY && !by_refused)
		g_ptr_array_sort(out, cmp_keys);
	else if (dim == PF_DIM_ACTION && !by_refused)
		g_ptr_array_sort(out, cmp_actions);
	else
		g_ptr_array_sort(out, cmp_groups);
	return out;
}

static int
cmp_rows(gconstpointer a, gconstpointer b)
{
	const pf_report_row *x = *(pf_report_row *const *)a;
	const pf_report_row *y = *(pf_report_row *const *)b;

	if (x->t != y->t)
		return x->t > y->t ? -1 : 1;
	return strcmp(x->queue_id, y->queue_id);
}

GPtrArray *
pf_report_rows(pf_report *rep)
{
	if (!rep->rows_sorted)
		g_ptr_array_sort(rep->rows, cmp_rows);
	rep->rows_sorted = true;
	if (rep->rows->len > rep->max_rows)	/* merged shards: the newest */
		g_ptr_array_set_size(rep->rows, rep->max_rows);
	return rep->rows;
}

static void
bad_free(gpointer p)
{
	pf_report_bad *b = p;

	g_free(b->where);
	g_free(b->error);
	g_free(b);
}

static void
file_free(gpointer p)
{
	pf_report_file *f = p;

	g_free(f->name);
	g_free(f->error);
	g_free(f);
}

pf_report *
pf_report_new(void)
{
	pf_report *rep = g_new0(pf_report, 1);

	rep->since = G_MININT64;
	rep->until = G_MAXINT64;
	rep->top = 10;
	rep->max_rows = 5000;
	rep->files = g_ptr_array_new_with_free_func(file_free);
	rep->bad = g_ptr_array_new_with_free_func(bad_free);
	for (int i = 0; i < PF_DIM_N; i++)
		rep->dim[i] = g_hash_table_new_full(g_str_hash, g_str_equal,
						    NULL, g_free);
	rep->day_reason = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
						g_free);
	rep->rows = g_ptr_array_new_with_free_func(pf_report_row_free);
	rep->parser = json_parser_new_immutable();
	return rep;
}

void
pf_report_free(pf_report **repp)
{
	pf_report *rep = repp ? *repp : NULL;

	if (!rep)
		return;
	if (rep->pool)
		pf_report_finish(rep);	/* the threads end before the tables */
	g_free(rep->since_text);
	g_free(rep->until_text);
	g_free(rep->reason_glob);
	if (rep->reason)
		g_pattern_spec_free(rep->reason);
	g_free(rep->sender_domain);
	g_ptr_array_unref(rep->files);
	g_ptr_array_unref(rep->bad);
	for (int i = 0; i < PF_DIM_N; i++)
		g_hash_table_unref(rep->dim[i]);
	g_hash_table_unref(rep->day_reason);
	g_ptr_array_unref(rep->rows);
	g_object_unref(rep->parser);
	g_free(rep);
	*repp = NULL;
}

bool
pf_report_parse_time(const char *text, bool until, gint64 now, gint64 *out)
{
	static const struct {
		char unit;
		gint64 seconds;
	} ages[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400},
		    {'w', (gint64)7 * 86400}};
	size_t len = strlen(text);
	GTimeZone *utc;
	GDateTime *dt;
	GString *iso;

	if (len >= 2 && strspn(text, "0123456789") == len - 1) {
		gint64 n = g_ascii_strtoll(text, NULL, 10);

		for (size_t i = 0; i < G_N_ELEMENTS(ages); i++)
			if (text[len - 1] == ages[i].unit &&
			    n <= G_MAXINT64 / ages[i].seconds / 2) {
				*out = now - n * ages[i].seconds;
				return true;
			}
		return false;
	}
	iso = g_string_new(text);
	if (len == 10)		/* a date: midnight, or the next for --until */
		g_string_append(iso, "T00:00:00Z");
	else if (len >= 16 && text[13] == ':' && text[16] != ':')
		g_string_insert(iso, 16, ":00");	/* no seconds */
	utc = g_time_zone_new_utc();
	dt = g_date_time_new_from_iso8601(iso->str, utc);
	g_time_zone_unref(utc);
	g_string_free(iso, TRUE);
	if (!dt)
		return false;
	*out = g_date_time_to_unix(dt) + (len == 10 && until ? 86400 : 0);
	g_date_time_unref(dt);
	return true;
}

static int
parse_actions(pf_report *rep, char **list)
{
	for (; list && *list; list++) {
		char **names = g_strsplit(*list, ",", -1);

		for (char **n = names; *n; n++) {
			int i;

			for (i = 0; i < PF_RA_OTHER; i++)
				if (g_ascii_strcasecmp(g_strstrip(*n),
				    pf_report_action_name((pf_report_action)i)) == 0)
					break;
			if (i == PF_RA_OTHER) {
				fprintf(stderr, "preflight: report: unknown "
				    "action \"%s\" (accept, annotate, "
				    "quarantine, tempfail, reject)\n", *n);
				g_strfreev(names);
				return -1;
			}
			rep->action_mask |= 1u << i;
		}
		g_strfreev(names);
	}
	return 0;
}

static int
parse_range(pf_report *rep, const char *since, const char *until)
{
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (since && !pf_report_parse_time(since, false, now, &rep->since)) {
		fprintf(stderr, "preflight: report: --since \"%s\": not a "
			"date, time or age (2026-11-24, 2026-11-24T10:00, 7d, "
			"12h)\n", since);
		return -1;
	}
	if (until && !pf_report_parse_time(until, true, now, &rep->until)) {
		fprintf(stderr, "preflight: report: --until \"%s\": not a "
			"date, time or age\n", until);
		return -1;
	}
	if (rep->since > rep->until) {
		fprintf(stderr, "preflight: report: --since is after --until\n");
		return -1;
	}
	rep->since_text = g_strdup(since);
	rep->until_text = g_strdup(until);
	return 0;
}

static int
write_report(pf_report *rep, const char *format)
{
	int rc;

	if (strcmp(format, "text") == 0) {
		rc = pf_report_text(rep, stdout);
	} else if (strcmp(format, "csv") == 0) {
		rc = pf_report_csv(rep, stdout);
	} else if (strcmp(format, "html") == 0) {
		rc = pf_report_html(rep, stdout);
	} else {
		char *json = pf_report_json(rep, false);

		rc = fputs(json, stdout) < 0 || fputc('\n', stdout) < 0 ? -1 : 0;
		g_free(json);
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = -1;
	if (rc < 0)
		fprintf(stderr, "preflight: report: cannot write the report\n");
	return rc;
}

int
pf_cmd_report(int argc, char **argv)
{
	char *since = NULL, *until = NULL, *reason = NULL, *sdomain = NULL;
	char *format = NULL, **actions = NULL, **files = NULL;
	gint top = 10, max_rows = 5000;
	gint jobs = (gint)MIN(g_get_num_processors(), 4);
	GOptionEntry entries[] = {
	    {"since", 0, 0, G_OPTION_ARG_STRING, &since,
	     "Decisions from T on (date, time, or age: 7d, 12h)", "T"},
	    {"until", 0, 0, G_OPTION_ARG_STRING, &until,
	     "Decisions before T (a date: up to its end)", "T"},
	    {"action", 0, 0, G_OPTION_ARG_STRING_ARRAY, &actions,
	     "Only these actions (repeat, or a,b)", "A"},
	    {"reason", 0, 0, G_OPTION_ARG_STRING, &reason,
	     "Only decisions with a reason code matching GLOB", "GLOB"},
	    {"sender-domain", 0, 0, G_OPTION_ARG_STRING, &sdomain,
	     "Only decisions whose envelope sender is in domain D", "D"},
	    {"top", 0, 0, G_OPTION_ARG_INT, &top,
	     "Groups per table (default 10; 0 every group)", "N"},
	    {"max-rows", 0, 0, G_OPTION_ARG_INT, &max_rows,
	     "Refusals listed in the HTML page (default 5000)", "N"},
	    {"jobs", 0, 0, G_OPTION_ARG_INT, &jobs,
	     "Parser threads (default the CPUs, at most 4)", "N"},
	    {"format", 0, 0, G_OPTION_ARG_STRING, &format,
	     "text (default), csv, json or html", "F"},
	    {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files,
	     NULL, NULL},
	    {NULL, 0, 0, 0, NULL, NULL, NULL},
	};
	GOptionContext *ctx = g_option_context_new("[FILE...]");
	pf_report *rep = pf_report_new();
	GError *err = NULL;
	int rc = 0;

	g_option_context_set_summary(ctx, "Summarise preflight's JSON audit "
				     "log (plain or gzip; none or - is "
				     "standard input).");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_set_prgname("preflight report");
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "preflight: report: %s\n", err->message);
		g_error_free(err);
		rc = 2;
		goto out;
	}
	if (!format)
		format = g_strdup("text");
	if ((strcmp(format, "text") != 0 && strcmp(format, "csv") != 0 &&
	     strcmp(format, "json") != 0 && strcmp(format, "html") != 0) ||
	    top < 0 || max_rows < 0 || jobs < 1 || jobs > 64) {
		fprintf(stderr, "preflight: report: --format is text, csv, "
			"json or html; --top and --max-rows are 0 or more, "
			"--jobs 1 to 64\n");
		rc = 2;
		goto out;
	}
	if (parse_actions(rep, actions) < 0 || parse_range(rep, since, until) < 0) {
		rc = 2;
		goto out;
	}
	rep->top = (guint)top;
	rep->jobs = (guint)jobs;
	rep->max_rows = strcmp(format, "html") == 0 ? (guint)max_rows : 0;
	if (reason) {
		rep->reason_glob = g_strdup(reason);
		rep->reason = g_pattern_spec_new(reason);
	}
	if (sdomain)
		rep->sender_domain = g_ascii_strdown(sdomain, -1);
	for (char **f = files; f && *f; f++)
		if (pf_report_read(rep, *f) < 0)
			rc = 1;
	if (!files || !*files)
		if (pf_report_read(rep, "-") < 0)
			rc = 1;
	pf_report_finish(rep);
	if (write_report(rep, format) < 0)
		rc = 1;
out:
	g_option_context_free(ctx);
	g_free(since);
	g_free(until);
	g_free(reason);
	g_free(sdomain);
	g_free(format);
	g_strfreev(actions);
	g_strfreev(files);
	pf_report_free(&rep);
	return rc;
}
