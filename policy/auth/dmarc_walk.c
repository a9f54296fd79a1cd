/*
 * NAME
 *	dmarc_walk - DMARC policy discovery and organisational domains
 *	(see dmarc_walk.h)
 * DESCRIPTION
 *	Section numbers are RFC 9989's unless RFC 7489 is named.
 */
#include <string.h>

#include "auth/dmarc_walk.h"

typedef struct org_memo {
	char *domain;
	char *org;
	pf_dmarc_model model;
} org_memo;

struct pf_dmarc_ctx {
	pf_resolver *r;
	const psl_ctx_t *psl;
	GPtrArray *queries;	/* pf_dmarc_query *, in the order asked */
	GPtrArray *orgs;	/* org_memo * */
};

static void
query_free(gpointer p)
{
	pf_dmarc_query *q = p;

	g_free(q->name);
	g_free(q->text);
	g_free(q->why);
	g_free(q);
}

static void
org_memo_free(gpointer p)
{
	org_memo *m = p;

	g_free(m->domain);
	g_free(m->org);
	g_free(m);
}

pf_dmarc_ctx *
pf_dmarc_ctx_new(pf_resolver *r, const psl_ctx_t *psl)
{
	pf_dmarc_ctx *c = g_new0(pf_dmarc_ctx, 1);

	c->r = r;
	c->psl = psl ? psl : psl_builtin();
	c->queries = g_ptr_array_new_with_free_func(query_free);
	c->orgs = g_ptr_array_new_with_free_func(org_memo_free);
	return c;
}

void
pf_dmarc_ctx_free(pf_dmarc_ctx **cp)
{
	pf_dmarc_ctx *c;

	if (cp == NULL || (c = *cp) == NULL)
		return;
	*cp = NULL;
	g_ptr_array_free(c->queries, TRUE);
	g_ptr_array_free(c->orgs, TRUE);
	g_free(c);
}

const GPtrArray *
pf_dmarc_ctx_queries(const pf_dmarc_ctx *c)
{
	return c->queries;
}

const char *
pf_dmarc_model_name(pf_dmarc_model m)
{
	return m == PF_DMARC_PSL ? "psl" : "treewalk";
}

int
pf_dmarc_model_parse(const char *text, pf_dmarc_model *m)
{
	if (text == NULL || g_ascii_strcasecmp(text, "treewalk") == 0)
		*m = PF_DMARC_TREEWALK;
	else if (g_ascii_strcasecmp(text, "psl") == 0)
		*m = PF_DMARC_PSL;
	else
		return -1;
	return 0;
}

static bool
is_dmarc1(const char *t)
{
	return g_ascii_strncasecmp(t, "v=DMARC1", 8) == 0 &&
	    (t[8] == ';' || t[8] == ' ' || t[8] == '\0');
}

/* _dmarc.NAME once per context: the records (4.10 steps 1-2, 6-7). */
const pf_dmarc_query *
pf_dmarc_ask(pf_dmarc_ctx *c, const char *name)
{
	pf_dmarc_query *q;
	GPtrArray *txt = NULL;
	GString *why, *text;
	const char *found = NULL;
	char *qname;

	for (guint i = 0; i < c->queries->len; i++) {
		q = c->queries->pdata[i];
		if (g_ascii_strcasecmp(q->name, name) == 0)
			return q;
	}
	q = g_new0(pf_dmarc_query, 1);
	q->name = g_ascii_strdown(name, -1);
	g_ptr_array_add(c->queries, q);
	why = g_string_new(NULL);
	qname = g_strconcat("_dmarc.", q->name, NULL);
	q->status = pf_dns_txt(c->r, qname, &txt, why);
	g_free(qname);
	if (q->status == PF_DNS_TEMPFAIL) {
		q->why = g_string_free(why, FALSE);
		return q;
	}
	text = g_string_new(NULL);
	for (guint i = 0; txt && i < txt->len; i++) {
		char *p;

		if (!is_dmarc1(txt->pdata[i]))
			continue;	/* 4.10 step 2: other TXT records */
		found = txt->pdata[i];
		q->nrecords++;
		p = pf_dmarc_printable(found);
		g_string_append_printf(text, "%s%s", text->len ? " | " : "", p);
		g_free(p);
	}
	if (q->nrecords == 1 && pf_dmarc_parse(found, &q->rec, why) == 0)
		q->status = PF_DNS_OK;
	else if (q->status == PF_DNS_OK)
		q->status = PF_DNS_NODATA;	/* none usable */
	if (q->nrecords > 1)
		g_string_printf(why, "%u DMARC records: none applies",
				q->nrecords);
	q->text = text->len ? g_string_free(text, FALSE) :
	    (g_string_free(text, TRUE), NULL);
	q->why = why->len ? g_string_free(why, FALSE) :
	    (g_string_free(why, TRUE), NULL);
	if (txt)
		g_ptr_array_unref(txt);
	return q;
}

