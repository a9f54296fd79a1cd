/*
 * NAME
 *	check_links - links in the text and HTML parts
 * SYNOPSIS
 *	extern const pf_check pf_check_links;
 *	void pf_links_extract(const char *text, bool html, GPtrArray *out);
 * DESCRIPTION
 *	At end of message the inline text/plain and text/html parts of the
 *	shared parse (mime.h) are searched for links: http, https and www.
 *	URLs in plain text, <a href> anchors with their visible text in
 *	HTML.  HTML is read by a small tokenizer, not an HTML parser
 *	library: only href attributes and the text up to </a> matter, the
 *	input is hostile, and a tokenizer that looks at each byte a bounded
 *	number of times cannot be driven into quadratic work or deep
 *	recursion the way a tree builder can.
 *
 *	Each rule reports once per message with the number of links that
 *	broke it, the first example and the part it is in:
 *	links.text-mismatch (mismatch_score): the visible text of an anchor
 *	is a domain or URL whose registrable domain differs from the
 *	target's; links.ip-literal: the target host is an IP address;
 *	links.script-target: a javascript:, vbscript: or data: target;
 *	links.shortener: the target is at a URL shortener of the shorteners
 *	list; links.too-many: more than max_links distinct targets.
 *
 *	pf_links_extract() appends pf_link items (href and, for anchors, the
 *	visible text) to out, whose free function must be pf_link_free; it is
 *	exported for the tests and the fuzzer.
 */
#include <string.h>

#include <libpsl.h>

#include "content/content.h"
#include "content/mime.h"

#define LINKS_MAX_PER_PART 10000
#define LINK_TEXT_MAX 300

typedef struct pf_link {
	char *href;
	char *text;	/* anchors only, else NULL */
} pf_link;

void pf_links_extract(const char *text, bool html, GPtrArray *out);
void pf_link_free(gpointer p);

