/*
 * NAME
 *	dkimrotate - "preflight dkim rotate": the next key of a configured
 *	DKIM key, under a new selector, and the rotation state beside it
 * SYNOPSIS
 *	int pf_cmd_dkim_rotate(int argc, char **argv);
 * DESCRIPTION
 *	preflight dkim rotate [-c CONFIG] --domain D | --entry NAME
 *	    [--selector S]
 *		picks the configured key of domain D (or the KeyTable entry
 *		NAME; "simple" and "simple2" name the simple form's keys),
 *		makes a key of the same type and size as the one signing now
 *		under selector S (default: "s" and the year and month, e.g.
 *		s202612), writes it 0600 beside that key as D.S.pem (owned
 *		like it when run as root), writes the rotation state file
 *		(dkim_rotate.h) and prints the TXT record to publish.  It
 *		refuses a selector the domain already uses (configured,
 *		rotated from or to, or with a TXT record in DNS), an existing
 *		key file, a rotation already pending, and a key file several
 *		entries share.  The daemon then (after a reload) keeps signing
 *		with the old key and switches by itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/dkim.h"
#include "auth/dkim_rotate.h"
#include "tools.h"

#define ME "preflight dkim rotate"

/* A key like model, written to out (0600, never over a file). */
static int
write_like(const pf_dkim_key *model, const char *out, const struct stat *owner)
{
	EVP_PKEY *pk = model->ed25519 ?
	    EVP_PKEY_Q_keygen(NULL, NULL, "ED25519") :
	    EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)model->bits);
	FILE *fp;
	int fd, rc = 0;

	if (pk == NULL) {
		fprintf(stderr, ME ": key generation failed\n");
		return 1;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (geteuid() == 0 && fchown(fd, owner->st_uid,
						owner->st_gid) < 0) ||
	    (fp = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, ME ": %s: %s\n", out, strerror(errno));
		if (fd >= 0) {
			close(fd);
			(void)unlink(out);
		}
		EVP_PKEY_free(pk);
		return 1;
	}
	if (PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL) != 1)
		rc = 1;
	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0)
		rc = 1;
	if (fclose(fp) != 0)
		rc = 1;
	EVP_PKEY_free(pk);
	if (rc) {
		fprintf(stderr, ME ": %s: write failed\n", out);
		(void)unlink(out);
	}
	return rc;
}

/* The configured key to rotate, or NULL after saying why. */
static pf_dkim_key *
pick_key(const pf_dkim_keys *keys, const char *domain, const char *entry)
{
	pf_dkim_key *found = NULL;
	GString *names = g_string_new(NULL);
	unsigned n = 0;

	for (guint i = 0; keys && i < keys->keys->len; i++) {
		pf_dkim_key *k = keys->keys->pdata[i];

		if ((entry && strcmp(k->name, entry) != 0) ||
		    (domain && g_ascii_strcasecmp(k->domain, domain) != 0))
			continue;
		found = k;
		n++;
		g_string_append_printf(names, " %s (s=%s)", k->name,
				       k->selector);
	}
	if (n == 0)
		fprintf(stderr, ME ": no configured DKIM key %s %s\n", entry ?
			"named" : "for", entry ? entry : domain);
	else if (n > 1)
		fprintf(stderr, ME ": %s has %u keys:%s; name one with --entry\n",
			domain, n, names->str);
	g_string_free(names, TRUE);
	return n == 1 ? found : NULL;
}