static unsigned
count_labels(const char *d)
{
	unsigned n = 1;

	for (; *d; d++)
		if (*d == '.' && d[1] != '\0')
			n++;
	return n;
}

/* The suffix of d with k labels (k <= count_labels(d)). */
static const char *
suffix_labels(const char *d, unsigned k)
{
	unsigned drop = count_labels(d) - k;

	while (drop-- > 0) {
		const char *dot = strchr(d, '.');

		if (dot == NULL)
			break;
		d = dot + 1;
	}
	return d;
}

/* 4.10.2: the organisational domain from the walk's records. */
static void
walk_org_domain(pf_dmarc_walk *w, const char *start)
{
	const pf_dmarc_query *last = NULL;

	for (unsigned i = 0; i < w->n; i++) {
		const pf_dmarc_query *q = w->step[i];

		if (q->status != PF_DNS_OK)
			continue;
		last = q;
		if (q->rec.psd == PF_DMARC_PSD_N) {
			w->org_rule = PF_DMARC_ORG_PSD_N;
			w->org_record = q;
			w->org_domain = g_strdup(q->name);
			return;
		}
		if (q->rec.psd == PF_DMARC_PSD_Y && i > 0) {
			w->org_rule = PF_DMARC_ORG_PSD_Y;
			w->org_record = q;
			w->org_domain = g_ascii_strdown(suffix_labels(start,
			    count_labels(q->name) + 1), -1);
			return;
		}
	}
	if (last) {
		w->org_rule = PF_DMARC_ORG_FEWEST;
		w->org_record = last;
		w->org_domain = g_strdup(last->name);
	} else {
		/* "If this process does not determine the Organizational
		 * Domain, then the initial target domain is" (4.10.2) */
		w->org_rule = PF_DMARC_ORG_SELF;
		w->org_domain = g_ascii_strdown(start, -1);
	}
}

pf_dns_status
pf_dmarc_tree_walk(pf_dmarc_ctx *c, const char *domain, pf_dmarc_walk *w,
		   GString *why)
{
	unsigned x, k;

	memset(w, 0, sizeof(*w));
	if (!pf_dmarc_domain_syntax_ok(domain)) {
		w->org_domain = g_ascii_strdown(domain ? domain : "", -1);
		return PF_DNS_NXDOMAIN;
	}
	x = count_labels(domain);
	for (k = x; k >= 1 && w->n < PF_DMARC_WALK_MAX;) {
		const pf_dmarc_query *q = pf_dmarc_ask(c, suffix_labels(domain,
								       k));

		if (q->status == PF_DNS_TEMPFAIL) {
			if (w->n == 0) {	/* the domain's own record */
				g_string_append(why, q->why);
				w->step[w->n++] = q;
				return PF_DNS_TEMPFAIL;
			}
			w->failed = q;
			break;
		}
		w->step[w->n++] = q;
		/* step 2: a psd=n record at the start stops; step 7: psd=n
		 * or psd=y further up does */
		if (q->status == PF_DNS_OK &&
		    (q->rec.psd == PF_DMARC_PSD_N ||
		     (q->rec.psd == PF_DMARC_PSD_Y && k != x))) {
			w->psd_stop = true;
			break;
		}
		/* steps 5 and 8: from 8 labels or more, jump to 7; then one
		 * label at a time */
		k = (k == x && x >= 8) ? 7 : k - 1;
	}
	walk_org_domain(w, domain);
	return PF_DNS_OK;
}

void
pf_dmarc_walk_clear(pf_dmarc_walk *w)
{
	g_free(w->org_domain);
	memset(w, 0, sizeof(*w));
}

static const char *
memo_get(pf_dmarc_ctx *c, pf_dmarc_model m, const char *domain)
{
	for (guint i = 0; i < c->orgs->len; i++) {
		const org_memo *o = c->orgs->pdata[i];

		if (o->model == m && g_ascii_strcasecmp(o->domain, domain) == 0)
			return o->org;
	}
	return NULL;
}

static const char *
memo_put(pf_dmarc_ctx *c, pf_dmarc_model m, const char *domain, char *org)
{
	org_memo *o = g_new0(org_memo, 1);

	o->domain = g_ascii_strdown(domain, -1);
	o->org = org;
	o->model = m;
	g_ptr_array_add(c->orgs, o);
	return org;
}

