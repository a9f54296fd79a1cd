/*
 * NAME
 *	reencode - make a body safe to relay by re-encoding its unsafe parts
 *	(see reencode.h)
 * DESCRIPTION
 *	The shared parse (mime.h) says which leaf parts are unsafe and what
 *	their content is; it cannot say where a part lies in the body (its
 *	streams are substreams of a concatenation).  So a repair parses the
 *	body once more, from one memory stream holding the top-level
 *	Content-Type field and a copy of the body, where GMime's content
 *	streams and header fields carry their offsets.  Each part is found
 *	there by its id and checked against the shared parse byte for byte
 *	before anything is spliced.
 */
#include <string.h>
#include <strings.h>

#include "content/mime.h"
#include "content/reencode.h"

#define LINE_MAX_OCTETS 998
#define CTE "Content-Transfer-Encoding"

typedef struct splice {
	gsize start, end;	/* replaced range of the body */
	GByteArray *text;	/* owned */
} splice;

typedef struct body_scan {
	size_t longest;
	bool bare;		/* CR not before LF, LF not after CR */
	bool bare_lf;
	bool eight;
} body_scan;

static void
scan_bytes(const guint8 *p, gsize len, body_scan *s)
{
	size_t cur = 0;

	memset(s, 0, sizeof(*s));
	for (gsize i = 0; i < len; i++) {
		if (p[i] == '\n') {
			if (i > 0 && p[i - 1] == '\r') {
				cur--;
			} else {
				s->bare = true;
				s->bare_lf = true;
			}
			s->longest = MAX(s->longest, cur);
			cur = 0;
			continue;
		}
		if (p[i] == '\r' && (i + 1 == len || p[i + 1] != '\n'))
			s->bare = true;
		if (p[i] & 0x80)
			s->eight = true;
		cur++;
	}
	s->longest = MAX(s->longest, cur);
}

static unsigned
part_defects(pf_mime_part *part, unsigned want, body_scan *s)
{
	GMimeContentEncoding enc = g_mime_part_get_content_encoding(
	    GMIME_PART(part->object));
	const GByteArray *raw = pf_mime_part_raw(part);
	unsigned d = 0;

	scan_bytes(raw->data, raw->len, s);
	if (s->longest > LINE_MAX_OCTETS)
		d |= PF_UNSAFE_LONG;
	if (s->eight && enc != GMIME_CONTENT_ENCODING_8BIT &&
	    enc != GMIME_CONTENT_ENCODING_BINARY)
		d |= PF_UNSAFE_8BIT;
	if (s->bare)
		d |= PF_UNSAFE_BARE;
	return d & want;
}

/* LF line ends written CRLF: the encoders write LF alone. */
static void
append_crlf(GByteArray *out, const guint8 *p, gsize n)
{
	for (gsize off = 0; off < n;) {
		const guint8 *lf = memchr(p + off, '\n', n - off);
		gsize run = lf ? (gsize)(lf - (p + off)) : n - off;

		g_byte_array_append(out, p + off, (guint)run);
		off += run;
		if (lf) {
			g_byte_array_append(out, (const guint8 *)"\r\n", 2);
			off++;
		}
	}
}

/*
 * GMime's encoder over data, 64 KB at a time through one small buffer
 * (a buffer for the whole output at the encoder's worst case, 3.5 times
 * the input for quoted-printable, cost more in page faults than the
 * encoding itself on a 5 MB part).
 */
static GByteArray *
encode(GMimeContentEncoding enc, const guint8 *data, gsize len)
{
	enum { STEP = 65536 };
	GMimeEncoding st;
	GByteArray *out = g_byte_array_sized_new((guint)(len + len / 3 + 64));
	guint8 *tmp;
	gsize off = 0, n;

	g_mime_encoding_init_encode(&st, enc);
	tmp = g_malloc(g_mime_encoding_outlen(&st, STEP) + 64);
	do {
		gsize chunk = MIN((gsize)STEP, len - off);

		n = off + chunk < len ?
		    g_mime_encoding_step(&st, (const char *)data + off, chunk,
					 (char *)tmp) :
		    g_mime_encoding_flush(&st, (const char *)data + off, chunk,
					  (char *)tmp);
		append_crlf(out, tmp, n);
		off += chunk;
	} while (off < len);
	g_free(tmp);
	return out;
}

