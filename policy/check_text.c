/*
 * NAME
 *	check_text - text that receivers' spam filters score
 * SYNOPSIS
 *	extern const pf_check pf_check_text;
 * DESCRIPTION
 *	Scores at end of message: text.caps-subject (a subject of at least
 *	8 letters, nine in ten of them capitals), text.exclamations (a run
 *	of three "!" in the subject or text), text.html-only (HTML with no
 *	text/plain alternative), text.image-only (images with fewer than 50
 *	characters of text), text.phrase (each [text] phrases entry found
 *	in the subject or text, any case).  The phrase file is read when the
 *	configuration loads (errors name it).
 */
#include <string.h>

#include "check.h"
#include "mime.h"
#include "table.h"
#include "textparts.h"

static void
score(pf_message *msg, const char *code, unsigned long points, char *text,
      const char *fix)
{
	pf_result *r;

	if (points) {
		r = pf_result_add(msg, PF_CHECK_TEXT, code, PF_ACTION_NONE,
				  (int)points, "550", "5.7.1");
		pf_result_text(r, "%s", text);
		pf_result_fix(r, "%s", fix);
	}
	g_free(text);
}

static bool
caps(const char *subject)
{
	unsigned letters = 0, upper = 0;

	for (const unsigned char *p = (const unsigned char *)subject; *p; p++)
		if (g_ascii_isalpha(*p)) {
			letters++;
			upper += g_ascii_isupper(*p) ? 1 : 0;
		}
	return letters >= 8 && upper * 10 >= letters * 9;
}

static void
text_run(pf_message *msg, pf_stage stage)
{
	const pf_text_conf *tc = &msg->cfg->text;
	const char *raw;
	char *subject, *stripped, *lower;
	GString *plain, *html, *all;
	unsigned images;

	if (stage != PF_STAGE_EOM)
		return;
	raw = pf_message_header_get(msg, "Subject", 0);
	subject = raw ? g_mime_utils_header_decode_text(NULL, raw) :
	    g_strdup("");
	plain = g_string_new(NULL);
	html = g_string_new(NULL);
	pf_text_collect(msg, plain, html, &images);
	stripped = pf_html_strip(html->str);

	if (caps(subject))
		score(msg, "text.caps-subject", tc->caps_score,
		    g_strdup_printf("The subject is in capitals: \"%.80s\"",
		    subject), "Write the subject in normal case");
	if (strstr(subject, "!!!") || strstr(plain->str, "!!!") ||
	    strstr(stripped, "!!!"))
		score(msg, "text.exclamations", tc->exclaim_score,
		    g_strdup("The message has runs of \"!!!\""),
		    "Use one exclamation mark at most");
	if (html->len && plain->len == 0)
		score(msg, "text.html-only", tc->html_only_score,
		    g_strdup("The message is HTML with no text/plain part"),
		    "Send multipart/alternative with a text/plain version");
	all = g_string_new(subject);
	g_string_append_c(all, '\n');
	g_string_append(all, plain->str);
	g_string_append(all, stripped);
	if (images && strlen(g_strstrip(plain->str)) +
	    strlen(g_strstrip(stripped)) < 50)
		score(msg, "text.image-only", tc->image_only_score,
		    g_strdup_printf("The message is %u image(s) with almost no "
		    "text", images), "Put the message in text; images alone "
		    "look like spam");
	lower = g_ascii_strdown(all->str, (gssize)all->len);
	for (guint i = 0; tc->phrase_list && i < tc->phrase_list->len; i++) {
		const char *ph = tc->phrase_list->pdata[i];

		if (strstr(lower, ph))
			score(msg, "text.phrase", tc->phrase_score,
			    g_strdup_printf("The message contains \"%s\"", ph),
			    "Reword the message");
	}
	g_free(lower);
	g_string_free(all, TRUE);
	g_free(stripped);
	g_free(subject);
	g_string_free(plain, TRUE);
	g_string_free(html, TRUE);
}

static pf_mode *
text_mode(pf_config *cfg)
{
	return &cfg->text.mode;
}

static bool
phrase_line(const char *key, const char *value, GString *why, void *arg)
{
	GPtrArray *list = arg;
	char *line = *value ? g_strdup_printf("%s %s", key, value) :
	    g_strdup(key);

	g_ptr_array_add(list, g_ascii_strdown(line, -1));
	g_free(line);
	return true;
}

static int
text_configure(pf_config *cfg, GString *err)
{
	pf_table *t;

	if (cfg->text.phrases == NULL)
		return 0;
	cfg->text.phrase_list = g_ptr_array_new_with_free_func(g_free);
	t = pf_table_load(cfg->text.phrases, phrase_line,
			  cfg->text.phrase_list, err);
	pf_table_free(&t);
	return t == NULL && err->len ? -1 : 0;
}

static void
text_unconfigure(pf_config *cfg)
{
	if (cfg->text.phrase_list)
		g_ptr_array_unref(cfg->text.phrase_list);
	cfg->text.phrase_list = NULL;
}

const pf_check pf_check_text = {
	.id = PF_CHECK_TEXT,
	.name = "text",
	.stages = PF_STAGE_BODY | PF_STAGE_EOM,
	.mode = text_mode,
	.run = text_run,
	.configure = text_configure,
	.unconfigure = text_unconfigure,
};
