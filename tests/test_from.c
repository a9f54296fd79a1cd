/*
 * test_from - the strict From reader (from_parse.c), the look-alike
 * rules (from_look.c), the header window and forged
 * Authentication-Results (message.c, authres.c, check_from.c).
 */
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "auth/authres.h"
#include "auth/from_look.h"
#include "auth/from_parse.h"
#include "core/check.h"
#include "core/lazylib.h"

typedef struct attack {
	const char *value;
	size_t len;		/* 0: strlen */
	unsigned flags;
	pf_addr_status status;
	const char *tag;	/* first ambiguity, or NULL */
} attack;

#define V(s) s, sizeof(s) - 1

/* Every class of issue 13 with variants: none reads as one mailbox. */
static const attack attacks[] = {
	{V("alice@co.example; ceo@partner.example"), 0, PF_ADDR_AMBIGUOUS,
	 "semicolon"},
	{V("Alice <alice@co.example>; <ceo@partner.example>"), 0,
	 PF_ADDR_AMBIGUOUS, "semicolon"},
	{V("<alice@co.example>;ceo@partner.example"), 0, PF_ADDR_AMBIGUOUS,
	 "semicolon"},
	{V("(ceo@partner.example) <alice@co.example>"), 0,
	 PF_ADDR_AMBIGUOUS, "comment"},
	{V("<alice@co.example> (ceo@partner.example)"), 0,
	 PF_ADDR_AMBIGUOUS, "comment"},
	{V("<alice(ceo@partner.example)@co.example>"), 0,
	 PF_ADDR_AMBIGUOUS, "comment"},
	{V("alice@co.example (partner.example)"), 0, PF_ADDR_AMBIGUOUS,
	 "comment"},
	{V("<alice@co.example(partner.example)>"), 0, PF_ADDR_AMBIGUOUS,
	 "comment"},
	{V("Alice ((nested)) <alice@co.example>"), 0, PF_ADDR_AMBIGUOUS,
	 "comment"},
	{V("partners: ceo@partner.example;"), 0, PF_ADDR_AMBIGUOUS, "group"},
	{V("x:alice@co.example,ceo@partner.example;"), 0, PF_ADDR_AMBIGUOUS,
	 "group"},
	{V("<\"ceo@partner.example\"@co.example>"), 0, PF_ADDR_AMBIGUOUS,
	 "quoted-local"},
	{V("\"ceo<ceo@partner.example>\"@co.example"), 0, PF_ADDR_AMBIGUOUS,
	 "quoted-local"},
	{V("\"a\\\"b\"@co.example"), 0, PF_ADDR_AMBIGUOUS, "quoted-local"},
	{V("alice@co.example\0ceo@partner.example"), 0, PF_ADDR_AMBIGUOUS,
	 "nul"},
	{V("Alice <alice@co.example>\0, <ceo@partner.example>"), 0,
	 PF_ADDR_AMBIGUOUS, "nul"},
	{V("alice@co.example\rFrom: ceo@partner.example"), 0,
	 PF_ADDR_AMBIGUOUS, "control"},
	{V("alice@co.example\nFrom: ceo@partner.example"), 0,
	 PF_ADDR_AMBIGUOUS, "control"},
	{V("Alice\x01 <alice@co.example>"), 0, PF_ADDR_AMBIGUOUS, "control"},
	{V("alice@co.ex\xc3\xa4mple"), 0, PF_ADDR_AMBIGUOUS, "8bit"},
	{V("<ali\xe7" "e@co.example>"), PF_ADDR_SMTPUTF8, PF_ADDR_AMBIGUOUS,
	 "8bit"},
	{V("=?utf-8?q?ceo=40partner.example?= <alice@co.example>"), 0,
	 PF_ADDR_AMBIGUOUS, "encoded-address"},
	{V("=?utf-8?b?PGNlb0BwYXJ0bmVyLmV4YW1wbGU+?= <alice@co.example>"), 0,
	 PF_ADDR_AMBIGUOUS, "encoded-address"},
	{V("<=?utf-8?q?ceo?=@co.example>"), 0, PF_ADDR_AMBIGUOUS,
	 "encoded-address"},
	{V("<@partner.example:alice@co.example>"), 0, PF_ADDR_AMBIGUOUS,
	 "obsolete"},
	{V("<alice @ co.example>"), 0, PF_ADDR_AMBIGUOUS, "obsolete"},
	{V("alice@partner.example@co.example"), 0, PF_ADDR_AMBIGUOUS,
	 "obsolete"},
	{V("Alice <alice@co.example> <ceo@partner.example>"), 0,
	 PF_ADDR_AMBIGUOUS, "angle"},
	{V("Alice <alice@co.example"), 0, PF_ADDR_AMBIGUOUS, "angle"},
	{V("<alice@co.example> ceo@partner.example"), 0, PF_ADDR_AMBIGUOUS,
	 "trailing"},
	{V("ceo alice@co.example"), 0, PF_ADDR_AMBIGUOUS, "bare-words"},
	{V("ceo@partner.example <alice@co.example>"), 0, PF_ADDR_AMBIGUOUS,
	 "phrase"},
	{V("alice@co.example."), 0, PF_ADDR_AMBIGUOUS, "trailing-dot"},
	{V("Alice <alice@co.example.>"), 0, PF_ADDR_AMBIGUOUS,
	 "trailing-dot"},
	{V("alice@\xef\xbd\x90" "artner.example"), PF_ADDR_SMTPUTF8,
	 PF_ADDR_AMBIGUOUS, "idna-mapping"},
	{V("alice@PARTNER\xef\xbc\x8e" "example"), PF_ADDR_SMTPUTF8,
	 PF_ADDR_AMBIGUOUS, "idna-mapping"},
	{V("\"Alice <alice@co.example>"), 0, PF_ADDR_AMBIGUOUS,
	 "unterminated"},
	{V("Alice <alice@co.example> (x"), 0, PF_ADDR_AMBIGUOUS,
	 "unterminated"},
	{V("Last, First <alice@co.example>"), 0, PF_ADDR_AMBIGUOUS, "comma"},
	{V("<alice@co.example>,"), 0, PF_ADDR_AMBIGUOUS, "comma"},
	{V("a <a@evil.test>, b <b@co.example>"), 0, PF_ADDR_SEVERAL, NULL},
	{V("Alice <alice>"), 0, PF_ADDR_NO_DOMAIN, NULL},
	{V("<<<>>>"), 0, PF_ADDR_EMPTY, NULL},
	{V("alice@[192.0.2.1]"), 0, PF_ADDR_NO_DOMAIN, NULL},
	{V("alice@xn--zz.example"), 0, PF_ADDR_NO_DOMAIN, NULL},
	/* libidn2 drops the "=" and "?": another name than the one written */
	{V("<j@examxN--=C3=BC3=B6rg?91.uk>"), 0, PF_ADDR_NO_DOMAIN, NULL},
	{V("j@xn--mnchen-3ya.example?"), 0, PF_ADDR_NO_DOMAIN, NULL},
	/* bytes that are not UTF-8 are no domain, even with SMTPUTF8 (the
	 * fuzzer's heap corruption: g_utf8_strdown read past the end) */
	{V("El\x97\x96" "e <alice@co.ex\xf0>"), PF_ADDR_SMTPUTF8,
	 PF_ADDR_AMBIGUOUS, "8bit"},
	{V("alice@\xc3" "co.example"), PF_ADDR_SMTPUTF8, PF_ADDR_AMBIGUOUS,
	 "8bit"},
};

