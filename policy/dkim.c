/*
 * NAME
 *	dkim - DKIM keys, OpenDKIM-style tables and the published-key check
 *	(see dkim.h)
 */
#define _GNU_SOURCE		/* RTLD_NEXT */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "dkim.h"
#include "log.h"

/*
 * Parsed keys, shared with libopendkim.  dkim_sign() takes the key as PEM
 * text and libopendkim parses it again for every message (in
 * dkim_privkey_load(), with PEM_read_bio_PrivateKey()).  With OpenSSL 3
 * that parse goes through the decoder framework and costs more than the
 * RSA-2048 signature itself (about 1 ms against 0.5 ms, measured with
 * bench/), and a freshly parsed key also rebuilds its Montgomery and
 * blinding state on first use.  So every key preflight loads is parsed
 * once here, and this file interposes PEM_read_bio_PrivateKey(): when the
 * memory BIO it is given holds exactly the text of a loaded key, it returns
 * a new reference to that key instead of parsing; anything else goes to
 * OpenSSL's function unchanged.  libopendkim frees its reference with
 * EVP_PKEY_free() as before.  An EVP_PKEY may sign in several threads at
 * once (each signature has its own context).
 */
static GMutex pkeys_lock;
static GPtrArray *pkeys;	/* pf_dkim_key *, borrowed: the loaded keys */

typedef EVP_PKEY *(*pem_read_fn)(BIO *, EVP_PKEY **, pem_password_cb *,
				 void *);

static EVP_PKEY *
cached_pkey(const char *data, long len)
{
	EVP_PKEY *pk = NULL;

	g_mutex_lock(&pkeys_lock);
	for (guint i = 0; pkeys && i < pkeys->len && pk == NULL; i++) {
		const pf_dkim_key *k = pkeys->pdata[i];

		if (k->pem_len == (size_t)len &&
		    memcmp(k->pem, data, k->pem_len) == 0 &&
		    EVP_PKEY_up_ref(k->pkey) == 1)
			pk = k->pkey;
	}
	g_mutex_unlock(&pkeys_lock);
	return pk;
}

/* OpenSSL's own PEM_read_bio_PrivateKey(), looked up once. */
static pem_read_fn
real_pem_read(void)
{
	static gsize once;
	static pem_read_fn real;

	if (g_once_init_enter(&once)) {
		*(void **)&real = dlsym(RTLD_NEXT, "PEM_read_bio_PrivateKey");
		g_once_init_leave(&once, 1);
	}
	return real;
}

EVP_PKEY *
PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u)
{
	pem_read_fn real = real_pem_read();
	char *data = NULL;
	long len;
	EVP_PKEY *pk;

	if (x == NULL && cb == NULL && u == NULL && bp != NULL &&
	    BIO_method_type(bp) == BIO_TYPE_MEM &&
	    (len = BIO_get_mem_data(bp, &data)) > 0 &&
	    (pk = cached_pkey(data, len)) != NULL) {
		char sink[512];

		while (BIO_read(bp, sink, sizeof(sink)) > 0)
			;	/* consumed, as a parse would have */
		return pk;
	}
	return real ? real(bp, x, cb, u) : NULL;
}

/*
 * The Ed25519 key handed to libopendkim, rebuilt from its raw private
 * half.  libopendkim 2.11 never drops its reference to an Ed25519 key
 * (dkim_free() releases the key state of RSA handles only), so a shared
 * Ed25519 key outlives pf_dkim_key_free(): one key object, not one per
 * signature.  tests/lsan.supp names this function for that reason.
 */
static EVP_PKEY *
ed25519_shared_key(EVP_PKEY *parsed)
{
	unsigned char priv[32];
	size_t len = sizeof(priv);
	EVP_PKEY *pk = NULL;

	if (EVP_PKEY_get_raw_private_key(parsed, priv, &len) == 1)
		pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv,
						  len);
	OPENSSL_cleanse(priv, sizeof(priv));
	return pk;
}

static void
pkey_register(pf_dkim_key *key)
{
	g_mutex_lock(&pkeys_lock);
	if (pkeys == NULL)
		pkeys = g_ptr_array_new();
	g_ptr_array_add(pkeys, key);
	g_mutex_unlock(&pkeys_lock);
}

