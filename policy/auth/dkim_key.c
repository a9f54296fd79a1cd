/*
 * NAME
 *	dkim_key - DKIM private keys: loaded and checked once, parsed once
 *	and shared with libopendkim (see dkim.h)
 */
#define _GNU_SOURCE		/* RTLD_NEXT */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "auth/dkim.h"
#include "core/log.h"

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
