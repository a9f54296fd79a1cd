/*
 * NAME
 *	spf_eval - check_host() of RFC 7208, preflight's own, over the
 *	shared resolver (see spf.h)
 * DESCRIPTION
 *	Why not libspf2: it decided real mail wrongly (issue 12): fixed
 *	buffers turned a long record into neutral, the 10-lookup limit was
 *	not carried out of include:, domain-specs, /0 prefixes and repeated
 *	modifiers were not checked; 64 of the 203 cases of the RFC 7208
 *	suite disagreed.  This evaluator follows the RFC's text, counts
 *	every limit over the whole evaluation (nested include: and
 *	redirect= included) and records, when asked, a trace of every
 *	record, term and lookup for "preflight spf".  libspf2 stays as a
 *	cross-check (spf_libspf2.c, "preflight spf-eval --libspf2").
 *
 *	Limits (4.6.4): more than 10 include, a, mx, ptr, exists and
 *	redirect= is a permerror; so is an mx with more than 10 MX records,
 *	and more than 2 void lookups (a query with no answer or NXDOMAIN,
 *	counted as pyspf does: every query of the evaluation but the exp=
 *	text's).  ptr and %{p} look at no more than 10 PTR names.  A lookup
 *	that fails (SERVFAIL, timeout, the deadline passed) is a temperror,
 *	except within ptr, where that name is skipped (5.5).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <string.h>

#include "auth/spf.h"
#include "auth/spf_record.h"
#include "core/log.h"

#define SPF_LOOKUP_LIMIT 10
#define SPF_VOID_LIMIT 2
#define SPF_MX_LIMIT 10
#define SPF_PTR_LIMIT 10

typedef struct spf_ctx {
	pf_resolver *resolver;
	gint64 deadline;
	bool v6;
	unsigned char ip[16];		/* 4 bytes for IPv4 */
	char ip_text[INET6_ADDRSTRLEN];
	char *ip_macro;			/* %{i} */
	char *sender, *local, *sender_domain;
	const char *helo;
	unsigned lookups, voids;
	bool failed;			/* permerror or temperror decided */
	pf_spf_result error_result;
	pf_spf_problem problem;
	GString *error;
	GString *chain;			/* "include:a > include:b" */
	GPtrArray *trace;		/* char *, or NULL */
	int depth;
	unsigned include_depth;
	char *exp_text;			/* of the record that failed */
} spf_ctx;

static void PF_PRINTF(2, 3)
trace(spf_ctx *c, const char *fmt, ...)
{
	va_list ap;
	GString *line;

	if (c->trace == NULL)
		return;
	line = g_string_new(NULL);
	for (int i = 0; i < c->depth; i++)
		g_string_append(line, "  ");
	va_start(ap, fmt);
	g_string_append_vprintf(line, fmt, ap);
	va_end(ap);
	g_ptr_array_add(c->trace, g_string_free(line, FALSE));
}

static pf_spf_result
fail_with(spf_ctx *c, pf_spf_result res, pf_spf_problem problem,
	  const char *fmt, ...) PF_PRINTF(4, 5);

static pf_spf_result
fail_with(spf_ctx *c, pf_spf_result res, pf_spf_problem problem,
	  const char *fmt, ...)
{
	va_list ap;

	if (!c->failed) {
		c->failed = true;
		c->error_result = res;
		c->problem = problem;
		va_start(ap, fmt);
		g_string_vprintf(c->error, fmt, ap);
		va_end(ap);
		trace(c, "=> %s: %s", pf_spf_result_name(res), c->error->str);
	}
	return c->error_result;
}

/* A name with an RR type; counts voids.  PF_DNS_OK with *res set. */
static pf_dns_status
query(spf_ctx *c, const char *name, int type, bool count_void,
      struct ub_result **res)
{
	GString *why;
	pf_dns_status st;

