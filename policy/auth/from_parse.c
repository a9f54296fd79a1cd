/*
 * NAME
 *	from_parse - one strict reading of an author header (see
 *	from_parse.h)
 * DESCRIPTION
 *	Three passes over one header value: unfold() checks every byte
 *	(NUL, control bytes, bare CR or LF, 8-bit) and drops the folding;
 *	tokenize() cuts the rest into RFC 5322 tokens; read_value() splits
 *	at top-level commas and reads the one mailbox.  Every construct that
 *	mainstream parsers read differently is recorded with amb(); the
 *	reading goes on so that all of them are named.
 */
#include <string.h>

#include <gmime/gmime.h>
#include <idn2.h>

#include "auth/dmarc.h"		/* pf_gmime_init_once() */
#include "auth/from_parse.h"

typedef enum amb_class {
	A_SEMICOLON, A_COMMENT, A_GROUP, A_QUOTED_LOCAL, A_CONTROL, A_NUL,
	A_8BIT, A_ENCODED, A_OBSOLETE, A_ANGLE, A_TRAILING, A_BARE_WORDS,
	A_TRAILING_DOT, A_IDNA, A_UNTERMINATED, A_COMMA, A_PHRASE,
	A_COUNT
} amb_class;

static const struct {
	const char *tag;
	const char *fix;
} amb_table[A_COUNT] = {
	[A_SEMICOLON] = {"semicolon", "write one mailbox, Name "
	    "<user@example.com>, with no \";\" in it"},
	[A_COMMENT] = {"comment", "write the name before the address, Name "
	    "<user@example.com>, with no parentheses holding addresses"},
	[A_GROUP] = {"group", "write one mailbox, Name <user@example.com>, "
	    "not a group (\"name: ...;\")"},
	[A_QUOTED_LOCAL] = {"quoted-local", "use a plain local part, "
	    "without quotes, @ or <, as in user@example.com"},
	[A_CONTROL] = {"control", "remove control characters and bare CR "
	    "or LF from the header"},
	[A_NUL] = {"nul", "remove the NUL byte from the header"},
	[A_8BIT] = {"8bit", "encode a non-ASCII name with RFC 2047 (mail "
	    "programs do this), or send with SMTPUTF8"},
	[A_ENCODED] = {"encoded-address", "write the address in plain text "
	    "and keep @, < and > out of encoded names"},
	[A_OBSOLETE] = {"obsolete", "write the address without spaces, "
	    "routes or backslashes: user@example.com"},
	[A_ANGLE] = {"angle", "put exactly one pair of angle brackets "
	    "around the address"},
	[A_TRAILING] = {"trailing", "put nothing after the closing \">\""},
	[A_BARE_WORDS] = {"bare-words", "put the address in angle "
	    "brackets after the name: Name <user@example.com>"},
	[A_TRAILING_DOT] = {"trailing-dot", "write the domain without a "
	    "dot at the end"},
	[A_IDNA] = {"idna-mapping", "write the domain in its normal form "
	    "(lower case, no full-width or compatibility characters)"},
	[A_UNTERMINATED] = {"unterminated", "close every quote, "
	    "parenthesis and bracket"},
	[A_COMMA] = {"comma", "put a name holding a comma in quotes: "
	    "\"Last, First\" <user@example.com>"},
	[A_PHRASE] = {"phrase", "put the display name in quotes: \"Name\" "
	    "<user@example.com>"},
};

typedef enum tk_kind { TK_ATOM, TK_QSTR, TK_COMMENT, TK_DLIT, TK_SPECIAL }
    tk_kind;

typedef struct token {
	tk_kind kind;
	char c;			/* TK_SPECIAL */
	bool space;		/* whitespace before it */
	bool nested;		/* TK_COMMENT with a comment inside */
	bool escaped;		/* TK_QSTR with a quoted-pair */
	char *text;		/* atom, quoted or comment content */
} token;

typedef struct parse {
	pf_mailbox *out;
	unsigned flags;
	unsigned seen;		/* amb_class bits already reported */
	GArray *tk;		/* token */
} parse;

