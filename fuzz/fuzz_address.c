/*
 * fuzz_address - libFuzzer target: the From header parsers (GMime's
 * address parser as preflight drives it, the organisational-domain and
 * alignment code of the DMARC check, the From check's rules).
 */
#include <string.h>

#include "check.h"
#include "dmarc.h"
#include "message.h"
#include "verdict.h"
#include "fuzz_quiet.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static pf_config *cfg;

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	pf_conninfo ci = {.client_addr = "192.0.2.1"};
	char *value = g_strndup((const char *)data, size);
	pf_message *msg;
	char *addr, *dom;

	if (cfg == NULL) {
		fuzz_quiet();
		cfg = pf_config_defaults();
	}
	msg = pf_message_new(cfg, &ci);
	(void)pf_message_mail(msg, "a@example.com", NULL);
	pf_message_header(msg, "From", value);
	addr = pf_from_address(msg);
	dom = pf_from_domain(msg);
	(void)pf_message_eoh(msg);
	(void)pf_message_eom(msg);
	g_free(addr);
	g_free(dom);
	g_free(value);
	pf_message_free(&msg);
	return 0;
}