	*res = NULL;
	if (!spf_domain_valid(name, false))
		return PF_DNS_NXDOMAIN;	/* cannot be asked: no void (pyspf) */
	if (c->deadline && g_get_monotonic_time() >= c->deadline) {
		fail_with(c, PF_SPF_TEMPERROR, PF_SPF_DNS, "SPF evaluation "
			  "ran out of time before looking up %s", name);
		return PF_DNS_TEMPFAIL;
	}
	why = g_string_new(NULL);
	st = pf_dns_query(c->resolver, name, type, 1, res, why);
	if (st == PF_DNS_OK && (*res)->data[0] == NULL)
		st = PF_DNS_NODATA;
	if (st != PF_DNS_OK) {
		ub_resolve_free(*res);
		*res = NULL;
	}
	if (st == PF_DNS_TEMPFAIL)
		fail_with(c, PF_SPF_TEMPERROR, PF_SPF_DNS, "%s", why->str);
	else if (st != PF_DNS_OK && count_void && ++c->voids > SPF_VOID_LIMIT)
		fail_with(c, PF_SPF_PERMERROR, PF_SPF_VOID_LOOKUPS, "more than "
			  "%d void DNS lookups (RFC 7208 4.6.4): the third was "
			  "%s", SPF_VOID_LIMIT, name);
	g_string_free(why, TRUE);
	return st;
}

static gint
cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The exchanges of an MX answer in a fixed order, by preference then name
 * (as pyspf does): the order servers return them in varies.  Each is
 * "PPPPP name" (the preference in 5 digits); null MX (RFC 7505) left out.
 */
static GPtrArray *
mx_hosts(const struct ub_result *res)
{
	GPtrArray *hosts = g_ptr_array_new_with_free_func(g_free);

	for (int i = 0; res->data[i]; i++) {
		const unsigned char *d = (const unsigned char *)res->data[i];
		char *name;

		if (res->len[i] < 3)
			continue;
		name = pf_dns_wire_name(d + 2, res->len[i] - 2);
		if (*name) {
			char *lower = g_ascii_strdown(name, -1);

			g_ptr_array_add(hosts, g_strdup_printf("%05u%s",
			    (unsigned)(d[0] << 8 | d[1]), lower));
			g_free(lower);
		}
		g_free(name);
	}
	g_ptr_array_sort(hosts, cmp_str);
	return hosts;
}

static bool
prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)bytes) != 0)
		return false;
	return rest == 0 ||
	    ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* Does any A/AAAA record of name match the client within its prefix? */
static int
addr_match(spf_ctx *c, const char *name, int cidr, bool count_void)
{
	struct ub_result *res;
	int match = 0;
	size_t want = c->v6 ? 16 : 4;

	if (query(c, name, c->v6 ? 28 : 1, count_void, &res) == PF_DNS_TEMPFAIL)
		return -1;
	if (c->failed)
		return -1;
	for (int i = 0; res && res->data[i]; i++)
		if ((size_t)res->len[i] == want &&
		    prefix_match((const unsigned char *)res->data[i], c->ip,
				 cidr)) {
			match = 1;
			break;
		}
	ub_resolve_free(res);
	return match;
}

/* 5.5: the PTR names of the client whose addresses include it. */
static GPtrArray *
validated_names(spf_ctx *c)
{
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *ptrs = g_ptr_array_new_with_free_func(g_free);
	GString *rev = g_string_new(NULL);
	struct ub_result *res;
	int n = c->v6 ? 16 : 4;

	for (int i = n - 1; i >= 0; i--) {
		if (c->v6)
			g_string_append_printf(rev, "%x.%x.", c->ip[i] & 0xf,
					       c->ip[i] >> 4);
		else
			g_string_append_printf(rev, "%u.", c->ip[i]);
	}
	g_string_append(rev, c->v6 ? "ip6.arpa" : "in-addr.arpa");
	if (query(c, rev->str, 12, true, &res) == PF_DNS_TEMPFAIL) {
		c->failed = false;	/* 5.5: an error is no match */
		g_string_truncate(c->error, 0);
	}
	/* in name order, so that which 10 are looked at does not vary */
	for (int i = 0; res && res->data[i]; i++)
		g_ptr_array_add(ptrs, pf_dns_wire_name((const unsigned char *)
						res->data[i], res->len[i]));
	g_ptr_array_sort(ptrs, cmp_str);
	for (guint i = 0; i < ptrs->len && i < SPF_PTR_LIMIT && !c->failed;
	     i++) {
		int m = addr_match(c, ptrs->pdata[i], c->v6 ? 128 : 32, true);

		if (m < 0 && c->error_result == PF_SPF_TEMPERROR) {
			c->failed = false;	/* that name is skipped */
			g_string_truncate(c->error, 0);
		}
		if (m > 0)
			g_ptr_array_add(names, g_strdup(ptrs->pdata[i]));
	}
	g_ptr_array_unref(ptrs);
	ub_resolve_free(res);
	g_string_free(rev, TRUE);
	return names;
}

