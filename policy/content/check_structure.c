/*
 * NAME
 *	check_structure - RFC 5322 and MIME conformance of the message
 * SYNOPSIS
 *	extern const pf_check pf_check_structure;
 * DESCRIPTION
 *	At end of message, on the parse shared through mime.h:
 *
 *	structure.line-too-long (long_line_action, 550 5.6.0): a header or
 *	body line over 998 octets (RFC 5322 2.1.1), naming the header or
 *	the part that holds the body's longest line (counted over the whole
 *	body, not only the kept part); for a base64 part the fix is to wrap
 *	it at 76 characters.  With long_line_action = reencode the parts
 *	with long body lines are re-encoded instead (reencode.h) and
 *	structure.reencoded (score 0, fact reencoded=) says which; what
 *	cannot be repaired is rejected as before.
 *	structure.duplicate-header (duplicate_action, 550 5.6.0): a second
 *	Date, Message-ID or Subject.
 *	structure.header-8bit: raw bytes >= 0x80 in a header value instead
 *	of RFC 2047 encoded words.
 *	structure.multipart-unterminated: a multipart whose closing
 *	"--boundary--" line never comes.
 *	structure.bad-base64, structure.bad-qp: content that does not decode
 *	cleanly (characters outside the alphabet, data after the padding, a
 *	lone trailing character; "=" not followed by two hex digits or a
 *	line end).
 *	structure.missing-date, structure.missing-message-id,
 *	structure.missing-subject.
 *	structure.unparsable: GMime could not build a message at all.
 *	structure.partial (score 0): the body was larger than max_scan_size,
 *	so termination and the encodings of the cut part were not judged.
 *
 *	As the body arrives, each whole 4 KB block of the kept body is
 *	classed while it is still in the cache: all base64 alphabet and
 *	blanks (then how many of the alphabet), or not.  The base64 test at
 *	end of message takes the classed blocks inside a part as they are
 *	and reads only the rest; on a 5 MB attachment that second pass over
 *	memory long out of the cache cost more than the rest of the check.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* memrchr */
#endif
#include <stddef.h>
#include <string.h>

#include "content/content.h"
#include "content/mime.h"
#include "content/reencode.h"

#define RFC5322_LINE_MAX 998

/* reencode falls back to reject where it cannot repair */
static pf_action
long_line_action(const pf_structure_conf *sc)
{
	return sc->long_line_action.reencode &&
	    sc->long_line_action.action == PF_ACTION_NONE ? PF_ACTION_REJECT :
	    sc->long_line_action.action;
}

static pf_result *
add(pf_message *msg, const char *code, unsigned long score)
{
	return pf_content_add(msg, PF_CHECK_STRUCTURE, code, PF_ACTION_NONE,
			      (int)score, NULL, NULL);
}

/* Longest line of a (raw) buffer, CR before LF not counted. */
static size_t
longest_line(const guint8 *p, size_t len)
{
	size_t best = 0, cur = 0;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\n') {
			if (cur > 0 && p[i - 1] == '\r')
				cur--;
			best = MAX(best, cur);
			cur = 0;
		} else {
			cur++;
		}
	}
	return MAX(best, cur);
}

static void
check_header_lines(pf_message *msg)
{
	const pf_structure_conf *sc = &msg->cfg->structure;

	for (guint i = 0; i < msg->headers->len; i++) {
		const pf_header *h = &g_array_index(msg->headers, pf_header, i);
		size_t first = strlen(h->name) + 2, len;
		const char *nl;
		pf_result *r;

		nl = strchr(h->value, '\n');
		len = first + (nl ? (size_t)(nl - h->value) : strlen(h->value));
		if (nl)
			len = MAX(len, longest_line((const guint8 *)nl + 1,
						    strlen(nl + 1)));
		if (len <= RFC5322_LINE_MAX)
			continue;
		r = pf_content_add(msg, PF_CHECK_STRUCTURE,
		    "structure.line-too-long", long_line_action(sc), 0, "550",
		    "5.6.0");
		if (r == NULL)
			return;
		pf_result_text(r, "Header %s has a line of %zu octets; RFC "
		    "5322 allows 998", h->name, len);
		pf_result_fix(r, "Fold the %s header over several lines, or "
		    "fix the program that wrote it", h->name);
		pf_result_fact(r, "where", "header %s", h->name);
		pf_result_fact(r, "length", "%zu", len);
		return;
	}
}