static void
pkey_unregister(pf_dkim_key *key)
{
	g_mutex_lock(&pkeys_lock);
	if (pkeys)
		(void)g_ptr_array_remove_fast(pkeys, key);
	g_mutex_unlock(&pkeys_lock);
}

void
pf_dkim_key_free(pf_dkim_key *key)
{
	if (key == NULL)
		return;
	if (key->pkey) {
		pkey_unregister(key);
		EVP_PKEY_free(key->pkey);
	}
	g_free(key->name);
	g_free(key->domain);
	g_free(key->selector);
	g_free(key->path);
	if (key->pem)
		memset(key->pem, 0, key->pem_len);	/* no key left in freed memory */
	g_free(key->pem);
	g_free(key->pubkey);
	g_free(key->record);
	g_free(key->status_why);
	g_mutex_clear(&key->lock);
	g_free(key);
}

pf_dkim_key *
pf_dkim_key_load(const char *path, unsigned min_bits, GString *err)
{
	struct stat st;
	pf_dkim_key *key;
	GError *gerr = NULL;
	EVP_PKEY *pk = NULL;
	BIO *bio;
	unsigned char *der = NULL, raw[64];
	size_t rawlen = sizeof(raw);
	int derlen;

	if (stat(path, &st) < 0) {
		g_string_append_printf(err, "%s: cannot read DKIM key: %s\n",
				       path, strerror(errno));
		return NULL;
	}
	if (st.st_mode & 077) {
		g_string_append_printf(err, "%s: DKIM key is readable by group "
		    "or other (mode %04o); fix: chmod 600 %s\n", path,
		    (unsigned)(st.st_mode & 07777), path);
		return NULL;
	}
	key = g_new0(pf_dkim_key, 1);
	g_mutex_init(&key->lock);
	key->path = g_strdup(path);
	key->mtime = st.st_mtime;
	if (!g_file_get_contents(path, &key->pem, &key->pem_len, &gerr)) {
		g_string_append_printf(err, "%s: cannot read DKIM key: %s\n",
				       path, gerr->message);
		g_error_free(gerr);
		pf_dkim_key_free(key);
		return NULL;
	}
	bio = BIO_new_mem_buf(key->pem, (int)key->pem_len);
	if (bio)
		pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pk == NULL) {
		g_string_append_printf(err, "%s: not a PEM private key (make one "
		    "with \"preflight dkim keygen\")\n", path);
		pf_dkim_key_free(key);
		return NULL;
	}
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		key->bits = (unsigned)EVP_PKEY_get_bits(pk);
		if (key->bits < min_bits) {
			g_string_append_printf(err, "%s: RSA key of %u bits is "
			    "below [dkim] min_key_bits (%u); receivers reject "
			    "short keys: make a 2048-bit key\n", path,
			    key->bits, min_bits);
			goto bad;
		}
		if ((derlen = i2d_PUBKEY(pk, &der)) <= 0)
			goto badkey;
		key->pubkey = g_base64_encode(der, (gsize)derlen);
		OPENSSL_free(der);
		break;
	case EVP_PKEY_ED25519:
		key->ed25519 = true;
		key->bits = 256;
		if (EVP_PKEY_get_raw_public_key(pk, raw, &rawlen) != 1)
			goto badkey;
		key->pubkey = g_base64_encode(raw, rawlen);
		key->pkey = ed25519_shared_key(pk);
		if (key->pkey == NULL)
			goto badkey;
		break;
	default:
		g_string_append_printf(err, "%s: DKIM keys are RSA or Ed25519\n",
				       path);
		goto bad;
	}
	key->record = g_strdup_printf("v=DKIM1; k=%s; p=%s",
				      key->ed25519 ? "ed25519" : "rsa",
				      key->pubkey);
	if (key->pkey == NULL)
		key->pkey = pk;	/* kept: libopendkim's parse finds it */
	else
		EVP_PKEY_free(pk);
	pkey_register(key);
	return key;
badkey:
	g_string_append_printf(err, "%s: cannot derive the public key\n", path);
bad:
	EVP_PKEY_free(pk);
	pf_dkim_key_free(key);
	return NULL;
}

/* One line a call; returns false at end of file. */
typedef struct line_reader {
	FILE *fp;
	const char *path;
	unsigned lineno;
	char *buf;
	size_t cap;
} line_reader;