static void
every_attack_class_is_refused_with_its_reason(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(attacks); i++) {
		const attack *a = &attacks[i];
		pf_mailbox mb;

		pf_mailbox_parse(a->value, a->len, a->flags, &mb);
		if (mb.status != a->status || (a->tag &&
		    (mb.tag == NULL || strcmp(mb.tag, a->tag) != 0)))
			fail_msg("%zu \"%s\": status %d tag %s (%s), want %d "
				 "%s", i, a->value, mb.status,
				 mb.tag ? mb.tag : "-", mb.why->str,
				 a->status, a->tag ? a->tag : "-");
		if (mb.status == PF_ADDR_AMBIGUOUS)
			assert_true(mb.why->len > 0 && mb.fix != NULL);
		pf_mailbox_clear(&mb);
	}
}

/* Bytes that are not UTF-8 in the domain read as no domain at all: not a
 * guess at their meaning (g_utf8_strdown() read past the end of them, the
 * heap corruption fuzz_address found). */
static void
domain_bytes_that_are_not_utf8_are_no_domain(void **state)
{
	static const char *const values[] = {
		"El\x97\x96" "e <alice@co.ex\xf0>",
		"alice@\xc3" "co.example",
		"<alice@co.example\xff>",
	};

	for (size_t i = 0; i < G_N_ELEMENTS(values); i++) {
		pf_mailbox mb;

		pf_mailbox_parse(values[i], strlen(values[i]),
				 PF_ADDR_SMTPUTF8, &mb);
		if (mb.domain != NULL)
			fail_msg("%zu: domain \"%s\"", i, mb.domain);
		assert_int_equal(mb.status, PF_ADDR_AMBIGUOUS);
		pf_mailbox_clear(&mb);
	}
}

