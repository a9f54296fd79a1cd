/*
 * NAME
 *	test_dkim - DKIM keys, OpenDKIM tables, the published-key comparison
 *	and the check's findings, without DNS
 * DESCRIPTION
 *	Keys are made here with OpenSSL (RSA-2048, RSA-1024, Ed25519) in a
 *	private directory; the published-key lookups go through a fake TXT
 *	lookup (pf_dkim_published_via) that counts its calls.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "testutil.h"
#include "auth/dkim.h"

static char *dir;		/* private temp directory */
static char *rsa_path, *rsa2_path, *small_path, *ed_path;

static char *
write_key(const char *name, EVP_PKEY *pk, mode_t mode)
{
	char *path = g_build_filename(dir, name, NULL);
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL,
					      NULL), 1);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static int
make_keys(void **state)
{
	EVP_PKEY *pk;

	(void)state;
	dir = g_dir_make_tmp("pf-dkim-XXXXXX", NULL);
	assert_non_null(dir);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa_path = write_key("rsa.pem", pk, 0600);
	EVP_PKEY_free(pk);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	rsa2_path = write_key("rsa2.pem", pk, 0400);
	EVP_PKEY_free(pk);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	small_path = write_key("small.pem", pk, 0600);
	EVP_PKEY_free(pk);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	ed_path = write_key("ed.pem", pk, 0600);
	EVP_PKEY_free(pk);
	return 0;
}

static int
remove_keys(void **state)
{
	(void)state;
	tu_remove_dir(dir);
	g_free(dir);
	g_free(rsa_path);
	g_free(rsa2_path);
	g_free(small_path);
	g_free(ed_path);
	return 0;
}

