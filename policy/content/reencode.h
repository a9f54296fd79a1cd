/*
 * NAME
 *	reencode - make a body safe to relay by re-encoding its unsafe parts
 * SYNOPSIS
 *	#define PF_UNSAFE_LONG, PF_UNSAFE_8BIT, PF_UNSAFE_BARE, PF_UNSAFE_ALL
 *	int pf_reencode(pf_message *msg, unsigned defects, bool apply,
 *			GString *parts, GString *how, GString *why);
 *	bool pf_reencode_enabled(const pf_config *cfg);
 * DESCRIPTION
 *	pf_reencode() finds the MIME leaf parts whose content has one of
 *	defects (a line over 998 octets; 8-bit data in a part not declared
 *	8bit or binary; a CR not before LF or an LF not after CR) and
 *	re-encodes each with GMime's encoders: text parts quoted-printable,
 *	or base64 when quoted-printable would be more than a third larger
 *	than the content or when the content holds a bare LF (a
 *	quoted-printable hard line break stands for CRLF, so only base64
 *	gives that octet back); other parts base64.  Content declared base64
 *	or quoted-printable is decoded first.  Only the part's content and
 *	its Content-Transfer-Encoding field change: every other byte of the
 *	body (boundaries, other parts, preamble) stays as it came.  Decoding
 *	a changed part gives its original octets (CRLF line ends for the
 *	hard line breaks of quoted-printable).
 *
 *	The top-level part's fields are message header fields: they change
 *	through the message's header edits (pf_message_delete_header,
 *	pf_message_add_header), and a message without MIME-Version gets
 *	"MIME-Version: 1.0" and, without a Content-Type, "text/plain" with
 *	the charset its bytes have (us-ascii, utf-8, else unknown-8bit).
 *
 *	With apply, the new body is set with pf_message_replace_body() and
 *	the header edits are made; without it (monitor mode) nothing
 *	changes.  parts gets the labels of the parts ("part 2 (text/html)",
 *	comma separated), how a sentence per part (what was wrong, the new
 *	encoding).  Returns the number of parts re-encoded, 0 when no part
 *	has the defects asked for, or -1 when the repair cannot be made (why
 *	says why; nothing is changed): the body is larger than max_scan_size,
 *	it cannot be parsed, it has more parts than max_parts, a part to
 *	change lies under multipart/signed or multipart/encrypted, or a
 *	long line or bare CR/LF lies outside any part's content.  A message
 *	is repaired once: a second call after a repair returns -1.
 *
 *	pf_reencode_enabled() says whether a configuration may replace
 *	bodies ([dkim] unsafe_body_action or [structure] long_line_action is
 *	reencode), for the MTA glue to ask the MTA for that right.
 */
#ifndef PF_REENCODE_H
#define PF_REENCODE_H

#include "core/message.h"

#define PF_UNSAFE_LONG	(1U << 0)
#define PF_UNSAFE_8BIT	(1U << 1)
#define PF_UNSAFE_BARE	(1U << 2)
#define PF_UNSAFE_ALL	(PF_UNSAFE_LONG | PF_UNSAFE_8BIT | PF_UNSAFE_BARE)

int pf_reencode(pf_message *msg, unsigned defects, bool apply, GString *parts,
		GString *how, GString *why);
bool pf_reencode_enabled(const pf_config *cfg);

#endif
