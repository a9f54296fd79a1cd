/*
 * NAME
 *	spf_record - SPF record grammar and macros, RFC 7208 sections 4.6,
 *	5, 6, 7 and 12 (see spf_record.h)
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/spf_record.h"

#define SPF_DOMAIN_MAX 253

static const char *const mech_names[] = {
	[SPF_M_ALL] = "all", [SPF_M_INCLUDE] = "include", [SPF_M_A] = "a",
	[SPF_M_MX] = "mx", [SPF_M_PTR] = "ptr", [SPF_M_IP4] = "ip4",
	[SPF_M_IP6] = "ip6", [SPF_M_EXISTS] = "exists",
};

const char *
spf_mech_name(spf_mech m)
{
	return (unsigned)m < G_N_ELEMENTS(mech_names) ? mech_names[m] : "?";
}

bool
pf_spf_is_v1(const char *txt)
{
	return g_ascii_strncasecmp(txt, "v=spf1", 6) == 0 &&
	    (txt[6] == '\0' || txt[6] == ' ');
}

bool
spf_domain_valid(const char *name, bool multi_label)
{
	size_t len = strlen(name), label = 0;
	unsigned labels = 0;

	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i <= len; i++) {
		if (i == len || name[i] == '.') {
			if (label == 0 || label > 63)
				return false;
			labels++;
			label = 0;
		} else {
			label++;
		}
	}
	return !multi_label || labels >= 2;
}

/*
 * Walk a macro-string (7.1): literals are %x21-24 / %x26-7E (and SP in
 * explanations); "%{" letter *DIGIT ["r"] *delimiter "}", "%%", "%_" and
 * "%-" are macros.  *last_macro says whether it ends with a macro.
 */
static int
macro_scan(const char *s, bool exp_text, bool *last_macro, GString *why)
{
	bool last = false;

	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		last = false;
		if (c == ' ' && exp_text)
			continue;
		if (c < 0x21 || c > 0x7e) {
			g_string_printf(why, "byte 0x%02x is not allowed in "
					"\"%s\"", c, s);
			return -1;
		}
		if (c != '%')
			continue;
		last = true;
		if (p[1] == '%' || p[1] == '_' || p[1] == '-') {
			p++;
			continue;
		}
		if (p[1] != '{') {
			g_string_printf(why, "\"%%\" must start %%{...}, %%%%, "
					"%%_ or %%- (RFC 7208 7.1) in \"%s\"", s);
			return -1;
		}
		p += 2;
		if (*p == '\0' || strchr("slodiphvcrtSLODIPHVCRT", *p) == NULL) {
			g_string_printf(why, "unknown macro letter in \"%s\"", s);
			return -1;
		}
		if (!exp_text && strchr("crtCRT", *p)) {
			g_string_printf(why, "macro %%{%c} is allowed only in "
					"exp= text (RFC 7208 7.1) in \"%s\"", *p, s);
			return -1;
		}
		p++;
		if (g_ascii_isdigit(*p)) {
			unsigned long n = 0;

			for (; g_ascii_isdigit(*p); p++)
				n = n > 1000 ? n : n * 10 + (unsigned long)(*p - '0');
			if (n == 0) {
				g_string_printf(why, "a macro's digit "
				    "transformer must be nonzero in \"%s\"", s);
				return -1;
			}
		}
		if (*p == 'r' || *p == 'R')
			p++;
		while (*p && strchr(".-+,/_=", *p))
			p++;
		if (*p != '}') {
			g_string_printf(why, "malformed macro in \"%s\"", s);
			return -1;
		}
	}
	*last_macro = last;
	return 0;
}

int
spf_macro_check(const char *s, bool exp_text, GString *why)
{
	bool last;

	return macro_scan(s, exp_text, &last, why);
}

/* toplabel = ( *alnum ALPHA *alnum ) / ( 1*alnum "-" *( alnum / "-" ) alnum ) */
static bool
toplabel_ok(const char *s, size_t len)
{
	bool alpha = false;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (g_ascii_isalpha(s[i]))
			alpha = true;
		else if (s[i] != '-' && !g_ascii_isdigit(s[i]))
			return false;
	}
	if (s[0] == '-' || s[len - 1] == '-')
		return false;
	return alpha || memchr(s, '-', len) != NULL;
}