static void
child_id(GString *out, const char *parent, unsigned n)
{
	if (*parent)
		g_string_printf(out, "%s.%u", parent, n);
	else
		g_string_printf(out, "%u", n);
}

/* The private parse's leaves by id (as mime.c numbers them), and the
 * set of those under multipart/signed or /encrypted. */
static void
index_parts(GHashTable *ids, GHashTable *sealed, GMimeObject *obj,
	    const char *id, bool under_seal, unsigned depth)
{
	GString *cid;

	if (obj == NULL || depth > 64)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);

		under_seal = under_seal || GMIME_IS_MULTIPART_SIGNED(obj) ||
		    GMIME_IS_MULTIPART_ENCRYPTED(obj);
		cid = g_string_new(NULL);
		for (int i = 0; i < n; i++) {
			child_id(cid, id, (unsigned)i + 1);
			index_parts(ids, sealed, g_mime_multipart_get_part(mp,
			    i), cid->str, under_seal, depth + 1);
		}
		g_string_free(cid, TRUE);
		return;
	}
	g_hash_table_insert(ids, g_strdup(*id ? id : "1"), obj);
	if (under_seal)
		g_hash_table_add(sealed, obj);
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));

		if (inner == NULL)
			return;
		cid = g_string_new(NULL);
		g_string_printf(cid, "%s.msg", *id ? id : "1");
		index_parts(ids, sealed, g_mime_message_get_mime_part(inner),
			    cid->str, under_seal, depth + 1);
		g_string_free(cid, TRUE);
	}
}

/* Where a header field that starts at off ends (after its last line). */
static gsize
field_end(const guint8 *p, gsize off, gsize limit)
{
	while (off < limit) {
		const guint8 *nl = memchr(p + off, '\n', limit - off);

		if (nl == NULL)
			return limit;
		off = (gsize)(nl - p) + 1;
		if (off >= limit || (p[off] != ' ' && p[off] != '\t'))
			return off;
	}
	return limit;
}

static void
add_splice(GArray *splices, gsize start, gsize end, const char *text,
	   GByteArray *owned)
{
	splice s = {start, end, owned};

	if (s.text == NULL) {
		s.text = g_byte_array_new();
		if (text)
			g_byte_array_append(s.text, (const guint8 *)text,
					    (guint)strlen(text));
	}
	g_array_append_val(splices, s);
}

static gint
splice_cmp(gconstpointer a, gconstpointer b)
{
	const splice *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

static void
splice_clear(gpointer p)
{
	splice *s = p;

	g_byte_array_free(s->text, TRUE);
}

typedef struct repair {
	pf_message *msg;
	gsize hlen;		/* bytes before the body in the private parse */
	GArray *splices;
	GPtrArray *top_edits;	/* char * name, value pairs for the top part */
	bool top_delete_cte;
	GString *parts, *how, *why;
} repair;

/* The part's Content-Transfer-Encoding field, replaced or added. */
static int
splice_cte(repair *rp, GMimeObject *obj, gsize cs, const char *name)
{
	const guint8 *body = rp->msg->body->data;
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	char *line = g_strdup_printf(CTE ": %s\r\n", name);
	bool done = false;
	gsize pos;

	for (int i = 0; hl && i < g_mime_header_list_get_count(hl); i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		gint64 off = g_mime_header_get_offset(h) - (gint64)rp->hlen;

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), CTE) != 0)
			continue;
		if (off < 0 || (gsize)off + strlen(CTE) > cs ||
		    g_ascii_strncasecmp((const char *)body + off, CTE,
					strlen(CTE)) != 0) {
			g_free(line);
			return -1;
		}
		add_splice(rp->splices, (gsize)off, field_end(body, (gsize)off,
		    cs), done ? "" : line, NULL);
		done = true;
	}
	if (!done) {	/* before the empty line that ends the fields */
		pos = cs >= 2 && body[cs - 2] == '\r' && body[cs - 1] == '\n' ?
		    cs - 2 : cs >= 1 && body[cs - 1] == '\n' ? cs - 1 : cs;
		if (pos == cs || (pos > 0 && body[pos - 1] != '\n')) {
			g_free(line);
			return -1;
		}
		add_splice(rp->splices, pos, pos, line, NULL);
	}
	g_free(line);
	return 0;
}

