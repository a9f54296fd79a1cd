/*
 * NAME
 *	spf - the SPF evaluator's handle, and libspf2 over the shared
 *	resolver as a cross-check (see spf.h; the evaluator is spf_eval.c)
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spf2/spf.h>
#include <spf2/spf_dns.h>
#include <gio/gio.h>

#include "auth/spf.h"
#include "auth/spf_record.h"

#define PF_SPF_VOID_LIMIT 2
#define PF_SPF_TEXT_MAX 450

struct pf_spf {
	SPF_server_t *server;
	SPF_dns_server_t *layer;
	pf_resolver *resolver;
};

/* State of the evaluation running on this thread (only during the call). */
typedef struct spf_call {
	gint64 deadline;
	const char *top_domain;
	bool top_seen;
	unsigned voids;
	bool void_exceeded;
	bool mx_exceeded;	/* an MX answer with more than 10 hosts */
	GString *dns_error;	/* first temporary DNS failure */
} spf_call;

static __thread spf_call *current_call;

const char *
pf_spf_result_name(pf_spf_result res)
{
	switch (res) {
	case PF_SPF_NONE: return "none";
	case PF_SPF_NEUTRAL: return "neutral";
	case PF_SPF_PASS: return "pass";
	case PF_SPF_FAIL: return "fail";
	case PF_SPF_SOFTFAIL: return "softfail";
	case PF_SPF_TEMPERROR: return "temperror";
	case PF_SPF_PERMERROR: return "permerror";
	}
	return "unknown";
}

static SPF_dns_rr_t *
rr_store(SPF_dns_rr_t *rr, int idx, const void *data, size_t len)
{
	if (SPF_dns_rr_buf_realloc(rr, idx, len + 1) != SPF_E_SUCCESS)
		return NULL;
	memcpy(rr->rr[idx], data, len);
	((char *)rr->rr[idx])[len] = '\0';
	return rr;
}

/* Fill rr from a libunbound answer; false when out of memory. */
static bool
rr_fill(SPF_dns_rr_t *rr, struct ub_result *res, ns_type type)
{
	int cnt = 0;

	for (int i = 0; res->data[i] != NULL; i++) {
		const unsigned char *d = (const unsigned char *)res->data[i];
		int len = res->len[i];
		char *name;
		GString *txt;
		bool ok = true;

		switch (type) {
		case ns_t_a:
			if (len != 4)
				continue;
			ok = rr_store(rr, cnt, d, 4) != NULL;
			break;
		case ns_t_aaaa:
			if (len != 16)
				continue;
			ok = rr_store(rr, cnt, d, 16) != NULL;
			break;
		case ns_t_mx:
		case ns_t_ptr:
			if (type == ns_t_mx && len < 3)
				continue;
			name = type == ns_t_mx ? pf_dns_wire_name(d + 2, len - 2) :
			    pf_dns_wire_name(d, len);
			ok = rr_store(rr, cnt, name, strlen(name)) != NULL;
			g_free(name);
			break;
		case ns_t_txt:
			txt = g_string_new(NULL);
			for (int pos = 0; pos < len;) {
				int n = d[pos++];

				if (n > len - pos)
					n = len - pos;
				g_string_append_len(txt, (const char *)d + pos,
						    n);
				pos += n;
			}
			ok = rr_store(rr, cnt, txt->str, strlen(txt->str)) !=
			    NULL;
			g_string_free(txt, TRUE);
			break;
		default:
			continue;
		}
		if (!ok)
			return false;
		cnt++;
	}
	rr->num_rr = cnt;
	return true;
}

