/*
 * NAME
 *	verdict - results to action, reply, header and decision line
 *	(see verdict.h)
 */
#include <stdio.h>
#include <string.h>

#include "core/check.h"
#include "core/metrics.h"
#include "core/verdict.h"

static const pf_result *
result_at(GPtrArray *results, guint i)
{
	return results->pdata[i];
}

/* More severe action first, then higher score. */
static bool
outranks(const pf_result *a, const pf_result *b)
{
	if (b == NULL)
		return true;
	if (a->action != b->action)
		return a->action > b->action;
	return a->score > b->score;
}

static pf_action
score_action(const pf_config *cfg, int score)
{
	if (score <= 0)
		return PF_ACTION_NONE;
	if (cfg->reject_score && (unsigned long)score >= cfg->reject_score)
		return PF_ACTION_REJECT;
	if (cfg->quarantine_score &&
	    (unsigned long)score >= cfg->quarantine_score)
		return PF_ACTION_QUARANTINE;
	if (cfg->annotate_score && (unsigned long)score >= cfg->annotate_score)
		return PF_ACTION_ANNOTATE;
	return PF_ACTION_NONE;
}

/*
 * Make a reply code agree with the action: a result asking for 552 5.3.4
 * whose action is configured as tempfail becomes 452 4.3.4; any other
 * code of the wrong class becomes the generic 451 (tempfail) or 550
 * (reject), keeping the enhanced code's subject and detail.
 */
static void
set_codes(pf_verdict *v, const char *smtp, const char *dsn)
{
	char cls = v->action == PF_ACTION_TEMPFAIL ? '4' : '5';

	if (smtp == NULL || strlen(smtp) != 3 || dsn == NULL ||
	    strlen(dsn) >= sizeof(v->dsn) || dsn[1] != '.') {
		smtp = cls == '4' ? "451" : "550";
		dsn = cls == '4' ? "4.7.1" : "5.7.1";
	}
	g_strlcpy(v->smtp, smtp, sizeof(v->smtp));
	g_strlcpy(v->dsn, dsn, sizeof(v->dsn));
	if (v->smtp[0] != cls) {
		if (strcmp(smtp + 1, "52") == 0)
			v->smtp[0] = cls;
		else
			g_strlcpy(v->smtp, cls == '4' ? "451" : "550",
				  sizeof(v->smtp));
	}
	v->dsn[0] = cls;
}

static void
reply_add(pf_verdict *v, const char *text)
{
	GString *line;

	if (text == NULL || *text == '\0' || v->reply->len >= PF_REPLY_LINES)
		return;
	line = g_string_new(NULL);
	pf_text_reply(line, text, PF_REPLY_LINE_MAX);
	g_ptr_array_add(v->reply, g_string_free(line, FALSE));
}

static void
build_reply(pf_verdict *v, GPtrArray *results, guint first)
{
	GString *codes = g_string_new(NULL);
	GString *tmp = g_string_new(NULL);

	reply_add(v, v->primary->text ? v->primary->text : v->primary->code);
	if (v->primary->fix) {
		g_string_printf(tmp, "Fix: %s", v->primary->fix);
		reply_add(v, tmp->str);
	}
	for (guint i = first; i < results->len; i++) {
		const pf_result *r = result_at(results, i);

		if (r->mode != PF_MODE_ENFORCE)
			continue;
		g_string_append_printf(codes, "%s%s", codes->len ? "," : "",
				       r->code);
		if (r == v->primary || v->reply->len >= PF_REPLY_LINES - 2)
			continue;
		g_string_printf(tmp, "Also: %s", r->text ? r->text : r->code);
		reply_add(v, tmp->str);
	}
	g_string_printf(tmp, "preflight: %s", codes->str);
	reply_add(v, tmp->str);
	g_string_free(codes, TRUE);
	g_string_free(tmp, TRUE);
}