void
pf_link_free(gpointer p)
{
	pf_link *l = p;

	g_free(l->href);
	g_free(l->text);
	g_free(l);
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Decode the few entities that matter for URLs and domains. */
static void
append_decoded(GString *out, const char *p, const char *end, size_t max)
{
	while (p < end && out->len < max) {
		if (*p == '&') {
			const char *semi = memchr(p, ';', (size_t)MIN(end - p,
								      10));

			if (semi) {
				size_t n = (size_t)(semi - p);
				gunichar ch = 0;

				if (n == 4 && strncmp(p, "&amp", 4) == 0)
					ch = '&';
				else if (n == 3 && strncmp(p, "&lt", 3) == 0)
					ch = '<';
				else if (n == 3 && strncmp(p, "&gt", 3) == 0)
					ch = '>';
				else if (n == 5 && strncmp(p, "&quot", 5) == 0)
					ch = '"';
				else if (n == 5 && strncmp(p, "&nbsp", 5) == 0)
					ch = ' ';
				else if (n > 2 && p[1] == '#')
					ch = (gunichar)(p[2] == 'x' ||
					    p[2] == 'X' ?
					    strtoul(p + 3, NULL, 16) :
					    strtoul(p + 2, NULL, 10));
				if (ch > 0 && ch < 0x80) {
					g_string_append_c(out, (char)ch);
					p = semi + 1;
					continue;
				}
			}
		}
		g_string_append_c(out, *p++);
	}
}

/* Visible text between p and end: tags dropped, blanks collapsed. */
static char *
visible_text(const char *p, const char *end)
{
	GString *raw = g_string_new(NULL), *out = g_string_new(NULL);
	const char *q = p;
	bool space = true;

	while (q < end && raw->len < (size_t)LINK_TEXT_MAX * 2) {
		if (*q == '<') {
			const char *gt = memchr(q, '>', (size_t)(end - q));

			if (gt == NULL)
				break;
			q = gt + 1;
			g_string_append_c(raw, ' ');
			continue;
		}
		g_string_append_c(raw, *q++);
	}
	g_string_truncate(out, 0);
	{
		GString *dec = g_string_new(NULL);

		append_decoded(dec, raw->str, raw->str + raw->len,
			       (size_t)LINK_TEXT_MAX * 2);
		for (const char *s = dec->str; *s && out->len < LINK_TEXT_MAX;
		     s++) {
			if (is_space(*s)) {
				if (!space)
					g_string_append_c(out, ' ');
				space = true;
			} else {
				g_string_append_c(out, *s);
				space = false;
			}
		}
		g_string_free(dec, TRUE);
	}
	if (out->len && out->str[out->len - 1] == ' ')
		g_string_truncate(out, out->len - 1);
	g_string_free(raw, TRUE);
	return g_string_free(out, FALSE);
}

/* Next "<" + word (case-insensitive) at or after p, or NULL. */
static const char *
find_tag(const char *p, const char *word)
{
	size_t len = strlen(word);

	for (p = strchr(p, '<'); p; p = strchr(p + 1, '<'))
		if (g_ascii_strncasecmp(p + 1, word, len) == 0)
			return p;
	return NULL;
}

/* Parse the attributes of a tag from p (after its name); return the
 * href value (owned) or NULL, and set *after past the closing ">". */
static char *
tag_href(const char *p, const char **after)
{
	char *href = NULL;

	while (*p && *p != '>') {
		const char *name, *val = NULL;
		size_t nlen, vlen = 0;

		while (is_space(*p) || *p == '/')
			p++;
		name = p;
		while (*p && !is_space(*p) && *p != '=' && *p != '>' &&
		       *p != '/')
			p++;
		nlen = (size_t)(p - name);
		while (is_space(*p))
			p++;
		if (*p == '=') {
			p++;
			while (is_space(*p))
				p++;
			if (*p == '"' || *p == '\'') {
				char quote = *p++;
				const char *close = strchr(p, quote);

				val = p;
				vlen = close ? (size_t)(close - p) : strlen(p);
				p = close ? close + 1 : p + vlen;
			} else {
				val = p;
				while (*p && !is_space(*p) && *p != '>')
					p++;
				vlen = (size_t)(p - val);
			}
		} else if (nlen == 0 && *p && *p != '>') {
			p++;	/* stray byte: move on */
		}
		if (val && href == NULL && nlen == 4 &&
		    g_ascii_strncasecmp(name, "href", 4) == 0) {
			GString *h = g_string_new(NULL);

			append_decoded(h, val, val + vlen, 8192);
			href = g_strstrip(g_string_free(h, FALSE));
		}
	}
	*after = *p ? p + 1 : p;
	return href;
}

static void
add_link(GPtrArray *out, char *href, char *text)
{
	pf_link *l = g_new0(pf_link, 1);

	l->href = href;
	l->text = text;
	g_ptr_array_add(out, l);
}

static void
html_links(const char *html, GPtrArray *out)
{
	const char *p = html;
	unsigned n = 0;

	while ((p = find_tag(p, "a")) != NULL && n < LINKS_MAX_PER_PART) {
		const char *after, *close;
		char *href;

		if (!is_space(p[2]) && p[2] != '/' && p[2] != '>') {
			p += 2;		/* <abbr>, <area>... */
			continue;
		}
		href = tag_href(p + 2, &after);
		if (href == NULL) {
			p = after;
			continue;
		}
		close = find_tag(after, "/a");
		if (close == NULL)
			close = after + strlen(after);
		add_link(out, href, visible_text(after, close));
		n++;
		p = close;
		if (*p == '\0')
			break;
	}
}

static void
text_links(const char *text, GPtrArray *out)
{
	const char *p = text;
	unsigned n = 0;

	while (*p && n < LINKS_MAX_PER_PART) {
		const char *start = NULL, *q;

		/* strpbrk: glibc's vectorised scan to the next h or w */
		for (q = strpbrk(p, "hHwW"); q; q = strpbrk(q + 1, "hHwW"))
			if (((*q | 0x20) == 'h' &&
			     (g_ascii_strncasecmp(q, "http://", 7) == 0 ||
			      g_ascii_strncasecmp(q, "https://", 8) == 0)) ||
			    ((*q | 0x20) == 'w' &&
			     g_ascii_strncasecmp(q, "www.", 4) == 0 &&
			     (q == text || !g_ascii_isalnum(q[-1])))) {
				start = q;
				break;
			}
		if (start == NULL)
			break;
		for (q = start; *q && !is_space(*q) && *q != '<' && *q != '>' &&
		     *q != '"' && *q != '\''; q++)
			;
		/* trailing punctuation belongs to the sentence */
		while (q > start && strchr(".,;:!?)]", q[-1]))
			q--;
		if (q - start > 4) {
			add_link(out, *start == 'w' || *start == 'W' ?
			    g_strdup_printf("http://%.*s", (int)(q - start),
					    start) :
			    g_strndup(start, (gsize)(q - start)), NULL);
			n++;
		}
		p = q > start ? q : start + 1;
	}
}

void
pf_links_extract(const char *text, bool html, GPtrArray *out)
{
	if (text == NULL)
		return;
	if (html)
		html_links(text, out);
	else
		text_links(text, out);
}

/* Scheme of a URL, lower case, into buf (16 bytes); "" when none. */
static void
url_scheme(const char *url, char *buf)
{
	size_t i = 0;

	*buf = '\0';
	while (*url == ' ')
		url++;
	for (; i < 15 && url[i] && (g_ascii_isalnum(url[i]) || url[i] == '+' ||
				    url[i] == '-' || url[i] == '.'); i++)
		buf[i] = g_ascii_tolower(url[i]);
	if (url[i] != ':')
		i = 0;
	buf[i] = '\0';
}

/* Host of an http(s) URL, lower case, owned; NULL when none. */
static char *
url_host(const char *url)
{
	const char *p = strstr(url, "://"), *end, *at;
	char *host;
	size_t len;

	if (p == NULL)
		return NULL;
	p += 3;
	end = p + strcspn(p, "/?#\\");
	/* user information ends at the last "@" of the authority */
	for (at = p; at < end; at++)
		if (*at == '@')
			p = at + 1;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		len = close ? (size_t)(close - p) + 1 : (size_t)(end - p);
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));

		len = (size_t)((colon ? colon : end) - p);
	}
	if (len == 0 || len > 255)
		return NULL;
	host = g_ascii_strdown(p, (gssize)len);
	while (*host && host[strlen(host) - 1] == '.')
		host[strlen(host) - 1] = '\0';
	if (*host == '\0') {
		g_free(host);
		return NULL;
	}
	return host;
}

