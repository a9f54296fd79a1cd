/*
 * NAME
 *	test_dkim_rotate - the DKIM rotation state file (parse, write, refuse
 *	corrupt files with file:line) and the switch rule, on a fixed clock
 * DESCRIPTION
 *	Keys are Ed25519, made here in a private directory; the new
 *	selector's record comes from a fake TXT lookup.  The daemon's side
 *	(pf_dkim_rotation_act(true)) writes the state file; the others only
 *	compute.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "testutil.h"
#include "auth/dkim.h"
#include "auth/dkim_rotate.h"

static char *dir;
static char *old_path, *new_path, *other_path, *state_path;

static char *
write_key(const char *name)
{
	char *path = g_build_filename(dir, name, NULL);
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL,
					      NULL), 1);
	fclose(fp);
	EVP_PKEY_free(pk);
	assert_int_equal(chmod(path, 0600), 0);
	return path;
}

static int
setup(void **state)
{
	(void)state;
	dir = g_dir_make_tmp("pf-rot-XXXXXX", NULL);
	assert_non_null(dir);
	old_path = write_key("s1.pem");
	new_path = write_key("rot.test.s2.pem");
	other_path = write_key("wrong.pem");
	state_path = pf_dkim_rotation_path(old_path);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tu_remove_dir(dir);
	g_free(dir);
	g_free(old_path);
	g_free(new_path);
	g_free(other_path);
	g_free(state_path);
	return 0;
}

static char *
state_text(const char *extra)
{
	return g_strdup_printf("# a comment\n\ndomain=rot.test\n"
	    "old_selector=s1\nold_key=%s\nnew_selector=s2\nnew_key=%s\n"
	    "started=2026-12-01T10:00:00Z\n%s", old_path, new_path, extra);
}

static void
write_state(const char *extra)
{
	char *text = state_text(extra);

	assert_true(g_file_set_contents(state_path, text, -1, NULL));
	g_free(text);
}

static void
state_file_round_trip_and_atomic_write(void **state)
{
	char *text = state_text("seen=2026-12-01T12:00:00+01:00\n"), *out;
	pf_dkim_rotation_state st, back;
	GString *err = g_string_new(NULL);
	struct stat sb;
	GDir *d;
	const char *name;
	unsigned files = 0;

	(void)state;
	assert_int_equal(pf_dkim_rotation_state_parse("x", text, &st, err), 0);
	assert_string_equal(st.domain, "rot.test");
	assert_string_equal(st.new_selector, "s2");
	assert_string_equal(st.new_key, new_path);
	assert_int_equal(st.started, 1796119200);	/* 2026-12-01T10:00Z */
	assert_int_equal(st.seen, 1796119200 + 3600);	/* zone honoured */
	assert_int_equal(st.switched, 0);
	st.switched = st.seen + 172800;
	assert_int_equal(pf_dkim_rotation_state_save(state_path, &st, NULL,
						     err), 0);
	assert_int_equal(stat(state_path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_true(g_file_get_contents(state_path, &out, NULL, NULL));
	assert_non_null(strstr(out, "\nseen=2026-12-01T11:00:00Z\n"));
	assert_non_null(strstr(out, "\nswitched=2026-12-03T11:00:00Z\n"));
	assert_int_equal(pf_dkim_rotation_state_load(state_path, &back, err),
			 0);
	assert_string_equal(back.old_key, old_path);
	assert_int_equal(back.seen, st.seen);
	assert_int_equal(back.switched, st.switched);
	/* nothing but the keys and the state: no temporary file left */
	d = g_dir_open(dir, 0, NULL);
	while ((name = g_dir_read_name(d)) != NULL)
		files++;
	g_dir_close(d);
	assert_int_equal(files, 4);
	pf_dkim_rotation_state_clear(&back);
	assert_int_equal(pf_dkim_rotation_state_load("/nonexistent/x", &back,
						     err), 1);
	assert_int_equal(err->len, 0);
	unlink(state_path);
	pf_dkim_rotation_state_clear(&st);
	pf_dkim_rotation_state_clear(&back);
	g_free(out);
	g_free(text);
	g_string_free(err, TRUE);
}

static void
corrupt_state_files_name_file_and_line(void **state)
{
	static const struct {
		const char *extra, *want;
	} cases[] = {
		{"colour=blue\n", "f:9: unknown name \"colour\""},
		{"started=2026-12-02T10:00:00Z\n", "f:9: started given twice"},
		{"seen 2026-12-01T10:00:00Z\n", "f:9: expected name=value"},
		{"seen=yesterday\n", "f:9: seen=yesterday: expected an ISO 8601"},
		{"switched=2026-12-03T10:00:00Z\n", "f: switched= without an "
		 "earlier seen="},
		{"seen=2026-12-03T10:00:00Z\nswitched=2026-12-02T10:00:00Z\n",
		 "f: switched= without an earlier seen="},
	};
	pf_dkim_rotation_state st;
	GString *err = g_string_new(NULL);
	char *text;

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		text = state_text(cases[i].extra);
		g_string_truncate(err, 0);
		assert_int_equal(pf_dkim_rotation_state_parse("f", text, &st,
							      err), -1);
		if (strstr(err->str, cases[i].want) == NULL)
			fail_msg("case %zu: %s", i, err->str);
		assert_null(st.domain);		/* nothing half filled */
		g_free(text);
	}
	g_string_truncate(err, 0);
	assert_int_equal(pf_dkim_rotation_state_parse("f", "domain=rot.test\n"
	    "old_selector=s1\nold_key=relative.pem\n", &st, err), -1);
	assert_non_null(strstr(err->str, "f:3: old_key=relative.pem: "
			       "expected an absolute path"));
	g_string_truncate(err, 0);
	assert_int_equal(pf_dkim_rotation_state_parse("f", "domain=rot.test\n"
	    "old_selector=s1\nold_key=/k\n", &st, err), -1);
	assert_non_null(strstr(err->str, "f: new_selector= is missing"));
	g_string_truncate(err, 0);
	assert_int_equal(pf_dkim_rotation_state_parse("f", "new_selector=a_b\n",
						      &st, err), -1);
	assert_non_null(strstr(err->str, "f:1: new_selector=a_b: not a DKIM "
			       "selector"));
	g_string_free(err, TRUE);
}

