/*
 * NAME
 *	dnscmd - "preflight dns-lookup": the shared resolver from the shell
 * SYNOPSIS
 *	int pf_cmd_dns_lookup(int argc, char **argv);
 * DESCRIPTION
 *	preflight dns-lookup [-c FILE] [--repeat N] [--wait MS] [--threads N]
 *	TYPE NAME... looks each NAME up (TYPE: A, AAAA, MX, TXT, PTR,
 *	NS, CNAME, SOA in any case, or a number)
 *	through the resolver of the configuration ([dns] keys), N times in
 *	each of the given threads (--wait: MS milliseconds between rounds),
 *	and prints one line per lookup: "NAME TYPE STATUS MS [record...]"
 *	(TXT records quoted), then "lookups=N cached=M" (M answered from the
 *	resolver's own cache).  A hidden subcommand for tests and for operators
 *	checking what preflight sees.
 *
 *	pf_cmd_spf_eval() ("preflight spf-eval") evaluates SPF for lines read
 *	from standard input (see below).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns/resolver.h"
#include "auth/spf.h"
#include "tools.h"

typedef struct lookup_job {
	pf_resolver *r;
	int rrtype;
	char **names;
	int nnames;
	int repeat;
	int wait_ms;
	GMutex *out_lock;
} lookup_job;

static void
lookup_one(lookup_job *j, const char *name)
{
	GString *line = g_string_new(NULL), *why = g_string_new(NULL);
	gint64 t0 = g_get_monotonic_time();
	pf_dns_status st;

	if (j->rrtype == 16) {
		GPtrArray *txt = NULL;

		st = pf_dns_txt(j->r, name, &txt, why);
		g_string_printf(line, "%s TXT %s %lld", name,
		    pf_dns_status_name(st),
		    (long long)(g_get_monotonic_time() - t0) / 1000);
		for (guint i = 0; txt && i < txt->len; i++)
			g_string_append_printf(line, " \"%s\"",
					       (char *)txt->pdata[i]);
		if (txt)
			g_ptr_array_unref(txt);
	} else {
		struct ub_result *res = NULL;
		char buf[INET6_ADDRSTRLEN];

		st = pf_dns_query(j->r, name, j->rrtype, 1, &res, why);
		g_string_printf(line, "%s %d %s %lld", name, j->rrtype,
		    pf_dns_status_name(st),
		    (long long)(g_get_monotonic_time() - t0) / 1000);
		for (int i = 0; st == PF_DNS_OK && res->data[i]; i++) {
			if (j->rrtype == 1 && res->len[i] == 4)
				g_string_append_printf(line, " %s",
				    inet_ntop(AF_INET, res->data[i], buf,
					      sizeof(buf)));
			else if (j->rrtype == 28 && res->len[i] == 16)
				g_string_append_printf(line, " %s",
				    inet_ntop(AF_INET6, res->data[i], buf,
					      sizeof(buf)));
			else
				g_string_append_printf(line, " (%d bytes)",
						       res->len[i]);
		}
		ub_resolve_free(res);
	}
	if (why->len)
		g_string_append_printf(line, " (%s)", why->str);
	g_mutex_lock(j->out_lock);
	puts(line->str);
	g_mutex_unlock(j->out_lock);
	g_string_free(line, TRUE);
	g_string_free(why, TRUE);
}

static gpointer
lookup_thread(gpointer arg)
{
	lookup_job *j = arg;

	for (int n = 0; n < j->repeat; n++) {
		if (n > 0 && j->wait_ms > 0)
			g_usleep((gulong)j->wait_ms * 1000);
		for (int i = 0; i < j->nnames; i++)
			lookup_one(j, j->names[i]);
	}
	return NULL;
}

int
pf_cmd_dns_lookup(int argc, char **argv)
{
	const char *path = PF_DEFAULT_CONFIG;
	int repeat = 1, threads = 1, wait_ms = 0, i;
	GMutex out_lock;
	lookup_job job;
	GString *err = g_string_new(NULL);
	pf_config *cfg;
	GPtrArray *th;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		     strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc)
			wait_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = atoi(argv[++i]);
		else
			break;
	}
	if (argc - i < 2 || repeat < 1 || threads < 1 || wait_ms < 0) {
		fputs("usage: preflight dns-lookup [-c FILE] [--repeat N] "
		      "[--wait MS] [--threads N] TYPE NAME...\n", stderr);
		g_string_free(err, TRUE);
		return 2;
	}
	if ((cfg = pf_config_load(path, err)) == NULL) {
		fputs(err->str, stderr);
		g_string_free(err, TRUE);
		return 1;
	}
	g_string_free(err, TRUE);
	g_mutex_init(&out_lock);
	job = (lookup_job){pf_config_resolver(cfg), pf_dns_type_number(argv[i]),
			   argv + i + 1, argc - i - 1, repeat, wait_ms,
			   &out_lock};
	th = g_ptr_array_new();
	for (int t = 0; t < threads; t++)
		g_ptr_array_add(th, g_thread_new("lookup", lookup_thread,
						 &job));
	for (guint t = 0; t < th->len; t++)
		g_thread_join(th->pdata[t]);
	g_ptr_array_free(th, TRUE);
	printf("lookups=%lu cached=%lu\n", pf_resolver_queries_sent(job.r),
	       pf_resolver_cache_hits(job.r));
	g_mutex_clear(&out_lock);
	pf_config_unref(&cfg);
	return 0;
}

int
pf_tool_spf_open(const char *path, pf_config **cfg, pf_spf **spf)
{
	GString *err = g_string_new(NULL);

	*spf = NULL;
	if ((*cfg = pf_config_load(path, err)) == NULL ||
	    (*spf = pf_spf_new(pf_config_resolver(*cfg), err)) == NULL) {
		fputs(err->str, stderr);
		g_string_free(err, TRUE);
		pf_config_unref(cfg);
		return -1;
	}
	g_string_free(err, TRUE);
	return 0;
}

/*
 * preflight spf-eval [-c FILE] [--libspf2]: reads "IP<TAB>MAILFROM<TAB>HELO"
 * lines on standard input and prints "RESULT<TAB>DNS_LOOKUPS<TAB>VOIDS<TAB>
 * ERROR" for each, through the configuration's SPF evaluator, or libspf2
 * over the same resolver (for the RFC 7208 suite runner and the
 * cross-checks).
 */
