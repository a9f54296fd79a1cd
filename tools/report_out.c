/*
 * NAME
 *	report_out - "preflight report" as text, CSV and JSON
 * SYNOPSIS
 *	int pf_report_text(pf_report *rep, FILE *out);
 *	int pf_report_csv(pf_report *rep, FILE *out);
 *	char *pf_report_json(pf_report *rep, bool rows);
 * DESCRIPTION
 *	Text: a heading (period, range, filters, files, totals, malformed
 *	lines) and one aligned table a dimension, the first --top groups by
 *	decisions (actions and days all, in their order), columns DECISIONS,
 *	REFUSED (reject + tempfail) and one a action.  Keys are made
 *	printable (control characters become "?") and cut at 48 characters.
 *
 *	CSV (RFC 4180): a header, then one row a group,
 *	dimension,key,decisions,refused,accept,...; a first row "total",
 *	"(all)" carries the totals.  Fields with a comma, quote, CR or LF
 *	are quoted, quotes doubled; a field starting with = + - @ or a tab
 *	gets a leading ' so a spreadsheet does not run it as a formula.
 *
 *	JSON (json-glib's JsonBuilder and JsonGenerator): the same numbers
 *	and the inputs (report.h); with rows, the kept refusals as well,
 *	for the HTML page.  The caller frees the string.
 */
#include <json-glib/json-glib.h>
#include <string.h>

#include "report.h"

#define KEY_WIDTH 48

static const char *const col_titles[PF_RA_N] = {
	"ACCEPT", "ANNOTATE", "QUARANTINE", "TEMPFAIL", "REJECT", "OTHER",
};

/* The groups a table shows: --top of them, actions and days all. */
static GPtrArray *
shown(const pf_report *rep, pf_report_dim dim, bool by_refused)
{
	GPtrArray *g = pf_report_sorted(rep, dim, by_refused);

	if (rep->top && g->len > rep->top &&
	    (by_refused || (dim != PF_DIM_DAY && dim != PF_DIM_ACTION)))
		g_ptr_array_set_size(g, rep->top);
	return g;
}

static bool
has_other(const pf_report *rep)
{
	return g_hash_table_lookup(rep->dim[PF_DIM_ACTION], "other") != NULL;
}

/* text made printable and cut to width characters, into out */
static void
printable(GString *out, const char *text, guint width)
{
	char *valid = g_utf8_make_valid(text, -1);
	glong len = g_utf8_strlen(valid, -1);
	glong limit = len > (glong)width ? (glong)width - 1 : len;
	const char *p = valid;

	g_string_truncate(out, 0);
	for (glong n = 0; n < limit; n++, p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
		    c == 0x2028 || c == 0x2029)
			g_string_append_c(out, '?');
		else
			g_string_append_unichar(out, c);
	}
	if (len > limit)
		g_string_append(out, "\xe2\x80\xa6");
	g_free(valid);
}

static void
text_pad(FILE *out, const char *s, guint width)
{
	glong n = g_utf8_strlen(s, -1);

	fputs(s, out);
	for (glong i = n; i < (glong)width; i++)
		fputc(' ', out);
}

static void
text_table(pf_report *rep, FILE *out, pf_report_dim dim)
{
	GPtrArray *g = shown(rep, dim, false);
	guint distinct = g_hash_table_size(rep->dim[dim]);
	GString *key = g_string_new(NULL);
	char *head = g_ascii_strup(pf_report_dim_name(dim), -1);
	guint width = (guint)strlen(head);
	int last = has_other(rep) ? PF_RA_OTHER : PF_RA_REJECT;

	for (guint i = 0; i < g->len; i++) {
		printable(key, ((pf_report_group *)g->pdata[i])->key, KEY_WIDTH);
		width = MAX(width, (guint)g_utf8_strlen(key->str, -1));
	}
	fprintf(out, "\n%s", pf_report_dim_title(dim));
	if (g->len < distinct)
		fprintf(out, " (top %u of %u)", g->len, distinct);
	fputs("\n  ", out);
	text_pad(out, head, width);
	fputs("  DECISIONS", out);
	if (dim != PF_DIM_ACTION) {
		fputs("   REFUSED", out);
		for (int a = PF_RA_REJECT; a >= PF_RA_ACCEPT; a--)
			fprintf(out, " %10s", col_titles[a]);
		if (last == PF_RA_OTHER)
			fprintf(out, " %10s", col_titles[PF_RA_OTHER]);
	} else {
		fputs("    SHARE", out);
	}
	fputc('\n', out);
	for (guint i = 0; i < g->len; i++) {
		const pf_report_group *gr = g->pdata[i];
		guint64 total = pf_report_total(&gr->counts);

		printable(key, gr->key, KEY_WIDTH);
		fputs("  ", out);
		text_pad(out, key->str, width);
		fprintf(out, "  %9" G_GUINT64_FORMAT, total);
		if (dim == PF_DIM_ACTION) {
			fprintf(out, "  %6.1f%%\n", rep->decisions ?
				100.0 * (double)total / (double)rep->decisions : 0);
			continue;
		}
		fprintf(out, " %9" G_GUINT64_FORMAT,
			pf_report_refused(&gr->counts));
		for (int a = PF_RA_REJECT; a >= PF_RA_ACCEPT; a--)
			fprintf(out, " %10" G_GUINT64_FORMAT, gr->counts.n[a]);
		if (last == PF_RA_OTHER)
			fprintf(out, " %10" G_GUINT64_FORMAT,
				gr->counts.n[PF_RA_OTHER]);
		fputc('\n', out);
	}
	if (!g->len)
		fputs("  (none)\n", out);
	g_free(head);
	g_string_free(key, TRUE);
	g_ptr_array_unref(g);
}

