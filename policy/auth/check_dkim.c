/*
 * NAME
 *	check_dkim - sign outbound mail with libopendkim, and refuse to send
 *	mail that will fail verification
 * SYNOPSIS
 *	extern const pf_check pf_check_dkim;
 * DESCRIPTION
 *	At end of headers it decides whether the message is signed: the
 *	client is authenticated or in [dkim] internal_hosts, and the From
 *	address (or the envelope sender, sign_by = envelope) has keys in
 *	the simple form or the SigningTable (dkim.h).  It then opens one
 *	libopendkim signing handle per key, feeds it the headers, and feeds
 *	each body chunk as it arrives: no second copy of the body.
 *
 *	At end of message it names the d= domains it will sign with to the
 *	DMARC check (pf_message_add_dkim_domain) and adds findings (and an
 *	informational dkim.not-signed, fact why=, for mail it does not
 *	sign):
 *	dkim.key-not-published (the selector's record is missing, revoked,
 *	of the wrong type or another key: key_check_action, 451 4.7.5, the
 *	text names the record to publish) and dkim.unsafe-body (a relay
 *	would rewrite the body after signing: unsafe_body_action, 451
 *	4.6.0; with unsafe_body_action = reencode, the default, the unsafe
 *	parts are re-encoded instead (content/reencode.h) and dkim.reencoded,
 *	fact reencoded=, names them; what cannot be repaired is tempfailed).
 *	Signatures are made at the FINAL stage, after the verdict, and
 *	inserted on top as DKIM-Signature headers; over a re-encoded body
 *	(msg->new_body) the handles are opened afresh and fed the header
 *	block as relayed and the new body.  8-bit data is
 *	unsafe in any MIME part not declared 8bit or binary (the parsed
 *	structure, mime.h), or anywhere in a message without MIME headers.
 *
 *	Header fields are given to libopendkim as "Name: value" (Postfix
 *	passes the value without the space after the colon); with relaxed
 *	header canonicalization (the default) that spacing does not matter.
 */
#include <stdarg.h>
#include <string.h>

#include <libpsl.h>
#include <opendkim/dkim.h>

#include "core/check.h"
#include "core/metrics.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "content/mime.h"
#include "content/reencode.h"
#include "dns/resolver.h"

typedef struct dkim_state {
	GPtrArray *keys;	/* pf_dkim_key *, borrowed from the config */
	GPtrArray *handles;	/* DKIM *, one per key */
	char *why_not;		/* why the message is not signed */
	bool signing;
	dkim_canon_t hc, bc;
} dkim_state;

static GMutex lib_lock;

static void
dkim_state_free(void *p)
{
	dkim_state *st = p;

	if (st == NULL)
		return;
	if (st->handles) {
		for (guint i = 0; i < st->handles->len; i++)
			dkim_free(st->handles->pdata[i]);
		g_ptr_array_unref(st->handles);
	}
	if (st->keys)
		g_ptr_array_unref(st->keys);
	g_free(st->why_not);
	g_free(st);
}

/* "Name Name ..." -> NULL-terminated array for libopendkim options. */
static const char **
name_list(const char *text)
{
	gchar **v = g_strsplit_set(text ? text : "", " ,\t", -1);
	GPtrArray *out = g_ptr_array_new();

	for (gchar **p = v; *p; p++)
		if (**p)
			g_ptr_array_add(out, g_strdup(*p));
	g_strfreev(v);
	g_ptr_array_add(out, NULL);
	return (const char **)g_ptr_array_free(out, FALSE);
}

/*
 * One DKIM_LIB per configuration: the signed-header lists are options.
 * Not DKIM_LIBFLAGS_FIXCRLF: the body reaches us with CRLF line ends (from
 * the MTA, or from feed.c for scan), bare CR or LF is refused before
 * signing (dkim.unsafe-body), and that flag made libopendkim copy every
 * body byte once more: 5 MB messages signed 40-70% slower (bench/).
 */