pf_verdict *
pf_verdict_decide(pf_message *msg, pf_stage stage, unsigned first_result)
{
	const pf_config *cfg = msg->cfg;
	GPtrArray *results = msg->results;
	const pf_result *primary = NULL, *would_primary = NULL;
	pf_action hard = PF_ACTION_NONE, would_hard = PF_ACTION_NONE;
	pf_action action, would;
	int score = 0, would_score = 0;
	bool final = stage == PF_STAGE_EOM;
	pf_verdict *v;

	for (guint i = first_result; i < results->len; i++) {
		const pf_result *r = result_at(results, i);

		would_score += r->score;
		if (r->action > would_hard)
			would_hard = r->action;
		if (outranks(r, would_primary))
			would_primary = r;
		if (r->mode != PF_MODE_ENFORCE)
			continue;
		score += r->score;
		if (r->action > hard)
			hard = r->action;
		if (outranks(r, primary))
			primary = r;
	}
	/* scores decide at end of message only: early, hard actions do */
	action = final ? MAX(hard, score_action(cfg, score)) : hard;
	would = MAX(would_hard, score_action(cfg, would_score));
	if (cfg->monitor)
		action = PF_ACTION_NONE;
	if (!final && action < PF_ACTION_TEMPFAIL)
		return NULL;	/* nothing to refuse early */
	if (action == PF_ACTION_NONE)
		action = PF_ACTION_ACCEPT;
	if (would == PF_ACTION_NONE)
		would = PF_ACTION_ACCEPT;

	v = g_new0(pf_verdict, 1);
	v->action = action;
	v->would = would;
	v->monitor = cfg->monitor;
	v->stage = stage;
	v->score = score;
	v->would_score = would_score;
	v->primary = primary ? primary : would_primary;
	v->reply = g_ptr_array_new_with_free_func(g_free);
	v->elapsed_us = pf_now_us() - msg->start_us;
	if (stage == PF_STAGE_RCPT) {
		v->recipient_only = true;
		v->recipient = g_strdup(msg->rcpts->pdata[msg->rcpts->len - 1]);
	}

	if (action == PF_ACTION_TEMPFAIL || action == PF_ACTION_REJECT) {
		if (primary == NULL || primary->action < PF_ACTION_TEMPFAIL)
			set_codes(v, NULL, NULL);	/* score decided */
		else
			set_codes(v, primary->smtp, primary->dsn);
		build_reply(v, results, first_result);
	}
	if (action == PF_ACTION_QUARANTINE)
		v->quarantine_reason = g_strdup_printf("preflight: %s",
		    primary ? primary->code : "score");

	if (final && !cfg->monitor && cfg->header_name &&
	    (action == PF_ACTION_ANNOTATE || action == PF_ACTION_QUARANTINE ||
	     cfg->header_on_accept)) {
		GString *h = g_string_new(NULL);

		/* reasons: findings, not the informational results */
		g_string_printf(h, "action=%s score=%d", pf_action_name(action),
				score);
		for (guint i = 0; i < results->len; i++) {
			const pf_result *r = result_at(results, i);

			if (r->mode == PF_MODE_ENFORCE &&
			    (r->action != PF_ACTION_NONE || r->score != 0))
				g_string_append_printf(h, "%s%s",
				    strstr(h->str, "reasons=") ? "," :
				    " reasons=", r->code);
		}
		pf_message_add_header(msg, cfg->header_name, h->str, true);
		g_string_free(h, TRUE);
	}

	/* A refused recipient takes its findings with it. */
	if (stage == PF_STAGE_RCPT) {
		v->own_results = g_ptr_array_new_with_free_func(
		    pf_result_free);
		while (results->len > first_result)
			g_ptr_array_add(v->own_results,
			    g_ptr_array_steal_index(results, first_result));
	}
	return v;
}

void
pf_verdict_free(pf_verdict **vp)
{
	pf_verdict *v;

	if (vp == NULL || (v = *vp) == NULL)
		return;
	*vp = NULL;
	if (v->reply)
		g_ptr_array_free(v->reply, TRUE);
	if (v->own_results)
		g_ptr_array_free(v->own_results, TRUE);
	g_free(v->recipient);
	g_free(v->quarantine_reason);
	g_free(v);
}

/*
 * Untrusted text made safe in one place: control bytes, DEL and bytes
 * above 0x7e become \xHH escapes; for log values (quote) also quote and
 * backslash are escaped; at most max bytes are written (0: no bound).
 */
static void
text_escape(GString *out, const char *text, size_t max, bool quote)
{
	size_t start = out->len;

	for (const unsigned char *p = (const unsigned char *)text; p && *p;
	     p++) {
		if (max && out->len - start >= max) {
			g_string_append(out, "...");
			break;
		}
		if (quote && (*p == '"' || *p == '\\'))
			g_string_append_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			g_string_append_printf(out, "\\x%02x", *p);
		else
			g_string_append_c(out, (char)*p);
	}
}

