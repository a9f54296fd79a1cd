/*
 * NAME
 *	report_read - one audit record into the aggregates of a pf_report
 * SYNOPSIS
 *	void pf_report_line(pf_report *rep, pf_report_file *f, guint64 lineno,
 *			    const char *line, gsize len);
 *	void pf_report_bad_line(pf_report *rep, pf_report_file *f,
 *				guint64 lineno, const char *why);
 *	void pf_report_merge(pf_report *rep, pf_report *shard);
 * DESCRIPTION
 *	pf_report_line() parses one record with json-glib's JsonParser (one
 *	parser for the whole run), checks the keys the report uses and their
 *	types, drops records outside [since, until) or not matching the
 *	filters, and counts the rest in every dimension (report.h).  The
 *	record format is policy/core/verdict.c pf_verdict_json(); a record
 *	without "schema" is version 0 (no "relay"); a newer schema than
 *	PF_REPORT_SCHEMA_MAX is malformed, since keys were changed, not
 *	only added.
 *
 *	pf_report_bad_line() counts a malformed line and keeps the first
 *	PF_REPORT_BAD_KEEP of rep (file:line, why); pf_report_merge() adds
 *	a parser thread's shard to rep (report_pool.c).
 */
#include <json-glib/json-glib.h>
#include <string.h>
#include <time.h>

#include "report.h"

#define ROW_FIELD_MAX 2000	/* characters of one refusal-table cell */
#define MAX_VALUES 32		/* distinct reasons/domains of one record */

static const char *const action_names[PF_RA_N] = {
	"accept", "annotate", "quarantine", "tempfail", "reject", "other",
};

static pf_report_action
action_index(const char *name)
{
	for (int i = 0; i < PF_RA_OTHER; i++)
		if (strcmp(name, action_names[i]) == 0)
			return (pf_report_action)i;
	return PF_RA_OTHER;
}

const char *
pf_report_action_name(pf_report_action a)
{
	return (unsigned)a < PF_RA_N ? action_names[a] : "other";
}

void
pf_report_bad_line(pf_report *rep, pf_report_file *f, guint64 lineno,
		   const char *why)
{
	rep->malformed++;
	g_atomic_int_inc(&f->malformed);
	if (rep->bad->len >= PF_REPORT_BAD_KEEP)
		return;		/* a shard's first few include the first few */
	pf_report_bad *b = g_new0(pf_report_bad, 1);

	b->where = g_strdup_printf("%s:%" G_GUINT64_FORMAT, f->name, lineno);
	b->error = g_strdup(why);
	b->file = f->index;
	b->line = lineno;
	g_ptr_array_add(rep->bad, b);
}

/* 2026-11-24T10:00:00Z quickly, anything else ISO 8601 through GLib */
static gint64
days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	gint64 era = (y >= 0 ? y : y - 399) / 400;
	gint64 yoe = y - era * 400;
	gint64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static int
digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool
record_time(const char *s, gint64 *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
				    30, 31};
	int y, mo, d, h, mi, se;

	if (strlen(s) == 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' &&
	    s[13] == ':' && s[16] == ':' && s[19] == 'Z' &&
	    (y = digits(s, 4)) >= 0 && (mo = digits(s + 5, 2)) >= 1 &&
	    mo <= 12 && (d = digits(s + 8, 2)) >= 1 && d <= mdays[mo - 1] &&
	    (h = digits(s + 11, 2)) >= 0 && h < 24 &&
	    (mi = digits(s + 14, 2)) >= 0 && mi < 60 &&
	    (se = digits(s + 17, 2)) >= 0 && se < 61) {
		*out = days_from_civil(y, mo, d) * 86400 + (gint64)h * 3600 +
		       (gint64)mi * 60 + se;
		return true;
	}
	GTimeZone *utc = g_time_zone_new_utc();
	GDateTime *dt = g_date_time_new_from_iso8601(s, utc);

	g_time_zone_unref(utc);
	if (!dt)
		return false;
	*out = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return true;
}