static char *
next_line(line_reader *lr)
{
	while (getline(&lr->buf, &lr->cap, lr->fp) >= 0) {
		char *s = g_strstrip(lr->buf);

		lr->lineno++;
		if (*s && *s != '#')
			return s;
	}
	return NULL;
}

static const char *
strip_prefix(const char *spec, bool *refile)
{
	*refile = false;
	if (g_str_has_prefix(spec, "refile:")) {
		*refile = true;
		return spec + 7;
	}
	if (g_str_has_prefix(spec, "file:"))
		return spec + 5;
	return spec;
}

static pf_dkim_key *
find_key(const pf_dkim_keys *keys, const char *name)
{
	for (guint i = 0; i < keys->keys->len; i++) {
		pf_dkim_key *k = keys->keys->pdata[i];

		if (strcmp(k->name, name) == 0)
			return k;
	}
	return NULL;
}

static int
load_key_table(pf_dkim_keys *keys, const char *spec, unsigned min_bits,
	       GString *err)
{
	bool refile;
	line_reader lr = {.path = strip_prefix(spec, &refile)};
	char *s;
	int rc = 0;

	if ((lr.fp = fopen(lr.path, "r")) == NULL) {
		g_string_append_printf(err, "%s: cannot open KeyTable: %s\n",
				       lr.path, strerror(errno));
		return -1;
	}
	while ((s = next_line(&lr)) != NULL) {
		char *name = s, *val = s + strcspn(s, " \t");
		gchar **f;
		pf_dkim_key *k;
		GString *why;

		if (*val)
			*val++ = '\0';
		val = g_strstrip(val);
		f = g_strsplit(val, ":", 3);
		if (g_strv_length(f) != 3 || !*f[0] || !*f[1] || !*f[2]) {
			g_string_append_printf(err, "%s:%u: expected \"name "
			    "domain:selector:/path/to/key\"\n", lr.path,
			    lr.lineno);
			rc = -1;
		} else {
			why = g_string_new(NULL);
			if ((k = pf_dkim_key_load(f[2], min_bits, why)) == NULL) {
				g_string_append_printf(err, "%s:%u: %s", lr.path,
						       lr.lineno, why->str);
				rc = -1;
			} else {
				k->name = g_strdup(name);
				k->domain = g_ascii_strdown(f[0], -1);
				k->selector = g_strdup(f[1]);
				g_ptr_array_add(keys->keys, k);
			}
			g_string_free(why, TRUE);
		}
		g_strfreev(f);
	}
	free(lr.buf);
	fclose(lr.fp);
	return rc;
}

static void
ptr_array_unref(gpointer p)
{
	g_ptr_array_unref(p);
}

static int
load_signing_table(pf_dkim_keys *keys, const char *spec, GString *err)
{
	line_reader lr = {0};
	char *s;
	int rc = 0;

	lr.path = strip_prefix(spec, &keys->refile);
	if ((lr.fp = fopen(lr.path, "r")) == NULL) {
		g_string_append_printf(err, "%s: cannot open SigningTable: %s\n",
				       lr.path, strerror(errno));
		return -1;
	}
	while ((s = next_line(&lr)) != NULL) {
		gchar **f = g_strsplit_set(s, " \t", -1);
		GPtrArray *list = NULL;
		char *pattern = NULL;
		bool unknown = false;	/* this line named a missing key */

		for (gchar **w = f; *w; w++) {
			pf_dkim_key *k;

			if (**w == '\0')
				continue;
			if (pattern == NULL) {
				pattern = g_ascii_strdown(*w, -1);
				list = g_ptr_array_new();
			} else if ((k = find_key(keys, *w)) == NULL) {
				g_string_append_printf(err, "%s:%u: key \"%s\" is "
				    "not in the KeyTable\n", lr.path, lr.lineno,
				    *w);
				rc = -1;
				unknown = true;
			} else {
				g_ptr_array_add(list, k);
			}
		}
		g_strfreev(f);
		if (list && list->len == 0) {
			if (!unknown)
				g_string_append_printf(err, "%s:%u: expected "
				    "\"pattern keyname\"\n", lr.path, lr.lineno);
			rc = -1;
		}
		if (list == NULL || list->len == 0) {
			if (list)
				g_ptr_array_unref(list);
			g_free(pattern);
			continue;
		}
		if (keys->refile) {
			g_ptr_array_add(keys->patterns, pattern);
			g_ptr_array_add(keys->pattern_keys, list);
		} else {
			GPtrArray *old = g_hash_table_lookup(keys->exact, pattern);

			if (old) {	/* several lines: several signatures */
				for (guint i = 0; i < list->len; i++)
					g_ptr_array_add(old, list->pdata[i]);
				g_ptr_array_unref(list);
				g_free(pattern);
			} else {
				g_hash_table_insert(keys->exact, pattern, list);
			}
		}
	}
	free(lr.buf);
	fclose(lr.fp);
	return rc;
}

