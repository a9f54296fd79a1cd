/*
 * NAME
 *	authres - Authentication-Results under our authserv-id (see
 *	authres.h)
 */
#include <string.h>
#include <unistd.h>

#include "auth/authres.h"

const char *
pf_authres_id(const pf_message *msg, char *buf, size_t size)
{
	if (msg->cfg->authserv_id)
		return msg->cfg->authserv_id;
	if (msg->mta_hostname)
		return msg->mta_hostname;
	g_strlcpy(buf, "localhost", size);
	if (gethostname(buf, size) == 0 && size > 0)
		buf[size - 1] = '\0';
	return buf;
}

/* Skip blanks, line breaks and (nested) comments. */
static const char *
skip_cfws(const char *p)
{
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '(')
			return p;
		for (unsigned depth = 0; *p; p++) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				p++;
				break;
			}
		}
	}
}

bool
pf_authres_claims_id(const char *value, const char *id)
{
	GString *got = g_string_new(NULL);
	const char *p = skip_cfws(value ? value : "");
	bool same;

	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			g_string_append_c(got, *p);
		}
	} else {
		for (; *p && !strchr(" \t\r\n;()", *p); p++)
			g_string_append_c(got, *p);
	}
	same = got->len > 0 && g_ascii_strcasecmp(got->str, id) == 0;
	g_string_free(got, TRUE);
	return same;
}

unsigned
pf_authres_remove_forged(pf_message *msg, const char *id, bool apply)
{
	unsigned index = 0, found = 0;

	for (guint i = 0; i < msg->headers->len; i++) {
		const pf_header *h = &g_array_index(msg->headers, pf_header, i);

		if (g_ascii_strcasecmp(h->name, "Authentication-Results") != 0)
			continue;
		index++;
		if (!pf_authres_claims_id(h->value, id))
			continue;
		found++;
		if (apply)
			pf_message_delete_header(msg, "Authentication-Results",
						 index);
	}
	return found;
}