static void amb(parse *ps, amb_class c, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
amb(parse *ps, amb_class c, const char *fmt, ...)
{
	va_list ap;

	if (ps->seen & (1u << c))
		return;
	ps->seen |= 1u << c;
	if (ps->out->tag == NULL) {
		ps->out->tag = amb_table[c].tag;
		ps->out->fix = amb_table[c].fix;
	}
	if (ps->out->why->len)
		g_string_append(ps->out->why, "; ");
	va_start(ap, fmt);
	g_string_append_vprintf(ps->out->why, fmt, ap);
	va_end(ap);
}

static bool
is_wsp(int c)
{
	return c == ' ' || c == '\t';
}

static bool
is_special(int c)
{
	return c != '\0' && strchr("()<>[]:;@\\,.\"", c) != NULL;
}

/* Bytes checked, folding removed; the result is what gets tokenized. */
static GString *
unfold(parse *ps, const char *v, size_t len)
{
	GString *u = g_string_sized_new(len);
	bool eight = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '\0') {
			amb(ps, A_NUL, "a NUL byte at offset %zu: some "
			    "programs stop reading there, others read the "
			    "rest as more address", i);
		} else if (c == '\r' && i + 2 < len && v[i + 1] == '\n' &&
			   is_wsp(v[i + 2])) {
			i++;		/* folding */
		} else if (c == '\n' && i + 1 < len && is_wsp(v[i + 1])) {
			;		/* folding */
		} else if (c == '\r') {
			amb(ps, A_CONTROL, "a bare CR at offset %zu, which "
			    "other parsers take as the end of the line", i);
		} else if (c == '\n') {
			amb(ps, A_CONTROL, "a line break at offset %zu not "
			    "followed by a space (a new header line for "
			    "other parsers)", i);
		} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
			amb(ps, A_CONTROL, "the control byte 0x%02x at "
			    "offset %zu", c, i);
		} else {
			eight |= c >= 0x80;
			g_string_append_c(u, (char)c);
		}
	}
	/* without SMTPUTF8, 8-bit names are read as shown (from_look.c);
	 * 8-bit addresses are refused in read_addr_spec() */
	if (eight && (ps->flags & PF_ADDR_SMTPUTF8) &&
	    !g_utf8_validate(u->str, (gssize)u->len, NULL))
		amb(ps, A_8BIT, "8-bit bytes that are not UTF-8 in a message "
		    "sent with SMTPUTF8");
	return u;
}

static void
token_clear(gpointer p)
{
	g_free(((token *)p)->text);
}

/* Quoted string or comment content from s[*i] (the opening char). */
static char *
read_delimited(parse *ps, const char *s, size_t n, size_t *i, token *t)
{
	GString *q = g_string_new(NULL);
	char open = s[*i], close = open == '"' ? '"' : open == '(' ? ')' : ']';
	unsigned depth = 1;
	size_t j = *i + 1;

	for (; j < n; j++) {
		if (s[j] == '\\' && j + 1 < n && open != '[') {
			t->escaped = true;
			g_string_append_c(q, s[++j]);
			continue;
		}
		if (open == '(' && s[j] == '(') {
			depth++;
			t->nested = true;
		} else if (s[j] == close && --depth == 0) {
			break;
		}
		g_string_append_c(q, s[j]);
	}
	if (j >= n)
		amb(ps, A_UNTERMINATED, "a %c that is never closed", open);
	*i = j < n ? j + 1 : n;
	return g_string_free(q, FALSE);
}

/* End of "=?charset?enc?text?=" from s[i], or i when it is not one. */
static size_t
encoded_word_end(const char *s, size_t n, size_t i)
{
	unsigned q = 0;

	for (size_t j = i + 2; j < n && !is_wsp(s[j]); j++) {
		if (s[j] != '?')
			continue;
		if (++q == 3 && j + 1 < n && s[j + 1] == '=')
			return j + 2;
	}
	return i;
}