/* A member that must be a string when present; false if it is not. */
static bool
opt_string(JsonObject *o, const char *key, const char **out)
{
	JsonNode *n = json_object_get_member(o, key);

	*out = NULL;
	if (!n || JSON_NODE_HOLDS_NULL(n))
		return true;
	if (!JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_STRING)
		return false;
	*out = json_node_get_string(n);
	return true;
}

/* A member that must be an array when present (NULL when absent). */
static bool
opt_array(JsonObject *o, const char *key, JsonArray **out)
{
	JsonNode *n = json_object_get_member(o, key);

	*out = NULL;
	if (!n || JSON_NODE_HOLDS_NULL(n))
		return true;
	if (!JSON_NODE_HOLDS_ARRAY(n))
		return false;
	*out = json_node_get_array(n);
	return true;
}

/* The string at i, or NULL when it is not one. */
static const char *
array_string(JsonArray *a, guint i)
{
	JsonNode *n = json_array_get_element(a, i);

	if (!JSON_NODE_HOLDS_VALUE(n) ||
	    json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

static pf_report_group *
group_at(GHashTable *table, const char *key)
{
	pf_report_group *g = g_hash_table_lookup(table, key);

	if (!g) {
		size_t len = strlen(key);

		g = g_malloc0(sizeof(*g) + len + 1);
		memcpy((char *)(g + 1), key, len + 1);
		g->key = (const char *)(g + 1);
		g_hash_table_insert(table, (gpointer)g->key, g);
	}
	return g;
}

static void
count(pf_report *rep, pf_report_dim dim, const char *key, pf_report_action a)
{
	group_at(rep->dim[dim], key)->counts.n[a]++;
}

/* Add value to the distinct set vals (of *n); false when already there. */
static bool
distinct(const char **vals, guint *n, const char *value)
{
	for (guint i = 0; i < *n; i++)
		if (strcmp(vals[i], value) == 0)
			return false;
	if (*n >= MAX_VALUES)
		return false;
	vals[(*n)++] = value;
	return true;
}

/* The lower-case domain of an address into buf, or "(none)". */
static const char *
domain_of(const char *addr, char *buf, size_t size)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	size_t len;

	if (!at || !at[1])
		return "(none)";
	len = strlen(at + 1);
	if (len >= size)
		len = size - 1;
	for (size_t i = 0; i < len; i++)
		buf[i] = g_ascii_tolower(at[1 + i]);
	buf[len] = '\0';
	return buf;
}

static const char *
day_of(gint64 t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d", &tm) == 0)
		g_strlcpy(buf, "(none)", size);
	return buf;
}

char *
pf_report_time_text(gint64 t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];

	if (!gmtime_r(&tt, &tm) ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return g_strdup("?");
	return g_strdup(buf);
}

static char *
cell(const char *text)
{
	size_t len = text ? strlen(text) : 0;

	if (len <= ROW_FIELD_MAX)
		return g_strdup(text ? text : "");
	len = ROW_FIELD_MAX;
	while (len > 0 && ((unsigned char)text[len] & 0xC0) == 0x80)
		len--;		/* cut at a character boundary */
	GString *s = g_string_new_len(text, (gssize)len);

	g_string_append(s, "\xe2\x80\xa6");
	return g_string_free(s, FALSE);
}

static void
row_free(gpointer p)
{
	pf_report_row *r = p;

	g_free(r->time);
	g_free(r->queue_id);
	g_free(r->relay);
	g_free(r->sender);
	g_free(r->rcpts);
	g_free(r->reasons);
	g_free(r->action);
	g_free(r->code);
	g_free(r->reply);
	g_free(r);
}

/* rows is a min-heap on t: the oldest kept refusal at the root */
static void
heap_down(GPtrArray *h, guint i)
{
	for (;;) {
		guint l = 2 * i + 1, r = l + 1, m = i;

		if (l < h->len && ((pf_report_row *)h->pdata[l])->t <
				  ((pf_report_row *)h->pdata[m])->t)
			m = l;
		if (r < h->len && ((pf_report_row *)h->pdata[r])->t <
				  ((pf_report_row *)h->pdata[m])->t)
			m = r;
		if (m == i)
			return;
		gpointer tmp = h->pdata[i];

		h->pdata[i] = h->pdata[m];
		h->pdata[m] = tmp;
		i = m;
	}
}

static void
heap_up(GPtrArray *h, guint i)
{
	while (i > 0) {
		guint p = (i - 1) / 2;

		if (((pf_report_row *)h->pdata[p])->t <=
		    ((pf_report_row *)h->pdata[i])->t)
			return;
		gpointer tmp = h->pdata[i];

		h->pdata[i] = h->pdata[p];
		h->pdata[p] = tmp;
		i = p;
	}
}

static char *
join_strings(JsonArray *a, const char *sep, const char *only)
{
	GString *s = g_string_new(NULL);

	if (only)
		g_string_append(s, only);
	for (guint i = 0; !only && a && i < json_array_get_length(a); i++) {
		const char *v = array_string(a, i);

		if (v)
			g_string_append_printf(s, "%s%s", s->len ? sep : "", v);
	}
	char *c = cell(s->str);

	g_string_free(s, TRUE);
	return c;
}

typedef struct {
	gint64 t;
	const char *queue_id, *relay, *from, *action, *code, *dsn, *recipient;
	JsonArray *rcpts, *reply;
	const char **reasons;
	guint n_reasons;
} record_view;

static void
keep_row(pf_report *rep, const record_view *v)
{
	pf_report_row *r;
	GString *s;

	if (rep->max_rows == 0)
		return;
	if (rep->rows->len >= rep->max_rows &&
	    v->t <= ((pf_report_row *)rep->rows->pdata[0])->t)
		return;		/* older than every row kept */
	r = g_new0(pf_report_row, 1);
	r->t = v->t;
	r->time = pf_report_time_text(v->t);
	r->queue_id = cell(v->queue_id);
	r->relay = cell(v->relay);
	r->sender = cell(v->from && !*v->from ? "<>" : v->from);
	r->rcpts = join_strings(v->rcpts, ", ", v->recipient);
	s = g_string_new(NULL);
	for (guint i = 0; i < v->n_reasons; i++)
		g_string_append_printf(s, "%s%s", i ? "," : "", v->reasons[i]);
	r->reasons = cell(s->str);
	g_string_free(s, TRUE);
	r->action = g_strdup(v->action);
	r->code = g_strdup_printf("%s%s%s", v->code ? v->code : "",
				  v->dsn ? " " : "", v->dsn ? v->dsn : "");
	r->reply = join_strings(v->reply, "\n", NULL);
	if (rep->rows->len >= rep->max_rows) {
		row_free(rep->rows->pdata[0]);
		rep->rows->pdata[0] = r;
		heap_down(rep->rows, 0);
	} else {
		g_ptr_array_add(rep->rows, r);
		heap_up(rep->rows, rep->rows->len - 1);
	}
}

/* Check a record's members; NULL when fine, else why not. */
static const char *
view_record(JsonObject *o, record_view *v, JsonArray **results, char *why,
	    size_t size)
{
	JsonNode *n = json_object_get_member(o, "schema");
	const char *time_text;

	if (n) {
		if (!JSON_NODE_HOLDS_VALUE(n) ||
		    json_node_get_value_type(n) != G_TYPE_INT64 ||
		    json_node_get_int(n) < 0)
			return "\"schema\" is not a version number";
		if (json_node_get_int(n) > PF_REPORT_SCHEMA_MAX) {
			snprintf(why, size, "schema %" G_GINT64_FORMAT " is newer "
				 "than this preflight reads (%d)",
				 json_node_get_int(n), PF_REPORT_SCHEMA_MAX);
			return why;
		}
	}
	if (!opt_string(o, "time", &time_text) || !time_text)
		return "no \"time\" string";
	if (!record_time(time_text, &v->t))
		return "\"time\" is not an ISO 8601 time";
	if (!opt_string(o, "action", &v->action) || !v->action)
		return "no \"action\" string";
	if (!opt_string(o, "from", &v->from) ||
	    !opt_string(o, "relay", &v->relay) ||
	    !opt_string(o, "queue_id", &v->queue_id) ||
	    !opt_string(o, "code", &v->code) || !opt_string(o, "dsn", &v->dsn) ||
	    !opt_string(o, "recipient", &v->recipient))
		return "a member that should be a string is not";
	if (!opt_array(o, "rcpts", &v->rcpts) ||
	    !opt_array(o, "reply", &v->reply) ||
	    !opt_array(o, "results", results))
		return "\"rcpts\", \"reply\" or \"results\" is not an array";
	return NULL;
}

void
pf_report_line(pf_report *rep, pf_report_file *f, guint64 lineno,
	       const char *line, gsize len)
{
	JsonParser *parser = rep->parser;
	GError *err = NULL;
	JsonNode *root;
	JsonObject *o;
	JsonArray *results = NULL;
	record_view v = {0};
	const char *reasons[MAX_VALUES], *checks[MAX_VALUES],
	    *domains[MAX_VALUES], *auth_user, *why;
	guint n_reasons = 0, n_checks = 0, n_domains = 0;
	char why_buf[128], dbuf[256], daybuf[16];
	bool match;
	pf_report_action a;

	if (!json_parser_load_from_data(parser, line, (gssize)len, &err)) {
		const char *m = err->message;

		if (g_str_has_prefix(m, "<data>:"))
			m += strlen("<data>:");		/* json-glib's name */
		g_snprintf(why_buf, sizeof(why_buf), "not JSON: %s", m);
		g_error_free(err);
		pf_report_bad_line(rep, f, lineno, why_buf);
		return;
	}
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		pf_report_bad_line(rep, f, lineno, "not a JSON object");
		return;
	}
	o = json_node_get_object(root);
	if ((why = view_record(o, &v, &results, why_buf, sizeof(why_buf))) ||
	    !opt_string(o, "auth_user", &auth_user)) {
		pf_report_bad_line(rep, f, lineno, why ? why : "\"auth_user\" is not "
			 "a string");
		return;
	}
	/* reasons and checks, each once */
	for (guint i = 0; results && i < json_array_get_length(results); i++) {
		JsonNode *rn = json_array_get_element(results, i);
		const char *code, *check;

		if (!JSON_NODE_HOLDS_OBJECT(rn) ||
		    !opt_string(json_node_get_object(rn), "code", &code) ||
		    !opt_string(json_node_get_object(rn), "check", &check) ||
		    !code) {
			pf_report_bad_line(rep, f, lineno, "a result without a "
				 "\"code\" string");
			return;
		}
		distinct(reasons, &n_reasons, code);
		if (check)
			distinct(checks, &n_checks, check);
	}
	if (v.t < rep->since || v.t >= rep->until) {
		rep->out_of_range++;
		return;
	}
	a = action_index(v.action);
	match = !rep->action_mask || (rep->action_mask & (1u << a));
	if (match && rep->reason) {
		match = false;
		for (guint i = 0; i < n_reasons && !match; i++)
			match = g_pattern_spec_match_string(rep->reason,
							    reasons[i]);
	}
	if (match && rep->sender_domain)
		match = strcmp(domain_of(v.from, dbuf, sizeof(dbuf)),
			       rep->sender_domain) == 0;
	if (!match) {
		rep->filtered++;
		return;
	}

	rep->decisions++;
	if (rep->decisions == 1 || v.t < rep->first)
		rep->first = v.t;
	if (rep->decisions == 1 || v.t > rep->last)
		rep->last = v.t;
	count(rep, PF_DIM_ACTION, pf_report_action_name(a), a);
	count(rep, PF_DIM_SENDER, !v.from ? "(none)" : *v.from ? v.from : "<>",
	      a);
	count(rep, PF_DIM_SENDER_DOMAIN, domain_of(v.from, dbuf, sizeof(dbuf)),
	      a);
	count(rep, PF_DIM_AUTH_USER, auth_user && *auth_user ? auth_user :
	      "(none)", a);
	count(rep, PF_DIM_RELAY, v.relay && *v.relay ? v.relay : "(none)", a);
	day_of(v.t, daybuf, sizeof(daybuf));
	count(rep, PF_DIM_DAY, daybuf, a);
	for (guint i = 0; i < n_reasons; i++) {
		char *key = g_strconcat(daybuf, "\t", reasons[i], NULL);

		count(rep, PF_DIM_REASON, reasons[i], a);
		group_at(rep->day_reason, key)->counts.n[a]++;
		g_free(key);
	}
	if (!n_reasons)
		count(rep, PF_DIM_REASON, "(none)", a);
	for (guint i = 0; i < n_checks; i++)
		count(rep, PF_DIM_CHECK, checks[i], a);
	if (!n_checks)
		count(rep, PF_DIM_CHECK, "(none)", a);
	/* the refused recipient's domain, or those of the message's */
	if (v.recipient) {
		count(rep, PF_DIM_RCPT_DOMAIN, domain_of(v.recipient, dbuf,
							  sizeof(dbuf)), a);
	} else {
		char bufs[MAX_VALUES][256];

		for (guint i = 0; v.rcpts && i < json_array_get_length(v.rcpts);
		     i++) {
			const char *r = array_string(v.rcpts, i);

			if (r && n_domains < MAX_VALUES &&
			    distinct(domains, &n_domains,
				     domain_of(r, bufs[n_domains], 256)))
				count(rep, PF_DIM_RCPT_DOMAIN,
				      domains[n_domains - 1], a);
		}
		if (!n_domains)
			count(rep, PF_DIM_RCPT_DOMAIN, "(none)", a);
	}
	if (a == PF_RA_REJECT || a == PF_RA_TEMPFAIL) {
		rep->refused++;
		v.reasons = reasons;
		v.n_reasons = n_reasons;
		keep_row(rep, &v);
	}
}

