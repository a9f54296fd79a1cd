/*
 * NAME
 *	check_links - deceptive and risky links in text and HTML parts
 * SYNOPSIS
 *	extern const pf_check pf_check_links;
 * DESCRIPTION
 *	Links come from HTML anchors (href and the visible text) and from
 *	URLs written in text/plain parts.  The HTML is tokenized by hand
 *	(anchors only, bounded): a full HTML parser buys nothing for
 *	href/text pairs and would add a dependency to every message.
 *	Findings, each scored once per message with the first example:
 *	  links.mismatch	visible text shows one domain, the target is
 *				another organisational domain (PSL);
 *	  links.ip-literal	the target host is an IP address;
 *	  links.script		a javascript: or data: target;
 *	  links.shortener	the target is a URL shortener ([links]
 *				shorteners);
 *	  links.many		more than max_links links.
 *	A user@ part in front of the host (http://bank.example@evil.test/)
 *	is skipped, as browsers do.
 */
#include <string.h>

#include <gio/gio.h>
#include <libpsl.h>

#include "check.h"
#include "dmarc.h"
#include "textparts.h"

#define MAX_LINKS_LOOKED_AT 10000

typedef struct link_findings {
	bool mismatch, ip, script, shortener;
	unsigned count;
} link_findings;

/* Host of an http(s) URL, lower-case, without user@ and port; or NULL. */
static char *
url_host(const char *url)
{
	const char *p = strstr(url, "://"), *end, *at;

	if (p == NULL)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?#\"' <>");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {	/* IPv6 literal */
		const char *rb = memchr(p, ']', (size_t)(end - p));

		return rb ? g_ascii_strdown(p, rb - p + 1) : NULL;
	}
	end = p + strcspn(p, ":/?#\"' <>");
	return end > p ? g_ascii_strdown(p, end - p) : NULL;
}

static bool
is_ip(const char *host)
{
	GInetAddress *a;

	if (host[0] == '[')
		return true;
	if ((a = g_inet_address_new_from_string(host)) == NULL)
		return false;
	g_object_unref(a);
	return true;
}

static char *
org_of(const char *host)
{
	static const psl_ctx_t *psl;
	const char *reg;

	if (psl == NULL)
		psl = psl_builtin();	/* thread-safe, static data */
	if (psl == NULL || (reg = psl_registrable_domain(psl, host)) == NULL)
		return g_strdup(host);
	return g_strdup(reg);
}

/* Compiled once, shared by every thread (GRegex matching is thread-safe). */
static GRegex *
regex_once(GRegex **slot, const char *pattern, GRegexCompileFlags flags)
{
	static GMutex lock;
	GRegex *re;

	if ((re = g_atomic_pointer_get(slot)) != NULL)
		return re;
	g_mutex_lock(&lock);
	if ((re = *slot) == NULL) {
		re = g_regex_new(pattern, flags | G_REGEX_RAW |
				 G_REGEX_OPTIMIZE, 0, NULL);
		g_atomic_pointer_set(slot, re);
	}
	g_mutex_unlock(&lock);
	return re;
}

static GRegex *shown_re, *anchor_re, *url_re;

/* A domain shown in link text ("www.bank.example", "https://x.y/..."). */
static char *
shown_domain(const char *text)
{
	GRegex *re = regex_once(&shown_re, "(?:https?://)?((?:[a-z0-9-]+\\.)+"
	    "[a-z]{2,})(?:[/:]|\\s|$)", G_REGEX_CASELESS);
	GMatchInfo *mi = NULL;
	char *d = NULL;

	if (re && g_regex_match(re, text, 0, &mi)) {
		gchar *m = g_match_info_fetch(mi, 1);

		d = g_ascii_strdown(m, -1);
		g_free(m);
	}
	if (mi)
		g_match_info_free(mi);
	return d;
}

static void
finding(pf_message *msg, const char *code, unsigned long points,
	const char *what, const char *url)
{
	pf_result *r;

	if (points == 0)
		return;
	r = pf_result_add(msg, PF_CHECK_LINKS, code, PF_ACTION_NONE,
			  (int)points, "550", "5.7.1");
	pf_result_text(r, "%s: %.200s", what, url);
	pf_result_fix(r, "Link to the real destination with its own name as "
		      "the link text, without shorteners or IP addresses");
	pf_result_fact(r, "url", "%.200s", url);
}