static void
tokenize(parse *ps, const char *s, size_t n)
{
	bool space = false;
	size_t i = 0;

	while (i < n) {
		token t = {0};
		char c = s[i];

		if (is_wsp(c)) {
			space = true;
			i++;
			continue;
		}
		t.space = space;
		space = false;
		if (c == '"' || c == '(' || c == '[') {
			t.kind = c == '"' ? TK_QSTR : c == '(' ? TK_COMMENT :
			    TK_DLIT;
			t.text = read_delimited(ps, s, n, &i, &t);
		} else if (is_special(c)) {
			t.kind = TK_SPECIAL;
			t.c = c;
			i++;
			if (c == ')' || c == ']')
				amb(ps, A_UNTERMINATED, "a %c without its "
				    "opening pair", c);
			else if (c == '\\')
				amb(ps, A_OBSOLETE, "a backslash outside "
				    "quotes");
		} else {
			size_t j = i;

			/* an encoded word is one atom even with '.' inside */
			if (c == '=' && i + 1 < n && s[i + 1] == '?')
				j = encoded_word_end(s, n, i);
			while (j < n && !is_wsp(s[j]) && !is_special(s[j]))
				j++;
			t.kind = TK_ATOM;
			t.text = g_strndup(s + i, j - i);
			i = j;
		}
		g_array_append_val(ps->tk, t);
	}
}

static token *
tk_at(const parse *ps, guint i)
{
	return &g_array_index(ps->tk, token, i);
}

static bool
is_sp(const token *t, char c)
{
	return t->kind == TK_SPECIAL && t->c == c;
}

static bool
has_encoded_word(const char *s)
{
	const char *b = s ? strstr(s, "=?") : NULL;

	return b && strstr(b + 2, "?=") != NULL;
}

/* A word that reads as a domain: letters, digits, '-', a dot, a TLD. */
static bool
looks_like_domain(const char *w)
{
	const char *dot = strrchr(w, '.');

	if (dot == NULL || dot == w || !g_ascii_isalpha(dot[1]) ||
	    !g_ascii_isalpha(dot[2]))
		return false;
	for (const char *p = w; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.' &&
		    (unsigned char)*p < 0x80)
			return false;
	return true;
}

static bool
text_names_address(const char *text)
{
	gchar **w;
	bool found = false;

	if (strpbrk(text, "@<>") != NULL)
		return true;
	w = g_strsplit_set(text, " \t,;:\"'", -1);
	for (gchar **p = w; *p && !found; p++) {
		gsize l = strlen(*p);

		while (l > 0 && (*p)[l - 1] == '.')
			(*p)[--l] = '\0';
		found = looks_like_domain(*p);
	}
	g_strfreev(w);
	return found;
}

/* Comments: inside the address never; outside only plain text. */
static void
read_comments(parse *ps, guint a, guint b, guint in_lo, guint in_hi,
	      GString *display)
{
	for (guint i = a; i < b; i++) {
		const token *t = tk_at(ps, i);
		char *dec;

		if (t->kind != TK_COMMENT)
			continue;
		if (i > in_lo && i < in_hi) {
			amb(ps, A_COMMENT, "a comment (%s) inside the "
			    "address", t->text);
			continue;
		}
		if (t->nested) {
			amb(ps, A_COMMENT, "nested comments (%s)", t->text);
			continue;
		}
		dec = g_mime_utils_header_decode_text(NULL, t->text);
		if (text_names_address(dec))
			amb(ps, A_COMMENT, "a comment (%s) holding an "
			    "address or domain, which other parsers show as "
			    "the name", dec);
		if (display->len)
			g_string_append_c(display, ' ');
		g_string_append(display, dec);
		g_free(dec);
	}
}

/* The phrase before '<': atoms, dots and quoted strings, decoded. */
static void
read_phrase(parse *ps, guint a, guint b, GString *display)
{
	GString *raw = g_string_new(NULL);
	bool encoded = false;
	char *dec;

	for (guint i = a; i < b; i++) {
		const token *t = tk_at(ps, i);

		if (t->kind == TK_COMMENT)
			continue;
		if (raw->len && t->space)
			g_string_append_c(raw, ' ');
		if (t->kind == TK_ATOM || t->kind == TK_QSTR) {
			g_string_append(raw, t->text);
			encoded |= has_encoded_word(t->text);
		} else if (is_sp(t, '.')) {
			g_string_append_c(raw, '.');
		} else {
			amb(ps, A_PHRASE, "an unquoted \"%c\" in the display "
			    "name", t->kind == TK_DLIT ? '[' : t->c);
		}
	}
	dec = g_mime_utils_header_decode_text(NULL, raw->str);
	if (encoded && strpbrk(dec, "@<>") != NULL)
		amb(ps, A_ENCODED, "an encoded word in the name that "
		    "decodes to address syntax (%s)", dec);
	for (const char *p = dec; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t') {
			amb(ps, A_CONTROL, "an encoded word in the name that "
			    "decodes to control characters");
			break;
		}
	g_string_prepend(display, dec);
	g_free(dec);
	g_string_free(raw, TRUE);
}