typedef struct clean {
	const char *value;
	unsigned flags;
	const char *addr;
	const char *display;
} clean;

/* From forms seen in real mail: one reading, no look-alike finding. */
static const clean cleans[] = {
	{"\"Doe, John\" <john.doe@example.com>", 0, "john.doe@example.com",
	 "Doe, John"},
	{"=?UTF-8?Q?M=C3=BCller=2C_J=C3=BCrgen?= <jm@example.de>", 0,
	 "jm@example.de", "M\xc3\xbcller, J\xc3\xbcrgen"},
	{"=?ISO-8859-1?Q?Andr=E9?= Pirard <pirard@vm1.ulg.ac.be>", 0,
	 "pirard@vm1.ulg.ac.be", "Andr\xc3\xa9 Pirard"},
	{"=?KOI8-R?B?98zBxMnNydI=?= <vp@example.ru>", 0, "vp@example.ru",
	 NULL},
	{"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= <taro@example.jp>", 0,
	 "taro@example.jp", NULL},
	{"=?utf-8?b?5byg5LiJ?= <zhang@example.cn>", 0, "zhang@example.cn",
	 "\xe5\xbc\xa0\xe4\xb8\x89"},
	{"=?windows-1252?Q?Fran=E7ois?= <f@example.fr>", 0, "f@example.fr",
	 "Fran\xc3\xa7ois"},
	{"\"=?utf-8?q?M=C3=BCller?=\" <m@example.de>", 0, "m@example.de",
	 NULL},
	{"O'Reilly <tim.o'reilly@example.com>", 0,
	 "tim.o'reilly@example.com", "O'Reilly"},
	{"\"Patrick O'Brien\" <pob@example.ie>", 0, "pob@example.ie", NULL},
	{"alice+newsletter@example.com", 0, "alice+newsletter@example.com",
	 ""},
	{"Alice <alice+tag@mail.eu.example.com>", 0,
	 "alice+tag@mail.eu.example.com", "Alice"},
	{"\"A very long display name that goes on and on and on\"\n\t"
	 "<long@example.com>", 0, "long@example.com", NULL},
	{"Bob Smith\r\n <bob@example.org>", 0, "bob@example.org",
	 "Bob Smith"},
	{"John Q. Public <jqp@example.net>", 0, "jqp@example.net",
	 "John Q. Public"},
	{"jane@example.com (Jane Doe)", 0, "jane@example.com", "Jane Doe"},
	{"<bare@example.com>", 0, "bare@example.com", ""},
	{"Support Team <support@sub.example.co.uk>", 0,
	 "support@sub.example.co.uk", NULL},
	{"\"example.com Support\" <help@example.com>", 0, "help@example.com",
	 NULL},
	{"Example.com <info@mail.example.com>", 0, "info@mail.example.com",
	 NULL},
	{"Dr. Who <who@example.org>", 0, "who@example.org", NULL},
	{"\"M\xc3\xbcller, Hans\" <hans@example.de>", 0, "hans@example.de",
	 NULL},
	{"\"Ingo L\xfctkebohle\" <ingo@example.de>", 0, "ingo@example.de",
	 NULL},
	{"J\xc3\xb6hn <j\xc3\xb6hn@b\xc3\xbc" "cher.example>",
	 PF_ADDR_SMTPUTF8, "j\xc3\xb6hn@xn--bcher-kva.example", NULL},
	{"\xe7\x94\xa8\xe6\x88\xb7 <\xe7\x94\xa8\xe6\x88\xb7@\xe4\xbe\x8b"
	 "\xe5\xad\x90.\xe5\xb9\xbf\xe5\x91\x8a>", PF_ADDR_SMTPUTF8, NULL,
	 NULL},
	{"Alice <alice@xn--bcher-kva.example>", 0,
	 "alice@xn--bcher-kva.example", NULL},
	{"\"alice@example.com\" <alice@example.com>", 0,
	 "alice@example.com", NULL},
	{"Mailer-Daemon <MAILER-DAEMON@Example.COM>", 0,
	 "MAILER-DAEMON@example.com", NULL},
	{"=?utf-8?q?=D0=98=D0=B2=D0=B0=D0=BD_=D0=9F=D0=B5=D1=82=D1=80?= "
	 "<ivan@example.ru>", 0, "ivan@example.ru", NULL},
};