static bool
name_within(const char *name, const char *domain)
{
	size_t nl = strlen(name), dl = strlen(domain);

	if (nl && name[nl - 1] == '.')
		nl--;
	if (dl && domain[dl - 1] == '.')
		dl--;
	if (nl == dl)
		return g_ascii_strncasecmp(name, domain, nl) == 0;
	return nl > dl && name[nl - dl - 1] == '.' &&
	    g_ascii_strncasecmp(name + nl - dl, domain, dl) == 0;
}

/* %{p} (7.3): the domain itself if validated, else a name below it,
 * else any validated name; NULL: "unknown". */
static char *
macro_p(void *arg, const char *domain)
{
	spf_ctx *c = arg;
	GPtrArray *names = validated_names(c);
	char *pick = NULL;

	for (guint i = 0; i < names->len && !pick; i++)
		if (g_ascii_strcasecmp(names->pdata[i], domain) == 0)
			pick = g_strdup(names->pdata[i]);
	for (guint i = 0; i < names->len && !pick; i++)
		if (name_within(names->pdata[i], domain))
			pick = g_strdup(names->pdata[i]);
	if (!pick && names->len)
		pick = g_strdup(names->pdata[0]);
	g_ptr_array_unref(names);
	return pick;
}

static spf_macro_env
env_for(spf_ctx *c, const char *domain)
{
	spf_macro_env env = {
		.sender = c->sender, .local = c->local,
		.sender_domain = c->sender_domain, .domain = domain,
		.ip_macro = c->ip_macro, .ip_text = c->ip_text, .v6 = c->v6,
		.helo = c->helo, .validated_name = macro_p, .arg = c,
	};

	return env;
}

/* Expand a domain-spec (the current domain when spec is NULL). */
static char *
target(spf_ctx *c, const char *spec, const char *domain)
{
	spf_macro_env env = env_for(c, domain);
	GString *why;
	char *t;

	if (spec == NULL)
		return g_strdup(domain);
	why = g_string_new(NULL);
	t = spf_expand(spec, &env, true, why);
	if (t == NULL)
		fail_with(c, PF_SPF_PERMERROR, PF_SPF_SYNTAX, "%s", why->str);
	g_string_free(why, TRUE);
	return t;
}

static bool
count_lookup(spf_ctx *c, const char *term, const char *domain)
{
	if (++c->lookups <= SPF_LOOKUP_LIMIT)
		return true;
	fail_with(c, PF_SPF_PERMERROR, PF_SPF_TOO_MANY_LOOKUPS, "more than "
		  "%d DNS-querying terms (RFC 7208 4.6.4): the %uth is %s in "
		  "the record of %s%s%s", SPF_LOOKUP_LIMIT, c->lookups, term,
		  domain, c->chain->len ? ", reached by " : "", c->chain->str);
	return false;
}

static pf_spf_result check_host(spf_ctx *c, const char *domain,
				pf_spf_outcome *top);

