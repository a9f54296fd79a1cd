/*
 * NAME
 *	feed - a raw RFC 5322 message through the pipeline, as an MTA would
 * SYNOPSIS
 *	pf_verdict *pf_feed_raw(pf_pipeline *p, const unsigned char *data,
 *				size_t len, pf_feed_info *info);
 * DESCRIPTION
 *	Splits data into header fields and body and feeds them to p after
 *	MAIL FROM and RCPT have been fed: each header (name, value without
 *	the space after the colon, folded lines joined with LF, as Postfix
 *	passes them; a NUL byte stays in the value, which is passed with its
 *	length), end of headers, the body in 64 KB chunks with CRLF line
 *	ends, end of message.  Returns the verdict of end of headers when it
 *	refuses early, else the end-of-message verdict (owned by p).
 *
 *	info (may be NULL) receives the offset of the body in data (0: no
 *	body separator) and the line end the message uses ("\r\n" or "\n"),
 *	for writing the message back out.  A line without a colon in the
 *	header block is passed as a header with an empty name, so that checks
 *	can see it.
 */
#ifndef PF_FEED_H
#define PF_FEED_H

#include "core/pipeline.h"

typedef struct pf_feed_info {
	size_t body_off;
	const char *eol;
} pf_feed_info;

pf_verdict *pf_feed_raw(pf_pipeline *p, const unsigned char *data,
			size_t len, pf_feed_info *info);

#endif
