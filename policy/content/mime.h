/*
 * NAME
 *	mime - the message parsed once with GMime, shared by content checks
 * SYNOPSIS
 *	pf_mime *pf_mime_get(pf_message *msg);
 *	pf_mime *pf_mime_parse(const pf_message *msg, bool all_fields);
 *	void pf_mime_free(pf_mime **mime);
 *	const GByteArray *pf_mime_part_content(pf_mime_part *part);
 *	const GByteArray *pf_mime_part_head(pf_mime_part *part, gsize max);
 *	gsize pf_mime_part_encoded_length(const pf_mime_part *part);
 *	const GByteArray *pf_mime_part_raw(pf_mime_part *part);
 *	const char *pf_mime_part_text(pf_mime_part *part);
 *	const char *pf_mime_part_name(const pf_mime_part *part);
 *	bool pf_mime_part_is_body_text(const pf_mime_part *part,
 *				       const char *subtype);
 * DESCRIPTION
 *	pf_mime_get() parses the message at end of message the first time a
 *	content check asks, and returns the same parse to every later caller
 *	(never NULL).  The parse lives in msg->state[PF_CHECK_CONTENT] and is
 *	freed with the message (pf_check_content's free_state), so it exists
 *	whether or not the content check itself is enabled.
 *
 *	The parser reads the headers (rebuilt as "Name: value" lines with
 *	CRLF) followed by msg->body without copying the body: GMime keeps
 *	offsets into it.  The message must therefore not change between the
 *	parse and its release, which holds at EOM.  Only the first
 *	max_scan_size bytes of a larger body are parsed; mime->truncated
 *	says so, and checks that need the whole structure report that they
 *	skipped it.
 *
 *	Of the top-level fields the parser is given only the Content-*
 *	fields, MIME-Version and Subject, which are all that shape the parse
 *	or are read from it, unless a field is one GMime would not take as
 *	it is (a name it refuses, a value with a line that does not continue
 *	it): then all, so that GMime reads them as it always does.
 *	pf_mime_parse() makes a parse that is not kept with the message;
 *	with all_fields it is given every field (tests/mime_stress compares
 *	the two); pf_mime_free() frees it.
 *
 *	The walk over the MIME tree is bounded: at most [content] max_parts
 *	parts (multiparts count) and max_depth levels of nesting
 *	(message/rfc822 counts as a level); mime->limited says when parts
 *	were left out.  Leaf parts are listed in order in mime->parts with
 *	an id in IMAP style ("1", "2.1").
 *
 *	Decoded content (pf_mime_part_content), its first max bytes alone
 *	(pf_mime_part_head, at most PF_MIME_HEAD, for sniffing types
 *	without decoding a large attachment whole; a later call for more
 *	decodes again, the whole content when there is one is returned as
 *	it is), the still-encoded content
 *	(pf_mime_part_raw) and UTF-8 text (pf_mime_part_text, text parts
 *	only, else NULL) are produced on first use and kept with the part;
 *	they belong to the parse.  Bytes that need no decoding are not
 *	copied: the three arrays then point into msg->body (a part's
 *	content stream is a memory stream over the body, see mime.c).
 *	pf_mime_part_encoded_length() is the length of a leaf's content as
 *	sent, without reading it: decoding never makes content longer, so
 *	it bounds how much pf_mime_part_head() can return (G_MAXSIZE when
 *	the stream cannot say, 0 for a part without content).
 *	pf_mime_part_name() describes a part for a reader: its file name
 *	when it has one, else its id and type.
 *
 *	pf_mime_part_is_body_text() says whether a part is inline
 *	text/subtype (not an attachment).
 *
 *	GMime is initialised once per process, thread-safely.
 */
#ifndef PF_MIME_H
#define PF_MIME_H

#include <gmime/gmime.h>

#include "core/message.h"

typedef struct pf_mime_part {
	GMimeObject *object;	/* GMimePart or GMimeMessagePart, borrowed */
	char *id;		/* "1.2" */
	char *type;		/* "text/html", lower case */
	char *filename;		/* as decoded by GMime, or NULL */
	char *label;		/* for texts: "\"a.pdf\" (part 2)" */
	bool attachment;	/* disposition attachment, or a file name */
	bool last;		/* may be cut by max_scan_size */
	unsigned depth;
	GByteArray *content;	/* decoded, on first use */
	GByteArray *head;	/* decoded, first head_max bytes */
	gsize head_max;
	GByteArray *raw;	/* encoded, on first use */
	/* what those point to when the bytes are read in place in the
	 * body: data and len only, never given to g_byte_array_*() */
	GByteArray content_view, head_view, raw_view;
	char *text;		/* UTF-8, on first use */
	bool text_done;
} pf_mime_part;

typedef struct pf_mime {
	GMimeMessage *message;	/* NULL when nothing could be parsed */
	GMimeStream *stream;	/* what the parse refers to */
	GPtrArray *parts;	/* pf_mime_part *, leaves in order */
	GPtrArray *boundaries;	/* char *, one per multipart */
	GPtrArray *multipart_ids; /* char *, id of each multipart */
	unsigned walked;	/* parts and multiparts walked */
	bool truncated;		/* body cut at max_scan_size */
	bool limited;		/* max_parts or max_depth reached */
	unsigned warnings;	/* bit (1 << GMimeParserWarning) seen */
} pf_mime;

pf_mime *pf_mime_get(pf_message *msg);
pf_mime *pf_mime_parse(const pf_message *msg, bool all_fields);
void pf_mime_free(pf_mime **mime);
#define PF_MIME_HEAD ((gsize)64 * 1024)

const GByteArray *pf_mime_part_content(pf_mime_part *part);
const GByteArray *pf_mime_part_head(pf_mime_part *part, gsize max);
gsize pf_mime_part_encoded_length(const pf_mime_part *part);
const GByteArray *pf_mime_part_raw(pf_mime_part *part);
const char *pf_mime_part_text(pf_mime_part *part);
const char *pf_mime_part_name(const pf_mime_part *part);
bool pf_mime_part_is_body_text(const pf_mime_part *part, const char *subtype);

#endif
