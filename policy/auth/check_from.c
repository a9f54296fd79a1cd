/*
 * NAME
 *	check_from - the author headers: one reading, one author, honest
 *	display names, and the SASL user's right to the address
 * SYNOPSIS
 *	extern const pf_check pf_check_from;
 * DESCRIPTION
 *	At end of headers From and Sender are read once, strictly, from the
 *	bytes the MTA passed (from_parse.h); display names of From, Sender
 *	and Reply-To are read as they are shown (from_look.h).  Findings,
 *	each with its own code:
 *	  from.multiple           several From headers      550 5.7.1
 *	  from.unparsable         no mailbox could be read  550 5.6.0
 *	  from.multiple-mailboxes several mailboxes         550 5.7.1
 *	  from.no-domain          address without a valid domain
 *	                                                    550 5.6.0
 *	  from.ambiguous          From or Sender can be read more than one
 *	                          way (";", comments holding addresses,
 *	                          "From :", a bare CR in any header, NUL,
 *	                          control or unframed 8-bit bytes, ...)
 *	                                                    550 5.7.1
 *	  from.display-spoof      a display name shows another address or
 *	                          domain, also by look-alikes, or the domain
 *	                          itself is a look-alike    550 5.7.1
 *	  from.identity           [from] sasl_senders does not allow the
 *	                          SASL user the From or Sender address
 *	                                                    550 5.7.1
 *	  from.header-overflow    more author/DKIM fields past
 *	                          max_header_size than preflight keeps
 *	                                                    550 5.6.0
 *	  from.auth-results-removed  (information) Authentication-Results
 *	                          under our authserv-id, written by the
 *	                          sender, removed before relaying
 *	Several mailboxes and a missing domain are the OpenDMARC CVE
 *	classes (2019-16378, 2021-34555).  A message without From is left to
 *	the MTA (Postfix always_add_missing_headers), but its Sender is
 *	checked: clients show it.
 */
#include <string.h>

#include <gmime/gmime.h>

#include "core/check.h"
#include "auth/authres.h"
#include "auth/dmarc.h"
#include "auth/from_look.h"
#include "auth/from_parse.h"
#include "core/table.h"

/* Header-level ambiguities found while scanning the fields once. */
typedef struct scan {
	GString *why;
	const char *tag, *fix;
	unsigned from, sender;		/* fields named exactly so */
	const pf_header *from_h, *sender_h;
} scan;

static pf_result *
finding(pf_message *msg, const char *code, pf_action action, const char *dsn)
{
	return pf_result_add(msg, PF_CHECK_FROM, code, action, 10, "550", dsn);
}

/* Note one ambiguity; the caller appends what it is to the result. */
static GString *
scan_amb(scan *sc, const char *tag, const char *fix)
{
	if (sc->tag == NULL) {
		sc->tag = tag;
		sc->fix = fix;
	}
	if (sc->why->len)
		g_string_append(sc->why, "; ");
	return sc->why;
}

/* name with blanks before the colon ("From :"): the trimmed length. */
static size_t
trimmed_len(const char *name)
{
	size_t n = strlen(name);

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	return n;
}

static bool
author_name(const char *name, size_t n)
{
	return (n == 4 && g_ascii_strncasecmp(name, "From", 4) == 0) ||
	    (n == 6 && g_ascii_strncasecmp(name, "Sender", 6) == 0) ||
	    (n == 8 && g_ascii_strncasecmp(name, "Reply-To", 8) == 0);
}

/* After a bare CR: does the rest read as a new "Name:" line? */
static bool
cr_starts_field(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && *p > ' ' && *p < 0x7f && *p != ':')
		p++;
	if (p == s)
		return false;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p < end && *p == ':';
}

static bool
has_bare_cr_field(const pf_header *h)
{
	const char *end = h->value + h->value_len;

	for (const char *p = h->value; p < end &&
	     (p = memchr(p, '\r', (size_t)(end - p))) != NULL; p++)
		if (p + 1 < end && p[1] != '\n' && cr_starts_field(p + 1, end))
			return true;
	return false;
}