/* A configuration naming the old key; its state file as written above. */
static pf_config *
rotated_config(GString *err, unsigned long delay)
{
	char *text = g_strdup_printf("[dkim]\ndomain = rot.test\nselector = s1"
	    "\nkey_file = %s\nrotation_delay = %lu\n", old_path, delay);
	pf_config *cfg = tu_config_err(text, err, NULL);

	g_free(text);
	return cfg;
}

static const char *
signing_selector(pf_config *cfg)
{
	GPtrArray *keys = pf_dkim_keys_for(cfg->dkim.keys, "a@rot.test");
	const char *sel;

	assert_non_null(keys);
	assert_int_equal(keys->len, 1);
	sel = ((pf_dkim_key *)keys->pdata[0])->selector;
	g_ptr_array_unref(keys);
	return sel;
}

static void
corrupt_state_file_refuses_the_configuration(void **state)
{
	GString *err = g_string_new(NULL);
	pf_config *cfg;

	(void)state;
	/* a switched state spoilt by one bad line: refused, not half read */
	write_state("seen=2026-12-01T11:00:00Z\nswitched=2026-12-03T11:00:00Z\n"
		    "switched by hand\n");
	assert_null(cfg = rotated_config(err, 0));
	if (strstr(err->str, state_path) == NULL || strstr(err->str, ":11: "
	    "expected name=value") == NULL)
		fail_msg("%s", err->str);
	/* a state that belongs to another key */
	g_string_truncate(err, 0);
	write_state("");
	{
		char *text = g_strdup_printf("[dkim]\ndomain = other.test\n"
		    "selector = s1\nkey_file = %s\n", old_path);

		assert_null(tu_config_err(text, err, NULL));
		assert_non_null(strstr(err->str, "domain=rot.test, but the key "
				       "simple (s=s1) signs for other.test"));
		g_free(text);
	}
	/* a pending key that is not there */
	g_string_truncate(err, 0);
	assert_true(g_file_set_contents(state_path, "domain=rot.test\n"
	    "old_selector=s1\nold_key=/none/s1.pem\nnew_selector=s2\n"
	    "new_key=/none/s2.pem\nstarted=2026-12-01T10:00:00Z\n", -1, NULL));
	assert_null(rotated_config(err, 0));
	assert_non_null(strstr(err->str, "old_key: /none/s1.pem: cannot read"));
	unlink(state_path);
	g_string_free(err, TRUE);
}

