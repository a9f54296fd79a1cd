/*
 * test_resolver - the resolver's failure hold (RFC 9520): a failed lookup
 * asked again within its hold fails at once, saying so; other names are
 * asked; the hold ends, and doubles while the lookup keeps failing.
 * The upstream is a UDP socket of this test that never answers.
 *
 * pf_dns_prefetch(): the query reaches the server before anyone asks,
 * the later lookup is answered without a second one, a held failure stays
 * held, and what is in flight is freed with the resolver.  The upstream is a UDP responder of
 * this test that answers every TXT question with one record (or none) and
 * counts the queries it was sent.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
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

typedef struct responder {
	int fd;
	int port;
	bool answer;		/* false: count, never answer */
	gint queries;		/* atomic */
	gint stop;		/* atomic */
	GThread *thread;
	GMutex lock;
	GString *names;		/* " name name ...": each query's, in order */
} responder;

/* One answer: the question copied, one TXT record "v=DMARC1; p=none". */
static gpointer
respond(gpointer arg)
{
	responder *rs = arg;
	static const char txt[] = "v=DMARC1; p=none";

	while (!g_atomic_int_get(&rs->stop)) {
		struct pollfd pfd = {.fd = rs->fd, .events = POLLIN};
		unsigned char q[512], a[600];
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n;
		size_t qend = 12, len;

		if (poll(&pfd, 1, 50) <= 0)
			continue;
		n = recvfrom(rs->fd, q, sizeof(q), 0, (struct sockaddr *)&from,
			     &flen);
		if (n < 12)
			continue;
		g_mutex_lock(&rs->lock);
		g_string_append_c(rs->names, ' ');
		for (size_t i = 12; i < (size_t)n && q[i] != 0 &&
		     i + 1 + q[i] <= (size_t)n; i += q[i] + 1u)
			g_string_append_printf(rs->names, "%s%.*s",
			    i > 12 ? "." : "", (int)q[i], (const char *)q + i + 1);
		g_mutex_unlock(&rs->lock);
		g_atomic_int_inc(&rs->queries);
		if (!rs->answer)
			continue;
		while (qend < (size_t)n && q[qend] != 0)
			qend += q[qend] + 1u;
		qend += 5;		/* the root label, QTYPE, QCLASS */
		if (qend > (size_t)n)
			continue;
		memcpy(a, q, qend);
		a[2] = 0x81;		/* QR, RD */
		a[3] = 0x80;		/* RA, NOERROR */
		a[6] = 0, a[7] = 1;	/* one answer */
		a[8] = a[9] = a[10] = a[11] = 0;
		len = qend;
		memcpy(a + len, "\xc0\x0c\x00\x10\x00\x01\x00\x00\x01\x2c", 10);
		len += 10;		/* the name, TXT, IN, TTL 300 */
		a[len++] = 0, a[len++] = sizeof(txt);	/* RDLENGTH */
		a[len++] = sizeof(txt) - 1;
		memcpy(a + len, txt, sizeof(txt) - 1);
		len += sizeof(txt) - 1;
		(void)sendto(rs->fd, a, len, 0, (struct sockaddr *)&from, flen);
	}
	return NULL;
}

static responder *
responder_start(bool answer)
{
	responder *rs = g_new0(responder, 1);

	rs->fd = black_hole(&rs->port);
	rs->answer = answer;
	g_mutex_init(&rs->lock);
	rs->names = g_string_new(NULL);
	rs->thread = g_thread_new("responder", respond, rs);
	return rs;
}

static void
responder_stop(responder *rs)
{
	g_atomic_int_set(&rs->stop, 1);
	g_thread_join(rs->thread);
	close(rs->fd);
	g_string_free(rs->names, TRUE);
	g_mutex_clear(&rs->lock);
	g_free(rs);
}

