/*
 * NAME
 *	scan - "preflight scan": a message file through the policy pipeline
 * SYNOPSIS
 *	int pf_cmd_scan(int argc, char **argv);
 *	int pf_cmd_config(int argc, char **argv);
 * DESCRIPTION
 *	pf_cmd_scan() feeds a message file (or standard input) to the same
 *	pipeline the milter uses, stage by stage as an MTA would: MAIL FROM
 *	with the envelope options, each RCPT, then the message through
 *	pf_feed_raw() (feed.h).  --dkim-domain D (repeatable; for tests
 *	until a DKIM check sets it) records D as a domain the message will
 *	be signed with, for the DMARC prediction.  It prints one decision line per decision, the same
 *	line the milter logs (--json: one JSON object per decision), with the
 *	reply lines for refusals, and with --emit writes the message as it
 *	would be relayed: added headers in the places the MTA puts them,
 *	deleted ones left out, a re-encoded body instead of the original.  --smtputf8 sends MAIL FROM with SMTPUTF8.
 *
 *	pf_cmd_config() prints the annotated sample configuration, the
 *	defaults, or the effective configuration, or checks a file;
 *	--from-opendkim FILE converts an opendkim.conf (fromopendkim.c).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/feed.h"
#include "core/pipeline.h"
#include "limits/rate.h"
#include "tools.h"

#define SCAN_CHUNK 65536

typedef struct scan_opts {
	const char *config;
	const char *client_ip;
	const char *helo;
	const char *from;
	GPtrArray *rcpts;
	GPtrArray *dkim_domains;
	const char *auth_user;
	const char *emit;
	bool json;
	bool smtputf8;
	const char *file;
} scan_opts;

static pf_config *
load_config(const char *path, bool explicit_path)
{
	GString *err = g_string_new(NULL);
	pf_config *cfg;

	if (!explicit_path && access(path, F_OK) != 0) {
		g_string_free(err, TRUE);
		return pf_config_defaults();
	}
	pf_rate_set_peek(true);	/* a dry run counts nothing (rate.c) */
	if ((cfg = pf_config_load(path, err)) == NULL) {
		fputs(err->str, stderr);
		fprintf(stderr, "preflight: configuration %s has errors\n",
			path);
	}
	g_string_free(err, TRUE);
	return cfg;
}

/*
 * The whole message: a regular file (also as stdin) is mapped (no copy, no
 * fresh memory to fault in, which on a 5 MB file was a quarter of the
 * scan), anything else (a pipe) read.
 */
static GBytes *
read_all(const char *path)
{
	FILE *fp = path && strcmp(path, "-") != 0 ? fopen(path, "rb") : stdin;
	GByteArray *buf;
	unsigned char chunk[SCAN_CHUNK];
	struct stat st;
	size_t n;

	if (fp == NULL) {
		fprintf(stderr, "preflight: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode)) {
		GMappedFile *map = g_mapped_file_new_from_fd(fileno(fp), FALSE,
							     NULL);

		if (map) {
			GBytes *b = g_mapped_file_get_bytes(map);

			g_mapped_file_unref(map);	/* b holds it */
			if (fp != stdin)
				fclose(fp);
			return b;
		}
	}
	buf = g_byte_array_new();
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		g_byte_array_append(buf, chunk, (guint)n);
	if (ferror(fp)) {
		fprintf(stderr, "preflight: %s: read error\n",
			path ? path : "stdin");
		g_byte_array_free(buf, TRUE);
		buf = NULL;
	}
	if (fp != stdin)
		fclose(fp);
	return buf ? g_byte_array_free_to_bytes(buf) : NULL;
}

static void
print_decision(const pf_message *msg, const pf_verdict *v, bool json)
{
	if (json) {
		char *j = pf_verdict_json(msg, v);

		puts(j);
		g_free(j);
		return;
	}
	GString *line = pf_verdict_line(msg, v);

	puts(line->str);
	g_string_free(line, TRUE);
	for (guint i = 0; i < v->reply->len; i++)
		printf("reply: %s%c%s %s\n", v->smtp,
		       i + 1 < v->reply->len ? '-' : ' ', v->dsn,
		       (char *)v->reply->pdata[i]);
}

/* A header as the MTA writes it: folded lines end like the message's. */
static void
emit_header(FILE *fp, const pf_header *h, const char *eol)
{
	fprintf(fp, "%s: ", h->name);
	for (const char *p = h->value; *p; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n')
			fputs(eol, fp);
		else
			fputc(*p, fp);
	}
	fputs(eol, fp);
}

/* Is the nth field named name (1-based) one the checks asked to delete? */
static bool
deleted(const pf_message *msg, const char *name, size_t len, unsigned nth)
{
	for (guint i = 0; i < msg->del_headers->len; i++) {
		const pf_header_ref *d = &g_array_index(msg->del_headers,
							pf_header_ref, i);

		if (d->index == nth && strlen(d->name) == len &&
		    g_ascii_strncasecmp(d->name, name, len) == 0)
			return true;
	}
	return false;
}

/* The original header block, less the deleted fields (as the MTA would). */
static void
emit_original(FILE *fp, const pf_message *msg, const unsigned char *p,
	      size_t len)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal,
						 g_free, NULL);
	bool skip = false;

	for (size_t off = 0; off < len;) {
		const unsigned char *lf = memchr(p + off, '\n', len - off);
		size_t n = lf ? (size_t)(lf - (p + off)) + 1 : len - off;
		const char *line = (const char *)p + off;

		if (*line != ' ' && *line != '\t') {
			const char *colon = memchr(line, ':', n);
			size_t nl = colon ? (size_t)(colon - line) : 0;
			char *key = g_ascii_strdown(line, (gssize)nl);
			unsigned nth = GPOINTER_TO_UINT(
			    g_hash_table_lookup(seen, key)) + 1;

			skip = colon && deleted(msg, line, nl, nth);
			g_hash_table_replace(seen, key, GUINT_TO_POINTER(nth));
		}
		if (!skip)
			fwrite(line, 1, n, fp);
		off += n;
	}
	g_hash_table_destroy(seen);
}

