/*
 * fuzz_config - libFuzzer target: preflight.conf parsing (the key table,
 * value parsers, error messages).  Tables named by the input are not
 * followed (paths are unlikely to exist, and that is the file system,
 * not the parser).
 */
#include <stdio.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	FILE *fp = fmemopen((void *)data, size, "r");
	GString *err = g_string_new(NULL);
	pf_config *cfg;

	if (fp == NULL || size == 0) {
		if (fp)
			fclose(fp);
		g_string_free(err, TRUE);
		return 0;
	}
	cfg = pf_config_load_fp(fp, "fuzz.conf", err);
	fclose(fp);
	if (cfg) {
		FILE *out = fopen("/dev/null", "w");

		pf_config_dump(cfg, out, true);
		fclose(out);
	}
	pf_config_unref(&cfg);
	g_string_free(err, TRUE);
	return 0;
}