static pf_dkim_keys *
keys_new(void)
{
	pf_dkim_keys *keys = g_new0(pf_dkim_keys, 1);

	keys->keys = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)pf_dkim_key_free);
	keys->simple = g_ptr_array_new();
	keys->patterns = g_ptr_array_new_with_free_func(g_free);
	keys->pattern_keys = g_ptr_array_new_with_free_func(ptr_array_unref);
	keys->exact = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    ptr_array_unref);
	keys->nets = g_ptr_array_new_with_free_func(g_object_unref);
	return keys;
}

/*
 * The signing options that would make signatures fail verification are
 * refused here rather than discovered by receivers.
 */
static int
check_options(const pf_dkim_conf *dc, GString *err)
{
	const char *c = dc->canonicalization ? dc->canonicalization : "";
	gchar **hb = g_strsplit(c, "/", -1);
	guint n = g_strv_length(hb);
	int rc = 0;

	if (n < 1 || n > 2 || (strcmp(hb[0], "simple") != 0 &&
	    strcmp(hb[0], "relaxed") != 0) || (n == 2 &&
	    strcmp(hb[1], "simple") != 0 && strcmp(hb[1], "relaxed") != 0)) {
		g_string_append_printf(err, "[dkim] canonicalization = %s: "
		    "expected header/body, each simple or relaxed (e.g. "
		    "relaxed/relaxed)\n", c);
		rc = -1;
	} else if (strcmp(hb[0], "simple") == 0) {
		g_string_append_printf(err, "[dkim] canonicalization = %s: "
		    "simple header canonicalization needs the exact spacing "
		    "after each header's colon, which the milter protocol does "
		    "not pass (\"Subject:x\" and \"To:  y\" would get "
		    "signatures that fail; libopendkim 2.11's Ed25519 "
		    "signatures fail with it even then): use relaxed/%s\n", c,
		    n == 2 ? hb[1] : "simple");
		rc = -1;
	}
	g_strfreev(hb);
	if (dc->sign_by && strcmp(dc->sign_by, "from") != 0 &&
	    strcmp(dc->sign_by, "envelope") != 0) {
		g_string_append_printf(err, "[dkim] sign_by = %s: expected "
		    "from or envelope\n", dc->sign_by);
		rc = -1;
	}
	if (dc->signed_headers && *dc->signed_headers) {
		gchar **v = g_strsplit_set(dc->signed_headers, " ,\t", -1);
		bool from = false;

		for (gchar **w = v; *w; w++)
			from = from || g_ascii_strcasecmp(*w, "From") == 0;
		g_strfreev(v);
		if (!from) {
			g_string_append(err, "[dkim] signed_headers must "
			    "include From: RFC 6376 requires it, and "
			    "verifiers reject signatures without it\n");
			rc = -1;
		}
	}
	return rc;
}

