/*
 * fuzz_address - libFuzzer target: the From header readers.  preflight's
 * strict reading (from_parse.c) is compared with a second parser's,
 * GMime's: whenever both accept the input as one mailbox, they must agree
 * on the address (local part and domain, the domain compared in A-label
 * form); any disagreement is exactly the ambiguity the strict reader must
 * have refused, and aborts.  Then the look-alike rules, the DMARC From
 * helpers and the whole From check run on it.
 */
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "core/check.h"
#include "auth/dmarc.h"
#include "auth/from_look.h"
#include "auth/from_parse.h"
#include "core/pipeline.h"
#include "fuzz_quiet.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static pf_config *cfg;

/* A quoted local part as its content: the same local part, spelled so. */
static char *
unquoted(const char *s, const char *end)
{
	GString *o = g_string_new(NULL);

	if (end - s < 2 || *s != '"' || end[-1] != '"')
		return g_strndup(s, (gsize)(end - s));
	for (s++, end--; s < end; s++) {
		if (*s == '\\' && s + 1 < end)
			s++;
		g_string_append_c(o, *s);
	}
	return g_string_free(o, FALSE);
}

/* The domain as from_parse.c spells it: ASCII names as they are. */
static char *
a_label(const char *d)
{
	for (const char *p = d; *p; p++)
		if ((unsigned char)*p >= 0x80)
			return pf_domain_to_ascii(d);
	return strstr(d, "xn--") ? pf_domain_to_ascii(d) :
	    g_ascii_strdown(d, -1);
}

/* GMime's one mailbox as local@A-label, or NULL when it reads another. */
static char *
gmime_reading(const char *value)
{
	InternetAddressList *list = internet_address_list_parse(NULL, value);
	InternetAddress *ia;
	const char *addr, *at;
	char *dom, *local, *res = NULL;

	if (list == NULL)
		return NULL;
	if (internet_address_list_length(list) == 1 &&
	    INTERNET_ADDRESS_IS_MAILBOX(ia = internet_address_list_get_address(
	    list, 0)) &&
	    (addr = internet_address_mailbox_get_addr(
	    INTERNET_ADDRESS_MAILBOX(ia))) != NULL &&
	    (at = strrchr(addr, '@')) != NULL && at > addr &&
	    (dom = a_label(at + 1)) != NULL) {
		res = g_strdup_printf("%s@%s", local = unquoted(addr, at),
				      dom);
		g_free(local);
		g_free(dom);
	}
	g_object_unref(list);
	return res;
}

static void
compare_readings(const char *value, size_t len, unsigned flags)
{
	pf_mailbox mb;
	char *other, *claim, *look;

	pf_mailbox_parse(value, len, flags, &mb);
	if (mb.status == PF_ADDR_ONE && strlen(value) == len &&
	    (other = gmime_reading(value)) != NULL) {
		if (g_ascii_strcasecmp(other, mb.addr) != 0) {
			fprintf(stderr, "readings differ: preflight <%s>, "
				"GMime <%s>\n", mb.addr, other);
			abort();
		}
		g_free(other);
	}
	if (mb.status == PF_ADDR_ONE) {
		claim = pf_look_display_claim(mb.display, &mb);
		look = pf_look_domain_confusable(&mb);
		g_free(claim);
		g_free(look);
	}
	pf_mailbox_clear(&mb);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	pf_conninfo ci = {.client_addr = "192.0.2.1"};
	char *value = g_malloc(size + 1);
	pf_pipeline *tx;
	pf_message *msg;
	char *addr, *dom;

	memcpy(value, data, size);
	value[size] = '\0';
	if (cfg == NULL) {
		fuzz_quiet();
		cfg = pf_config_defaults();
		pf_gmime_init_once();
	}
	compare_readings(value, size, 0);
	compare_readings(value, size, PF_ADDR_SMTPUTF8);
	tx = pf_pipeline_new(cfg, &ci);
	msg = tx->msg;
	(void)pf_pipeline_mail(tx, "a@example.com", NULL);
	pf_pipeline_header_len(tx, "From", value, size);
	pf_pipeline_header_len(tx, "Sender", value, size);
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
