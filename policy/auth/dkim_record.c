/*
 * NAME
 *	dkim_record - is each key published? the DNS key record compared
 *	with the private key, at start, on reload and every
 *	key_check_interval (see dkim.h)
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "auth/dkim.h"
#include "auth/dkim_rotate.h"
#include "core/log.h"
#include "core/metrics.h"
#include "dns/resolver.h"

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
char *
pf_dkim_record_tag(const char *record, const char *tag)
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
	char *p = pf_dkim_record_tag(record, "p");
	char *k = pf_dkim_record_tag(record, "k");
	char *t = pf_dkim_record_tag(record, "t");
	char *h = pf_dkim_record_tag(record, "h");
	char *v = pf_dkim_record_tag(record, "v");
	char *svc = pf_dkim_record_tag(record, "s");
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
	char *v = pf_dkim_record_tag(rec, "v");
	char *p = pf_dkim_record_tag(rec, "p");
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
	if (key->rotation)	/* the pending selector, at the same pace */
		(void)pf_dkim_rotation_poll(key->rotation, r, interval);
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
		g_string_assign(why, tmp->str);	/* names the record */
		st = PF_DKIM_PUB_TEMPFAIL;
		break;
	}
	g_string_free(tmp, TRUE);
	g_free(name);
	pf_metrics_dkim_key(key->domain, key->selector, pf_dkim_pub_name(st));
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
		pf_dkim_rotation *rot = k->rotation;
		pf_dkim_pub st;
		long age_days;

		if (rot && rot->configured == k) {	/* the pending key now */
			g_mutex_lock(&rot->new_key->lock);
			rot->new_key->checked = 0;
			g_mutex_unlock(&rot->new_key->lock);
			if (pf_dkim_rotation_poll(rot, pf_config_resolver(cfg),
			    (unsigned)cfg->dkim.key_check_interval) ==
			    PF_DKIM_ROT_WRONG)
				bad++;	/* the pending record is another key */
			k = pf_dkim_rotation_active(k);	/* the one signing */
		} else {
			rot = NULL;
		}
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
			pf_dkim_rotation_report(rot, report, time(NULL));
		}
	}
	g_string_free(why, TRUE);
	return bad;
}