/*
 * long_line_action = reencode: re-encode the parts with long lines
 * (reencode.h), in enforce mode only; true when done (or, in monitor
 * mode, when it could be), else why says why not.
 */
static bool
body_reencoded(pf_message *msg, GString *why)
{
	bool apply = !msg->cfg->monitor &&
	    msg->cfg->structure.mode == PF_MODE_ENFORCE;
	GString *parts = g_string_new(NULL), *how = g_string_new(NULL);
	pf_result *r;
	int n = pf_reencode(msg, PF_UNSAFE_LONG, apply, parts, how, why);

	if (n > 0 && (r = add(msg, "structure.reencoded", 0))) {
		pf_result_text(r, "%s %s: no line is longer than 998 octets",
		    apply ? "Re-encoded" : "Would re-encode", how->str);
		pf_result_fact(r, "reencoded", "%s", parts->str);
	} else if (n == 0) {
		g_string_append(why, "the line is outside any part's content");
	}
	g_string_free(parts, TRUE);
	g_string_free(how, TRUE);
	return n > 0;
}

/*
 * The leaf part holding the body's longest line.  That line may also lie
 * outside every part's content (a part's header, a preamble): then none.
 */
static pf_mime_part *
longest_part(pf_mime *mime, size_t *len)
{
	pf_mime_part *best = NULL;

	*len = 0;
	for (guint i = 0; i < mime->parts->len; i++) {
		pf_mime_part *part = mime->parts->pdata[i];
		const GByteArray *raw = pf_mime_part_raw(part);
		size_t n = longest_line(raw->data, raw->len);

		if (n > *len) {
			*len = n;
			best = part;
		}
	}
	return *len > RFC5322_LINE_MAX ? best : NULL;
}

static void
check_body_lines(pf_message *msg, pf_mime *mime)
{
	const pf_structure_conf *sc = &msg->cfg->structure;
	const char *where;
	pf_mime_part *part;
	GString *why;
	size_t len;
	pf_result *r;
	bool b64;

	/* a body re-encoded (by the DKIM check) has no long line left */
	if (msg->max_line_len <= RFC5322_LINE_MAX || msg->new_body)
		return;
	why = g_string_new(NULL);
	if (sc->long_line_action.reencode && body_reencoded(msg, why)) {
		g_string_free(why, TRUE);
		return;
	}
	part = longest_part(mime, &len);
	if (part == NULL || len < msg->max_line_len)
		part = NULL, len = msg->max_line_len;
	where = part ? pf_mime_part_name(part) : NULL;
	b64 = part && GMIME_IS_PART(part->object) &&
	    g_mime_part_get_content_encoding(GMIME_PART(part->object)) ==
	    GMIME_CONTENT_ENCODING_BASE64;
	r = pf_content_add(msg, PF_CHECK_STRUCTURE, "structure.line-too-long",
	    long_line_action(sc), 0, "550", "5.6.0");
	if (r == NULL) {
		g_string_free(why, TRUE);
		return;
	}
	pf_result_text(r, "The body has a line of %zu octets%s%s; RFC 5322 "
	    "allows 998, and relays split or refuse such lines%s%s", len,
	    where ? " in " : "", where ? where : "", why->len ?
	    "; it cannot be re-encoded: " : "", why->str);
	if (b64 && where)
		pf_result_fix(r, "%s is base64 with long lines: wrap the "
		    "base64 text at 76 characters a line (RFC 2045 6.8)", where);
	else
		pf_result_fix(r, "Send %s with Content-Transfer-Encoding "
		    "quoted-printable or base64, which keep lines short",
		    where ? where : "the text");
	pf_result_fact(r, "where", "%s", where ? where : "body");
	pf_result_fact(r, "length", "%zu", len);
	g_string_free(why, TRUE);
}

