/*
 * test_verdict - results to action: severity and scores, code classes,
 * reply safety, the decision line and JSON, the annotation header.
 */
#include <string.h>

#include "testutil.h"

/* A bare message model: these tests feed results to the verdict engine. */
static pf_message *
fresh(pf_config *cfg)
{
	pf_conninfo ci = {.client_addr = "192.0.2.1", .helo = "client.test"};
	pf_message *msg = pf_message_new(cfg, &ci);

	pf_message_set_sender(msg, "a@example.com", NULL);
	return msg;
}

static void
most_severe_enforced_action_wins(void **state)
{
	pf_config *cfg = pf_config_defaults();
	pf_message *msg = fresh(cfg);
	pf_verdict *v;

	pf_result_text(pf_result_add(msg, PF_CHECK_SIZE, "t.tempfail",
	    PF_ACTION_TEMPFAIL, 0, "451", "4.7.24"), "dns trouble");
	pf_result_text(pf_result_add(msg, PF_CHECK_SIZE, "t.reject",
	    PF_ACTION_REJECT, 0, "550", "5.7.26"), "dmarc says no");
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	assert_int_equal(v->action, PF_ACTION_REJECT);
	assert_string_equal(v->primary->code, "t.reject");
	assert_string_equal(v->smtp, "550");
	assert_string_equal(v->dsn, "5.7.26");
	assert_string_equal(v->reply->pdata[0], "dmarc says no");
	assert_string_equal(v->reply->pdata[1], "Also: dns trouble");
	assert_string_equal(v->reply->pdata[v->reply->len - 1],
			    "preflight: t.tempfail,t.reject");
	pf_verdict_free(&v);
	pf_message_free(&msg);
	pf_config_unref(&cfg);
}

static void
scores_add_up_to_thresholds(void **state)
{
	pf_config *cfg = tu_config("[policy]\nannotate_score = 2\n"
				   "quarantine_score = 5\nreject_score = 9\n");
	pf_message *msg = fresh(cfg);
	pf_verdict *v;

	pf_result_add(msg, PF_CHECK_SIZE, "t.a", PF_ACTION_NONE, 1, NULL,
		      NULL);
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	assert_int_equal(v->action, PF_ACTION_ACCEPT);
	pf_verdict_free(&v);

	pf_result_add(msg, PF_CHECK_SIZE, "t.b", PF_ACTION_NONE, 1, NULL,
		      NULL);
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	assert_int_equal(v->action, PF_ACTION_ANNOTATE);
	pf_verdict_free(&v);

	pf_result_add(msg, PF_CHECK_SIZE, "t.c", PF_ACTION_NONE, 3, NULL,
		      NULL);
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	assert_int_equal(v->action, PF_ACTION_QUARANTINE);
	assert_string_equal(v->quarantine_reason, "preflight: t.c");
	pf_verdict_free(&v);

	pf_result_add(msg, PF_CHECK_SIZE, "t.d", PF_ACTION_NONE, 4, NULL,
		      NULL);
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	assert_int_equal(v->action, PF_ACTION_REJECT);
	assert_int_equal(v->score, 9);
	/* decided by score: generic policy codes */
	assert_string_equal(v->smtp, "550");
	assert_string_equal(v->dsn, "5.7.1");
	pf_verdict_free(&v);
	pf_message_free(&msg);
	pf_config_unref(&cfg);
}

static void
early_stages_decide_only_refusals(void **state)
{
	pf_config *cfg = pf_config_defaults();
	pf_message *msg = fresh(cfg);
	pf_verdict *v;

	/* a score past reject_score waits for the end of the message */
	pf_result_add(msg, PF_CHECK_SIZE, "t.a", PF_ACTION_ANNOTATE, 50, NULL,
		      NULL);
	assert_null(pf_verdict_decide(msg, PF_STAGE_EOH, 0));
	pf_result_add(msg, PF_CHECK_SIZE, "t.b", PF_ACTION_REJECT, 0, NULL,
		      NULL);
	v = pf_verdict_decide(msg, PF_STAGE_EOH, 0);
	assert_non_null(v);
	pf_verdict_free(&v);
	pf_message_free(&msg);
	pf_config_unref(&cfg);
}

static void
code_class_always_matches_action(void **state)
{
	pf_config *cfg = pf_config_defaults();
	pf_message *msg = fresh(cfg);
	pf_verdict *v;

	/* a 4xx result configured to reject becomes 5xx, and back */
	pf_result_add(msg, PF_CHECK_SIZE, "t.x", PF_ACTION_REJECT, 0, "451",
		      "4.7.24");
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	assert_string_equal(v->smtp, "550");
	assert_string_equal(v->dsn, "5.7.24");
	pf_verdict_free(&v);
	pf_message_free(&msg);

	msg = fresh(cfg);
	pf_result_add(msg, PF_CHECK_SIZE, "t.y", PF_ACTION_TEMPFAIL, 0, "554",
		      "5.7.1");
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	assert_string_equal(v->smtp, "451");
	assert_string_equal(v->dsn, "4.7.1");
	pf_verdict_free(&v);
	pf_message_free(&msg);
	pf_config_unref(&cfg);
}

