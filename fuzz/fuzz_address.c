/*
 * fuzz_address - libFuzzer target: the From header parsers (GMime's
 * address parser as preflight drives it, the organisational-domain and
 * alignment code of the DMARC check, the From check's rules).
 */
#include <string.h>

#include "core/check.h"
#include "auth/dmarc.h"
#include "core/pipeline.h"
#include "fuzz_quiet.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static pf_config *cfg;

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	pf_conninfo ci = {.client_addr = "192.0.2.1"};
	char *value = g_strndup((const char *)data, size);
	pf_pipeline *tx;
	pf_message *msg;
	char *addr, *dom;

	if (cfg == NULL) {
		fuzz_quiet();
		cfg = pf_config_defaults();
	}
	tx = pf_pipeline_new(cfg, &ci);
	msg = tx->msg;
	(void)pf_pipeline_mail(tx, "a@example.com", NULL);
	pf_pipeline_header(tx, "From", value);
	addr = pf_from_address(msg);
	dom = pf_from_domain(msg);
	(void)pf_pipeline_eoh(tx);
	(void)pf_pipeline_eom(tx);
	g_free(addr);
	g_free(dom);
	g_free(value);
	pf_pipeline_free(&tx);
	return 0;
}