static void
check_headers(pf_message *msg)
{
	const pf_structure_conf *sc = &msg->cfg->structure;
	static const struct {
		const char *name, *code;
		size_t score_off;
	} need[] = {
		{"Date", "structure.missing-date",
		 offsetof(pf_structure_conf, missing_date_score)},
		{"Message-ID", "structure.missing-message-id",
		 offsetof(pf_structure_conf, missing_message_id_score)},
		{"Subject", "structure.missing-subject",
		 offsetof(pf_structure_conf, missing_subject_score)},
	};
	pf_result *r;
	bool dup_done = false, eight_done = false;

	for (unsigned i = 0; i < G_N_ELEMENTS(need); i++) {
		unsigned n = pf_message_header_count(msg, need[i].name);
		unsigned long score = *(const unsigned long *)(const void *)
		    ((const char *)sc + need[i].score_off);

		if (n == 0 && (r = add(msg, need[i].code, score))) {
			pf_result_text(r, "The message has no %s header",
				       need[i].name);
			pf_result_fix(r, "Have the mail program add a %s "
			    "header (RFC 5322 3.6)", need[i].name);
		}
		if (n > 1 && !dup_done && (r = pf_content_add(msg,
		    PF_CHECK_STRUCTURE, "structure.duplicate-header",
		    sc->duplicate_action, 0, "550", "5.6.0"))) {
			dup_done = true;
			pf_result_text(r, "The message has %u %s headers; RFC "
			    "5322 allows one", n, need[i].name);
			pf_result_fix(r, "Remove the extra %s headers; fix "
			    "the program that composed the message",
			    need[i].name);
			pf_result_fact(r, "header", "%s", need[i].name);
			pf_result_fact(r, "count", "%u", n);
		}
	}
	for (guint i = 0; i < msg->headers->len && !eight_done; i++) {
		const pf_header *h = &g_array_index(msg->headers, pf_header, i);

		for (const unsigned char *p = (const unsigned char *)h->value;
		     *p; p++) {
			if (*p < 0x80)
				continue;
			eight_done = true;
			if ((r = add(msg, "structure.header-8bit",
				     sc->header_8bit_score)) == NULL)
				break;
			pf_result_text(r, "Header %s contains raw 8-bit bytes "
			    "(%s) instead of RFC 2047 encoded words", h->name,
			    g_utf8_validate(h->value, -1, NULL) ?
			    "UTF-8" : "not even UTF-8");
			pf_result_fix(r, "Encode non-ASCII text in the %s "
			    "header as =?UTF-8?B?...?= (the mail program's "
			    "job), or submit with SMTPUTF8", h->name);
			pf_result_fact(r, "header", "%s", h->name);
			break;
		}
	}
}

/*
 * Whether needle occurs in d[0..len), looked for from the end: a closing
 * delimiter is near the end of the body, and memmem() from the start read
 * the whole of a 5 MB attachment before it (2% of the milter's CPU).
 */
static bool
occurs_from_end(const unsigned char *d, size_t len, const char *needle,
		size_t nlen)
{
	size_t n;

	if (nlen == 0 || nlen > len)
		return nlen == 0;
	for (n = len - nlen + 1; n > 0;) {
		const unsigned char *p = memrchr(d, needle[0], n);

		if (p == NULL)
			return false;
		if (memcmp(p, needle, nlen) == 0)
			return true;
		n = (size_t)(p - d);
	}
	return false;
}

static void
check_termination(pf_message *msg, pf_mime *mime)
{
	for (guint i = 0; i < mime->boundaries->len; i++) {
		const char *b = mime->boundaries->pdata[i];
		char *close = g_strdup_printf("--%s--", b);
		bool found = *b && msg->body->len &&
		    occurs_from_end(msg->body->data, msg->body->len, close,
				    strlen(close));
		pf_result *r;

		g_free(close);
		if (found || *b == '\0')
			continue;
		r = add(msg, "structure.multipart-unterminated",
			msg->cfg->structure.unterminated_score);
		if (r == NULL)
			return;
		pf_result_text(r, "The multipart (part %s) never closes: "
		    "the line \"--%.100s--\" is missing", (char *)
		    mime->multipart_ids->pdata[i], b);
		pf_result_fix(r, "The message was cut or built by hand; send "
		    "it again from a mail program");
		pf_result_fact(r, "part", "%s",
			       (char *)mime->multipart_ids->pdata[i]);
		return;
	}
}

/* Byte classes for base64_ok(): 0 not base64, 1 ignored, 2 '=', 3 alphabet */
static guint8 b64_class[256];

static void
b64_class_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		for (unsigned c = 0; c < 256; c++)
			b64_class[c] = (g_ascii_isalnum((gchar)c) || c == '+' ||
			    c == '/') ? 3 : c == '=' ? 2 : (c == '\r' ||
			    c == '\n' || c == ' ' || c == '\t') ? 1 : 0;
		g_once_init_leave(&done, 1);
	}
}