static void
hostile_text_never_reaches_the_reply_raw(void **state)
{
	pf_config *cfg = pf_config_defaults();
	pf_message *msg = fresh(cfg);
	pf_verdict *v;
	GString *big = g_string_new(NULL);

	for (int i = 0; i < 2000; i++)
		g_string_append_c(big, 'A' + i % 26);
	pf_result_text(pf_result_add(msg, PF_CHECK_SIZE, "t.x",
	    PF_ACTION_REJECT, 0, "550", "5.7.1"),
	    "file \"evil\r\n250 OK\" 100%% \x01\xff %s", big->str);
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	for (guint i = 0; i < v->reply->len; i++) {
		const char *l = v->reply->pdata[i];

		assert_null(strpbrk(l, "\r\n"));
		assert_true(strlen(l) <= PF_REPLY_LINE_MAX + 3);
		for (const unsigned char *p = (const unsigned char *)l; *p; p++)
			assert_true(*p >= 0x20 && *p < 0x7f);
	}
	assert_non_null(strstr(v->reply->pdata[0],
			       "\"evil\\x0d\\x0a250 OK\" 100% \\x01\\xff"));
	pf_verdict_free(&v);
	g_string_free(big, TRUE);
	pf_message_free(&msg);
	pf_config_unref(&cfg);
}

static void
decision_line_has_fixed_key_order(void **state)
{
	pf_config *cfg = tu_config("[size]\nmax_message_size = 10\n");
	pf_pipeline *tx = tu_pipeline(cfg);
	pf_message *msg = tx->msg;
	char *args[] = {"SIZE=20", NULL};
	pf_verdict *v;
	GString *line;
	char *want;

	pf_message_set_auth_user(msg, "alice smith");
	v = pf_pipeline_mail(tx, "<a\"b@example.com>", args);
	assert_non_null(v);
	line = pf_verdict_line(msg, v);
	want = g_strdup_printf("NOQUEUE: action=reject stage=mail code=552 "
	    "dsn=5.3.4 reasons=size.too-big score=0 from=<a\\\"b@example.com> "
	    "rcpts=0 size=20 elapsed_ms=%.1f client=192.0.2.1 "
	    "auth=\"alice smith\" size.limit=10 size.size=20 "
	    "size.source=esmtp size.scope=global text=\"Message size 20 "
	    "bytes (declared with SIZE=) exceeds the limit of 10 bytes for "
	    "mail from example.com\"", (double)v->elapsed_us / 1000.0);
	assert_string_equal(line->str, want);
	g_free(want);
	g_string_free(line, TRUE);
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
}

static void
json_escapes_controls_and_invalid_utf8(void **state)
{
	pf_config *cfg = pf_config_defaults();
	pf_message *msg = fresh(cfg);
	pf_verdict *v;
	char *json;

	pf_result_text(pf_result_add(msg, PF_CHECK_SIZE, "t.x",
	    PF_ACTION_REJECT, 0, "550", "5.7.1"), "bad\tname \"\xff\"");
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	json = pf_verdict_json(msg, v);
	assert_non_null(strstr(json, "\"text\":\"bad\\u0009name \\\"\\u00ff\\\"\""));
	assert_non_null(strstr(json, "\"action\":\"reject\""));
	assert_non_null(strstr(json, "\"rcpts\":[]"));
	assert_true(g_str_has_prefix(json, "{\"schema\":1,\"time\":\""));
	assert_non_null(strstr(json, "\"relay\":\""));
	assert_true(g_utf8_validate(json, -1, NULL));
	g_free(json);
	pf_verdict_free(&v);
	pf_message_free(&msg);
	pf_config_unref(&cfg);
}

static void
annotate_adds_header_and_monitor_does_not(void **state)
{
	pf_config *cfg = pf_config_defaults();
	pf_config *mon = tu_config("[policy]\nmonitor = yes\n");
	pf_message *msg = fresh(cfg);
	pf_verdict *v;
	const pf_header *h;

	pf_result_add(msg, PF_CHECK_SIZE, "t.a", PF_ACTION_ANNOTATE, 2, NULL,
		      NULL);
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	assert_int_equal(v->action, PF_ACTION_ANNOTATE);
	assert_int_equal(msg->add_headers->len, 1);
	h = &g_array_index(msg->add_headers, pf_header, 0);
	assert_string_equal(h->name, "X-Preflight");
	assert_string_equal(h->value, "action=annotate score=2 reasons=t.a");
	pf_verdict_free(&v);
	pf_message_free(&msg);

	msg = fresh(mon);
	pf_result_add(msg, PF_CHECK_SIZE, "t.a", PF_ACTION_ANNOTATE, 2, NULL,
		      NULL);
	v = pf_verdict_decide(msg, PF_STAGE_EOM, 0);
	assert_int_equal(v->action, PF_ACTION_ACCEPT);
	assert_int_equal(v->would, PF_ACTION_ANNOTATE);
	assert_int_equal(msg->add_headers->len, 0);
	pf_verdict_free(&v);
	pf_message_free(&msg);
	pf_config_unref(&cfg);
	pf_config_unref(&mon);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(most_severe_enforced_action_wins),
		cmocka_unit_test(scores_add_up_to_thresholds),
		cmocka_unit_test(early_stages_decide_only_refusals),
		cmocka_unit_test(code_class_always_matches_action),
		cmocka_unit_test(hostile_text_never_reaches_the_reply_raw),
		cmocka_unit_test(decision_line_has_fixed_key_order),
		cmocka_unit_test(json_escapes_controls_and_invalid_utf8),
		cmocka_unit_test(annotate_adds_header_and_monitor_does_not),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