/* libspf2 DNS layer: every lookup through the shared resolver. */
static SPF_dns_rr_t *
layer_lookup(SPF_dns_server_t *layer, const char *domain, ns_type type,
	     int should_cache)
{
	pf_resolver *r = layer->hook;
	spf_call *call = current_call;
	struct ub_result *res = NULL;
	GString *why;
	pf_dns_status st;
	SPF_dns_rr_t *rr;
	bool is_top = false;

	if (type == ns_t_spf)	/* obsolete RR type (RFC 7208 3.1): never */
		return SPF_dns_rr_new_init(layer, domain, type, 0, NO_DATA);
	if (call) {
		if (!call->top_seen && type == ns_t_txt &&
		    g_ascii_strcasecmp(domain, call->top_domain) == 0)
			is_top = call->top_seen = true;
		if (call->void_exceeded)	/* result is permerror anyway */
			return SPF_dns_rr_new_init(layer, domain, type, 0,
						   HOST_NOT_FOUND);
		if (call->deadline && g_get_monotonic_time() >= call->deadline) {
			if (call->dns_error->len == 0)
				g_string_append_printf(call->dns_error, "SPF "
				    "evaluation ran out of time before looking "
				    "up %s", domain);
			return SPF_dns_rr_new_init(layer, domain, type, 0,
						   TRY_AGAIN);
		}
	}
	why = g_string_new(NULL);
	st = pf_dns_query(r, domain, type, 1, &res, why);
	switch (st) {
	case PF_DNS_OK:
		rr = SPF_dns_rr_new_init(layer, domain, type, res->ttl,
					 NETDB_SUCCESS);
		if (rr && !rr_fill(rr, res, type)) {
			SPF_dns_rr_free(rr);
			rr = SPF_dns_rr_new_init(layer, domain, type, 0,
						 TRY_AGAIN);
		}
		if (rr && rr->num_rr == 0)
			rr->herrno = NO_DATA;
		break;
	case PF_DNS_NXDOMAIN:
		rr = SPF_dns_rr_new_init(layer, domain, type, 0,
					 HOST_NOT_FOUND);
		break;
	case PF_DNS_NODATA:
		rr = SPF_dns_rr_new_init(layer, domain, type, 0, NO_DATA);
		break;
	default:
		rr = SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
		if (call && call->dns_error->len == 0)
			g_string_append(call->dns_error, why->str);
		break;
	}
	ub_resolve_free(res);
	g_string_free(why, TRUE);
	/* PTR lookups (ptr, %{p}) are validation, not terms: not void */
	if (call && !is_top && rr && type != ns_t_ptr &&
	    (rr->herrno == HOST_NOT_FOUND || rr->herrno == NO_DATA) &&
	    ++call->voids > PF_SPF_VOID_LIMIT)
		call->void_exceeded = true;
	if (call && rr && type == ns_t_mx && rr->num_rr > 10)
		call->mx_exceeded = true;	/* RFC 7208 4.6.4 */
	return rr;
}

pf_spf *
pf_spf_new(pf_resolver *resolver, GString *err)
{
	pf_spf *spf = g_new0(pf_spf, 1);
	char host[256];

	spf->resolver = resolver;
	spf->layer = calloc(1, sizeof(*spf->layer));
	if (spf->layer == NULL) {
		g_string_append(err, "out of memory");
		g_free(spf);
		return NULL;
	}
	spf->layer->destroy = NULL;	/* ours: freed in pf_spf_free() */
	spf->layer->lookup = layer_lookup;
	spf->layer->name = "preflight";
	spf->layer->hook = resolver;
	if ((spf->server = SPF_server_new_dns(spf->layer, 0)) == NULL) {
		g_string_append(err, "libspf2: cannot create an SPF server");
		pf_spf_free(&spf);
		return NULL;
	}
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		SPF_server_set_rec_dom(spf->server, host);
	}
	return spf;
}

void
pf_spf_free(pf_spf **spfp)
{
	pf_spf *spf;

	if (spfp == NULL || (spf = *spfp) == NULL)
		return;
	*spfp = NULL;
	if (spf->server)
		SPF_server_free(spf->server);
	free(spf->layer);
	g_free(spf);
}

void
pf_spf_outcome_clear(pf_spf_outcome *out)
{
	g_free(out->domain);
	g_free(out->record);
	g_free(out->mechanism);
	g_free(out->error);
	g_free(out->explanation);
	memset(out, 0, sizeof(*out));
}

/* DNS text made printable and bounded: it is the sender's data. */
char *
pf_spf_printable(const char *s)
{
	GString *o = g_string_new(NULL);

	for (; *s && o->len < PF_SPF_TEXT_MAX; s++)
		g_string_append_c(o, (*s >= 0x20 && *s < 0x7f) ? *s : '?');
	if (*s)
		g_string_append(o, "...");
	return g_string_free(o, FALSE);
}

static void
fetch_record(pf_resolver *r, pf_spf_outcome *out)
{
	GPtrArray *txt = NULL;
	GString *why = g_string_new(NULL);

	if (pf_dns_txt(r, out->domain, &txt, why) == PF_DNS_OK) {
		for (guint i = 0; i < txt->len; i++)
			if (pf_spf_is_v1(txt->pdata[i])) {
				if (out->n_records++ == 0)
					out->record = pf_spf_printable(txt->pdata[i]);
			}
		g_ptr_array_unref(txt);
	}
	g_string_free(why, TRUE);
}