static void
switch_rule_on_a_fixed_clock(void **state)
{
	pf_dkim_rotation_state st = {0};
	const time_t t0 = 1796119200;
	const unsigned long delay = 172800;
	bool changed;

	(void)state;
	assert_int_equal(pf_dkim_rotation_decide(&st, PF_DKIM_PUB_MISSING, t0,
	    delay, &changed), PF_DKIM_ROT_MISSING);
	assert_false(changed);
	assert_int_equal(pf_dkim_rotation_decide(&st, PF_DKIM_PUB_OK, t0 + 10,
	    delay, &changed), PF_DKIM_ROT_WAITING);
	assert_true(changed);
	assert_int_equal(st.seen, t0 + 10);
	assert_int_equal(pf_dkim_rotation_decide(&st, PF_DKIM_PUB_OK,
	    t0 + 10 + delay - 1, delay, &changed), PF_DKIM_ROT_WAITING);
	assert_false(changed);
	/* DNS trouble decides nothing */
	assert_int_equal(pf_dkim_rotation_decide(&st, PF_DKIM_PUB_TEMPFAIL,
	    t0 + 10 + delay, delay, &changed), PF_DKIM_ROT_UNKNOWN);
	assert_false(changed);
	assert_int_equal(st.switched, 0);
	/* replaced by another key: the delay starts again once it is right */
	assert_int_equal(pf_dkim_rotation_decide(&st, PF_DKIM_PUB_MISMATCH,
	    t0 + 20 + delay, delay, &changed), PF_DKIM_ROT_WRONG);
	assert_true(changed);
	assert_int_equal(st.seen, 0);
	assert_int_equal(pf_dkim_rotation_decide(&st, PF_DKIM_PUB_TESTING,
	    t0 + 30 + delay, delay, &changed), PF_DKIM_ROT_WRONG);
	assert_int_equal(pf_dkim_rotation_decide(&st, PF_DKIM_PUB_OK,
	    t0 + 40 + delay, delay, &changed), PF_DKIM_ROT_WAITING);
	assert_int_equal(pf_dkim_rotation_decide(&st, PF_DKIM_PUB_OK,
	    t0 + 40 + 2 * delay, delay, &changed), PF_DKIM_ROT_SWITCHED);
	assert_true(changed);
	assert_int_equal(st.switched, t0 + 40 + 2 * delay);
	/* once switched, nothing goes back */
	assert_int_equal(pf_dkim_rotation_decide(&st, PF_DKIM_PUB_MISSING,
	    t0 + 50 + 2 * delay, delay, &changed), PF_DKIM_ROT_SWITCHED);
	assert_false(changed);
	assert_int_equal(st.switched, t0 + 40 + 2 * delay);
	/* rotation_delay = 0: the first matching check switches */
	memset(&st, 0, sizeof(st));
	assert_int_equal(pf_dkim_rotation_decide(&st, PF_DKIM_PUB_OK, t0, 0,
	    &changed), PF_DKIM_ROT_SWITCHED);
	assert_int_equal(st.seen, t0);
	assert_int_equal(st.switched, t0);
}

typedef struct fake_dns {
	const char *record;	/* NULL: NXDOMAIN */
	unsigned calls;
} fake_dns;

static pf_dns_status
fake_txt(void *arg, const char *name, GPtrArray **out, GString *why)
{
	fake_dns *f = arg;

	(void)why;
	f->calls++;
	assert_string_equal(name, "s2._domainkey.rot.test");
	if (f->record == NULL)
		return PF_DNS_NXDOMAIN;
	*out = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(*out, g_strdup(f->record));
	return PF_DNS_OK;
}

static char *
read_state(void)
{
	char *text = NULL;

	assert_true(g_file_get_contents(state_path, &text, NULL, NULL));
	return text;
}

/*
 * The daemon's side, end to end on a fixed clock: missing, then another
 * key (no switch, both fingerprints known), then right; the state on
 * disk after each step; a reload in the middle (a new configuration from
 * the same files) keeps the sighting; after the delay the new key signs,
 * and a later reload still signs with it.
 */
