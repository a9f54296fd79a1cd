/*
 * fuzz_mime - libFuzzer target: MIME parsing and the content checks
 * (attachment sniffing and archive listing with libarchive, structure,
 * link extraction from HTML and text, text rules, bulk) on one message,
 * with the other checks off so that every execution reaches them.
 */
#include <stdio.h>
#include <string.h>

#include "core/feed.h"
#include "core/pipeline.h"
#include "fuzz_quiet.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static pf_config *cfg;

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	pf_conninfo ci = {.client_addr = "192.0.2.1"};
	pf_pipeline *tx;

	if (cfg == NULL) {
		static const char conf[] = "[size]\nmode = off\n[from]\nmode = off\n"
		    "[dkim]\nmode = off\n[spf]\nmode = off\n[dmarc]\nmode = off\n";
		FILE *fp = fmemopen((void *)conf, sizeof(conf) - 1, "r");
		GString *err = g_string_new(NULL);

		fuzz_quiet();
		cfg = pf_config_load_fp(fp, "fuzz.conf", err);
		fclose(fp);
		g_string_free(err, TRUE);
		if (cfg == NULL)
			return 0;
	}
	tx = pf_pipeline_new(cfg, &ci);
	(void)pf_pipeline_mail(tx, "a@example.com", NULL);
	(void)pf_pipeline_rcpt(tx, "b@example.org");
	(void)pf_feed_raw(tx, data, size, NULL);
	pf_pipeline_free(&tx);
	return 0;
}