/* domain-spec = macro-string domain-end (7.1, and 4.8 for its use) */
static int
domain_spec_check(const char *spec, GString *why)
{
	size_t len = strlen(spec);
	const char *dot;
	bool last_macro;

	if (len == 0) {
		g_string_assign(why, "empty domain-spec");
		return -1;
	}
	if (macro_scan(spec, false, &last_macro, why) < 0)
		return -1;
	if (spec[len - 1] == '.') {	/* a trailing dot is dropped (as pyspf) */
		char *bare = g_strndup(spec, len - 1);

		(void)macro_scan(bare, false, &last_macro, why);
		g_free(bare);
		len--;
	}
	if (last_macro)
		return 0;
	for (dot = spec + len; dot > spec && dot[-1] != '.'; dot--)
		;
	if (dot == spec || !toplabel_ok(dot, (size_t)(spec + len - dot))) {
		g_string_printf(why, "\"%s\" is not a domain name (it must end "
				"in a top-level label such as .com, RFC 7208 "
				"7.1)", spec);
		return -1;
	}
	return 0;
}

/* "/" ("0" / %x31-39 0*2DIGIT) at the end of s[0..*len): strip it. */
static int
strip_cidr(const char *s, size_t *len, const char *sep, int max, int *out)
{
	size_t seplen = strlen(sep), i = *len;
	int n = 0;

	while (i > 0 && g_ascii_isdigit(s[i - 1]))
		i--;
	if (i == *len || i < seplen || strncmp(s + i - seplen, sep, seplen) != 0)
		return 0;	/* none */
	if (seplen == 1 && i >= 2 && s[i - 2] == '/')
		return 0;	/* "//n" is the other length */
	if ((s[i] == '0' && *len - i > 1) || *len - i > 3)
		return -1;
	for (size_t k = i; k < *len; k++)
		n = n * 10 + (s[k] - '0');
	if (n > max)
		return -1;
	*out = n;
	*len = i - seplen;
	return 1;
}

/* ip4-network: four qnums without leading zeros (RFC 7208 section 12) */
static bool
ip4_network(const char *s, size_t len, unsigned char *out)
{
	unsigned part = 0;
	size_t i = 0;

	while (part < 4) {
		size_t start = i;
		unsigned v = 0;

		while (i < len && g_ascii_isdigit(s[i]) && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (s[start] == '0' && i - start > 1))
			return false;
		out[part++] = (unsigned char)v;
		if (part < 4) {
			if (i >= len || s[i] != '.')
				return false;
			i++;
		}
	}
	return i == len;
}

static void
term_free(gpointer p)
{
	spf_term *t = p;

	g_free(t->spec);
	g_free(t->text);
	g_free(t);
}

void
spf_record_free(spf_record **recp)
{
	spf_record *rec;

	if (recp == NULL || (rec = *recp) == NULL)
		return;
	*recp = NULL;
	g_ptr_array_unref(rec->terms);
	g_free(rec->redirect);
	g_free(rec->exp);
	g_free(rec);
}

static int
parse_modifier(spf_record *rec, const char *name, size_t nlen,
	       const char *value, GString *why)
{
	char **slot = NULL;

	if (nlen == 8 && g_ascii_strncasecmp(name, "redirect", 8) == 0)
		slot = &rec->redirect;
	else if (nlen == 3 && g_ascii_strncasecmp(name, "exp", 3) == 0)
		slot = &rec->exp;
	if (slot == NULL)	/* unknown modifiers: ignored, but well-formed */
		return spf_macro_check(value, false, why);
	if (*slot != NULL) {
		g_string_printf(why, "%.*s= appears twice (RFC 7208 6)",
				(int)nlen, name);
		return -1;
	}
	if (domain_spec_check(value, why) < 0)
		return -1;
	*slot = g_strdup(value);
	return 0;
}

