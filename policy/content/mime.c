/*
 * NAME
 *	mime - the message parsed once with GMime (see mime.h)
 */
#include <string.h>

#include "core/check.h"
#include "content/mime.h"

static gsize mime_initialised;

static void
mime_init_once(void)
{
	if (g_once_init_enter(&mime_initialised)) {
		g_mime_init();
		g_once_init_leave(&mime_initialised, 1);
	}
}

static void
part_free(gpointer p)
{
	pf_mime_part *part = p;

	g_free(part->id);
	g_free(part->type);
	g_free(part->filename);
	g_free(part->label);
	if (part->content && part->content != &part->content_view)
		g_byte_array_free(part->content, TRUE);
	if (part->raw && part->raw != &part->raw_view)
		g_byte_array_free(part->raw, TRUE);
	if (part->head && part->head != &part->head_view)
		g_byte_array_free(part->head, TRUE);
	g_free(part->text);
	g_free(part);
}

void
pf_mime_free(pf_mime **mimep)
{
	pf_mime *mime;

	if (mimep == NULL || (mime = *mimep) == NULL)
		return;
	*mimep = NULL;
	g_ptr_array_free(mime->parts, TRUE);
	g_ptr_array_free(mime->boundaries, TRUE);
	g_ptr_array_free(mime->multipart_ids, TRUE);
	if (mime->message)
		g_object_unref(mime->message);
	if (mime->stream)
		g_object_unref(mime->stream);
	g_free(mime);
}

static void
parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
	       gpointer user_data)
{
	pf_mime *mime = user_data;

	if ((unsigned)code < 32)
		mime->warnings |= 1U << code;
}

static char *
child_id(const char *parent, unsigned n)
{
	return parent && *parent ? g_strdup_printf("%s.%u", parent, n) :
	    g_strdup_printf("%u", n);
}

static void
add_leaf(pf_mime *mime, GMimeObject *obj, const char *id, unsigned depth)
{
	pf_mime_part *part = g_new0(pf_mime_part, 1);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	const char *disp = g_mime_object_get_disposition(obj);
	GString *label = g_string_new(NULL);

	part->object = obj;
	part->depth = depth;
	part->id = g_strdup(*id ? id : "1");
	if (ct) {
		char *t = g_mime_content_type_get_mime_type(ct);

		part->type = g_ascii_strdown(t ? t : "text/plain", -1);
		g_free(t);
	} else {
		part->type = g_strdup("text/plain");
	}
	if (GMIME_IS_PART(obj)) {
		const char *name = g_mime_part_get_filename(GMIME_PART(obj));

		if (name && *name)
			part->filename = g_strdup(name);
	}
	part->attachment = part->filename != NULL ||
	    (disp && g_ascii_strcasecmp(disp, "attachment") == 0);
	if (part->filename) {
		g_string_append_c(label, '"');
		/* names are shown, not trusted: the reply makes them safe */
		g_string_append_len(label, part->filename,
		    (gssize)MIN(strlen(part->filename), 200));
		g_string_append_printf(label, "\" (part %s)", part->id);
	} else {
		g_string_append_printf(label, "part %s (%s)", part->id,
				       part->type);
	}
	part->label = g_string_free(label, FALSE);
	g_ptr_array_add(mime->parts, part);
}

static void
walk(pf_mime *mime, const pf_config *cfg, GMimeObject *obj, const char *id,
     unsigned depth)
{
	if (obj == NULL)
		return;
	if (mime->walked >= cfg->content.max_parts ||
	    depth > cfg->content.max_depth) {
		mime->limited = true;
		return;
	}
	mime->walked++;
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		const char *boundary = g_mime_multipart_get_boundary(mp);
		int n = g_mime_multipart_get_count(mp);

		g_ptr_array_add(mime->boundaries, g_strdup(boundary ?
							   boundary : ""));
		g_ptr_array_add(mime->multipart_ids, g_strdup(*id ? id : "1"));
		for (int i = 0; i < n && !mime->limited; i++) {
			char *cid = child_id(id, (unsigned)i + 1);

			walk(mime, cfg, g_mime_multipart_get_part(mp, i), cid,
			     depth + 1);
			g_free(cid);
		}
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));

		add_leaf(mime, obj, id, depth);
		if (inner) {
			char *cid = g_strdup_printf("%s.msg", *id ? id : "1");

			walk(mime, cfg, g_mime_message_get_mime_part(inner),
			     cid, depth + 1);
			g_free(cid);
		}
	} else {
		add_leaf(mime, obj, id, depth);
	}
}

