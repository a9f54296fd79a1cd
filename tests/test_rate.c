/*
 * test_rate - rate limits: the bucket maths, the limit syntax, exact
 * admission counts through the pipeline on a fake clock, per-recipient
 * refusal, overrides, all-or-nothing over keys, refused attempts,
 * actions and modes, reloads keeping buckets, the LRU bound, threads,
 * an unavailable store; with PF_TEST_REDIS=URL also the Redis store
 * against the in-process one on the same sequence.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "testutil.h"
#include "limits/rate.h"
#include "limits/store.h"

#define SEC ((int64_t)G_USEC_PER_SEC)
static int64_t fake_now;

static int64_t
fake_clock(void)
{
	return fake_now;
}

static int
setup(void **state)
{
	(void)state;
	fake_now = 1800000000LL * SEC;	/* a real-time clock value */
	pf_rate_set_clock(fake_clock);
	return 0;
}

static void
collect(const char *key, int64_t tat, void *arg)
{
	(void)tat;
	g_ptr_array_add(arg, g_strdup(key));
}

/* Forget every bucket of the process's in-process store. */
static void
wipe(void)
{
	pf_rate_store *s = pf_rate_store_memory_get(0);
	GPtrArray *keys = g_ptr_array_new_with_free_func(g_free);

	pf_rate_store_list(s, collect, keys);
	for (guint i = 0; i < keys->len; i++)
		pf_rate_store_reset(s, keys->pdata[i]);
	g_ptr_array_free(keys, TRUE);
	pf_rate_store_free(&s);
}

/*
 * MAIL FROM and the first RCPT TO (where the message's limits are said):
 * the first verdict of the two, or NULL.
 */
static pf_verdict *
mail_rcpt(pf_pipeline *tx, const char *sender)
{
	pf_verdict *v = pf_pipeline_mail(tx, sender, NULL);

	return v ? v : pf_pipeline_rcpt(tx, "<first@example.org>");
}

/* One message's MAIL FROM and first RCPT TO as user from 192.0.2.1; its
 * verdict's action (ACCEPT when not refused early); the pipeline is
 * freed. */
static pf_action
mail_as(pf_config *cfg, const char *user, const char *sender, char **text)
{
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_verdict *v;
	pf_action a;

	pf_message_set_auth_user(tx->msg, user);
	v = mail_rcpt(tx, sender);
	a = v ? v->action : PF_ACTION_ACCEPT;
	if (text)
		*text = v && v->reply->len ? g_strdup(v->reply->pdata[0]) :
		    NULL;
	pf_pipeline_free(&tx);
	return a;
}

static void
bucket_admits_burst_then_one_per_interval(void **state)
{
	pf_rate_req r = {.key = "k", .interval_us = SEC, .burst = 3, .n = 1,
	    .refuses = true};
	int64_t tat = 0, nt, now = 1000 * SEC;

	for (int i = 0; i < 3; i++) {
		pf_rate_bucket_decide(&r, 1, &tat, now, PF_RATE_IF_ADMITTED, &nt);
		assert_true(r.admitted);
		tat = nt;
	}
	assert_true(r.level_units > 2.99 && r.level_units < 3.01);
	pf_rate_bucket_decide(&r, 1, &tat, now, PF_RATE_IF_ADMITTED, &nt);
	assert_false(r.admitted);
	assert_int_equal(r.wait_us, SEC);
	assert_int_equal(nt, tat);		/* refused: not moved */
	pf_rate_bucket_decide(&r, 1, &tat, now + SEC - 1, PF_RATE_IF_ADMITTED,
	    &nt);
	assert_false(r.admitted);
	assert_int_equal(r.wait_us, 1);
	pf_rate_bucket_decide(&r, 1, &tat, now + SEC, PF_RATE_IF_ADMITTED, &nt);
	assert_true(r.admitted);
	/* charged refusals fill the bucket but never beyond full */
	tat = nt;
	pf_rate_bucket_decide(&r, 1, &tat, now + SEC, PF_RATE_CHARGE, &nt);
	assert_false(r.admitted);
	assert_int_equal(nt, now + SEC + 3 * SEC);
}

static void
limit_syntax_is_count_period_and_optional_burst(void **state)
{
	GString *why = g_string_new(NULL), *f = g_string_new(NULL);
	pf_rate_limit l;
	const char *bad[] = {"x", "10", "10/", "10/h:0", "0/h", "10/w",
	    "10/h:", "10/h:5x", "-1/h", "10/0h", "5000000/1s"};

	assert_int_equal(pf_rate_limit_parse("100/h", &l, why), 0);
	assert_int_equal(l.count, 100);
	assert_int_equal(l.period_us, 3600 * SEC);
	assert_int_equal(l.burst, 100);
	assert_int_equal(pf_rate_limit_parse("10/30s:2", &l, why), 0);
	assert_int_equal(l.period_us, 30 * SEC);
	assert_int_equal(l.burst, 2);
	pf_rate_limit_format(f, &l);
	assert_string_equal(f->str, "10/30s burst 2");
	assert_int_equal(pf_rate_limit_parse("off", &l, why), 0);
	assert_int_equal(l.count, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_int_equal(pf_rate_limit_parse(bad[i], &l, why), -1);
	g_string_free(why, TRUE);
	g_string_free(f, TRUE);
}

static void
bad_limit_is_a_configuration_error(void **state)
{
	GString *err = g_string_new(NULL);

	assert_null(tu_config_err("[rate]\nuser_messages = 10 per hour\n",
				  err, NULL));
	assert_non_null(strstr(err->str, "rate.user_messages"));
	assert_null(tu_config_err("[rate]\non_error = reject\n", err, NULL));
	assert_non_null(strstr(err->str, "rate.on_error"));
	g_string_free(err, TRUE);
}

static void
dump_hides_redis_credentials(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_messages = 1/h\n"
	    "redis = redis://:s3cret@127.0.0.1:1/0\nredis_password = pw2\n");
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	pf_config_dump(cfg, fp, false);
	fclose(fp);
	assert_null(strstr(buf, "s3cret"));
	assert_null(strstr(buf, "pw2"));
	assert_non_null(strstr(buf, "redis = redis://(hidden)@127.0.0.1:1/0"));
	assert_non_null(strstr(buf, "redis_password = (hidden)"));
	free(buf);
	pf_config_unref(&cfg);
}