/* Why selector cannot be the new one for key's domain; NULL if it can. */
static char *
selector_taken(const pf_dkim_keys *keys, const pf_dkim_key *key,
	       const char *selector, pf_resolver *r)
{
	GPtrArray *txt = NULL;
	GString *why = g_string_new(NULL);
	char *name, *taken = NULL;
	pf_dns_status st;

	for (guint i = 0; i < keys->keys->len && !taken; i++) {
		const pf_dkim_key *k = keys->keys->pdata[i];
		const pf_dkim_rotation *rot = k->rotation;

		if (g_ascii_strcasecmp(k->domain, key->domain) != 0)
			continue;
		if (strcmp(k->selector, selector) == 0 || (rot &&
		    (strcmp(rot->st.old_selector, selector) == 0 ||
		     strcmp(rot->st.new_selector, selector) == 0)))
			taken = g_strdup_printf("selector %s is already used for "
			    "%s (key %s)", selector, key->domain, k->name);
	}
	name = g_strdup_printf("%s._domainkey.%s", selector, key->domain);
	if (taken == NULL && r) {
		st = pf_dns_txt(r, name, &txt, why);
		if (st == PF_DNS_OK && txt && txt->len)
			taken = g_strdup_printf("%s already has a TXT record "
			    "(\"%.60s\"): that selector is in use", name,
			    (char *)txt->pdata[0]);
		else if (st != PF_DNS_OK && st != PF_DNS_NXDOMAIN &&
			 st != PF_DNS_NODATA)
			fprintf(stderr, ME ": warning: cannot tell whether %s is "
				"free in DNS: %s\n", name, why->str);
		if (txt)
			g_ptr_array_unref(txt);
	}
	g_free(name);
	g_string_free(why, TRUE);
	return taken;
}

static char *
default_selector(void)
{
	GDateTime *now = g_date_time_new_now_utc();
	char *s = g_date_time_format(now, "s%Y%m");

	g_date_time_unref(now);
	return s;
}

static void
print_result(const pf_dkim_key *active, const pf_dkim_key *nk,
	     const char *state, unsigned long delay)
{
	char *zone = pf_dkim_record_zone(nk->selector, nk->domain, nk->record);

	printf("rotation of %s: s=%s (%s) -> s=%s\n", nk->domain,
	       active->selector, active->path, nk->selector);
	if (nk->ed25519)
		printf("new key: %s (ed25519, mode 0600)\n", nk->path);
	else
		printf("new key: %s (rsa-%u, mode 0600)\n", nk->path, nk->bits);
	printf("state: %s\n", state);
	printf("publish this record (keep the s=%s one):\n%s\n",
	       active->selector, zone);
	printf("then reload preflight-milter (SIGHUP): it keeps signing with "
	       "s=%s, checks s=%s at each key check and switches %lu s "
	       "(rotation_delay) after it first finds the record published "
	       "and matching; \"preflight dkim check\" shows where it is.\n",
	       active->selector, nk->selector, delay);
	g_free(zone);
}