/* Wait up to 2 s for the responder to have seen n queries. */
static int
queries_seen(responder *rs, int n)
{
	for (int i = 0; i < 200 && g_atomic_int_get(&rs->queries) < n; i++)
		g_usleep(10 * 1000);
	return g_atomic_int_get(&rs->queries);
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

static void
a_prefetch_asks_the_server_before_the_lookup_and_only_once(void **state)
{
	responder *rs = responder_start(true);
	pf_resolver *r = resolver(rs->port, 5000);
	GString *why = g_string_new(NULL);
	GPtrArray *txt = NULL;

	pf_dns_prefetch(r, "_dmarc.prefetch.example", 16, 1);
	/* nobody has asked yet: the query is out all the same */
	assert_int_equal(queries_seen(rs, 1), 1);
	assert_int_equal(pf_resolver_queries_sent(r), 0);
	assert_int_equal(pf_dns_txt(r, "_dmarc.prefetch.example", &txt, why),
			 PF_DNS_OK);
	assert_int_equal(txt->len, 1);
	assert_string_equal(txt->pdata[0], "v=DMARC1; p=none");
	g_ptr_array_unref(txt);
	/* the prefetched answer is cached: asked again, from the cache */
	assert_int_equal(pf_dns_txt(r, "_dmarc.prefetch.example", &txt, why),
			 PF_DNS_OK);
	g_ptr_array_unref(txt);
	assert_int_equal(pf_resolver_cache_hits(r), 1);
	/* a cached name is not fetched again; another name is */
	pf_dns_prefetch(r, "_dmarc.prefetch.example", 16, 1);
	pf_dns_prefetch(r, "_dmarc.other.example", 16, 1);
	assert_int_equal(queries_seen(rs, 2), 2);
	g_usleep(100 * 1000);
	assert_int_equal(g_atomic_int_get(&rs->queries), 2);
	g_string_free(why, TRUE);
	pf_resolver_free(&r);	/* the second prefetch's answer never read */
	responder_stop(rs);
}

static void
a_prefetch_keeps_a_held_failure_and_is_freed_unanswered(void **state)
{
	responder *rs = responder_start(false);
	pf_resolver *r = resolver(rs->port, 5000);
	bool held;

	assert_int_equal(ask(r, "_dmarc.down.example", &held), PF_DNS_TEMPFAIL);
	assert_false(held);
	pf_dns_prefetch(r, "_dmarc.down.example", 16, 1);
	/* a prefetch that is never answered, left in flight */
	pf_dns_prefetch(r, "_dmarc.unanswered.example", 16, 1);
	assert_true(queries_seen(rs, 2) >= 2);
	assert_int_equal(ask(r, "_dmarc.down.example", &held), PF_DNS_TEMPFAIL);
	assert_true(held);		/* the prefetch did not end the hold */
	assert_int_equal(pf_resolver_cache_hits(r), 1);
	pf_resolver_free(&r);		/* and frees what is in flight */
	responder_stop(rs);
}

/* Whether the responder has been asked for name (up to 2 s). */
static bool
asked_for(responder *rs, const char *name)
{
	g_autofree char *word = g_strconcat(" ", name, NULL);
	bool seen = false;

	for (int i = 0; i < 200 && !seen; i++) {
		g_mutex_lock(&rs->lock);
		seen = strstr(rs->names->str, word) != NULL;
		g_mutex_unlock(&rs->lock);
		if (!seen)
			g_usleep(10 * 1000);
	}
	return seen;
}

static void
the_dmarc_check_asks_for_the_record_at_the_end_of_the_headers(void **state)
{
	responder *rs = responder_start(true);
	g_autofree char *text = g_strdup_printf("[dns]\nupstreams = "
	    "127.0.0.1@%d\n[spf]\negress_ips = 192.0.2.10\n", rs->port);
	pf_config *cfg = tu_config(text);
	pf_pipeline *tx = tu_pipeline(cfg);
	static const unsigned char body[] = "Hello.\r\n";
	const pf_result *r;

	assert_null(pf_pipeline_mail(tx, "", NULL));
	assert_null(pf_pipeline_rcpt(tx, "bob@example.net"));
	pf_pipeline_header(tx, "From", "Alice <alice@Early.Example>");
	pf_pipeline_header(tx, "To", "bob@example.net");
	pf_pipeline_header(tx, "Subject", "hello");
	(void)pf_pipeline_eoh(tx);
	/* asked while the body has yet to come, the name in lower case */
	assert_true(asked_for(rs, "_dmarc.early.example"));
	pf_pipeline_body(tx, body, sizeof(body) - 1);
	(void)pf_pipeline_eom(tx);
	/* discovery found it: the null sender fails under p=none */
	r = tu_find(tx->msg, "dmarc.none");
	assert_non_null(r);
	assert_non_null(strstr(r->text, "record at _dmarc.early.example"));
	g_mutex_lock(&rs->lock);
	/* and did not ask again */
	assert_null(strstr(strstr(rs->names->str, " _dmarc.early.example") + 1,
			   " _dmarc.early.example"));
	g_mutex_unlock(&rs->lock);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
	responder_stop(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_failed_lookup_is_held_and_other_names_are_asked),
		cmocka_unit_test(the_hold_ends_and_doubles_while_the_lookup_keeps_failing),
		cmocka_unit_test(a_prefetch_asks_the_server_before_the_lookup_and_only_once),
		cmocka_unit_test(a_prefetch_keeps_a_held_failure_and_is_freed_unanswered),
		cmocka_unit_test(the_dmarc_check_asks_for_the_record_at_the_end_of_the_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