static int
parse_mechanism(spf_term *t, const char *p, GString *why)
{
	size_t nlen = strcspn(p, ":/"), alen;
	const char *arg = p + nlen;
	bool colon = *arg == ':';
	int rc4 = 0, rc6 = 0;
	unsigned m;

	for (m = 0; m < G_N_ELEMENTS(mech_names); m++)
		if (strlen(mech_names[m]) == nlen &&
		    g_ascii_strncasecmp(p, mech_names[m], nlen) == 0)
			break;
	if (m == G_N_ELEMENTS(mech_names)) {
		g_string_printf(why, "unknown mechanism \"%.*s\"", (int)nlen, p);
		return -1;
	}
	t->mech = (spf_mech)m;
	t->cidr4 = 32;
	t->cidr6 = 128;
	if (colon)
		arg++;
	alen = strlen(arg);
	switch (t->mech) {
	case SPF_M_ALL:
		if (*p && p[nlen] != '\0')
			goto bad;
		return 0;
	case SPF_M_A:
	case SPF_M_MX:
		rc6 = strip_cidr(arg, &alen, "//", 128, &t->cidr6);
		if (rc6 >= 0)
			rc4 = strip_cidr(arg, &alen, "/", 32, &t->cidr4);
		if (rc4 < 0 || rc6 < 0) {
			g_string_printf(why, "bad prefix length in \"%s\"", p);
			return -1;
		}
		/* FALLTHROUGH */
	case SPF_M_PTR:
		if (!colon && alen > 0)
			goto bad;
		if (colon) {
			t->spec = g_strndup(arg, alen);
			if (domain_spec_check(t->spec, why) < 0)
				return -1;
		}
		return 0;
	case SPF_M_INCLUDE:
	case SPF_M_EXISTS:
		if (!colon) {
			g_string_printf(why, "%s needs a domain (%s:...)",
					mech_names[m], mech_names[m]);
			return -1;
		}
		t->spec = g_strdup(arg);
		return domain_spec_check(t->spec, why);
	case SPF_M_IP4:
	case SPF_M_IP6:
		if (!colon)
			goto bad;
		if (strip_cidr(arg, &alen, "/", t->mech == SPF_M_IP4 ? 32 :
			       128, t->mech == SPF_M_IP4 ? &t->cidr4 :
			       &t->cidr6) < 0)
			goto bad;
		if (t->mech == SPF_M_IP4) {
			if (!ip4_network(arg, alen, t->net))
				goto bad;
		} else {
			char *net = g_strndup(arg, alen);
			int ok = inet_pton(AF_INET6, net, t->net);

			g_free(net);
			if (ok != 1)
				goto bad;
		}
		return 0;
	}
bad:
	g_string_printf(why, "malformed %s mechanism \"%s\"", mech_names[m], p);
	return -1;
}

spf_record *
spf_record_parse(const char *txt, GString *why)
{
	spf_record *rec;
	gchar **words;
	int rc = 0;

	if (!pf_spf_is_v1(txt)) {
		g_string_assign(why, "not a v=spf1 record");
		return NULL;
	}
	for (const char *p = txt; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
			g_string_printf(why, "the record holds byte 0x%02x "
			    "(only printable ASCII is allowed)",
			    (unsigned char)*p);
			return NULL;
		}
	rec = g_new0(spf_record, 1);
	rec->terms = g_ptr_array_new_with_free_func(term_free);
	words = g_strsplit(txt + 6, " ", -1);
	for (gchar **w = words; *w && rc == 0; w++) {
		const char *p = *w;
		size_t nlen;
		char q = 0;

		if (*p == '\0')
			continue;
		if (strchr("+-~?", *p))
			q = *p++;
		nlen = 0;
		if (g_ascii_isalpha(p[0]))
			for (nlen = 1; g_ascii_isalnum(p[nlen]) ||
			     (p[nlen] && strchr("-_.", p[nlen])); nlen++)
				;
		if (nlen > 0 && p[nlen] == '=') {
			if (q) {
				g_string_printf(why, "a modifier takes no "
						"qualifier: \"%s\"", *w);
				rc = -1;
			} else {
				rc = parse_modifier(rec, p, nlen, p + nlen + 1,
						    why);
			}
		} else {
			spf_term *t = g_new0(spf_term, 1);

			t->qualifier = q ? q : '+';
			t->text = g_strdup(*w);
			g_ptr_array_add(rec->terms, t);
			rc = parse_mechanism(t, p, why);
		}
	}
	g_strfreev(words);
	if (rc < 0)
		spf_record_free(&rec);
	return rec;
}

