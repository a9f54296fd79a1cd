/*
 * NAME
 *	dkim - DKIM keys, OpenDKIM-style tables and the published-key check
 *	(dkim_key.c, dkim_table.c, dkim_record.c; signing is check_dkim.c)
 * SYNOPSIS
 *	int pf_dkim_keys_load(pf_dkim_conf *dc, GString *err);
 *	void pf_dkim_keys_free(pf_dkim_keys **keys);
 *	GPtrArray *pf_dkim_keys_for(const pf_dkim_keys *keys,
 *				    const char *address);
 *	bool pf_dkim_internal(const pf_dkim_keys *keys, const char *addr);
 *	pf_dkim_key *pf_dkim_key_load(const char *path, unsigned min_bits,
 *				      GString *err);
 *	void pf_dkim_key_free(pf_dkim_key *key);
 *	pf_dkim_pub pf_dkim_published(pf_dkim_key *key, pf_resolver *r,
 *				      unsigned interval, GString *why);
 *	pf_dkim_pub pf_dkim_published_via(pf_dkim_key *key,
 *				      pf_dkim_txt_lookup lookup, void *arg,
 *				      unsigned interval, time_t now,
 *				      GString *why);
 *	pf_dkim_pub pf_dkim_compare_record(const pf_dkim_key *key,
 *					   const char *record, GString *why);
 *	int pf_dkim_check_all(pf_config *cfg, FILE *report);
 *	char *pf_dkim_record_tag(const char *record, const char *tag);
 * DESCRIPTION
 *	pf_dkim_keys_load() reads every key the [dkim] section names (the
 *	simple domain/selector/key_file form, a second selector, and
 *	OpenDKIM's KeyTable and SigningTable) and refuses, with file:line
 *	where there is one: unreadable keys, keys readable by group or
 *	other (the fix: chmod 600), keys that are not RSA or Ed25519, RSA
 *	keys shorter than min_key_bits, table lines naming unknown keys.
 *	The result hangs off the configuration (dc->keys) and is immutable
 *	but for each key's published-key cache, which has its own lock.
 *
 *	A key with a rotation state file beside it (dkim_rotate.h) has its
 *	pending key loaded with it.
 *
 *	pf_dkim_keys_for() returns the keys to sign mail from address with
 *	(a new array of borrowed pointers; NULL when none): for the simple
 *	form, when address's domain is dc->domain or below it; else the
 *	SigningTable: exact "user@domain", then "domain", then each parent
 *	as ".parent", or with refile: the first wildcard pattern matching.
 *	Each key is the one signing now: a rotated key's new key after the
 *	switch.
 *
 *	pf_dkim_published() compares the key's public half with the TXT
 *	record at selector._domainkey.domain, looked up through the shared
 *	resolver, at most once every interval seconds (the answer is
 *	cached on the key).  pf_dkim_published_via() is the same with the
 *	TXT lookup and the clock passed in (the seam the unit tests use).
 *	Several DKIM records at one name are all compared: one that is
 *	wrong is reported, since verifiers may pick any of them.
 *	pf_dkim_compare_record() does the comparison on a record text: the
 *	p= key is decoded and compared with the private key's public half,
 *	so encodings that verifiers reject are named (an RSA key published
 *	as PKCS#1 RSAPublicKey, an Ed25519 key published as
 *	SubjectPublicKeyInfo instead of its 32 bytes), as are h= lists
 *	without sha256, s= service types without email, and v= other than
 *	DKIM1.
 *	pf_dkim_check_all() checks every key of a configuration now (at
 *	start, on reload, and for "preflight dkim check"), logging each
 *	outcome, optionally writing one line per key to report, and returns
 *	the number of keys whose record is wrong or missing; a key being
 *	rotated has its pending selector checked too, and its state
 *	reported.  pf_dkim_record_tag() is the value of tag in a "k=v; k=v"
 *	record, blanks removed (caller frees; NULL when absent).
 *	pf_dkim_published() also checks the pending selector of a key being
 *	rotated, and may switch (dkim_rotate.h).
 */
#ifndef PF_DKIM_H
#define PF_DKIM_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <glib.h>

#include "core/config.h"
#include "dns/resolver.h"

typedef enum pf_dkim_pub {
	PF_DKIM_PUB_OK = 0,
	PF_DKIM_PUB_MISSING,	/* no record */
	PF_DKIM_PUB_MISMATCH,	/* p= is another key */
	PF_DKIM_PUB_REVOKED,	/* empty p= */
	PF_DKIM_PUB_BADKEYTYPE,	/* k= does not match the key */
	PF_DKIM_PUB_TESTING,	/* t=y: matches, but receivers may ignore it */
	PF_DKIM_PUB_TEMPFAIL,	/* DNS trouble: not known */
} pf_dkim_pub;

typedef struct pf_dkim_rotation pf_dkim_rotation;	/* dkim_rotate.h */

typedef struct pf_dkim_key {
	char *name;		/* KeyTable name, or "simple"/"simple2" */
	char *domain;
	char *selector;
	char *path;
	char *pem;		/* the private key text, for dkim_sign() */
	size_t pem_len;
	void *pkey;		/* EVP_PKEY * parsed once (see dkim.c) */
	bool ed25519;		/* else RSA */
	unsigned bits;
	char *pubkey;		/* base64 p= to publish */
	char *record;		/* the whole TXT record to publish */
	time_t mtime;		/* key file's modification time (age) */
	GMutex lock;		/* guards the cache below */
	time_t checked;
	pf_dkim_pub status;
	char *status_why;
	pf_dkim_rotation *rotation;	/* borrowed: its key rotation, or NULL */
} pf_dkim_key;

struct pf_dkim_keys {
	GPtrArray *keys;		/* pf_dkim_key *, owned */
	GPtrArray *simple;		/* borrowed: keys of the simple form */
	char *simple_domain;
	bool refile;			/* SigningTable holds wildcards */
	GPtrArray *patterns;		/* refile: char * pattern, in order */
	GPtrArray *pattern_keys;	/* refile: GPtrArray * per pattern */
	GHashTable *exact;		/* key -> GPtrArray * of keys */
	GPtrArray *nets;		/* GInetAddressMask * */
	void *lib;			/* DKIM_LIB *, one per configuration */
	GPtrArray *rotations;		/* pf_dkim_rotation *, owned */
};

typedef pf_dns_status (*pf_dkim_txt_lookup)(void *arg, const char *name,
					    GPtrArray **out, GString *why);

int pf_dkim_keys_load(pf_dkim_conf *dc, GString *err);
void pf_dkim_keys_free(pf_dkim_keys **keys);
GPtrArray *pf_dkim_keys_for(const pf_dkim_keys *keys, const char *address);
bool pf_dkim_internal(const pf_dkim_keys *keys, const char *addr);
pf_dkim_key *pf_dkim_key_load(const char *path, unsigned min_bits,
			      GString *err);
void pf_dkim_key_free(pf_dkim_key *key);
pf_dkim_pub pf_dkim_published(pf_dkim_key *key, pf_resolver *r,
			      unsigned interval, GString *why);
pf_dkim_pub pf_dkim_published_via(pf_dkim_key *key, pf_dkim_txt_lookup lookup,
				  void *arg, unsigned interval, time_t now,
				  GString *why);
pf_dkim_pub pf_dkim_compare_record(const pf_dkim_key *key, const char *record,
				   GString *why);
const char *pf_dkim_pub_name(pf_dkim_pub st);
char *pf_dkim_record_tag(const char *record, const char *tag);
int pf_dkim_check_all(pf_config *cfg, FILE *report);

#endif
