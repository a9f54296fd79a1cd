/*
 * fuzz_pipeline - libFuzzer target: one message through the whole policy
 * pipeline with every check enabled, as the milter feeds it: the first
 * input line is the envelope sender, the second a recipient, the rest
 * the message.  Exercises header splitting, every check's parsers, the
 * verdict engine, the decision line and the JSON renderer.
 */
#include <string.h>

#include "core/feed.h"
#include "core/pipeline.h"
#include "fuzz_quiet.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static pf_config *cfg;

static char *
take_line(const unsigned char **p, size_t *left)
{
	const unsigned char *nl = memchr(*p, '\n', *left);
	size_t n = nl ? (size_t)(nl - *p) : *left;
	char *s = g_strndup((const char *)*p, n);

	*p += nl ? n + 1 : n;
	*left -= nl ? n + 1 : n;
	return s;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	pf_conninfo ci = {.client_addr = "192.0.2.1", .helo = "fuzz.test"};
	pf_pipeline *tx;
	pf_message *msg;
	pf_verdict *v;
	char *from, *rcpt, *json;
	GString *line;

	if (cfg == NULL) {
		fuzz_quiet();
		cfg = pf_config_defaults();
		cfg->header_on_accept = true;
	}
	from = take_line(&data, &size);
	rcpt = take_line(&data, &size);
	tx = pf_pipeline_new(cfg, &ci);
	msg = tx->msg;
	if ((v = pf_pipeline_mail(tx, from, NULL)) == NULL) {
		(void)pf_pipeline_rcpt(tx, rcpt);
		v = pf_feed_raw(tx, data, size, NULL);
	}
	line = pf_verdict_line(msg, v);
	json = pf_verdict_json(msg, v);
	g_string_free(line, TRUE);
	g_free(json);
	pf_pipeline_free(&tx);
	g_free(from);
	g_free(rcpt);
	return 0;
}