/*
 * The parser's stream: a GMimeStreamCat of the headers and the kept body
 * whose substreams inside the body are substreams of the body's own
 * memory stream.  With persist_stream the parser keeps a substream of its
 * stream as each part's content; a plain cat would give a cat of
 * substreams, which can only be read by copying.  This way a part's
 * content is a GMimeStreamMem over msg->body with bounds, and its bytes
 * are used in place (part_in_place()).
 */
typedef struct {
	GMimeStreamCat parent;
	GMimeStream *body;	/* borrowed: a source of the cat */
	gint64 body_start;	/* the headers' length */
} PfMessageStream;

typedef struct {
	GMimeStreamCatClass parent_class;
} PfMessageStreamClass;

/* GMimeStreamCat's substream(), for ranges that are not inside the body */
static GMimeStream *(*cat_substream)(GMimeStream *, gint64, gint64);

static GMimeStream *
message_substream(GMimeStream *stream, gint64 start, gint64 end)
{
	PfMessageStream *ms = (PfMessageStream *)stream;
	GMimeStream *body = ms->body;

	/* the class method, not g_mime_stream_substream(): that would set
	 * the new stream's super_stream, which our caller sets to us */
	if (body && start >= ms->body_start && (end == -1 || end >= start))
		return GMIME_STREAM_GET_CLASS(body)->substream(body,
		    start - ms->body_start, end == -1 ? -1 :
		    end - ms->body_start);
	return cat_substream(stream, start, end);
}

static void
message_stream_class_init(gpointer klass, gpointer data)
{
	GMimeStreamClass *sc = GMIME_STREAM_CLASS(klass);

	(void)data;
	cat_substream = GMIME_STREAM_CLASS(g_type_class_peek_parent(klass))->
	    substream;
	sc->substream = message_substream;
}

/* The type, registered once (by hand: cppcheck cannot read G_DEFINE_TYPE) */
static GType
message_stream_type(void)
{
	static gsize type;

	if (g_once_init_enter(&type)) {
		GType t = g_type_register_static_simple(GMIME_TYPE_STREAM_CAT,
		    g_intern_static_string("PfMessageStream"),
		    sizeof(PfMessageStreamClass), message_stream_class_init,
		    sizeof(PfMessageStream), NULL, 0);

		g_once_init_leave(&type, t);
	}
	return (GType)type;
}

/*
 * The top-level fields the parse needs: the Content-* fields and
 * MIME-Version shape the tree, and check_text reads Subject through it.
 * The others (Received, From, DKIM-Signature, ...) change nothing that is
 * read from the parse, and each costs GMime an object, some an address
 * or a date parse: they are left out.
 */
static bool
parse_wants(const char *name)
{
	return g_ascii_strncasecmp(name, "Content-", 8) == 0 ||
	    g_ascii_strcasecmp(name, "MIME-Version") == 0 ||
	    g_ascii_strcasecmp(name, "Subject") == 0;
}

/*
 * Whether GMime takes a field as one field: a name it accepts (no blank,
 * control or colon: see gmime-parser.c) and a value whose every line
 * after the first continues it.  Any other changes how GMime reads the
 * fields after it (a refused first field fails the parse, a line that
 * does not continue starts a field or ends them), so leaving fields out
 * is safe only when every field is plain.
 */
static bool
field_plain(const pf_header *hd)
{
	for (const unsigned char *p = (const unsigned char *)hd->name; *p; p++)
		if (*p <= ' ' || *p == 0x7f || *p == ':')
			return false;
	for (const char *p = hd->value; (p = strchr(p, '\n')) != NULL; p++)
		if (p[1] != ' ' && p[1] != '\t')
			return false;
	return true;
}