static void
clean_from_forms_read_as_one_mailbox_without_finding(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(cleans); i++) {
		const clean *c = &cleans[i];
		pf_mailbox mb;
		char *claim, *look;

		pf_mailbox_parse(c->value, strlen(c->value), c->flags, &mb);
		if (mb.status != PF_ADDR_ONE)
			fail_msg("%zu \"%s\": status %d (%s)", i, c->value,
				 mb.status, mb.why->str);
		if (c->addr)
			assert_string_equal(mb.addr, c->addr);
		if (c->display)
			assert_string_equal(mb.display, c->display);
		claim = pf_look_display_claim(mb.display, &mb);
		look = pf_look_domain_confusable(&mb);
		if (claim || look)
			fail_msg("%zu \"%s\": display claim %s, domain %s", i,
				 c->value, claim ? claim : "-",
				 look ? look : "-");
		pf_mailbox_clear(&mb);
	}
}

typedef struct spoof {
	const char *value;
	unsigned flags;
	bool domain;		/* the address's own domain is the look-alike */
} spoof;

static const spoof spoofs[] = {
	{"\"ceo@partner.example\" <alice@co.example>", 0, false},
	{"\"ceo\xef\xbc\xa0partner.example\" <alice@co.example>", 0, false},
	{"ceo\xef\xbc\xa0partner.example <alice@co.example>", 0, false},
	{"\"ceo\xc2\xa0@\xc2\xa0partner.example\" <alice@co.example>", 0,
	 false},
	{"\"ceo@p\xd0\xb0rtner.example\" <alice@co.example>", 0, false},
	{"\"ceo@partner.example.\" <alice@co.example>", 0, false},
	{"\"(ceo@partner.example)\" <alice@co.example>", 0, false},
	{"\"ceo@partner.example:\" <alice@co.example>", 0, false},
	{"\"\xc2\xabpartner.example\xc2\xbb\" <alice@co.example>", 0, false},
	{"\"ceo@partner\xe3\x80\x82" "example\" <alice@co.example>", 0, false},
	{"\"ceo@partner\xe2\x80\x8b.example\" <alice@co.example>", 0, false},
	{"\"paypal.com support\" <alice@co.example>", 0, false},
	{"=?utf-8?q?partner=EF=BC=8Eexample?= <alice@co.example>", 0, false},
	{"\"\xe2\x80\xae" "elpmaxe.rentrap@oec\" <alice@co.example>", 0,
	 false},
	{"alice@p\xd0\xb0ypal.com", PF_ADDR_SMTPUTF8, true},
	{"alice@xn--pypal-4ve.com", 0, true},
	{"Alice <alice@xn--80ak6aa92e.com>", 0, true},
};

