/*
 * test_metrics - the Prometheus exposition read back: decisions and reason
 * codes counted exactly (also from several threads), histograms cumulative
 * with _count and _sum agreeing, reason-code labels bounded, the listen
 * address checked with file:line; the audit log reopened for rotation
 * loses no record and is created 0640 whatever the umask.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "core/metrics.h"

static const char small_mail[] =
	"From: a@example.com\nTo: b@example.org\nSubject: hi\n"
	"Message-ID: <m1@example.com>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
	"\nhello\n";
static const char big_mail[] =
	"From: a@example.com\nTo: b@example.org\nSubject: hi\n"
	"Message-ID: <m2@example.com>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
	"\nhello, this body takes the message past the limit of two "
	"hundred bytes set by the test: more than small_mail has\n";

/* The value of one series ("name{labels}") on the page, or -1. */
static double
series(const char *page, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = page; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
		if (strncmp(p, name, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static GString *
page(void)
{
	GString *out = g_string_new(NULL);

	pf_metrics_render(out);
	return out;
}

/* Every line is a comment or NAME[{k="v",...}] VALUE; no value is NaN. */
static void
assert_well_formed(const char *text)
{
	gchar **lines = g_strsplit(text, "\n", -1);

	for (gchar **l = lines; *l; l++) {
		GRegex *re;
		bool ok;

		if (**l == '\0' || strncmp(*l, "# HELP ", 7) == 0 ||
		    strncmp(*l, "# TYPE ", 7) == 0)
			continue;
		re = g_regex_new("^[a-zA-Z_:][a-zA-Z0-9_:]*"
		    "(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\.)*\""
		    "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\.)*\")*\\})? "
		    "[-+]?[0-9.e+-]+$", 0, 0, NULL);
		ok = g_regex_match(re, *l, 0, NULL);
		g_regex_unref(re);
		if (!ok)
			fail_msg("malformed exposition line: %s", *l);
	}
	g_strfreev(lines);
}

/* One histogram: buckets never decrease, +Inf equals _count. */
static double
assert_histogram(const char *text, const char *name, const char *labels)
{
	GString *key = g_string_new(NULL);
	const char *p = text;
	double last = 0, inf = -1, count, sum;
	unsigned buckets = 0;

	g_string_printf(key, "%s_bucket{%s%sle=\"", name, labels,
			*labels ? "," : "");
	while ((p = strstr(p, key->str)) != NULL) {
		const char *v = strchr(p, ' ');
		double n = strtod(v + 1, NULL);

		assert_true(n >= last);
		last = n;
		buckets++;
		if (strncmp(p + key->len, "+Inf\"", 5) == 0)
			inf = n;
		p = v;
	}
	assert_true(buckets >= 2);
	g_string_printf(key, "%s_count%s%s%s", name, *labels ? "{" : "",
			labels, *labels ? "}" : "");
	count = series(text, key->str);
	g_string_printf(key, "%s_sum%s%s%s", name, *labels ? "{" : "", labels,
			*labels ? "}" : "");
	sum = series(text, key->str);
	assert_true(inf >= 0);
	assert_true(count == inf);
	assert_true(sum >= 0);
	assert_true(count > 0 || sum == 0);
	g_string_free(key, TRUE);
	return count;
}

static void
decisions_are_counted_by_action_and_reason(void **state)
{
	pf_config *cfg = tu_config("[size]\nmax_message_size = 200\n");
	GString *before = page(), *after;
	double acc0 = series(before->str,
			     "preflight_decisions_total{action=\"accept\"}");
	double rej0 = series(before->str,
			     "preflight_decisions_total{action=\"reject\"}");
	double big0 = series(before->str,
	    "preflight_decision_reasons_total{code=\"size.too-big\"}");
	double lat0 = assert_histogram(before->str,
	    "preflight_decision_duration_seconds", "");
	const unsigned accepts = 7, rejects = 3;

	if (big0 < 0)
		big0 = 0;
	for (unsigned i = 0; i < accepts + rejects; i++) {
		pf_pipeline *tx = tu_pipeline(cfg);
		pf_verdict *v;

		assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
		assert_null(pf_pipeline_rcpt(tx, "b@example.org"));
		v = tu_feed(tx, i < rejects ? big_mail : small_mail);
		assert_int_equal(v->action, i < rejects ? PF_ACTION_REJECT :
				 PF_ACTION_ACCEPT);
		pf_verdict_log(tx->msg, v);
		pf_pipeline_free(&tx);
	}
	after = page();
	assert_well_formed(after->str);
	assert_true(series(after->str,
	    "preflight_decisions_total{action=\"accept\"}") == acc0 + accepts);
	assert_true(series(after->str,
	    "preflight_decisions_total{action=\"reject\"}") == rej0 + rejects);
	assert_true(series(after->str,
	    "preflight_decision_reasons_total{code=\"size.too-big\"}") ==
	    big0 + rejects);
	assert_true(assert_histogram(after->str,
	    "preflight_decision_duration_seconds", "") ==
	    lat0 + accepts + rejects);
	/* the size check ran for every message: its run-time histogram */
	assert_true(assert_histogram(after->str,
	    "preflight_check_duration_seconds", "check=\"size\"") >=
	    accepts + rejects);
	assert_true(series(after->str, "preflight_check_results_total"
	    "{check=\"size\",action=\"reject\"}") >= rejects);
	assert_true(series(after->str, "preflight_messages_in_flight") == 0);
	assert_true(series(after->str, "process_start_time_seconds") >
		    1.6e9);
	g_string_free(before, TRUE);
	g_string_free(after, TRUE);
	pf_config_unref(&cfg);
}

static void
in_flight_counts_open_transactions(void **state)
{
	pf_config *cfg = tu_config("");
	pf_pipeline *a = tu_pipeline(cfg), *b = tu_pipeline(cfg);
	GString *p = page();
	double n = series(p->str, "preflight_messages_in_flight");

	assert_true(n >= 2);
	pf_pipeline_free(&a);
	g_string_truncate(p, 0);
	pf_metrics_render(p);
	assert_true(series(p->str, "preflight_messages_in_flight") == n - 1);
	pf_pipeline_free(&b);
	g_string_free(p, TRUE);
	pf_config_unref(&cfg);
}

static void
reason_labels_are_bounded(void **state)
{
	GString *p = page();
	double other0 = series(p->str,
	    "preflight_decision_reasons_total{code=\"other\"}");
	unsigned lines0 = 0, lines1 = 0;
	char code[64];

	for (const char *s = p->str; (s = strstr(s, "\npreflight_decision_"
	    "reasons_total{")) != NULL; s++)
		lines0++;
	/* free text, a code of another check, too long: all "other" */
	pf_metrics_reason(PF_CHECK_SIZE, "size.too big for <a@b>");
	pf_metrics_reason(PF_CHECK_SIZE, "dkim.signed");
	pf_metrics_reason(PF_CHECK_SIZE, "size.aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
			  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	pf_metrics_reason(PF_CHECK_SIZE, NULL);
	/* far more distinct valid codes than the table holds */
	for (unsigned i = 0; i < 2 * PF_METRICS_CODES; i++) {
		snprintf(code, sizeof(code), "size.synthetic-%u", i);
		pf_metrics_reason(PF_CHECK_SIZE, code);
	}
	g_string_truncate(p, 0);
	pf_metrics_render(p);
	for (const char *s = p->str; (s = strstr(s, "\npreflight_decision_"
	    "reasons_total{")) != NULL; s++)
		lines1++;
	assert_true(lines0 >= 1);
	assert_int_equal(lines1, PF_METRICS_CODES + 1);	/* full, + other */
	/* every count went somewhere: the table's and other's add up */
	assert_true(series(p->str,
	    "preflight_decision_reasons_total{code=\"other\"}") >=
	    other0 + 4 + PF_METRICS_CODES);
	assert_null(strstr(p->str, "<a@b>"));
	assert_well_formed(p->str);
	g_string_free(p, TRUE);
}

static void *
count_decisions(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < 100000; i++)
		pf_metrics_decision(PF_ACTION_QUARANTINE, 1234);
	return NULL;
}

static void
counting_from_threads_loses_nothing(void **state)
{
	GString *p = page();
	double q0 = series(p->str,
			   "preflight_decisions_total{action=\"quarantine\"}");
	pthread_t t[4];

	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, count_decisions,
						NULL), 0);
	for (unsigned i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	g_string_truncate(p, 0);
	pf_metrics_render(p);
	assert_true(series(p->str, "preflight_decisions_total"
			   "{action=\"quarantine\"}") == q0 + 400000);
	assert_histogram(p->str, "preflight_decision_duration_seconds", "");
	/* 1234 us lands in le="0.0025", not in le="0.001" */
	assert_true(series(p->str, "preflight_decision_duration_seconds_bucket"
			   "{le=\"0.0025\"}") -
		    series(p->str, "preflight_decision_duration_seconds_bucket"
			   "{le=\"0.001\"}") >= 400000);
	g_string_free(p, TRUE);
}

static void
dns_dkim_and_config_series_are_exposed(void **state)
{
	GString *p = page();
	double l0 = series(p->str, "preflight_dns_lookups_total");
	double g0 = series(p->str, "preflight_config_generation");

	pf_metrics_dns(PF_METRICS_DNS_LOOKUP);
	pf_metrics_dns(PF_METRICS_DNS_TIMEOUT);
	pf_metrics_dkim_signature(true);
	pf_metrics_dkim_key("example.com", "s1", "mismatch");
	pf_metrics_dkim_key("example.com", "s1", "ok");
	pf_metrics_config_loaded();
	pf_metrics_reload_failed();
	g_string_truncate(p, 0);
	pf_metrics_render(p);
	assert_true(series(p->str, "preflight_dns_lookups_total") == l0 + 1);
	assert_true(series(p->str, "preflight_dns_timeouts_total") >= 1);
	assert_true(series(p->str, "preflight_dkim_signatures_total"
			   "{algorithm=\"ed25519-sha256\"}") >= 1);
	assert_true(series(p->str, "preflight_dkim_key_state{domain="
	    "\"example.com\",selector=\"s1\",state=\"ok\"}") == 1);
	assert_null(strstr(p->str, "state=\"mismatch\""));	/* the last only */
	pf_metrics_dkim_keys_reset();	/* a reload: only the new keys */
	pf_metrics_dkim_key("example.net", "s2", "ok");
	g_string_truncate(p, 0);
	pf_metrics_render(p);
	assert_null(strstr(p->str, "domain=\"example.com\""));
	assert_true(series(p->str, "preflight_dkim_key_state{domain="
	    "\"example.net\",selector=\"s2\",state=\"ok\"}") == 1);
	assert_true(series(p->str, "preflight_config_generation") == g0 + 1);
	assert_true(series(p->str, "preflight_config_reload_failures_total") >=
		    1);
	g_string_free(p, TRUE);
}

static void
listen_address_is_checked_with_file_and_line(void **state)
{
	static const char *const good[] = {"127.0.0.1:9469", "[::1]:9469",
					    "0.0.0.0:1", "[fe80::1]:65535"};
	static const char *const bad[] = {"127.0.0.1", "localhost:9469",
	    "127.0.0.1:0", "127.0.0.1:65536", "::1:9469", "[::1]9469",
	    "1.2.3.4:80x", ":9469", "[]:9469", "127.0.0.1:-1"};
	struct sockaddr_storage ss;
	socklen_t len;
	GString *err = g_string_new(NULL);
	char *path = NULL;

	for (unsigned i = 0; i < G_N_ELEMENTS(good); i++)
		assert_int_equal(pf_metrics_parse_listen(good[i], &ss, &len,
							 err), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++)
		if (pf_metrics_parse_listen(bad[i], NULL, NULL, err) == 0)
			fail_msg("accepted bad listen value %s", bad[i]);
	g_string_truncate(err, 0);
	assert_null(tu_config_err("[milter]\nsyslog_ident = x\n[metrics]\n"
				  "listen = localhost:80\n", err, &path));
	assert_non_null(strstr(err->str, ":4: metrics.listen"));
	assert_non_null(strstr(err->str, path));
	g_free(path);
	g_string_free(err, TRUE);
}

static unsigned
count_lines(const char *path)
{
	gchar *text = NULL;
	unsigned n = 0;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return 0;
	for (const char *p = text; *p; p++)
		n += *p == '\n';
	g_free(text);
	return n;
}

static void *
write_audit(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < 5000; i++)
		pf_audit_write("{\"schema\":1,\"x\":\"a record of some length "
			       "so that writes take a while\"}");
	return NULL;
}

static void
audit_reopen_under_load_loses_no_record(void **state)
{
	char *dir = g_dir_make_tmp("pf-audit-XXXXXX", NULL);
	char *path = g_build_filename(dir, "audit.log", NULL);
	GString *rotated = g_string_new(NULL);
	pthread_t t[3];
	unsigned total = 0;
	struct stat st;
	mode_t old = umask(0);

	assert_int_equal(pf_audit_open(path), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&t[i], NULL, write_audit, NULL),
				 0);
	for (unsigned r = 1; r <= 20; r++) {
		g_string_printf(rotated, "%s.%u", path, r);
		assert_int_equal(rename(path, rotated->str), 0);
		assert_int_equal(pf_audit_reopen(), 1);
		g_usleep(500);
	}
	for (unsigned i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	pf_audit_close();
	total = count_lines(path);
	for (unsigned r = 1; r <= 20; r++) {
		g_string_printf(rotated, "%s.%u", path, r);
		total += count_lines(rotated->str);
		(void)unlink(rotated->str);
	}
	assert_int_equal(total, 3 * 5000);
	/* created again after rotation: 0640 even with umask 077 */
	(void)unlink(path);
	old = umask(077);
	assert_int_equal(pf_audit_open(path), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	pf_audit_close();
	assert_int_equal(pf_audit_reopen(), 0);	/* none open: nothing */
	(void)unlink(path);
	(void)rmdir(dir);
	g_string_free(rotated, TRUE);
	g_free(path);
	g_free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decisions_are_counted_by_action_and_reason),
		cmocka_unit_test(in_flight_counts_open_transactions),
		cmocka_unit_test(reason_labels_are_bounded),
		cmocka_unit_test(counting_from_threads_loses_nothing),
		cmocka_unit_test(dns_dkim_and_config_series_are_exposed),
		cmocka_unit_test(listen_address_is_checked_with_file_and_line),
		cmocka_unit_test(audit_reopen_under_load_loses_no_record),
	};

	pf_metrics_enable();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
