/*
 * test_dnsbl - blocklist names (RFC 5782: IPv4 octets reversed, IPv6
 * nibbles), the [dnsbl] list syntax checked at load, and the reputation
 * check reading nothing when the watch has not run.
 */
#include <string.h>

#include "testutil.h"
#include "dns/dnsbl.h"
#include "dns/watch.h"

static void
ipv4_is_reversed_by_octet(void **state)
{
	char *r = pf_dnsbl_reverse("192.0.2.10");

	assert_string_equal(r, "10.2.0.192");
	g_free(r);
}

static void
ipv6_is_written_as_32_reversed_nibbles(void **state)
{
	char *r = pf_dnsbl_reverse("2001:db8::10");

	assert_string_equal(r, "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
	    ".0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2");
	g_free(r);
	r = pf_dnsbl_reverse("2001:db8:1234:5678:9abc:def0:1:2");
	assert_string_equal(r, "2.0.0.0.1.0.0.0.0.f.e.d.c.b.a.9"
	    ".8.7.6.5.4.3.2.1.8.b.d.0.1.0.0.2");
	g_free(r);
}

static void
not_an_address_has_no_name(void **state)
{
	assert_null(pf_dnsbl_reverse("192.0.2"));
	assert_null(pf_dnsbl_reverse("example.test"));
	assert_null(pf_dnsbl_reverse(NULL));
}

static void
list_kinds_are_checked_at_load(void **state)
{
	GString *err = g_string_new(NULL);
	pf_config *cfg = tu_config("[dnsbl]\nip_lists = zen.spamhaus.org "
	    "mirror.test=spamhaus b.barracudacentral.org\n"
	    "domain_lists = dbl.spamhaus.org\n");

	pf_config_unref(&cfg);
	assert_null(tu_config_err("[dnsbl]\nip_lists = mirror.test=nokind\n",
				  err, NULL));
	assert_non_null(strstr(err->str, "[dnsbl] ip_lists: \"mirror.test="
	    "nokind\" is not ZONE or ZONE=KIND"));
	g_string_truncate(err, 0);
	assert_null(tu_config_err("[dnsbl]\nlisted_action = reject\n", err,
				  NULL));
	assert_non_null(strstr(err->str, "listed_action: tempfail, annotate "
	    "or monitor"));
	g_string_free(err, TRUE);
}

static void
no_watch_no_finding(void **state)
{
	pf_config *cfg = tu_config("[spf]\nmode = off\n"
	    "egress_ips = 192.0.2.10\n"
	    "[dnsbl]\nip_lists = zen.spamhaus.org\ninterval = 60\n"
	    "listed_action = tempfail\n");
	pf_pipeline *tx = tu_pipeline(cfg);

	assert_int_equal(pf_config_check_mode(cfg, PF_CHECK_DNSBL),
			 PF_MODE_ENFORCE);
	assert_null(pf_watch_listed());
	assert_null(pf_pipeline_mail(tx, "", NULL));
	assert_null(tu_find(tx->msg, "dnsbl.listed"));
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
watch_is_off_without_interval(void **state)
{
	pf_config *cfg = tu_config("[spf]\negress_ips = 192.0.2.10\n"
	    "[dnsbl]\nip_lists = zen.spamhaus.org\n");

	assert_int_equal(pf_config_check_mode(cfg, PF_CHECK_DNSBL),
			 PF_MODE_OFF);
	pf_config_unref(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_is_reversed_by_octet),
		cmocka_unit_test(ipv6_is_written_as_32_reversed_nibbles),
		cmocka_unit_test(not_an_address_has_no_name),
		cmocka_unit_test(list_kinds_are_checked_at_load),
		cmocka_unit_test(no_watch_no_finding),
		cmocka_unit_test(watch_is_off_without_interval),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