static void
look_alike_names_and_domains_are_display_spoof(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(spoofs); i++) {
		const spoof *s = &spoofs[i];
		pf_mailbox mb;
		char *claim;

		pf_mailbox_parse(s->value, strlen(s->value), s->flags, &mb);
		if (mb.status != PF_ADDR_ONE)
			fail_msg("%zu \"%s\": status %d (%s)", i, s->value,
				 mb.status, mb.why->str);
		claim = s->domain ? pf_look_domain_confusable(&mb) :
		    pf_look_display_claim(mb.display, &mb);
		if (claim == NULL)
			fail_msg("%zu \"%s\": no look-alike found", i,
				 s->value);
		g_free(claim);
		pf_mailbox_clear(&mb);
	}
}

static void
idna_domains_compare_in_both_forms(void **state)
{
	char *a = pf_domain_to_ascii("B\xc3\xbc" "cher.Example");

	assert_string_equal(a, "xn--bcher-kva.example");
	g_free(a);
	a = pf_domain_to_ascii("xn--bcher-kva.example");
	assert_string_equal(a, "xn--bcher-kva.example");
	g_free(a);
	assert_null(pf_domain_to_ascii("xn--zz.example"));
}

static pf_message *
feed_headers(pf_pipeline *tx, const char *const *hv)
{
	(void)pf_pipeline_mail(tx, "alice@co.example", NULL);
	(void)pf_pipeline_rcpt(tx, "r@example.net");
	for (; hv[0]; hv += 2)
		pf_pipeline_header(tx, hv[0], hv[1]);
	(void)pf_pipeline_eoh(tx);
	return tx->msg;
}

static void
obsolete_from_and_bare_cr_headers_are_ambiguous(void **state)
{
	static const char *const cases[][6] = {
		{"From", "alice@co.example", "From ", "ceo@partner.example",
		 NULL, NULL},
		{"From", "alice@co.example", "From\t", "ceo@partner.example",
		 NULL, NULL},
		{"From", "alice@co.example", "Subject",
		 "hi\rFrom: ceo@partner.example", NULL, NULL},
		{"From", "alice@co.example", "Sender", "a@co.example",
		 "Sender", "b@co.example"},
	};
	pf_config *cfg = tu_config("");

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		pf_pipeline *tx = tu_pipeline(cfg);
		const char *hv[] = {cases[i][0], cases[i][1], cases[i][2],
				    cases[i][3], cases[i][4], cases[i][5],
				    NULL, NULL};
		pf_message *msg = feed_headers(tx, hv);
		const pf_result *r = tu_find(msg, "from.ambiguous");

		if (r == NULL)
			fail_msg("case %zu: no from.ambiguous", i);
		assert_non_null(r->fix);
		pf_pipeline_free(&tx);
	}
	pf_config_unref(&cfg);
}