static const char *
defect_text(unsigned d, const body_scan *s, GMimeContentEncoding enc,
	    GString *out)
{
	g_string_truncate(out, 0);
	if (d & PF_UNSAFE_LONG)
		g_string_append_printf(out, "a line of %zu octets", s->longest);
	if (d & PF_UNSAFE_8BIT)
		g_string_append_printf(out, "%s8-bit data declared %s",
		    out->len ? ", " : "", enc == GMIME_CONTENT_ENCODING_DEFAULT ?
		    "7bit" : g_mime_content_encoding_to_string(enc));
	if (d & PF_UNSAFE_BARE)
		g_string_append_printf(out, "%sa bare CR or LF", out->len ?
				       ", " : "");
	return out->str;
}

/* Re-encode one part: splice its content and its field (or plan the
 * top-level header edits). */
static int
repair_part(repair *rp, pf_mime_part *part, GMimeObject *obj, bool top,
	    unsigned d, const body_scan *s)
{
	const GByteArray *body = rp->msg->body;
	const GByteArray *raw = pf_mime_part_raw(part);
	GMimeDataWrapper *w = g_mime_part_get_content(GMIME_PART(obj));
	GMimeStream *st = w ? g_mime_data_wrapper_get_stream(w) : NULL;
	GMimeContentEncoding old = g_mime_part_get_content_encoding(
	    GMIME_PART(part->object)), enc;
	const GByteArray *data;
	GByteArray *out = NULL;
	gint64 cs, ce;
	body_scan ds;
	GString *what;

	if (st == NULL || !GMIME_IS_STREAM_MEM(st))
		return -1;
	cs = st->bound_start - (gint64)rp->hlen;
	ce = st->bound_end - (gint64)rp->hlen;
	if (cs < 0 || ce < cs || (guint64)ce > body->len ||
	    (guint64)(ce - cs) != raw->len ||
	    (raw->data != body->data + cs &&	/* a view is the same bytes */
	     memcmp(body->data + cs, raw->data, raw->len) != 0))
		return -1;	/* the two parses disagree: touch nothing */
	data = old == GMIME_CONTENT_ENCODING_BASE64 ||
	    old == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    old == GMIME_CONTENT_ENCODING_UUENCODE ?
	    pf_mime_part_content(part) : raw;
	scan_bytes(data->data, data->len, &ds);
	enc = GMIME_CONTENT_ENCODING_BASE64;
	if (strncmp(part->type, "text/", 5) == 0 && !ds.bare_lf) {
		out = encode(GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE, data->data,
			     data->len);
		if ((guint64)out->len * 3 <= (guint64)data->len * 4)
			enc = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
		else
			g_byte_array_free(g_steal_pointer(&out), TRUE);
	}
	if (out == NULL)
		out = encode(enc, data->data, data->len);
	/* the CRLF before a boundary belongs to it: no empty line added */
	if (!top && (data->len == 0 || data->data[data->len - 1] != '\n') &&
	    out->len >= 2 && out->data[out->len - 1] == '\n')
		g_byte_array_set_size(out, out->len - 2);
	/* a body that ends in a line end, as SMTP has it (a soft one: the
	 * content decodes the same) */
	if (top && ce == (gint64)body->len && (out->len == 0 ||
	    out->data[out->len - 1] != '\n'))
		g_byte_array_append(out, (const guint8 *)(enc ==
		    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ? "=\r\n" : "\r\n"),
		    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ? 3 : 2);
	if (top) {
		rp->top_delete_cte = true;
		g_ptr_array_add(rp->top_edits, g_strdup(CTE));
		g_ptr_array_add(rp->top_edits,
		    g_strdup(g_mime_content_encoding_to_string(enc)));
		if (pf_message_header_get(rp->msg, "MIME-Version", 0) == NULL) {
			g_ptr_array_add(rp->top_edits, g_strdup("MIME-Version"));
			g_ptr_array_add(rp->top_edits, g_strdup("1.0"));
		}
		if (pf_message_header_get(rp->msg, "Content-Type", 0) == NULL) {
			g_ptr_array_add(rp->top_edits, g_strdup("Content-Type"));
			g_ptr_array_add(rp->top_edits, g_strdup_printf(
			    "text/plain; charset=%s", !ds.eight ? "us-ascii" :
			    g_utf8_validate((const char *)data->data,
			    (gssize)data->len, NULL) ? "utf-8" : "unknown-8bit"));
		}
	} else if (splice_cte(rp, obj, (gsize)cs,
			      g_mime_content_encoding_to_string(enc)) < 0) {
		g_byte_array_free(out, TRUE);
		return -1;
	}
	add_splice(rp->splices, (gsize)cs, (gsize)ce, NULL, out);
	what = g_string_new(NULL);
	g_string_append_printf(rp->parts, "%s%s", rp->parts->len ? ", " : "",
			       pf_mime_part_name(part));
	g_string_append_printf(rp->how, "%s%s (%s) as %s", rp->how->len ?
	    "; " : "", pf_mime_part_name(part), defect_text(d, s, old, what),
	    g_mime_content_encoding_to_string(enc));
	g_string_free(what, TRUE);
	return 0;
}

