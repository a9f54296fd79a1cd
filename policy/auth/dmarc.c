/*
 * NAME
 *	dmarc - DMARC records, organisational domains and alignment
 *	(see dmarc.h)
 */
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "auth/dmarc.h"

const char *
pf_dmarc_p_name(pf_dmarc_p p)
{
	switch (p) {
	case PF_DMARC_P_NONE: return "none";
	case PF_DMARC_P_QUARANTINE: return "quarantine";
	case PF_DMARC_P_REJECT: return "reject";
	}
	return "unknown";
}

static int
parse_p(const char *v, pf_dmarc_p *out)
{
	if (g_ascii_strcasecmp(v, "none") == 0)
		*out = PF_DMARC_P_NONE;
	else if (g_ascii_strcasecmp(v, "quarantine") == 0)
		*out = PF_DMARC_P_QUARANTINE;
	else if (g_ascii_strcasecmp(v, "reject") == 0)
		*out = PF_DMARC_P_REJECT;
	else
		return -1;
	return 0;
}

int
pf_dmarc_parse(const char *txt, pf_dmarc_record *rec, GString *why)
{
	gchar **tags = g_strsplit(txt, ";", -1);
	bool have_p = false;
	int rc = 0;

	memset(rec, 0, sizeof(*rec));
	rec->pct = 100;
	for (guint i = 0; tags[i] && rc == 0; i++) {
		char *tag = g_strstrip(tags[i]), *eq, *name, *value;

		if (*tag == '\0')
			continue;
		if ((eq = strchr(tag, '=')) == NULL) {
			if (i == 0) {
				g_string_append(why, "does not start with "
						"v=DMARC1");
				rc = -1;
			}
			continue;
		}
		*eq = '\0';
		name = g_strstrip(tag);
		value = g_strstrip(eq + 1);
		if (i == 0) {
			if (g_ascii_strcasecmp(name, "v") != 0 ||
			    strcmp(value, "DMARC1") != 0) {
				g_string_append(why, "does not start with "
						"v=DMARC1");
				rc = -1;
			}
		} else if (g_ascii_strcasecmp(name, "p") == 0) {
			if (parse_p(value, &rec->p) < 0) {
				g_string_append_printf(why, "invalid p=%s",
						       value);
				rc = -1;
			}
			have_p = true;
		} else if (g_ascii_strcasecmp(name, "sp") == 0) {
			rec->has_sp = parse_p(value, &rec->sp) == 0;
		} else if (g_ascii_strcasecmp(name, "adkim") == 0) {
			rec->adkim_strict = g_ascii_strcasecmp(value, "s") == 0;
		} else if (g_ascii_strcasecmp(name, "aspf") == 0) {
			rec->aspf_strict = g_ascii_strcasecmp(value, "s") == 0;
		} else if (g_ascii_strcasecmp(name, "pct") == 0) {
			char *end;
			long n = strtol(value, &end, 10);

			if (*value && *end == '\0' && n >= 0 && n <= 100)
				rec->pct = (unsigned)n;
		}
	}
	g_strfreev(tags);
	if (rc == 0 && !have_p) {
		g_string_append(why, "no p= tag");
		rc = -1;
	}
	if (rc == 0 && !rec->has_sp)
		rec->sp = rec->p;
	return rc;
}

/* Plain DNS name syntax, so that comments and quotes never align. */
static bool
domain_syntax_ok(const char *d)
{
	if (d == NULL || *d == '\0' || strlen(d) > 253)
		return false;
	for (; *d; d++)
		if (!g_ascii_isalnum(*d) && *d != '-' && *d != '.' &&
		    *d != '_')
			return false;
	return true;
}

char *
pf_dmarc_org_domain(const psl_ctx_t *psl, const char *domain)
{
	char *lower, *org = NULL;
	const char *reg;

	if (!domain_syntax_ok(domain))
		return NULL;
	lower = g_ascii_strdown(domain, -1);
	if (lower[strlen(lower) - 1] == '.')
		lower[strlen(lower) - 1] = '\0';
	reg = psl_registrable_domain(psl ? psl : psl_builtin(), lower);
	if (reg)
		org = g_strdup(reg);
	g_free(lower);
	return org;
}

