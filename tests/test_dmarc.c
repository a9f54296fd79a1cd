/*
 * NAME
 *	test_dmarc - DMARC record parsing, organisational domains, alignment
 *	and the From parsing the DMARC check relies on (no DNS; the tree
 *	walk against a DNS server is tests/dmarc9989.sh)
 */
#include <string.h>

#include "testutil.h"
#include "auth/dmarc_walk.h"

static void
record_with_every_tag_parses(void **state)
{
	pf_dmarc_record rec;
	GString *why = g_string_new(NULL);

	assert_int_equal(pf_dmarc_parse("v=DMARC1; p=reject; sp=none; "
	    "adkim=s; aspf=r; pct=25; rua=mailto:x@example.com", &rec, why), 0);
	assert_int_equal(rec.p, PF_DMARC_P_REJECT);
	assert_int_equal(rec.sp, PF_DMARC_P_NONE);
	assert_true(rec.adkim_strict);
	assert_false(rec.aspf_strict);
	assert_int_equal(rec.pct, 25);
	g_string_free(why, TRUE);
}

static void
sp_defaults_to_p_and_pct_to_100(void **state)
{
	pf_dmarc_record rec;
	GString *why = g_string_new(NULL);

	assert_int_equal(pf_dmarc_parse("v=DMARC1;p=quarantine", &rec, why), 0);
	assert_int_equal(rec.sp, PF_DMARC_P_QUARANTINE);
	assert_int_equal(rec.pct, 100);
	assert_false(rec.adkim_strict);
	g_string_free(why, TRUE);
}

static void
rfc9989_tags_np_t_psd_parse(void **state)
{
	pf_dmarc_record rec;
	GString *why = g_string_new(NULL);

	assert_int_equal(pf_dmarc_parse("v=DMARC1; p=reject; sp=quarantine; "
	    "np=none; t=y; psd=n", &rec, why), 0);
	assert_int_equal(rec.np, PF_DMARC_P_NONE);
	assert_true(rec.has_np);
	assert_true(rec.testing);
	assert_int_equal(rec.psd, PF_DMARC_PSD_N);
	assert_int_equal(pf_dmarc_parse("v=DMARC1; p=reject; psd=y; t=n",
	    &rec, why), 0);
	assert_int_equal(rec.psd, PF_DMARC_PSD_Y);
	assert_false(rec.testing);
	/* np defaults to sp, sp to p; psd to u */
	assert_int_equal(pf_dmarc_parse("v=DMARC1; p=reject; sp=none", &rec,
	    why), 0);
	assert_int_equal(rec.np, PF_DMARC_P_NONE);
	assert_false(rec.has_np);
	assert_int_equal(rec.psd, PF_DMARC_PSD_U);
	assert_int_equal(pf_dmarc_parse("v=DMARC1; p=quarantine", &rec, why),
	    0);
	assert_int_equal(rec.np, PF_DMARC_P_QUARANTINE);
	g_string_free(why, TRUE);
}

static void
unknown_tags_are_ignored(void **state)
{
	pf_dmarc_record rec;
	GString *why = g_string_new(NULL);

	assert_int_equal(pf_dmarc_parse("v=DMARC1; p=reject; future=yes; "
	    "xyz; psd=maybe", &rec, why), 0);
	assert_int_equal(rec.p, PF_DMARC_P_REJECT);
	assert_int_equal(rec.psd, PF_DMARC_PSD_U);
	g_string_free(why, TRUE);
}

static void
no_valid_p_with_rua_reads_as_none(void **state)
{
	pf_dmarc_record rec;
	GString *why = g_string_new(NULL);

	assert_int_equal(pf_dmarc_parse("v=DMARC1; rua=mailto:d@example.com",
	    &rec, why), 0);
	assert_int_equal(rec.p, PF_DMARC_P_NONE);
	assert_int_equal(pf_dmarc_parse("v=DMARC1; p=bounce; "
	    "rua=mailto:d@example.com", &rec, why), 0);
	assert_int_equal(rec.p, PF_DMARC_P_NONE);
	g_string_free(why, TRUE);
}

static void
model_names_parse(void **state)
{
	pf_dmarc_model m;

	assert_int_equal(pf_dmarc_model_parse("treewalk", &m), 0);
	assert_int_equal(m, PF_DMARC_TREEWALK);
	assert_int_equal(pf_dmarc_model_parse("PSL", &m), 0);
	assert_int_equal(m, PF_DMARC_PSL);
	assert_int_equal(pf_dmarc_model_parse(NULL, &m), 0);
	assert_int_equal(m, PF_DMARC_TREEWALK);
	assert_int_equal(pf_dmarc_model_parse("rfc7489", &m), -1);
}