/* Does the ip4:/ip6: term (without qualifier) cover ip? */
static bool
ip_term_matches(const char *term, const char *ip)
{
	GInetAddressMask *mask;
	GInetAddress *addr;
	bool match = false;

	if (g_ascii_strncasecmp(term, "ip4:", 4) != 0 &&
	    g_ascii_strncasecmp(term, "ip6:", 4) != 0)
		return false;
	mask = g_inet_address_mask_new_from_string(term + 4, NULL);
	addr = g_inet_address_new_from_string(ip);
	if (mask && addr)
		match = g_inet_address_mask_matches(mask, addr);
	if (mask)
		g_object_unref(mask);
	if (addr)
		g_object_unref(addr);
	return match;
}

/* Name the deciding term of the top-level record when it is clear. */
static void
find_mechanism(pf_spf_outcome *out, const char *ip, int reason)
{
	gchar **terms;
	char want;
	const char *found = NULL;
	unsigned n = 0;

	if (out->record == NULL)
		return;
	if (reason == SPF_REASON_DEFAULT) {
		out->mechanism = g_strdup("(no term matched: default)");
		return;
	}
	switch (out->result) {
	case PF_SPF_PASS: want = '+'; break;
	case PF_SPF_FAIL: want = '-'; break;
	case PF_SPF_SOFTFAIL: want = '~'; break;
	case PF_SPF_NEUTRAL: want = '?'; break;
	default: return;
	}
	terms = g_strsplit(out->record, " ", -1);
	for (gchar **t = terms + 1; *t; t++) {
		const char *term = *t;
		char q = '+';

		if (*term == '\0' || strchr(term, '=') != NULL)
			continue;	/* modifiers */
		if (strchr("+-~?", *term)) {
			q = *term;
			term++;
		}
		if (q != want)
			continue;
		if (want == '+' && ip_term_matches(term, ip)) {
			found = *t;
			n = 1;
			break;
		}
		if (g_ascii_strncasecmp(term, "ip4:", 4) == 0 ||
		    g_ascii_strncasecmp(term, "ip6:", 4) == 0)
			continue;	/* would have matched above */
		found = *t;
		n++;
	}
	if (n == 1)
		out->mechanism = g_strdup(found);
	g_strfreev(terms);
}

const char *
pf_spf_permerror_fix(pf_spf_problem problem)
{
	switch (problem) {
	case PF_SPF_MULTIPLE_RECORDS:
		return "merge the v=spf1 TXT records into one";
	case PF_SPF_TOO_MANY_LOOKUPS:
		return "flatten include: chains into ip4:/ip6: terms to stay "
		    "within 10 DNS lookups";
	case PF_SPF_VOID_LOOKUPS:
		return "remove the terms that name domains without records";
	default:
		return "correct the SPF record's syntax (RFC 7208 section 12; "
		    "\"preflight spf DOMAIN IP\" shows where it fails)";
	}
}

pf_resolver *
pf_spf_resolver(const pf_spf *spf)
{
	return spf->resolver;
}