static bool
local_quoted_ok(parse *ps, const token *t)
{
	if (strpbrk(t->text, "@<>,;:()\\\"") != NULL || t->escaped) {
		amb(ps, A_QUOTED_LOCAL, "a quoted local part \"%s\" holding "
		    "address syntax", t->text);
		return false;
	}
	return true;
}

static bool
has_8bit(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* Tokens [a, b) as local@domain; sets out's address fields. */
static void
read_addr_spec(parse *ps, guint a, guint b, bool angle)
{
	pf_mailbox *out = ps->out;
	GString *local = g_string_new(NULL), *dom = g_string_new(NULL);
	guint at = b, nat = 0;
	bool bad_domain = false;

	for (guint i = a; i < b; i++)
		if (tk_at(ps, i)->kind != TK_COMMENT && is_sp(tk_at(ps, i), '@')) {
			nat++;
			at = i;
		}
	if (nat > 1)
		amb(ps, A_OBSOLETE, "%u @ signs in the address", nat);
	if (at + 1 < b && at > a && (tk_at(ps, at)->space ||
				     tk_at(ps, at + 1)->space))
		amb(ps, A_OBSOLETE, "spaces around the @ of the address");
	for (guint i = a; i < at; i++) {
		const token *t = tk_at(ps, i);

		if (t->kind == TK_COMMENT)
			continue;
		if (local->len && t->space)
			amb(ps, angle ? A_OBSOLETE : A_BARE_WORDS, angle ?
			    "spaces inside the address" : "words before the "
			    "address without angle brackets");
		if (t->kind == TK_QSTR) {
			(void)local_quoted_ok(ps, t);
			g_string_append(local, t->text);
		} else if (t->kind == TK_ATOM) {
			if (has_encoded_word(t->text))
				amb(ps, A_ENCODED, "an encoded word in the "
				    "address (%s)", t->text);
			g_string_append(local, t->text);
		} else if (is_sp(t, '.')) {
			g_string_append_c(local, '.');
		} else if (!is_sp(t, '@')) {
			amb(ps, angle ? A_OBSOLETE : A_PHRASE, "an unquoted "
			    "\"%c\" in the address", t->kind == TK_DLIT ?
			    '[' : t->c);
		}
	}
	for (guint i = at + 1; i < b; i++) {
		const token *t = tk_at(ps, i);

		if (t->kind == TK_COMMENT)
			continue;
		if (dom->len && t->space)
			amb(ps, A_OBSOLETE, "spaces inside the domain");
		if (t->kind == TK_ATOM) {
			if (has_encoded_word(t->text))
				amb(ps, A_ENCODED, "an encoded word in the "
				    "domain (%s)", t->text);
			g_string_append(dom, t->text);
		} else if (is_sp(t, '.')) {
			if (dom->len == 0 || dom->str[dom->len - 1] == '.')
				bad_domain = true;
			g_string_append_c(dom, '.');
		} else {
			bad_domain = true;	/* literal, quotes, specials */
		}
	}
	if ((ps->flags & PF_ADDR_SMTPUTF8) == 0 &&
	    (has_8bit(local->str) || has_8bit(dom->str)))
		amb(ps, A_8BIT, "raw 8-bit bytes in the address of a message "
		    "not sent with SMTPUTF8 (each receiver guesses their "
		    "meaning)");
	if (dom->len && dom->str[dom->len - 1] == '.') {
		amb(ps, A_TRAILING_DOT, "a dot at the end of the domain "
		    "(%s)", dom->str);
		g_string_truncate(dom, dom->len - 1);
	}
	if (local->len)
		out->local = g_strdup(local->str);
	/* Bytes that are not UTF-8 are no domain; and g_utf8_strdown()
	 * would read past the end of them. */
	if (!g_utf8_validate(dom->str, (gssize)dom->len, NULL))
		bad_domain = true;
	if (at < b && dom->len && !bad_domain)
		out->domain = g_utf8_strdown(dom->str, -1);
	g_string_free(local, TRUE);
	g_string_free(dom, TRUE);
}

/* One mailbox from tokens [a, b) (no top-level comma inside). */
static void
read_mailbox(parse *ps, guint a, guint b)
{
	guint lt = b, gt = b, nlt = 0, ngt = 0, first = b, last = a;
	GString *display = g_string_new(NULL);

	for (guint i = a; i < b; i++) {
		const token *t = tk_at(ps, i);

		if (t->kind == TK_COMMENT)
			continue;
		if (first == b)
			first = i;
		last = i;
		if (is_sp(t, '<') && nlt++ == 0)
			lt = i;
		if (is_sp(t, '>') && ngt++ == 0)
			gt = i;
	}
	if (nlt > 1 || ngt > 1 || nlt != ngt || (nlt && gt < lt)) {
		amb(ps, A_ANGLE, "%u \"<\" and %u \">\" in one mailbox",
		    nlt, ngt);
	} else if (nlt == 1) {
		read_phrase(ps, a, lt, display);
		read_addr_spec(ps, lt + 1, gt, true);
		read_comments(ps, a, b, lt, gt, display);
		for (guint i = gt + 1; i < b; i++)
			if (tk_at(ps, i)->kind != TK_COMMENT) {
				amb(ps, A_TRAILING, "text after the closing "
				    "\">\"");
				break;
			}
	} else if (first < b) {
		read_addr_spec(ps, first, last + 1, false);
		read_comments(ps, a, b, first, last, display);
	}
	ps->out->display = g_string_free(display, FALSE);
}

/* Lower-case, UTS #46 non-transitional, STD3 rules: the A-label form. */
char *
pf_domain_to_ascii(const char *domain)
{
	char *out = NULL, *res;
	int flags = IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL |
	    IDN2_USE_STD3_ASCII_RULES;

	if (domain == NULL || *domain == '\0' ||
	    idn2_lookup_u8((const uint8_t *)domain, (uint8_t **)&out,
			   flags) != IDN2_OK)
		return NULL;
	res = g_ascii_strdown(out, -1);
	idn2_free(out);
	return res;
}

static bool
ascii_domain_ok(const char *d)
{
	size_t label = 0;

	if (strlen(d) > 253 || strchr(d, '.') == NULL || *d == '.')
		return false;
	for (; *d; d++) {
		if (*d == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((g_ascii_isalnum(*d) || *d == '-' || *d == '_') &&
			   ++label <= 63) {
			continue;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* A-label and U-label forms; IDNA that changes the spelling is noted. */
static void
read_domain(parse *ps)
{
	pf_mailbox *out = ps->out;
	char *u = NULL, *nfc;
	bool ascii = true;

	for (const char *p = out->domain; *p; p++)
		ascii &= (unsigned char)*p < 0x80;
	if (ascii && strstr(out->domain, "xn--") == NULL) {
		out->domain_ascii = g_strdup(out->domain);
	} else {
		out->domain_ascii = pf_domain_to_ascii(out->domain);
		/* An ASCII name is its own A-label: libidn2 drops "=" and
		 * "?" from it, and that other name is not the one written. */
		if (out->domain_ascii && ascii &&
		    strcmp(out->domain_ascii, out->domain) != 0) {
			g_free(out->domain_ascii);
			out->domain_ascii = NULL;
		}
	}
	if (out->domain_ascii == NULL || !ascii_domain_ok(out->domain_ascii)) {
		g_free(out->domain_ascii);
		out->domain_ascii = NULL;
		return;
	}
	if (idn2_to_unicode_8z8z(out->domain_ascii, &u, 0) == IDN2_OK) {
		out->domain_unicode = g_strdup(u);
		idn2_free(u);
	} else {
		out->domain_unicode = g_strdup(out->domain_ascii);
	}
	if (!ascii) {
		nfc = g_utf8_normalize(out->domain, -1, G_NORMALIZE_NFC);
		if (nfc == NULL || strcmp(nfc, out->domain_unicode) != 0)
			amb(ps, A_IDNA, "the domain %s is written with "
			    "characters IDNA changes: it is %s", out->domain,
			    out->domain_unicode);
		g_free(nfc);
	}
}

static void
finish(parse *ps, bool any_at)
{
	pf_mailbox *out = ps->out;

	if (out->domain)
		read_domain(ps);
	if (out->local && out->domain_ascii)
		out->addr = g_strconcat(out->local, "@", out->domain_ascii,
					NULL);
	if (out->display == NULL)
		out->display = g_strdup("");
	if (!any_at && (ps->seen & (1u << A_NUL)) == 0)
		out->status = out->local ? PF_ADDR_NO_DOMAIN : PF_ADDR_EMPTY;
	else if (ps->seen)
		out->status = PF_ADDR_AMBIGUOUS;
	else if (out->mailboxes > 1)
		out->status = PF_ADDR_SEVERAL;
	else if (out->local == NULL && out->domain == NULL)
		out->status = PF_ADDR_EMPTY;
	else if (out->addr == NULL)
		out->status = PF_ADDR_NO_DOMAIN;
	else
		out->status = PF_ADDR_ONE;
}

/* Top level: groups, semicolons and commas, then the one mailbox. */
static void
read_value(parse *ps)
{
	guint n = ps->tk->len, start = 0, parts = 0, with_at = 0, pick = 0;
	guint pick_end = 0;
	bool angle = false, part_at = false, part_any = false;

	for (guint i = 0; i <= n; i++) {
		const token *t = i < n ? tk_at(ps, i) : NULL;

		if (t && t->kind != TK_COMMENT && t->kind != TK_SPECIAL)
			part_any = true;
		if (t && is_sp(t, '<'))
			angle = true;
		else if (t && is_sp(t, '>'))
			angle = false;
		else if (t && is_sp(t, ':'))
			amb(ps, angle ? A_OBSOLETE : A_GROUP, angle ?
			    "a source route (\":\") inside the angle "
			    "brackets" : "group syntax (\":\"), which "
			    "names a list instead of one author");
		else if (t && is_sp(t, ';'))
			amb(ps, A_SEMICOLON, "a \";\": some parsers end the "
			    "header there, others read the next mailbox");
		else if (t && is_sp(t, '@'))
			part_at = true;
		if (t && !(is_sp(t, ',') && !angle))
			continue;
		if (t && angle) {
			amb(ps, A_OBSOLETE, "a comma inside the angle "
			    "brackets");
			continue;
		}
		parts++;
		if (part_at && with_at++ == 0) {
			pick = start;
			pick_end = i;
		} else if (!part_any && (t || parts > 1)) {
			amb(ps, A_COMMA, "an empty mailbox between commas");
		}
		start = i + 1;
		part_at = part_any = false;
	}
	if (with_at == 0)
		pick_end = n;
	ps->out->mailboxes = with_at;
	if (with_at == 1 && parts > 1)
		amb(ps, A_COMMA, "an unquoted comma outside the address: "
		    "parsers read the words around it as another mailbox");
	if (with_at <= 1)
		read_mailbox(ps, pick, pick_end);
}

void
pf_mailbox_parse(const char *value, size_t len, unsigned flags,
		 pf_mailbox *out)
{
	parse ps = {out, flags, 0, NULL};
	GString *u;

	pf_gmime_init_once();
	memset(out, 0, sizeof(*out));
	out->why = g_string_new(NULL);
	ps.tk = g_array_new(FALSE, TRUE, sizeof(token));
	g_array_set_clear_func(ps.tk, token_clear);
	u = unfold(&ps, value ? value : "", value ? len : 0);
	tokenize(&ps, u->str, u->len);
	read_value(&ps);
	finish(&ps, memchr(value ? value : "", '@', value ? len : 0) != NULL);
	g_array_free(ps.tk, TRUE);
	g_string_free(u, TRUE);
}

void
pf_mailbox_clear(pf_mailbox *mb)
{
	if (mb == NULL)
		return;
	g_free(mb->display);
	g_free(mb->local);
	g_free(mb->domain);
	g_free(mb->domain_ascii);
	g_free(mb->domain_unicode);
	g_free(mb->addr);
	if (mb->why)
		g_string_free(mb->why, TRUE);
	memset(mb, 0, sizeof(*mb));
}