static void
scan_headers(const pf_message *msg, scan *sc)
{
	for (guint i = 0; i < msg->headers->len; i++) {
		const pf_header *h = &g_array_index(msg->headers, pf_header, i);
		size_t n = trimmed_len(h->name);

		if (g_ascii_strcasecmp(h->name, "From") == 0 && sc->from++ == 0)
			sc->from_h = h;
		if (g_ascii_strcasecmp(h->name, "Sender") == 0 &&
		    sc->sender++ == 0)
			sc->sender_h = h;
		if (n != strlen(h->name) && author_name(h->name, n))
			g_string_append_printf(scan_amb(sc, "obsolete-header",
			    "write the header name and the colon together, "
			    "\"From:\""), "a \"%s:\" header with blanks "
			    "before the colon (RFC 5322 4.5.6), which "
			    "receivers read as an author header", h->name);
		else if (has_bare_cr_field(h))
			g_string_append_printf(scan_amb(sc, "bare-cr", "end "
			    "every header line with CRLF; remove bare CRs"),
			    "a bare CR inside the %s header followed by a "
			    "header line, which other parsers read as a "
			    "header of its own",
			    *h->name ? h->name : "(unnamed)");
	}
}

static void
report_ambiguous(pf_message *msg, const char *hdr, const char *why,
		 const char *tag, const char *fix)
{
	pf_result *r = finding(msg, "from.ambiguous",
			       msg->cfg->from.ambiguous_action, "5.7.1");

	pf_result_text(r, "The %s header can be read more than one way: %s",
		       hdr, why);
	pf_result_fix(r, "%s; only a plain Name <user@example.com> reads the "
		      "same in every mail program", fix);
	pf_result_fact(r, "header", "%s", hdr);
	pf_result_fact(r, "ambiguity", "%s", tag);
}

static bool
identity_allows(const char *allowed, const char *addr)
{
	gchar **v = g_strsplit_set(allowed, " \t,", -1);
	const char *dom = strrchr(addr, '@') + 1;
	bool ok = false;

	for (gchar **p = v; *p && !ok; p++) {
		const char *a = *p, *at = strrchr(a, '@');
		char *ad;

		if (*a == '\0')
			continue;
		ad = pf_domain_to_ascii(at ? at + 1 : a);
		if (ad == NULL)
			continue;
		if (at && a != at)
			ok = (size_t)(at - a) == (size_t)(strrchr(addr, '@') -
			    addr) && g_ascii_strncasecmp(a, addr,
			    (size_t)(at - a)) == 0 && strcmp(ad, dom) == 0;
		else
			ok = strcmp(ad, dom) == 0;
		g_free(ad);
	}
	g_strfreev(v);
	return ok;
}

static void
check_identity(pf_message *msg, const char *hdr, const char *addr)
{
	const pf_from_conf *fc = &msg->cfg->from;
	const char *allowed;
	pf_result *r;

	if (fc->sasl_table == NULL || msg->auth_user == NULL ||
	    (allowed = pf_table_lookup(fc->sasl_table, msg->auth_user)) ==
	    NULL || identity_allows(allowed, addr))
		return;
	r = finding(msg, "from.identity", fc->identity_action, "5.7.1");
	pf_result_text(r, "SASL user %s may not send as %s%s%s (allowed: %s)",
	    msg->auth_user, addr, strcmp(hdr, "From") ? " in " : "",
	    strcmp(hdr, "From") ? hdr : "", allowed);
	pf_result_fix(r, "send with one of the allowed addresses, or ask the "
	    "postmaster to add %s for %s to the sasl_senders table", addr,
	    msg->auth_user);
	pf_result_fact(r, "sasl_user", "%s", msg->auth_user);
	pf_result_fact(r, "from", "%s", addr);
	pf_result_fact(r, "header", "%s", hdr);
}