static void
bad_records_are_refused(void **state)
{
	pf_dmarc_record rec;
	GString *why = g_string_new(NULL);

	assert_int_equal(pf_dmarc_parse("p=reject; v=DMARC1", &rec, why), -1);
	assert_int_equal(pf_dmarc_parse("v=DMARC1; sp=reject", &rec, why), -1);
	assert_int_equal(pf_dmarc_parse("v=DMARC1; p=bounce", &rec, why), -1);
	assert_int_equal(pf_dmarc_parse("v=spf1 -all", &rec, why), -1);
	assert_int_equal(pf_dmarc_parse("", &rec, why), -1);
	g_string_free(why, TRUE);
}

static void
org_domain_uses_the_public_suffix_list(void **state)
{
	char *o;

	o = pf_dmarc_org_domain(NULL, "news.example.co.uk");
	assert_string_equal(o, "example.co.uk");
	g_free(o);
	o = pf_dmarc_org_domain(NULL, "A.B.Example.COM");
	assert_string_equal(o, "example.com");
	g_free(o);
	o = pf_dmarc_org_domain(NULL, "mail.example.test");
	assert_string_equal(o, "example.test");
	g_free(o);
	assert_null(pf_dmarc_org_domain(NULL, "co.uk"));
	assert_null(pf_dmarc_org_domain(NULL, "example.net(.example.com"));
}

static void
relaxed_and_strict_alignment(void **state)
{
	assert_true(pf_dmarc_aligned(NULL, "example.co.uk", "news.example.co.uk",
				     false));
	assert_false(pf_dmarc_aligned(NULL, "example.co.uk",
				      "news.example.co.uk", true));
	assert_true(pf_dmarc_aligned(NULL, "Example.COM", "example.com", true));
	/* two registrants under one public suffix never align */
	assert_false(pf_dmarc_aligned(NULL, "a.co.uk", "b.co.uk", false));
	assert_false(pf_dmarc_aligned(NULL, "example.com", "example.net",
				      false));
	/* comment syntax (CVE-2020-12272) never aligns */
	assert_false(pf_dmarc_aligned(NULL, "example.net(.example.com",
				      "example.com", false));
	assert_false(pf_dmarc_aligned(NULL, "", "example.com", false));
}

static const char *
from_domain_of(const char *header)
{
	static char buf[256];
	pf_config *cfg = pf_config_defaults();
	pf_message *msg = pf_message_new(cfg, NULL);
	char *d;

	if (header)
		pf_message_store_header(msg, "From", header);
	d = pf_from_domain(msg);
	g_strlcpy(buf, d ? d : "(null)", sizeof(buf));
	g_free(d);
	pf_message_free(&msg);
	pf_config_unref(&cfg);
	return buf;
}

static void
from_domain_only_for_exactly_one_mailbox(void **state)
{
	assert_string_equal(from_domain_of("Alice <alice@Example.COM>"),
			    "example.com");
	assert_string_equal(from_domain_of("alice@example.com (Alice)"),
			    "example.com");
	/* CVE-2019-16378: several mailboxes give no DMARC domain */
	assert_string_equal(from_domain_of("a <a@x.test>, b <b@y.test>"),
			    "(null)");
	/* CVE-2021-34555: no domain */
	assert_string_equal(from_domain_of("a, b@y.test"), "(null)");
	assert_string_equal(from_domain_of("alice"), "(null)");
	assert_string_equal(from_domain_of("group: a@x.test;"), "(null)");
	assert_string_equal(from_domain_of(""), "(null)");
	assert_string_equal(from_domain_of(NULL), "(null)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_with_every_tag_parses),
		cmocka_unit_test(sp_defaults_to_p_and_pct_to_100),
		cmocka_unit_test(rfc9989_tags_np_t_psd_parse),
		cmocka_unit_test(unknown_tags_are_ignored),
		cmocka_unit_test(no_valid_p_with_rua_reads_as_none),
		cmocka_unit_test(model_names_parse),
		cmocka_unit_test(bad_records_are_refused),
		cmocka_unit_test(org_domain_uses_the_public_suffix_list),
		cmocka_unit_test(relaxed_and_strict_alignment),
		cmocka_unit_test(from_domain_only_for_exactly_one_mailbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
