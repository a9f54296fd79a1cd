/*
 * test_config - the key table: parsing, errors with file:line, tables,
 * the generated sample.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static void
defaults_match_the_documented_defaults(void **state)
{
	pf_config *cfg = pf_config_defaults();

	assert_string_equal(cfg->socket, "unix:/run/preflight/preflight.sock");
	assert_int_equal(cfg->size.max_message_size, 25ULL << 20);
	assert_int_equal(cfg->size.max_recipients, 100);
	assert_int_equal(cfg->size.mode, PF_MODE_ENFORCE);
	assert_int_equal(cfg->size.action, PF_ACTION_REJECT);
	assert_int_equal(cfg->on_internal_error, PF_ACTION_TEMPFAIL);
	assert_false(cfg->monitor);
	assert_null(cfg->group);
	pf_config_unref(&cfg);
	assert_null(cfg);
}

static void
values_parse_with_suffixes_and_words(void **state)
{
	pf_config *cfg = tu_config(
	    "[size]\nmax_message_size = 512K\nmax_recipients = 7\n"
	    "mode = monitor\naction = tempfail\n"
	    "[policy]\nmonitor = yes\nmax_scan_size = 1G\n"
	    "[milter]\nsocket_mode = 0600\n");

	assert_int_equal(cfg->size.max_message_size, 512 * 1024);
	assert_int_equal(cfg->size.max_recipients, 7);
	assert_int_equal(cfg->size.mode, PF_MODE_MONITOR);
	assert_int_equal(cfg->size.action, PF_ACTION_TEMPFAIL);
	assert_true(cfg->monitor);
	assert_int_equal(cfg->max_scan_size, 1ULL << 30);
	assert_int_equal(cfg->socket_mode, 0600);
	pf_config_unref(&cfg);
}

static void
every_bad_line_is_reported_with_file_and_line(void **state)
{
	GString *err = g_string_new(NULL);
	char *path = NULL, *want;
	pf_config *cfg = tu_config_err(
	    "# comment\n[size]\nmax_message_size = ten\n"
	    "colour = blue\n[policy]\nmonitor = perhaps\n"
	    "[milter]\nsocket_mode = 999\n", err, &path);

	assert_null(cfg);
	want = g_strdup_printf("%s:3: size.max_message_size = \"ten\": "
			       "expected a size", path);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	want = g_strdup_printf("%s:4: unknown key \"colour\" in section "
			       "[size]", path);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	want = g_strdup_printf("%s:6: policy.monitor", path);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	want = g_strdup_printf("%s:8: milter.socket_mode", path);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	unlink(path);
	g_free(path);
	g_string_free(err, TRUE);
}

static void
out_of_range_numbers_are_refused(void **state)
{
	GString *err = g_string_new(NULL);
	pf_config *cfg = tu_config_err("[milter]\nmilter_timeout = 0\n", err,
				       NULL);

	assert_null(cfg);
	assert_non_null(strstr(err->str, "must be from 1 to 86400"));
	g_string_free(err, TRUE);
}

static void
syntax_error_names_the_line(void **state)
{
	GString *err = g_string_new(NULL);
	char *path = NULL, *want;
	pf_config *cfg = tu_config_err("[size]\nthis is not a key\n", err,
				       &path);

	assert_null(cfg);
	want = g_strdup_printf("%s:2: syntax error", path);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	unlink(path);
	g_free(path);
	g_string_free(err, TRUE);
}

static void
missing_file_is_an_error(void **state)
{
	GString *err = g_string_new(NULL);

	assert_null(pf_config_load("/nonexistent/preflight.conf", err));
	assert_non_null(strstr(err->str,
	    "/nonexistent/preflight.conf: cannot open"));
	g_string_free(err, TRUE);
}

static void
bad_override_table_line_names_table_file_and_line(void **state)
{
	char *table = tu_write_temp("example.com max_message_size=50M\n"
				    "# comment\n\n"
				    "bad.example max_message_size=lots\n"
				    "other.example color=red\n");
	char *conf = g_strdup_printf("[size]\noverrides = %s\n", table);
	GString *err = g_string_new(NULL);
	char *want;

	assert_null(tu_config_err(conf, err, NULL));
	want = g_strdup_printf("%s:4: max_message_size \"lots\"", table);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	want = g_strdup_printf("%s:5: unknown key \"color\"", table);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	unlink(table);
	g_free(table);
	g_free(conf);
	g_string_free(err, TRUE);
}

static void
missing_override_table_is_an_error(void **state)
{
	GString *err = g_string_new(NULL);

	assert_null(tu_config_err("[size]\noverrides = /nonexistent/t\n", err,
				  NULL));
	assert_non_null(strstr(err->str, "/nonexistent/t: cannot open table"));
	g_string_free(err, TRUE);
}

static void
dump_of_loaded_sample_equals_defaults(void **state)
{
	GString *err = g_string_new(NULL);
	pf_config *def = pf_config_defaults();
	pf_config *sample = pf_config_load(TEST_SRCDIR "/../conf/preflight.conf",
					   err);
	char *a = NULL, *b = NULL;
	size_t alen, blen;
	FILE *fa, *fb;

	if (sample == NULL)
		fail_msg("sample does not load: %s", err->str);
	fa = open_memstream(&a, &alen);
	fb = open_memstream(&b, &blen);
	pf_config_dump(def, fa, false);
	pf_config_dump(sample, fb, false);
	fclose(fa);
	fclose(fb);
	assert_string_equal(a, b);
	free(a);
	free(b);
	pf_config_unref(&def);
	pf_config_unref(&sample);
	g_string_free(err, TRUE);
}

static void
references_keep_a_config_alive(void **state)
{
	pf_config *cfg = pf_config_defaults();
	pf_config *ref = pf_config_ref(cfg);

	pf_config_unref(&cfg);
	assert_null(cfg);
	assert_string_equal(ref->header_name, "X-Preflight");
	pf_config_unref(&ref);
	pf_config_unref(&ref);	/* NULL is fine */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_match_the_documented_defaults),
		cmocka_unit_test(values_parse_with_suffixes_and_words),
		cmocka_unit_test(every_bad_line_is_reported_with_file_and_line),
		cmocka_unit_test(out_of_range_numbers_are_refused),
		cmocka_unit_test(syntax_error_names_the_line),
		cmocka_unit_test(missing_file_is_an_error),
		cmocka_unit_test(bad_override_table_line_names_table_file_and_line),
		cmocka_unit_test(missing_override_table_is_an_error),
		cmocka_unit_test(dump_of_loaded_sample_equals_defaults),
		cmocka_unit_test(references_keep_a_config_alive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