static void
text_heading(pf_report *rep, FILE *out)
{
	GString *s = g_string_new(NULL);

	fputs("preflight report\n", out);
	if (rep->decisions) {
		char *a = pf_report_time_text(rep->first);
		char *b = pf_report_time_text(rep->last);

		fprintf(out, "  period      %s .. %s (first and last decision)\n",
			a, b);
		g_free(a);
		g_free(b);
	}
	if (rep->since_text || rep->until_text) {
		char *a = rep->since_text ? pf_report_time_text(rep->since) : NULL;
		char *b = rep->until_text ? pf_report_time_text(rep->until) : NULL;

		fprintf(out, "  range       from %s to %s, that end excluded\n",
			a ? a : "the start", b ? b : "the end");
		g_free(a);
		g_free(b);
	}
	if (rep->action_mask) {
		g_string_append(s, " action=");
		for (int i = 0; i < PF_RA_N; i++)
			if (rep->action_mask & (1u << i))
				g_string_append_printf(s, "%s%s",
				    s->str[s->len - 1] == '=' ? "" : ",",
				    pf_report_action_name((pf_report_action)i));
	}
	if (rep->reason_glob)
		g_string_append_printf(s, " reason=%s", rep->reason_glob);
	if (rep->sender_domain)
		g_string_append_printf(s, " sender-domain=%s", rep->sender_domain);
	if (s->len) {
		GString *p = g_string_new(NULL);

		printable(p, s->str + 1, 200);
		fprintf(out, "  filters     %s\n", p->str);
		g_string_free(p, TRUE);
	}
	for (guint i = 0; i < rep->files->len; i++) {
		const pf_report_file *f = rep->files->pdata[i];

		printable(s, f->name, 200);
		fprintf(out, "  %-11s %s: %" G_GUINT64_FORMAT " lines, %"
			G_GUINT64_FORMAT " records%s%s\n", i ? "" : "files",
			s->str, f->lines, f->records, f->error ? "; " : "",
			f->error ? f->error : "");
	}
	fprintf(out, "  decisions   %" G_GUINT64_FORMAT ", refused %"
		G_GUINT64_FORMAT " (%.1f%%)\n", rep->decisions, rep->refused,
		rep->decisions ? 100.0 * (double)rep->refused /
		(double)rep->decisions : 0);
	fprintf(out, "  lines       %" G_GUINT64_FORMAT " read, %"
		G_GUINT64_FORMAT " blank, %" G_GUINT64_FORMAT " malformed, %"
		G_GUINT64_FORMAT " out of range, %" G_GUINT64_FORMAT
		" filtered out\n", rep->lines, rep->blank, rep->malformed,
		rep->out_of_range, rep->filtered);
	for (guint i = 0; i < rep->bad->len; i++) {
		const pf_report_bad *b = rep->bad->pdata[i];

		printable(s, b->where, 200);
		fprintf(out, "  %-11s %s: %s\n", i ? "" : "malformed", s->str,
			b->error);
	}
	if (rep->malformed > rep->bad->len)
		fprintf(out, "  %-11s ... and %" G_GUINT64_FORMAT " more\n", "",
			rep->malformed - rep->bad->len);
	g_string_free(s, TRUE);
}

int
pf_report_text(pf_report *rep, FILE *out)
{
	text_heading(rep, out);
	for (int d = 0; d < PF_DIM_N; d++)
		text_table(rep, out, (pf_report_dim)d);
	return ferror(out) ? -1 : 0;
}