static void
daemon_switches_after_the_delay_and_a_reload_loses_nothing(void **state)
{
	GString *err = g_string_new(NULL);
	pf_dkim_key *wrong;
	pf_config *cfg;
	pf_dkim_rotation *rot;
	fake_dns f = {0};
	const time_t t0 = 1796119200;
	char *text, *fp, *right;

	(void)state;
	write_state("");
	wrong = pf_dkim_key_load(other_path, 2048, err);
	assert_non_null(wrong);
	pf_dkim_rotation_act(true);
	assert_non_null(cfg = rotated_config(err, 100));
	rot = cfg->dkim.keys->rotations->pdata[0];
	assert_string_equal(signing_selector(cfg), "s1");

	assert_int_equal(pf_dkim_rotation_poll_via(rot, fake_txt, &f, 1, t0),
			 PF_DKIM_ROT_MISSING);
	f.record = wrong->record;
	assert_int_equal(pf_dkim_rotation_poll_via(rot, fake_txt, &f, 1,
			 t0 + 1), PF_DKIM_ROT_WRONG);
	fp = pf_dkim_fingerprint(wrong->pubkey);
	assert_string_equal(rot->published_fp, fp);
	g_free(fp);
	text = read_state();
	assert_null(strstr(text, "seen="));
	g_free(text);
	assert_string_equal(signing_selector(cfg), "s1");

	right = g_strdup(rot->new_key->record);	/* outlives the reload */
	f.record = right;
	assert_int_equal(pf_dkim_rotation_poll_via(rot, fake_txt, &f, 1,
			 t0 + 2), PF_DKIM_ROT_WAITING);
	text = read_state();
	assert_non_null(strstr(text, "\nseen=2026-12-01T10:00:02Z\n"));
	g_free(text);
	/* within key_check_interval: the cached answer, no lookup */
	assert_int_equal(f.calls, 3);
	(void)pf_dkim_rotation_poll_via(rot, fake_txt, &f, 60, t0 + 3);
	assert_int_equal(f.calls, 3);

	/* reload (or restart): the same files, the sighting kept */
	pf_config_unref(&cfg);
	assert_non_null(cfg = rotated_config(err, 100));
	rot = cfg->dkim.keys->rotations->pdata[0];
	assert_int_equal(rot->st.seen, t0 + 2);
	assert_int_equal(pf_dkim_rotation_poll_via(rot, fake_txt, &f, 1,
			 t0 + 101), PF_DKIM_ROT_WAITING);
	assert_string_equal(signing_selector(cfg), "s1");
	assert_int_equal(pf_dkim_rotation_poll_via(rot, fake_txt, &f, 1,
			 t0 + 102), PF_DKIM_ROT_SWITCHED);
	assert_string_equal(signing_selector(cfg), "s2");
	text = read_state();
	assert_non_null(strstr(text, "\nswitched=2026-12-01T10:01:42Z\n"));
	g_free(text);

	pf_config_unref(&cfg);
	assert_non_null(cfg = rotated_config(err, 100));
	assert_string_equal(signing_selector(cfg), "s2");
	pf_config_unref(&cfg);
	pf_dkim_rotation_act(false);
	pf_dkim_key_free(wrong);
	g_free(right);
	unlink(state_path);
	g_string_free(err, TRUE);
}

/* preflight dkim check and scan see the switch coming but never make it. */
static void
only_the_daemon_writes_the_state(void **state)
{
	GString *err = g_string_new(NULL);
	pf_config *cfg;
	pf_dkim_rotation *rot;
	fake_dns f = {0};
	char *before, *after;

	(void)state;
	write_state("seen=2026-12-01T10:00:00Z\n");
	before = read_state();
	pf_dkim_rotation_act(false);
	assert_non_null(cfg = rotated_config(err, 100));
	rot = cfg->dkim.keys->rotations->pdata[0];
	f.record = rot->new_key->record;
	assert_int_equal(pf_dkim_rotation_poll_via(rot, fake_txt, &f, 1,
			 1796119200 + 500), PF_DKIM_ROT_SWITCHED);
	assert_string_equal(signing_selector(cfg), "s1");
	after = read_state();
	assert_string_equal(before, after);
	pf_config_unref(&cfg);
	unlink(state_path);
	g_free(before);
	g_free(after);
	g_string_free(err, TRUE);
}

