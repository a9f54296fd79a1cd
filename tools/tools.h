/*
 * NAME
 *	tools - subcommands of preflight(1)
 * SYNOPSIS
 *	int pf_cmd_scan(int argc, char **argv);
 *	int pf_cmd_config(int argc, char **argv);
 *	int pf_cmd_dkim(int argc, char **argv);
 *	int pf_cmd_spf(int argc, char **argv);
 *	int pf_cmd_dmarc(int argc, char **argv);
 * DESCRIPTION
 *	Each returns the process exit status: 0 when the command completed
 *	(whatever the verdict), 1 on configuration or I/O errors, 2 on usage
 *	errors.
 */
#ifndef PF_TOOLS_H
#define PF_TOOLS_H

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define PF_DEFAULT_CONFIG SYSCONFDIR "/preflight.conf"

int pf_cmd_scan(int argc, char **argv);
int pf_cmd_config(int argc, char **argv);
int pf_cmd_dns_lookup(int argc, char **argv);
int pf_cmd_spf_eval(int argc, char **argv);
int pf_cmd_dkim(int argc, char **argv);
int pf_cmd_spf(int argc, char **argv);
int pf_cmd_dmarc(int argc, char **argv);

#endif
