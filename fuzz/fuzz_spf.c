/*
 * fuzz_spf - libFuzzer target: the SPF record grammar and macro
 * expansion (spf_record.c) on bytes as a DNS TXT record could hold them.
 * Every accepted record's domain-specs are expanded with an IPv4 and an
 * IPv6 client; the expansion must stay within 253 bytes for a domain.
 */
#include <stdlib.h>
#include <string.h>

#include "auth/spf_record.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void
expand_all(const spf_record *rec, const spf_macro_env *env)
{
	GString *why = g_string_new(NULL);

	for (guint i = 0; i < rec->terms->len; i++) {
		const spf_term *t = rec->terms->pdata[i];
		char *out;

		if (t->spec == NULL)
			continue;
		out = spf_expand(t->spec, env, true, why);
		if (out && strlen(out) > 253 && strchr(out, '.'))
			abort();	/* 7.3: labels dropped on the left */
		g_free(out);
	}
	if (rec->redirect)
		g_free(spf_expand(rec->redirect, env, true, why));
	if (rec->exp)
		g_free(spf_expand(rec->exp, env, true, why));
	g_string_free(why, TRUE);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *txt = g_strndup((const char *)data, size);
	GString *why = g_string_new(NULL);
	spf_record *rec = spf_record_parse(txt, why);
	spf_macro_env v4 = {
		.sender = "a.b-c@example.com", .local = "a.b-c",
		.sender_domain = "example.com", .domain = "example.com",
		.ip_macro = "192.0.2.3", .ip_text = "192.0.2.3",
		.helo = "mail.example.com",
	}, v6 = v4;

	v6.v6 = true;
	v6.ip_macro = "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1";
	v6.ip_text = "2001:db8::1";
	if (rec) {
		expand_all(rec, &v4);
		expand_all(rec, &v6);
	} else if (why->len == 0) {
		abort();	/* a refusal always says why */
	}
	(void)spf_macro_check(txt, true, why);
	spf_record_free(&rec);
	g_string_free(why, TRUE);
	g_free(txt);
	return 0;
}