/* a file in the private directory */
static char *
write_file(const char *name, const char *text, mode_t mode)
{
	char *path = g_build_filename(dir, name, NULL);

	assert_true(g_file_set_contents(path, text, -1, NULL));
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static pf_dkim_key *
load_ok(const char *path)
{
	GString *err = g_string_new(NULL);
	pf_dkim_key *k = pf_dkim_key_load(path, 2048, err);

	if (k == NULL)
		fail_msg("%s", err->str);
	g_string_free(err, TRUE);
	return k;
}

static void
key_readable_by_group_or_other_is_refused_with_the_fix(void **state)
{
	char *open = write_file("open.pem", "", 0600);
	GString *err = g_string_new(NULL);
	gchar *pem;
	char *want;

	(void)state;
	assert_true(g_file_get_contents(rsa_path, &pem, NULL, NULL));
	assert_true(g_file_set_contents(open, pem, -1, NULL));
	for (mode_t m = 0604; m <= 0640; m += 036) {	/* 0604, 0640 */
		assert_int_equal(chmod(open, m), 0);
		g_string_truncate(err, 0);
		assert_null(pf_dkim_key_load(open, 2048, err));
		want = g_strdup_printf("fix: chmod 600 %s", open);
		assert_non_null(strstr(err->str, want));
		assert_non_null(strstr(err->str, m == 0604 ? "mode 0604" :
					    "mode 0640"));
		g_free(want);
	}
	unlink(open);
	g_free(open);
	g_free(pem);
	g_string_free(err, TRUE);
}

static void
key_mode_0400_is_accepted(void **state)
{
	pf_dkim_key *k;

	(void)state;
	k = load_ok(rsa2_path);
	assert_false(k->ed25519);
	assert_int_equal(k->bits, 2048);
	pf_dkim_key_free(k);
}

static void
missing_junk_and_short_keys_are_refused(void **state)
{
	GString *err = g_string_new(NULL);
	char *junk = write_file("junk.pem", "-----BEGIN PRIVATE KEY-----\n"
	    "bm90IGEga2V5\n-----END PRIVATE KEY-----\n", 0600);
	char *missing = g_build_filename(dir, "missing.pem", NULL);
	pf_dkim_key *k;

	(void)state;
	assert_null(pf_dkim_key_load(missing, 2048, err));
	assert_non_null(strstr(err->str, "missing.pem: cannot read DKIM key"));
	g_string_truncate(err, 0);
	assert_null(pf_dkim_key_load(junk, 2048, err));
	assert_non_null(strstr(err->str, "not a PEM private key"));
	g_string_truncate(err, 0);
	assert_null(pf_dkim_key_load(small_path, 2048, err));
	assert_non_null(strstr(err->str, "RSA key of 1024 bits is below "
			       "[dkim] min_key_bits (2048)"));
	/* an operator may lower the minimum explicitly */
	k = pf_dkim_key_load(small_path, 1024, err);
	assert_non_null(k);
	pf_dkim_key_free(k);
	unlink(junk);
	g_free(junk);
	g_free(missing);
	g_string_free(err, TRUE);
}

static void
ed25519_record_is_the_bare_32_byte_key(void **state)
{
	pf_dkim_key *k;
	guchar *raw;
	gsize len;

	(void)state;
	k = load_ok(ed_path);
	assert_true(k->ed25519);
	raw = g_base64_decode(k->pubkey, &len);
	assert_int_equal(len, 32);
	g_free(raw);
	assert_true(g_str_has_prefix(k->record, "v=DKIM1; k=ed25519; p="));
	pf_dkim_key_free(k);
}

/* [dkim] section over the test's tables; NULL and err on errors */
static pf_config *
table_config(const char *keytable, const char *signtable, bool refile,
	     GString *err)
{
	char *kt = write_file("KeyTable", keytable, 0644);
	char *st = write_file("SigningTable", signtable, 0644);
	char *text = g_strdup_printf("[dkim]\nkey_table = %s\nsigning_table = "
	    "%s%s\n", kt, refile ? "refile:" : "", st);
	pf_config *cfg = tu_config_err(text, err, NULL);

	g_free(kt);
	g_free(st);
	g_free(text);
	return cfg;
}

/* "s1 s2" for the keys address gets, "-" for none */
static char *
selectors_for(pf_config *cfg, const char *address)
{
	GPtrArray *keys = pf_dkim_keys_for(cfg->dkim.keys, address);
	GString *out = g_string_new(NULL);

	for (guint i = 0; keys && i < keys->len; i++) {
		pf_dkim_key *k = keys->pdata[i];

		g_string_append_printf(out, "%s%s/%s", i ? " " : "", k->domain,
				       k->selector);
	}
	if (keys)
		g_ptr_array_unref(keys);
	if (out->len == 0)
		g_string_assign(out, "-");
	return g_string_free(out, FALSE);
}

#define assert_selectors(cfg, addr, want) do { \
	char *got_ = selectors_for(cfg, addr); \
	assert_string_equal(got_, want); \
	g_free(got_); \
} while (0)

static char *
keytable_text(void)
{
	return g_strdup_printf("# name domain:selector:key\n"
	    "k-rsa example.com:r1:%s\n"
	    "k-ed  example.com:e1:%s\n"
	    "k-sub Sub.Example.NET:s1:%s\n", rsa_path, ed_path, rsa2_path);
}

static void
exact_signing_table_address_then_domain_then_parents(void **state)
{
	GString *err = g_string_new(NULL);
	char *kt = keytable_text();
	pf_config *cfg = table_config(kt,
	    "alice@example.com k-ed\n"
	    "example.com k-rsa\n"
	    "example.com k-ed\n"		/* a second line: dual signing */
	    ".example.net k-sub\n", false, err);

	(void)state;
	if (cfg == NULL)
		fail_msg("%s", err->str);
	assert_selectors(cfg, "alice@example.com", "example.com/e1");
	assert_selectors(cfg, "Carol@EXAMPLE.com", "example.com/r1 "
			 "example.com/e1");
	assert_selectors(cfg, "x@deep.sub.example.net", "sub.example.net/s1");
	assert_selectors(cfg, "x@example.net", "-");	/* only below it */
	assert_selectors(cfg, "x@example.org", "-");
	assert_selectors(cfg, "x@notexample.com", "-");
	assert_selectors(cfg, "no-at-sign", "-");
	assert_selectors(cfg, "", "-");
	pf_config_unref(&cfg);
	g_free(kt);
	g_string_free(err, TRUE);
}

