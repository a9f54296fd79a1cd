/*
 * NAME
 *	feed - a raw RFC 5322 message through the pipeline (see feed.h)
 */
#include <string.h>

#include "core/feed.h"
#include "core/verdict.h"

#define FEED_CHUNK 65536

/* Length of the line at p (up to and excluding LF or CRLF). */
static size_t
line_len(const unsigned char *p, size_t avail, size_t *eol)
{
	const unsigned char *lf = memchr(p, '\n', avail);
	size_t len = lf ? (size_t)(lf - p) : avail;

	*eol = lf ? 1 : 0;
	if (lf && len > 0 && p[len - 1] == '\r') {
		len--;
		*eol = 2;
	}
	return len;
}

/*
 * Body with CRLF line ends, in chunks of FEED_CHUNK octets, as an MTA sends
 * it: whole runs between line ends are copied at once (a bare LF gains its
 * CR), not one octet at a time.
 */
static void
feed_body(pf_pipeline *pl, const unsigned char *p, size_t len)
{
	unsigned char *chunk = g_malloc(FEED_CHUNK + 2);
	size_t used = 0, i = 0;

	while (i < len) {
		size_t avail = MIN(len - i, FEED_CHUNK - used);
		const unsigned char *lf = memchr(p + i, '\n', avail);
		size_t n = lf ? (size_t)(lf - (p + i)) : avail;

		memcpy(chunk + used, p + i, n);
		used += n;
		i += n;
		if (lf) {
			if (i == 0 || p[i - 1] != '\r')
				chunk[used++] = '\r';
			chunk[used++] = '\n';
			i++;
		}
		if (used >= FEED_CHUNK) {
			pf_pipeline_body(pl, chunk, used);
			used = 0;
		}
	}
	if (used)
		pf_pipeline_body(pl, chunk, used);
	g_free(chunk);
}

pf_verdict *
pf_feed_raw(pf_pipeline *p, const unsigned char *data, size_t len,
	    pf_feed_info *info)
{
	GString *name = g_string_new(NULL), *value = g_string_new(NULL);
	size_t off = 0, body_off = 0;
	const char *eol = "\n";
	bool have = false;
	pf_verdict *v;

	while (off < len) {
		size_t eollen, n = line_len(data + off, len - off, &eollen);
		const char *line = (const char *)data + off;

		if (eollen == 2)
			eol = "\r\n";
		if (n == 0) {		/* the empty line ends the headers */
			body_off = off + eollen;
			break;
		}
		if ((line[0] == ' ' || line[0] == '\t') && have) {
			g_string_append_c(value, '\n');
			g_string_append_len(value, line, (gssize)n);
		} else {
			const char *colon = memchr(line, ':', n);

			if (have)
				pf_pipeline_header_len(p, name->str, value->str,
						       value->len);
			have = true;
			g_string_truncate(name, 0);
			g_string_truncate(value, 0);
			if (colon == NULL) {
				g_string_append_len(value, line, (gssize)n);
			} else {
				size_t vstart = (size_t)(colon - line) + 1;

				g_string_append_len(name, line,
						    (gssize)(colon - line));
				if (vstart < n && line[vstart] == ' ')
					vstart++;
				g_string_append_len(value, line + vstart,
						    (gssize)(n - vstart));
			}
		}
		off += n + eollen;
	}
	if (have)
		pf_pipeline_header_len(p, name->str, value->str, value->len);
	g_string_free(name, TRUE);
	g_string_free(value, TRUE);
	if (info) {
		info->body_off = body_off;
		info->eol = eol;
	}
	if ((v = pf_pipeline_eoh(p)) != NULL)
		return v;
	if (body_off) {
		p->msg->body_hint = len - body_off;	/* LF files grow */
		feed_body(p, data + body_off, len - body_off);
	}
	return pf_pipeline_eom(p);
}
