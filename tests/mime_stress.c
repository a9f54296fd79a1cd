/*
 * NAME
 *	mime_stress - truncated, mutated and garbage mail through the pipeline
 * SYNOPSIS
 *	mime_stress [-s seed] FILE...
 * DESCRIPTION
 *	Feeds every FILE through the whole pipeline (MAIL, RCPT, headers,
 *	body in chunks, EOM) with the content checks on, then every
 *	truncation of it at many offsets, then copies with random bytes
 *	changed, then random garbage built from MIME-ish tokens.  Prints
 *	TAP: one line per file and one for the garbage.  A crash, a
 *	sanitizer report or a missing verdict fails; run it under the ASan
 *	build too.  -1 feeds each FILE once, as it is.
 *
 *	Every message fed also checks that the parse the checks read (top-
 *	level fields left out, see mime.h) agrees with a parse given every
 *	field: the same parts, types, names and subject; that each part's
 *	content and its first 4 KB are what GMime's own decoding gives
 *	(g_mime_data_wrapper_write_to_stream()); and that each text part's
 *	text is what g_mime_text_part_get_text() gives (made valid UTF-8).
 *	A difference is printed and fails.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* memmem */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content/mime.h"
#include "core/pipeline.h"

static unsigned long messages, differences;

static bool
same_str(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* The text of a text part as GMime gives it, made valid UTF-8. */
static char *
gmime_text(const pf_mime_part *p)
{
	char *t = GMIME_IS_TEXT_PART(p->object) ?
	    g_mime_text_part_get_text(GMIME_TEXT_PART(p->object)) : NULL;

	if (t && !g_utf8_validate(t, -1, NULL)) {
		char *valid = g_utf8_make_valid(t, -1);

		g_free(t);
		t = valid;
	}
	return t;
}

/* The same, or both made up by GMime for a multipart without one (a
 * random "=-..." that the body does not hold). */
static bool
same_boundary(const pf_message *msg, const char *a, const char *b)
{
	const GByteArray *body = msg->body;

	return same_str(a, b) || (g_str_has_prefix(a, "=-") &&
	    g_str_has_prefix(b, "=-") && (body->len == 0 ||
	    (!memmem(body->data, body->len, a, strlen(a)) &&
	     !memmem(body->data, body->len, b, strlen(b)))));
}

/* A leaf's content as GMime decodes it (empty for a message part). */
static GByteArray *
gmime_content(const pf_mime_part *p)
{
	GByteArray *out = g_byte_array_new();
	GMimeDataWrapper *w = GMIME_IS_PART(p->object) ?
	    g_mime_part_get_content(GMIME_PART(p->object)) : NULL;

	if (w) {
		GMimeStream *m = g_mime_stream_mem_new_with_byte_array(out);

		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(m), FALSE);
		g_mime_data_wrapper_write_to_stream(w, m);
		g_object_unref(m);
	}
	return out;
}

