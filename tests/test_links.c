/*
 * test_links - URL extraction from plain text and HTML parts
 * (check_links.c), against a byte-at-a-time reference for plain text.
 */
#include <string.h>

#include "testutil.h"

typedef struct pf_link {	/* as in check_links.c */
	char *href;
	char *text;
} pf_link;

void pf_links_extract(const char *text, bool html, GPtrArray *out);
void pf_link_free(gpointer p);

static char *
joined(const char *text, bool html)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(pf_link_free);
	GString *s = g_string_new(NULL);

	pf_links_extract(text, html, out);
	for (guint i = 0; i < out->len; i++) {
		const pf_link *l = out->pdata[i];

		g_string_append_printf(s, "%s%s", i ? " " : "", l->href);
		if (l->text)
			g_string_append_printf(s, "[%s]", l->text);
	}
	g_ptr_array_free(out, TRUE);
	return g_string_free(s, FALSE);
}

static void
expect(const char *text, bool html, const char *want)
{
	char *got = joined(text, html);

	assert_string_equal(got, want);
	g_free(got);
}

static void
plain_text_links_are_found_with_their_edges(void **state)
{
	(void)state;
	expect("See https://a.example/x. And HTTP://B.EXAMPLE/y, ok", false,
	       "https://a.example/x HTTP://B.EXAMPLE/y");
	expect("go to www.c.example; or WWW.D.example!", false,
	       "http://www.c.example http://WWW.D.example");
	expect("awww.e.example hhttp://f.example/z", false,
	       "http://f.example/z");
	expect("(http://g.example/a) <https://h.example>", false,
	       "http://g.example/a https://h.example");
	expect("nothing here: h w hw http:/ www", false, "");
	expect("ends with h", false, "");
	expect("", false, "");
}

static void
html_anchor_links_keep_their_text(void **state)
{
	(void)state;
	expect("<p><a href=\"https://i.example/\">Your bank</a></p>", true,
	       "https://i.example/[Your bank]");
}

/* The extraction before strpbrk: every byte, case-folded by hand. */
static char *
ref_links(const char *text)
{
	GString *s = g_string_new(NULL);
	const char *p = text;

	while (*p) {
		const char *start = NULL, *q;

		for (q = p; *q; q++)
			if ((g_ascii_tolower(*q) == 'h' &&
			     (g_ascii_strncasecmp(q, "http://", 7) == 0 ||
			      g_ascii_strncasecmp(q, "https://", 8) == 0)) ||
			    (g_ascii_tolower(*q) == 'w' &&
			     g_ascii_strncasecmp(q, "www.", 4) == 0 &&
			     (q == text || !g_ascii_isalnum(q[-1])))) {
				start = q;
				break;
			}
		if (start == NULL)
			break;
		for (q = start; *q && !strchr(" \t\r\n\f<>\"'", *q); q++)
			;
		while (q > start && strchr(".,;:!?)]", q[-1]))
			q--;
		if (q - start > 4)
			g_string_append_printf(s, "%s%s%.*s", s->len ? " " : "",
			    *start == 'w' || *start == 'W' ? "http://" : "",
			    (int)(q - start), start);
		p = q > start ? q : start + 1;
	}
	return g_string_free(s, FALSE);
}

static void
plain_text_scan_matches_reference_on_random_text(void **state)
{
	static const char *const pieces[] = {
		"h", "H", "w", "W", "http://", "HTTPS://", "www.", "Www.", "x",
		"a", ".", " ", ",", "/", "\xc3\xa9", "ttp", "ww", "\n", "<",
	};
	GRand *rnd = g_rand_new_with_seed(20261201);

	(void)state;
	for (int round = 0; round < 5000; round++) {
		GString *t = g_string_new(NULL);
		int n = g_rand_int_range(rnd, 0, 30);
		char *got, *want;

		for (int i = 0; i < n; i++)
			g_string_append(t, pieces[g_rand_int_range(rnd, 0,
			    (gint32)G_N_ELEMENTS(pieces))]);
		got = joined(t->str, false);
		want = ref_links(t->str);
		assert_string_equal(got, want);
		g_free(got);
		g_free(want);
		g_string_free(t, TRUE);
	}
	g_rand_free(rnd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_text_links_are_found_with_their_edges),
		cmocka_unit_test(html_anchor_links_keep_their_text),
		cmocka_unit_test(plain_text_scan_matches_reference_on_random_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