static void
hostile_key_never_reaches_the_reply_raw(void **state)
{
	pf_config *cfg = tu_config("[rate]\nsender_messages = 1/h\n");
	const char *bad = "x\r\n250 ok%s\x01@example.com";
	pf_pipeline *tx;
	pf_verdict *v;

	wipe();
	assert_int_equal(mail_as(cfg, NULL, bad, NULL), PF_ACTION_ACCEPT);
	tx = tu_pipeline(cfg);
	v = mail_rcpt(tx, bad);
	assert_non_null(v);
	for (guint i = 0; i < v->reply->len; i++) {
		const char *line = v->reply->pdata[i];

		assert_null(strpbrk(line, "\r\n\x01"));
		assert_true(strlen(line) <= PF_REPLY_LINE_MAX + 3);
	}
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
no_limit_set_takes_no_store(void **state)
{
	pf_config *cfg = tu_config("[rate]\nmode = enforce\n");

	assert_false(cfg->rate.active);
	assert_null(cfg->rate.store);
	assert_int_equal(pf_config_check_mode(cfg, PF_CHECK_RATE), PF_MODE_OFF);
	assert_int_equal(mail_as(cfg, "alice", "a@example.com", NULL),
			 PF_ACTION_ACCEPT);
	pf_config_unref(&cfg);
}

static void
user_messages_admit_exactly_burst_then_sustained_rate(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_messages = 3/1m:2\n");
	int admitted = 0, when[10], nwhen = 0;
	char *text = NULL;

	wipe();
	/* one attempt a second for 100 s: admitted at 0, 1, 20, 40, 60, 80 */
	for (int t = 0; t < 100; t++) {
		if (mail_as(cfg, "alice", "a@example.com", NULL) ==
		    PF_ACTION_ACCEPT) {
			admitted++;
			if (nwhen < 10)
				when[nwhen++] = t;
		}
		fake_now += SEC;
	}
	assert_int_equal(admitted, 6);
	assert_int_equal(when[0], 0);
	assert_int_equal(when[1], 1);
	assert_int_equal(when[2], 20);
	assert_int_equal(when[5], 80);
	/* t = 100: the bucket has drained one, then it is full again */
	assert_int_equal(mail_as(cfg, "alice", "a@example.com", NULL),
			 PF_ACTION_ACCEPT);
	/* the reply names the limit, the level and when it frees up */
	assert_int_equal(mail_as(cfg, "alice", "a@example.com", &text),
			 PF_ACTION_TEMPFAIL);
	assert_non_null(strstr(text, "user alice"));
	assert_non_null(strstr(text, "3/1m burst 2"));
	assert_non_null(strstr(text, "in 20 s"));
	g_free(text);
	/* another user has a bucket of its own */
	assert_int_equal(mail_as(cfg, "bob", "b@example.com", NULL),
			 PF_ACTION_ACCEPT);
	pf_config_unref(&cfg);
}

static void
tempfail_is_451_4_7_28_and_reject_550_5_7_28(void **state)
{
	pf_config *cfg = tu_config("[rate]\nsender_messages = 1/h\n"
	    "domain_messages = 1/h\ndomain_messages_action = reject\n");
	pf_pipeline *tx;
	pf_verdict *v;

	wipe();
	assert_int_equal(mail_as(cfg, NULL, "a@example.com", NULL),
			 PF_ACTION_ACCEPT);
	tx = tu_pipeline(cfg);
	v = mail_rcpt(tx, "a@example.com");
	assert_non_null(v);
	assert_int_equal(v->action, PF_ACTION_REJECT);
	assert_string_equal(v->smtp, "550");
	assert_string_equal(v->dsn, "5.7.28");
	assert_string_equal(v->primary->code, "rate.domain-messages");
	pf_pipeline_free(&tx);
	/* another sender of that domain: only the domain limit */
	tx = tu_pipeline(cfg);
	v = mail_rcpt(tx, "c@EXAMPLE.com");
	assert_non_null(v);
	assert_string_equal(v->primary->code, "rate.domain-messages");
	assert_string_equal(pf_result_fact_get(v->primary, "key"),
			    "domain:EXAMPLE.com");
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
	/* the sender limit alone: tempfail */
	cfg = tu_config("[rate]\nsender_messages = 1/h\n");
	assert_int_equal(mail_as(cfg, NULL, "a@example.org", NULL),
			 PF_ACTION_ACCEPT);
	tx = tu_pipeline(cfg);
	v = mail_rcpt(tx, "a@example.org");
	assert_string_equal(v->smtp, "451");
	assert_string_equal(v->dsn, "4.7.28");
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

/* RCPT n times; how many were refused. */
static unsigned
rcpts(pf_pipeline *tx, unsigned n, const char **code)
{
	unsigned refused = 0;

	for (unsigned i = 0; i < n; i++) {
		char r[32];
		pf_verdict *v;

		snprintf(r, sizeof(r), "<r%u@example.org>", i);
		if ((v = pf_pipeline_rcpt(tx, r)) != NULL) {
			assert_true(v->recipient_only);
			if (code)
				*code = v->primary->code;
			refused++;
		}
	}
	return refused;
}

static void
user_recipients_refuse_each_recipient_over_the_limit(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_recipients = 5/h\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	const char *code = NULL;

	wipe();
	pf_message_set_auth_user(tx->msg, "alice");
	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	assert_int_equal(rcpts(tx, 7, &code), 2);
	assert_string_equal(code, "rate.user-recipients");
	assert_int_equal(tx->msg->rcpts->len, 5);
	pf_pipeline_free(&tx);
	tx = tu_pipeline(cfg);
	pf_message_set_auth_user(tx->msg, "alice");
	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	assert_int_equal(rcpts(tx, 1, NULL), 1);
	fake_now += 720 * SEC;		/* one interval: one more */
	assert_int_equal(rcpts(tx, 2, NULL), 1);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
recipients_refused_by_another_check_count_only_if_configured(void **state)
{
	const char *base = "[size]\nmax_recipients = 2\n[rate]\n"
	    "user_recipients = 3/h\n";
	char *with = g_strconcat(base, "count_refused = yes\n", NULL);

	for (int counted = 0; counted < 2; counted++) {
		pf_config *cfg = tu_config(counted ? with : base);
		pf_pipeline *tx = tu_pipeline(cfg);

		wipe();
		pf_message_set_auth_user(tx->msg, "alice");
		assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
		/* r0, r1 accepted; r2, r3 refused by size */
		assert_int_equal(rcpts(tx, 4, NULL), 2);
		pf_pipeline_free(&tx);
		tx = tu_pipeline(cfg);
		pf_message_set_auth_user(tx->msg, "alice");
		assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
		/* not counted: one left (3 - 2); counted: none */
		assert_int_equal(rcpts(tx, 2, NULL), counted ? 2 : 1);
		pf_pipeline_free(&tx);
		pf_config_unref(&cfg);
	}
	g_free(with);
}

/*
 * One store call a message: MAIL FROM takes the message's units and, in
 * the same call, its first recipient's, kept for that RCPT TO; given
 * back when the transaction ends without it.
 */
static void
the_first_recipient_is_taken_with_the_message(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_messages = 10/h\n"
	    "user_recipients = 2/h\n");
	pf_rate_store *s = pf_rate_store_memory_get(0);
	const char *rkey = "pf:rate:user:recipients:alice";
	const char *mkey = "pf:rate:user:messages:alice";
	const char *code = NULL;
	pf_pipeline *tx;
	pf_verdict *v;
	int64_t tat;

	wipe();
	/* taken at MAIL FROM, before any RCPT TO */
	tx = tu_pipeline(cfg);
	pf_message_set_auth_user(tx->msg, "alice");
	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	pf_rate_store_get(s, rkey, &tat);
	assert_int_equal(tat, fake_now + 1800 * SEC);
	pf_pipeline_free(&tx);		/* no recipient came: given back */
	pf_rate_store_get(s, rkey, &tat);
	assert_true(tat <= fake_now);
	/* the first recipient uses that unit: two fit, the third not */
	tx = tu_pipeline(cfg);
	pf_message_set_auth_user(tx->msg, "alice");
	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	assert_int_equal(rcpts(tx, 3, &code), 1);
	assert_string_equal(code, "rate.user-recipients");
	pf_pipeline_free(&tx);
	pf_rate_store_get(s, rkey, &tat);
	assert_int_equal(tat, fake_now + 3600 * SEC);	/* two, kept */
	/* recipients full, messages not: the message is taken at MAIL FROM
	 * and its first recipient refused at RCPT TO */
	tx = tu_pipeline(cfg);
	pf_message_set_auth_user(tx->msg, "alice");
	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	v = pf_pipeline_rcpt(tx, "<r0@example.org>");
	assert_non_null(v);
	assert_string_equal(v->primary->code, "rate.user-recipients");
	assert_non_null(strstr(v->primary->text,
			       "the next is accepted in 1800 s"));
	pf_pipeline_free(&tx);
	pf_rate_store_get(s, mkey, &tat);
	assert_int_equal(tat, fake_now + 3 * 360 * SEC);	/* 3 messages */
	pf_rate_store_get(s, rkey, &tat);
	assert_int_equal(tat, fake_now + 3600 * SEC);	/* unchanged */
	pf_rate_store_free(&s);
	pf_config_unref(&cfg);
}

static void
a_message_refused_by_one_key_uses_up_no_other(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_messages = 10/h\n"
	    "ip_messages = 1/h\n");
	pf_rate_store *s = pf_rate_store_memory_get(0);
	int64_t tat;

	wipe();
	assert_int_equal(mail_as(cfg, "alice", "a@example.com", NULL),
			 PF_ACTION_ACCEPT);
	assert_int_equal(mail_as(cfg, "alice", "a@example.com", NULL),
			 PF_ACTION_TEMPFAIL);	/* the IP's limit */
	pf_rate_store_get(s, "pf:rate:user:messages:alice", &tat);
	assert_int_equal(tat, fake_now + 360 * SEC);	/* one message */
	pf_rate_store_free(&s);
	pf_config_unref(&cfg);
}

/* With user_messages = 1/h: alice's first message admitted, her second
 * past its MAIL FROM (nothing said there); the caller frees it. */
static pf_pipeline *
alices_second_message(pf_config *cfg)
{
	pf_pipeline *tx;

	wipe();
	assert_int_equal(mail_as(cfg, "alice", "a@example.com", NULL),
			 PF_ACTION_ACCEPT);
	tx = tu_pipeline(cfg);
	pf_message_set_auth_user(tx->msg, "alice");
	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	return tx;
}

static void
a_message_over_its_limit_is_refused_at_each_recipient(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_messages = 1/h\n");
	/* decided at MAIL FROM, said at RCPT TO: the store's answer is read
	 * there (Redis: while the MTA's round trip goes on) */
	pf_pipeline *tx = alices_second_message(cfg);
	pf_verdict *v;

	for (int i = 0; i < 3; i++) {
		char r[32];

		g_snprintf(r, sizeof(r), "<r%d@example.org>", i);
		v = pf_pipeline_rcpt(tx, r);
		assert_non_null(v);
		assert_true(v->recipient_only);
		assert_int_equal(v->action, PF_ACTION_TEMPFAIL);
		assert_string_equal(v->dsn, "4.7.28");
		assert_string_equal(v->primary->code, "rate.user-messages");
		assert_non_null(strstr(v->primary->text,
		    "Too many messages for user alice"));
	}
	assert_int_equal(tx->msg->rcpts->len, 0);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
overrides_change_limits_per_key_and_kind(void **state)
{
	char *table = tu_write_temp("# per-key limits\nalice messages=1/h\n"
	    "user:bob messages=off\ndomain:example.net messages=2/h "
	    "recipients=3/h\n");
	char *text = g_strdup_printf("[rate]\nuser_messages = 3/h\n"
	    "overrides = %s\n", table);
	pf_config *cfg = tu_config(text);

	wipe();
	assert_int_equal(mail_as(cfg, "alice", "a@x.example", NULL),
			 PF_ACTION_ACCEPT);
	assert_int_equal(mail_as(cfg, "alice", "a@x.example", NULL),
			 PF_ACTION_TEMPFAIL);
	for (int i = 0; i < 5; i++)
		assert_int_equal(mail_as(cfg, "bob", "b@x.example", NULL),
				 PF_ACTION_ACCEPT);
	for (int i = 0; i < 3; i++)
		assert_int_equal(mail_as(cfg, "carol", "c@x.example", NULL),
				 PF_ACTION_ACCEPT);
	assert_int_equal(mail_as(cfg, "carol", "c@x.example", NULL),
			 PF_ACTION_TEMPFAIL);
	/* a domain with no global domain limit gets the table's */
	assert_int_equal(mail_as(cfg, NULL, "d@example.net", NULL),
			 PF_ACTION_ACCEPT);
	assert_int_equal(mail_as(cfg, NULL, "e@example.net", NULL),
			 PF_ACTION_ACCEPT);
	assert_int_equal(mail_as(cfg, NULL, "f@example.net", NULL),
			 PF_ACTION_TEMPFAIL);
	pf_config_unref(&cfg);
	g_free(text);
	unlink(table);
	g_free(table);
}

static void
bad_override_line_is_refused_with_its_line(void **state)
{
	char *table = tu_write_temp("alice messages=1/h\nbob msgs=2/h\n");
	char *text = g_strdup_printf("[rate]\noverrides = %s\n", table);
	GString *err = g_string_new(NULL);

	assert_null(tu_config_err(text, err, NULL));
	assert_non_null(strstr(err->str, ":2: "));
	assert_non_null(strstr(err->str, "msgs=2/h"));
	g_string_free(err, TRUE);
	g_free(text);
	unlink(table);
	g_free(table);
}

static void
quarantine_action_holds_and_counts(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_messages = 1/h\n"
	    "user_messages_action = quarantine\n");
	pf_pipeline *tx = alices_second_message(cfg);
	pf_verdict *v;

	assert_null(pf_pipeline_rcpt(tx, "<b@example.org>"));
	v = tu_feed(tx, "From: a@example.com\nTo: b@example.org\n"
	    "Subject: hi\nDate: Tue, 24 Nov 2026 10:00:00 +0000\n"
	    "Message-ID: <r1@example.com>\n\nhello\n");
	assert_int_equal(v->action, PF_ACTION_QUARANTINE);
	assert_non_null(tu_find(tx->msg, "rate.user-messages"));
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
monitor_mode_refuses_nothing_and_counts_everything(void **state)
{
	pf_config *cfg = tu_config("[rate]\nmode = monitor\n"
	    "user_messages = 2/h\n");
	pf_rate_store *s = pf_rate_store_memory_get(0);
	int64_t tat;

	wipe();
	for (int i = 0; i < 4; i++)
		assert_int_equal(mail_as(cfg, "alice", "a@example.com", NULL),
				 PF_ACTION_ACCEPT);
	pf_rate_store_get(s, "pf:rate:user:messages:alice", &tat);
	assert_int_equal(tat, fake_now + 3600 * SEC);	/* full, capped */
	pf_rate_store_free(&s);
	pf_config_unref(&cfg);
}

static void
reload_keeps_the_buckets(void **state)
{
	pf_config *old = tu_config("[rate]\nuser_messages = 1/h\n"), *new;

	wipe();
	assert_int_equal(mail_as(old, "alice", "a@example.com", NULL),
			 PF_ACTION_ACCEPT);
	new = tu_config("[rate]\nuser_messages = 1/h\nmax_keys = 500\n");
	pf_config_unref(&old);
	assert_int_equal(mail_as(new, "alice", "a@example.com", NULL),
			 PF_ACTION_TEMPFAIL);
	pf_config_unref(&new);
}

static void
count_keys(const char *key, int64_t tat, void *arg)
{
	(void)key;
	(void)tat;
	(*(unsigned *)arg)++;
}

static void
in_process_store_keeps_at_most_max_keys(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_messages = 1/h\n"
	    "max_keys = 3\n");
	unsigned n = 0;

	wipe();
	for (int i = 0; i < 5; i++) {
		char user[16];

		snprintf(user, sizeof(user), "u%d", i);
		mail_as(cfg, user, "a@example.com", NULL);
	}
	pf_rate_store_list(cfg->rate.store, count_keys, &n);
	assert_int_equal(n, 3);
	/* u0 was dropped first: it starts afresh; u4 is still limited */
	assert_int_equal(mail_as(cfg, "u4", "a@example.com", NULL),
			 PF_ACTION_TEMPFAIL);
	assert_int_equal(mail_as(cfg, "u0", "a@example.com", NULL),
			 PF_ACTION_ACCEPT);
	pf_config_unref(&cfg);
	cfg = tu_config("[rate]\nuser_messages = 1/h\n");	/* bound back */
	pf_config_unref(&cfg);
}

static void
many_new_recipient_domains_score_and_hold(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_recipient_domains = 3/10m\n");
	const char *rcpt[] = {"<a@d1.example>", "<b@d2.example>",
	    "<c@D1.example>", "<d@d3.example>", "<e@d2.example>"};
	pf_pipeline *tx = tu_pipeline(cfg);
	const pf_result *r;
	pf_verdict *v;

	wipe();
	pf_message_set_auth_user(tx->msg, "alice");
	assert_null(pf_pipeline_mail(tx, "alice@example.com", NULL));
	for (size_t i = 0; i < G_N_ELEMENTS(rcpt); i++)
		assert_null(pf_pipeline_rcpt(tx, rcpt[i]));
	assert_null(tu_find(tx->msg, "rate.many-domains"));	/* 3 domains */
	assert_null(pf_pipeline_rcpt(tx, "<f@d4.example>"));	/* the 4th */
	assert_null(pf_pipeline_rcpt(tx, "<g@d5.example>"));	/* once */
	r = tu_find(tx->msg, "rate.many-domains");
	assert_non_null(r);
	assert_int_equal(r->score, 10);
	assert_string_equal(pf_result_fact_get(r, "domain"), "d4.example");
	assert_string_equal(pf_result_fact_get(r, "domains"), "3");
	assert_non_null(strstr(r->text, "new recipient domain (d4.example) "
	    "after 3 others"));
	v = tu_feed(tx, "From: alice@example.com\nTo: a@d1.example\n"
	    "Subject: hi\nDate: Tue, 24 Nov 2026 10:00:00 +0000\n"
	    "Message-ID: <d1@example.com>\n\nhello\n");
	assert_int_equal(v->action, PF_ACTION_QUARANTINE);	/* held */
	pf_pipeline_free(&tx);
	/* ten minutes on, a domain is new again but the bucket has room */
	fake_now += 600 * SEC;
	tx = tu_pipeline(cfg);
	pf_message_set_auth_user(tx->msg, "alice");
	assert_null(pf_pipeline_mail(tx, "alice@example.com", NULL));
	assert_null(pf_pipeline_rcpt(tx, "<a@d1.example>"));
	assert_null(tu_find(tx->msg, "rate.many-domains"));
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

/* n messages as user; how many carried rate.surge */
static int
surges(pf_config *cfg, const char *user, int n)
{
	int found = 0;

	for (int i = 0; i < n; i++) {
		pf_pipeline *tx = tu_pipeline(cfg);

		pf_message_set_auth_user(tx->msg, user);
		assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
		if (tu_find(tx->msg, "rate.surge"))
			found++;
		pf_pipeline_free(&tx);
	}
	return found;
}

static void
surge_over_the_users_own_average_scores(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_surge_factor = 3\n"
	    "user_surge_window = 3600\nuser_surge_history = 3\n"
	    "user_surge_min = 5\n");
	pf_pipeline *tx;
	const pf_result *r;

	wipe();
	fake_now = (fake_now / (3600 * SEC) + 1) * 3600 * SEC;	/* a window */
	/* a new user: nothing below user_surge_min, then a surge from 0 */
	assert_int_equal(surges(cfg, "erin", 4), 0);
	assert_int_equal(surges(cfg, "erin", 1), 1);
	/* three hours of 4 a window: average 4, factor 3: the 13th scores */
	for (int h = 0; h < 3; h++) {
		fake_now += 3600 * SEC;
		assert_int_equal(surges(cfg, "frank", 4), 0);
	}
	fake_now += 3600 * SEC;
	assert_int_equal(surges(cfg, "frank", 12), 0);
	tx = tu_pipeline(cfg);
	pf_message_set_auth_user(tx->msg, "frank");
	assert_null(pf_pipeline_mail(tx, "a@example.com", NULL));
	r = tu_find(tx->msg, "rate.surge");
	assert_non_null(r);
	assert_int_equal(r->score, 10);
	assert_string_equal(pf_result_fact_get(r, "count"), "13");
	assert_string_equal(pf_result_fact_get(r, "average"), "4.0");
	assert_non_null(strstr(r->text, "13 messages in this 3600 s window, "
	    "more than 3 times its average of 4.0 over the 3 windows"));
	pf_pipeline_free(&tx);
	/* four windows on the history has expired: a surge from 0 again */
	fake_now += (int64_t)4 * 3600 * SEC;
	assert_int_equal(surges(cfg, "frank", 5), 1);
	pf_config_unref(&cfg);
}

static pf_action
mail_from_ip(pf_config *cfg, const char *ip)
{
	pf_conninfo ci = {.client_addr = ip, .helo = "client.test"};
	pf_pipeline *tx = pf_pipeline_new(cfg, &ci);
	pf_verdict *v = mail_rcpt(tx, "a@example.com");
	pf_action a = v ? v->action : PF_ACTION_ACCEPT;

	pf_pipeline_free(&tx);
	return a;
}

static void
peek_mode_decides_and_counts_nothing(void **state)
{
	pf_config *cfg = tu_config("[rate]\nuser_messages = 1/h\n"
	    "user_surge_factor = 2\nuser_surge_min = 1\n");
	pf_rate_store *s = pf_rate_store_memory_get(0);
	int64_t before, after;

	wipe();
	pf_rate_set_peek(true);
	for (int i = 0; i < 3; i++)	/* nothing counted: all pass */
		assert_int_equal(mail_as(cfg, "alice", "a@example.com", NULL),
				 PF_ACTION_ACCEPT);
	pf_rate_store_get(s, "pf:rate:user:messages:alice", &before);
	assert_int_equal(before, 0);
	pf_rate_set_peek(false);
	assert_int_equal(mail_as(cfg, "alice", "a@example.com", NULL),
			 PF_ACTION_ACCEPT);
	pf_rate_store_get(s, "pf:rate:user:messages:alice", &before);
	pf_rate_set_peek(true);
	assert_int_equal(mail_as(cfg, "alice", "a@example.com", NULL),
			 PF_ACTION_TEMPFAIL);	/* over: said, not counted */
	pf_rate_store_get(s, "pf:rate:user:messages:alice", &after);
	assert_int_equal(after, before);
	pf_rate_set_peek(false);
	pf_rate_store_free(&s);
	pf_config_unref(&cfg);
}

static void
ipv6_clients_count_by_their_64(void **state)
{
	pf_config *cfg = tu_config("[rate]\nip_messages = 2/h\n");
	pf_rate_store *s = pf_rate_store_memory_get(0);
	int64_t tat;

	wipe();
	assert_int_equal(mail_from_ip(cfg, "2001:db8:1:2::1"), PF_ACTION_ACCEPT);
	assert_int_equal(mail_from_ip(cfg, "2001:db8:1:2:ffff::9"),
			 PF_ACTION_ACCEPT);
	assert_int_equal(mail_from_ip(cfg, "IPv6:2001:db8:1:2::77"),
			 PF_ACTION_TEMPFAIL);
	assert_int_equal(mail_from_ip(cfg, "2001:db8:1:3::1"), PF_ACTION_ACCEPT);
	pf_rate_store_get(s, "pf:rate:ip:messages:2001:db8:1:2::/64", &tat);
	assert_true(tat > fake_now);
	/* IPv4-mapped is IPv4; IPv4 is per address */
	assert_int_equal(mail_from_ip(cfg, "::ffff:192.0.2.9"), PF_ACTION_ACCEPT);
	assert_int_equal(mail_from_ip(cfg, "192.0.2.9"), PF_ACTION_ACCEPT);
	assert_int_equal(mail_from_ip(cfg, "192.0.2.9"), PF_ACTION_TEMPFAIL);
	assert_int_equal(mail_from_ip(cfg, "192.0.2.10"), PF_ACTION_ACCEPT);
	pf_rate_store_free(&s);
	pf_config_unref(&cfg);
}

typedef struct race {
	pf_rate_store *store;
	int admitted;
} race;

static gpointer
race_thread(gpointer arg)
{
	race *r = arg;

	for (int i = 0; i < 500; i++) {
		pf_rate_req q = {.key = "pf:rate:user:messages:race",
		    .interval_us = 86400 * SEC / 1000, .burst = 1000, .n = 1,
		    .refuses = true};

		assert_int_equal(pf_rate_store_take(r->store, &q, 1, fake_now,
						    PF_RATE_IF_ADMITTED), 0);
		if (q.admitted)
			g_atomic_int_inc(&r->admitted);
	}
	return NULL;
}

static void
threads_sharing_a_bucket_admit_exactly_its_burst(void **state)
{
	race r = {.store = pf_rate_store_memory_get(0)};
	GThread *t[4];

	wipe();
	for (int i = 0; i < 4; i++)
		t[i] = g_thread_new("race", race_thread, &r);
	for (int i = 0; i < 4; i++)
		g_thread_join(t[i]);
	assert_int_equal(r.admitted, 1000);
	pf_rate_store_free(&r.store);
}

static void
unavailable_store_applies_on_error_within_the_timeout(void **state)
{
	const char *acts[] = {"accept", "tempfail"};

	for (int i = 0; i < 2; i++) {
		char *text = g_strdup_printf("[rate]\nuser_messages = 1/h\n"
		    "redis = unix:/nonexistent/redis.sock\ntimeout = 20\n"
		    "on_error = %s\n", acts[i]);
		pf_config *cfg = tu_config(text);
		pf_pipeline *tx = tu_pipeline(cfg);
		int64_t t0 = g_get_monotonic_time();
		pf_verdict *v;
		const pf_result *r;

		pf_message_set_auth_user(tx->msg, "alice");
		v = mail_rcpt(tx, "a@example.com");
		assert_true(g_get_monotonic_time() - t0 < 500 * (int64_t)1000);
		r = tu_find(tx->msg, "rate.unavailable");
		if (i == 0) {
			assert_null(v);
			assert_non_null(r);
			assert_string_equal(pf_result_fact_get(r, "applied"),
					    "no");
		} else {
			assert_non_null(v);
			assert_string_equal(v->smtp, "451");
			assert_string_equal(v->dsn, "4.3.0");
		}
		pf_pipeline_free(&tx);
		pf_config_unref(&cfg);
		g_free(text);
	}
}

/* The same sequence through the in-process store and Redis. */
static void
redis_store_decides_as_the_in_process_store(void **state)
{
	const char *url = getenv("PF_TEST_REDIS");
	char *users[3];
	GString *out[2];

	/* fresh names each run: a server used before holds other windows */
	for (int u = 0; u < 3; u++)
		users[u] = g_strdup_printf("%s%d", u == 0 ? "alice" :
		    u == 1 ? "bob" : "carol", (int)getpid());

	for (int s = 0; s < 2; s++) {
		char *text = g_strdup_printf("[rate]\nuser_messages = 5/1m:3\n"
		    "domain_messages = 7/1m\nip_recipients = 20/1m:4\n"
		    "user_surge_factor = 2\nuser_surge_window = 60\n"
		    "user_surge_history = 3\nuser_surge_min = 3\n%s%s\n",
		    s ? "redis = " : "", s ? url : "");
		pf_config *cfg = tu_config(text);

		wipe();
		fake_now = 1800000000LL * SEC;
		if (s)
			for (int u = 0; u < 3; u++) {
				GString *k = g_string_new(NULL);

				pf_rate_store_key(k, 0, 0, users[u]);
				pf_rate_store_reset(cfg->rate.store, k->str);
				g_string_free(k, TRUE);
			}
		if (s) {
			pf_rate_store_reset(cfg->rate.store,
			    "pf:rate:domain:messages:example.com");
			pf_rate_store_reset(cfg->rate.store,
			    "pf:rate:ip:recipients:192.0.2.1");
		}
		out[s] = g_string_new(NULL);
		for (int i = 0; i < 300; i++) {
			pf_pipeline *tx = tu_pipeline(cfg);
			pf_verdict *v;

			pf_message_set_auth_user(tx->msg, users[(i * 7) % 3]);
			v = mail_rcpt(tx, "a@example.com");
			if (v && g_str_has_suffix(v->primary->code, "-messages"))
				v = NULL, g_string_append_c(out[s], 'm');
			else
				g_string_append_c(out[s], v ? 'r' : 'M');
			if (tu_find(tx->msg, "rate.surge"))
				g_string_append_c(out[s], 's');
			if (out[s]->str[out[s]->len - 1] != 'm')
				g_string_append_printf(out[s], "%u",
				    rcpts(tx, (unsigned)(i % 3), NULL));
			pf_pipeline_free(&tx);
			fake_now += (int64_t)(i % 5) * 1700 * 1000;
		}
		pf_config_unref(&cfg);
		g_free(text);
	}
	for (int u = 0; u < 3; u++)
		g_free(users[u]);
	assert_string_equal(out[0]->str, out[1]->str);
	assert_non_null(strchr(out[0]->str, 'm'));	/* some refused */
	assert_non_null(strchr(out[0]->str, 's'));	/* some surges */
	g_string_free(out[0], TRUE);
	g_string_free(out[1], TRUE);
}

typedef struct waiter {
	pf_rate_store *store;
	char key[64];
	int rc;
	int64_t took_us;
} waiter;

static gpointer
waiter_thread(gpointer arg)
{
	waiter *w = arg;
	pf_rate_req q = {.key = w->key, .interval_us = SEC, .burst = 10,
	    .n = 1, .refuses = true};
	int64_t t0 = g_get_monotonic_time();

	w->rc = pf_rate_store_take(w->store, &q, 1, fake_now,
				   PF_RATE_IF_ADMITTED);
	w->took_us = g_get_monotonic_time() - t0;
	return NULL;
}

/*
 * One pooled connection, two callers while the server is busy for 300 ms
 * (a script on another connection): the second waits for the first's
 * connection and is woken when it comes back, not at its 2 s deadline.
 */
static void
a_caller_waiting_for_the_pool_is_woken_when_a_connection_returns(void **state)
{
	const char *url = getenv("PF_TEST_REDIS");
	GString *err = g_string_new(NULL);
	pf_rate_store *s = pf_rate_store_redis_new(url, NULL, 2000, 1, NULL, err);
	redisContext *busy;
	waiter w[2] = {{.store = s}, {.store = s}};
	GThread *t[2];

	assert_non_null(s);
	assert_true(g_str_has_prefix(url, "unix:"));
	busy = redisConnectUnix(url + 5);
	assert_true(busy && busy->err == 0);
	for (int i = 0; i < 2; i++) {
		g_snprintf(w[i].key, sizeof(w[i].key), "pf:rate:user:messages:"
			   "pool%d-%d", (int)getpid(), i);
		pf_rate_store_reset(s, w[i].key);
	}
	assert_int_equal(redisAppendCommand(busy, "EVAL %s 0",
	    "local t = redis.call('TIME') local s = t[1] * 1e6 + t[2] "
	    "repeat t = redis.call('TIME') until t[1] * 1e6 + t[2] - s "
	    "> 300000 return 1"), REDIS_OK);
	{
		int done = 0;

		while (!done)	/* the script is sent: the server is busy */
			assert_int_equal(redisBufferWrite(busy, &done),
					 REDIS_OK);
	}
	g_usleep(50 * 1000);
	for (int i = 0; i < 2; i++)
		t[i] = g_thread_new("waiter", waiter_thread, &w[i]);
	for (int i = 0; i < 2; i++)
		g_thread_join(t[i]);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(w[i].rc, 0);
		assert_true(w[i].took_us < 1500 * (int64_t)1000);
	}
	redisFree(busy);
	pf_rate_store_free(&s);
	g_string_free(err, TRUE);
}