static void
report_display(pf_message *msg, const char *hdr, const char *name,
	       const pf_mailbox *mb)
{
	char *claim = pf_look_display_claim(name, mb);
	char *look = claim ? NULL : pf_look_domain_confusable(mb);
	pf_result *r;

	if (claim == NULL && look == NULL)
		return;
	r = finding(msg, "from.display-spoof", msg->cfg->from.display_action,
		    "5.7.1");
	if (claim) {
		pf_result_text(r, "The %s display name \"%s\" shows %s, but "
		    "the address is %s", hdr, name, claim, mb->addr);
		pf_result_fix(r, "use a display name without addresses or "
		    "domains, e.g. the person's or company's name");
		pf_result_fact(r, "display", "%s", claim);
	} else {
		pf_result_text(r, "The %s domain %s (%s) %s", hdr,
		    mb->domain_unicode, mb->domain_ascii, look);
		pf_result_fix(r, "send from a domain whose name does not "
		    "imitate another one");
		pf_result_fact(r, "display", "%s", mb->domain_unicode);
	}
	pf_result_fact(r, "from", "%s", mb->addr);
	pf_result_fact(r, "header", "%s", hdr);
	g_free(claim);
	g_free(look);
}

/* One author header read; true with mb filled when it is one mailbox. */
static bool
read_author(pf_message *msg, const char *hdr, const pf_header *h,
	    pf_mailbox *mb)
{
	const pf_from_conf *fc = &msg->cfg->from;
	pf_result *r;

	pf_mailbox_parse(h->value, h->value_len,
			 msg->smtputf8 ? PF_ADDR_SMTPUTF8 : 0, mb);
	switch (mb->status) {
	case PF_ADDR_ONE:
		return true;
	case PF_ADDR_AMBIGUOUS:
		report_ambiguous(msg, hdr, mb->why->str, mb->tag, mb->fix);
		return false;
	case PF_ADDR_EMPTY:
		r = finding(msg, "from.unparsable", fc->action, "5.6.0");
		pf_result_text(r, "The %s header \"%s\" holds no readable "
		    "address", hdr, h->value);
		pf_result_fix(r, "write the %s header as \"Name "
		    "<user@example.com>\"", hdr);
		return false;
	case PF_ADDR_SEVERAL:
		r = finding(msg, "from.multiple-mailboxes", fc->action,
			    "5.7.1");
		pf_result_text(r, "The %s header \"%s\" names %u mailboxes; "
		    "receivers check one author", hdr, h->value,
		    mb->mailboxes);
		pf_result_fix(r, "put exactly one address in %s (others "
		    "belong in Reply-To or Cc)", hdr);
		return false;
	case PF_ADDR_NO_DOMAIN:
		r = finding(msg, "from.no-domain", fc->action, "5.6.0");
		pf_result_text(r, "The %s address \"%s%s%s\" has no valid "
		    "domain", hdr, mb->local ? mb->local : "",
		    mb->domain ? "@" : "", mb->domain ? mb->domain : "");
		pf_result_fix(r, "use a complete address such as "
		    "user@example.com in %s", hdr);
		return false;
	}
	return false;
}

/* Reply-To may list several mailboxes: the display rule for each. */
static void
check_reply_to(pf_message *msg)
{
	const char *value = pf_message_header_get(msg, "Reply-To", 0);
	InternetAddressList *list;

	if (value == NULL || pf_message_header_count(msg, "Reply-To") != 1)
		return;
	pf_gmime_init_once();
	if ((list = internet_address_list_parse(NULL, value)) == NULL)
		return;
	for (int i = 0; i < internet_address_list_length(list); i++) {
		InternetAddress *ia = internet_address_list_get_address(list,
									i);
		const char *addr, *name = internet_address_get_name(ia), *at;
		pf_mailbox mb = {0};

		if (!INTERNET_ADDRESS_IS_MAILBOX(ia) || name == NULL ||
		    (addr = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia))) == NULL ||
		    (at = strrchr(addr, '@')) == NULL)
			continue;
		mb.domain_ascii = pf_domain_to_ascii(at + 1);
		if (mb.domain_ascii) {
			mb.addr = g_strdup_printf("%.*s@%s", (int)(at - addr),
						  addr, mb.domain_ascii);
			report_display(msg, "Reply-To", name, &mb);
		}
		pf_mailbox_clear(&mb);
	}
	g_object_unref(list);
}