/* The body once more, from one memory stream that keeps offsets. */
static GMimeObject *
private_parse(pf_message *msg, GMimeStream **stream, gsize *hlen)
{
	const char *ct = pf_message_header_get(msg, "Content-Type", 0);
	GByteArray *buf = g_byte_array_sized_new(msg->body->len + 512);
	GMimeParser *parser;
	GMimeObject *root;

	if (ct) {
		g_byte_array_append(buf, (const guint8 *)"Content-Type: ", 14);
		for (const char *p = ct; *p; p++) {
			if (*p == '\n')
				g_byte_array_append(buf, (const guint8 *)"\r", 1);
			if (*p != '\r')
				g_byte_array_append(buf, (const guint8 *)p, 1);
		}
		g_byte_array_append(buf, (const guint8 *)"\r\n", 2);
	}
	g_byte_array_append(buf, (const guint8 *)"\r\n", 2);
	*hlen = buf->len;
	g_byte_array_append(buf, msg->body->data, msg->body->len);
	*stream = g_mime_stream_mem_new_with_byte_array(buf);	/* owns buf */
	parser = g_mime_parser_new_with_stream(*stream);
	g_mime_parser_set_persist_stream(parser, TRUE);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	root = g_mime_parser_construct_part(parser, NULL);
	g_object_unref(parser);
	return root;
}

static GByteArray *
build_body(const GByteArray *body, GArray *splices)
{
	GByteArray *out = g_byte_array_sized_new(body->len + body->len / 3);
	gsize at = 0;

	g_array_sort(splices, splice_cmp);
	for (guint i = 0; i < splices->len; i++) {
		const splice *s = &g_array_index(splices, splice, i);

		g_byte_array_append(out, body->data + at, (guint)(s->start - at));
		g_byte_array_append(out, s->text->data, s->text->len);
		at = s->end;
	}
	g_byte_array_append(out, body->data + at, (guint)(body->len - at));
	return out;
}

static void
apply_top_edits(repair *rp)
{
	pf_message *msg = rp->msg;
	unsigned n = pf_message_header_count(msg, CTE);

	for (unsigned i = n; rp->top_delete_cte && i > 0; i--)
		pf_message_delete_header(msg, CTE, i);
	for (guint i = 0; i + 1 < rp->top_edits->len; i += 2)
		pf_message_add_header(msg, rp->top_edits->pdata[i],
				      rp->top_edits->pdata[i + 1], false);
}