/*
 * pool_size 1: a call sent and not read does not hold the connection; the
 * next caller reads its answer for it and goes on at once.
 */
static void
an_unread_answer_gives_its_connection_to_the_next_caller(void **state)
{
	const char *url = getenv("PF_TEST_REDIS");
	GString *err = g_string_new(NULL);
	pf_rate_store *s = pf_rate_store_redis_new(url, NULL, 2000, 1, NULL, err);
	char key[2][64];
	pf_rate_req q[2];
	pf_rate_pending *p[2];
	int64_t t0, tat;

	assert_non_null(s);
	for (int i = 0; i < 2; i++) {
		g_snprintf(key[i], sizeof(key[i]), "pf:rate:user:messages:"
			   "unread%d-%d", (int)getpid(), i);
		pf_rate_store_reset(s, key[i]);
		q[i] = (pf_rate_req){.key = key[i], .interval_us = 60 * SEC,
		    .burst = 1, .n = 1, .refuses = true};
	}
	t0 = g_get_monotonic_time();
	p[0] = pf_rate_store_take_begin(s, &q[0], 1, fake_now,
					PF_RATE_IF_ADMITTED);
	p[1] = pf_rate_store_take_begin(s, &q[1], 1, fake_now,
					PF_RATE_IF_ADMITTED);
	/* a synchronous call as well, while both are out */
	assert_int_equal(pf_rate_store_get(s, key[0], &tat), 0);
	assert_int_equal(tat, fake_now + 60 * SEC);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pf_rate_store_take_end(&p[i]), 0);
		assert_null(p[i]);
		assert_true(q[i].admitted);
	}
	/* no wait for the pool (its timeout is 2 s) */
	assert_true(g_get_monotonic_time() - t0 < 1000 * (int64_t)1000);
	assert_int_equal(pf_rate_store_get(s, key[1], &tat), 0);
	assert_int_equal(tat, fake_now + 60 * SEC);
	/* the bucket is full: the same key again is refused */
	p[0] = pf_rate_store_take_begin(s, &q[0], 1, fake_now,
					PF_RATE_IF_ADMITTED);
	assert_int_equal(pf_rate_store_take_end(&p[0]), 0);
	assert_false(q[0].admitted);
	pf_rate_store_free(&s);
	g_string_free(err, TRUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bucket_admits_burst_then_one_per_interval),
		cmocka_unit_test(limit_syntax_is_count_period_and_optional_burst),
		cmocka_unit_test(bad_limit_is_a_configuration_error),
		cmocka_unit_test(no_limit_set_takes_no_store),
		cmocka_unit_test(dump_hides_redis_credentials),
		cmocka_unit_test(hostile_key_never_reaches_the_reply_raw),
		cmocka_unit_test(user_messages_admit_exactly_burst_then_sustained_rate),
		cmocka_unit_test(tempfail_is_451_4_7_28_and_reject_550_5_7_28),
		cmocka_unit_test(user_recipients_refuse_each_recipient_over_the_limit),
		cmocka_unit_test(recipients_refused_by_another_check_count_only_if_configured),
		cmocka_unit_test(a_message_refused_by_one_key_uses_up_no_other),
		cmocka_unit_test(the_first_recipient_is_taken_with_the_message),
		cmocka_unit_test(a_message_over_its_limit_is_refused_at_each_recipient),
		cmocka_unit_test(overrides_change_limits_per_key_and_kind),
		cmocka_unit_test(bad_override_line_is_refused_with_its_line),
		cmocka_unit_test(quarantine_action_holds_and_counts),
		cmocka_unit_test(monitor_mode_refuses_nothing_and_counts_everything),
		cmocka_unit_test(reload_keeps_the_buckets),
		cmocka_unit_test(in_process_store_keeps_at_most_max_keys),
		cmocka_unit_test(threads_sharing_a_bucket_admit_exactly_its_burst),
		cmocka_unit_test(many_new_recipient_domains_score_and_hold),
		cmocka_unit_test(ipv6_clients_count_by_their_64),
		cmocka_unit_test(peek_mode_decides_and_counts_nothing),
		cmocka_unit_test(surge_over_the_users_own_average_scores),
		cmocka_unit_test(unavailable_store_applies_on_error_within_the_timeout),
	};
	const struct CMUnitTest redis_tests[] = {
		cmocka_unit_test(redis_store_decides_as_the_in_process_store),
		cmocka_unit_test(
		    a_caller_waiting_for_the_pool_is_woken_when_a_connection_returns),
		cmocka_unit_test(
		    an_unread_answer_gives_its_connection_to_the_next_caller),
	};
	const char *url = getenv("PF_TEST_REDIS");

	/* tests/rate.sh runs this again with a Redis server */
	if (url && *url)
		return cmocka_run_group_tests(redis_tests, setup, NULL);
	return cmocka_run_group_tests(tests, setup, NULL);
}
