/*
 * test_size - size and recipient limits through the pipeline: early
 * refusal on SIZE=, counted bytes, per-recipient refusal, overrides,
 * modes.
 */
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static const char *small_mail =
    "From: a@example.com\nTo: b@example.org\nSubject: hi\n"
    "Date: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <s1@example.com>\n"
    "\nhello\n";

static void
declared_size_over_limit_is_refused_at_mail_from(void **state)
{
	pf_config *cfg = tu_config("[size]\nmax_message_size = 1000\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	char *args[] = {"SIZE=5000", "BODY=8BITMIME", NULL};
	pf_verdict *v = pf_pipeline_mail(tx, "<a@example.com>", args);

	assert_non_null(v);
	assert_int_equal(v->action, PF_ACTION_REJECT);
	assert_int_equal(v->stage, PF_STAGE_MAIL);
	assert_string_equal(v->smtp, "552");
	assert_string_equal(v->dsn, "5.3.4");
	assert_non_null(strstr(v->reply->pdata[0], "5000 bytes"));
	assert_non_null(strstr(v->reply->pdata[0], "limit of 1000 bytes"));
	assert_non_null(strstr(v->reply->pdata[1], "by link"));
	assert_string_equal(pf_result_fact_get(v->primary, "source"), "esmtp");
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
declared_size_under_limit_passes_mail_from(void **state)
{
	pf_config *cfg = tu_config("[size]\nmax_message_size = 1000\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	char *args[] = {"SIZE=999", NULL};

	assert_null(pf_pipeline_mail(tx, "<a@example.com>", args));
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
received_bytes_over_limit_are_refused_at_end(void **state)
{
	pf_config *cfg = tu_config("[size]\nmax_message_size = 60\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;
	pf_verdict *v;

	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	assert_null(pf_pipeline_rcpt(tx, "<b@example.org>"));
	v = tu_feed(tx, small_mail);
	assert_int_equal(v->action, PF_ACTION_REJECT);
	assert_string_equal(v->smtp, "552");
	assert_string_equal(pf_result_fact_get(v->primary, "source"), "body");
	/* headers as "Name: value\r\n" + empty line + body with CRLF */
	assert_int_equal(pf_message_size(msg), 21 + 19 + 13 + 39 + 30 + 2 + 7);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
small_message_is_accepted_without_findings(void **state)
{
	pf_config *cfg = pf_config_defaults();
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;
	pf_verdict *v;

	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	v = tu_feed(tx, small_mail);
	assert_int_equal(v->action, PF_ACTION_ACCEPT);
	assert_int_equal(msg->results->len, 0);
	assert_int_equal(msg->add_headers->len, 0);
	assert_string_equal(v->smtp, "");
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
recipients_over_limit_are_refused_one_by_one(void **state)
{
	pf_config *cfg = tu_config("[size]\nmax_recipients = 2\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;
	pf_verdict *v;

	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	assert_null(pf_pipeline_rcpt(tx, "r1@example.org"));
	assert_null(pf_pipeline_rcpt(tx, "r2@example.org"));
	v = pf_pipeline_rcpt(tx, "r3@example.org");
	assert_non_null(v);
	assert_true(v->recipient_only);
	assert_string_equal(v->recipient, "r3@example.org");
	assert_int_equal(v->action, PF_ACTION_TEMPFAIL);
	assert_string_equal(v->smtp, "452");
	assert_string_equal(v->dsn, "4.5.3");
	assert_non_null(strstr(v->reply->pdata[0], "at most 2"));
	v = pf_pipeline_rcpt(tx, "r4@example.org");
	assert_non_null(v);
	assert_int_equal(msg->rcpts->len, 2);
	assert_int_equal(msg->rcpts_refused, 2);
	/* the refusals do not follow the message to its end */
	v = tu_feed(tx, small_mail);
	assert_int_equal(v->action, PF_ACTION_ACCEPT);
	assert_int_equal(msg->results->len, 0);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
recipients_action_reject_uses_550_5_5_3(void **state)
{
	pf_config *cfg = tu_config("[size]\nmax_recipients = 1\n"
				   "recipients_action = reject\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_verdict *v;

	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	assert_null(pf_pipeline_rcpt(tx, "r1@example.org"));
	v = pf_pipeline_rcpt(tx, "r2@example.org");
	assert_non_null(v);
	assert_int_equal(v->action, PF_ACTION_REJECT);
	assert_string_equal(v->smtp, "550");
	assert_string_equal(v->dsn, "5.5.3");
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
size_action_tempfail_turns_552_into_452(void **state)
{
	pf_config *cfg = tu_config("[size]\nmax_message_size = 10\n"
				   "action = tempfail\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	char *args[] = {"SIZE=20", NULL};
	pf_verdict *v = pf_pipeline_mail(tx, "a@example.com", args);

	assert_non_null(v);
	assert_int_equal(v->action, PF_ACTION_TEMPFAIL);
	assert_string_equal(v->smtp, "452");
	assert_string_equal(v->dsn, "4.3.4");
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
per_domain_override_raises_and_lowers_limits(void **state)
{
	char *table = tu_write_temp(
	    "big.example max_message_size=1M\n"
	    ".corp.example max_recipients=1\n");
	char *conf = g_strdup_printf("[size]\nmax_message_size = 100\n"
				     "overrides = %s\n", table);
	pf_config *cfg = tu_config(conf);
	char *args[] = {"SIZE=5000", NULL};
	pf_pipeline *tx;
	pf_verdict *v;

	tx = tu_pipeline(cfg);
	assert_null(pf_pipeline_mail(tx, "u@big.example", args));
	pf_pipeline_free(&tx);

	tx = tu_pipeline(cfg);
	v = pf_pipeline_mail(tx, "u@small.example", args);
	assert_non_null(v);
	assert_string_equal(pf_result_fact_get(v->primary, "scope"), "global");
	pf_pipeline_free(&tx);

	/* subdomain entry: the recipient limit falls, size stays global */
	tx = tu_pipeline(cfg);
	assert_null(pf_pipeline_mail(tx, "u@mx.corp.example", NULL));
	assert_null(pf_pipeline_rcpt(tx, "r1@example.org"));
	v = pf_pipeline_rcpt(tx, "r2@example.org");
	assert_non_null(v);
	assert_string_equal(pf_result_fact_get(v->primary, "limit"), "1");
	pf_pipeline_free(&tx);

	pf_config_unref(&cfg);
	unlink(table);
	g_free(table);
	g_free(conf);
}

static void
monitor_mode_logs_would_reject_and_changes_nothing(void **state)
{
	pf_config *cfg = tu_config("[size]\nmax_message_size = 10\n"
				   "mode = monitor\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;
	char *args[] = {"SIZE=20", NULL};
	pf_verdict *v;
	GString *line;

	assert_null(pf_pipeline_mail(tx, "a@example.com", args));
	v = tu_feed(tx, small_mail);
	assert_int_equal(v->action, PF_ACTION_ACCEPT);
	assert_int_equal(v->would, PF_ACTION_REJECT);
	assert_int_equal(msg->add_headers->len, 0);
	assert_int_equal(msg->results->len, 1);	/* not counted twice */
	line = pf_verdict_line(msg, v);
	assert_non_null(strstr(line->str, "action=accept would=reject"));
	assert_non_null(strstr(line->str, "reasons=size.too-big(monitor)"));
	g_string_free(line, TRUE);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
global_monitor_mode_overrides_enforce(void **state)
{
	pf_config *cfg = tu_config("[policy]\nmonitor = yes\n"
				   "[size]\nmax_message_size = 10\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;
	char *args[] = {"SIZE=20", NULL};
	pf_verdict *v;
	GString *line;

	assert_null(pf_pipeline_mail(tx, "a@example.com", args));
	v = tu_feed(tx, small_mail);
	assert_int_equal(v->action, PF_ACTION_ACCEPT);
	assert_int_equal(v->would, PF_ACTION_REJECT);
	line = pf_verdict_line(msg, v);
	assert_non_null(strstr(line->str,
	    "action=accept would=reject monitor=yes"));
	g_string_free(line, TRUE);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
mode_off_runs_nothing(void **state)
{
	/* the other checks off too, so that no stage is asked for */
	pf_config *cfg = tu_config("[size]\nmax_message_size = 10\n"
				   "mode = off\n[from]\nmode = off\n[dkim]\nmode = off\n"
				   "[attach]\nmode = off\n[structure]\nmode = off\n"
				   "[links]\nmode = off\n[text]\nmode = off\n"
				   "[bulk]\nmode = off\n[content]\nmode = off\n"
				   "[spf]\nmode = off\n[dmarc]\nmode = off\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;
	char *args[] = {"SIZE=20", NULL};

	assert_null(pf_pipeline_mail(tx, "a@example.com", args));
	assert_int_equal(tu_feed(tx, small_mail)->action, PF_ACTION_ACCEPT);
	assert_int_equal(msg->results->len, 0);
	assert_int_equal(pf_checks_stages(cfg), 0);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
longest_body_line_is_tracked_across_chunks(void **state)
{
	pf_config *cfg = pf_config_defaults();
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;

	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	pf_pipeline_body(tx, (const unsigned char *)"abc", 3);
	pf_pipeline_body(tx, (const unsigned char *)"defg\r", 5);
	pf_pipeline_body(tx, (const unsigned char *)"\nxy\r\n", 5);
	assert_int_equal(msg->max_line_len, 7);
	assert_int_equal(msg->body_bytes, 13);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
body_beyond_scan_size_is_counted_not_kept(void **state)
{
	pf_config *cfg = tu_config("[policy]\nmax_scan_size = 4\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;

	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	pf_pipeline_body(tx, (const unsigned char *)"0123456789", 10);
	assert_int_equal(msg->body->len, 4);
	assert_true(msg->body_truncated);
	assert_int_equal(msg->body_bytes, 10);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
header_fields_beyond_the_cap_are_counted_not_kept(void **state)
{
	pf_config *cfg = tu_config("[policy]\nmax_header_size = 1K\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;
	char value[300];

	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	for (int i = 0; i < 10; i++)
		pf_pipeline_header(tx, "X-Filler", value);
	assert_int_equal(msg->headers->len, 3);
	assert_int_equal(msg->headers_dropped, 7);
	assert_int_equal(msg->header_bytes, 10 * (8 + 2 + 299 + 2));
	assert_true(msg->header_kept <= 1024);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

/* The byte-at-a-time scan pf_message_store_body() had before it used memchr. */
typedef struct ref_scan {
	size_t line, longest;
	unsigned bare;
	bool prev_cr, eight;
} ref_scan;

static void
ref_body(ref_scan *r, const unsigned char *d, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (d[i] & 0x80)
			r->eight = true;
		if (r->prev_cr && d[i] != '\n')
			r->bare++;
		if (d[i] == '\n') {
			if (!r->prev_cr)
				r->bare++;
			if (r->line > 0 && r->prev_cr)
				r->line--;
			if (r->line > r->longest)
				r->longest = r->line;
			r->line = 0;
		} else {
			r->line++;
		}
		r->prev_cr = d[i] == '\r';
	}
}

static void
body_scan_matches_a_byte_at_a_time_reference_for_any_chunking(void **state)
{
	static const unsigned char alphabet[] = {'a', '\r', '\n', 0xc3, ' '};
	pf_config *cfg = tu_config("[policy]\nmax_scan_size = 1K\n");
	GRand *rnd = g_rand_new_with_seed(20261201);

	(void)state;
	for (int round = 0; round < 3000; round++) {
		pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;
		size_t len = (size_t)g_rand_int_range(rnd, 0, 400), off = 0;
		unsigned char *body = g_malloc(len + 1);
		ref_scan ref = {0};
		int kind = g_rand_int_range(rnd, 0, 3);

		for (size_t i = 0; i < len; i++)
			body[i] = alphabet[g_rand_int_range(rnd, 0, kind != 1 ?
			    3 : (gint32)sizeof(alphabet))];
		if (kind == 2 && len > 0)	/* one 8-bit byte, anywhere */
			body[g_rand_int_range(rnd, 0, (gint32)len)] = 0xe9;
		assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
		(void)pf_pipeline_eoh(tx);
		ref_body(&ref, body, len);
		while (off < len) {	/* chunks of 1 to 40 bytes */
			size_t n = (size_t)g_rand_int_range(rnd, 1, 41);

			n = MIN(n, len - off);
			pf_pipeline_body(tx, body + off, n);
			off += n;
		}
		assert_int_equal(msg->bare_cr_lf, ref.bare);
		assert_int_equal(msg->max_line_len, ref.longest);
		assert_int_equal(msg->line_len, ref.line);
		assert_int_equal(msg->prev_cr, ref.prev_cr);
		assert_int_equal(msg->body_8bit, ref.eight);
		g_free(body);
		pf_pipeline_free(&tx);
	}
	g_rand_free(rnd);
	pf_config_unref(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(declared_size_over_limit_is_refused_at_mail_from),
		cmocka_unit_test(declared_size_under_limit_passes_mail_from),
		cmocka_unit_test(received_bytes_over_limit_are_refused_at_end),
		cmocka_unit_test(small_message_is_accepted_without_findings),
		cmocka_unit_test(recipients_over_limit_are_refused_one_by_one),
		cmocka_unit_test(recipients_action_reject_uses_550_5_5_3),
		cmocka_unit_test(size_action_tempfail_turns_552_into_452),
		cmocka_unit_test(per_domain_override_raises_and_lowers_limits),
		cmocka_unit_test(monitor_mode_logs_would_reject_and_changes_nothing),
		cmocka_unit_test(global_monitor_mode_overrides_enforce),
		cmocka_unit_test(mode_off_runs_nothing),
		cmocka_unit_test(longest_body_line_is_tracked_across_chunks),
		cmocka_unit_test(body_beyond_scan_size_is_counted_not_kept),
		cmocka_unit_test(body_scan_matches_a_byte_at_a_time_reference_for_any_chunking),
		cmocka_unit_test(header_fields_beyond_the_cap_are_counted_not_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