static void
look_at_link(pf_message *msg, link_findings *f, const char *href,
	     const char *text)
{
	const pf_links_conf *lc = &msg->cfg->links;
	char *host, *trimmed = g_strstrip(g_strdup(href));

	f->count++;
	if (!f->script && (g_ascii_strncasecmp(trimmed, "javascript:", 11) == 0
	    || g_ascii_strncasecmp(trimmed, "data:", 5) == 0)) {
		f->script = true;
		finding(msg, "links.script", lc->script_score,
			"A link runs a script or embeds data", trimmed);
	}
	if ((host = url_host(trimmed)) != NULL) {
		if (!f->ip && is_ip(host)) {
			f->ip = true;
			finding(msg, "links.ip-literal", lc->ip_score,
				"A link points to an IP address", trimmed);
		}
		if (!f->shortener && lc->shorteners) {
			gchar **list = g_strsplit_set(lc->shorteners, " ,\t", -1);

			for (gchar **s = list; *s && !f->shortener; s++)
				if (**s && strcmp(host, *s) == 0) {
					f->shortener = true;
					finding(msg, "links.shortener",
					    lc->shortener_score, "A link goes "
					    "through a URL shortener", trimmed);
				}
			g_strfreev(list);
		}
		if (!f->mismatch && text) {
			char *shown = shown_domain(text);

			if (shown && !is_ip(host)) {
				char *a = org_of(shown), *b = org_of(host);

				if (strcmp(a, b) != 0) {
					char *what = g_strdup_printf("A link "
					    "shows %s but goes to %s", shown,
					    host);

					f->mismatch = true;
					finding(msg, "links.mismatch",
					    lc->mismatch_score, what, trimmed);
					g_free(what);
				}
				g_free(a);
				g_free(b);
			}
			g_free(shown);
		}
		g_free(host);
	}
	g_free(trimmed);
}

static void
html_links(pf_message *msg, link_findings *f, const char *html)
{
	GRegex *re = regex_once(&anchor_re, "<a\\s[^>]*?href\\s*=\\s*"
	    "(?:\"([^\"]*)\"|'([^']*)'|([^\\s>]+))[^>]*>(.*?)</a\\s*>",
	    G_REGEX_CASELESS | G_REGEX_DOTALL);
	GMatchInfo *mi = NULL;

	if (re == NULL)
		return;
	g_regex_match(re, html, 0, &mi);
	while (g_match_info_matches(mi) && f->count < MAX_LINKS_LOOKED_AT) {
		gchar *href = NULL, *inner = g_match_info_fetch(mi, 4), *text;

		for (int i = 1; i <= 3 && (href == NULL || *href == '\0'); i++) {
			g_free(href);
			href = g_match_info_fetch(mi, i);
		}
		text = pf_html_strip(inner ? inner : "");
		look_at_link(msg, f, href ? href : "", text);
		g_free(text);
		g_free(inner);
		g_free(href);
		g_match_info_next(mi, NULL);
	}
	g_match_info_free(mi);
}

static void
text_links(pf_message *msg, link_findings *f, const char *plain)
{
	GRegex *re = regex_once(&url_re, "https?://[^\\s<>\"')]+",
				G_REGEX_CASELESS);
	GMatchInfo *mi = NULL;

	if (re == NULL)
		return;
	g_regex_match(re, plain, 0, &mi);
	while (g_match_info_matches(mi) && f->count < MAX_LINKS_LOOKED_AT) {
		gchar *url = g_match_info_fetch(mi, 0);

		look_at_link(msg, f, url, NULL);
		g_free(url);
		g_match_info_next(mi, NULL);
	}
	g_match_info_free(mi);
}

static void
links_run(pf_message *msg, pf_stage stage)
{
	GString *plain = g_string_new(NULL), *html = g_string_new(NULL);
	link_findings f = {0};
	unsigned images;
	pf_result *r;

	if (stage != PF_STAGE_EOM)
		return;
	pf_text_collect(msg, plain, html, &images);
	html_links(msg, &f, html->str);
	text_links(msg, &f, plain->str);
	if (msg->cfg->links.max_links && f.count > msg->cfg->links.max_links &&
	    msg->cfg->links.many_score) {
		r = pf_result_add(msg, PF_CHECK_LINKS, "links.many",
		    PF_ACTION_NONE, (int)msg->cfg->links.many_score, "550",
		    "5.7.1");
		pf_result_text(r, "The message has %u links (more than %lu)",
			       f.count, msg->cfg->links.max_links);
		pf_result_fix(r, "Send fewer links, or a landing page");
	}
	g_string_free(plain, TRUE);
	g_string_free(html, TRUE);
}

static pf_mode *
links_mode(pf_config *cfg)
{
	return &cfg->links.mode;
}

const pf_check pf_check_links = {
	.id = PF_CHECK_LINKS,
	.name = "links",
	.stages = PF_STAGE_BODY | PF_STAGE_EOM,
	.mode = links_mode,
	.run = links_run,
};