static DKIM_LIB *
lib_for(pf_config *cfg)
{
	pf_dkim_keys *keys = cfg->dkim.keys;
	DKIM_LIB *lib;
	const char **sign, **over;
	unsigned int flags = 0;	/* no FIXCRLF: see above */

	g_mutex_lock(&lib_lock);
	if ((lib = keys->lib) == NULL && (lib = dkim_init(NULL, NULL)) != NULL) {
		sign = name_list(cfg->dkim.signed_headers);
		over = name_list(cfg->dkim.oversign_headers);
		(void)dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags,
				   sizeof(flags));
		if (sign[0])
			(void)dkim_options(lib, DKIM_OP_SETOPT,
			    DKIM_OPTS_SIGNHDRS, sign, sizeof(char **));
		if (over[0])
			(void)dkim_options(lib, DKIM_OP_SETOPT,
			    DKIM_OPTS_OVERSIGNHDRS, over, sizeof(char **));
		g_strfreev((gchar **)sign);
		g_strfreev((gchar **)over);
		keys->lib = lib;
	}
	g_mutex_unlock(&lib_lock);
	return lib;
}

static void
canon(const char *spec, dkim_canon_t *h, dkim_canon_t *b)
{
	const char *slash = spec ? strchr(spec, '/') : NULL;

	*h = spec && g_str_has_prefix(spec, "simple") ? DKIM_CANON_SIMPLE :
	    DKIM_CANON_RELAXED;
	*b = slash && strcmp(slash + 1, "simple") == 0 ? DKIM_CANON_SIMPLE :
	    DKIM_CANON_RELAXED;
}

static void
not_signed(dkim_state *st, const char *fmt, ...) PF_PRINTF(2, 3);

static void
not_signed(dkim_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_free(st->why_not);
	st->why_not = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

static void
internal_error(pf_message *msg, const char *what, const char *detail)
{
	pf_result *r = pf_result_add(msg, PF_CHECK_DKIM, "dkim.internal",
	    msg->cfg->on_internal_error, 0, "451", "4.7.5");

	pf_result_text(r, "DKIM signing failed: %s%s%s", what,
		       detail ? ": " : "", detail ? detail : "");
	pf_result_fix(r, "The message stays queued; check the key files and "
		      "preflight's log");
}

/*
 * sign_by = envelope: keys of the simple form sign only when their d=
 * aligns (relaxed, as DMARC) with the From domain; a SigningTable entry
 * says explicitly which key signs, so its keys are kept.  False when no
 * key is left.
 */
static bool
aligned_keys(pf_message *msg, dkim_state *st)
{
	char *from = pf_from_domain(msg);
	const psl_ctx_t *psl = msg->cfg->dmarc.psl ? msg->cfg->dmarc.psl :
	    psl_builtin();
	const char *refused = NULL;

	for (guint i = st->keys->len; i-- > 0;) {
		pf_dkim_key *k = st->keys->pdata[i];

		if (!g_str_has_prefix(k->name, "simple") || (from &&
		    pf_dmarc_aligned(psl, from, k->domain, false)))
			continue;
		refused = k->domain;
		g_ptr_array_remove_index(st->keys, i);
	}
	if (st->keys->len == 0) {
		not_signed(st, "d=%s does not align with the From domain %s; "
		    "with sign_by = envelope such mail is signed only through "
		    "a SigningTable entry", refused, from ? from : "(none)");
		g_ptr_array_unref(st->keys);
		st->keys = NULL;
	}
	g_free(from);
	return st->keys != NULL;
}

static void
feed_header(dkim_state *st, const char *name, const char *value)
{
	char *line = g_strdup_printf("%s: %s", name, value);

	for (guint j = 0; j < st->handles->len; j++)
		(void)dkim_header(st->handles->pdata[j], (unsigned char *)line,
				  strlen(line));
	g_free(line);
}

/* Is the nth field named name (1-based) one a check asked to delete? */
static bool
header_deleted(const pf_message *msg, const char *name, unsigned nth)
{
	for (guint i = 0; i < msg->del_headers->len; i++) {
		const pf_header_ref *d = &g_array_index(msg->del_headers,
							pf_header_ref, i);

		if (d->index == nth && g_ascii_strcasecmp(d->name, name) == 0)
			return true;
	}
	return false;
}

/*
 * The header block as relayed (edited): prepended fields on top (the
 * last first, as the MTA inserts them at the top), the fields that came
 * less the deleted ones, then the appended ones.
 */
static void
feed_edited_headers(const pf_message *msg, dkim_state *st)
{
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal,
						 g_free, NULL);
	guint n = msg->add_headers->len;

	for (guint i = n; i-- > 0;)
		if (g_array_index(msg->add_prepend, gboolean, i)) {
			const pf_header *h = &g_array_index(msg->add_headers,
							    pf_header, i);

			feed_header(st, h->name, h->value);
		}
	for (guint i = 0; i < msg->headers->len; i++) {
		const pf_header *h = &g_array_index(msg->headers, pf_header, i);
		char *key = g_ascii_strdown(h->name, -1);
		unsigned nth = GPOINTER_TO_UINT(g_hash_table_lookup(seen,
		    key)) + 1;

		g_hash_table_replace(seen, key, GUINT_TO_POINTER(nth));
		if (!header_deleted(msg, h->name, nth))
			feed_header(st, h->name, h->value);
	}
	for (guint i = 0; i < n; i++)
		if (!g_array_index(msg->add_prepend, gboolean, i)) {
			const pf_header *h = &g_array_index(msg->add_headers,
							    pf_header, i);

			feed_header(st, h->name, h->value);
		}
	g_hash_table_destroy(seen);
}

