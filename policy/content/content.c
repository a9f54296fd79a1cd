/*
 * NAME
 *	content - what the content checks share (see content.h)
 */
#include <string.h>

#include <libpsl.h>

#include "content/content.h"
#include "core/table.h"

/* The content checks an override may name. */
static const pf_check_id content_checks[] = {
	PF_CHECK_STRUCTURE, PF_CHECK_ATTACH, PF_CHECK_LINKS, PF_CHECK_TEXT,
	PF_CHECK_BULK, PF_CHECK_CONTENT,
};

static const pf_check *
content_check_named(const char *name, size_t len)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(content_checks); i++) {
		const pf_check *c = pf_check_get(content_checks[i]);

		if (strlen(c->name) == len && strncmp(c->name, name, len) == 0)
			return c;
	}
	return NULL;
}

bool
pf_content_validate_override(const char *key, const char *value,
			     GString *why, void *arg)
{
	gchar **words;
	bool ok = true;

	if (*value == '\0') {
		g_string_append_printf(why, "\"%s\": no change given (\"off\" "
		    "or check.rule=SCORE ...)", key);
		return false;
	}
	if (g_ascii_strcasecmp(value, "off") == 0)
		return true;
	words = g_strsplit_set(value, " \t", -1);
	for (gchar **w = words; *w && ok; w++) {
		const char *eq = strchr(*w, '='), *dot;
		char *end;

		if (**w == '\0')
			continue;
		if (eq == NULL) {
			g_string_append_printf(why, "\"%s\": expected "
			    "check=off or check.rule=SCORE|off", *w);
			ok = false;
			break;
		}
		dot = memchr(*w, '.', (size_t)(eq - *w));
		if (content_check_named(*w, (size_t)((dot ? dot : eq) - *w)) ==
		    NULL) {
			g_string_append_printf(why, "\"%s\": not a content "
			    "check (structure, attach, links, text, bulk, "
			    "content)", *w);
			ok = false;
		} else if (dot == NULL && strcmp(eq + 1, "off") != 0) {
			g_string_append_printf(why, "\"%s\": a whole check can "
			    "only be switched off", *w);
			ok = false;
		} else if (dot && (dot + 1 == eq ||
				   (strcmp(eq + 1, "off") != 0 &&
				    (eq[1] == '\0' ||
				     strtoul(eq + 1, &end, 10) > 1000 ||
				     *end != '\0' || eq[1] == '-')))) {
			g_string_append_printf(why, "\"%s\": expected "
			    "check.rule=SCORE (0-1000) or check.rule=off", *w);
			ok = false;
		}
	}
	g_strfreev(words);
	return ok;
}

/*
 * Look up what the sender domain's override says about code (a rule,
 * "attach.double-extension") or, when code has no dot, about a whole
 * check.  Returns 0 (no change), 1 (off) or 2 (score in *score).
 */
static int
override_for(const pf_message *msg, const char *code, int *score)
{
	const char *value = pf_table_lookup_domain(
	    msg->cfg->content.override_table, pf_message_sender_domain(msg));
	const char *dot = strchr(code, '.');
	size_t check_len = dot ? (size_t)(dot - code) : strlen(code);
	gchar **words;
	int rc = 0;

	if (value == NULL)
		return 0;
	if (g_ascii_strcasecmp(value, "off") == 0)
		return 1;
	words = g_strsplit_set(value, " \t", -1);
	for (gchar **w = words; *w; w++) {
		const char *eq = strchr(*w, '=');
		size_t klen;

		if (eq == NULL)
			continue;
		klen = (size_t)(eq - *w);
		/* "check=off" */
		if (klen == check_len && strncmp(*w, code, klen) == 0 &&
		    strcmp(eq + 1, "off") == 0) {
			rc = 1;
			break;
		}
		/* "check.rule=..." */
		if (dot && klen == strlen(code) &&
		    strncmp(*w, code, klen) == 0) {
			if (strcmp(eq + 1, "off") == 0) {
				rc = 1;
			} else {
				*score = (int)strtol(eq + 1, NULL, 10);
				rc = *score == 0 ? 1 : 2;
			}
			break;
		}
	}
	g_strfreev(words);
	return rc;
}

