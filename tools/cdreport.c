/*
 * NAME
 *	cdreport - check-domain's report lines, their output, and the relay
 *	report (egress IPs: PTR, FCrDNS, HELO, IP blocklists); see
 *	checkdomain.h
 */
#include <stdarg.h>
#include <string.h>

#include "checkdomain.h"
#include "core/verdict.h"	/* pf_json_string */
#include "dns/dnsbl.h"
#include "dns/ptr.h"

cd_report *
cd_report_new(const char *subject)
{
	cd_report *rep = g_new0(cd_report, 1);

	rep->subject = g_strdup(subject);
	rep->lines = g_ptr_array_new();
	return rep;
}

void
cd_report_free(gpointer p)
{
	cd_report *rep = p;

	if (rep == NULL)
		return;
	for (guint i = 0; i < rep->lines->len; i++) {
		cd_line *l = rep->lines->pdata[i];

		g_free(l->item);
		g_free(l->value);
		g_free(l->fix);
		g_free(l);
	}
	g_ptr_array_unref(rep->lines);
	g_free(rep->subject);
	g_free(rep);
}

/* Text from the DNS made printable: no control bytes in a report. */
static char *
printable(const char *s)
{
	GString *out = g_string_new(NULL);

	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		g_string_append_c(out, *p >= 0x20 && *p < 0x7f ? (char)*p : '?');
	return g_string_free(out, FALSE);
}

void
cd_add(cd_report *rep, const char *area, cd_status st, const char *item,
       const char *fix, const char *fmt, ...)
{
	cd_line *l = g_new0(cd_line, 1);
	va_list ap;
	char *v;

	va_start(ap, fmt);
	v = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	l->area = area;
	l->status = st;
	l->item = printable(item ? item : "");
	l->value = printable(v);
	l->fix = st != CD_PASS && fix ? printable(fix) : NULL;
	g_free(v);
	g_ptr_array_add(rep->lines, l);
}

const char *
cd_status_name(cd_status st)
{
	return st == CD_PASS ? "pass" : st == CD_WARN ? "warn" : "fail";
}

cd_status
cd_report_status(const cd_report *rep)
{
	cd_status worst = CD_PASS;

	for (guint i = 0; i < rep->lines->len; i++) {
		const cd_line *l = rep->lines->pdata[i];

		if (l->status > worst)
			worst = l->status;
	}
	return worst;
}

void
cd_print_human(FILE *fp, const GPtrArray *reports, bool colour)
{
	static const char *const col[] = {"\033[32m", "\033[33m", "\033[31m"};
	static const char *const word[] = {"PASS", "WARN", "FAIL"};

	for (guint r = 0; r < reports->len; r++) {
		const cd_report *rep = reports->pdata[r];
		size_t wi = 4;

		for (guint i = 0; i < rep->lines->len; i++) {
			const cd_line *l = rep->lines->pdata[i];

			wi = MAX(wi, strlen(l->item));
		}
		wi = MIN(wi, 40);
		fprintf(fp, "%s%s: %s\n", r ? "\n" : "", rep->subject,
			cd_status_name(cd_report_status(rep)));
		for (guint i = 0; i < rep->lines->len; i++) {
			const cd_line *l = rep->lines->pdata[i];

			fprintf(fp, "  %s%s%s  %-8s %-*s  %s\n",
				colour ? col[l->status] : "", word[l->status],
				colour ? "\033[0m" : "", l->area, (int)wi,
				l->item, l->value);
			if (l->fix)
				fprintf(fp, "  %4s  %-8s %-*s  fix: %s\n", "", "",
					(int)wi, "", l->fix);
		}
	}
}

void
cd_print_json(FILE *fp, const GPtrArray *reports)
{
	GString *j = g_string_new("{\"reports\":[");
	cd_status worst = CD_PASS;

	for (guint r = 0; r < reports->len; r++) {
		const cd_report *rep = reports->pdata[r];
		cd_status st = cd_report_status(rep);

		worst = MAX(worst, st);
		g_string_append(j, r ? ",{\"subject\":" : "{\"subject\":");
		pf_json_string(j, rep->subject);
		g_string_append_printf(j, ",\"status\":\"%s\",\"lines\":[",
				       cd_status_name(st));
		for (guint i = 0; i < rep->lines->len; i++) {
			const cd_line *l = rep->lines->pdata[i];

			g_string_append_printf(j, "%s{\"area\":\"%s\","
			    "\"status\":\"%s\",\"item\":", i ? "," : "",
			    l->area, cd_status_name(l->status));
			pf_json_string(j, l->item);
			g_string_append(j, ",\"value\":");
			pf_json_string(j, l->value);
			g_string_append(j, ",\"fix\":");
			if (l->fix)
				pf_json_string(j, l->fix);
			else
				g_string_append(j, "null");
			g_string_append_c(j, '}');
		}
		g_string_append(j, "]}");
	}
	g_string_append_printf(j, "],\"status\":\"%s\"}\n",
			       cd_status_name(worst));
	fputs(j->str, fp);
	g_string_free(j, TRUE);
}