/*
 * One signing handle per key, fed the header block: as it came (at end
 * of headers), or as relayed (edited, when the body was re-encoded and
 * the signature is made afresh at the final stage).
 */
static int
open_handles(pf_message *msg, dkim_state *st, DKIM_LIB *lib, bool edited)
{
	if (st->handles) {
		for (guint i = 0; i < st->handles->len; i++)
			dkim_free(st->handles->pdata[i]);
		g_ptr_array_set_size(st->handles, 0);
	} else {
		st->handles = g_ptr_array_new();
	}
	for (guint i = 0; i < st->keys->len; i++) {
		pf_dkim_key *k = st->keys->pdata[i];
		DKIM_STAT status;
		DKIM *d = dkim_sign(lib, (const unsigned char *)(msg->queue_id ?
		    msg->queue_id : "preflight"), NULL,
		    (unsigned char *)k->pem, (unsigned char *)k->selector,
		    (unsigned char *)k->domain, st->hc, st->bc, k->ed25519 ?
		    DKIM_SIGN_ED25519SHA256 : DKIM_SIGN_RSASHA256, -1, &status);

		if (d == NULL) {
			internal_error(msg, k->path, dkim_getresultstr(status));
			return -1;
		}
		g_ptr_array_add(st->handles, d);
	}
	if (edited) {
		feed_edited_headers(msg, st);
	} else {
		for (guint i = 0; i < msg->headers->len; i++) {
			const pf_header *h = &g_array_index(msg->headers,
							    pf_header, i);

			feed_header(st, h->name, h->value);
		}
	}
	for (guint j = 0; j < st->handles->len; j++)
		if (dkim_eoh(st->handles->pdata[j]) != DKIM_STAT_OK) {
			internal_error(msg, "the headers", dkim_geterror(
			    st->handles->pdata[j]));
			return -1;
		}
	return 0;
}

static void
start_signing(pf_message *msg, dkim_state *st)
{
	pf_config *cfg = msg->cfg;
	const pf_dkim_keys *keys = cfg->dkim.keys;
	char *address;
	DKIM_LIB *lib;
	bool by_envelope;

	if (keys == NULL || keys->keys->len == 0) {
		not_signed(st, "no keys configured");
		return;
	}
	if (msg->auth_user == NULL && !pf_dkim_internal(keys,
							msg->client_addr)) {
		not_signed(st, "client %s is neither authenticated nor in "
			   "internal_hosts", msg->client_addr ?
			   msg->client_addr : "unknown");
		return;
	}
	by_envelope = cfg->dkim.sign_by && strcmp(cfg->dkim.sign_by,
	    "envelope") == 0;
	address = by_envelope ? g_strdup(msg->sender) : pf_from_address(msg);
	st->keys = pf_dkim_keys_for(keys, address);
	if (st->keys == NULL) {
		not_signed(st, "no key for %s", address && *address ? address :
			   "the sender");
		g_free(address);
		return;
	}
	g_free(address);
	if (by_envelope && !aligned_keys(msg, st))
		return;
	if ((lib = lib_for(cfg)) == NULL) {
		internal_error(msg, "cannot initialise libopendkim", NULL);
		return;
	}
	canon(cfg->dkim.canonicalization, &st->hc, &st->bc);
	if (open_handles(msg, st, lib, false) == 0)
		st->signing = true;
}