static void
refile_signing_table_first_wildcard_match_wins(void **state)
{
	GString *err = g_string_new(NULL);
	char *kt = keytable_text();
	pf_config *cfg = table_config(kt,
	    "bob@example.com k-ed\n"
	    "*@example.com k-rsa k-ed\n"
	    "*@*.example.net k-sub\n"
	    "* k-rsa\n", true, err);

	(void)state;
	if (cfg == NULL)
		fail_msg("%s", err->str);
	assert_selectors(cfg, "bob@example.com", "example.com/e1");
	assert_selectors(cfg, "alice@Example.Com", "example.com/r1 "
			 "example.com/e1");
	assert_selectors(cfg, "x@a.example.net", "sub.example.net/s1");
	assert_selectors(cfg, "x@elsewhere.org", "example.com/r1");
	pf_config_unref(&cfg);
	g_free(kt);
	g_string_free(err, TRUE);
}

static void
table_errors_name_file_and_line(void **state)
{
	GString *err = g_string_new(NULL);
	char *kt = g_strdup_printf("k-rsa example.com:r1:%s\n"
	    "k-bad example.com-no-selector\n"
	    "k-gone example.com:g1:%s/gone.pem\n", rsa_path, dir);
	char *want;
	pf_config *cfg = table_config(kt, "example.com k-rsa\n", false, err);

	(void)state;
	assert_null(cfg);
	want = g_strdup_printf("%s/KeyTable:2: expected \"name "
			       "domain:selector:/path/to/key\"", dir);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	want = g_strdup_printf("%s/KeyTable:3: %s/gone.pem: cannot read DKIM "
			       "key", dir, dir);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	g_free(kt);

	g_string_truncate(err, 0);
	kt = keytable_text();
	cfg = table_config(kt, "example.com k-rsa\n"
	    "example.org k-nokey\n"
	    "lonely-pattern\n", false, err);
	assert_null(cfg);
	want = g_strdup_printf("%s/SigningTable:2: key \"k-nokey\" is not in "
			       "the KeyTable", dir);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	want = g_strdup_printf("%s/SigningTable:3: expected \"pattern "
			       "keyname\"", dir);
	assert_non_null(strstr(err->str, want));
	g_free(want);
	g_free(kt);

	/* a table that is not there */
	g_string_truncate(err, 0);
	cfg = tu_config_err("[dkim]\nkey_table = /nonexistent/KeyTable\n"
			    "signing_table = /nonexistent/SigningTable\n", err,
			    NULL);
	assert_null(cfg);
	assert_non_null(strstr(err->str, "/nonexistent/KeyTable: cannot open "
			       "KeyTable"));
	g_string_free(err, TRUE);
}

static void
options_that_make_failing_signatures_are_refused(void **state)
{
	GString *err = g_string_new(NULL);
	pf_config *cfg;

	(void)state;
	cfg = tu_config_err("[dkim]\ncanonicalization = simple/simple\n", err,
			    NULL);
	assert_null(cfg);
	assert_non_null(strstr(err->str, "simple header canonicalization"));
	assert_non_null(strstr(err->str, "use relaxed/simple"));
	g_string_truncate(err, 0);
	cfg = tu_config_err("[dkim]\ncanonicalization = relaxd/relaxed\n",
			    err, NULL);
	assert_null(cfg);
	assert_non_null(strstr(err->str, "each simple or relaxed"));
	g_string_truncate(err, 0);
	cfg = tu_config_err("[dkim]\nsigned_headers = To Subject\n", err,
			    NULL);
	assert_null(cfg);
	assert_non_null(strstr(err->str, "must include From"));
	g_string_truncate(err, 0);
	cfg = tu_config_err("[dkim]\nsign_by = header\n", err, NULL);
	assert_null(cfg);
	assert_non_null(strstr(err->str, "sign_by = header"));
	cfg = tu_config("[dkim]\ncanonicalization = relaxed/simple\n");
	pf_config_unref(&cfg);
	g_string_free(err, TRUE);
}

