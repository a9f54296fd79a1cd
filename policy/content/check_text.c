/*
 * NAME
 *	check_text - spam-like text heuristics
 * SYNOPSIS
 *	extern const pf_check pf_check_text;
 * DESCRIPTION
 *	At end of message, on the subject (decoded from RFC 2047) and the
 *	inline text parts of the shared parse (mime.h), each rule reporting
 *	once with the part concerned:
 *
 *	text.caps-subject (caps_subject_score): 8 or more letters, none of
 *	them lower case.
 *	text.exclamations (exclamation_score): exclamation_run "!" in a row
 *	in the subject or a text part.
 *	text.phrase (phrase_score per phrase, at most three counted): a
 *	phrase of the phrases file, without regard to case.
 *	text.html-only (html_only_score): an HTML body with no text/plain
 *	alternative.
 *	text.image-only (image_only_score): images (inline image parts or
 *	<img> tags) with fewer than min_text_chars visible characters.
 *
 *	The phrase file is read when the configuration loads: one phrase a
 *	line, blank lines and # comments ignored; an unreadable file is a
 *	configuration error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "content/content.h"
#include "content/mime.h"

#define PHRASES_COUNTED 3

static pf_result *
add(pf_message *msg, const char *code, unsigned long score)
{
	return pf_content_add(msg, PF_CHECK_TEXT, code, PF_ACTION_NONE,
			      (int)score, NULL, NULL);
}

static bool
all_caps(const char *s)
{
	unsigned upper = 0;

	if (s == NULL || !g_utf8_validate(s, -1, NULL))
		return false;
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_islower(c))
			return false;
		if (g_unichar_isupper(c))
			upper++;
	}
	return upper >= 8;
}

static bool
has_run(const char *s, unsigned long run)
{
	unsigned long n = 0;

	for (; s && *s; s++) {
		n = *s == '!' ? n + 1 : 0;
		if (n >= run)
			return true;
	}
	return false;
}

/* Visible characters of HTML (tags, scripts and styles dropped). */
static size_t
html_visible_chars(const char *html, unsigned *images)
{
	size_t n = 0;
	const char *p = html;

	while (*p) {
		if (*p == '<') {
			const char *gt = strchr(p, '>');

			if (g_ascii_strncasecmp(p, "<img", 4) == 0)
				(*images)++;
			if (g_ascii_strncasecmp(p, "<style", 6) == 0 ||
			    g_ascii_strncasecmp(p, "<script", 7) == 0) {
				const char *end = strstr(p, "</");

				gt = end ? strchr(end, '>') : NULL;
			}
			if (gt == NULL)
				break;
			p = gt + 1;
			continue;
		}
		if (*p == '&') {	/* an entity is one character */
			const char *semi = strchr(p, ';');

			if (semi && semi - p < 10)
				p = semi;
		}
		if (!g_ascii_isspace(*p))
			n++;
		p++;
	}
	return n;
}

static size_t
text_chars(const char *text)
{
	size_t n = 0;

	for (; text && *text; text++)
		if (!g_ascii_isspace(*text))
			n++;
	return n;
}

static void
check_subject(pf_message *msg, const pf_mime *mime, bool *excl_done)
{
	const pf_text_conf *tc = &msg->cfg->text;
	const char *subject = mime->message ?
	    g_mime_message_get_subject(mime->message) : NULL;
	pf_result *r;

	if (subject == NULL)
		subject = pf_message_header_get(msg, "Subject", 0);
	if (subject == NULL)
		return;
	if (all_caps(subject) && (r = add(msg, "text.caps-subject",
					  tc->caps_subject_score))) {
		pf_result_text(r, "The subject is all capitals: \"%.80s\"",
			       subject);
		pf_result_fix(r, "Write the subject in normal case");
		pf_result_fact(r, "where", "Subject");
	}
	if (has_run(subject, tc->exclamation_run)) {
		*excl_done = true;
		if ((r = add(msg, "text.exclamations",
			     tc->exclamation_score))) {
			pf_result_text(r, "The subject has a run of %lu or "
			    "more \"!\": \"%.80s\"", tc->exclamation_run,
			    subject);
			pf_result_fix(r, "Use one exclamation mark at most");
			pf_result_fact(r, "where", "Subject");
		}
	}
}

static void
check_phrases(pf_message *msg, const char *subject, pf_mime *mime)
{
	const pf_text_conf *tc = &msg->cfg->text;
	GString *found = g_string_new(NULL);
	const char *where = NULL;
	unsigned hits = 0;
	pf_result *r;

	if (tc->phrase_list == NULL || tc->phrase_list->len == 0) {
		g_string_free(found, TRUE);
		return;
	}
	for (guint i = 0; i <= mime->parts->len; i++) {
		const char *text;
		const char *label;
		char *lower;

		if (i == 0) {
			text = subject;
			label = "the subject";
		} else {
			pf_mime_part *part = mime->parts->pdata[i - 1];

			if (!pf_mime_part_is_body_text(part, "plain") &&
			    !pf_mime_part_is_body_text(part, "html"))
				continue;
			text = pf_mime_part_text(part);
			label = pf_mime_part_name(part);
		}
		if (text == NULL)
			continue;
		if (g_utf8_validate(text, -1, NULL)) {
			lower = g_utf8_strdown(text, -1);
		} else {	/* a raw Subject: strdown reads past bad bytes */
			char *valid = g_utf8_make_valid(text, -1);

			lower = g_utf8_strdown(valid, -1);
			g_free(valid);
		}
		for (guint j = 0; j < tc->phrase_list->len; j++) {
			const char *ph = tc->phrase_list->pdata[j];

			if (strstr(lower, ph) == NULL ||
			    strstr(found->str, ph) != NULL)
				continue;
			g_string_append_printf(found, "%s\"%s\"",
			    found->len ? ", " : "", ph);
			if (where == NULL)
				where = label;
			hits++;
		}
		g_free(lower);
	}
	if (hits && (r = add(msg, "text.phrase", tc->phrase_score *
			     MIN(hits, PHRASES_COUNTED)))) {
		pf_result_text(r, "%u listed phrase%s found, first in %s: %s",
		    hits, hits == 1 ? "" : "s", where, found->str);
		pf_result_fix(r, "Reword the message; these phrases are "
		    "typical of spam");
		pf_result_fact(r, "phrases", "%s", found->str);
		pf_result_fact(r, "where", "%s", where);
	}
	g_string_free(found, TRUE);
}

