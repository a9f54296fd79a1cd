/*
 * NAME
 *	tools - subcommands of preflight(1)
 * SYNOPSIS
 *	int pf_cmd_scan(int argc, char **argv);
 *	int pf_cmd_config(int argc, char **argv);
 *	int pf_cmd_dkim(int argc, char **argv);
 *	int pf_cmd_dkim_rotate(int argc, char **argv);
 *	int pf_cmd_spf(int argc, char **argv);
 *	int pf_cmd_dmarc(int argc, char **argv);
 *	int pf_cmd_check_domain(int argc, char **argv);
 *	int pf_cmd_rate(int argc, char **argv);
 * DESCRIPTION
 *	Each returns the process exit status: 0 when the command completed
 *	(whatever the verdict), 1 on configuration or I/O errors, 2 on usage
 *	errors.  check-domain has its own: 0 all pass, 1 warnings, 2
 *	failures, 64 usage, 78 configuration errors (checkdomain.c).
 */
#ifndef PF_TOOLS_H
#define PF_TOOLS_H

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define PF_DEFAULT_CONFIG SYSCONFDIR "/preflight.conf"

#include "auth/spf.h"
#include "core/config.h"

int pf_cmd_scan(int argc, char **argv);
int pf_cmd_config(int argc, char **argv);
int pf_cmd_from_opendkim(const char *path);	/* fromopendkim.c */
int pf_cmd_dns_lookup(int argc, char **argv);
int pf_cmd_spf_eval(int argc, char **argv);
int pf_cmd_dkim(int argc, char **argv);
int pf_cmd_dkim_rotate(int argc, char **argv);
int pf_cmd_spf(int argc, char **argv);

/* dnscmd.c: load the configuration at path and its SPF handle; on
 * failure print why, leave both NULL and return -1 */
int pf_tool_spf_open(const char *path, pf_config **cfg, pf_spf **spf);
int pf_cmd_dmarc(int argc, char **argv);
int pf_cmd_check_domain(int argc, char **argv);
int pf_cmd_rate(int argc, char **argv);

#endif
