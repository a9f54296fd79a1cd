/*
 * NAME
 *	check_structure - RFC 5322 and MIME conformance receivers check
 * SYNOPSIS
 *	extern const pf_check pf_check_structure;
 * DESCRIPTION
 *	Scores, at end of message: structure.missing-date and
 *	structure.missing-message-id (missing_score), structure.duplicate
 *	(two Date, Message-ID or Subject fields: duplicate_score),
 *	structure.long-line (a body or header line over 998 octets,
 *	RFC 5322 2.1.1: long_line_score), structure.header-8bit (raw 8-bit
 *	bytes in a header field instead of RFC 2047 encoded words:
 *	header_8bit_score), structure.unterminated-multipart (a multipart
 *	body without its closing boundary: broken_mime_score).  Each names
 *	the field or the value at fault.
 */
#include <string.h>

#include "check.h"
#include "mime.h"

/* Adds a scored finding; takes over text (g_strdup_printf'd). */
static void
score(pf_message *msg, const char *code, unsigned long points,
      const char *fix, char *text)
{
	pf_result *r;

	if (points) {
		r = pf_result_add(msg, PF_CHECK_STRUCTURE, code,
				  PF_ACTION_NONE, (int)points, "550", "5.6.0");
		pf_result_text(r, "%s", text);
		pf_result_fix(r, "%s", fix);
	}
	g_free(text);
}

static size_t
longest_line(const char *value, size_t prefix)
{
	size_t longest = 0, cur = prefix;

	for (const char *p = value; *p; p++) {
		if (*p == '\n') {
			longest = MAX(longest, cur);
			cur = 0;
		} else if (*p != '\r') {
			cur++;
		}
	}
	return MAX(longest, cur);
}

static void
structure_run(pf_message *msg, pf_stage stage)
{
	const pf_structure_conf *sc = &msg->cfg->structure;
	static const char *const once[] = {"Date", "Message-ID", "Subject"};
	const char *ct, *b;
	bool long_hdr = false, eight = false;

	if (stage != PF_STAGE_EOM)
		return;
	if (!pf_message_header_get(msg, "Date", 0))
		score(msg, "structure.missing-date", sc->missing_score,
		    "Let the mail program or the MTA add a Date field "
		    "(Postfix: always_add_missing_headers = yes)",
		    g_strdup("The message has no Date field"));
	if (!pf_message_header_get(msg, "Message-ID", 0))
		score(msg, "structure.missing-message-id", sc->missing_score,
		    "Let the mail program or the MTA add a Message-ID "
		    "(Postfix: always_add_missing_headers = yes)",
		    g_strdup("The message has no Message-ID field"));
	for (unsigned i = 0; i < G_N_ELEMENTS(once); i++)
		if (pf_message_header_count(msg, once[i]) > 1)
			score(msg, "structure.duplicate", sc->duplicate_score,
			    "Send each of Date, Message-ID and Subject once",
			    g_strdup_printf("The message has %s %u times "
			    "(RFC 5322 allows one)", once[i],
			    pf_message_header_count(msg, once[i])));
	for (guint i = 0; i < msg->headers->len; i++) {
		const pf_header *h = &g_array_index(msg->headers, pf_header, i);
		size_t len = longest_line(h->value, strlen(h->name) + 2);

		if (len > 998 && !long_hdr) {
			long_hdr = true;
			score(msg, "structure.long-line", sc->long_line_score,
			    "Fold long header fields (RFC 5322 2.2.3)",
			    g_strdup_printf("Header field %s has a line of "
			    "%zu octets (limit 998)", h->name, len));
		}
		for (const unsigned char *p = (const unsigned char *)h->value;
		     *p && !eight; p++)
			if (*p & 0x80) {
				eight = true;
				score(msg, "structure.header-8bit",
				    sc->header_8bit_score, "Encode non-ASCII "
				    "text in headers as RFC 2047 encoded words",
				    g_strdup_printf("Header field %s has raw "
				    "8-bit bytes", h->name));
			}
	}
	if (msg->max_line_len > 998 && !long_hdr)
		score(msg, "structure.long-line", sc->long_line_score,
		    "Send the text quoted-printable or base64 encoded, or "
		    "wrap its lines", g_strdup_printf("The body has a line "
		    "of %zu octets (limit 998)", msg->max_line_len));

	/* a multipart body must end with --boundary-- */
	ct = pf_message_header_get(msg, "Content-Type", 0);
	while (ct && (*ct == ' ' || *ct == '\t'))
		ct++;
	if (ct && !msg->body_truncated && g_ascii_strncasecmp(ct,
	    "multipart/", 10) == 0 && pf_mime_message(msg)) {
		GMimeObject *top = g_mime_message_get_mime_part(
		    pf_mime_message(msg));

		if (top && GMIME_IS_MULTIPART(top) &&
		    (b = g_mime_multipart_get_boundary(GMIME_MULTIPART(top)))) {
			char *close = g_strdup_printf("--%s--", b);

			if (g_strstr_len((const char *)msg->body->data,
			    (gssize)msg->body->len, close) == NULL)
				score(msg, "structure.unterminated-multipart",
				    sc->broken_mime_score, "Send the "
				    "message from a mail program that writes "
				    "complete MIME", g_strdup_printf("The "
				    "multipart body never closes boundary "
				    "\"%s\"", b));
			g_free(close);
		}
	}
}

static pf_mode *
structure_mode(pf_config *cfg)
{
	return &cfg->structure.mode;
}

const pf_check pf_check_structure = {
	.id = PF_CHECK_STRUCTURE,
	.name = "structure",
	.stages = PF_STAGE_EOM,
	.mode = structure_mode,
	.run = structure_run,
};
