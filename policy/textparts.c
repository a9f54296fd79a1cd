/*
 * NAME
 *	textparts - the readable text of a message (see textparts.h)
 */
#include <string.h>

#include "mime.h"
#include "textparts.h"

typedef struct collect {
	GString *plain, *html;
	unsigned *images;
} collect;

static bool
collect_part(pf_message *msg, GMimeObject *part, int depth, void *arg)
{
	collect *c = arg;
	GMimeContentType *ct = g_mime_object_get_content_type(part);
	GString *to = NULL;
	GByteArray *data;

	(void)msg;
	(void)depth;
	if (ct == NULL)
		return true;
	if (g_mime_content_type_is_type(ct, "image", "*")) {
		(*c->images)++;
		return true;
	}
	if (pf_mime_filename(part) != NULL)
		return true;
	if (g_mime_content_type_is_type(ct, "text", "plain"))
		to = c->plain;
	else if (g_mime_content_type_is_type(ct, "text", "html"))
		to = c->html;
	if (to == NULL || to->len >= PF_TEXT_MAX)
		return true;
	data = pf_mime_part_content(part, PF_TEXT_MAX - to->len);
	g_string_append_len(to, (const char *)data->data, (gssize)data->len);
	g_string_append_c(to, '\n');
	g_byte_array_unref(data);
	return true;
}

void
pf_text_collect(pf_message *msg, GString *plain, GString *html,
		unsigned *images)
{
	collect c = {plain, html, images};

	*images = 0;
	pf_mime_foreach(msg, collect_part, &c);
}

/* Text of HTML without tags, scripts and styles (entities kept). */
char *
pf_html_strip(const char *html)
{
	GString *out = g_string_new(NULL);
	const char *p = html;

	while (*p) {
		if (*p != '<') {
			g_string_append_c(out, *p++);
			continue;
		}
		if (g_ascii_strncasecmp(p, "<script", 7) == 0 ||
		    g_ascii_strncasecmp(p, "<style", 6) == 0) {
			const char *end = strstr(p, p[1] == 's' && p[2] == 't' ?
			    "</style" : "</script");

			if (end == NULL)
				end = strstr(p, "</");
			p = end ? end : p + strlen(p);
		}
		while (*p && *p != '>')
			p++;
		if (*p)
			p++;
		g_string_append_c(out, ' ');
	}
	return g_string_free(out, FALSE);
}