/* A switch that cannot be written down is not made: a restart would undo it. */
static void
switch_not_made_when_the_state_cannot_be_saved(void **state)
{
	GString *err = g_string_new(NULL);
	pf_config *cfg;
	pf_dkim_rotation *rot;
	fake_dns f = {0};
	char *saved;

	(void)state;
	write_state("seen=2026-12-01T10:00:00Z\n");
	pf_dkim_rotation_act(true);
	assert_non_null(cfg = rotated_config(err, 100));
	rot = cfg->dkim.keys->rotations->pdata[0];
	f.record = rot->new_key->record;
	saved = rot->path;
	rot->path = g_strdup("/nonexistent-dir/s1.pem.rotation");
	assert_int_equal(pf_dkim_rotation_poll_via(rot, fake_txt, &f, 1,
			 1796119200 + 500), PF_DKIM_ROT_WAITING);
	assert_int_equal(rot->st.switched, 0);
	assert_string_equal(signing_selector(cfg), "s1");
	g_free(rot->path);
	rot->path = saved;
	/* the next key check, with the file writable again, switches */
	assert_int_equal(pf_dkim_rotation_poll_via(rot, fake_txt, &f, 1,
			 1796119200 + 502), PF_DKIM_ROT_SWITCHED);
	assert_string_equal(signing_selector(cfg), "s2");
	pf_config_unref(&cfg);
	pf_dkim_rotation_act(false);
	unlink(state_path);
	g_string_free(err, TRUE);
}

/*
 * A second rotation after a switch: the configuration still names s1, the
 * state names the key that signs now (s2, loaded from the state) and the
 * next one.
 */
static void
second_rotation_starts_from_the_key_signing_now(void **state)
{
	GString *err = g_string_new(NULL);
	char *text = g_strdup_printf("domain=rot.test\nold_selector=s2\n"
	    "old_key=%s\nnew_selector=s3\nnew_key=%s\n"
	    "started=2026-12-20T10:00:00Z\n", new_path, other_path);
	pf_config *cfg;
	pf_dkim_rotation *rot;

	(void)state;
	assert_true(g_file_set_contents(state_path, text, -1, NULL));
	assert_non_null(cfg = rotated_config(err, 100));
	rot = cfg->dkim.keys->rotations->pdata[0];
	assert_true(rot->old_owned);
	assert_string_equal(rot->old_key->path, new_path);
	assert_string_equal(signing_selector(cfg), "s2");
	pf_config_unref(&cfg);
	unlink(state_path);
	g_free(text);
	g_string_free(err, TRUE);
}

static void
selectors_and_fingerprints(void **state)
{
	char *fp;

	(void)state;
	assert_true(pf_dkim_selector_valid("s202612"));
	assert_true(pf_dkim_selector_valid("mail.s-2"));
	assert_false(pf_dkim_selector_valid(""));
	assert_false(pf_dkim_selector_valid("-a"));
	assert_false(pf_dkim_selector_valid("a..b"));
	assert_false(pf_dkim_selector_valid("a b"));
	assert_false(pf_dkim_selector_valid("a/b"));
	/* the SHA-256 of "abc", as "openssl dgst -sha256 -binary | base64" */
	fp = pf_dkim_fingerprint("YWJj");
	assert_string_equal(fp, "SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/"
			    "YfIAFa0");
	g_free(fp);
	assert_null(pf_dkim_fingerprint("not base64!"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_file_round_trip_and_atomic_write),
		cmocka_unit_test(corrupt_state_files_name_file_and_line),
		cmocka_unit_test(corrupt_state_file_refuses_the_configuration),
		cmocka_unit_test(switch_rule_on_a_fixed_clock),
		cmocka_unit_test(daemon_switches_after_the_delay_and_a_reload_loses_nothing),
		cmocka_unit_test(only_the_daemon_writes_the_state),
		cmocka_unit_test(switch_not_made_when_the_state_cannot_be_saved),
		cmocka_unit_test(second_rotation_starts_from_the_key_signing_now),
		cmocka_unit_test(selectors_and_fingerprints),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