/* One mechanism: 1 match, 0 no match, -1 the evaluation ended. */
static int
mechanism(spf_ctx *c, const spf_term *t, const char *domain)
{
	char *name = NULL;
	int m = 0;

	switch (t->mech) {
	case SPF_M_ALL:
		return 1;
	case SPF_M_IP4:
		return !c->v6 && prefix_match(t->net, c->ip, t->cidr4);
	case SPF_M_IP6:
		return c->v6 && prefix_match(t->net, c->ip, t->cidr6);
	default:
		break;
	}
	if (!count_lookup(c, t->text, domain))
		return -1;
	if ((name = target(c, t->spec, domain)) == NULL)
		return -1;
	switch (t->mech) {
	case SPF_M_INCLUDE: {
		gsize len = c->chain->len;
		pf_spf_result r;

		g_string_append_printf(c->chain, "%s%s", len ? " > " : "",
				       t->text);
		c->include_depth++;
		r = check_host(c, name, NULL);
		c->include_depth--;
		g_string_truncate(c->chain, len);
		if (c->failed)
			m = -1;
		else if (r == PF_SPF_NONE) {
			fail_with(c, PF_SPF_PERMERROR, PF_SPF_SYNTAX, "%s: %s "
				  "has no SPF record (RFC 7208 5.2)", t->text,
				  name);
			m = -1;
		} else {
			m = r == PF_SPF_PASS;
		}
		break;
	}
	case SPF_M_A:
		m = addr_match(c, name, c->v6 ? t->cidr6 : t->cidr4, true);
		break;
	case SPF_M_MX: {
		struct ub_result *res;
		int n = 0;

		if (query(c, name, 15, true, &res) == PF_DNS_TEMPFAIL ||
		    c->failed) {
			m = -1;
			break;
		}
		for (int i = 0; res && res->data[i]; i++)
			n++;
		if (n > SPF_MX_LIMIT) {
			fail_with(c, PF_SPF_PERMERROR, PF_SPF_TOO_MANY_LOOKUPS,
				  "%s: %s has %d MX records, more than %d "
				  "(RFC 7208 4.6.4)", t->text, name, n,
				  SPF_MX_LIMIT);
			m = -1;
		}
		if (m == 0 && res) {
			GPtrArray *hosts = mx_hosts(res);

			/* every exchange is looked up, also after a match (as
			 * pyspf does): the void count does not depend on the
			 * order of the MX answer */
			for (guint i = 0; m >= 0 && i < hosts->len; i++) {
				int h = addr_match(c, (const char *)hosts->pdata[i]
						   + 5, c->v6 ? t->cidr6 : t->cidr4,
						   true);

				m = h < 0 ? -1 : (m || h);
			}
			g_ptr_array_unref(hosts);
		}
		ub_resolve_free(res);
		break;
	}
	case SPF_M_PTR: {
		GPtrArray *names = validated_names(c);

		m = c->failed ? -1 : 0;
		for (guint i = 0; m == 0 && i < names->len; i++)
			m = name_within(names->pdata[i], name);
		g_ptr_array_unref(names);
		break;
	}
	case SPF_M_EXISTS: {
		struct ub_result *res;

		/* always A, whatever the client's family (5.7) */
		if (query(c, name, 1, true, &res) == PF_DNS_TEMPFAIL ||
		    c->failed)
			m = -1;
		else
			m = res != NULL;
		ub_resolve_free(res);
		break;
	}
	default:
		break;
	}
	if (m >= 0 && t->mech != SPF_M_INCLUDE)
		trace(c, "%s -> %s: %s", t->text, name, m ? "match" :
		      "no match");
	g_free(name);
	return m;
}

/* 6.2: the explanation, best effort; never counted, never an error. */
static void
explain(spf_ctx *c, const char *spec, const char *domain)
{
	spf_macro_env env = env_for(c, domain);
	GString *why = g_string_new(NULL);
	GPtrArray *txt = NULL;
	char *name = spf_expand(spec, &env, true, why), *text;

	if (name && spf_domain_valid(name, false) &&
	    pf_dns_txt(c->resolver, name, &txt, why) == PF_DNS_OK &&
	    txt->len == 1 && spf_macro_check(txt->pdata[0], true, why) == 0 &&
	    (text = spf_expand(txt->pdata[0], &env, false, why)) != NULL) {
		g_free(c->exp_text);
		c->exp_text = pf_spf_printable(text);
		g_free(text);
	}
	if (txt)
		g_ptr_array_unref(txt);
	g_free(name);
	g_string_free(why, TRUE);
}

static pf_spf_result
qualifier_result(char q)
{
	switch (q) {
	case '-': return PF_SPF_FAIL;
	case '~': return PF_SPF_SOFTFAIL;
	case '?': return PF_SPF_NEUTRAL;
	default: return PF_SPF_PASS;
	}
}

/*
 * TXT records of name, each one's strings joined; a NUL byte inside is
 * kept as the control byte 0x01, so that the record is refused for it
 * rather than read up to it (pf_dns_txt() would cut it there).
 */
static pf_dns_status
txt_records(spf_ctx *c, const char *name, GPtrArray **out, GString *why)
{
	struct ub_result *res = NULL;
	pf_dns_status st = pf_dns_query(c->resolver, name, 16, 1, &res, why);

	*out = NULL;
	if (st == PF_DNS_OK && res->data[0] == NULL)
		st = PF_DNS_NODATA;
	if (st == PF_DNS_OK) {
		*out = g_ptr_array_new_with_free_func(g_free);
		for (int i = 0; res->data[i]; i++) {
			const unsigned char *d = (const unsigned char *)res->data[i];
			GString *t = g_string_new(NULL);

			for (int pos = 0; pos < res->len[i];) {
				int n = d[pos++];

				for (int k = 0; k < n && pos < res->len[i]; k++, pos++)
					g_string_append_c(t, d[pos] ? (char)d[pos] :
							  '\x01');
			}
			g_ptr_array_add(*out, g_string_free(t, FALSE));
		}
	}
	ub_resolve_free(res);
	return st;
}