/* The headers as the parser wants them ("Name: value" lines, CRLF): only
 * those parse_wants() unless all, or unless a field is not plain; then
 * the kept body, which is not copied. */
static GMimeStream *
message_stream(const pf_message *msg, bool all)
{
	GString *h = g_string_sized_new(msg->header_bytes + 2);
	PfMessageStream *ms = g_object_new(message_stream_type(), NULL);
	GMimeStream *cat = (GMimeStream *)ms;
	GMimeStream *hs, *bs;
	GByteArray *ha;

	g_mime_stream_construct(cat, 0, -1);	/* as g_mime_stream_cat_new() */
	for (guint i = 0; i < msg->headers->len && !all; i++) {
		const pf_header *hd = &g_array_index(msg->headers, pf_header, i);

		all = *hd->name != '\0' && !field_plain(hd);
	}
	for (guint i = 0; i < msg->headers->len; i++) {
		const pf_header *hd = &g_array_index(msg->headers, pf_header, i);

		if (*hd->name == '\0' || (!all && !parse_wants(hd->name)))
			continue;
		g_string_append(h, hd->name);
		g_string_append(h, ": ");
		for (const char *p = hd->value; *p; p++) {
			if (*p == '\n')
				g_string_append_c(h, '\r');
			if (*p != '\r')
				g_string_append_c(h, *p);
		}
		g_string_append(h, "\r\n");
	}
	g_string_append(h, "\r\n");
	ha = g_byte_array_new_take((guint8 *)h->str, h->len);
	g_string_free(h, FALSE);
	hs = g_mime_stream_mem_new_with_byte_array(ha);	/* owns ha */
	g_mime_stream_cat_add_source(GMIME_STREAM_CAT(cat), hs);
	g_object_unref(hs);
	if (msg->body->len) {
		bs = g_mime_stream_mem_new_with_byte_array(msg->body);
		g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(bs), FALSE);
		g_mime_stream_cat_add_source(GMIME_STREAM_CAT(cat), bs);
		ms->body = bs;		/* the cat holds it */
		ms->body_start = (gint64)ha->len;
		g_object_unref(bs);
	}
	return cat;
}

pf_mime *
pf_mime_parse(const pf_message *msg, bool all_fields)
{
	pf_mime *mime;
	GMimeParser *parser;
	GMimeParserOptions *opts;

	mime_init_once();
	mime = g_new0(pf_mime, 1);
	mime->parts = g_ptr_array_new_with_free_func(part_free);
	mime->boundaries = g_ptr_array_new_with_free_func(g_free);
	mime->multipart_ids = g_ptr_array_new_with_free_func(g_free);
	mime->truncated = msg->body_truncated;

	mime->stream = message_stream(msg, all_fields);
	parser = g_mime_parser_new_with_stream(mime->stream);
	g_mime_parser_set_persist_stream(parser, TRUE);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, parser_warning, mime);
	mime->message = g_mime_parser_construct_message(parser, opts);
	g_mime_parser_options_free(opts);
	g_object_unref(parser);
	if (mime->message)
		walk(mime, msg->cfg, g_mime_message_get_mime_part(
		    mime->message), "", 0);
	if (mime->truncated && mime->parts->len)
		((pf_mime_part *)g_ptr_array_index(mime->parts,
		    mime->parts->len - 1))->last = true;
	return mime;
}

pf_mime *
pf_mime_get(pf_message *msg)
{
	if (msg->state[PF_CHECK_CONTENT] == NULL)
		msg->state[PF_CHECK_CONTENT] = pf_mime_parse(msg, false);
	return msg->state[PF_CHECK_CONTENT];
}

/*
 * A memory stream's bytes, at most max, as a view: message_stream() makes
 * every part's content one over msg->body.
 */
static GByteArray *
part_in_place(GMimeStream *src, gsize max, GByteArray *view)
{
	GByteArray *a;
	gint64 end;

	if (!GMIME_IS_STREAM_MEM(src) ||
	    (a = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(src))) ==
	    NULL)
		return NULL;
	end = src->bound_end == -1 ? (gint64)a->len :
	    MIN(src->bound_end, (gint64)a->len);
	if (src->bound_start < 0 || end < src->bound_start)
		return NULL;
	view->data = a->data + src->bound_start;
	view->len = (guint)MIN((gsize)(end - src->bound_start), max);
	return view;
}