void
pf_text_printable(GString *out, const char *text, size_t max)
{
	text_escape(out, text, max, true);
}

void
pf_text_reply(GString *out, const char *text, size_t max)
{
	text_escape(out, text, max, false);
}

void
pf_json_string(GString *out, const char *text)
{
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	bool utf8 = g_utf8_validate((const char *)p, -1, NULL);

	g_string_append_c(out, '"');
	for (; *p; p++) {
		if (*p == '"' || *p == '\\')
			g_string_append_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !utf8))
			g_string_append_printf(out, "\\u%04x", *p);
		else
			g_string_append_c(out, (char)*p);
	}
	g_string_append_c(out, '"');
}

static const char *
or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void
kv_text(GString *out, const char *key, const char *value)
{
	g_string_append_printf(out, " %s=", key);
	if (value && *value && strpbrk(value, " \t\"=\\") == NULL) {
		pf_text_printable(out, value, 256);
	} else {
		g_string_append_c(out, '"');
		pf_text_printable(out, value ? value : "", 512);
		g_string_append_c(out, '"');
	}
}

/*
 * The decision line, keys in a fixed order:
 *   QUEUEID: action= [would= monitor=yes] stage= [code= dsn=] reasons=
 *   score= from=<> [rcpt=<>] rcpts= size= elapsed_ms= client= [auth=]
 *   [check.fact=...] [text="..."]
 */
GString *
pf_verdict_line(const pf_message *msg, const pf_verdict *v)
{
	GString *line = g_string_new(NULL);
	GPtrArray *results = v->own_results ? v->own_results : msg->results;
	bool any = false;

	g_string_append_printf(line, "%s: action=%s",
	    msg->queue_id ? msg->queue_id : "NOQUEUE",
	    pf_action_name(v->action));
	if (v->would != v->action || v->monitor) {
		g_string_append_printf(line, " would=%s",
				       pf_action_name(v->would));
		if (v->monitor)
			g_string_append(line, " monitor=yes");
	}
	g_string_append_printf(line, " stage=%s", pf_stage_name(v->stage));
	if (v->smtp[0])
		g_string_append_printf(line, " code=%s dsn=%s", v->smtp,
				       v->dsn);
	g_string_append(line, " reasons=");
	for (guint i = 0; i < results->len; i++) {
		const pf_result *r = result_at(results, i);

		g_string_append_printf(line, "%s%s%s", any ? "," : "", r->code,
		    r->mode == PF_MODE_MONITOR ? "(monitor)" : "");
		any = true;
	}
	if (!any)
		g_string_append(line, "-");
	g_string_append_printf(line, " score=%d", v->would_score);
	g_string_append(line, " from=<");
	pf_text_printable(line, msg->sender, 320);
	g_string_append_c(line, '>');
	if (v->recipient) {
		g_string_append(line, " rcpt=<");
		pf_text_printable(line, v->recipient, 320);
		g_string_append_c(line, '>');
	}
	g_string_append_printf(line, " rcpts=%u", msg->rcpts->len);
	if (msg->rcpts_refused)
		g_string_append_printf(line, " rcpts_refused=%u",
				       msg->rcpts_refused);
	g_string_append_printf(line, " size=%zu elapsed_ms=%.1f client=%s",
	    v->stage == PF_STAGE_MAIL && msg->esmtp_size >= 0 ?
	    (size_t)msg->esmtp_size : pf_message_size(msg),
	    (double)v->elapsed_us / 1000.0, or_dash(msg->client_addr));
	if (msg->auth_user)
		kv_text(line, "auth", msg->auth_user);
	for (guint i = 0; i < results->len; i++) {
		const pf_result *r = result_at(results, i);
		const pf_check *c = pf_check_get(r->check);

		for (guint j = 0; j < r->facts->len; j++) {
			const pf_fact *f = &g_array_index(r->facts, pf_fact, j);
			char key[96];

			snprintf(key, sizeof(key), "%s.%s",
				 c ? c->name : "check", f->key);
			kv_text(line, key, f->value);
		}
	}
	if (v->primary && v->primary->text)
		kv_text(line, "text", v->primary->text);
	return line;
}

static void
json_kv(GString *out, const char *key, const char *value, bool comma)
{
	if (comma)
		g_string_append_c(out, ',');
	pf_json_string(out, key);
	g_string_append_c(out, ':');
	if (value)
		pf_json_string(out, value);
	else
		g_string_append(out, "null");
}

