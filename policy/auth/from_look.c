/*
 * NAME
 *	from_look - look-alikes in display names and domains (see
 *	from_look.h)
 */
#include <string.h>

#include <unicode/uspoof.h>

#include "auth/dmarc.h"
#include "auth/from_look.h"
#include "autoconf.h"		/* PF_*_SONAME */
#include "core/lazylib.h"

/* ICU, opened on the first non-ASCII text (lazylib.h) */
static __typeof__(uspoof_open) *icu_open;
static __typeof__(uspoof_setChecks) *icu_set_checks;
static __typeof__(uspoof_setRestrictionLevel) *icu_set_level;
static __typeof__(uspoof_close) *icu_close;
static __typeof__(uspoof_getSkeletonUTF8) *icu_skeleton;
static __typeof__(uspoof_checkUTF8) *icu_check;
static const pf_lazysym icu_syms[] = {
	PF_LAZYSYM(uspoof_open, icu_open),
	PF_LAZYSYM(uspoof_setChecks, icu_set_checks),
	PF_LAZYSYM(uspoof_setRestrictionLevel, icu_set_level),
	PF_LAZYSYM(uspoof_close, icu_close),
	PF_LAZYSYM(uspoof_getSkeletonUTF8, icu_skeleton),
	PF_LAZYSYM(uspoof_checkUTF8, icu_check),
};
static pf_lazylib icu = PF_LAZYLIB(PF_ICU_I18N_SONAME, icu_syms);

static gpointer
spoof_init(gpointer unused)
{
	UErrorCode st = U_ZERO_ERROR;
	USpoofChecker *sc;

	if (!pf_lazylib_load(&icu))
		return NULL;
	sc = icu_open(&st);
	icu_set_checks(sc, USPOOF_RESTRICTION_LEVEL | USPOOF_INVISIBLE |
		       USPOOF_MIXED_NUMBERS, &st);
	icu_set_level(sc, USPOOF_MODERATELY_RESTRICTIVE);
	if (U_FAILURE(st)) {
		icu_close(sc);
		return NULL;
	}
	return sc;
}

int
pf_look_load(GString *err)
{
	return pf_lazylib_require(&icu, err);
}

static const USpoofChecker *
spoof_checker(void)
{
	static GOnce once = G_ONCE_INIT;

	return g_once(&once, spoof_init, NULL);
}

static bool
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* UTS #39 skeleton of valid UTF-8 s, or NULL. */
static char *
skeleton(const char *s)
{
	const USpoofChecker *sc = spoof_checker();
	UErrorCode st = U_ZERO_ERROR;
	int32_t n;
	char *buf;

	if (sc == NULL)
		return NULL;
	n = icu_skeleton(sc, 0, s, -1, NULL, 0, &st);
	if (st != U_BUFFER_OVERFLOW_ERROR || n < 0)
		return NULL;
	buf = g_malloc((gsize)n + 1);
	st = U_ZERO_ERROR;
	icu_skeleton(sc, 0, s, -1, buf, n + 1, &st);
	if (U_FAILURE(st)) {
		g_free(buf);
		return NULL;
	}
	return buf;
}

/* Only the non-ASCII characters replaced by their skeletons. */
static char *
ascii_lookalike(const char *s)
{
	GString *o = g_string_new(NULL);

	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		char one[8] = {0}, *sk;

		if (c < 0x80) {
			g_string_append_c(o, (char)c);
			continue;
		}
		g_unichar_to_utf8(c, one);
		sk = skeleton(one);
		g_string_append(o, sk ? sk : one);
		g_free(sk);
	}
	return g_string_free(o, FALSE);
}

static bool
is_bidi_control(gunichar c)
{
	return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* The text as shown: NFKC, spaces, no format characters, dots, folded. */
static char *
shown_text(const char *display, bool *bidi)
{
	char *valid = g_utf8_make_valid(display, -1);
	char *nfkc = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC), *folded;
	GString *o = g_string_new(NULL);

	for (const char *p = nfkc ? nfkc : ""; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (is_bidi_control(c))
			*bidi = true;
		if (c == 0x3002 || c == 0xff61 || c == 0xfe12)
			g_string_append_c(o, '.');
		else if (g_unichar_isspace(c) ||
			 g_unichar_type(c) == G_UNICODE_SPACE_SEPARATOR)
			g_string_append_c(o, ' ');
		else if (g_unichar_type(c) != G_UNICODE_FORMAT)
			g_string_append_unichar(o, c);
	}
	folded = g_utf8_casefold(o->str, -1);
	g_string_free(o, TRUE);
	g_free(nfkc);
	g_free(valid);
	return folded;
}