const char *
pf_dmarc_org_known(pf_dmarc_ctx *c, pf_dmarc_model m, const char *domain)
{
	return memo_get(c, m, domain);
}

pf_dns_status
pf_dmarc_org_domain_of(pf_dmarc_ctx *c, pf_dmarc_model m, const char *domain,
		       const char **org, GString *why)
{
	pf_dmarc_walk w;
	pf_dns_status st;
	char *o;

	if ((*org = memo_get(c, m, domain)) != NULL)
		return PF_DNS_OK;
	if (m == PF_DMARC_PSL) {
		if ((o = pf_dmarc_org_domain(c->psl, domain)) == NULL)
			o = g_ascii_strdown(domain, -1);
		*org = memo_put(c, m, domain, o);
		return PF_DNS_OK;
	}
	st = pf_dmarc_tree_walk(c, domain, &w, why);
	if (st == PF_DNS_TEMPFAIL) {
		pf_dmarc_walk_clear(&w);
		return st;
	}
	*org = memo_put(c, m, domain, w.org_domain);
	w.org_domain = NULL;
	pf_dmarc_walk_clear(&w);
	return PF_DNS_OK;
}

pf_dns_status
pf_dmarc_domain_exists(pf_dmarc_ctx *c, const char *domain, bool *exists,
		       GString *why)
{
	struct ub_result *res = NULL;
	pf_dns_status st;

	st = pf_dns_query(c->r, domain, 1 /* A */, 1 /* IN */, &res, why);
	ub_resolve_free(res);
	*exists = st != PF_DNS_NXDOMAIN;
	return st == PF_DNS_TEMPFAIL ? st : PF_DNS_OK;
}

void
pf_dmarc_policy_clear(pf_dmarc_policy *p)
{
	g_free(p->domain);
	g_free(p->text);
	g_free(p->org_domain);
	memset(p, 0, sizeof(*p));
}

static void
policy_from(pf_dmarc_policy *out, const pf_dmarc_query *q, bool inherited)
{
	out->rec = q->rec;
	out->domain = g_strdup(q->name);
	out->text = g_strdup(q->text);
	out->inherited = inherited;
	out->tag = inherited ? "sp" : "p";
	out->effective = inherited ? q->rec.sp : q->rec.p;
}

/* 4.10.1 */
static pf_dns_status
discover_treewalk(pf_dmarc_ctx *c, const char *from, pf_dmarc_policy *out,
		  GString *why)
{
	const pf_dmarc_query *q = pf_dmarc_ask(c, from), *use = NULL;
	const pf_dmarc_query *last = NULL;
	pf_dmarc_walk w;
	pf_dns_status st;
	bool exists;

	if (q->status == PF_DNS_TEMPFAIL) {
		g_string_append(why, q->why);
		return q->status;
	}
	if (q->status == PF_DNS_OK) {	/* the Author Domain's own record */
		policy_from(out, q, false);
		return PF_DNS_OK;
	}
	if ((st = pf_dmarc_tree_walk(c, from, &w, why)) == PF_DNS_TEMPFAIL) {
		pf_dmarc_walk_clear(&w);
		return st;
	}
	out->org_domain = g_strdup(w.org_domain);
	if (memo_get(c, PF_DMARC_TREEWALK, from) == NULL)
		(void)memo_put(c, PF_DMARC_TREEWALK, from,
			       g_strdup(w.org_domain));
	/* the organisational domain's record, else the PSD's that ended
	 * the walk: the last record found */
	for (unsigned i = 0; i < w.n; i++) {
		if (w.step[i]->status != PF_DNS_OK)
			continue;
		last = w.step[i];
		if (strcmp(last->name, w.org_domain) == 0)
			use = last;
	}
	if (use == NULL)
		use = last;
	pf_dmarc_walk_clear(&w);
	if (use == NULL)
		return PF_DNS_NXDOMAIN;
	policy_from(out, use, true);
	/* np only when it would change the answer: saves the lookup */
	if (use->rec.has_np && use->rec.np != use->rec.sp) {
		if (pf_dmarc_domain_exists(c, from, &exists, why) ==
		    PF_DNS_TEMPFAIL)
			return PF_DNS_TEMPFAIL;
		if (!exists) {
			out->tag = "np";
			out->effective = use->rec.np;
			out->nonexistent = true;
		}
	}
	return PF_DNS_OK;
}

