/*
 * NAME
 *	from_look - look-alikes: what a display name or a domain shows
 * SYNOPSIS
 *	#include "auth/from_look.h"
 *
 *	char *pf_look_display_claim(const char *display,
 *				    const pf_mailbox *mb);
 *	char *pf_look_domain_confusable(const pf_mailbox *mb);
 *	int pf_look_load(GString *err);
 * DESCRIPTION
 *	pf_look_display_claim() returns the first word of display (UTF-8,
 *	decoded) that a reader takes for an address other than mb->addr, or
 *	for a domain of another organisation than mb->domain_ascii, or NULL.
 *	The text is read the way it is shown: NFKC (full-width @ and
 *	letters), every Unicode space as a space, invisible format
 *	characters removed, ideographic full stops as dots, punctuation
 *	glued to a word and trailing dots stripped, non-ASCII domains
 *	through IDNA (UTS #46, both ways), and every non-ASCII word also by
 *	its UTS #39 skeleton (ICU's spoof checker), so that Cyrillic or
 *	other look-alike letters and dots are seen as what they resemble.
 *	A bidirectional override in the name is a claim of its own.
 *
 *	pf_look_domain_confusable() returns, when mb's domain has non-ASCII
 *	labels that mix scripts (UTS #39 moderately restrictive), hide
 *	invisible characters or look like a plain ASCII domain, a short
 *	description ("looks like paypal.com"), else NULL.
 *
 *	Both return memory the caller frees with g_free().  The ICU checker
 *	is made once per process and only read afterwards (thread-safe).
 *	ICU itself is opened on the first non-ASCII text (lazylib.h):
 *	ASCII mail never loads it.  pf_look_load() opens it now: 0, or -1
 *	with the reason appended to err.
 */
#ifndef PF_FROM_LOOK_H
#define PF_FROM_LOOK_H

#include "auth/from_parse.h"

char *pf_look_display_claim(const char *display, const pf_mailbox *mb);
char *pf_look_domain_confusable(const pf_mailbox *mb);
int pf_look_load(GString *err);

#endif
