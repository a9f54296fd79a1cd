/*
 * NAME
 *	dkim - "preflight dkim": make keys, print records, check DNS
 * SYNOPSIS
 *	int pf_cmd_dkim(int argc, char **argv);
 * DESCRIPTION
 *	preflight dkim keygen --type rsa|ed25519 [--bits N] --domain D
 *	    --selector S --out FILE
 *		writes a new private key (mode 0600, never over an existing
 *		file) and prints the TXT record to publish;
 *	preflight dkim record --key FILE --domain D --selector S
 *		prints the TXT record of an existing key;
 *	preflight dkim check [-c CONFIG]
 *		compares every configured key with its published record,
 *		and reports each key rotation;
 *	preflight dkim rotate ...
 *		starts a key rotation (dkimrotate.c).
 *	The record is printed in zone-file syntax, split into strings of at
 *	most 255 bytes as DNS requires.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "auth/dkim.h"
#include "auth/dkim_rotate.h"
#include "tools.h"

static void
print_record(const pf_dkim_key *k, const char *domain, const char *selector)
{
	char *zone = pf_dkim_record_zone(selector, domain, k->record);

	printf("%s\n", zone);
	g_free(zone);
}

static int
keygen(const char *type, unsigned bits, const char *out)
{
	EVP_PKEY *pk;
	FILE *fp;
	int fd, rc = 0;

	if (out == NULL)
		return 2;
	if (strcmp(type, "rsa") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	else if (strcmp(type, "ed25519") == 0)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else {
		fprintf(stderr, "preflight dkim keygen: --type rsa or "
			"ed25519\n");
		return 2;
	}
	if (pk == NULL) {
		fprintf(stderr, "preflight dkim keygen: key generation "
			"failed\n");
		return 1;
	}
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "preflight dkim keygen: %s: %s\n", out,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		EVP_PKEY_free(pk);
		return 1;
	}
	if (PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL) != 1)
		rc = 1;
	if (fclose(fp) != 0)
		rc = 1;
	EVP_PKEY_free(pk);
	if (rc)
		fprintf(stderr, "preflight dkim keygen: %s: write failed\n",
			out);
	return rc;
}

int
pf_cmd_dkim(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"type", required_argument, NULL, 't'},
		{"bits", required_argument, NULL, 'b'},
		{"domain", required_argument, NULL, 'd'},
		{"selector", required_argument, NULL, 's'},
		{"out", required_argument, NULL, 'o'},
		{"key", required_argument, NULL, 'k'},
		{"config", required_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	const char *type = "rsa", *domain = NULL, *selector = NULL;
	const char *out = NULL, *keyfile = NULL, *config = PF_DEFAULT_CONFIG;
	unsigned bits = 2048;
	const char *cmd;
	int ch, rc;
	GString *err;
	pf_dkim_key *k;
	pf_config *cfg;

	if (argc < 2) {
		fprintf(stderr, "usage: preflight dkim keygen|record|check|"
			"rotate [options]\n");
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "rotate") == 0)
		return pf_cmd_dkim_rotate(argc, argv);	/* dkimrotate.c */
	optind = 2;
	while ((ch = getopt_long(argc, argv, "t:b:d:s:o:k:c:", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 't': type = optarg; break;
		case 'b': bits = (unsigned)strtoul(optarg, NULL, 10) > 65536 ?
			  0 : (unsigned)strtoul(optarg, NULL, 10); break;
		case 'd': domain = optarg; break;
		case 's': selector = optarg; break;
		case 'o': out = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'c': config = optarg; break;
		default: return 2;
		}
	}
	if (strcmp(cmd, "check") == 0) {
		err = g_string_new(NULL);
		if ((cfg = pf_config_load(config, err)) == NULL) {
			fputs(err->str, stderr);
			g_string_free(err, TRUE);
			return 1;
		}
		g_string_free(err, TRUE);
		if (cfg->dkim.keys == NULL || cfg->dkim.keys->keys->len == 0)
			printf("%s: no DKIM keys configured\n", config);
		rc = pf_dkim_check_all(cfg, stdout) ? 1 : 0;
		pf_config_unref(&cfg);
		return rc;
	}
	if (strcmp(cmd, "keygen") != 0 && strcmp(cmd, "record") != 0) {
		fprintf(stderr, "preflight dkim: unknown command \"%s\"\n", cmd);
		return 2;
	}
	if (domain == NULL || selector == NULL ||
	    (strcmp(cmd, "keygen") == 0 ? out : keyfile) == NULL) {
		fprintf(stderr, "preflight dkim %s: --domain, --selector and "
			"%s are required\n", cmd,
			strcmp(cmd, "keygen") == 0 ? "--out" : "--key");
		return 2;
	}
	if (strcmp(cmd, "keygen") == 0) {
		if (strcmp(type, "rsa") == 0 && (bits < 2048 || bits > 16384)) {
			fprintf(stderr, "preflight dkim keygen: --bits %u: RSA "
				"keys are 2048 to 16384 bits (receivers "
				"reject shorter keys)\n", bits);
			return 2;
		}
		if ((rc = keygen(type, bits, out)) != 0)
			return rc;
		keyfile = out;
	}
	err = g_string_new(NULL);
	if ((k = pf_dkim_key_load(keyfile, 1024, err)) == NULL) {
		fputs(err->str, stderr);
		g_string_free(err, TRUE);
		return 1;
	}
	g_string_free(err, TRUE);
	print_record(k, domain, selector);
	pf_dkim_key_free(k);
	return 0;
}
