/*
 * NAME
 *	from_parse - one strict reading of an author header (From, Sender)
 * SYNOPSIS
 *	#include "auth/from_parse.h"
 *
 *	void pf_mailbox_parse(const char *value, size_t len, unsigned flags,
 *			      pf_mailbox *out);
 *	void pf_mailbox_clear(pf_mailbox *mb);
 *	char *pf_domain_to_ascii(const char *domain);
 * DESCRIPTION
 *	pf_mailbox_parse() reads the raw bytes of one header value (len
 *	bytes: a NUL inside is seen) as exactly one mailbox, the way every
 *	mainstream parser reads it, or says why it cannot.  It is a pure
 *	function: no configuration, no DNS, no logging.  out->status is
 *	  PF_ADDR_ONE        one mailbox: display, local, domain, addr set
 *	  PF_ADDR_EMPTY      no address at all
 *	  PF_ADDR_SEVERAL    several mailboxes separated by commas
 *	  PF_ADDR_NO_DOMAIN  one mailbox without a usable domain
 *	  PF_ADDR_AMBIGUOUS  the bytes admit more than one reading
 *	For PF_ADDR_AMBIGUOUS, out->tag names the first class found (static:
 *	"semicolon", "comment", "group", "quoted-local", "control", "nul",
 *	"8bit", "encoded-address", "obsolete", "angle", "trailing",
 *	"bare-words", "trailing-dot", "idna-mapping", "unterminated",
 *	"comma"), out->why says in plain words what was found (every class,
 *	"; " between them), and out->fix how to write it plainly.
 *	Accepted: [phrase] <local@domain> or local@domain, where the phrase
 *	is atoms, dots and quoted strings with RFC 2047 encoded words
 *	(decoded with GMime into out->display, UTF-8), and comments are
 *	allowed only outside the address and only without an address or
 *	domain in them (their text is added to out->display, which is what
 *	other parsers show).  8-bit bytes in the address are accepted only
 *	with PF_ADDR_SMTPUTF8 (RFC 6532), and then only as valid UTF-8; in
 *	the display name they are kept (as UTF-8 where valid) for the
 *	look-alike rules, which read the name as a client shows it.
 *
 *	The domain is given in three forms: out->domain as written (lower
 *	case), out->domain_ascii with A-labels and out->domain_unicode with
 *	U-labels (UTS #46 non-transitional processing, libidn2); out->addr
 *	is local@domain_ascii.  A domain that IDNA maps to another spelling
 *	(full-width letters) is ambiguous; one that is not valid IDNA has no
 *	domain.  The strings belong to out: pf_mailbox_clear() frees them
 *	and may be called on a cleared or zeroed mailbox.
 *
 *	pf_domain_to_ascii() returns a lower-case A-label form of domain
 *	(UTS #46), or NULL when it is not a valid IDNA name; caller frees
 *	with g_free().
 */
#ifndef PF_FROM_PARSE_H
#define PF_FROM_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

#define PF_ADDR_SMTPUTF8 (1u << 0)	/* the envelope said SMTPUTF8 */

typedef enum pf_addr_status {
	PF_ADDR_ONE,
	PF_ADDR_EMPTY,
	PF_ADDR_SEVERAL,
	PF_ADDR_NO_DOMAIN,
	PF_ADDR_AMBIGUOUS,
} pf_addr_status;

typedef struct pf_mailbox {
	pf_addr_status status;
	char *display;		/* decoded display name and comments, or "" */
	char *local;		/* local part, quotes removed */
	char *domain;		/* as written, lower case */
	char *domain_ascii;	/* A-labels */
	char *domain_unicode;	/* U-labels */
	char *addr;		/* local@domain_ascii */
	const char *tag;	/* first ambiguity, static */
	const char *fix;	/* how to write it plainly, static */
	GString *why;		/* what was found, plain words */
	unsigned mailboxes;	/* PF_ADDR_SEVERAL: how many */
} pf_mailbox;

void pf_mailbox_parse(const char *value, size_t len, unsigned flags,
		      pf_mailbox *out);
void pf_mailbox_clear(pf_mailbox *mb);
char *pf_domain_to_ascii(const char *domain);

#endif
