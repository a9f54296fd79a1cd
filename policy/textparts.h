/*
 * NAME
 *	textparts - the readable text of a message, for the text and link
 *	checks
 * SYNOPSIS
 *	void pf_text_collect(pf_message *msg, GString *plain, GString *html,
 *			     unsigned *images);
 * DESCRIPTION
 *	Appends the decoded content of every text/plain part to plain and
 *	of every text/html part to html (each bounded to 1 MB), and counts
 *	image parts.  Attachments with a file name are left out.
 */
#ifndef PF_TEXTPARTS_H
#define PF_TEXTPARTS_H

#include "message.h"

#define PF_TEXT_MAX (1024 * 1024)

void pf_text_collect(pf_message *msg, GString *plain, GString *html,
		     unsigned *images);
char *pf_html_strip(const char *html);

#endif