static void
internal_hosts_networks(void **state)
{
	pf_config *cfg = tu_config("[dkim]\ninternal_hosts = 127.0.0.0/8 ::1 "
				   "192.0.2.0/28\n");
	GString *err = g_string_new(NULL);

	(void)state;
	assert_true(pf_dkim_internal(cfg->dkim.keys, "127.1.2.3"));
	assert_true(pf_dkim_internal(cfg->dkim.keys, "::1"));
	assert_true(pf_dkim_internal(cfg->dkim.keys, "192.0.2.15"));
	assert_false(pf_dkim_internal(cfg->dkim.keys, "192.0.2.16"));
	assert_false(pf_dkim_internal(cfg->dkim.keys, "::2"));
	assert_false(pf_dkim_internal(cfg->dkim.keys, "junk"));
	assert_false(pf_dkim_internal(cfg->dkim.keys, NULL));
	pf_config_unref(&cfg);
	assert_null(tu_config_err("[dkim]\ninternal_hosts = 10.0.0.0/33\n",
				  err, NULL));
	assert_non_null(strstr(err->str, "\"10.0.0.0/33\" is not an address"));
	g_string_free(err, TRUE);
}

/* the RSA key's public half in PKCS#1 RSAPublicKey form, base64 */
static char *
pkcs1_of(const char *path)
{
	FILE *fp = fopen(path, "r");
	EVP_PKEY *pk = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	unsigned char *der = NULL;
	int len = i2d_PublicKey(pk, &der);
	char *b64;

	fclose(fp);
	assert_true(len > 0);
	b64 = g_base64_encode(der, (gsize)len);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	return b64;
}

static pf_dkim_pub
compare(const pf_dkim_key *k, GString *why, const char *fmt, ...)
	PF_PRINTF(3, 4);

static pf_dkim_pub
compare(const pf_dkim_key *k, GString *why, const char *fmt, ...)
{
	va_list ap;
	char *rec;
	pf_dkim_pub st;

	va_start(ap, fmt);
	rec = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	st = pf_dkim_compare_record(k, rec, why);
	g_free(rec);
	return st;
}