int
pf_dkim_keys_load(pf_dkim_conf *dc, GString *err)
{
	pf_dkim_keys *keys = keys_new();
	int rc = check_options(dc, err);
	gchar **nets;

	nets = g_strsplit_set(dc->internal_hosts ? dc->internal_hosts : "",
			      " ,\t", -1);
	for (gchar **n = nets; *n; n++) {
		GInetAddressMask *m;

		if (**n == '\0')
			continue;
		if ((m = g_inet_address_mask_new_from_string(*n, NULL)) == NULL) {
			g_string_append_printf(err, "[dkim] internal_hosts: "
			    "\"%s\" is not an address or network\n", *n);
			rc = -1;
			continue;
		}
		g_ptr_array_add(keys->nets, m);
	}
	g_strfreev(nets);

	if (dc->domain || dc->selector || dc->key_file) {
		const char *sel[2] = {dc->selector, dc->selector2};
		const char *file[2] = {dc->key_file, dc->key_file2};

		if (!dc->domain || !dc->selector || !dc->key_file) {
			g_string_append(err, "[dkim] domain, selector and "
			    "key_file go together: set all three\n");
			rc = -1;
		} else {
			keys->simple_domain = g_ascii_strdown(dc->domain, -1);
			for (int i = 0; i < 2; i++) {
				pf_dkim_key *k;

				if (sel[i] == NULL && file[i] == NULL)
					continue;
				if (sel[i] == NULL || file[i] == NULL) {
					g_string_append(err, "[dkim] selector2 "
					    "and key_file2 go together\n");
					rc = -1;
					continue;
				}
				k = pf_dkim_key_load(file[i],
				    (unsigned)dc->min_key_bits, err);
				if (k == NULL) {
					rc = -1;
					continue;
				}
				k->name = g_strdup(i ? "simple2" : "simple");
				k->domain = g_strdup(keys->simple_domain);
				k->selector = g_strdup(sel[i]);
				g_ptr_array_add(keys->keys, k);
				g_ptr_array_add(keys->simple, k);
			}
		}
	}
	if ((dc->key_table == NULL) != (dc->signing_table == NULL)) {
		g_string_append(err, "[dkim] key_table and signing_table go "
				"together: set both\n");
		rc = -1;
	} else if (dc->key_table) {
		if (load_key_table(keys, dc->key_table,
				   (unsigned)dc->min_key_bits, err) < 0 ||
		    load_signing_table(keys, dc->signing_table, err) < 0)
			rc = -1;
	}
	if (rc < 0) {
		pf_dkim_keys_free(&keys);
		return -1;
	}
	dc->keys = keys;
	return 0;
}

void
pf_dkim_keys_free(pf_dkim_keys **kp)
{
	pf_dkim_keys *keys;

	if (kp == NULL || (keys = *kp) == NULL)
		return;
	*kp = NULL;
	g_ptr_array_unref(keys->simple);
	g_ptr_array_unref(keys->patterns);
	g_ptr_array_unref(keys->pattern_keys);
	g_hash_table_destroy(keys->exact);
	g_ptr_array_unref(keys->nets);
	g_ptr_array_unref(keys->keys);
	g_free(keys->simple_domain);
	g_free(keys);
}

static GPtrArray *
copy_list(const GPtrArray *list)
{
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; i < list->len; i++)
		g_ptr_array_add(out, list->pdata[i]);
	return out;
}

GPtrArray *
pf_dkim_keys_for(const pf_dkim_keys *keys, const char *address)
{
	const char *at, *domain, *dot;
	char *lower;
	GPtrArray *found = NULL, *list;

	if (keys == NULL || address == NULL || (at = strrchr(address, '@')) ==
	    NULL || at[1] == '\0')
		return NULL;
	lower = g_ascii_strdown(address, -1);
	domain = lower + (at - address) + 1;
	if (keys->simple->len && (strcmp(domain, keys->simple_domain) == 0 ||
	    (g_str_has_suffix(domain, keys->simple_domain) &&
	     domain[strlen(domain) - strlen(keys->simple_domain) - 1] == '.')))
		found = copy_list(keys->simple);
	else if (keys->refile) {
		for (guint i = 0; i < keys->patterns->len && !found; i++)
			if (g_pattern_match_simple(keys->patterns->pdata[i],
						   lower))
				found = copy_list(keys->pattern_keys->pdata[i]);
	} else if ((list = g_hash_table_lookup(keys->exact, lower)) ||
		   (list = g_hash_table_lookup(keys->exact, domain))) {
		found = copy_list(list);
	} else {
		for (dot = strchr(domain, '.'); dot && !found;
		     dot = strchr(dot + 1, '.'))
			if ((list = g_hash_table_lookup(keys->exact, dot)))
				found = copy_list(list);
	}
	g_free(lower);
	return found;
}

