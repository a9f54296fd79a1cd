/*
 * NAME
 *	check - the interface every check implements, and the check table
 * SYNOPSIS
 *	const pf_check *pf_check_get(pf_check_id id);
 *	void pf_checks_run(pf_message *msg, pf_stage stage);
 *	int pf_checks_configure(pf_config *cfg, GString *err);
 *	void pf_checks_unconfigure(pf_config *cfg);
 *	int pf_checks_load(const pf_config *cfg, GString *err);
 *	void pf_checks_free_state(pf_message *msg);
 * DESCRIPTION
 *	A check is one file in its wing of policy/ (auth/, content/,
 *	limits/) and one entry in the table in checks.c.  It declares the
 *	stages it needs; pf_checks_run() (called by the pipeline only) calls
 *	its run() for each of them, in table order, unless its mode is off.
 *	run() looks at the message and adds results (message.h); it never
 *	decides an action: verdict.c does.
 *
 *	configure() (optional) validates and prepares the check's part of a
 *	freshly parsed configuration (load its tables, keys); errors are
 *	appended to err as "file:line: message" and make the whole
 *	configuration fail.  unconfigure() releases what configure() made.
 *	free_state() releases what run() kept in msg->state[id].
 *
 *	load() (optional) opens now a library the check otherwise opens on
 *	first need (lazylib.h); 0, or -1 with the reason appended to err.
 *	pf_checks_load() calls it for every check that is not off and
 *	prefixes each failure with the check's section: the daemon does at
 *	start, so that a library missing from the installation stops it
 *	there; one-shot commands skip it and load only what a message needs.
 */
#ifndef PF_CHECK_H
#define PF_CHECK_H

#include "core/config.h"
#include "core/message.h"

typedef struct pf_check {
	pf_check_id id;
	const char *name;		/* config section and code prefix */
	unsigned stages;		/* PF_STAGE_* */
	pf_mode *(*mode)(pf_config *cfg);
	void (*run)(pf_message *msg, pf_stage stage);
	int (*configure)(pf_config *cfg, GString *err);
	void (*unconfigure)(pf_config *cfg);
	void (*free_state)(void *state);
	int (*load)(GString *err);
} pf_check;

const pf_check *pf_check_get(pf_check_id id);
unsigned pf_checks_stages(const pf_config *cfg);
void pf_checks_run(pf_message *msg, pf_stage stage);
int pf_checks_configure(pf_config *cfg, GString *err);
void pf_checks_unconfigure(pf_config *cfg);
int pf_checks_load(const pf_config *cfg, GString *err);
void pf_checks_free_state(pf_message *msg);

/* Each check file exports exactly one of these. */
extern const pf_check pf_check_size;
extern const pf_check pf_check_dkim;
extern const pf_check pf_check_attach;
extern const pf_check pf_check_structure;
extern const pf_check pf_check_links;
extern const pf_check pf_check_text;
extern const pf_check pf_check_bulk;
extern const pf_check pf_check_content;
extern const pf_check pf_check_from;
extern const pf_check pf_check_domain;
extern const pf_check pf_check_dnsbl;
extern const pf_check pf_check_spf;
extern const pf_check pf_check_dmarc;
extern const pf_check pf_check_rate;

#endif