char *
pf_verdict_json(const pf_message *msg, const pf_verdict *v)
{
	GString *j = g_string_new("{");
	GPtrArray *results = v->own_results ? v->own_results : msg->results;
	GDateTime *now = g_date_time_new_now_utc();
	gchar *ts = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");

	/* schema 1: "schema" and "relay" added; a record without them is 0 */
	g_string_append_printf(j, "\"schema\":%d", PF_AUDIT_SCHEMA);
	json_kv(j, "time", ts, true);
	g_free(ts);
	json_kv(j, "relay", g_get_host_name(), true);
	g_date_time_unref(now);
	json_kv(j, "queue_id", msg->queue_id, true);
	json_kv(j, "action", pf_action_name(v->action), true);
	json_kv(j, "would", pf_action_name(v->would), true);
	g_string_append_printf(j, ",\"monitor\":%s",
			       v->monitor ? "true" : "false");
	json_kv(j, "stage", pf_stage_name(v->stage), true);
	json_kv(j, "code", v->smtp[0] ? v->smtp : NULL, true);
	json_kv(j, "dsn", v->smtp[0] ? v->dsn : NULL, true);
	g_string_append(j, ",\"reply\":[");
	for (guint i = 0; i < v->reply->len; i++) {
		if (i)
			g_string_append_c(j, ',');
		pf_json_string(j, v->reply->pdata[i]);
	}
	g_string_append_printf(j, "],\"score\":%d", v->would_score);
	json_kv(j, "from", msg->sender, true);
	json_kv(j, "recipient", v->recipient, true);
	g_string_append(j, ",\"rcpts\":[");
	for (guint i = 0; i < msg->rcpts->len; i++) {
		if (i)
			g_string_append_c(j, ',');
		pf_json_string(j, msg->rcpts->pdata[i]);
	}
	g_string_append_printf(j, "],\"rcpts_refused\":%u", msg->rcpts_refused);
	json_kv(j, "message_id", pf_message_header_get(msg, "Message-ID", 0),
		true);
	g_string_append_printf(j, ",\"size\":%zu,\"elapsed_ms\":%.1f",
			       pf_message_size(msg),
			       (double)v->elapsed_us / 1000.0);
	json_kv(j, "client", msg->client_addr, true);
	json_kv(j, "helo", msg->helo, true);
	json_kv(j, "auth_user", msg->auth_user, true);
	g_string_append(j, ",\"results\":[");
	for (guint i = 0; i < results->len; i++) {
		const pf_result *r = result_at(results, i);
		const pf_check *c = pf_check_get(r->check);

		g_string_append(j, i ? ",{" : "{");
		json_kv(j, "code", r->code, false);
		json_kv(j, "check", c ? c->name : NULL, true);
		json_kv(j, "mode", pf_mode_name(r->mode), true);
		json_kv(j, "action", pf_action_name(r->action), true);
		g_string_append_printf(j, ",\"score\":%d", r->score);
		json_kv(j, "smtp", r->smtp, true);
		json_kv(j, "dsn", r->dsn, true);
		json_kv(j, "text", r->text, true);
		json_kv(j, "fix", r->fix, true);
		g_string_append(j, ",\"facts\":{");
		for (guint k = 0; k < r->facts->len; k++) {
			const pf_fact *f = &g_array_index(r->facts, pf_fact, k);

			json_kv(j, f->key, f->value, k > 0);
		}
		g_string_append(j, "}}");
	}
	g_string_append(j, "]}");
	return g_string_free(j, FALSE);
}

void
pf_verdict_log(const pf_message *msg, const pf_verdict *v)
{
	GString *line = pf_verdict_line(msg, v);
	GPtrArray *results = v->own_results ? v->own_results : msg->results;
	char *json;

	if (pf_metrics_enabled()) {
		pf_metrics_decision(v->action, v->elapsed_us);
		for (guint i = 0; i < results->len; i++) {
			const pf_result *r = result_at(results, i);

			pf_metrics_reason(r->check, r->code);
		}
	}
	pf_log_decision(line->str);
	g_string_free(line, TRUE);
	if (!pf_audit_enabled())
		return;		/* the JSON costs ~15 us a message: skip it */
	json = pf_verdict_json(msg, v);
	pf_audit_write(json);
	g_free(json);
}