/* The value of one macro letter (7.3), before transformers. */
static char *
macro_value(char letter, const spf_macro_env *env)
{
	char *p;

	switch (g_ascii_tolower(letter)) {
	case 's': return g_strdup(env->sender);
	case 'l': return g_strdup(env->local);
	case 'o': return g_strdup(env->sender_domain);
	case 'd': return g_strdup(env->domain);
	case 'i': return g_strdup(env->ip_macro);
	case 'c': return g_strdup(env->ip_text);
	case 'v': return g_strdup(env->v6 ? "ip6" : "in-addr");
	case 'h': return g_strdup(env->helo ? env->helo : "");
	case 'r': return g_strdup("unknown");
	case 't': return g_strdup_printf("%lld", (long long)time(NULL));
	case 'p':
		p = env->validated_name ?
		    env->validated_name(env->arg, env->domain) : NULL;
		return p ? p : g_strdup("unknown");
	}
	return g_strdup("");
}

/* Split on delims, reverse with r, keep the rightmost n, join with dots. */
static void
transform(GString *out, const char *value, unsigned long n, bool reverse,
	  const char *delims, bool escape)
{
	gchar **parts = g_strsplit_set(value, *delims ? delims : ".", -1);
	guint count = g_strv_length(parts), first = 0;
	GString *joined = g_string_new(NULL);

	if (reverse)
		for (guint i = 0; i < count / 2; i++) {
			gchar *tmp = parts[i];

			parts[i] = parts[count - 1 - i];
			parts[count - 1 - i] = tmp;
		}
	if (n > 0 && n < count)
		first = count - (guint)n;
	for (guint i = first; i < count; i++) {
		if (i > first)
			g_string_append_c(joined, '.');
		g_string_append(joined, parts[i]);
	}
	if (escape) {
		char *e = g_uri_escape_string(joined->str, NULL, FALSE);

		g_string_append(out, e);
		g_free(e);
	} else {
		g_string_append(out, joined->str);
	}
	g_string_free(joined, TRUE);
	g_strfreev(parts);
}

char *
spf_expand(const char *spec, const spf_macro_env *env, bool domain,
	   GString *why)
{
	GString *out = g_string_new(NULL);

	for (const char *p = spec; *p; p++) {
		const char *start;
		char letter, delims[8];
		unsigned long n = 0;
		bool reverse = false;
		size_t nd = 0;
		char *value;

		if (*p != '%') {
			g_string_append_c(out, *p);
			continue;
		}
		p++;
		if (*p == '%' || *p == '_' || *p == '-') {
			g_string_append(out, *p == '%' ? "%" : *p == '_' ?
					" " : "%20");
			continue;
		}
		if (*p != '{' || p[1] == '\0') {	/* checked at parse */
			g_string_printf(why, "malformed macro in \"%s\"", spec);
			g_string_free(out, TRUE);
			return NULL;
		}
		start = ++p;
		letter = *p++;
		for (; g_ascii_isdigit(*p); p++)
			n = n > 1000 ? n : n * 10 + (unsigned long)(*p - '0');
		if (*p == 'r' || *p == 'R') {
			reverse = true;
			p++;
		}
		for (; *p && *p != '}'; p++)
			if (nd < sizeof(delims) - 1 && !memchr(delims, *p, nd))
				delims[nd++] = *p;
		delims[nd] = '\0';
		if (*p != '}') {
			g_string_printf(why, "malformed macro in \"%s\"", spec);
			g_string_free(out, TRUE);
			return NULL;
		}
		value = macro_value(letter, env);
		transform(out, value, n, reverse, delims,
			  g_ascii_isupper(*start));
		g_free(value);
	}
	if (domain) {
		if (out->len > 0 && out->str[out->len - 1] == '.')
			g_string_truncate(out, out->len - 1);
		/* 7.3: too long: drop labels on the left */
		while (out->len > SPF_DOMAIN_MAX) {
			const char *dot = strchr(out->str, '.');

			if (dot == NULL)
				break;
			g_string_erase(out, 0, dot - out->str + 1);
		}
	}
	return g_string_free(out, FALSE);
}