bool
pf_content_check_off(const pf_message *msg, pf_check_id check)
{
	const pf_check *c = pf_check_get(check);
	int score;

	return c && override_for(msg, c->name, &score) == 1;
}

pf_result *
pf_content_add(pf_message *msg, pf_check_id check, const char *code,
	       pf_action action, int score, const char *smtp, const char *dsn)
{
	int over = 0;

	switch (override_for(msg, code, &over)) {
	case 1:
		return NULL;
	case 2:
		action = PF_ACTION_NONE;
		score = over;
		break;
	default:
		break;
	}
	return pf_result_add(msg, check, code, action, score, smtp, dsn);
}

void
pf_content_skipped(pf_message *msg, pf_check_id check, const char *code,
		   const char *what)
{
	pf_result *r = pf_content_add(msg, check, code, PF_ACTION_NONE, 0,
				      NULL, NULL);

	if (r == NULL)
		return;
	pf_result_text(r, "Not examined: %s (only the first %llu bytes of "
	    "the body are kept for content checks)", what,
	    msg->cfg->max_scan_size);
	pf_result_fix(r, "Nothing to do; raise [policy] max_scan_size to "
	    "examine larger messages in full");
	pf_result_fact(r, "scanned", "%u", msg->body->len);
	pf_result_fact(r, "body", "%zu", msg->body_bytes);
}

bool
pf_content_is_bulk(const pf_message *msg, GString *why)
{
	const pf_bulk_conf *bc = &msg->cfg->bulk;
	const char *prec = pf_message_header_get(msg, "Precedence", 0);

	if (bc->recipients && msg->rcpts->len >= bc->recipients) {
		if (why)
			g_string_printf(why, "%u recipients", msg->rcpts->len);
		return true;
	}
	if (prec) {
		while (*prec == ' ' || *prec == '\t')
			prec++;
		if (g_ascii_strncasecmp(prec, "bulk", 4) == 0 ||
		    g_ascii_strncasecmp(prec, "list", 4) == 0 ||
		    g_ascii_strncasecmp(prec, "junk", 4) == 0) {
			if (why)
				g_string_printf(why, "Precedence: %.4s", prec);
			return true;
		}
	}
	if (pf_message_header_get(msg, "List-Id", 0)) {
		if (why)
			g_string_assign(why, "List-Id header");
		return true;
	}
	return false;
}

pf_unsubscribe
pf_content_unsubscribe(const pf_message *msg)
{
	const char *lu = pf_message_header_get(msg, "List-Unsubscribe", 0);
	const char *post;
	bool https = false;

	if (lu == NULL)
		return PF_UNSUB_NONE;
	/* <https://...> between angle brackets (RFC 2369) */
	for (const char *p = strchr(lu, '<'); p; p = strchr(p + 1, '<')) {
		const char *q = p + 1;

		while (*q == ' ' || *q == '\t' || *q == '\n')
			q++;
		if (g_ascii_strncasecmp(q, "https://", 8) == 0)
			https = true;
	}
	if (!https)
		return PF_UNSUB_NO_HTTPS;
	for (unsigned i = 0;
	     (post = pf_message_header_get(msg, "List-Unsubscribe-Post", i));
	     i++) {
		while (*post == ' ' || *post == '\t')
			post++;
		if (g_ascii_strncasecmp(post, "List-Unsubscribe=One-Click",
					26) == 0)
			return PF_UNSUB_ONE_CLICK;
	}
	return PF_UNSUB_NO_POST;
}

GHashTable *
pf_word_set_new(const char *words)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal,
						g_free, NULL);
	gchar **list = g_strsplit_set(words ? words : "", " \t,", -1);

	for (gchar **w = list; *w; w++) {
		const char *word = *w;

		while (*word == '.')
			word++;
		if (*word)
			g_hash_table_add(set, g_ascii_strdown(word, -1));
	}
	g_strfreev(list);
	return set;
}

bool
pf_word_set_has(GHashTable *set, const char *word)
{
	char *lower;
	bool found;

	if (set == NULL || word == NULL)
		return false;
	lower = g_ascii_strdown(word, -1);
	found = g_hash_table_contains(set, lower);
	g_free(lower);
	return found;
}

const char *
pf_org_domain(const char *host)
{
	const char *org;

	if (host == NULL)
		return NULL;
	org = psl_registrable_domain(psl_builtin(), host);
	return org ? org : host;
}