/*
 * Sixteen octets at d at once, compared as one vector (GCC's and clang's
 * vector extensions: SSE2 on x86-64, NEON on arm64, plain words
 * elsewhere): how many are of the base64 alphabet when all sixteen are of
 * it or line ends and blanks, else -1 (then they are looked at one by
 * one).  An octet a time through a table was 5% of the milter's CPU on a
 * 5 MB attachment.
 */
typedef unsigned char b64_vec __attribute__((vector_size(16)));

static int
b64_alphabet16(const guint8 *d)
{
	const guint64 ones = 0x0101010101010101ULL;
	b64_vec v, alpha, blank;
	guint64 a[2], b[2];

	memcpy(&v, d, sizeof(v));
	alpha = (b64_vec)(((v >= 'A') & (v <= 'Z')) |
	    ((v >= 'a') & (v <= 'z')) | ((v >= '0') & (v <= '9')) |
	    (v == '+') | (v == '/'));
	blank = (b64_vec)((v == '\r') | (v == '\n') | (v == ' ') |
	    (v == '\t'));
	memcpy(a, &alpha, sizeof(a));
	memcpy(b, &blank, sizeof(b));
	if (((a[0] | b[0]) & (a[1] | b[1])) != ~(guint64)0)
		return -1;
	/* the blanks' 0xff octets as ones, summed by a multiply */
	return 16 - (int)((((b[0] & ones) * ones) >> 56) +
	    (((b[1] & ones) * ones) >> 56));
}

/* The body's blocks as classed on arrival (see the head). */
#define B64_BLOCK ((gsize)4096)
#define B64_NOT G_MAXUINT16	/* a block with other octets, or "=" */

typedef struct structure_state {
	GArray *blocks;		/* guint16: alphabet octets, or B64_NOT */
} structure_state;

static guint16
b64_block(const guint8 *d)
{
	unsigned count = 0;

	for (gsize i = 0; i < B64_BLOCK; i += 16) {
		int n = b64_alphabet16(d + i);

		if (n < 0)
			return B64_NOT;
		count += (unsigned)n;
	}
	return (guint16)count;
}

/* Class the whole blocks the last chunk completed. */
static void
class_blocks(pf_message *msg)
{
	structure_state *st = msg->state[PF_CHECK_STRUCTURE];
	const GByteArray *body = msg->body;

	if (st == NULL) {
		if (body->len < B64_BLOCK)
			return;
		st = msg->state[PF_CHECK_STRUCTURE] = g_new0(structure_state, 1);
		st->blocks = g_array_new(FALSE, FALSE, sizeof(guint16));
	}
	while ((st->blocks->len + 1) * B64_BLOCK <= body->len) {
		guint16 c = b64_block(body->data + st->blocks->len * B64_BLOCK);

		g_array_append_val(st->blocks, c);
	}
}

static void
structure_state_free(void *p)
{
	structure_state *st = p;

	g_array_free(st->blocks, TRUE);
	g_free(st);
}

/*
 * d[i..end) octet by octet, or sixteen at a time where it can: the classes
 * are 3 (alphabet), 2 ("="), 1 (line end, blank) and 0.  What is counted
 * is the alphabet and the padding; false at an octet that cannot be.
 */
static bool
b64_scan(const guint8 *d, size_t i, size_t end, size_t *count, bool *padded)
{
	while (i < end) {
		int n;

		if (!*padded && end - i >= 16 &&
		    (n = b64_alphabet16(d + i)) >= 0) {
			*count += (size_t)n;
			i += 16;
			continue;
		}
		switch (b64_class[d[i++]]) {
		case 3:
			if (*padded)
				return false;	/* data after the padding */
			(*count)++;
			break;
		case 2:
			*padded = true;
			(*count)++;
			break;
		case 1:
			break;
		default:
			return false;
		}
	}
	return true;
}

/*
 * One pass.  Where raw lies in the body, its whole blocks classed on
 * arrival are taken as they are (before any padding: a classed block has
 * none, so the pass would only have counted its alphabet).
 */