/*
 * check_host() (4): fetch and select the record, parse it whole, run
 * its mechanisms, then redirect=.  top (the outermost call only) gets
 * the record and the deciding term.
 */
static pf_spf_result
check_host(spf_ctx *c, const char *domain, pf_spf_outcome *top)
{
	GString *why;
	GPtrArray *txt = NULL;
	const char *text = NULL;
	spf_record *rec;
	pf_dns_status st;
	unsigned n = 0;
	pf_spf_result res = PF_SPF_NEUTRAL;
	bool matched = false;

	if (!spf_domain_valid(domain, true)) {
		trace(c, "%s: not a domain name: none", domain);
		return PF_SPF_NONE;			/* 4.3 */
	}
	if (c->deadline && g_get_monotonic_time() >= c->deadline)
		return fail_with(c, PF_SPF_TEMPERROR, PF_SPF_DNS, "SPF "
				 "evaluation ran out of time before looking up "
				 "%s", domain);
	why = g_string_new(NULL);
	st = txt_records(c, domain, &txt, why);
	if (st == PF_DNS_TEMPFAIL) {
		fail_with(c, PF_SPF_TEMPERROR, PF_SPF_DNS, "%s", why->str);
		g_string_free(why, TRUE);
		return PF_SPF_TEMPERROR;
	}
	if (st != PF_DNS_OK && ++c->voids > SPF_VOID_LIMIT)
		fail_with(c, PF_SPF_PERMERROR, PF_SPF_VOID_LOOKUPS, "more than "
			  "%d void DNS lookups (RFC 7208 4.6.4): the third was "
			  "%s", SPF_VOID_LIMIT, domain);
	for (guint i = 0; txt && i < txt->len; i++)
		if (pf_spf_is_v1(txt->pdata[i]) && n++ == 0)
			text = txt->pdata[i];
	if (top) {
		top->n_records = n;
		top->record = text ? pf_spf_printable(text) : NULL;
	}
	if (c->failed || n != 1) {
		if (!c->failed && n > 1)
			fail_with(c, PF_SPF_PERMERROR, PF_SPF_MULTIPLE_RECORDS,
				  "%s has %u v=spf1 records; RFC 7208 4.5 allows "
				  "one", domain, n);
		else if (!c->failed)
			trace(c, "%s: no SPF record: none", domain);
		if (txt)
			g_ptr_array_unref(txt);
		g_string_free(why, TRUE);
		return c->failed ? c->error_result : PF_SPF_NONE;
	}
	trace(c, "%s: \"%s\"", domain, text);
	rec = spf_record_parse(text, why);
	if (txt)
		g_ptr_array_unref(txt);
	if (rec == NULL) {
		fail_with(c, PF_SPF_PERMERROR, PF_SPF_SYNTAX, "the SPF record "
			  "of %s: %s", domain, why->str);
		g_string_free(why, TRUE);
		return PF_SPF_PERMERROR;
	}
	g_string_free(why, TRUE);
	c->depth++;
	for (guint i = 0; i < rec->terms->len; i++) {
		const spf_term *t = rec->terms->pdata[i];
		int m = mechanism(c, t, domain);

		if (m < 0)
			break;
		if (m > 0) {
			res = qualifier_result(t->qualifier);
			matched = true;
			if (top)
				top->mechanism = g_strdup(t->text);
			break;
		}
	}
	if (!c->failed && !matched && rec->redirect) {
		char *name = NULL;

		if (count_lookup(c, "redirect=", domain) &&
		    (name = target(c, rec->redirect, domain)) != NULL) {
			trace(c, "redirect=%s", name);
			g_free(c->exp_text);	/* 6.2: the target's exp= */
			c->exp_text = NULL;
			res = check_host(c, name, NULL);
			if (!c->failed && res == PF_SPF_NONE)
				fail_with(c, PF_SPF_PERMERROR, PF_SPF_SYNTAX,
				    "redirect=%s: no SPF record there (RFC "
				    "7208 6.1)", name);
			if (top && !c->failed)
				top->mechanism = g_strdup_printf("redirect=%s",
								 name);
		}
		g_free(name);
	} else if (!c->failed && !matched && top) {
		top->mechanism = g_strdup("(no term matched: default)");
	}
	c->depth--;
	if (!c->failed && res == PF_SPF_FAIL && matched && rec->exp &&
	    c->include_depth == 0)
		explain(c, rec->exp, domain);
	if (!c->failed)
		trace(c, "%s: %s", domain, pf_spf_result_name(res));
	spf_record_free(&rec);
	return c->failed ? c->error_result : res;
}