void
pf_report_row_free(gpointer row)
{
	row_free(row);
}

static void
merge_table(GHashTable *into, GHashTable *from)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, from);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const pf_report_group *src = v;
		pf_report_group *dst = group_at(into, src->key);

		for (int a = 0; a < PF_RA_N; a++)
			dst->counts.n[a] += src->counts.n[a];
	}
}

/* Add a shard's counts, rows and malformed lines to rep; the shard's rows
 * and malformed lines move (it keeps none). */
void
pf_report_merge(pf_report *rep, pf_report *shard)
{
	for (int d = 0; d < PF_DIM_N; d++)
		merge_table(rep->dim[d], shard->dim[d]);
	merge_table(rep->day_reason, shard->day_reason);
	if (shard->decisions) {
		if (!rep->decisions || shard->first < rep->first)
			rep->first = shard->first;
		if (!rep->decisions || shard->last > rep->last)
			rep->last = shard->last;
	}
	rep->decisions += shard->decisions;
	rep->refused += shard->refused;
	rep->malformed += shard->malformed;
	rep->out_of_range += shard->out_of_range;
	rep->filtered += shard->filtered;
	g_ptr_array_extend_and_steal(rep->rows, shard->rows);
	shard->rows = g_ptr_array_new_with_free_func(pf_report_row_free);
	rep->rows_sorted = false;
	g_ptr_array_extend_and_steal(rep->bad, shard->bad);
	shard->bad = g_ptr_array_new();
}
