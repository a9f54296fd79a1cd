/*
 * NAME
 *	preflight - command-line front end to the policy code
 * SYNOPSIS
 *	preflight scan [options] [FILE]
 *	preflight config [--sample | --defaults | --check] [-c FILE]
 *	preflight config --from-opendkim OPENDKIM.CONF
 *	preflight spf [options] DOMAIN IP
 *	preflight dmarc [-c FILE] [--json] DOMAIN
 *	preflight check-domain [-c FILE] [--json] DOMAIN...
 *	preflight rate [-c FILE] show [KEY] | reset KEY
 * DESCRIPTION
 *	Dispatches to the subcommands in tools/; see preflight(1).
 */
#include <stdio.h>
#include <string.h>

#include "core/memory.h"
#include "tools.h"

static int
usage(void)
{
	fputs("usage: preflight scan [--config FILE] [--client-ip IP] "
	      "[--helo NAME]\n"
	      "                      [--from ADDR] [--rcpt ADDR]... "
	      "[--auth-user USER]\n"
	      "                      [--json] [--emit FILE] [MESSAGE-FILE]\n"
	      "       preflight config [--sample | --defaults | --check] "
	      "[-c FILE]\n"
	      "       preflight config --from-opendkim OPENDKIM.CONF\n"
	      "       preflight dmarc [-c FILE] [--json] DOMAIN\n"
	      "       preflight check-domain [-c FILE] [--json] DOMAIN...\n"
	      "       preflight rate [-c FILE] show [KEY] | reset KEY\n"
	      "       preflight dkim keygen --type rsa|ed25519 [--bits N] "
	      "--domain D --selector S --out FILE\n"
	      "       preflight dkim record --key FILE --domain D --selector S\n"
	      "       preflight dkim check [-c FILE]\n"
	      "       preflight dkim rotate [-c FILE] --domain D | --entry NAME "
	      "[--selector S]\n"
	      "       preflight spf [-c FILE] [--helo NAME] [--sender ADDR] "
	      "[--json] DOMAIN IP\n", stderr);
	return 2;
}

int
main(int argc, char **argv)
{
	pf_memory_tune();	/* scan of large messages: see core/memory.c */
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "scan") == 0)
		return pf_cmd_scan(argc - 1, argv + 1);
	if (strcmp(argv[1], "dns-lookup") == 0)	/* hidden: tests */
		return pf_cmd_dns_lookup(argc - 1, argv + 1);
	if (strcmp(argv[1], "spf-eval") == 0)	/* hidden: RFC 7208 suite */
		return pf_cmd_spf_eval(argc - 1, argv + 1);
	if (strcmp(argv[1], "spf") == 0)
		return pf_cmd_spf(argc - 1, argv + 1);
	if (strcmp(argv[1], "dmarc") == 0)
		return pf_cmd_dmarc(argc - 1, argv + 1);
	if (strcmp(argv[1], "check-domain") == 0)
		return pf_cmd_check_domain(argc - 1, argv + 1);
	if (strcmp(argv[1], "dkim") == 0)
		return pf_cmd_dkim(argc - 1, argv + 1);
	if (strcmp(argv[1], "rate") == 0)
		return pf_cmd_rate(argc - 1, argv + 1);
	if (strcmp(argv[1], "config") == 0)
		return pf_cmd_config(argc - 1, argv + 1);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		(void)usage();
		return 0;
	}
	fprintf(stderr, "preflight: unknown command \"%s\"\n", argv[1]);
	return usage();
}