/* The client address: IPv4-mapped IPv6 is IPv4 (RFC 7208 5). */
static bool
set_client(spf_ctx *c, const char *ip)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
						 0xff, 0xff};
	unsigned char a6[16];
	GString *m = g_string_new(NULL);

	if (inet_pton(AF_INET, ip, c->ip) == 1) {
		c->v6 = false;
	} else if (inet_pton(AF_INET6, ip, a6) == 1) {
		c->v6 = memcmp(a6, mapped, 12) != 0;
		memcpy(c->ip, c->v6 ? a6 : a6 + 12, c->v6 ? 16 : 4);
	} else {
		g_string_free(m, TRUE);
		return false;
	}
	inet_ntop(c->v6 ? AF_INET6 : AF_INET, c->ip, c->ip_text,
		  sizeof(c->ip_text));
	for (int i = 0; i < (c->v6 ? 16 : 4); i++) {
		if (c->v6)
			g_string_append_printf(m, "%s%x.%x", i ? "." : "",
					       c->ip[i] >> 4, c->ip[i] & 0xf);
		else
			g_string_append_printf(m, "%s%u", i ? "." : "",
					       c->ip[i]);
	}
	c->ip_macro = g_string_free(m, FALSE);
	return true;
}

void
pf_spf_eval_traced(pf_spf *spf, const char *ip, const char *sender,
		   const char *helo, gint64 deadline_us, pf_spf_outcome *out,
		   GPtrArray *trace_lines)
{
	spf_ctx c = {0};
	const char *at;
	pf_spf_result res;

	memset(out, 0, sizeof(*out));
	if (sender && *sender && (at = strrchr(sender, '@')) && at[1]) {
		out->domain = g_ascii_strdown(at + 1, -1);
		c.local = at > sender ? g_strndup(sender, (gsize)(at - sender)) :
		    g_strdup("postmaster");
	} else if (sender && *sender && strchr(sender, '@') == NULL) {
		out->domain = g_ascii_strdown(sender, -1);
	} else if (helo && *helo) {
		out->domain = g_ascii_strdown(helo, -1);
	} else {
		out->result = PF_SPF_NONE;
		out->error = g_strdup("no sender domain and no HELO name");
		return;
	}
	if (c.local == NULL)
		c.local = g_strdup("postmaster");
	if (!set_client(&c, ip)) {
		g_free(c.local);
		out->result = PF_SPF_PERMERROR;
		out->problem = PF_SPF_SYNTAX;
		out->error = g_strdup_printf("invalid IP address \"%s\"", ip);
		return;
	}
	c.resolver = pf_spf_resolver(spf);
	c.deadline = deadline_us;
	c.sender_domain = g_strdup(out->domain);
	c.sender = g_strdup_printf("%s@%s", c.local, c.sender_domain);
	c.helo = helo;
	c.error = g_string_new(NULL);
	c.chain = g_string_new(NULL);
	c.trace = trace_lines;
	res = check_host(&c, out->domain, out);
	out->result = c.failed ? c.error_result : res;
	out->problem = c.failed ? c.problem : PF_SPF_OK;
	out->dns_lookups = c.lookups;
	out->void_lookups = c.voids;
	if (c.failed) {
		out->error = pf_spf_printable(c.error->str);
		g_free(out->mechanism);
		out->mechanism = NULL;
	}
	out->explanation = c.exp_text;
	g_free(c.ip_macro);
	g_free(c.local);
	g_free(c.sender);
	g_free(c.sender_domain);
	g_string_free(c.error, TRUE);
	g_string_free(c.chain, TRUE);
}

void
pf_spf_eval(pf_spf *spf, const char *ip, const char *sender, const char *helo,
	    gint64 deadline_us, pf_spf_outcome *out)
{
	pf_spf_eval_traced(spf, ip, sender, helo, deadline_us, out, NULL);
}