static void
check_published(pf_message *msg, dkim_state *st)
{
	GString *why = g_string_new(NULL);

	for (guint i = 0; i < st->keys->len; i++) {
		pf_dkim_key *k = st->keys->pdata[i];
		pf_dkim_pub pub;
		pf_result *r;

		if (msg->cfg->dkim.key_check_interval == 0)
			break;
		pub = pf_dkim_published(k, pf_config_resolver(msg->cfg),
		    (unsigned)msg->cfg->dkim.key_check_interval, why);
		if (pub == PF_DKIM_PUB_OK || pub == PF_DKIM_PUB_TESTING ||
		    pub == PF_DKIM_PUB_TEMPFAIL)
			continue;	/* DNS trouble: sign, check again later */
		r = pf_result_add(msg, PF_CHECK_DKIM, "dkim.key-not-published",
		    msg->cfg->dkim.key_check_action, 0, "451", "4.7.5");
		pf_result_text(r, "The DKIM key for %s (selector %s) does not "
		    "match DNS: %s; every receiver would see a failing "
		    "signature", k->domain, k->selector, why->str);
		pf_result_fix(r, "Publish TXT %s._domainkey.%s \"%s\" (or point "
		    "[dkim] at the key that is published)", k->selector,
		    k->domain, k->record);
		pf_result_fact(r, "d", "%s", k->domain);
		pf_result_fact(r, "s", "%s", k->selector);
		pf_result_fact(r, "published", "%s", pf_dkim_pub_name(pub));
	}
	g_string_free(why, TRUE);
}

/*
 * The first leaf part not declared 8bit or binary whose raw (still
 * encoded) content has bytes above 0x7f: a relay that downgrades to 7bit,
 * or one that enforces the declaration, changes such a part after
 * signing.  Appends "8-bit data in part 2 (text/html) declared 7bit ..." to
 * where; false when there is none.
 */
static bool
part_8bit(pf_message *msg, GString *where)
{
	pf_mime *mime = pf_mime_get(msg);

	for (guint i = 0; mime->message && i < mime->parts->len; i++) {
		pf_mime_part *part = mime->parts->pdata[i];
		GMimeContentEncoding enc;
		const GByteArray *raw;
		bool eight = false;

		if (!GMIME_IS_PART(part->object))
			continue;
		enc = g_mime_part_get_content_encoding(GMIME_PART(part->object));
		if (enc == GMIME_CONTENT_ENCODING_8BIT ||
		    enc == GMIME_CONTENT_ENCODING_BINARY ||
		    (raw = pf_mime_part_raw(part)) == NULL)
			continue;
		for (guint j = 0; j < raw->len && !eight; j++)
			eight = raw->data[j] > 0x7f;
		if (!eight)
			continue;
		g_string_append_printf(where, "8-bit data in %s declared %s",
		    pf_mime_part_name(part), enc == GMIME_CONTENT_ENCODING_DEFAULT ?
		    "7bit (no Content-Transfer-Encoding)" :
		    g_mime_content_encoding_to_string(enc));
		return true;	/* one is enough to explain */
	}
	return false;
}

/*
 * unsafe_body_action = reencode: re-encode the unsafe parts (reencode.h)
 * and sign the new body at the final stage.  In monitor mode (this
 * check's or the global one) nothing changes: the result says what would
 * be re-encoded.  False when it cannot be done: what then ends with why,
 * for the dkim.unsafe-body text.
 */
