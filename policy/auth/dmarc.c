/*
 * NAME
 *	dmarc - DMARC records, organisational domains and alignment
 *	(see dmarc.h)
 */
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "auth/dmarc.h"
#include "auth/from_parse.h"

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

static void
parse_tag(pf_dmarc_record *rec, const char *name, const char *value,
	  bool *have_p, bool *have_rua, GString *why)
{
	char *end;
	long n;

	if (g_ascii_strcasecmp(name, "p") == 0) {
		if (parse_p(value, &rec->p) == 0)
			*have_p = true;
		else
			g_string_append_printf(why, "invalid p=%s", value);
	} else if (g_ascii_strcasecmp(name, "sp") == 0) {
		rec->has_sp = parse_p(value, &rec->sp) == 0;
	} else if (g_ascii_strcasecmp(name, "np") == 0) {
		rec->has_np = parse_p(value, &rec->np) == 0;
	} else if (g_ascii_strcasecmp(name, "adkim") == 0) {
		rec->adkim_strict = g_ascii_strcasecmp(value, "s") == 0;
	} else if (g_ascii_strcasecmp(name, "aspf") == 0) {
		rec->aspf_strict = g_ascii_strcasecmp(value, "s") == 0;
	} else if (g_ascii_strcasecmp(name, "t") == 0) {
		rec->testing = g_ascii_strcasecmp(value, "y") == 0;
	} else if (g_ascii_strcasecmp(name, "psd") == 0) {
		if (g_ascii_strcasecmp(value, "y") == 0)
			rec->psd = PF_DMARC_PSD_Y;
		else if (g_ascii_strcasecmp(value, "n") == 0)
			rec->psd = PF_DMARC_PSD_N;
	} else if (g_ascii_strcasecmp(name, "rua") == 0) {
		*have_rua = *value != '\0';
	} else if (g_ascii_strcasecmp(name, "pct") == 0) {
		n = strtol(value, &end, 10);
		if (*value && *end == '\0' && n >= 0 && n <= 100)
			rec->pct = (unsigned)n;
	}
	/* anything else: unknown tags are ignored (RFC 9989 4.7) */
}

int
pf_dmarc_parse(const char *txt, pf_dmarc_record *rec, GString *why)
{
	gchar **tags = g_strsplit(txt, ";", -1);
	bool have_p = false, have_rua = false;
	GString *p_why = g_string_new(NULL);
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
		} else {
			parse_tag(rec, name, value, &have_p, &have_rua, p_why);
		}
	}
	g_strfreev(tags);
	if (rc == 0 && !have_p) {
		/* no valid p: p=none when there is a rua (RFC 7489 6.6.3
		 * step 6; RFC 9989 4.10.1), else not a policy record */
		if (have_rua) {
			rec->p = PF_DMARC_P_NONE;
		} else {
			g_string_append(why, p_why->len ? p_why->str :
					"no p= tag");
			rc = -1;
		}
	}
	g_string_free(p_why, TRUE);
	if (rc == 0 && !rec->has_sp)
		rec->sp = rec->p;
	if (rc == 0 && !rec->has_np)
		rec->np = rec->sp;
	return rc;
}

/* Plain DNS name syntax, so that comments and quotes never align. */
bool
pf_dmarc_domain_syntax_ok(const char *d)
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

	if (!pf_dmarc_domain_syntax_ok(domain))
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

	if (!pf_dmarc_domain_syntax_ok(from_domain) ||
	    !pf_dmarc_domain_syntax_ok(auth_domain))
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

char *
pf_dmarc_printable(const char *s)
{
	GString *o = g_string_new(NULL);

	for (; s && *s && o->len < 300; s++)
		g_string_append_c(o, (*s >= 0x20 && *s < 0x7f) ? *s : '?');
	return g_string_free(o, FALSE);
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

static char *
read_from_address(const pf_message *msg)
{
	const pf_header *h = NULL;
	pf_mailbox mb;
	char *address = NULL;

	if (pf_message_header_count(msg, "From") != 1)
		return NULL;
	for (guint i = 0; i < msg->headers->len && h == NULL; i++) {
		const pf_header *f = &g_array_index(msg->headers, pf_header, i);

		if (g_ascii_strcasecmp(f->name, "From") == 0)
			h = f;
	}
	if (h == NULL)
		return NULL;
	/* the From check's own reading: what receivers read, or nothing */
	pf_mailbox_parse(h->value, h->value_len, msg->smtputf8 ?
			 PF_ADDR_SMTPUTF8 : 0, &mb);
	if (mb.status == PF_ADDR_ONE && mb.addr && mb.domain_ascii &&
	    pf_dmarc_domain_syntax_ok(mb.domain_ascii))
		address = g_ascii_strdown(mb.addr, -1);
	pf_mailbox_clear(&mb);
	return address;
}

char *
pf_from_address(pf_message *msg)
{
	/* a new message's NULL at 0 fields is the reading of no fields */
	if (msg->from_address_at != msg->headers->len) {
		g_free(msg->from_address);
		msg->from_address = read_from_address(msg);
		msg->from_address_at = msg->headers->len;
	}
	return g_strdup(msg->from_address);
}

char *
pf_from_domain(pf_message *msg)
{
	char *address = pf_from_address(msg), *domain = NULL;

	if (address)
		domain = g_strdup(strrchr(address, '@') + 1);
	g_free(address);
	return domain;
}