static int
emit_message(const char *path, const pf_message *msg,
	     const unsigned char *raw, size_t raw_len, size_t body_off,
	     const char *eol)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
	guint n = msg->add_headers->len;
	int rc;

	if (fp == NULL) {
		fprintf(stderr, "preflight: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* smfi_insheader(0) puts each new header on top: last one first */
	for (guint i = n; i-- > 0;)
		if (g_array_index(msg->add_prepend, gboolean, i)) {
			emit_header(fp, &g_array_index(msg->add_headers,
					pf_header, i), eol);
		}
	/* original headers, then appended ones, then the separator */
	emit_original(fp, msg, raw, body_off ? body_off - strlen(eol) :
		      raw_len);
	for (guint i = 0; i < n; i++)
		if (!g_array_index(msg->add_prepend, gboolean, i)) {
			emit_header(fp, &g_array_index(msg->add_headers,
					pf_header, i), eol);
		}
	if (msg->new_body) {	/* re-encoded: CRLF written as the file's */
		const GByteArray *b = msg->new_body;

		fputs(eol, fp);
		for (guint i = 0; i < b->len; i++)
			if (b->data[i] != '\r' || i + 1 >= b->len ||
			    b->data[i + 1] != '\n' || eol[0] == '\r')
				fputc(b->data[i], fp);
	} else if (body_off) {
		fputs(eol, fp);
		fwrite(raw + body_off, 1, raw_len - body_off, fp);
	}
	if (fp == stdout)
		rc = fflush(fp);
	else
		rc = fclose(fp);
	if (rc != 0) {
		fprintf(stderr, "preflight: %s: write error\n", path);
		return -1;
	}
	return 0;
}

static int
scan_run(const scan_opts *o, pf_config *cfg)
{
	GBytes *raw = read_all(o->file);
	pf_conninfo ci = {
		.client_name = "localhost",
		.client_addr = o->client_ip,
		.helo = o->helo,
		.mta_hostname = NULL,
	};
	pf_pipeline *tx;
	pf_message *msg;
	pf_verdict *v;
	pf_feed_info fi = {0, "\n"};
	const unsigned char *data;
	gsize len;
	char *utf8_args[] = {(char *)"SMTPUTF8", NULL};
	int rc = 0;

	if (raw == NULL)
		return 1;
	tx = pf_pipeline_new(cfg, &ci);
	msg = tx->msg;
	pf_message_set_auth_user(msg, o->auth_user);
	for (guint i = 0; i < o->dkim_domains->len; i++)	/* tests */
		pf_message_add_dkim_domain(msg, o->dkim_domains->pdata[i]);
	if ((v = pf_pipeline_mail(tx, o->from ? o->from : "",
				  o->smtputf8 ? utf8_args : NULL)) != NULL) {
		print_decision(msg, v, o->json);
		goto done;
	}
	for (guint i = 0; i < o->rcpts->len; i++)
		if ((v = pf_pipeline_rcpt(tx, o->rcpts->pdata[i])) != NULL)
			print_decision(msg, v, o->json);
	data = g_bytes_get_data(raw, &len);
	v = pf_feed_raw(tx, data, len, &fi);
	print_decision(msg, v, o->json);
	if (v->stage != PF_STAGE_EOM)
		goto done;
	if (o->emit) {
		if (v->action == PF_ACTION_REJECT ||
		    v->action == PF_ACTION_TEMPFAIL)
			fprintf(stderr, "preflight: message %s: nothing "
				"written to %s\n", pf_action_name(v->action) ,
				o->emit);
		else if (emit_message(o->emit, msg, data, len, fi.body_off,
				      fi.eol) < 0)
			rc = 1;
	}
done:
	pf_pipeline_free(&tx);
	g_bytes_unref(raw);
	return rc;
}

int
pf_cmd_scan(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"client-ip", required_argument, NULL, 'i'},
		{"helo", required_argument, NULL, 'H'},
		{"from", required_argument, NULL, 'f'},
		{"rcpt", required_argument, NULL, 'r'},
		{"auth-user", required_argument, NULL, 'a'},
		{"emit", required_argument, NULL, 'e'},
		{"json", no_argument, NULL, 'j'},
		{"dkim-domain", required_argument, NULL, 'D'},
		{"smtputf8", no_argument, NULL, 'U'},
		{NULL, 0, NULL, 0},
	};
	scan_opts o = {.config = PF_DEFAULT_CONFIG};
	bool explicit_config = false;
	pf_config *cfg;
	int ch, rc;

	o.rcpts = g_ptr_array_new();
	o.dkim_domains = g_ptr_array_new();
	optind = 1;
	while ((ch = getopt_long(argc, argv, "c:i:H:f:r:a:e:jD:U", longopts,
				 NULL)) != -1) {
		switch (ch) {
		case 'c': o.config = optarg; explicit_config = true; break;
		case 'i': o.client_ip = optarg; break;
		case 'H': o.helo = optarg; break;
		case 'f': o.from = optarg; break;
		case 'r': g_ptr_array_add(o.rcpts, optarg); break;
		case 'a': o.auth_user = optarg; break;
		case 'e': o.emit = optarg; break;
		case 'j': o.json = true; break;
		case 'D': g_ptr_array_add(o.dkim_domains, optarg); break;
		case 'U': o.smtputf8 = true; break;
		default:
			g_ptr_array_free(o.rcpts, TRUE);
			g_ptr_array_free(o.dkim_domains, TRUE);
			return 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "preflight scan: one message file at most\n");
		g_ptr_array_free(o.rcpts, TRUE);
		g_ptr_array_free(o.dkim_domains, TRUE);
		return 2;
	}
	o.file = optind < argc ? argv[optind] : NULL;
	if ((cfg = load_config(o.config, explicit_config)) == NULL) {
		g_ptr_array_free(o.rcpts, TRUE);
		g_ptr_array_free(o.dkim_domains, TRUE);
		return 1;
	}
	rc = scan_run(&o, cfg);
	pf_config_unref(&cfg);
	g_ptr_array_free(o.rcpts, TRUE);
	g_ptr_array_free(o.dkim_domains, TRUE);
	return rc;
}

int
pf_cmd_config(int argc, char **argv)
{
	const char *path = PF_DEFAULT_CONFIG;
	enum { SHOW, SAMPLE, DEFAULTS, CHECK } what = SHOW;
	pf_config *cfg;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--sample") == 0)
			what = SAMPLE;
		else if (strcmp(argv[i], "--defaults") == 0)
			what = DEFAULTS;
		else if (strcmp(argv[i], "--check") == 0)
			what = CHECK;
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--from-opendkim") == 0 &&
			 i + 1 < argc && argc == 3)
			return pf_cmd_from_opendkim(argv[++i]);
		else {
			fprintf(stderr, "preflight config: unknown argument "
				"\"%s\"\n", argv[i]);
			return 2;
		}
	}
	if (what == SAMPLE || what == DEFAULTS) {
		cfg = pf_config_defaults();
		pf_config_dump(cfg, stdout, what == SAMPLE);
		pf_config_unref(&cfg);
		return 0;
	}
	if ((cfg = load_config(path, true)) == NULL)
		return 1;
	if (what == CHECK)
		printf("%s: configuration OK\n", path);
	else
		pf_config_dump(cfg, stdout, false);
	pf_config_unref(&cfg);
	return 0;
}