static bool
host_is_ip(const char *host)
{
	bool digits_dots = true;

	if (*host == '[')
		return true;
	for (const char *p = host; *p; p++)
		if (!g_ascii_isdigit(*p) && *p != '.')
			digits_dots = false;
	if (digits_dots)
		return true;
	/* 0x7f000001 and friends */
	return g_ascii_strncasecmp(host, "0x", 2) == 0 &&
	    strspn(host + 2, "0123456789abcdefABCDEF.x") == strlen(host + 2);
}

static bool
is_shortener(GHashTable *set, const char *host)
{
	for (const char *d = host; d; d = strchr(d, '.')) {
		if (*d == '.')
			d++;
		if (pf_word_set_has(set, d))
			return true;
	}
	return false;
}

/*
 * The domain the visible text of an anchor names, when that text as a
 * whole is a URL or a domain name under a real public suffix; owned.
 */
static char *
text_domain(const char *text)
{
	char *t, *s, *domain = NULL;
	const char *tld;

	if (text == NULL || *text == '\0' || strchr(text, ' '))
		return NULL;
	t = g_ascii_strdown(text, -1);
	s = t;
	if (strncmp(s, "http://", 7) == 0)
		s += 7;
	else if (strncmp(s, "https://", 8) == 0)
		s += 8;
	s[strcspn(s, "/?#:")] = '\0';
	while (*s && s[strlen(s) - 1] == '.')
		s[strlen(s) - 1] = '\0';
	if (strchr(s, '.') && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789"
				     ".-") == strlen(s)) {
		tld = strrchr(s, '.') + 1;
		if (strlen(tld) >= 2 && strspn(tld, "abcdefghijklmnopqrstuvwxyz"
						   "-") == strlen(tld) &&
		    psl_is_public_suffix2(psl_builtin(), tld,
			PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
			domain = g_strdup(s);
	}
	g_free(t);
	return domain;
}

typedef struct rule_hit {
	unsigned count;
	char *example;		/* owned */
	char *extra;		/* owned: the text's domain for mismatches */
	const char *part;	/* label, borrowed from the parse */
} rule_hit;

enum { HIT_MISMATCH, HIT_IP, HIT_SCRIPT, HIT_SHORT, HIT_COUNT };

static void
hit(rule_hit *h, const char *example, const char *extra, const char *part)
{
	if (h->count++ == 0) {
		h->example = g_strndup(example, 200);
		h->extra = extra ? g_strdup(extra) : NULL;
		h->part = part;
	}
}

static void
examine_link(const pf_links_conf *lc, const pf_link *l, const char *part,
	     rule_hit *hits)
{
	char scheme[16], *host, *tdom;

	url_scheme(l->href, scheme);
	if (strcmp(scheme, "javascript") == 0 ||
	    strcmp(scheme, "vbscript") == 0 || strcmp(scheme, "data") == 0) {
		hit(&hits[HIT_SCRIPT], l->href, scheme, part);
		return;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		return;
	if ((host = url_host(l->href)) == NULL)
		return;
	if (host_is_ip(host))
		hit(&hits[HIT_IP], l->href, host, part);
	else if (is_shortener(lc->shortener_set, host))
		hit(&hits[HIT_SHORT], l->href, host, part);
	if (!host_is_ip(host) && (tdom = text_domain(l->text)) != NULL) {
		if (strcmp(pf_org_domain(tdom), pf_org_domain(host)) != 0) {
			char *both = g_strdup_printf("%s|%s", tdom, host);

			hit(&hits[HIT_MISMATCH], l->href, both, part);
			g_free(both);
		}
		g_free(tdom);
	} else if (host_is_ip(host) && (tdom = text_domain(l->text))) {
		char *both = g_strdup_printf("%s|%s", tdom, host);

		hit(&hits[HIT_MISMATCH], l->href, both, part);
		g_free(both);
		g_free(tdom);
	}
	g_free(host);
}

static void
report(pf_message *msg, const char *code, unsigned long score,
       const rule_hit *h, const char *what, const char *fix)
{
	pf_result *r;

	if (h->count == 0 || (r = pf_content_add(msg, PF_CHECK_LINKS, code,
	    PF_ACTION_NONE, (int)score, NULL, NULL)) == NULL)
		return;
	pf_result_text(r, "Links in %s %s (%u found), e.g. %s", h->part,
	    what, h->count, h->example);
	pf_result_fix(r, "%s", fix);
	pf_result_fact(r, "count", "%u", h->count);
	pf_result_fact(r, "example", "%s", h->example);
	pf_result_fact(r, "part", "%s", h->part);
}

static void
links_run(pf_message *msg, pf_stage stage)
{
	const pf_links_conf *lc = &msg->cfg->links;
	pf_mime *mime;
	GHashTable *distinct;
	rule_hit hits[HIT_COUNT];
	const char *count_part = NULL;
	pf_result *r;

	if (pf_content_check_off(msg, PF_CHECK_LINKS))
		return;
	mime = pf_mime_get(msg);
	memset(hits, 0, sizeof(hits));
	distinct = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					 NULL);
	for (guint i = 0; i < mime->parts->len; i++) {
		pf_mime_part *part = mime->parts->pdata[i];
		bool html = pf_mime_part_is_body_text(part, "html");
		GPtrArray *links;

		if (!html && !pf_mime_part_is_body_text(part, "plain"))
			continue;
		links = g_ptr_array_new_with_free_func(pf_link_free);
		pf_links_extract(pf_mime_part_text(part), html, links);
		for (guint j = 0; j < links->len; j++) {
			pf_link *l = links->pdata[j];

			examine_link(lc, l, pf_mime_part_name(part), hits);
			if (g_hash_table_size(distinct) <= lc->max_links + 1)
				g_hash_table_add(distinct, g_strdup(l->href));
		}
		if (links->len && count_part == NULL)
			count_part = pf_mime_part_name(part);
		g_ptr_array_free(links, TRUE);
	}
	if (hits[HIT_MISMATCH].count) {
		char *sep = strchr(hits[HIT_MISMATCH].extra, '|');

		*sep = '\0';
		if ((r = pf_content_add(msg, PF_CHECK_LINKS,
		    "links.text-mismatch", PF_ACTION_NONE,
		    (int)lc->mismatch_score, NULL, NULL))) {
			pf_result_text(r, "Links in %s show one domain and "
			    "lead to another (%u found): the text says %s, "
			    "the link goes to %s", hits[HIT_MISMATCH].part,
			    hits[HIT_MISMATCH].count,
			    hits[HIT_MISMATCH].extra, sep + 1);
			pf_result_fix(r, "Make the visible text of each link "
			    "the address it goes to, or plain words (\"Read "
			    "more\") instead of a domain name");
			pf_result_fact(r, "text_domain", "%s",
				       hits[HIT_MISMATCH].extra);
			pf_result_fact(r, "href_domain", "%s", sep + 1);
			pf_result_fact(r, "part", "%s",
				       hits[HIT_MISMATCH].part);
		}
	}
	report(msg, "links.ip-literal", lc->ip_literal_score, &hits[HIT_IP],
	    "go to a bare IP address", "Link to a host name of yours, not to "
	    "an IP address");
	report(msg, "links.script-target", lc->script_target_score,
	    &hits[HIT_SCRIPT], "run a script or embed data instead of "
	    "pointing to a page", "Use https links only; mail clients do not "
	    "run javascript: or data: links and filters treat them as attacks");
	report(msg, "links.shortener", lc->shortener_score, &hits[HIT_SHORT],
	    "go through a URL shortener", "Link to the real address: "
	    "shorteners hide the target and are widely abused");
	if (lc->max_links && g_hash_table_size(distinct) > lc->max_links &&
	    (r = pf_content_add(msg, PF_CHECK_LINKS, "links.too-many",
				PF_ACTION_NONE, (int)lc->too_many_score, NULL,
				NULL))) {
		pf_result_text(r, "The message has more than %lu distinct "
		    "links (in %s and later parts)", lc->max_links,
		    count_part ? count_part : "the text");
		pf_result_fix(r, "Send fewer links, or link to one page that "
		    "lists them");
		pf_result_fact(r, "limit", "%lu", lc->max_links);
	}
	for (unsigned i = 0; i < HIT_COUNT; i++) {
		g_free(hits[i].example);
		g_free(hits[i].extra);
	}
	g_hash_table_destroy(distinct);
}

static pf_mode *
links_mode(pf_config *cfg)
{
	return &cfg->links.mode;
}

static int
links_configure(pf_config *cfg, GString *err)
{
	if (cfg->links.shortener_set)
		g_hash_table_destroy(cfg->links.shortener_set);
	cfg->links.shortener_set = pf_word_set_new(cfg->links.shorteners);
	return 0;
}

static void
links_unconfigure(pf_config *cfg)
{
	if (cfg->links.shortener_set)
		g_hash_table_destroy(cfg->links.shortener_set);
	cfg->links.shortener_set = NULL;
}

const pf_check pf_check_links = {
	.id = PF_CHECK_LINKS,
	.name = "links",
	.stages = PF_STAGE_EOM,
	.mode = links_mode,
	.run = links_run,
	.configure = links_configure,
	.unconfigure = links_unconfigure,
};