bool
pf_dmarc_aligned(const psl_ctx_t *psl, const char *from_domain,
		 const char *auth_domain, bool strict)
{
	char *a, *b;
	bool same;

	if (!domain_syntax_ok(from_domain) || !domain_syntax_ok(auth_domain))
		return false;
	if (g_ascii_strcasecmp(from_domain, auth_domain) == 0)
		return true;
	if (strict)
		return false;
	a = pf_dmarc_org_domain(psl, from_domain);
	b = pf_dmarc_org_domain(psl, auth_domain);
	same = a && b && strcmp(a, b) == 0;
	g_free(a);
	g_free(b);
	return same;
}

void
pf_dmarc_policy_clear(pf_dmarc_policy *p)
{
	g_free(p->domain);
	g_free(p->text);
	memset(p, 0, sizeof(*p));
}

static char *
printable(const char *s)
{
	GString *o = g_string_new(NULL);

	for (; *s && o->len < 300; s++)
		g_string_append_c(o, (*s >= 0x20 && *s < 0x7f) ? *s : '?');
	return g_string_free(o, FALSE);
}

/* One domain's _dmarc record: OK, NXDOMAIN (none usable) or TEMPFAIL. */
static pf_dns_status
lookup_one(pf_resolver *r, const char *domain, pf_dmarc_policy *out,
	   GString *why)
{
	char *name = g_strconcat("_dmarc.", domain, NULL);
	GPtrArray *txt = NULL;
	pf_dns_status st = pf_dns_txt(r, name, &txt, why);
	const char *found = NULL;
	unsigned n = 0;

	g_free(name);
	if (st == PF_DNS_TEMPFAIL)
		return st;
	for (guint i = 0; txt && i < txt->len; i++) {
		const char *t = txt->pdata[i];

		if (g_ascii_strncasecmp(t, "v=DMARC1", 8) == 0 &&
		    (t[8] == ';' || t[8] == ' ' || t[8] == '\0')) {
			found = t;
			n++;
		}
	}
	st = PF_DNS_NXDOMAIN;
	if (n == 1) {
		GString *perr = g_string_new(NULL);

		if (pf_dmarc_parse(found, &out->rec, perr) == 0) {
			out->domain = g_strdup(domain);
			out->text = printable(found);
			st = PF_DNS_OK;
		}
		g_string_free(perr, TRUE);
	}
	if (txt)
		g_ptr_array_unref(txt);
	return st;
}

pf_dns_status
pf_dmarc_lookup(pf_resolver *r, const psl_ctx_t *psl, const char *from_domain,
		pf_dmarc_policy *out, GString *why)
{
	pf_dns_status st;
	char *org;

	memset(out, 0, sizeof(*out));
	if (!domain_syntax_ok(from_domain))
		return PF_DNS_NXDOMAIN;
	st = lookup_one(r, from_domain, out, why);
	if (st == PF_DNS_OK) {
		out->effective = out->rec.p;
		return st;
	}
	if (st == PF_DNS_TEMPFAIL)
		return st;
	org = pf_dmarc_org_domain(psl, from_domain);
	if (org == NULL || g_ascii_strcasecmp(org, from_domain) == 0) {
		g_free(org);
		return PF_DNS_NXDOMAIN;
	}
	st = lookup_one(r, org, out, why);
	g_free(org);
	if (st == PF_DNS_OK) {
		out->inherited = true;
		out->effective = out->rec.sp;
	}
	return st;
}

static gpointer
gmime_init(gpointer unused)
{
	g_mime_init();
	return NULL;
}

void
pf_gmime_init_once(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, gmime_init, NULL);
}

char *
pf_from_address(const pf_message *msg)
{
	const char *value;
	InternetAddressList *list;
	InternetAddress *ia;
	const char *addr, *at;
	char *address = NULL;

	if (pf_message_header_count(msg, "From") != 1 ||
	    (value = pf_message_header_get(msg, "From", 0)) == NULL)
		return NULL;
	pf_gmime_init_once();
	if ((list = internet_address_list_parse(NULL, value)) == NULL)
		return NULL;
	if (internet_address_list_length(list) == 1 &&
	    INTERNET_ADDRESS_IS_MAILBOX(ia = internet_address_list_get_address(
	    list, 0)) &&
	    (addr = internet_address_mailbox_get_addr(
	    INTERNET_ADDRESS_MAILBOX(ia))) != NULL &&
	    (at = strrchr(addr, '@')) != NULL && domain_syntax_ok(at + 1))
		address = g_ascii_strdown(addr, -1);
	g_object_unref(list);
	return address;
}

char *
pf_from_domain(const pf_message *msg)
{
	char *address = pf_from_address(msg), *domain = NULL;

	if (address)
		domain = g_strdup(strrchr(address, '@') + 1);
	g_free(address);
	return domain;
}