bool
pf_dkim_internal(const pf_dkim_keys *keys, const char *addr)
{
	GInetAddress *a;
	bool in = false;

	if (keys == NULL || addr == NULL ||
	    (a = g_inet_address_new_from_string(addr)) == NULL)
		return false;
	for (guint i = 0; i < keys->nets->len && !in; i++) {
		GInetAddressMask *m = keys->nets->pdata[i];

		in = g_inet_address_get_family(a) ==
		     g_inet_address_mask_get_family(m) &&
		     g_inet_address_mask_matches(m, a);
	}
	g_object_unref(a);
	return in;
}

const char *
pf_dkim_pub_name(pf_dkim_pub st)
{
	static const char *const names[] = {
		"ok", "missing", "mismatch", "revoked", "bad-key-type",
		"testing", "temperror",
	};

	return (unsigned)st < G_N_ELEMENTS(names) ? names[st] : "unknown";
}

/* Value of tag in a "k=v; k=v" record, white space removed; NULL if absent. */
static char *
record_tag(const char *record, const char *tag)
{
	gchar **parts = g_strsplit(record, ";", -1);
	char *value = NULL;

	for (gchar **p = parts; *p && value == NULL; p++) {
		char *eq = strchr(*p, '='), *name;

		if (eq == NULL)
			continue;
		name = g_strndup(*p, (gsize)(eq - *p));
		if (strcmp(g_strstrip(name), tag) == 0) {
			GString *v = g_string_new(NULL);

			for (const char *c = eq + 1; *c; c++)
				if (!g_ascii_isspace(*c))
					g_string_append_c(v, *c);
			value = g_string_free(v, FALSE);
		}
		g_free(name);
	}
	g_strfreev(parts);
	return value;
}

/* p= decoded; NULL (and why) when it is not base64 */
static guchar *
decode_p(const char *p, gsize *len, GString *why)
{
	size_t n = strlen(p);
	const char *pad = strchr(p, '=');

	if (n == 0 || n % 4 != 0 || strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/=") != n ||
	    (pad && (pad < p + n - 2 || strspn(pad, "=") != strlen(pad)))) {
		g_string_printf(why, "the published p= is not valid base64");
		return NULL;
	}
	return g_base64_decode(p, len);
}

/* Does the RSA public key (SubjectPublicKeyInfo DER in pub) equal rsa? */
static bool
rsa_equal(const guchar *spki, gsize spki_len, const guchar *der,
	  gsize der_len, bool pkcs1)
{
	const unsigned char *a = spki, *b = der;
	EVP_PKEY *ours = d2i_PUBKEY(NULL, &a, (long)spki_len);
	EVP_PKEY *theirs = pkcs1 ? d2i_PublicKey(EVP_PKEY_RSA, NULL, &b,
	    (long)der_len) : d2i_PUBKEY(NULL, &b, (long)der_len);
	bool eq = ours && theirs && EVP_PKEY_eq(ours, theirs) == 1;

	EVP_PKEY_free(ours);
	EVP_PKEY_free(theirs);
	return eq;
}

/* Compare the published key bytes with ours: OK, or MISMATCH and why. */
static pf_dkim_pub
compare_key(const pf_dkim_key *key, const char *p, GString *why)
{
	gsize ours_len = 0, theirs_len = 0;
	guchar *ours = g_base64_decode(key->pubkey, &ours_len);
	guchar *theirs = decode_p(p, &theirs_len, why);
	pf_dkim_pub st = PF_DKIM_PUB_MISMATCH;

	if (theirs == NULL)
		goto out;
	/* The same bytes, or the same RSA key in another DER spelling. */
	if ((theirs_len == ours_len && memcmp(theirs, ours, ours_len) == 0) ||
	    (!key->ed25519 && rsa_equal(ours, ours_len, theirs, theirs_len,
					false)))
		st = PF_DKIM_PUB_OK;
	else if (key->ed25519 && theirs_len == 44 &&
		 memcmp(theirs + 12, ours, 32) == 0)
		g_string_printf(why, "the published p= is this key in "
		    "SubjectPublicKeyInfo form (44 bytes); RFC 8463 verifiers "
		    "want the bare 32-byte key");
	else if (!key->ed25519 && rsa_equal(ours, ours_len, theirs,
					    theirs_len, true))
		g_string_printf(why, "the published p= is this key in PKCS#1 "
		    "RSAPublicKey form; verifiers such as libopendkim want "
		    "SubjectPublicKeyInfo");
	else
		g_string_printf(why, "the published p= is a different key");
out:
	g_free(ours);
	g_free(theirs);
	return st;
}