static void
remove_auth_results(pf_message *msg)
{
	char host[256];
	const char *id = pf_authres_id(msg, host, sizeof(host));
	bool apply = !msg->cfg->monitor &&
	    msg->cfg->from.mode == PF_MODE_ENFORCE;
	unsigned n = pf_authres_remove_forged(msg, id, apply);
	pf_result *r;

	if (n == 0)
		return;
	r = pf_result_add(msg, PF_CHECK_FROM, "from.auth-results-removed",
			  PF_ACTION_NONE, 0, NULL, NULL);
	pf_result_text(r, "%s %u Authentication-Results header%s the sender "
	    "wrote under preflight's authserv-id %s", apply ? "Removed" :
	    "Would remove", n, n == 1 ? "" : "s", id);
	pf_result_fact(r, "count", "%u", n);
	pf_result_fact(r, "authserv_id", "%s", id);
}

static void
overflow(pf_message *msg)
{
	pf_result *r = finding(msg, "from.header-overflow",
			       msg->cfg->from.action, "5.6.0");

	pf_result_text(r, "The header is %zu bytes, over the %llu preflight "
	    "reads, and %u From, Sender or DKIM-signed fields stand beyond "
	    "what it keeps", msg->header_bytes,
	    (unsigned long long)msg->cfg->max_header_size,
	    msg->headers_key_lost);
	pf_result_fix(r, "send the message with a smaller header (fewer or "
	    "shorter fields)");
	pf_result_fact(r, "header_bytes", "%zu", msg->header_bytes);
	pf_result_fact(r, "lost", "%u", msg->headers_key_lost);
}

static void
from_check(pf_message *msg)
{
	const pf_from_conf *fc = &msg->cfg->from;
	scan sc = {g_string_new(NULL), NULL, NULL, 0, 0, NULL, NULL};
	pf_mailbox from = {0}, sender = {0};
	bool from_ok = false;
	pf_result *r;

	if (fc->remove_auth_results)
		remove_auth_results(msg);
	if (msg->headers_key_lost) {
		overflow(msg);
		goto out;
	}
	scan_headers(msg, &sc);
	if (sc.tag) {
		report_ambiguous(msg, "From", sc.why->str, sc.tag, sc.fix);
		goto out;
	}
	if (sc.from > 1) {
		r = finding(msg, "from.multiple", fc->action, "5.7.1");
		pf_result_text(r, "The message has %u From headers; RFC 5322 "
		    "allows one", sc.from);
		pf_result_fix(r, "send the message with exactly one From "
		    "header");
		pf_result_fact(r, "count", "%u", sc.from);
		goto out;
	}
	if (sc.sender > 1) {
		report_ambiguous(msg, "Sender", "several Sender headers",
		    "several-sender", "send at most one Sender header");
		goto out;
	}
	if (sc.from_h && (from_ok = read_author(msg, "From", sc.from_h,
						&from))) {
		report_display(msg, "From", from.display, &from);
		check_identity(msg, "From", from.addr);
	}
	if (sc.sender_h && read_author(msg, "Sender", sc.sender_h, &sender)) {
		report_display(msg, "Sender", sender.display, &sender);
		if (!from_ok || g_ascii_strcasecmp(sender.addr, from.addr) != 0)
			check_identity(msg, "Sender", sender.addr);
	}
	check_reply_to(msg);
out:
	pf_mailbox_clear(&from);
	pf_mailbox_clear(&sender);
	g_string_free(sc.why, TRUE);
}

static void
from_run(pf_message *msg, pf_stage stage)
{
	if (stage == PF_STAGE_EOH)
		from_check(msg);
}

static pf_mode *
from_mode(pf_config *cfg)
{
	return &cfg->from.mode;
}

static bool
validate_senders(const char *key, const char *value, GString *why, void *a)
{
	if (*value == '\0') {
		g_string_append_printf(why, "\"%s\": no addresses or domains",
				       key);
		return false;
	}
	return true;
}

static int
from_configure(pf_config *cfg, GString *err)
{
	if (cfg->from.sasl_senders == NULL)
		return 0;
	cfg->from.sasl_table = pf_table_load(cfg->from.sasl_senders,
	    validate_senders, NULL, err);
	return cfg->from.sasl_table ? 0 : -1;
}

static void
from_unconfigure(pf_config *cfg)
{
	pf_table_free(&cfg->from.sasl_table);
}

const pf_check pf_check_from = {
	.id = PF_CHECK_FROM,
	.name = "from",
	.stages = PF_STAGE_EOH,
	.mode = from_mode,
	.run = from_run,
	.configure = from_configure,
	.unconfigure = from_unconfigure,
	.load = pf_look_load,
};