int
pf_cmd_spf_eval(int argc, char **argv)
{
	const char *path = PF_DEFAULT_CONFIG;
	pf_config *cfg;
	pf_spf *spf;
	char line[8192];
	bool libspf2 = false;

	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		     strcmp(argv[i], "--config") == 0) && i + 1 < argc) {
			path = argv[++i];
		} else if (strcmp(argv[i], "--libspf2") == 0) {
			libspf2 = true;
		} else {
			fputs("usage: preflight spf-eval [-c FILE] [--libspf2] "
			      "< lines\n", stderr);
			return 2;
		}
	}
	if (pf_tool_spf_open(path, &cfg, &spf) < 0) {
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		gchar **f;
		pf_spf_outcome o;

		g_strchomp(line);
		f = g_strsplit(line, "\t", 3);
		if (g_strv_length(f) == 3) {
			if (libspf2)
				pf_spf_eval_libspf2(spf, f[0], f[1], f[2], 0, &o);
			else
				pf_spf_eval(spf, f[0], f[1], f[2], 0, &o);
			printf("%s\t%u\t%u\t%s\n", pf_spf_result_name(o.result),
			       o.dns_lookups, o.void_lookups,
			       o.error ? o.error : "");
			pf_spf_outcome_clear(&o);
		} else {
			puts("usage-error");
		}
		fflush(stdout);
		g_strfreev(f);
	}
	pf_spf_free(&spf);
	pf_config_unref(&cfg);
	return 0;
}