static bool
base64_ok(const GByteArray *raw, const pf_message *msg)
{
	const structure_state *st = msg->state[PF_CHECK_STRUCTURE];
	const guint8 *d = raw->data, *body = msg->body->data;
	size_t count = 0, i = 0, len = raw->len;
	bool padded = false;

	b64_class_init();
	if (st && len && d >= body && d + len <= body + msg->body->len) {
		size_t off = (size_t)(d - body);
		size_t b = (off + B64_BLOCK - 1) / B64_BLOCK;

		i = MIN(b * B64_BLOCK - off, len);
		if (!b64_scan(d, 0, i, &count, &padded))
			return false;
		for (; i + B64_BLOCK <= len; i += B64_BLOCK, b++) {
			guint16 c = b < st->blocks->len ?
			    g_array_index(st->blocks, guint16, b) : B64_NOT;

			if (!padded && c != B64_NOT)
				count += c;
			else if (!b64_scan(d, i, i + B64_BLOCK, &count,
					   &padded))
				return false;
		}
	}
	if (!b64_scan(d, i, len, &count, &padded))
		return false;
	return count % 4 != 1;
}

static bool
qp_ok(const GByteArray *raw)
{
	for (guint i = 0; i < raw->len; i++) {
		size_t j;

		if (raw->data[i] != '=')
			continue;
		if (i + 2 < raw->len && g_ascii_isxdigit(raw->data[i + 1]) &&
		    g_ascii_isxdigit(raw->data[i + 2]))
			continue;
		/* soft line break: "=" then optional blanks then line end */
		for (j = i + 1; j < raw->len && (raw->data[j] == ' ' ||
						 raw->data[j] == '\t'); j++)
			;
		if (j == raw->len || raw->data[j] == '\r' ||
		    raw->data[j] == '\n')
			continue;
		return false;
	}
	return true;
}

static void
check_encodings(pf_message *msg, pf_mime *mime)
{
	for (guint i = 0; i < mime->parts->len; i++) {
		pf_mime_part *part = mime->parts->pdata[i];
		GMimeContentEncoding enc;
		const GByteArray *raw;
		const char *code = NULL;
		pf_result *r;

		if (!GMIME_IS_PART(part->object) || part->last)
			continue;
		enc = g_mime_part_get_content_encoding(GMIME_PART(
		    part->object));
		if (enc != GMIME_CONTENT_ENCODING_BASE64 &&
		    enc != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE)
			continue;
		raw = pf_mime_part_raw(part);
		if (enc == GMIME_CONTENT_ENCODING_BASE64 &&
		    !base64_ok(raw, msg))
			code = "structure.bad-base64";
		else if (enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE &&
			 !qp_ok(raw))
			code = "structure.bad-qp";
		if (code == NULL)
			continue;
		if ((r = add(msg, code,
			     msg->cfg->structure.bad_encoding_score)) == NULL)
			return;
		pf_result_text(r, "%s is declared %s but does not decode "
		    "cleanly", pf_mime_part_name(part),
		    enc == GMIME_CONTENT_ENCODING_BASE64 ? "base64" :
		    "quoted-printable");
		pf_result_fix(r, "Attach %s again with a mail program; "
		    "receivers may drop or mangle it",
		    pf_mime_part_name(part));
		pf_result_fact(r, "part", "%s", part->id);
		return;
	}
}

static void
structure_run(pf_message *msg, pf_stage stage)
{
	pf_mime *mime;
	pf_result *r;

	if (stage == PF_STAGE_BODY) {
		class_blocks(msg);
		return;
	}
	if (pf_content_check_off(msg, PF_CHECK_STRUCTURE))
		return;
	mime = pf_mime_get(msg);
	check_header_lines(msg);
	check_body_lines(msg, mime);
	check_headers(msg);
	if (mime->message == NULL) {
		if ((r = add(msg, "structure.unparsable",
			     msg->cfg->structure.unparsable_score))) {
			pf_result_text(r, "The message cannot be parsed as "
			    "MIME");
			pf_result_fix(r, "Send it again from a mail program");
		}
		return;
	}
	check_encodings(msg, mime);
	if (mime->truncated)
		pf_content_skipped(msg, PF_CHECK_STRUCTURE,
		    "structure.partial", "multipart termination and the "
		    "encoding of the last part");
	else
		check_termination(msg, mime);
}

static pf_mode *
structure_mode(pf_config *cfg)
{
	return &cfg->structure.mode;
}

const pf_check pf_check_structure = {
	.id = PF_CHECK_STRUCTURE,
	.name = "structure",
	.stages = PF_STAGE_BODY | PF_STAGE_EOM,
	.mode = structure_mode,
	.run = structure_run,
	.free_state = structure_state_free,
};
