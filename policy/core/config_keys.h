/*
 * NAME
 *	config_keys - the key table behind preflight.conf, for config*.c only
 * SYNOPSIS
 *	extern const conf_key pf_conf_keys[];
 *	extern const size_t pf_conf_nkeys;
 *	void *pf_conf_field(pf_config *cfg, const conf_key *k);
 *	int pf_conf_set(pf_config *cfg, const conf_key *k, const char *value,
 *			GString *why);
 * DESCRIPTION
 *	Every key preflight.conf knows, with its section, type, field in
 *	pf_config, default (as written in the file), bounds and
 *	documentation, lives in one table (config_keys.c): the parser
 *	(config.c), the value checks (config_value.c) and the dump that makes
 *	the sample file and -n output (config_dump.c) all follow it.
 *
 *	pf_conf_field() is the address of k's field in cfg.  pf_conf_set()
 *	checks value against k's type and bounds and stores it: 0, or -1
 *	with the reason appended to why (the caller adds file:line).
 */
#ifndef PF_CONFIG_KEYS_H
#define PF_CONFIG_KEYS_H

#include <stddef.h>

#include "core/config.h"


typedef enum {
	CT_STR,		/* char *, "" stored as NULL */
	CT_BOOL,	/* bool: yes/no/true/false/on/off/1/0 */
	CT_UINT,	/* unsigned long within [min, max] */
	CT_OCTAL,	/* unsigned long written in octal */
	CT_SIZE,	/* unsigned long long with optional K/M/G suffix */
	CT_MODE,	/* pf_mode */
	CT_ACTION,	/* pf_action */
	CT_REPAIR,	/* pf_repair_action: reencode or an action */
	CT_LISTEN,	/* char *: ADDRESS:PORT or [IPV6]:PORT, "" as NULL */
} conf_type;

/* Types whose field is a char * (freed with the configuration). */
#define CT_IS_STRING(t) ((t) == CT_STR || (t) == CT_LISTEN)

typedef struct conf_key {
	const char *section;
	const char *name;
	conf_type type;
	size_t offset;
	const char *def;		/* default, as written in the file */
	unsigned long long min, max;	/* CT_UINT, CT_SIZE */
	const char *doc;
} conf_key;

extern const conf_key pf_conf_keys[];
extern const size_t pf_conf_nkeys;

void *pf_conf_field(pf_config *cfg, const conf_key *k);
int pf_conf_set(pf_config *cfg, const conf_key *k, const char *value,
		GString *why);

#endif