static void
csv_field(FILE *out, const char *s, bool first)
{
	GString *f = g_string_new(NULL);

	if (!first)
		fputc(',', out);
	if (s[0] && strchr("=+-@\t\r", s[0]))
		g_string_append_c(f, '\'');	/* no formula in a spreadsheet */
	g_string_append(f, s);
	if (strpbrk(f->str, ",\"\r\n")) {
		fputc('"', out);
		for (const char *p = f->str; *p; p++) {
			if (*p == '"')
				fputc('"', out);
			fputc(*p, out);
		}
		fputc('"', out);
	} else {
		fputs(f->str, out);
	}
	g_string_free(f, TRUE);
}

static void
csv_row(FILE *out, const char *dim, const char *key, const pf_report_counts *c)
{
	csv_field(out, dim, true);
	csv_field(out, key, false);
	fprintf(out, ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT,
		pf_report_total(c), pf_report_refused(c));
	for (int a = 0; a < PF_RA_N; a++)
		fprintf(out, ",%" G_GUINT64_FORMAT, c->n[a]);
	fputs("\r\n", out);
}

int
pf_report_csv(pf_report *rep, FILE *out)
{
	pf_report_counts all = {0};
	GHashTableIter it;
	gpointer v;

	fputs("dimension,key,decisions,refused", out);
	for (int a = 0; a < PF_RA_N; a++)
		fprintf(out, ",%s", pf_report_action_name((pf_report_action)a));
	fputs("\r\n", out);
	g_hash_table_iter_init(&it, rep->dim[PF_DIM_ACTION]);
	while (g_hash_table_iter_next(&it, NULL, &v))
		for (int a = 0; a < PF_RA_N; a++)
			all.n[a] += ((pf_report_group *)v)->counts.n[a];
	csv_row(out, "total", "(all)", &all);
	for (int d = 0; d < PF_DIM_N; d++) {
		GPtrArray *g = shown(rep, (pf_report_dim)d, false);

		for (guint i = 0; i < g->len; i++)
			csv_row(out, pf_report_dim_name((pf_report_dim)d),
				((pf_report_group *)g->pdata[i])->key,
				&((pf_report_group *)g->pdata[i])->counts);
		g_ptr_array_unref(g);
	}
	return ferror(out) ? -1 : 0;
}

static void
json_counts(JsonBuilder *b, const pf_report_counts *c)
{
	json_builder_set_member_name(b, "decisions");
	json_builder_add_int_value(b, (gint64)pf_report_total(c));
	json_builder_set_member_name(b, "refused");
	json_builder_add_int_value(b, (gint64)pf_report_refused(c));
	for (int a = 0; a < PF_RA_N; a++) {
		json_builder_set_member_name(b,
		    pf_report_action_name((pf_report_action)a));
		json_builder_add_int_value(b, (gint64)c->n[a]);
	}
}

static void
json_groups(JsonBuilder *b, GPtrArray *g)
{
	json_builder_begin_array(b);
	for (guint i = 0; i < g->len; i++) {
		const pf_report_group *gr = g->pdata[i];

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "key");
		json_builder_add_string_value(b, gr->key);
		json_counts(b, &gr->counts);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
json_member_str(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void
json_member_time(JsonBuilder *b, const char *name, bool set, gint64 t)
{
	char *s = set ? pf_report_time_text(t) : NULL;

	json_member_str(b, name, s);
	g_free(s);
}

static void
json_member_int(JsonBuilder *b, const char *name, guint64 n)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)n);
}

