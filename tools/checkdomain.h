/*
 * NAME
 *	checkdomain - the report model behind "preflight check-domain"
 * SYNOPSIS
 *	#include "checkdomain.h"
 *
 *	cd_report *cd_report_new(const char *subject);
 *	void cd_report_free(gpointer rep);
 *	void cd_add(cd_report *rep, const char *area, cd_status st,
 *		    const char *item, const char *fix, const char *fmt, ...);
 *	cd_status cd_report_status(const cd_report *rep);
 *	void cd_print_human(FILE *fp, const GPtrArray *reports, bool colour);
 *	void cd_print_json(FILE *fp, const GPtrArray *reports);
 *	void cd_relay(cd_report *rep, pf_config *cfg);
 *	void cd_blocklist_line(cd_report *rep, const char *what,
 *			       const pf_dnsbl_answer *a);
 *	void cd_domain(cd_report *rep, pf_config *cfg, pf_spf *spf);
 * DESCRIPTION
 *	A report is a subject (a domain, or "relay" for the egress IPs and
 *	HELO name) and lines; each line has an area ("spf", "dkim", ...),
 *	a status (pass, warn, fail), an item (what was looked at: an IP, a
 *	selector, a record name), a value (what was found, with the values)
 *	and, unless it passes, a fix.  cd_add() copies its arguments.  A
 *	report's status is the worst of its lines.
 *
 *	cd_relay() fills the relay report: for each [spf] egress_ips
 *	address its PTR, forward confirmation (FCrDNS), the HELO name
 *	([spf] helo_name) resolving to it, and each [dnsbl] ip_lists zone.
 *	cd_domain() (checkdomain.c) fills a domain's: existence (SOA), MX,
 *	SPF, DKIM for every configured key of the domain, DMARC, MTA-STS,
 *	TLS-RPT and each [dnsbl] domain_lists zone.  Every lookup goes
 *	through the configuration's resolver, each bounded by its timeout:
 *	with the DNS down every line says so.
 */
#ifndef PF_CHECKDOMAIN_H
#define PF_CHECKDOMAIN_H

#include <stdbool.h>
#include <stdio.h>
#include <glib.h>

#include "auth/spf.h"
#include "core/config.h"
#include "core/log.h"
#include "dns/dnsbl.h"

typedef enum cd_status {
	CD_PASS,
	CD_WARN,
	CD_FAIL,
} cd_status;

typedef struct cd_line {
	const char *area;	/* static */
	cd_status status;
	char *item;
	char *value;
	char *fix;		/* or NULL */
} cd_line;

typedef struct cd_report {
	char *subject;
	GPtrArray *lines;	/* cd_line * */
} cd_report;

cd_report *cd_report_new(const char *subject);
void cd_report_free(gpointer rep);
void cd_add(cd_report *rep, const char *area, cd_status st, const char *item,
	    const char *fix, const char *fmt, ...) PF_PRINTF(6, 7);
cd_status cd_report_status(const cd_report *rep);
const char *cd_status_name(cd_status st);
void cd_print_human(FILE *fp, const GPtrArray *reports, bool colour);
void cd_print_json(FILE *fp, const GPtrArray *reports);
void cd_relay(cd_report *rep, pf_config *cfg);
void cd_blocklist_line(cd_report *rep, const char *what,
		       const pf_dnsbl_answer *a);
void cd_domain(cd_report *rep, pf_config *cfg, pf_spf *spf);

#endif