/* Does the colon-separated list (white space removed) hold word? */
static bool
list_has(const char *list, const char *word)
{
	gchar **v = g_strsplit(list, ":", -1);
	bool found = false;

	for (gchar **w = v; *w && !found; w++)
		found = g_ascii_strcasecmp(*w, word) == 0 || strcmp(*w, "*") == 0;
	g_strfreev(v);
	return found;
}

pf_dkim_pub
pf_dkim_compare_record(const pf_dkim_key *key, const char *record,
		       GString *why)
{
	char *p = record_tag(record, "p"), *k = record_tag(record, "k");
	char *t = record_tag(record, "t"), *h = record_tag(record, "h");
	char *v = record_tag(record, "v"), *svc = record_tag(record, "s");
	const char *want_k = key->ed25519 ? "ed25519" : "rsa";
	pf_dkim_pub st = PF_DKIM_PUB_OK;

	g_string_truncate(why, 0);

	if (v && strcmp(v, "DKIM1") != 0) {
		g_string_printf(why, "the record says v=%s; verifiers ignore "
				"records that are not v=DKIM1", v);
		st = PF_DKIM_PUB_MISMATCH;
	} else if (p == NULL) {
		g_string_printf(why, "the record has no p= tag");
		st = PF_DKIM_PUB_MISMATCH;
	} else if (*p == '\0') {
		g_string_printf(why, "the key is revoked (empty p=)");
		st = PF_DKIM_PUB_REVOKED;
	} else if ((k ? k : "rsa")[0] && g_ascii_strcasecmp(k ? k : "rsa",
							     want_k) != 0) {
		g_string_printf(why, "the record says k=%s but the private "
				"key is %s", k ? k : "rsa (default)", want_k);
		st = PF_DKIM_PUB_BADKEYTYPE;
	} else if (h && !list_has(h, "sha256")) {
		g_string_printf(why, "the record says h=%s: it does not allow "
				"the sha256 signatures preflight makes", h);
		st = PF_DKIM_PUB_BADKEYTYPE;
	} else if (svc && !list_has(svc, "email")) {
		g_string_printf(why, "the record says s=%s: it is not for "
				"email", svc);
		st = PF_DKIM_PUB_BADKEYTYPE;
	} else if ((st = compare_key(key, p, why)) != PF_DKIM_PUB_OK) {
		;	/* why says how it differs */
	} else if (t && list_has(t, "y")) {
		g_string_printf(why, "the record is in testing mode (t=y): "
				"receivers may treat signatures as unsigned");
		st = PF_DKIM_PUB_TESTING;
	}
	g_free(p);
	g_free(k);
	g_free(t);
	g_free(h);
	g_free(v);
	g_free(svc);
	return st;
}

/* A TXT record that looks like a DKIM key record (RFC 6376 3.6.1). */
static bool
is_key_record(const char *rec)
{
	char *v = record_tag(rec, "v"), *p = record_tag(rec, "p");
	bool yes = p != NULL || (v && strcmp(v, "DKIM1") == 0);

	g_free(v);
	g_free(p);
	return yes;
}

static pf_dns_status
resolver_txt(void *arg, const char *name, GPtrArray **out, GString *why)
{
	return arg ? pf_dns_txt(arg, name, out, why) : PF_DNS_TEMPFAIL;
}

pf_dkim_pub
pf_dkim_published(pf_dkim_key *key, pf_resolver *r, unsigned interval,
		  GString *why)
{
	if (r == NULL) {
		g_string_printf(why, "no resolver");
		return PF_DKIM_PUB_TEMPFAIL;
	}
	return pf_dkim_published_via(key, resolver_txt, r, interval,
				     time(NULL), why);
}