void
pf_spf_eval_libspf2(pf_spf *spf, const char *ip, const char *sender,
		    const char *helo, gint64 deadline_us, pf_spf_outcome *out)
{
	spf_call call = {0};
	SPF_request_t *req;
	SPF_response_t *resp = NULL;
	SPF_errcode_t err, qerr;
	const char *at;
	char *lib_msg = NULL;
	int reason;

	memset(out, 0, sizeof(*out));
	if (sender && *sender && (at = strrchr(sender, '@')) && at[1])
		out->domain = g_ascii_strdown(at + 1, -1);
	else if (sender && *sender && strchr(sender, '@') == NULL)
		out->domain = g_ascii_strdown(sender, -1);
	else if (helo && *helo)
		out->domain = g_ascii_strdown(helo, -1);
	else {
		out->result = PF_SPF_NONE;
		out->error = g_strdup("no sender domain and no HELO name");
		return;
	}
	req = SPF_request_new(spf->server);
	err = strchr(ip, ':') ? SPF_request_set_ipv6_str(req, ip) :
	    SPF_request_set_ipv4_str(req, ip);
	if (err != SPF_E_SUCCESS) {
		SPF_request_free(req);
		out->result = PF_SPF_PERMERROR;
		out->problem = PF_SPF_SYNTAX;
		out->error = g_strdup_printf("invalid IP address \"%s\"", ip);
		return;
	}
	if (helo && *helo)
		SPF_request_set_helo_dom(req, helo);
	if (sender && *sender && strchr(sender, '@'))
		SPF_request_set_env_from(req, sender);
	else
		SPF_request_set_env_from(req, out->domain);

	call.deadline = deadline_us;
	call.top_domain = out->domain;
	call.dns_error = g_string_new(NULL);
	current_call = &call;
	qerr = SPF_request_query_mailfrom(req, &resp);
	current_call = NULL;

	switch (resp ? SPF_response_result(resp) : SPF_RESULT_TEMPERROR) {
	case SPF_RESULT_PASS: out->result = PF_SPF_PASS; break;
	case SPF_RESULT_FAIL: out->result = PF_SPF_FAIL; break;
	case SPF_RESULT_SOFTFAIL: out->result = PF_SPF_SOFTFAIL; break;
	case SPF_RESULT_NEUTRAL: out->result = PF_SPF_NEUTRAL; break;
	case SPF_RESULT_NONE: out->result = PF_SPF_NONE; break;
	case SPF_RESULT_TEMPERROR: out->result = PF_SPF_TEMPERROR; break;
	default: out->result = PF_SPF_PERMERROR; break;
	}
	if (resp) {
		err = SPF_response_errcode(resp);
		if (err == SPF_E_SUCCESS)
			err = qerr;
		reason = SPF_response_reason(resp);
		out->dns_lookups = (unsigned)resp->num_dns_mech;
		if (SPF_response_errors(resp) > 0 &&
		    SPF_response_message(resp, 0)->message)
			lib_msg = pf_spf_printable(SPF_response_message(resp,
			    0)->message);
	} else {
		err = qerr;
		reason = SPF_REASON_NONE;
	}
	out->void_lookups = call.voids;
	SPF_response_free(resp);	/* the one free, on every path */
	SPF_request_free(req);

	/* libspf2 calls a failed lookup of the record itself a permerror */
	if (call.dns_error->len > 0 && !call.void_exceeded &&
	    (out->result == PF_SPF_PERMERROR || err == SPF_E_DNS_ERROR))
		out->result = PF_SPF_TEMPERROR;
	if (call.void_exceeded && out->result != PF_SPF_TEMPERROR)
		out->result = PF_SPF_PERMERROR;
	/*
	 * libspf2 tests "more than max_dns_mech" before each term, so an
	 * 11th DNS-querying term that matches still decides: RFC 7208 4.6.4
	 * makes the evaluation a permerror as soon as it needs an 11th.
	 */
	if ((out->dns_lookups > 10 || call.mx_exceeded) &&
	    out->result != PF_SPF_TEMPERROR) {
		out->result = PF_SPF_PERMERROR;
		err = SPF_E_BIG_DNS;
	}
	if (out->result != PF_SPF_TEMPERROR &&
	    (deadline_us == 0 || g_get_monotonic_time() < deadline_us))
		fetch_record(spf->resolver, out);	/* cached by now */

	if (out->result == PF_SPF_TEMPERROR) {
		out->problem = PF_SPF_DNS;
		out->error = g_strdup(call.dns_error->len ?
		    call.dns_error->str : "temporary DNS failure");
	} else if (out->result == PF_SPF_PERMERROR) {
		if (call.void_exceeded) {
			out->problem = PF_SPF_VOID_LOOKUPS;
			out->error = g_strdup_printf("more than %d void DNS "
			    "lookups (RFC 7208 4.6.4)", PF_SPF_VOID_LIMIT);
		} else if (err == SPF_E_BIG_DNS) {
			out->problem = PF_SPF_TOO_MANY_LOOKUPS;
			out->error = g_strdup("more than 10 DNS-querying terms "
			    "(RFC 7208 4.6.4)");
		} else if (err == SPF_E_MULTIPLE_RECORDS ||
			   out->n_records > 1) {
			out->problem = PF_SPF_MULTIPLE_RECORDS;
			out->error = g_strdup_printf("%u v=spf1 records; "
			    "RFC 7208 allows one", out->n_records);
		} else {
			out->problem = PF_SPF_SYNTAX;
			out->error = lib_msg ? g_strdup(lib_msg) :
			    g_strdup(SPF_strerror(err));
		}
	} else {
		find_mechanism(out, ip, reason);
	}
	g_free(lib_msg);
	g_string_free(call.dns_error, TRUE);
}
