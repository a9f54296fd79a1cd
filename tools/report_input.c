/*
 * NAME
 *	report_input - read an audit log file, plain or gzip, into lines
 * SYNOPSIS
 *	int pf_report_read(pf_report *rep, const char *path);
 * DESCRIPTION
 *	Opens path ("-" standard input) through GIO and peeks at its first
 *	two bytes: gzip (1f 8b) is inflated with GLib's GZlibDecompressor,
 *	driven here member by member, so concatenated gzip files (cat
 *	a.gz b.gz) are read whole, as gzip -d reads them.  The bytes are cut
 *	into lines here (64 KiB reads, buffers reused): a line longer than
 *	PF_REPORT_LINE_MAX costs no more memory than that and is counted as
 *	malformed, blank lines are counted and skipped, and every other line
 *	goes to the parser threads (pf_report_pool_add(), report_pool.c).
 * DIAGNOSTICS
 *	-1 after printing "preflight: report: FILE: why" when the file
 *	cannot be opened, a read fails or the gzip data is damaged or cut
 *	short; what came before is counted and the file's error says after
 *	which line reading stopped.
 */
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <string.h>

#include "report.h"

#define READ_CHUNK 65536
#define INFLATE_CHUNK ((gsize)4 * READ_CHUNK)

typedef struct {
	pf_report *rep;
	pf_report_file *f;
	GByteArray *part;		/* a line not ended yet */
	bool too_long;
} cutter;

static void
one_line(pf_report *rep, pf_report_file *f, const char *p, gsize len,
	 bool too_long)
{
	gsize i = 0;

	f->lines++;
	rep->lines++;
	if (len && p[len - 1] == '\r')
		len--;
	while (i < len && g_ascii_isspace(p[i]))
		i++;
	if (too_long || i == len) {
		/* not for the parsers; the next batch starts after it */
		pf_report_pool_flush(rep);
		if (too_long) {
			pf_report_bad_line(rep, f, f->lines,
					   "line longer than 1 MiB");
		} else {
			rep->blank++;
			f->blank++;
		}
		return;
	}
	pf_report_pool_add(rep, f, f->lines, p, len);
}

static void
cut(cutter *c, const char *p, gsize n)
{
	const char *end = p + n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;

		if (c->part->len + (gsize)(stop - p) > PF_REPORT_LINE_MAX) {
			c->too_long = true;
			g_byte_array_set_size(c->part, 0);
		} else if (!c->too_long && (c->part->len || !nl)) {
			g_byte_array_append(c->part, (const guint8 *)p,
					    (guint)(stop - p));
		}
		if (!nl)
			return;
		if (c->part->len || c->too_long)
			one_line(c->rep, c->f, (const char *)c->part->data,
				 c->part->len, c->too_long);
		else
			one_line(c->rep, c->f, p, (gsize)(nl - p), false);
		g_byte_array_set_size(c->part, 0);
		c->too_long = false;
		p = nl + 1;
	}
}

static void
cut_end(cutter *c)
{
	if (c->part->len || c->too_long)	/* no newline at the end */
		one_line(c->rep, c->f, (const char *)c->part->data,
			 c->part->len, c->too_long);
	g_byte_array_set_size(c->part, 0);
}

static int
read_plain(cutter *c, GInputStream *in, GError **err)
{
	char *buf = g_malloc(READ_CHUNK);
	gssize n;

	while ((n = g_input_stream_read(in, buf, READ_CHUNK, NULL, err)) > 0)
		cut(c, buf, (gsize)n);
	g_free(buf);
	return n < 0 ? -1 : 0;
}

/* Inflate every gzip member in turn; -1 with err set. */
static int
read_gzip(cutter *c, GInputStream *in, GError **err)
{
	GConverter *z = G_CONVERTER(g_zlib_decompressor_new(
	    G_ZLIB_COMPRESSOR_FORMAT_GZIP));
	char *ibuf = g_malloc(READ_CHUNK), *obuf = g_malloc(INFLATE_CHUNK);
	bool in_member = false, at_end = false;
	int rc = 0;

	while (!at_end && rc == 0) {
		gssize n = g_input_stream_read(in, ibuf, READ_CHUNK, NULL, err);
		const char *p = ibuf;
		gsize left;

		if (n < 0) {
			rc = -1;
			break;
		}
		left = (gsize)n;
		at_end = n == 0;
		/* at the end only to finish a member that is still open */
		while (rc == 0 && (left > 0 || (at_end && in_member))) {
			gsize r = 0, w = 0;
			GConverterResult res = g_converter_convert(z, p, left,
			    obuf, INFLATE_CHUNK, at_end ?
			    G_CONVERTER_INPUT_AT_END : G_CONVERTER_NO_FLAGS,
			    &r, &w, err);

			if (res == G_CONVERTER_ERROR) {
				rc = -1;
				break;
			}
			in_member = true;
			cut(c, obuf, w);
			p += r;
			left -= r;
			if (res == G_CONVERTER_FINISHED) {
				in_member = false;	/* another may follow */
				g_converter_reset(z);
			}
		}
	}
	g_object_unref(z);
	g_free(ibuf);
	g_free(obuf);
	return rc;
}

int
pf_report_read(pf_report *rep, const char *path)
{
	pf_report_file *f = g_new0(pf_report_file, 1);
	cutter c = {.rep = rep, .f = f, .part = g_byte_array_new()};
	GError *err = NULL;
	GInputStream *raw;
	GBufferedInputStream *peek;
	const guint8 *head;
	gsize have = 0;
	int rc = 0;

	f->name = g_strdup(strcmp(path, "-") == 0 ? "(stdin)" : path);
	f->index = rep->files->len;
	g_ptr_array_add(rep->files, f);
	if (strcmp(path, "-") == 0) {
		raw = g_unix_input_stream_new(0, FALSE);
	} else {
		GFile *file = g_file_new_for_commandline_arg(path);

		raw = G_INPUT_STREAM(g_file_read(file, NULL, &err));
		g_object_unref(file);
		if (!raw) {
			f->error = g_strdup(err->message);
			fprintf(stderr, "preflight: report: %s\n", err->message);
			g_error_free(err);
			g_byte_array_free(c.part, TRUE);
			return -1;
		}
	}
	peek = G_BUFFERED_INPUT_STREAM(g_buffered_input_stream_new_sized(raw,
							     READ_CHUNK));
	g_object_unref(raw);
	/* the first two bytes say gzip or not (a pipe may give one) */
	for (;;) {
		head = g_buffered_input_stream_peek_buffer(peek, &have);
		if (have >= 2 ||
		    g_buffered_input_stream_fill(peek, -1, NULL, &err) <= 0)
			break;
	}
	if (!err) {
		if (have >= 2 && head[0] == 0x1f && head[1] == 0x8b)
			rc = read_gzip(&c, G_INPUT_STREAM(peek), &err);
		else
			rc = read_plain(&c, G_INPUT_STREAM(peek), &err);
	}
	cut_end(&c);
	if (err) {
		f->error = g_strdup_printf("read error after line %"
		    G_GUINT64_FORMAT ": %s", f->lines, err->message);
		fprintf(stderr, "preflight: report: %s: %s\n", f->name,
			f->error);
		g_error_free(err);
		rc = -1;
	}
	g_byte_array_free(c.part, TRUE);
	g_object_unref(peek);
	return rc;
}