static void
published_record_comparison(void **state)
{
	pf_dkim_key *rsa = load_ok(rsa_path), *rsa2 = load_ok(rsa2_path);
	pf_dkim_key *ed = load_ok(ed_path);
	GString *why = g_string_new(NULL);
	char *pkcs1 = pkcs1_of(rsa_path), *split;
	guchar spki[44] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65,
			   0x70, 0x03, 0x21, 0x00};
	guchar *raw;
	gsize rawlen;
	char *spki64;

	(void)state;
	assert_int_equal(compare(rsa, why, "%s", rsa->record), PF_DKIM_PUB_OK);
	assert_int_equal(compare(ed, why, "%s", ed->record), PF_DKIM_PUB_OK);
	/* k= may be left out for RSA; spaces inside p= do not matter */
	split = g_strdup(rsa->pubkey);
	assert_int_equal(compare(rsa, why, "v=DKIM1;p=%.*s  %s", 100, split,
				 split + 100), PF_DKIM_PUB_OK);
	g_free(split);
	assert_int_equal(compare(rsa, why, "v=DKIM1; k=rsa; p=%s",
				 rsa2->pubkey), PF_DKIM_PUB_MISMATCH);
	assert_string_equal(why->str, "the published p= is a different key");
	assert_int_equal(compare(rsa, why, "v=DKIM1; k=rsa; p="),
			 PF_DKIM_PUB_REVOKED);
	assert_int_equal(compare(rsa, why, "v=DKIM1; k=ed25519; p=%s",
				 rsa->pubkey), PF_DKIM_PUB_BADKEYTYPE);
	assert_int_equal(compare(ed, why, "v=DKIM1; p=%s", ed->pubkey),
			 PF_DKIM_PUB_BADKEYTYPE);	/* k= defaults to rsa */
	assert_non_null(strstr(why->str, "k=rsa (default)"));
	assert_int_equal(compare(rsa, why, "v=DKIM1; h=sha1; p=%s",
				 rsa->pubkey), PF_DKIM_PUB_BADKEYTYPE);
	assert_int_equal(compare(rsa, why, "v=DKIM1; h=sha1:sha256; p=%s",
				 rsa->pubkey), PF_DKIM_PUB_OK);
	assert_int_equal(compare(rsa, why, "v=DKIM1; s=web; p=%s",
				 rsa->pubkey), PF_DKIM_PUB_BADKEYTYPE);
	assert_int_equal(compare(rsa, why, "v=DKIM2; p=%s", rsa->pubkey),
			 PF_DKIM_PUB_MISMATCH);
	assert_int_equal(compare(rsa, why, "v=DKIM1; t=y; p=%s", rsa->pubkey),
			 PF_DKIM_PUB_TESTING);
	assert_int_equal(compare(rsa, why, "v=DKIM1; t=s:y; p=%s",
				 rsa->pubkey), PF_DKIM_PUB_TESTING);
	assert_int_equal(compare(rsa, why, "v=DKIM1; t=s; p=%s", rsa->pubkey),
			 PF_DKIM_PUB_OK);
	/* a testing record of another key is a mismatch first */
	assert_int_equal(compare(rsa, why, "v=DKIM1; t=y; p=%s",
				 rsa2->pubkey), PF_DKIM_PUB_MISMATCH);
	assert_int_equal(compare(rsa, why, "v=DKIM1; p=%s!", rsa->pubkey),
			 PF_DKIM_PUB_MISMATCH);
	assert_string_equal(why->str, "the published p= is not valid base64");
	assert_int_equal(compare(rsa, why, "v=DKIM1"), PF_DKIM_PUB_MISMATCH);
	/* the right key in encodings verifiers reject */
	assert_int_equal(compare(rsa, why, "v=DKIM1; k=rsa; p=%s", pkcs1),
			 PF_DKIM_PUB_MISMATCH);
	assert_non_null(strstr(why->str, "PKCS#1"));
	raw = g_base64_decode(ed->pubkey, &rawlen);
	memcpy(spki + 12, raw, 32);
	spki64 = g_base64_encode(spki, sizeof(spki));
	assert_int_equal(compare(ed, why, "v=DKIM1; k=ed25519; p=%s", spki64),
			 PF_DKIM_PUB_MISMATCH);
	assert_non_null(strstr(why->str, "SubjectPublicKeyInfo form"));
	g_free(raw);
	g_free(spki64);
	g_free(pkcs1);
	pf_dkim_key_free(rsa);
	pf_dkim_key_free(rsa2);
	pf_dkim_key_free(ed);
	g_string_free(why, TRUE);
}

/* the fake DNS: a status and records for any name, counting lookups */
typedef struct fake_dns {
	pf_dns_status status;
	const char *records[3];
	unsigned calls;
	char *last_name;
} fake_dns;

static pf_dns_status
fake_txt(void *arg, const char *name, GPtrArray **out, GString *why)
{
	fake_dns *f = arg;

	f->calls++;
	g_free(f->last_name);
	f->last_name = g_strdup(name);
	if (f->status == PF_DNS_TEMPFAIL)
		g_string_assign(why, "timed out");
	if (f->status != PF_DNS_OK)
		return f->status;
	*out = g_ptr_array_new_with_free_func(g_free);
	for (int i = 0; i < 3 && f->records[i]; i++)
		g_ptr_array_add(*out, g_strdup(f->records[i]));
	return PF_DNS_OK;
}

static pf_dkim_key *
named_key(const char *path, const char *selector)
{
	pf_dkim_key *k = load_ok(path);

	k->domain = g_strdup("example.com");
	k->selector = g_strdup(selector);
	k->name = g_strdup(selector);
	return k;
}

