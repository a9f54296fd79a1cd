/*
 * NAME
 *	spfcmd - "preflight spf": one SPF evaluation shown whole
 * SYNOPSIS
 *	int pf_cmd_spf(int argc, char **argv);
 * DESCRIPTION
 *	preflight spf [-c FILE] [--helo NAME] [--sender LOCAL@DOMAIN]
 *	[--json] DOMAIN IP evaluates the SPF record of DOMAIN for IP as a
 *	receiver would (RFC 7208 check_host(), the configuration's resolver)
 *	and prints the evaluation as a tree: each record, each term with its
 *	target and whether it matched, each lookup counted, where a limit was
 *	crossed; then the result, the deciding term, the counts and the fix.
 *	--sender gives the local part for macros (the domain evaluated is
 *	DOMAIN); the default is postmaster@DOMAIN.  --json prints one JSON
 *	object instead.  Exit status 0 when the evaluation ran (whatever its
 *	result), 1 on configuration errors, 2 on usage errors.
 */
#include <stdio.h>
#include <string.h>

#include "auth/spf.h"
#include "core/config.h"
#include "core/verdict.h"
#include "tools.h"

static const char *
spf_fix(const pf_spf_outcome *o, const char *ip)
{
	static __thread char buf[512];

	switch (o->result) {
	case PF_SPF_PASS:
		return NULL;
	case PF_SPF_NONE:
		g_snprintf(buf, sizeof(buf), "publish a v=spf1 TXT record at "
			   "%s that lists %s%s", o->domain,
			   strchr(ip, ':') ? "ip6:" : "ip4:", ip);
		return buf;
	case PF_SPF_TEMPERROR:
		return "check the DNS servers of the domain and this relay's "
		    "resolver ([dns] upstreams); receivers retry, then bounce";
	case PF_SPF_PERMERROR:
		return pf_spf_permerror_fix(o->problem);
	default:
		g_snprintf(buf, sizeof(buf), "add %s%s to the SPF record of %s "
			   "(before its \"all\" term)",
			   strchr(ip, ':') ? "ip6:" : "ip4:", ip, o->domain);
		return buf;
	}
}

static void
json_field(GString *j, const char *key, const char *value)
{
	g_string_append_printf(j, ",\"%s\":", key);
	if (value)
		pf_json_string(j, value);
	else
		g_string_append(j, "null");
}

static void
print_json(const pf_spf_outcome *o, const char *ip, GPtrArray *trace)
{
	GString *j = g_string_new("{\"domain\":");

	pf_json_string(j, o->domain);
	json_field(j, "ip", ip);
	json_field(j, "result", pf_spf_result_name(o->result));
	json_field(j, "record", o->record);
	json_field(j, "mechanism", o->mechanism);
	json_field(j, "error", o->error);
	json_field(j, "explanation", o->explanation);
	json_field(j, "fix", spf_fix(o, ip));
	g_string_append_printf(j, ",\"dns_lookups\":%u,\"void_lookups\":%u,"
			       "\"trace\":[", o->dns_lookups, o->void_lookups);
	for (guint i = 0; i < trace->len; i++) {
		if (i)
			g_string_append_c(j, ',');
		pf_json_string(j, trace->pdata[i]);
	}
	g_string_append(j, "]}");
	puts(j->str);
	g_string_free(j, TRUE);
}

static void
print_text(const pf_spf_outcome *o, const char *ip, const char *helo,
	   GPtrArray *trace)
{
	const char *fix = spf_fix(o, ip);
	GString *line = g_string_new(NULL);

	printf("SPF of %s for %s%s%s\n", o->domain, ip, helo ? ", HELO " : "",
	       helo ? helo : "");
	for (guint i = 0; i < trace->len; i++) {
		/* the records are the domain's text: printable ASCII only */
		g_string_assign(line, trace->pdata[i]);
		for (gsize k = 0; k < line->len; k++)
			if (line->str[k] < 0x20 || line->str[k] > 0x7e)
				line->str[k] = '?';
		printf("  %s\n", line->str);
	}
	printf("result: %s (what a receiver following RFC 7208 decides)\n",
	       pf_spf_result_name(o->result));
	if (o->mechanism)
		printf("decided by: %s\n", o->mechanism);
	if (o->error)
		printf("why: %s\n", o->error);
	if (o->explanation)
		printf("explanation (exp=, the domain's text): %s\n",
		       o->explanation);
	printf("DNS-querying terms: %u of 10; void lookups: %u of 2\n",
	       o->dns_lookups, o->void_lookups);
	if (fix)
		printf("fix: %s\n", fix);
	g_string_free(line, TRUE);
}

int
pf_cmd_spf(int argc, char **argv)
{
	const char *path = PF_DEFAULT_CONFIG, *helo = NULL, *local = NULL;
	const char *args[2] = {NULL, NULL};
	GPtrArray *trace;
	pf_spf_outcome o;
	pf_config *cfg;
	pf_spf *spf;
	bool json = false;
	int nargs = 0;
	char *sender;

	for (int i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) &&
		    i + 1 < argc)
			path = argv[++i];
		else if (!strcmp(argv[i], "--helo") && i + 1 < argc)
			helo = argv[++i];
		else if (!strcmp(argv[i], "--sender") && i + 1 < argc)
			local = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] != '-' && nargs < 2)
			args[nargs++] = argv[i];
		else
			nargs = 3;
	}
	if (nargs != 2) {
		fputs("usage: preflight spf [-c FILE] [--helo NAME] [--sender "
		      "LOCAL@DOMAIN] [--json] DOMAIN IP\n", stderr);
		return 2;
	}
	if (pf_tool_spf_open(path, &cfg, &spf) < 0) {
		return 1;
	}
	if (local && strchr(local, '@'))
		sender = g_strdup_printf("%.*s@%s",
		    (int)(strchr(local, '@') - local), local, args[0]);
	else
		sender = g_strdup_printf("%s@%s", local ? local : "postmaster",
					 args[0]);
	trace = g_ptr_array_new_with_free_func(g_free);
	pf_spf_eval_traced(spf, args[1], sender, helo, 0, &o, trace);
	if (json)
		print_json(&o, args[1], trace);
	else
		print_text(&o, args[1], helo, trace);
	pf_spf_outcome_clear(&o);
	g_ptr_array_unref(trace);
	g_free(sender);
	pf_spf_free(&spf);
	pf_config_unref(&cfg);
	return 0;
}