static void
text_run(pf_message *msg, pf_stage stage)
{
	const pf_text_conf *tc = &msg->cfg->text;
	pf_mime *mime;
	bool excl_done = false, have_plain = false;
	const char *html_part = NULL, *excl_part = NULL;
	size_t visible = 0, plain_chars = 0;
	unsigned images = 0;
	pf_result *r;
	const char *subject;

	if (pf_content_check_off(msg, PF_CHECK_TEXT))
		return;
	mime = pf_mime_get(msg);
	check_subject(msg, mime, &excl_done);
	for (guint i = 0; i < mime->parts->len; i++) {
		pf_mime_part *part = mime->parts->pdata[i];
		bool html = pf_mime_part_is_body_text(part, "html");
		const char *text;

		if (!part->attachment && strncmp(part->type, "image/", 6) == 0)
			images++;
		if (!html && !pf_mime_part_is_body_text(part, "plain"))
			continue;
		text = pf_mime_part_text(part);
		if (html) {
			if (html_part == NULL)
				html_part = pf_mime_part_name(part);
			visible = MAX(visible, text ?
			    html_visible_chars(text, &images) : 0);
		} else {
			have_plain = true;
			plain_chars = MAX(plain_chars, text_chars(text));
		}
		if (!excl_done && excl_part == NULL &&
		    has_run(text, tc->exclamation_run))
			excl_part = pf_mime_part_name(part);
	}
	if (excl_part && (r = add(msg, "text.exclamations",
				  tc->exclamation_score))) {
		pf_result_text(r, "%s has a run of %lu or more \"!\"",
			       excl_part, tc->exclamation_run);
		pf_result_fix(r, "Use one exclamation mark at most");
		pf_result_fact(r, "where", "%s", excl_part);
	}
	subject = mime->message ? g_mime_message_get_subject(mime->message) :
	    NULL;
	check_phrases(msg, subject, mime);
	if (html_part && !have_plain && (r = add(msg, "text.html-only",
						 tc->html_only_score))) {
		pf_result_text(r, "The message is HTML only (%s) with no "
		    "text/plain alternative", html_part);
		pf_result_fix(r, "Send multipart/alternative with a plain "
		    "text version; most mail programs have the setting");
		pf_result_fact(r, "part", "%s", html_part);
	}
	if (images && MAX(visible, plain_chars) < tc->min_text_chars &&
	    (r = add(msg, "text.image-only", tc->image_only_score))) {
		pf_result_text(r, "The message is %u image%s with %zu "
		    "characters of text (%s)", images, images == 1 ? "" : "s",
		    MAX(visible, plain_chars),
		    html_part ? html_part : "no text part");
		pf_result_fix(r, "Put the message in text, not in a picture "
		    "of text; filters cannot read images");
		pf_result_fact(r, "images", "%u", images);
		pf_result_fact(r, "chars", "%zu", MAX(visible, plain_chars));
	}
}

static pf_mode *
text_mode(pf_config *cfg)
{
	return &cfg->text.mode;
}

static int
text_configure(pf_config *cfg, GString *err)
{
	pf_text_conf *tc = &cfg->text;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;

	if (tc->phrase_list)
		g_ptr_array_free(tc->phrase_list, TRUE);
	tc->phrase_list = g_ptr_array_new_with_free_func(g_free);
	if (tc->phrases == NULL)
		return 0;
	if ((fp = fopen(tc->phrases, "r")) == NULL) {
		g_string_append_printf(err, "%s: text.phrases: cannot open: "
		    "%s\n", tc->phrases, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, fp) >= 0) {
		char *s = g_strstrip(line);

		if (*s && *s != '#' && g_utf8_validate(s, -1, NULL))
			g_ptr_array_add(tc->phrase_list, g_utf8_strdown(s, -1));
	}
	free(line);
	fclose(fp);
	return 0;
}

static void
text_unconfigure(pf_config *cfg)
{
	if (cfg->text.phrase_list)
		g_ptr_array_free(cfg->text.phrase_list, TRUE);
	cfg->text.phrase_list = NULL;
}

const pf_check pf_check_text = {
	.id = PF_CHECK_TEXT,
	.name = "text",
	.stages = PF_STAGE_EOM,
	.mode = text_mode,
	.run = text_run,
	.configure = text_configure,
	.unconfigure = text_unconfigure,
};