static bool
domain_like(const char *d)
{
	const char *dot = d ? strrchr(d, '.') : NULL;

	if (dot == NULL || dot == d || strlen(dot + 1) < 2 ||
	    !g_ascii_isalpha(dot[1]))
		return false;
	for (const char *p = d; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.')
			return false;
	return true;
}

/* Strip punctuation and symbols glued to either end of a word. */
static char *
trim_word(const char *w)
{
	const char *s = w, *e = w + strlen(w);

	while (*s && g_unichar_ispunct(g_utf8_get_char(s)) && *s != '@')
		s = g_utf8_next_char(s);
	while (e > s) {
		const char *prev = g_utf8_prev_char(e);

		if (!g_unichar_ispunct(g_utf8_get_char(prev)))
			break;
		e = prev;
	}
	return g_strndup(s, (gsize)(e - s));
}

/* Does word w (shown form) name another address or organisation? */
static bool
word_claims(const char *w, const pf_mailbox *mb)
{
	const char *at = strrchr(w, '@');
	const char *dom = at ? at + 1 : w;
	char *dom_a, *org_claim, *org_real, *addr;
	bool claim = false;

	dom_a = is_ascii(dom) ? g_ascii_strdown(dom, -1) :
	    pf_domain_to_ascii(dom);
	if (dom_a == NULL || !domain_like(dom_a)) {
		g_free(dom_a);
		return false;
	}
	if (at) {
		addr = g_strdup_printf("%.*s@%s", (int)(at - w), w, dom_a);
		claim = g_ascii_strcasecmp(addr, mb->addr) != 0;
		g_free(addr);
	} else {
		org_claim = pf_dmarc_org_domain(NULL, dom_a);
		org_real = pf_dmarc_org_domain(NULL, mb->domain_ascii);
		claim = org_claim && org_real && strcmp(org_claim,
							org_real) != 0;
		g_free(org_claim);
		g_free(org_real);
	}
	g_free(dom_a);
	return claim;
}

/* A non-ASCII word that looks like another address or domain. */
static bool
skeleton_claims(const char *w, const pf_mailbox *mb)
{
	char *look = ascii_lookalike(w), *real;
	const char *at = strrchr(look, '@'), *dom = at ? at + 1 : look;
	bool claim = false;

	if (is_ascii(look) && strcmp(look, w) != 0 && domain_like(dom)) {
		real = ascii_lookalike(mb->domain_unicode ?
				       mb->domain_unicode : mb->domain_ascii);
		claim = g_ascii_strcasecmp(dom, real) != 0 &&
		    word_claims(look, mb);
		g_free(real);
	}
	g_free(look);
	return claim;
}

char *
pf_look_display_claim(const char *display, const pf_mailbox *mb)
{
	bool bidi = false;
	char *shown, *claim = NULL;
	gchar **words;

	if (display == NULL || *display == '\0' || mb->addr == NULL)
		return NULL;
	shown = shown_text(display, &bidi);
	if (bidi) {
		g_free(shown);
		return g_strdup("text reversed by a bidirectional override");
	}
	words = g_strsplit_set(shown, " \t<>()\"',;:[]!?*|/\\", -1);
	for (gchar **w = words; *w && claim == NULL; w++) {
		char *t = trim_word(*w);

		if (*t && (word_claims(t, mb) ||
			   (!is_ascii(t) && skeleton_claims(t, mb))))
			claim = g_strdup(t);
		g_free(t);
	}
	g_strfreev(words);
	g_free(shown);
	return claim;
}

char *
pf_look_domain_confusable(const pf_mailbox *mb)
{
	const USpoofChecker *sc;
	const char *u = mb->domain_unicode;
	UErrorCode st = U_ZERO_ERROR;
	char *look, *res = NULL;
	int32_t checks;

	if (u == NULL || is_ascii(u) || (sc = spoof_checker()) == NULL)
		return NULL;	/* ASCII mail never opens ICU */
	look = ascii_lookalike(u);
	if (is_ascii(look)) {
		res = g_strdup_printf("looks like %s", look);
	} else {
		checks = icu_check(sc, u, -1, NULL, &st);
		if (U_SUCCESS(st) && checks != 0)
			res = g_strdup("mixes scripts or hides characters "
				       "(UTS #39)");
	}
	g_free(look);
	return res;
}