static bool
reencoded(pf_message *msg, GString *what)
{
	bool apply = !msg->cfg->monitor &&
	    msg->cfg->dkim.mode == PF_MODE_ENFORCE;
	GString *parts = g_string_new(NULL), *how = g_string_new(NULL);
	GString *why = g_string_new(NULL);
	pf_result *r;
	int n = pf_reencode(msg, PF_UNSAFE_ALL, apply, parts, how, why);

	if (n > 0) {
		r = pf_result_add(msg, PF_CHECK_DKIM, "dkim.reencoded",
				  PF_ACTION_NONE, 0, NULL, NULL);
		pf_result_text(r, "%s %s so that relays keep it (and its DKIM "
		    "signature) as it is", apply ? "Re-encoded" :
		    "Would re-encode", how->str);
		pf_result_fact(r, "reencoded", "%s", parts->str);
	} else {
		g_string_append_printf(what, "; it cannot be re-encoded: %s",
		    n == 0 ? "the defect is outside any part's content" :
		    why->str);
	}
	g_string_free(parts, TRUE);
	g_string_free(how, TRUE);
	g_string_free(why, TRUE);
	return n > 0;
}

static void
check_unsafe_body(pf_message *msg)
{
	const char *cte = pf_message_header_get(msg, "Content-Transfer-Encoding",
						0);
	bool eight_ok = cte && (strstr(cte, "8bit") || strstr(cte, "8BIT") ||
				strstr(cte, "binary"));
	const pf_repair_action *unsafe = &msg->cfg->dkim.unsafe_body_action;
	GString *what = g_string_new(NULL);
	pf_result *r;

	if (msg->max_line_len > 998)
		g_string_append_printf(what, "a line of %zu octets (the limit "
		    "is 998)", msg->max_line_len);
	if (msg->body_8bit) {
		GString *part = g_string_new(NULL);

		if (part_8bit(msg, part))
			g_string_append_printf(what, "%s%s", what->len ? ", " :
					       "", part->str);
		else if (!eight_ok && !pf_message_header_get(msg,
		    "MIME-Version", 0))	/* beyond what was parsed */
			g_string_append_printf(what, "%s8-bit data without "
			    "MIME headers", what->len ? ", " : "");
		g_string_free(part, TRUE);
	}
	if (msg->bare_cr_lf)
		g_string_append_printf(what, "%s%u bare CR or LF", what->len ?
		    ", " : "", msg->bare_cr_lf);
	if (what->len && !(unsafe->reencode && reencoded(msg, what))) {
		r = pf_result_add(msg, PF_CHECK_DKIM, "dkim.unsafe-body",
		    unsafe->reencode && unsafe->action == PF_ACTION_NONE ?
		    PF_ACTION_TEMPFAIL : unsafe->action, 0, "451", "4.6.0");
		pf_result_text(r, "The body has %s; a relay would rewrite it "
		    "after signing and break the DKIM signature", what->str);
		pf_result_fix(r, "Send the content quoted-printable or base64 "
		    "encoded (most mail programs do when told to), or wrap "
		    "long lines");
	}
	g_string_free(what, TRUE);
}

static void
finish(pf_message *msg, dkim_state *st)
{
	pf_result *r;

	for (guint i = 0; i < st->handles->len; i++) {
		DKIM *d = st->handles->pdata[i];
		pf_dkim_key *k = st->keys->pdata[i];
		unsigned char *sig = NULL;
		size_t len = 0;

		if (dkim_eom(d, NULL) != DKIM_STAT_OK ||
		    dkim_getsighdr_d(d, strlen(DKIM_SIGNHEADER) + 2, &sig,
				     &len) != DKIM_STAT_OK) {
			pf_error("%s: DKIM signing with %s failed: %s",
			    msg->queue_id ? msg->queue_id : "NOQUEUE", k->path,
			    dkim_geterror(d));
			continue;
		}
		pf_message_add_header(msg, DKIM_SIGNHEADER, (char *)sig, true);
		pf_metrics_dkim_signature(k->ed25519);
		/* after the verdict: informational, for the decision line
		 * and the audit record */
		r = pf_result_add(msg, PF_CHECK_DKIM, "dkim.signed",
		    PF_ACTION_NONE, 0, NULL, NULL);
		pf_result_text(r, "Signed with d=%s s=%s (%s)", k->domain,
		    k->selector, k->ed25519 ? "ed25519-sha256" : "rsa-sha256");
		pf_result_fact(r, "d", "%s", k->domain);
		pf_result_fact(r, "s", "%s", k->selector);
		pf_result_fact(r, "a", "%s", k->ed25519 ? "ed25519-sha256" :
		    "rsa-sha256");
	}
}

