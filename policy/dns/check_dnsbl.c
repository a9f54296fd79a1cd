/*
 * NAME
 *	check_dnsbl - hold or mark mail while an egress IP is blocklisted
 * SYNOPSIS
 *	extern const pf_check pf_check_dnsbl;
 * DESCRIPTION
 *	At MAIL FROM the reputation watch's last answer (watch.h) is read:
 *	no DNS lookup happens per message.  While an egress IP is listed in
 *	one of [dnsbl] ip_lists, dnsbl.listed is added with [dnsbl]
 *	listed_action: tempfail (451 4.7.1: the mail waits in the queue
 *	until the IP is delisted), annotate, or monitor (the check runs in
 *	monitor mode: only the decision line shows dnsbl.listed=ZONE).  The
 *	text names the list, the IP, the codes and their meaning; the fix is
 *	the list's delisting step.  Off while [dnsbl] interval is 0.
 */
#include <string.h>

#include "core/check.h"
#include "dns/watch.h"

static void
dnsbl_run(pf_message *msg, pf_stage stage)
{
	pf_watch_listing *l;
	pf_result *r;

	if (stage != PF_STAGE_MAIL || (l = pf_watch_listed()) == NULL)
		return;
	r = pf_result_add(msg, PF_CHECK_DNSBL, "dnsbl.listed",
			  msg->cfg->dnsbl.action, 0, "451", "4.7.1");
	pf_result_text(r, "The relay's egress IP %s is listed in %s (%s: %s)%s; "
	    "mail from it is refused or lost at many receivers, so it waits "
	    "here", l->ip, l->zone, l->codes, l->meaning,
	    l->count > 1 ? " and elsewhere" : "");
	pf_result_fix(r, "Relay operator: %s; mail is sent once the listing "
		      "is gone", l->fix ? l->fix : "request delisting");
	pf_result_fact(r, "listed", "%s", l->zone);
	pf_result_fact(r, "ip", "%s", l->ip);
	pf_result_fact(r, "codes", "%s", l->codes);
	pf_watch_listing_free(&l);
}

static pf_mode *
dnsbl_mode(pf_config *cfg)
{
	return &cfg->dnsbl.mode;
}

static int
dnsbl_configure(pf_config *cfg, GString *err)
{
	const char *a = cfg->dnsbl.listed_action ? cfg->dnsbl.listed_action :
	    "monitor";

	cfg->dnsbl.mode = PF_MODE_ENFORCE;
	if (strcmp(a, "tempfail") == 0) {
		cfg->dnsbl.action = PF_ACTION_TEMPFAIL;
	} else if (strcmp(a, "annotate") == 0) {
		cfg->dnsbl.action = PF_ACTION_ANNOTATE;
	} else if (strcmp(a, "monitor") == 0) {
		cfg->dnsbl.action = PF_ACTION_TEMPFAIL;	/* what it would do */
		cfg->dnsbl.mode = PF_MODE_MONITOR;
	} else {
		g_string_append_printf(err, "%s: [dnsbl] listed_action: "
		    "tempfail, annotate or monitor, not \"%s\"\n",
		    cfg->path ? cfg->path : "(config)", a);
		return -1;
	}
	if (cfg->dnsbl.interval == 0 || cfg->dnsbl.ip_lists == NULL ||
	    cfg->spf.egress_ips == NULL)
		cfg->dnsbl.mode = PF_MODE_OFF;
	return 0;
}

const pf_check pf_check_dnsbl = {
	.id = PF_CHECK_DNSBL,
	.name = "dnsbl",
	.stages = PF_STAGE_MAIL,
	.mode = dnsbl_mode,
	.run = dnsbl_run,
	.configure = dnsbl_configure,
};
