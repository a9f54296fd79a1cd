/*
 * test_resolver - the resolver's failure hold (RFC 9520): a failed lookup
 * asked again within its hold fails at once, saying so; other names are
 * asked; the hold ends, and doubles while the lookup keeps failing.
 * The upstream is a UDP socket of this test that never answers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "dns/resolver.h"

static int
black_hole(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static pf_resolver *
resolver(int port, unsigned hold_ms)
{
	char up[64];
	GString *err = g_string_new(NULL);
	pf_resolver_opts o = {.upstreams = up, .timeout_ms = 300,
			      .hold_ms = hold_ms};
	pf_resolver *r;

	g_snprintf(up, sizeof(up), "127.0.0.1@%d", port);
	r = pf_resolver_new(&o, err);
	assert_non_null(r);
	g_string_free(err, TRUE);
	return r;
}

/* TXT name: its status; *held says whether the reason says held */
static pf_dns_status
ask(pf_resolver *r, const char *name, bool *held)
{
	GString *why = g_string_new("earlier text; ");
	GPtrArray *txt = NULL;
	pf_dns_status st = pf_dns_txt(r, name, &txt, why);

	*held = strstr(why->str, "held") != NULL;
	/* the hold keeps this lookup's reason, not what why held before */
	if (*held)
		assert_null(strstr(why->str + 14, "earlier text"));
	assert_null(txt);
	g_string_free(why, TRUE);
	return st;
}

static void
a_failed_lookup_is_held_and_other_names_are_asked(void **state)
{
	int port, fd = black_hole(&port);
	pf_resolver *r = resolver(port, 5000);
	bool held;

	assert_int_equal(ask(r, "a.example.net", &held), PF_DNS_TEMPFAIL);
	assert_false(held);
	assert_int_equal(pf_resolver_cache_hits(r), 0);
	assert_int_equal(ask(r, "a.example.net", &held), PF_DNS_TEMPFAIL);
	assert_true(held);
	assert_int_equal(pf_resolver_cache_hits(r), 1);
	assert_int_equal(ask(r, "b.example.net", &held), PF_DNS_TEMPFAIL);
	assert_false(held);
	assert_int_equal(pf_resolver_cache_hits(r), 1);
	pf_resolver_free(&r);
	close(fd);
}

static void
the_hold_ends_and_doubles_while_the_lookup_keeps_failing(void **state)
{
	int port, fd = black_hole(&port);
	pf_resolver *r = resolver(port, 300);
	bool held;

	assert_int_equal(ask(r, "c.example.net", &held), PF_DNS_TEMPFAIL);
	assert_false(held);
	g_usleep(450 * 1000);		/* past the first hold (300 ms) */
	assert_int_equal(ask(r, "c.example.net", &held), PF_DNS_TEMPFAIL);
	assert_false(held);		/* asked again, failed again */
	g_usleep(450 * 1000);		/* within the doubled hold (600 ms) */
	assert_int_equal(ask(r, "c.example.net", &held), PF_DNS_TEMPFAIL);
	assert_true(held);
	assert_int_equal(pf_resolver_cache_hits(r), 1);
	pf_resolver_free(&r);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_failed_lookup_is_held_and_other_names_are_asked),
		cmocka_unit_test(the_hold_ends_and_doubles_while_the_lookup_keeps_failing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
