/*
 * NAME
 *	report_html - "preflight report --format html": one page, no network
 * SYNOPSIS
 *	int pf_report_html(pf_report *rep, FILE *out);
 * DESCRIPTION
 *	Writes the page of tools/report.html, compiled in as a C string
 *	(tools/report_tpl.h, made by the build) so the page is edited as
 *	HTML, is checked as one file and the binary needs no data file at
 *	run time.  Two places are filled in:
 *
 *	@DATA@ the summary of pf_report_json() with the refusal rows, in a
 *	<script type="application/json"> block that the page reads with
 *	JSON.parse; every "<" is written \u003c, so no text from the log
 *	can close the block.
 *
 *	@CSP@ the Content-Security-Policy: default-src 'none' (no fetch,
 *	image, font, frame or form target), and the SHA-256 hashes of the
 *	template's one <style> and one <script>, computed here, so only
 *	they run: markup that came in with a log record could not add a
 *	script even if the page inserted it as HTML (it does not).
 * DIAGNOSTICS
 *	-1 on a write error; a template without its markers is a build
 *	error, reported as a panic.
 */
#include <string.h>

#include "report.h"

/* "" first: a tool that cannot see the generated header still parses */
static const char template_text[] = ""
#include "tools/report_tpl.h"
    ;

/* 'sha256-...' of the text between open and close (first match) */
static char *
element_hash(const char *tpl, const char *open, const char *close)
{
	const char *a = strstr(tpl, open), *b;
	GChecksum *sum;
	guint8 digest[32];
	gsize len = sizeof(digest);
	char *b64, *out;

	if (!a || !(b = strstr(a += strlen(open), close)))
		g_error("report.html: no %s...%s", open, close);
	sum = g_checksum_new(G_CHECKSUM_SHA256);
	g_checksum_update(sum, (const guchar *)a, (gssize)(b - a));
	g_checksum_get_digest(sum, digest, &len);
	g_checksum_free(sum);
	b64 = g_base64_encode(digest, len);
	out = g_strdup_printf("'sha256-%s'", b64);
	g_free(b64);
	return out;
}

static bool
put(FILE *out, const char *s, size_t len)
{
	return fwrite(s, 1, len, out) == len;
}

int
pf_report_html(pf_report *rep, FILE *out)
{
	const char *tpl = template_text, *csp_at, *data_at;
	char *style = element_hash(tpl, "<style>", "</style>");
	char *script = element_hash(tpl, "<script>", "</script>");
	char *csp = g_strdup_printf("default-src 'none'; style-src %s; "
	    "script-src %s; img-src 'none'; base-uri 'none'; form-action "
	    "'none'", style, script);
	char *json = pf_report_json(rep, true);
	bool ok;

	csp_at = strstr(tpl, "@CSP@");
	data_at = strstr(tpl, "@DATA@");
	if (!csp_at || !data_at || data_at < csp_at)
		g_error("report.html: no @CSP@ or @DATA@");
	ok = put(out, tpl, (size_t)(csp_at - tpl)) && fputs(csp, out) >= 0;
	tpl = csp_at + strlen("@CSP@");
	ok = ok && put(out, tpl, (size_t)(data_at - tpl));
	for (const char *p = json; ok && *p; p++) {
		size_t run = strcspn(p, "<");

		ok = put(out, p, run);
		p += run;
		if (!*p)
			break;
		ok = ok && fputs("\\u003c", out) >= 0;
	}
	tpl = data_at + strlen("@DATA@");
	ok = ok && fputs(tpl, out) >= 0;
	g_free(json);
	g_free(csp);
	g_free(style);
	g_free(script);
	return ok && !ferror(out) ? 0 : -1;
}