static void
published_lookup_is_cached_per_key_until_stale(void **state)
{
	pf_dkim_key *k = named_key(rsa_path, "r1");
	fake_dns f = {.status = PF_DNS_OK};
	GString *why = g_string_new(NULL);
	time_t t0 = 1700000000;

	(void)state;
	f.records[0] = "v=spf1 -all";		/* not a DKIM record */
	f.records[1] = k->record;
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 3600, t0, why),
			 PF_DKIM_PUB_OK);
	assert_string_equal(f.last_name, "r1._domainkey.example.com");
	assert_int_equal(f.calls, 1);
	/* within the interval: no lookup, even though DNS changed */
	f.status = PF_DNS_NXDOMAIN;
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 3600,
					       t0 + 3599, why), PF_DKIM_PUB_OK);
	assert_int_equal(f.calls, 1);
	/* stale: asked again, and the new answer is cached */
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 3600,
			 t0 + 3600, why), PF_DKIM_PUB_MISSING);
	assert_string_equal(why->str, "r1._domainkey.example.com has no TXT "
			    "record");
	assert_int_equal(f.calls, 2);
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 3600,
			 t0 + 3601, why), PF_DKIM_PUB_MISSING);
	assert_int_equal(f.calls, 2);
	/* DNS trouble is not cached: the next message asks again */
	f.status = PF_DNS_TEMPFAIL;
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 3600,
			 t0 + 7200, why), PF_DKIM_PUB_TEMPFAIL);
	assert_non_null(strstr(why->str, "timed out"));
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 3600,
			 t0 + 7201, why), PF_DKIM_PUB_TEMPFAIL);
	assert_int_equal(f.calls, 4);
	g_free(f.last_name);
	pf_dkim_key_free(k);
	g_string_free(why, TRUE);
}

static void
published_answers_missing_mismatch_and_several_records(void **state)
{
	pf_dkim_key *k = named_key(rsa_path, "r1");
	pf_dkim_key *other = named_key(rsa2_path, "r2");
	fake_dns f = {.status = PF_DNS_NODATA};
	GString *why = g_string_new(NULL);

	(void)state;
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 60, 1, why),
			 PF_DKIM_PUB_MISSING);
	f.status = PF_DNS_OK;
	f.records[0] = "some other text";
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 60, 100, why),
			 PF_DKIM_PUB_MISSING);
	assert_string_equal(why->str, "r1._domainkey.example.com has no DKIM "
			    "record");
	f.records[0] = other->record;
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 60, 200, why),
			 PF_DKIM_PUB_MISMATCH);
	/* the right record next to a stale one: verifiers may pick either */
	f.records[0] = k->record;
	f.records[1] = other->record;
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 60, 300, why),
			 PF_DKIM_PUB_MISMATCH);
	assert_non_null(strstr(why->str, "has 2 DKIM records"));
	f.records[1] = "v=DKIM1; k=rsa; p=";
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 60, 400, why),
			 PF_DKIM_PUB_REVOKED);
	f.records[1] = NULL;
	assert_int_equal(pf_dkim_published_via(k, fake_txt, &f, 60, 500, why),
			 PF_DKIM_PUB_OK);
	g_free(f.last_name);
	pf_dkim_key_free(k);
	pf_dkim_key_free(other);
	g_string_free(why, TRUE);
}

/*
 * The check, with the key's cached DNS outcome set by hand: mail to be
 * signed with a key DNS does not match is tempfailed 451 4.7.5 with the
 * record to publish; with a matching record it is not refused and the d=
 * is handed to DMARC.
 */
static void
check_tempfails_mail_for_an_unpublished_key(void **state)
{
	char *text = g_strdup_printf("[dkim]\ndomain = example.com\n"
	    "selector = r1\nkey_file = %s\n", rsa_path);
	pf_config *cfg = tu_config(text);
	pf_dkim_key *k = cfg->dkim.keys->keys->pdata[0];
	pf_pipeline *tx;
	pf_message *msg;
	pf_verdict *v;
	const pf_result *r;
	char *want;

	(void)state;
	k->checked = time(NULL);
	k->status = PF_DKIM_PUB_MISMATCH;
	k->status_why = g_strdup("the published p= is a different key");

	tx = tu_pipeline(cfg);
	msg = tx->msg;
	pf_message_set_auth_user(msg, "alice");
	(void)pf_pipeline_mail(tx, "alice@example.com", NULL);
	v = tu_feed(tx, "From: Alice <alice@example.com>\nSubject: x\n\n"
		    "hello\n");
	assert_non_null(v);
	assert_int_equal(v->action, PF_ACTION_TEMPFAIL);
	assert_string_equal(v->smtp, "451");
	assert_string_equal(v->dsn, "4.7.5");
	r = tu_find(msg, "dkim.key-not-published");
	assert_non_null(r);
	assert_non_null(strstr(r->text, "selector r1"));
	want = g_strdup_printf("Publish TXT r1._domainkey.example.com \"%s\"",
			       k->record);
	assert_non_null(strstr(r->fix, want));
	g_free(want);
	pf_pipeline_free(&tx);

	k->status = PF_DKIM_PUB_OK;
	tx = tu_pipeline(cfg);
	msg = tx->msg;
	pf_message_set_auth_user(msg, "alice");
	(void)pf_pipeline_mail(tx, "alice@example.com", NULL);
	v = tu_feed(tx, "From: Alice <alice@example.com>\nSubject: x\n\n"
		    "hello\n");
	assert_int_not_equal(v->action, PF_ACTION_TEMPFAIL);
	assert_null(tu_find(msg, "dkim.key-not-published"));
	assert_int_equal(msg->dkim_sign_domains->len, 1);
	assert_string_equal(msg->dkim_sign_domains->pdata[0], "example.com");
	pf_pipeline_free(&tx);
	pf_config_unref(&cfg);
	g_free(text);
}