/* A leaf's content as sent and its wrapper, or NULL when it has none. */
static GMimeStream *
part_stream(const pf_mime_part *part, GMimeDataWrapper **wrapper)
{
	GMimeDataWrapper *w;

	if (!GMIME_IS_PART(part->object) ||
	    (w = g_mime_part_get_content(GMIME_PART(part->object))) == NULL)
		return NULL;
	*wrapper = w;
	return g_mime_data_wrapper_get_stream(w);
}

/*
 * At most max octets of base64 or quoted-printable content that lies in
 * place, through GMime's own decoder (the step its filter runs a chunk at
 * a time), reading only as much as max needs: four base64 octets make at
 * most three, and quoted-printable never makes more than it reads.
 */
static GByteArray *
decode_in_place(const GByteArray *raw, GMimeContentEncoding enc, gsize max)
{
	GMimeEncoding state;
	GByteArray *out = g_byte_array_new();
	gsize at = 0;

	g_mime_encoding_init_decode(&state, enc);
	while (out->len < max && at < raw->len) {
		gsize want = max - out->len, len = out->len;
		/* what is wanted and its line ends, at least 1 KB a step */
		gsize step = MIN(raw->len - at,
		    MAX(want / 3 * 4 + want / 32 + 4, 1024));

		g_byte_array_set_size(out,
		    (guint)(len + g_mime_encoding_outlen(&state, step)));
		len += g_mime_encoding_step(&state, (const char *)raw->data +
		    at, step, (char *)out->data + len);
		g_byte_array_set_size(out, (guint)len);
		at += step;
	}
	if (out->len > max)
		g_byte_array_set_size(out, (guint)max);
	return out;
}

/*
 * At most max bytes of a leaf's content, decoded through GMime's own
 * filter for its Content-Transfer-Encoding (as g_mime_data_wrapper_
 * write_to_stream() does) or as sent, in place in the body (view) when
 * it can be.  Base64 and quoted-printable in place are decoded there,
 * only as far as max needs (uuencode wants the filter's "begin" search).
 * One read loop for the rest: the whole content, the sniffing head and
 * the raw bytes.
 */
static GByteArray *
part_bytes(const pf_mime_part *part, bool decode, gsize max,
	   GByteArray *view)
{
	GByteArray *out;
	GMimeDataWrapper *w;
	GMimeStream *src, *in;
	GMimeContentEncoding enc;
	GByteArray raw;
	char buf[8192];
	gssize n;

	if ((src = part_stream(part, &w)) == NULL)
		return g_byte_array_new();
	enc = g_mime_data_wrapper_get_encoding(w);
	decode = decode && (enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE);
	if (!decode && (out = part_in_place(src, max, view)) != NULL)
		return out;
	if (decode && enc != GMIME_CONTENT_ENCODING_UUENCODE &&
	    part_in_place(src, G_MAXUINT, &raw) != NULL)
		return decode_in_place(&raw, enc, max);
	out = g_byte_array_new();
	g_mime_stream_reset(src);
	in = g_object_ref(src);
	if (decode) {
		GMimeFilter *dec = g_mime_filter_basic_new(enc, FALSE);

		g_object_unref(in);
		in = g_mime_stream_filter_new(src);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(in), dec);
		g_object_unref(dec);
	}	/* else 7bit, 8bit, binary: the bytes are the content */
	/* the encoded length bounds the decoded: one allocation, no copies */
	if ((n = (gssize)g_mime_stream_length(src)) > 0)
		g_byte_array_set_size(g_byte_array_set_size(out,
		    (guint)MIN((gsize)n, max)), 0);
	while (out->len < max &&
	       (n = g_mime_stream_read(in, buf, sizeof(buf))) > 0)
		g_byte_array_append(out, (guint8 *)buf,
		    (guint)MIN((gsize)n, max - out->len));
	g_object_unref(in);
	g_mime_stream_reset(src);
	return out;
}