/* RFC 7489 6.6.3 */
static pf_dns_status
discover_psl(pf_dmarc_ctx *c, const char *from, pf_dmarc_policy *out,
	     GString *why)
{
	const pf_dmarc_query *q = pf_dmarc_ask(c, from);
	const char *org;

	if (q->status == PF_DNS_TEMPFAIL) {
		g_string_append(why, q->why);
		return q->status;
	}
	if (q->status == PF_DNS_OK) {
		policy_from(out, q, false);
		return PF_DNS_OK;
	}
	/* steps 3-5: only an empty set sends us to the organisational
	 * domain; several records, or one unusable, end discovery */
	if (q->nrecords > 0)
		return PF_DNS_NXDOMAIN;
	(void)pf_dmarc_org_domain_of(c, PF_DMARC_PSL, from, &org, why);
	out->org_domain = g_strdup(org);
	if (g_ascii_strcasecmp(org, from) == 0)
		return PF_DNS_NXDOMAIN;
	q = pf_dmarc_ask(c, org);
	if (q->status == PF_DNS_TEMPFAIL) {
		g_string_append(why, q->why);
		return q->status;
	}
	if (q->status != PF_DNS_OK)
		return PF_DNS_NXDOMAIN;
	policy_from(out, q, true);
	return PF_DNS_OK;
}

pf_dns_status
pf_dmarc_discover(pf_dmarc_ctx *c, pf_dmarc_model m, const char *from_domain,
		  pf_dmarc_policy *out, GString *why)
{
	memset(out, 0, sizeof(*out));
	if (!pf_dmarc_domain_syntax_ok(from_domain))
		return PF_DNS_NXDOMAIN;
	return m == PF_DMARC_PSL ? discover_psl(c, from_domain, out, why) :
	    discover_treewalk(c, from_domain, out, why);
}

/* d is s, or a subdomain of s */
static bool
within(const char *d, const char *s)
{
	size_t dl = strlen(d), sl = strlen(s);

	if (dl < sl || g_ascii_strcasecmp(d + dl - sl, s) != 0)
		return false;
	return dl == sl || d[dl - sl - 1] == '.';
}

pf_dns_status
pf_dmarc_align(pf_dmarc_ctx *c, pf_dmarc_model m, const char *from_domain,
	       const char *auth_domain, bool strict, bool *aligned,
	       GString *why)
{
	const char *fo, *ao, *last;
	pf_dns_status st;

	*aligned = false;
	if (!pf_dmarc_domain_syntax_ok(from_domain) ||
	    !pf_dmarc_domain_syntax_ok(auth_domain))
		return PF_DNS_OK;
	if (g_ascii_strcasecmp(from_domain, auth_domain) == 0) {
		*aligned = true;
		return PF_DNS_OK;
	}
	if (strict)
		return PF_DNS_OK;
	if (m == PF_DMARC_PSL) {
		*aligned = pf_dmarc_aligned(c->psl, from_domain, auth_domain,
					    false);
		return PF_DNS_OK;
	}
	/* An organisational domain is the name itself or a parent
	 * (4.10.2): names without a common last label never align, and
	 * auth_domain must be within from_domain's. */
	last = strrchr(from_domain, '.');
	if (!within(auth_domain, last ? last + 1 : from_domain))
		return PF_DNS_OK;
	if ((st = pf_dmarc_org_domain_of(c, m, from_domain, &fo, why)) !=
	    PF_DNS_OK)
		return st;
	if (!within(auth_domain, fo))
		return PF_DNS_OK;
	if ((st = pf_dmarc_org_domain_of(c, m, auth_domain, &ao, why)) !=
	    PF_DNS_OK)
		return st;
	*aligned = g_ascii_strcasecmp(fo, ao) == 0;
	return PF_DNS_OK;
}

void
pf_dmarc_summary(GString *out, pf_dmarc_model m, const pf_dmarc_policy *pol,
		 const char *result)
{
	g_string_append(out, result);
	if (pol == NULL)
		return;
	g_string_append_printf(out, " %s=%s", pol->tag,
			       pf_dmarc_p_name(pol->effective));
	if (strcmp(result, "fail") != 0)
		return;
	/* how a failing message is treated: t=y (RFC 9989) and pct=0 (RFC
	 * 7489 6.6.4) both mean one level lower, another pct a sample */
	if (m == PF_DMARC_TREEWALK ? pol->rec.testing : pol->rec.pct == 0)
		g_string_append(out, " lowered");
	else if (m == PF_DMARC_PSL && pol->rec.pct < 100)
		g_string_append_printf(out, " pct=%u", pol->rec.pct);
}