static int
rotate(pf_config *cfg, pf_dkim_key *key, const char *selector)
{
	pf_dkim_keys *keys = cfg->dkim.keys;
	pf_dkim_key *active = pf_dkim_rotation_active(key), *nk = NULL;
	pf_dkim_rotation_state st = {0};
	char *dir, *base, *out, *state, *taken;
	struct stat owner;
	GString *err;
	int rc = 1;

	for (guint i = 0; i < keys->keys->len; i++) {
		const pf_dkim_key *k = keys->keys->pdata[i];

		if (k != key && strcmp(k->path, key->path) == 0) {
			fprintf(stderr, ME ": %s is also the key of %s (d=%s): "
			    "give each entry its own key file to rotate it\n",
			    key->path, k->name, k->domain);
			return 1;
		}
	}
	if (key->rotation && !key->rotation->st.switched) {
		fprintf(stderr, ME ": a rotation of d=%s to s=%s is pending "
		    "(%s): let it finish (\"preflight dkim check\"), or remove "
		    "that file and its new key to abandon it\n", key->domain,
		    key->rotation->st.new_selector, key->rotation->path);
		return 1;
	}
	if (key->path[0] != '/' || active->path[0] != '/') {
		fprintf(stderr, ME ": %s: the key file must be named by an "
			"absolute path to be rotated\n", active->path);
		return 1;
	}
	if (!pf_dkim_selector_valid(selector)) {
		fprintf(stderr, ME ": --selector %s: not a DKIM selector "
			"(letters, digits, hyphens)\n", selector);
		return 2;
	}
	if ((taken = selector_taken(keys, key, selector,
				    pf_config_resolver(cfg))) != NULL) {
		fprintf(stderr, ME ": %s; choose another with --selector\n",
			taken);
		g_free(taken);
		return 1;
	}
	if (stat(active->path, &owner) < 0) {
		fprintf(stderr, ME ": %s: %s\n", active->path, strerror(errno));
		return 1;
	}
	dir = g_path_get_dirname(active->path);
	base = g_strdup_printf("%s.%s.pem", key->domain, selector);
	out = g_build_filename(dir, base, NULL);
	state = pf_dkim_rotation_path(key->path);
	if (write_like(active, out, &owner) != 0)
		goto done;
	err = g_string_new(NULL);
	nk = pf_dkim_key_load(out, (unsigned)cfg->dkim.min_key_bits, err);
	if (nk) {
		nk->domain = g_strdup(key->domain);
		nk->selector = g_strdup(selector);
		st.domain = g_strdup(key->domain);
		st.old_selector = g_strdup(active->selector);
		st.old_key = g_strdup(active->path);
		st.new_selector = g_strdup(selector);
		st.new_key = g_strdup(out);
		st.started = time(NULL);
		if (pf_dkim_rotation_state_save(state, &st, &owner, err) == 0)
			rc = 0;
	}
	if (rc) {
		fputs(err->str, stderr);
		(void)unlink(out);	/* nothing half done */
	} else {
		print_result(active, nk, state, cfg->dkim.rotation_delay);
		if (key->rotation) {	/* the rotation before this one */
			char *gone = pf_dkim_time_text(key->rotation->st.switched +
			    PF_DKIM_ROTATION_KEEP_OLD);

			printf("note: the %s._domainkey.%s record of the rotation "
			    "before can be removed after %s\n",
			    key->rotation->st.old_selector, key->domain, gone);
			g_free(gone);
		}
	}
	g_string_free(err, TRUE);
	pf_dkim_rotation_state_clear(&st);
	pf_dkim_key_free(nk);
done:
	g_free(dir);
	g_free(base);
	g_free(out);
	g_free(state);
	return rc;
}

int
pf_cmd_dkim_rotate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"domain", required_argument, NULL, 'd'},
		{"entry", required_argument, NULL, 'e'},
		{"selector", required_argument, NULL, 's'},
		{"config", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *domain = NULL, *entry = NULL, *config = PF_DEFAULT_CONFIG;
	char *selector = NULL;
	pf_config *cfg;
	pf_dkim_key *key;
	GString *err;
	int ch, rc;

	optind = 2;
	while ((ch = getopt_long(argc, argv, "d:e:s:c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': domain = optarg; break;
		case 'e': entry = optarg; break;
		case 's': g_free(selector); selector = g_strdup(optarg); break;
		case 'c': config = optarg; break;
		default: g_free(selector); return 2;
		}
	}
	if ((domain == NULL && entry == NULL) || optind != argc) {
		fprintf(stderr, "usage: " ME " [-c CONFIG] --domain D | --entry "
			"NAME [--selector S]\n");
		g_free(selector);
		return 2;
	}
	err = g_string_new(NULL);
	if ((cfg = pf_config_load(config, err)) == NULL) {
		fputs(err->str, stderr);
		g_string_free(err, TRUE);
		g_free(selector);
		return 1;
	}
	g_string_free(err, TRUE);
	if (selector == NULL)
		selector = default_selector();
	key = pick_key(cfg->dkim.keys, domain, entry);
	rc = key ? rotate(cfg, key, selector) : 1;
	pf_config_unref(&cfg);
	g_free(selector);
	return rc;
}