const GByteArray *
pf_mime_part_content(pf_mime_part *part)
{
	if (part->content == NULL)
		part->content = part_bytes(part, true, G_MAXUINT,
		    &part->content_view);
	return part->content;
}

/* The first max (at most PF_MIME_HEAD) decoded bytes, for sniffing. */
const GByteArray *
pf_mime_part_head(pf_mime_part *part, gsize max)
{
	max = MIN(max, PF_MIME_HEAD);
	if (part->content)
		return part->content;	/* already whole: no second decode */
	if (part->head && (part->head_max >= max ||
	    part->head->len < part->head_max))	/* enough, or all there is */
		return part->head;
	if (part->head && part->head != &part->head_view)
		g_byte_array_free(part->head, TRUE);
	part->head = part_bytes(part, true, max, &part->head_view);
	part->head_max = max;
	return part->head;
}

gsize
pf_mime_part_encoded_length(const pf_mime_part *part)
{
	GMimeDataWrapper *w;
	GMimeStream *src;
	gint64 n;

	if ((src = part_stream(part, &w)) == NULL)
		return 0;
	n = g_mime_stream_length(src);
	return n < 0 ? G_MAXSIZE : (gsize)n;
}

const GByteArray *
pf_mime_part_raw(pf_mime_part *part)
{
	if (part->raw == NULL)
		part->raw = part_bytes(part, false, G_MAXUINT,
		    &part->raw_view);
	return part->raw;
}

/* Charsets in which every ASCII byte is itself: ASCII text in one is its
 * own UTF-8. */
static bool
ascii_compatible(const char *cs)
{
	static const char *const names[] = {
		"us-ascii", "ascii", "utf-8", "utf8", "latin1",
	};
	static const char *const families[] = {	/* then digits */
		"iso-8859-", "windows-125",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(names); i++)
		if (g_ascii_strcasecmp(cs, names[i]) == 0)
			return true;
	for (size_t i = 0; i < G_N_ELEMENTS(families); i++) {
		size_t n = strlen(families[i]);

		if (g_ascii_strncasecmp(cs, families[i], n) == 0 &&
		    cs[n + strspn(cs + n, "0123456789")] == '\0')
			return true;
	}
	return false;
}

/*
 * A text part's text as g_mime_text_part_get_text() gives it: the decoded
 * content converted from its charset to UTF-8, as it is when it has no
 * charset.  Content that is all ASCII in a charset for which that is the
 * identity is taken as decoded, without the conversion (iconv costs more
 * than the rest of the text on a short part).
 */
static char *
part_text(pf_mime_part *part)
{
	GMimeObject *o = part->object;
	const char *cs;
	const GByteArray *c;
	guint i = 0;

	if (g_mime_part_get_content(GMIME_PART(o)) == NULL)
		return NULL;
	cs = g_mime_object_get_content_type_parameter(o, "charset");
	if (cs == NULL || ascii_compatible(cs)) {
		c = pf_mime_part_content(part);
		while (cs != NULL && i < c->len && c->data[i] < 0x80)
			i++;
		if (c->len == 0)
			return g_strdup("");
		if (cs == NULL || i == c->len)	/* a NUL ends both alike */
			return g_strndup((const char *)c->data, c->len);
	}
	return g_mime_text_part_get_text(GMIME_TEXT_PART(o));
}

const char *
pf_mime_part_text(pf_mime_part *part)
{
	if (!part->text_done) {
		part->text_done = true;
		if (GMIME_IS_TEXT_PART(part->object))
			part->text = part_text(part);
		if (part->text && !g_utf8_validate(part->text, -1, NULL)) {
			char *valid = g_utf8_make_valid(part->text, -1);

			g_free(part->text);
			part->text = valid;
		}
	}
	return part->text;
}

const char *
pf_mime_part_name(const pf_mime_part *part)
{
	return part->label;
}

bool
pf_mime_part_is_body_text(const pf_mime_part *part, const char *subtype)
{
	return !part->attachment && strncmp(part->type, "text/", 5) == 0 &&
	    strcmp(part->type + 5, subtype) == 0;
}