static void
json_inputs(pf_report *rep, JsonBuilder *b)
{
	json_builder_set_member_name(b, "range");
	json_builder_begin_object(b);
	json_member_str(b, "since", rep->since_text);
	json_member_str(b, "until", rep->until_text);
	json_member_time(b, "since_time", rep->since_text, rep->since);
	json_member_time(b, "until_time", rep->until_text, rep->until);
	json_member_time(b, "first", rep->decisions, rep->first);
	json_member_time(b, "last", rep->decisions, rep->last);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "filters");
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "action");
	json_builder_begin_array(b);
	for (int i = 0; i < PF_RA_N; i++)
		if (rep->action_mask & (1u << i))
			json_builder_add_string_value(b,
			    pf_report_action_name((pf_report_action)i));
	json_builder_end_array(b);
	json_member_str(b, "reason", rep->reason_glob);
	json_member_str(b, "sender_domain", rep->sender_domain);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "files");
	json_builder_begin_array(b);
	for (guint i = 0; i < rep->files->len; i++) {
		const pf_report_file *f = rep->files->pdata[i];

		json_builder_begin_object(b);
		json_member_str(b, "name", f->name);
		json_member_int(b, "lines", f->lines);
		json_member_int(b, "records", f->records);
		json_member_str(b, "error", f->error);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "malformed");
	json_builder_begin_array(b);
	for (guint i = 0; i < rep->bad->len; i++) {
		const pf_report_bad *bad = rep->bad->pdata[i];

		json_builder_begin_object(b);
		json_member_str(b, "where", bad->where);
		json_member_str(b, "error", bad->error);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static void
json_totals(pf_report *rep, JsonBuilder *b)
{
	json_builder_set_member_name(b, "totals");
	json_builder_begin_object(b);
	json_member_int(b, "lines", rep->lines);
	json_member_int(b, "blank", rep->blank);
	json_member_int(b, "malformed", rep->malformed);
	json_member_int(b, "out_of_range", rep->out_of_range);
	json_member_int(b, "filtered", rep->filtered);
	json_member_int(b, "decisions", rep->decisions);
	json_member_int(b, "refused", rep->refused);
	json_builder_end_object(b);
}

static void
json_rows(pf_report *rep, JsonBuilder *b)
{
	GPtrArray *rows = pf_report_rows(rep);

	json_builder_set_member_name(b, "refusals");
	json_builder_begin_object(b);
	json_member_int(b, "total", rep->refused);
	json_member_int(b, "shown", rows->len);
	json_member_int(b, "max_rows", rep->max_rows);
	json_builder_set_member_name(b, "truncated");
	json_builder_add_boolean_value(b, rows->len < rep->refused);
	json_builder_set_member_name(b, "rows");
	json_builder_begin_array(b);
	for (guint i = 0; i < rows->len; i++) {
		const pf_report_row *r = rows->pdata[i];

		json_builder_begin_object(b);
		json_member_str(b, "time", r->time);
		json_member_str(b, "queue_id", r->queue_id);
		json_member_str(b, "relay", r->relay);
		json_member_str(b, "sender", r->sender);
		json_member_str(b, "recipients", r->rcpts);
		json_member_str(b, "reasons", r->reasons);
		json_member_str(b, "action", r->action);
		json_member_str(b, "code", r->code);
		json_member_str(b, "reply", r->reply);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
}

static void
json_day_reasons(pf_report *rep, JsonBuilder *b)
{
	GPtrArray *g = g_ptr_array_new();
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, rep->day_reason);
	while (g_hash_table_iter_next(&it, NULL, &v))
		g_ptr_array_add(g, v);
	json_builder_set_member_name(b, "reasons_by_day");
	json_builder_begin_array(b);
	for (guint i = 0; i < g->len; i++) {
		const pf_report_group *gr = g->pdata[i];
		const char *tab = strchr(gr->key, '\t');
		char *day = g_strndup(gr->key, (gsize)(tab - gr->key));

		json_builder_begin_object(b);
		json_member_str(b, "day", day);
		json_member_str(b, "reason", tab + 1);
		json_counts(b, &gr->counts);
		json_builder_end_object(b);
		g_free(day);
	}
	json_builder_end_array(b);
	g_ptr_array_unref(g);
}

char *
pf_report_json(pf_report *rep, bool rows)
{
	JsonBuilder *b = json_builder_new_immutable();
	JsonGenerator *gen = json_generator_new();
	JsonNode *root;
	char *text;

	json_builder_begin_object(b);
	json_member_int(b, "report_version", 1);
	json_member_time(b, "generated", true,
			 g_get_real_time() / G_USEC_PER_SEC);
	json_inputs(rep, b);
	json_totals(rep, b);
	json_member_int(b, "top", rep->top);
	json_builder_set_member_name(b, "groups");
	json_builder_begin_object(b);
	for (int d = 0; d < PF_DIM_N; d++) {
		GPtrArray *g = shown(rep, (pf_report_dim)d, false);

		json_builder_set_member_name(b,
		    pf_report_dim_name((pf_report_dim)d));
		json_builder_begin_object(b);
		json_member_int(b, "distinct",
				g_hash_table_size(rep->dim[d]));
		json_builder_set_member_name(b, "rows");
		json_groups(b, g);
		json_builder_end_object(b);
		g_ptr_array_unref(g);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "top_refused");
	json_builder_begin_object(b);
	for (int d = PF_DIM_SENDER; d <= PF_DIM_SENDER_DOMAIN; d++) {
		GPtrArray *g = shown(rep, (pf_report_dim)d, true);

		json_builder_set_member_name(b,
		    pf_report_dim_name((pf_report_dim)d));
		json_groups(b, g);
		g_ptr_array_unref(g);
	}
	json_builder_end_object(b);
	json_day_reasons(rep, b);
	if (rows)
		json_rows(rep, b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(b);
	return text;
}