static int
repair_all(repair *rp, pf_mime *mime, unsigned want, bool apply)
{
	pf_message *msg = rp->msg;
	GMimeStream *stream = NULL;
	GMimeObject *root = NULL;
	GHashTable *ids = NULL, *sealed = NULL;
	GByteArray *fresh = NULL;
	body_scan s;
	int count = 0;

	for (guint i = 0; i < mime->parts->len; i++) {
		pf_mime_part *part = mime->parts->pdata[i];
		GMimeObject *obj;
		unsigned d;

		if (!GMIME_IS_PART(part->object) ||
		    (d = part_defects(part, want, &s)) == 0)
			continue;
		if (root == NULL) {
			root = private_parse(msg, &stream, &rp->hlen);
			ids = g_hash_table_new_full(g_str_hash, g_str_equal,
						    g_free, NULL);
			sealed = g_hash_table_new(NULL, NULL);
			index_parts(ids, sealed, root, "", false, 0);
		}
		obj = g_hash_table_lookup(ids, part->id);
		if (obj && g_hash_table_contains(sealed, obj)) {
			g_string_append_printf(rp->why, "%s is inside a signed "
			    "or encrypted multipart, whose signature a change "
			    "would break", pf_mime_part_name(part));
			count = -1;
			break;
		}
		if (obj == NULL || !GMIME_IS_PART(obj) ||
		    repair_part(rp, part, obj, obj == root, d, &s) < 0) {
			g_string_append_printf(rp->why, "%s could not be located "
			    "in the body", pf_mime_part_name(part));
			count = -1;
			break;
		}
		count++;
	}
	if (count > 0) {
		fresh = build_body(msg->body, rp->splices);
		scan_bytes(fresh->data, fresh->len, &s);
		if (((want & PF_UNSAFE_LONG) && s.longest > LINE_MAX_OCTETS) ||
		    ((want & PF_UNSAFE_BARE) && s.bare)) {
			g_string_append(rp->why, s.longest > LINE_MAX_OCTETS ?
			    "a line over 998 octets is outside the content of "
			    "any part (in a part's header or between parts)" :
			    "a bare CR or LF is outside the content of any part");
			count = -1;
		}
	}
	if (count > 0 && apply) {
		apply_top_edits(rp);
		pf_message_replace_body(msg, g_steal_pointer(&fresh));
	}
	if (fresh)
		g_byte_array_free(fresh, TRUE);
	if (ids)
		g_hash_table_destroy(ids);
	if (sealed)
		g_hash_table_destroy(sealed);
	if (root)
		g_object_unref(root);
	if (stream)
		g_object_unref(stream);
	return count;
}

int
pf_reencode(pf_message *msg, unsigned defects, bool apply, GString *parts,
	    GString *how, GString *why)
{
	repair rp = {.msg = msg, .parts = parts, .how = how, .why = why};
	pf_mime *mime;
	int n;

	if (msg->new_body) {
		g_string_append(why, "the body was re-encoded already");
		return -1;
	}
	if (msg->body_truncated) {
		g_string_append_printf(why, "the body is larger than "
		    "max_scan_size (%llu bytes), which is all preflight keeps",
		    (unsigned long long)msg->cfg->max_scan_size);
		return -1;
	}
	mime = pf_mime_get(msg);
	if (mime->message == NULL) {
		g_string_append(why, "the message cannot be parsed as MIME");
		return -1;
	}
	if (mime->limited) {
		g_string_append(why, "it has more MIME parts or levels than "
				"[content] max_parts or max_depth");
		return -1;
	}
	rp.splices = g_array_new(FALSE, FALSE, sizeof(splice));
	g_array_set_clear_func(rp.splices, splice_clear);
	rp.top_edits = g_ptr_array_new_with_free_func(g_free);
	n = repair_all(&rp, mime, defects, apply);
	g_array_free(rp.splices, TRUE);
	g_ptr_array_free(rp.top_edits, TRUE);
	if (n < 0) {
		g_string_truncate(parts, 0);
		g_string_truncate(how, 0);
	}
	return n;
}

bool
pf_reencode_enabled(const pf_config *cfg)
{
	return (cfg->dkim.unsafe_body_action.reencode &&
		cfg->dkim.mode != PF_MODE_OFF) ||
	    (cfg->structure.long_line_action.reencode &&
	     cfg->structure.mode != PF_MODE_OFF);
}