/* What libopendkim's per-message PEM_read_bio_PrivateKey() gets back. */
static EVP_PKEY *
read_pem(const char *path)
{
	gchar *pem;
	gsize len;
	BIO *bio;
	EVP_PKEY *pk;

	assert_true(g_file_get_contents(path, &pem, &len, NULL));
	bio = BIO_new_mem_buf(pem, (int)len);
	pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	assert_int_equal(BIO_pending(bio), 0);	/* consumed */
	BIO_free(bio);
	g_free(pem);
	assert_non_null(pk);
	return pk;
}

static void
loaded_keys_are_parsed_once_and_shared_with_libopendkim(void **state)
{
	pf_dkim_key *rsa = load_ok(rsa_path), *ed = load_ok(ed_path);
	EVP_PKEY *pk, *other;

	(void)state;
	/* the text of a loaded key: that key, not a new parse */
	pk = read_pem(rsa_path);
	assert_ptr_equal(pk, rsa->pkey);
	EVP_PKEY_free(pk);
	pk = read_pem(ed_path);
	assert_ptr_equal(pk, ed->pkey);
	assert_int_equal(EVP_PKEY_get_base_id(pk), EVP_PKEY_ED25519);
	EVP_PKEY_free(pk);
	/* another key's text: OpenSSL's own parse, a different key */
	other = read_pem(rsa2_path);
	assert_ptr_not_equal(other, rsa->pkey);
	assert_int_not_equal(EVP_PKEY_eq(other, rsa->pkey), 1);
	EVP_PKEY_free(other);
	/* once the key is freed, its text parses normally again */
	pf_dkim_key_free(rsa);
	pk = read_pem(rsa_path);
	rsa = load_ok(rsa_path);
	assert_int_equal(EVP_PKEY_eq(pk, rsa->pkey), 1);
	EVP_PKEY_free(pk);
	pf_dkim_key_free(rsa);
	pf_dkim_key_free(ed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_readable_by_group_or_other_is_refused_with_the_fix),
		cmocka_unit_test(key_mode_0400_is_accepted),
		cmocka_unit_test(missing_junk_and_short_keys_are_refused),
		cmocka_unit_test(ed25519_record_is_the_bare_32_byte_key),
		cmocka_unit_test(loaded_keys_are_parsed_once_and_shared_with_libopendkim),
		cmocka_unit_test(exact_signing_table_address_then_domain_then_parents),
		cmocka_unit_test(refile_signing_table_first_wildcard_match_wins),
		cmocka_unit_test(table_errors_name_file_and_line),
		cmocka_unit_test(options_that_make_failing_signatures_are_refused),
		cmocka_unit_test(internal_hosts_networks),
		cmocka_unit_test(published_record_comparison),
		cmocka_unit_test(published_lookup_is_cached_per_key_until_stale),
		cmocka_unit_test(published_answers_missing_mismatch_and_several_records),
		cmocka_unit_test(check_tempfails_mail_for_an_unpublished_key),
	};

	return cmocka_run_group_tests(tests, make_keys, remove_keys);
}