/*
 * The body was replaced (reencode.h): the handles fed at end of headers
 * and during BODY hashed what came; sign afresh over the header block as
 * relayed and the new body.
 */
static void
sign_new_body(pf_message *msg, dkim_state *st)
{
	const GByteArray *b = msg->new_body;
	DKIM_LIB *lib = lib_for(msg->cfg);

	if (lib == NULL || open_handles(msg, st, lib, true) < 0) {
		st->signing = false;
		return;
	}
	for (gsize off = 0; off < b->len; off += 65536)
		for (guint i = 0; i < st->handles->len; i++)
			(void)dkim_body(st->handles->pdata[i], b->data + off,
			    MIN((gsize)65536, b->len - off));
}

/*
 * With reencode in force, a body that has shown a long line or a bare CR
 * or LF is either re-encoded and signed afresh (sign_new_body) or
 * tempfailed: hashing the rest of it as it came would be wasted (a third
 * of the cost of a 5 MB message, bench/).
 */
static bool
resigned_later(const pf_message *msg)
{
	return msg->cfg->dkim.unsafe_body_action.reencode &&
	    !msg->cfg->monitor && msg->cfg->dkim.mode == PF_MODE_ENFORCE &&
	    (MAX(msg->max_line_len, msg->line_len) > 998 || msg->bare_cr_lf);
}

static void
dkim_run(pf_message *msg, pf_stage stage)
{
	dkim_state *st = msg->state[PF_CHECK_DKIM];
	pf_result *r;

	switch (stage) {
	case PF_STAGE_EOH:
		dkim_state_free(st);
		st = msg->state[PF_CHECK_DKIM] = g_new0(dkim_state, 1);
		start_signing(msg, st);
		break;
	case PF_STAGE_BODY:
		if (st && st->signing && !resigned_later(msg))
			for (guint i = 0; i < st->handles->len; i++)
				(void)dkim_body(st->handles->pdata[i],
				    (unsigned char *)msg->chunk, msg->chunk_len);
		break;
	case PF_STAGE_EOM:
		if (st == NULL)
			break;
		if (!st->signing) {
			if (st->why_not && st->keys == NULL &&
			    msg->cfg->dkim.keys &&
			    msg->cfg->dkim.keys->keys->len) {
				/* informational: nothing to enforce */
				r = pf_result_add(msg, PF_CHECK_DKIM,
				    "dkim.not-signed", PF_ACTION_NONE, 0, NULL,
				    NULL);
				pf_result_text(r, "Not signed: %s", st->why_not);
				pf_result_fact(r, "why", "%s", st->why_not);
			}
			break;
		}
		for (guint i = 0; i < st->keys->len; i++) {
			pf_dkim_key *k = st->keys->pdata[i];

			pf_message_add_dkim_domain(msg, k->domain);
		}
		check_published(msg, st);
		check_unsafe_body(msg);
		break;
	case PF_STAGE_FINAL:
		if (st && st->signing && msg->new_body)
			sign_new_body(msg, st);
		if (st && st->signing)
			finish(msg, st);
		break;
	default:
		break;
	}
}

static pf_mode *
dkim_mode(pf_config *cfg)
{
	return &cfg->dkim.mode;
}

static int
dkim_configure(pf_config *cfg, GString *err)
{
	if (pf_dkim_keys_load(&cfg->dkim, err) < 0)
		return -1;
	return 0;
}

static void
dkim_unconfigure(pf_config *cfg)
{
	if (cfg->dkim.keys && cfg->dkim.keys->lib)
		(void)dkim_close(cfg->dkim.keys->lib);
	pf_dkim_keys_free(&cfg->dkim.keys);
}

const pf_check pf_check_dkim = {
	.id = PF_CHECK_DKIM,
	.name = "dkim",
	.stages = PF_STAGE_EOH | PF_STAGE_BODY | PF_STAGE_EOM |
	    PF_STAGE_FINAL,
	.mode = dkim_mode,
	.run = dkim_run,
	.configure = dkim_configure,
	.unconfigure = dkim_unconfigure,
	.free_state = dkim_state_free,
};