static void
relay_ptr(cd_report *rep, pf_resolver *r, const char *ip, const char *helo)
{
	GString *why = g_string_new(NULL), *addrs = g_string_new(NULL);
	GPtrArray *names;
	char *qname, *name;
	pf_dns_status st = pf_dns_ptr(r, ip, &names, &qname, why);
	bool match;

	if (st == PF_DNS_TEMPFAIL) {
		cd_add(rep, "ptr", CD_WARN, ip, "Check the relay's DNS resolver "
		    "and try again", "DNS: %s", why->str);
	} else if (names->len == 0) {
		cd_add(rep, "ptr", CD_FAIL, ip, "Ask whoever holds the address "
		    "(your hosting or network provider) to set its PTR to the "
		    "relay's HELO name", "no PTR record at %s (Gmail: 550 "
		    "5.7.25)", qname);
	} else {
		cd_add(rep, "ptr", CD_PASS, ip, NULL, "%s",
		       (char *)names->pdata[0]);
	}
	for (guint i = 0; i < names->len; i++) {
		name = names->pdata[i];
		g_string_truncate(why, 0);
		g_string_truncate(addrs, 0);
		st = pf_dns_resolves_to(r, name, ip, &match, addrs, why);
		if (st == PF_DNS_TEMPFAIL)
			cd_add(rep, "fcrdns", CD_WARN, ip, "Try again later",
			       "DNS: %s", why->str);
		else if (match)
			cd_add(rep, "fcrdns", CD_PASS, ip, NULL, "%s -> %s", name,
			       ip);
		else
			cd_add(rep, "fcrdns", CD_FAIL, ip, "Publish an address "
			    "record for the PTR name pointing at the IP, or "
			    "change the PTR to a name that has one",
			    "%s does not resolve back to %s (%s)", name, ip,
			    addrs->len ? addrs->str : pf_dns_status_name(st));
	}
	if (helo == NULL) {
		cd_add(rep, "helo", CD_WARN, ip, "Set [spf] helo_name to the "
		    "relay's smtp_helo_name", "no HELO name configured");
	} else {
		g_string_truncate(why, 0);
		g_string_truncate(addrs, 0);
		st = pf_dns_resolves_to(r, helo, ip, &match, addrs, why);
		if (st == PF_DNS_TEMPFAIL)
			cd_add(rep, "helo", CD_WARN, ip, "Try again later",
			       "DNS: %s", why->str);
		else if (match)
			cd_add(rep, "helo", CD_PASS, ip, NULL, "%s -> %s", helo,
			       ip);
		else
			cd_add(rep, "helo", CD_FAIL, ip, "Publish an A/AAAA "
			    "record for the HELO name pointing at the IP, or "
			    "use a HELO name that has one", "HELO %s does not "
			    "resolve to %s (%s)", helo, ip,
			    addrs->len ? addrs->str : pf_dns_status_name(st));
	}
	g_ptr_array_unref(names);
	g_string_free(why, TRUE);
	g_string_free(addrs, TRUE);
	g_free(qname);
}

void
cd_blocklist_line(cd_report *rep, const char *what, const pf_dnsbl_answer *a)
{
	GString *codes = g_string_new(NULL);
	char *item = g_strdup_printf("%s %s", what, a->zone ? a->zone : "");

	for (guint i = 0; a->codes && i < a->codes->len; i++)
		g_string_append_printf(codes, "%s%s", i ? "," : "",
				       (char *)a->codes->pdata[i]);
	switch (a->status) {
	case PF_DNSBL_CLEAN:
		cd_add(rep, "dnsbl", CD_PASS, item, NULL, "not listed");
		break;
	case PF_DNSBL_LISTED:
		cd_add(rep, "dnsbl", CD_FAIL, item, a->fix, "listed: %s (%s)%s%s",
		       codes->str, a->meaning->str, a->txt ? "; TXT: " : "",
		       a->txt ? a->txt : "");
		break;
	case PF_DNSBL_ERROR:
		cd_add(rep, "dnsbl", CD_WARN, item, a->fix, "not checked: %s%s%s",
		       a->error, codes->len ? "; answer " : "", codes->str);
		break;
	case PF_DNSBL_TEMPFAIL:
		cd_add(rep, "dnsbl", CD_WARN, item, "Check the relay's DNS "
		       "resolver and try again", "DNS: %s", a->error);
		break;
	}
	g_free(item);
	g_string_free(codes, TRUE);
}

void
cd_relay(cd_report *rep, pf_config *cfg)
{
	pf_resolver *r = pf_config_resolver(cfg);
	gchar **zones = g_strsplit_set(cfg->dnsbl.ip_lists ?
	    cfg->dnsbl.ip_lists : "", " \t,", -1);
	GPtrArray *ips = cfg->spf.egress;

	if (ips == NULL || ips->len == 0)
		cd_add(rep, "egress", CD_WARN, "egress_ips", "Set [spf] "
		    "egress_ips to the relay's outbound addresses",
		    "no egress IPs configured: PTR, HELO and blocklists not "
		    "checked");
	for (guint i = 0; ips && i < ips->len; i++) {
		const char *ip = ips->pdata[i];

		relay_ptr(rep, r, ip, cfg->spf.helo_name);
		for (gchar **z = zones; *z; z++) {
			pf_dnsbl_answer a;

			if (**z == '\0')
				continue;
			(void)pf_dnsbl_ip(r, *z, ip, &a);
			cd_blocklist_line(rep, ip, &a);
			pf_dnsbl_answer_clear(&a);
		}
	}
	g_strfreev(zones);
}
