/*
 * NAME
 *	mime - the parsed MIME structure every content check shares
 * SYNOPSIS
 *	GMimeMessage *pf_mime_message(pf_message *msg);
 *	void pf_mime_foreach(pf_message *msg, pf_mime_fn fn, void *arg);
 *	GByteArray *pf_mime_part_content(GMimeObject *part, size_t max);
 *	const char *pf_mime_filename(GMimeObject *part);
 * DESCRIPTION
 *	pf_mime_message() parses the message's headers and the body kept
 *	in msg->body (the first max_scan_size bytes) with GMime once, at
 *	the first call, and caches it on the message (freed with it).  It
 *	returns NULL when there is nothing to parse.
 *
 *	pf_mime_foreach() calls fn for every leaf part, depth first, with
 *	the part's nesting depth; it stops at PF_MIME_MAX_PARTS parts and
 *	does not descend below PF_MIME_MAX_DEPTH (both bound work on
 *	hostile input).  fn returns false to stop early.
 *
 *	pf_mime_part_content() returns the decoded content of a leaf part
 *	(base64 and quoted-printable undone), at most max bytes, as a new
 *	array the caller frees with g_byte_array_unref().
 *
 *	pf_mime_filename() is the part's file name (Content-Disposition
 *	filename, else Content-Type name), or NULL.
 */
#ifndef PF_MIME_H
#define PF_MIME_H

#include <gmime/gmime.h>

#include "message.h"

#define PF_MIME_MAX_PARTS 1000
#define PF_MIME_MAX_DEPTH 20

typedef bool (*pf_mime_fn)(pf_message *msg, GMimeObject *part, int depth,
			   void *arg);

GMimeMessage *pf_mime_message(pf_message *msg);
void pf_mime_foreach(pf_message *msg, pf_mime_fn fn, void *arg);
GByteArray *pf_mime_part_content(GMimeObject *part, size_t max);
const char *pf_mime_filename(GMimeObject *part);

#endif