static bool
same_bytes(const guint8 *a, gsize alen, const guint8 *b, gsize blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static void
differ(const char *what, const char *id)
{
	if (differences++ < 20)
		printf("# parses differ: %s%s%s\n", what, id ? " of part " : "",
		       id ? id : "");
}

/* The checks' parse against one given every field (see the head). */
static void
compare_parses(pf_message *msg)
{
	pf_mime *a = pf_mime_get(msg), *b = pf_mime_parse(msg, true);

	if ((a->message == NULL) != (b->message == NULL))
		differ("whether there is a message", NULL);
	else if (a->message && !same_str(g_mime_message_get_subject(a->message),
	    g_mime_message_get_subject(b->message)))
		differ("the subject", NULL);
	if (a->parts->len != b->parts->len || a->walked != b->walked ||
	    a->limited != b->limited || a->truncated != b->truncated ||
	    a->boundaries->len != b->boundaries->len)
		differ("the number of parts", NULL);
	for (guint i = 0; i < MIN(a->boundaries->len, b->boundaries->len); i++)
		if (!same_boundary(msg, a->boundaries->pdata[i],
				   b->boundaries->pdata[i]) ||
		    !same_str(a->multipart_ids->pdata[i],
			      b->multipart_ids->pdata[i]))
			differ("a boundary", NULL);
	for (guint i = 0; i < MIN(a->parts->len, b->parts->len); i++) {
		pf_mime_part *p = a->parts->pdata[i], *q = b->parts->pdata[i];
		const GByteArray *pc, *qh;
		GByteArray *ref;
		char *want;

		if (!same_str(p->id, q->id) || !same_str(p->type, q->type) ||
		    !same_str(p->filename, q->filename) ||
		    !same_str(p->label, q->label) ||
		    p->attachment != q->attachment || p->depth != q->depth ||
		    p->last != q->last)
			differ("the type or name", p->id);
		ref = gmime_content(q);
		qh = pf_mime_part_head(q, 4096);	/* before any content */
		if (!same_bytes(qh->data, qh->len, ref->data,
				MIN(ref->len, 4096)))
			differ("the first 4 KB as GMime decodes them", p->id);
		pc = pf_mime_part_content(p);
		if (!same_bytes(pc->data, pc->len, ref->data, ref->len))
			differ("the content as GMime decodes it", p->id);
		g_byte_array_free(ref, TRUE);
		want = gmime_text(q);
		if (!same_str(pf_mime_part_text(p), want))
			differ("the text", p->id);
		g_free(want);
	}
	pf_mime_free(&b);
}

/* One message through the pipeline, as scan(1) and the milter feed it. */
static int
feed(pf_config *cfg, const guint8 *data, size_t len)
{
	pf_pipeline *tx = pf_pipeline_new(cfg, NULL);
	pf_message *msg = tx->msg;
	GString *name = g_string_new(NULL), *value = g_string_new(NULL);
	GByteArray *body = g_byte_array_new();
	size_t off = 0;
	bool have = false, in_body = false;
	pf_verdict *v;
	int rc = 0;

	messages++;
	pf_pipeline_mail(tx, "<alice@example.com>", NULL);
	pf_pipeline_rcpt(tx, "<bob@gmail.com>");
	while (off < len && !in_body) {
		const guint8 *lf = memchr(data + off, '\n', len - off);
		size_t l = lf ? (size_t)(lf - (data + off)) : len - off;
		const char *line = (const char *)data + off;
		size_t eol = lf ? 1 : 0;

		if (l > 0 && line[l - 1] == '\r')
			l--, eol++;
		off += l + eol;
		if (l == 0) {
			in_body = true;
			break;
		}
		if ((line[0] == ' ' || line[0] == '\t') && have) {
			g_string_append_c(value, '\n');
			g_string_append_len(value, line, (gssize)l);
			continue;
		}
		if (have)
			pf_pipeline_header(tx, name->str, value->str);
		have = true;
		{
			const char *colon = memchr(line, ':', l);
			size_t vs = colon ? (size_t)(colon - line) + 1 : 0;

			g_string_truncate(name, 0);
			g_string_truncate(value, 0);
			if (colon) {
				g_string_append_len(name, line,
						    (gssize)(colon - line));
				if (vs < l && line[vs] == ' ')
					vs++;
			}
			g_string_append_len(value, line + vs, (gssize)(l - vs));
		}
	}
	if (have)
		pf_pipeline_header(tx, name->str, value->str);
	/* NUL bytes in a header value end it, as libmilter's strings do */
	if (pf_pipeline_eoh(tx) == NULL) {
		for (size_t i = off; i < len; i++) {
			if (data[i] == '\n' && (i == off || data[i - 1] != '\r'))
				g_byte_array_append(body, (const guint8 *)"\r",
						    1);
			g_byte_array_append(body, &data[i], 1);
			if (body->len >= 4096) {
				pf_pipeline_body(tx, body->data, body->len);
				g_byte_array_set_size(body, 0);
			}
		}
		if (body->len)
			pf_pipeline_body(tx, body->data, body->len);
		v = pf_pipeline_eom(tx);
		if (v == NULL)
			rc = -1;
		else {
			char *json = pf_verdict_json(msg, v);
			unsigned long before = differences;

			g_free(json);
			compare_parses(msg);
			rc = differences > before ? -1 : 0;
		}
	}
	g_byte_array_free(body, TRUE);
	g_string_free(name, TRUE);
	g_string_free(value, TRUE);
	pf_pipeline_free(&tx);
	return rc;
}

static const char *const tokens[] = {
	"Content-Type: multipart/mixed; boundary=\"b\"\r\n",
	"Content-Type: multipart/alternative; boundary=b\r\n",
	"Content-Type: message/rfc822\r\n", "Content-Type: text/html\r\n",
	"Content-Transfer-Encoding: base64\r\n",
	"Content-Transfer-Encoding: quoted-printable\r\n",
	"Content-Disposition: attachment; filename=\"a.pdf.exe\"\r\n",
	"Content-Disposition: attachment; filename*=utf-8''%E2%80%AE.zip\r\n",
	"--b\r\n", "--b--\r\n", "\r\n", "=\r\n", "=4", "TVqQ", "UEsDBA",
	"<a href=\"", "\">", "</a>", "<a href=http://1.2.3.4>", "javascript:",
	"<img src=x>", "new Blob(", "createObjectURL", "Subject: ",
	"From: a@b\r\n", "=?utf-8?B?", "?=", "!!!", "\xff\xfe", "\0",
	"<", ">", "&amp;", "&#x", "PK\003\004", "MZ", "\177ELF",
	"Content-Type: text/plain; charset=us-ascii\r\n",
	"Content-Type: text/plain; charset=utf-8\r\n",
	"Content-Type: text/html; charset=iso-8859-1\r\n",
	"Content-Type: text/plain; charset=iso-2022-jp\r\n",
	"Content-Type: text/plain; charset=utf-7\r\n", "\033$B",
	"Received: from x\r\n", " folded\r\n", "X Bad: y\r\n",
	"MIME-Version: 1.0\r\n", "To: <a@b>, \"c\" <d@e>\r\n",
};

static GByteArray *
garbage(GRand *rnd)
{
	GByteArray *g = g_byte_array_new();
	unsigned n = (unsigned)g_rand_int_range(rnd, 1, 200);

	for (unsigned i = 0; i < n; i++) {
		if (g_rand_boolean(rnd)) {
			const char *t = tokens[g_rand_int_range(rnd, 0,
			    (gint32)G_N_ELEMENTS(tokens))];

			g_byte_array_append(g, (const guint8 *)t,
					    (guint)MAX(strlen(t), 1));
		} else {
			guint8 b = (guint8)g_rand_int_range(rnd, 0, 256);

			g_byte_array_append(g, &b, 1);
		}
	}
	return g;
}

int
main(int argc, char **argv)
{
	pf_config *cfg = pf_config_defaults();
	guint32 seed = 5;
	GRand *rnd;
	int opt, test = 0, failed = 0;
	bool once = false;

	while ((opt = getopt(argc, argv, "1s:")) != -1)
		if (opt == 's')
			seed = (guint32)strtoul(optarg, NULL, 10);
		else if (opt == '1')
			once = true;
	rnd = g_rand_new_with_seed(seed);
	printf("1..%d\n", argc - optind + 1);
	for (int i = optind; i < argc; i++) {
		gchar *data;
		gsize len;
		int bad = 0;
		size_t step;

		if (!g_file_get_contents(argv[i], &data, &len, NULL)) {
			printf("not ok %d - %s: cannot read\n", ++test, argv[i]);
			failed++;
			continue;
		}
		step = MAX(len / 97, 1);
		bad += feed(cfg, (guint8 *)data, len) != 0;
		if (once) {
			printf("%sok %d - %s: decided, the parses agree\n",
			       bad ? "not " : "", ++test, argv[i]);
			failed += bad != 0;
			g_free(data);
			continue;
		}
		for (size_t cut = 0; cut < len; cut += step)
			bad += feed(cfg, (guint8 *)data, cut) != 0;
		for (int m = 0; m < 20 && len > 0; m++) {
			guint8 *copy = g_memdup2(data, len);

			for (int k = 0; k < 8; k++)
				copy[g_rand_int_range(rnd, 0, (gint32)len)] =
				    (guint8)g_rand_int_range(rnd, 0, 256);
			bad += feed(cfg, copy, len) != 0;
			g_free(copy);
		}
		printf("%sok %d - %s: %zu truncations and 20 mutations "
		       "decided\n", bad ? "not " : "", ++test, argv[i],
		       len / step + 1);
		failed += bad != 0;
		g_free(data);
	}
	{
		int bad = 0;

		for (int k = 0; k < 500; k++) {
			GByteArray *g = garbage(rnd);

			bad += feed(cfg, g->data, g->len) != 0;
			g_byte_array_free(g, TRUE);
		}
		printf("%sok %d - 500 garbage messages decided, the parses agree (%lu "
		       "messages in all)\n", bad ? "not " : "", ++test, messages);
		failed += bad != 0;
	}
	g_rand_free(rnd);
	pf_config_unref(&cfg);
	return failed ? 1 : 0;
}
