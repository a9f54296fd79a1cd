/*
 * NAME
 *	mime - the parsed MIME structure every content check shares
 *	(see mime.h)
 */
#include <string.h>

#include "dmarc.h"	/* pf_gmime_init_once */
#include "mime.h"

static void
mime_unref(void *p)
{
	if (p)
		g_object_unref(p);
}

GMimeMessage *
pf_mime_message(pf_message *msg)
{
	GByteArray *raw;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *m;

	if (msg->mime)
		return msg->mime;
	if (msg->headers->len == 0 && msg->body->len == 0)
		return NULL;
	pf_gmime_init_once();
	raw = g_byte_array_sized_new((guint)(msg->header_kept +
					     msg->body->len + 2));
	for (guint i = 0; i < msg->headers->len; i++) {
		const pf_header *h = &g_array_index(msg->headers, pf_header, i);

		if (*h->name == '\0')
			continue;
		g_byte_array_append(raw, (const guint8 *)h->name,
				    (guint)strlen(h->name));
		g_byte_array_append(raw, (const guint8 *)": ", 2);
		for (const char *p = h->value; *p; p++) {
			if (*p == '\n')
				g_byte_array_append(raw, (const guint8 *)"\r", 1);
			g_byte_array_append(raw, (const guint8 *)p, 1);
		}
		g_byte_array_append(raw, (const guint8 *)"\r\n", 2);
	}
	g_byte_array_append(raw, (const guint8 *)"\r\n", 2);
	g_byte_array_append(raw, msg->body->data, msg->body->len);
	stream = g_mime_stream_mem_new_with_byte_array(raw);	/* owns raw */
	parser = g_mime_parser_new_with_stream(stream);
	m = g_mime_parser_construct_message(parser, NULL);
	g_object_unref(parser);
	g_object_unref(stream);
	msg->mime = m;
	msg->mime_free = mime_unref;
	return m;
}

typedef struct walk {
	pf_message *msg;
	pf_mime_fn fn;
	void *arg;
	unsigned parts;
	bool stop;
} walk;

static void
walk_object(walk *w, GMimeObject *obj, int depth)
{
	if (w->stop || obj == NULL || depth > PF_MIME_MAX_DEPTH)
		return;
	if (++w->parts > PF_MIME_MAX_PARTS) {
		w->stop = true;
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n && !w->stop; i++)
			walk_object(w, g_mime_multipart_get_part(mp, i),
				    depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));

		if (inner)
			walk_object(w, g_mime_message_get_mime_part(inner),
				    depth + 1);
	} else if (!w->fn(w->msg, obj, depth, w->arg)) {
		w->stop = true;
	}
}

void
pf_mime_foreach(pf_message *msg, pf_mime_fn fn, void *arg)
{
	GMimeMessage *m = pf_mime_message(msg);
	walk w = {msg, fn, arg, 0, false};

	if (m)
		walk_object(&w, g_mime_message_get_mime_part(m), 0);
}

GByteArray *
pf_mime_part_content(GMimeObject *part, size_t max)
{
	GByteArray *out = g_byte_array_new();
	GMimeDataWrapper *dw;
	GMimeStream *mem;

	if (!GMIME_IS_PART(part) ||
	    (dw = g_mime_part_get_content(GMIME_PART(part))) == NULL)
		return out;
	/* write_to_stream decodes base64 and quoted-printable; the input is
	 * bounded by max_scan_size, so is the decoded copy */
	mem = g_mime_stream_mem_new();
	if (g_mime_data_wrapper_write_to_stream(dw, mem) >= 0) {
		GByteArray *a = g_mime_stream_mem_get_byte_array(
		    GMIME_STREAM_MEM(mem));

		g_byte_array_append(out, a->data,
				    (guint)MIN((size_t)a->len, max));
	}
	g_object_unref(mem);
	return out;
}

const char *
pf_mime_filename(GMimeObject *part)
{
	if (GMIME_IS_PART(part))
		return g_mime_part_get_filename(GMIME_PART(part));
	return NULL;
}