pf_dkim_pub
pf_dkim_published_via(pf_dkim_key *key, pf_dkim_txt_lookup lookup, void *arg,
		      unsigned interval, time_t now, GString *why)
{
	char *name;
	GPtrArray *txt = NULL;
	pf_dkim_pub st = PF_DKIM_PUB_MISSING;
	GString *tmp;
	guint found = 0;

	g_mutex_lock(&key->lock);
	if (key->checked && (interval == 0 ||
	    (time_t)(key->checked + interval) > now)) {
		st = key->status;
		g_string_assign(why, key->status_why ? key->status_why : "");
		g_mutex_unlock(&key->lock);
		return st;
	}
	g_mutex_unlock(&key->lock);

	name = g_strdup_printf("%s._domainkey.%s", key->selector, key->domain);
	tmp = g_string_new(NULL);
	switch (lookup(arg, name, &txt, tmp)) {
	case PF_DNS_OK:
		st = PF_DKIM_PUB_MISSING;
		g_string_printf(why, "%s has no DKIM record", name);
		for (guint i = 0; i < txt->len; i++) {
			const char *rec = txt->pdata[i];
			pf_dkim_pub one;

			if (!is_key_record(rec))
				continue;
			one = pf_dkim_compare_record(key, rec, tmp);
			/* of several records the worst counts */
			if (found++ == 0 || (one != PF_DKIM_PUB_OK &&
			    (st == PF_DKIM_PUB_OK || st == PF_DKIM_PUB_TESTING))) {
				st = one;
				g_string_assign(why, tmp->str);
			}
		}
		if (found > 1 && st != PF_DKIM_PUB_OK)
			g_string_append_printf(why, " (%s has %u DKIM records; "
			    "verifiers may use any of them: keep one)", name,
			    found);
		g_ptr_array_unref(txt);
		break;
	case PF_DNS_NXDOMAIN:
	case PF_DNS_NODATA:
		g_string_printf(why, "%s has no TXT record", name);
		st = PF_DKIM_PUB_MISSING;
		break;
	default:
		g_string_printf(why, "lookup of %s failed: %s", name,
				tmp->str);
		st = PF_DKIM_PUB_TEMPFAIL;
		break;
	}
	g_string_free(tmp, TRUE);
	g_free(name);
	if (st != PF_DKIM_PUB_TEMPFAIL) {	/* DNS trouble is retried */
		g_mutex_lock(&key->lock);
		if (key->checked == 0 || key->status != st)
			(st == PF_DKIM_PUB_OK ? pf_info : pf_warn)(
			    "DKIM key %s (s=%s d=%s): published record: %s%s%s",
			    key->path, key->selector, key->domain,
			    pf_dkim_pub_name(st), why->len ? ": " : "",
			    why->str);
		key->checked = now;
		key->status = st;
		g_free(key->status_why);
		key->status_why = g_strdup(why->str);
		g_mutex_unlock(&key->lock);
	}
	return st;
}

int
pf_dkim_check_all(pf_config *cfg, FILE *report)
{
	pf_dkim_keys *keys = cfg->dkim.keys;
	GString *why = g_string_new(NULL);
	int bad = 0;

	for (guint i = 0; keys && i < keys->keys->len; i++) {
		pf_dkim_key *k = keys->keys->pdata[i];
		pf_dkim_pub st;
		long age_days;

		g_mutex_lock(&k->lock);
		k->checked = 0;		/* ask DNS now */
		g_mutex_unlock(&k->lock);
		st = pf_dkim_published(k, pf_config_resolver(cfg),
		    (unsigned)cfg->dkim.key_check_interval, why);
		if (st != PF_DKIM_PUB_OK && st != PF_DKIM_PUB_TESTING)
			bad++;
		age_days = k->mtime ? (long)((time(NULL) - k->mtime) / 86400) :
		    0;
		pf_info("DKIM key %s: s=%s d=%s %s-%u, %ld days old, "
		    "published record: %s", k->path, k->selector, k->domain,
		    k->ed25519 ? "ed25519" : "rsa", k->bits, age_days,
		    pf_dkim_pub_name(st));
		if (report) {
			fprintf(report, "%s._domainkey.%s: %s%s%s (%s-%u key "
			    "%s, %ld days old)\n", k->selector, k->domain,
			    pf_dkim_pub_name(st), why->len ? ": " : "",
			    why->str, k->ed25519 ? "ed25519" : "rsa", k->bits,
			    k->path, age_days);
			if (st != PF_DKIM_PUB_OK)
				fprintf(report, "  publish: %s._domainkey.%s TXT "
				    "\"%s\"\n", k->selector, k->domain,
				    k->record);
		}
	}
	g_string_free(why, TRUE);
	return bad;
}
