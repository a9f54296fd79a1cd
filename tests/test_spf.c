/*
 * test_spf - the SPF record grammar (RFC 7208 4.6, 5, 6, 12) and macro
 * expansion against the RFC's own examples (7.4).
 */
#include <string.h>

#include "testutil.h"
#include "auth/spf_record.h"

static char *
expand(const char *spec, const char *ip_macro, bool v6, const char *local)
{
	spf_macro_env env = {
		.sender = "strong-bad@email.example.com",
		.local = local ? local : "strong-bad",
		.sender_domain = "email.example.com",
		.domain = "email.example.com",
		.ip_macro = ip_macro, .ip_text = "192.0.2.3", .v6 = v6,
		.helo = "mx.example.org",
	};
	GString *why = g_string_new(NULL);
	char *out = spf_expand(spec, &env, true, why);

	g_string_free(why, TRUE);
	return out;
}

static void
macro_examples_of_rfc_7208_section_7_4(void **state)
{
	static const char *const cases[][2] = {
		{"%{s}", "strong-bad@email.example.com"},
		{"%{o}", "email.example.com"},
		{"%{d}", "email.example.com"},
		{"%{d4}", "email.example.com"},
		{"%{d3}", "email.example.com"},
		{"%{d2}", "example.com"},
		{"%{d1}", "com"},
		{"%{dr}", "com.example.email"},
		{"%{d2r}", "example.email"},
		{"%{l}", "strong-bad"},
		{"%{l-}", "strong.bad"},
		{"%{lr}", "strong-bad"},
		{"%{lr-}", "bad.strong"},
		{"%{l1r-}", "strong"},
		{"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
		{"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
		{"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
		 "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
		{"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
		 "3.2.0.192.in-addr.strong.lp._spf.example.com"},
		{"%{d2}.trusted-domains.example.net",
		 "example.com.trusted-domains.example.net"},
		{"%%%_%-.x", "% %20.x"},
		{"%{L}.x", "strong-bad.x"},
		{"%{S}.x", "strong-bad%40email.example.com.x"},
	};
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = expand(cases[i][0], "192.0.2.3", false, NULL);

		assert_non_null(got);
		if (strcmp(got, cases[i][1]) != 0)
			fail_msg("%s: got %s, want %s", cases[i][0], got,
				 cases[i][1]);
		g_free(got);
	}
}

static void
ipv6_i_macro_is_dotted_nibbles(void **state)
{
	char *got = expand("%{ir}.%{v}._spf.%{d2}",
			   "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
			   "0.c.b.0.1", true, NULL);

	(void)state;
	assert_string_equal(got, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
			    "8.b.d.0.1.0.0.2.ip6._spf.example.com");
	g_free(got);
}

static void
long_expansion_loses_labels_on_the_left(void **state)
{
	GString *spec = g_string_new(NULL);
	char *got;

	(void)state;
	for (int i = 0; i < 30; i++)
		g_string_append(spec, "abcdefghi.");
	g_string_append(spec, "%{d}");
	got = expand(spec->str, "192.0.2.3", false, NULL);
	assert_true(strlen(got) <= 253);
	assert_true(g_str_has_suffix(got, ".abcdefghi.email.example.com"));
	g_free(got);
	g_string_free(spec, TRUE);
}

static void
records_rfc_7208_refuses_are_refused(void **state)
{
	static const char *const bad[] = {
		"v=spf1 a:museum", "v=spf1 a:foo.1", "v=spf1 mx:", "v=spf1 a:",
		"v=spf1 ip4:1.2.3.4/33", "v=spf1 ip4:1.2.03.4", "v=spf1 a/032",
		"v=spf1 ip6:::1/129", "v=spf1 redirect=a.test redirect=b.test",
		"v=spf1 exp=a.test exp=b.test", "v=spf1 -all:x", "v=spf1 bogus",
		"v=spf1 +exp=a.test", "v=spf1 exists:%{q}.a.test",
		"v=spf1 exists:%{d0}.a.test", "v=spf1 a:%{c}.a.test",
		"v=spf1 include", "v=spf1 redirect:a.test", "v=spf1 a:x%y.test",
		"v=spf1 \x01" "a", "v=spf1 a:foo.test-", "v=spf1 a:foo.-test",
	};
	GString *why = g_string_new(NULL);

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		spf_record *r = spf_record_parse(bad[i], why);

		if (r != NULL)
			fail_msg("accepted: %s", bad[i]);
		assert_true(why->len > 0);
		g_string_truncate(why, 0);
	}
	g_string_free(why, TRUE);
}

static void
records_rfc_7208_allows_are_parsed(void **state)
{
	static const char *const good[] = {
		"v=spf1", "v=spf1 ", "v=spf1  -all ", "V=SPF1 IP4:192.0.2.0/24 -ALL",
		"v=spf1 a/0//0 mx:%{d}/24//64 ptr:example.com ?exists:%{i}._ip.%{d}",
		"v=spf1 ip4:0.0.0.0/0 ip6:::/0 include:_spf.example.com",
		"v=spf1 moo.cow-far_out=man:dog/cat ra=postmaster ra=x -all",
		"v=spf1 a:foo:bar/baz.example.com", "v=spf1 exp=%{d}. -all",
		"v=spf1 a:123-456.example", "v=spf1 redirect=%{d}._spf.example.com",
	};
	GString *why = g_string_new(NULL);

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		spf_record *r = spf_record_parse(good[i], why);

		if (r == NULL)
			fail_msg("refused: %s: %s", good[i], why->str);
		spf_record_free(&r);
		assert_null(r);
	}
	g_string_free(why, TRUE);
}

static void
terms_keep_their_parts(void **state)
{
	GString *why = g_string_new(NULL);
	spf_record *r = spf_record_parse("v=spf1 ~a:mail.example.com/24//64 "
					 "-ip4:192.0.2.0/25 redirect=x.example "
					 "exp=e.example", why);
	const spf_term *t;

	(void)state;
	assert_non_null(r);
	assert_int_equal(r->terms->len, 2);
	t = r->terms->pdata[0];
	assert_int_equal(t->qualifier, '~');
	assert_int_equal(t->mech, SPF_M_A);
	assert_string_equal(t->spec, "mail.example.com");
	assert_int_equal(t->cidr4, 24);
	assert_int_equal(t->cidr6, 64);
	t = r->terms->pdata[1];
	assert_int_equal(t->mech, SPF_M_IP4);
	assert_int_equal(t->cidr4, 25);
	assert_memory_equal(t->net, "\xc0\x00\x02\x00", 4);
	assert_string_equal(r->redirect, "x.example");
	assert_string_equal(r->exp, "e.example");
	spf_record_free(&r);
	g_string_free(why, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(macro_examples_of_rfc_7208_section_7_4),
		cmocka_unit_test(ipv6_i_macro_is_dotted_nibbles),
		cmocka_unit_test(long_expansion_loses_labels_on_the_left),
		cmocka_unit_test(records_rfc_7208_refuses_are_refused),
		cmocka_unit_test(records_rfc_7208_allows_are_parsed),
		cmocka_unit_test(terms_keep_their_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