static void
foreign_sender_goes_through_the_identity_table(void **state)
{
	char *table = tu_write_temp("alice alice@co.example\n");
	GString *conf = g_string_new(NULL);
	pf_config *cfg;
	const char *with_from[] = {"From", "alice@co.example", "Sender",
				   "ceo@partner.example", NULL, NULL};
	const char *alone[] = {"Sender", "CEO <ceo@partner.example>", NULL,
			       NULL};
	pf_pipeline *tx;

	g_string_printf(conf, "[from]\nsasl_senders = %s\n", table);
	cfg = tu_config(conf->str);
	tx = tu_pipeline(cfg);
	pf_message_set_auth_user(tx->msg, "alice");
	assert_non_null(tu_find(feed_headers(tx, with_from), "from.identity"));
	pf_pipeline_free(&tx);
	tx = tu_pipeline(cfg);
	pf_message_set_auth_user(tx->msg, "alice");
	assert_non_null(tu_find(feed_headers(tx, alone), "from.identity"));
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
	g_string_free(conf, TRUE);
	unlink(table);
	g_free(table);
}

static void
from_after_a_full_header_window_is_still_read(void **state)
{
	pf_config *cfg = tu_config("[policy]\nmax_header_size = 2048\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	GString *big = g_string_new(NULL);

	g_string_append_c(big, 'x');
	g_string_set_size(big, 1000);
	memset(big->str, 'x', big->len);
	(void)pf_pipeline_mail(tx, "alice@co.example", NULL);
	(void)pf_pipeline_rcpt(tx, "r@example.net");
	for (int i = 0; i < 1100; i++)	/* ~1.1 MB of other fields */
		pf_pipeline_header(tx, "X-Filler", big->str);
	pf_pipeline_header(tx, "From", "alice@co.example");
	pf_pipeline_header(tx, "From", "ceo@partner.example");
	(void)pf_pipeline_eoh(tx);
	assert_int_equal(pf_message_header_count(tx->msg, "From"), 2);
	assert_non_null(tu_find(tx->msg, "from.multiple"));
	pf_pipeline_free(&tx);

	tx = tu_pipeline(cfg);
	(void)pf_pipeline_mail(tx, "alice@co.example", NULL);
	for (int i = 0; i < 10; i++)
		pf_pipeline_header(tx, "X-Filler", big->str);
	for (int i = 0; i < PF_HEADER_KEY_EXTRA + 5; i++)
		pf_pipeline_header(tx, "Subject", "s");
	pf_pipeline_header(tx, "From", "ceo@partner.example");
	(void)pf_pipeline_eoh(tx);
	assert_non_null(tu_find(tx->msg, "from.header-overflow"));
	pf_pipeline_free(&tx);
	g_string_free(big, TRUE);
	pf_config_unref(&cfg);
}

static void
forged_authentication_results_are_deleted_last_first(void **state)
{
	pf_config *cfg = tu_config("[policy]\nauthserv_id = mx.co.example\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	const char *hv[] = {
		"Authentication-Results", "mx.co.example; dmarc=pass",
		"Authentication-Results", "other.example; spf=pass",
		"Authentication-Results", " (c) \"MX.CO.EXAMPLE\" 1; none",
		"From", "alice@co.example", NULL, NULL,
	};
	pf_message *msg = feed_headers(tx, hv);
	const pf_result *r = tu_find(msg, "from.auth-results-removed");
	const pf_header_ref *d;

	assert_true(pf_authres_claims_id("mx.co.example;", "MX.co.example"));
	assert_false(pf_authres_claims_id("mx.co.example.evil; x",
					  "mx.co.example"));
	assert_non_null(r);
	assert_string_equal(pf_result_fact_get(r, "count"), "2");
	assert_int_equal(msg->del_headers->len, 2);
	d = &g_array_index(msg->del_headers, pf_header_ref, 0);
	assert_int_equal(d->index, 1);
	d = &g_array_index(msg->del_headers, pf_header_ref, 1);
	assert_int_equal(d->index, 3);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

/* lazylib: what a library opened on first need does when it is there,
 * when it is not, and when a function is missing */
static void
count_lines(int priority, const char *line, void *arg)
{
	GPtrArray *lines = arg;

	g_ptr_array_add(lines, g_strdup(line));
}

static __typeof__(strlen) *lz_strlen;
static __typeof__(strlen) *lz_none;
static const pf_lazysym libc_syms[] = { PF_LAZYSYM(strlen, lz_strlen) };
static const pf_lazysym missing_fn[] = {
	PF_LAZYSYM(strlen, lz_strlen),
	PF_LAZYSYM(pf_no_such_function, lz_none),
};

static void
lazy_libraries_open_once_and_say_why_they_cannot(void **state)
{
	pf_lazylib libc = PF_LAZYLIB("libc.so.6", libc_syms);
	pf_lazylib nolib = PF_LAZYLIB("libpf-no-such.so.0", libc_syms);
	pf_lazylib nofn = PF_LAZYLIB("libc.so.6", missing_fn);
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	GString *err = g_string_new(NULL);

	assert_true(pf_lazylib_load(&libc));
	assert_non_null(lz_strlen);
	assert_int_equal(lz_strlen("four"), 4);
	assert_int_equal(pf_lazylib_require(&libc, err), 0);
	assert_int_equal(err->len, 0);

	pf_log_capture(count_lines, lines);
	lz_strlen = NULL;
	assert_false(pf_lazylib_load(&nolib));
	assert_false(pf_lazylib_load(&nolib));	/* logged once */
	assert_int_equal(lines->len, 1);
	assert_non_null(strstr(lines->pdata[0], "libpf-no-such.so.0"));
	assert_non_null(strstr(lines->pdata[0], "go without"));
	assert_int_equal(pf_lazylib_require(&nolib, err), -1);
	assert_non_null(strstr(err->str, "libpf-no-such.so.0"));
	assert_null(lz_strlen);

	g_string_truncate(err, 0);
	assert_int_equal(pf_lazylib_require(&nofn, err), -1);
	assert_non_null(strstr(err->str, "no function pf_no_such_function"));
	assert_null(lz_strlen);		/* all or nothing */
	assert_null(lz_none);
	assert_int_equal(lines->len, 1);	/* require() logs nothing */
	pf_log_capture(NULL, NULL);
	g_free(nolib.error);	/* a handle lives as long as the process */
	g_free(nofn.error);
	g_ptr_array_free(lines, TRUE);
	g_string_free(err, TRUE);
}

/* the checks that are on open their libraries: ICU and libarchive here */
static void
checks_load_the_libraries_they_open_lazily(void **state)
{
	pf_config *cfg = pf_config_defaults();
	GString *err = g_string_new(NULL);
	pf_mailbox mb = {0};

	assert_int_equal(pf_checks_load(cfg, err), 0);
	assert_int_equal(err->len, 0);
	assert_int_equal(pf_look_load(err), 0);
	/* and the pointers work: a Cyrillic look-alike of an ASCII domain */
	mb.addr = (char *)"ceo@xn--pypal-4ve.com";
	mb.domain_ascii = (char *)"xn--pypal-4ve.com";
	mb.domain_unicode = (char *)"p\xd0\xb0ypal.com";
	{
		char *why = pf_look_domain_confusable(&mb);

		assert_non_null(why);
		assert_string_equal(why, "looks like paypal.com");
		g_free(why);
	}
	g_string_free(err, TRUE);
	pf_config_unref(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_attack_class_is_refused_with_its_reason),
		cmocka_unit_test(
		    clean_from_forms_read_as_one_mailbox_without_finding),
		cmocka_unit_test(look_alike_names_and_domains_are_display_spoof),
		cmocka_unit_test(domain_bytes_that_are_not_utf8_are_no_domain),
		cmocka_unit_test(idna_domains_compare_in_both_forms),
		cmocka_unit_test(obsolete_from_and_bare_cr_headers_are_ambiguous),
		cmocka_unit_test(foreign_sender_goes_through_the_identity_table),
		cmocka_unit_test(from_after_a_full_header_window_is_still_read),
		cmocka_unit_test(
		    forged_authentication_results_are_deleted_last_first),
		cmocka_unit_test(
		    lazy_libraries_open_once_and_say_why_they_cannot),
		cmocka_unit_test(checks_load_the_libraries_they_open_lazily),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
