/*
 * NAME
 *	message - the message model, built incrementally (see message.h)
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "core/message.h"
#include "core/metrics.h"

#define PREFAULT_MIN ((size_t)2 << 20)

int64_t
pf_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *
pf_stage_name(pf_stage stage)
{
	switch (stage) {
	case PF_STAGE_CONNECT: return "connect";
	case PF_STAGE_HELO: return "helo";
	case PF_STAGE_MAIL: return "mail";
	case PF_STAGE_RCPT: return "rcpt";
	case PF_STAGE_HEADER: return "header";
	case PF_STAGE_EOH: return "eoh";
	case PF_STAGE_BODY: return "body";
	case PF_STAGE_EOM: return "eom";
	case PF_STAGE_FINAL: return "final";
	}
	return "unknown";
}

static void
header_clear(gpointer p)
{
	pf_header *h = p;

	g_free(h->name);
	g_free(h->value);
}

static void
header_ref_clear(gpointer p)
{
	g_free(((pf_header_ref *)p)->name);
}

static void
fact_clear(gpointer p)
{
	pf_fact *f = p;

	g_free(f->key);
	g_free(f->value);
}

void
pf_result_free(gpointer p)
{
	pf_result *r = p;

	g_free(r->text);
	g_free(r->fix);
	g_array_free(r->facts, TRUE);
	g_free(r);
}

pf_message *
pf_message_new(pf_config *cfg, const pf_conninfo *conn)
{
	pf_message *msg = g_new0(pf_message, 1);

	msg->cfg = pf_config_ref(cfg);
	msg->start_us = pf_now_us();
	if (conn) {
		msg->client_name = g_strdup(conn->client_name);
		msg->client_addr = g_strdup(conn->client_addr);
		msg->helo = g_strdup(conn->helo);
		msg->daemon_name = g_strdup(conn->daemon_name);
		msg->mta_hostname = g_strdup(conn->mta_hostname);
	}
	msg->esmtp_size = -1;
	msg->rcpts = g_ptr_array_new_with_free_func(g_free);
	msg->headers = g_array_new(FALSE, TRUE, sizeof(pf_header));
	g_array_set_clear_func(msg->headers, header_clear);
	msg->body = g_byte_array_new();
	msg->results = g_ptr_array_new_with_free_func(pf_result_free);
	msg->add_headers = g_array_new(FALSE, TRUE, sizeof(pf_header));
	g_array_set_clear_func(msg->add_headers, header_clear);
	msg->add_prepend = g_array_new(FALSE, TRUE, sizeof(gboolean));
	msg->del_headers = g_array_new(FALSE, TRUE, sizeof(pf_header_ref));
	g_array_set_clear_func(msg->del_headers, header_ref_clear);
	msg->dkim_sign_domains = g_ptr_array_new_with_free_func(g_free);
	return msg;
}

void
pf_message_free(pf_message **msgp)
{
	pf_message *msg;

	if (msgp == NULL || (msg = *msgp) == NULL)
		return;
	*msgp = NULL;
	g_free(msg->client_name);
	g_free(msg->client_addr);
	g_free(msg->helo);
	g_free(msg->daemon_name);
	g_free(msg->mta_hostname);
	g_free(msg->queue_id);
	g_free(msg->auth_user);
	g_free(msg->sender);
	g_free(msg->from_address);
	g_ptr_array_free(msg->rcpts, TRUE);
	g_array_free(msg->headers, TRUE);
	g_byte_array_free(msg->body, TRUE);
	g_ptr_array_free(msg->results, TRUE);
	g_array_free(msg->add_headers, TRUE);
	g_array_free(msg->add_prepend, TRUE);
	g_array_free(msg->del_headers, TRUE);
	g_ptr_array_free(msg->dkim_sign_domains, TRUE);
	if (msg->new_body)
		g_byte_array_free(msg->new_body, TRUE);
	pf_config_unref(&msg->cfg);
	g_free(msg);
}

void
pf_message_set_queue_id(pf_message *msg, const char *queue_id)
{
	if (queue_id == NULL || *queue_id == '\0')
		return;
	g_free(msg->queue_id);
	msg->queue_id = g_strdup(queue_id);
}

void
pf_message_set_auth_user(pf_message *msg, const char *user)
{
	if (user == NULL || *user == '\0')
		return;
	g_free(msg->auth_user);
	msg->auth_user = g_strdup(user);
}

/* "<a@b>" or "a@b" -> "a@b"; the null sender is "". */
static char *
strip_brackets(const char *addr)
{
	size_t len;

	if (addr == NULL)
		return g_strdup("");
	len = strlen(addr);
	if (len >= 2 && addr[0] == '<' && addr[len - 1] == '>')
		return g_strndup(addr + 1, len - 2);
	return g_strdup(addr);
}

void
pf_message_set_sender(pf_message *msg, const char *sender,
		      char *const *esmtp_args)
{
	g_free(msg->sender);
	msg->sender = strip_brackets(sender);
	for (; esmtp_args && *esmtp_args; esmtp_args++) {
		const char *arg = *esmtp_args;

		if (g_ascii_strcasecmp(arg, "SMTPUTF8") == 0)
			msg->smtputf8 = true;
		if (g_ascii_strncasecmp(arg, "SIZE=", 5) == 0) {
			char *end;
			long long n = strtoll(arg + 5, &end, 10);

			if (end != arg + 5 && *end == '\0' && n >= 0)
				msg->esmtp_size = n;
		}
	}
}

void
pf_message_add_rcpt(pf_message *msg, const char *rcpt)
{
	g_ptr_array_add(msg->rcpts, strip_brackets(rcpt));
}

void
pf_message_refuse_rcpt(pf_message *msg)
{
	if (msg->rcpts->len == 0)
		return;
	g_ptr_array_remove_index(msg->rcpts, msg->rcpts->len - 1);
	msg->rcpts_refused++;
}

/*
 * Fields kept even past max_header_size: the author fields, what DKIM
 * signs and Authentication-Results (whose index the MTA counts when one
 * is deleted).  A name written with blanks before the colon ("From :")
 * counts as the name.  Dropping one silently would let a From placed
 * after a large header go unchecked.
 */
static bool
key_field(const char *name)
{
	static const char *const keep[] = {
		"From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date",
		"Message-ID", "In-Reply-To", "References", "MIME-Version",
		"Content-Type", "Content-Transfer-Encoding", "DKIM-Signature",
		"Authentication-Results", "List-Unsubscribe",
		"List-Unsubscribe-Post", NULL,
	};
	size_t n = strlen(name);

	while (n > 0 && (name[n - 1] == ' ' || name[n - 1] == '\t'))
		n--;
	for (unsigned i = 0; keep[i]; i++)
		if (strlen(keep[i]) == n && g_ascii_strncasecmp(keep[i], name,
								n) == 0)
			return true;
	return false;
}

void
pf_message_store_header(pf_message *msg, const char *name,
			const char *value)
{
	pf_message_store_header_len(msg, name, value,
				    value ? strlen(value) : 0);
}

void
pf_message_store_header_len(pf_message *msg, const char *name,
			    const char *value, size_t value_len)
{
	pf_header h = {0};
	size_t len;
	bool fits;

	name = name ? name : "";
	value = value ? value : "";
	len = strlen(name) + 2 + value_len + 2;
	msg->header_bytes += len;
	fits = msg->header_kept + len <= msg->cfg->max_header_size;
	if (!fits && key_field(name)) {
		if (msg->headers_key_extra >= PF_HEADER_KEY_EXTRA) {
			msg->headers_key_lost++;
			msg->headers_dropped++;
			return;
		}
		msg->headers_key_extra++;
		fits = true;
	}
	if (!fits) {
		msg->headers_dropped++;
		return;
	}
	h.name = g_strdup(name);
	h.value = g_malloc(value_len + 1);
	memcpy(h.value, value, value_len);
	h.value[value_len] = '\0';
	h.value_len = value_len;
	g_array_append_val(msg->headers, h);
	msg->header_kept += len;
}

void
pf_message_end_headers(pf_message *msg)
{
	msg->header_bytes += 2;		/* the empty line */
}

/*
 * Whether d[0..len) has an 8-bit byte, and how many CRs, eight bytes at a
 * time (a byte-at-a-time loop here was 5% of the milter's CPU on a 5 MB
 * message).  In y = word ^ 0x0d.., a byte is zero exactly when
 * ~(((y & 0x7f..) + 0x7f..) | y | 0x7f..) has its top bit set; those bits
 * shifted down to ones, a multiply by 0x01.. sums them in the top byte.
 */
static size_t
count_cr(const unsigned char *d, size_t len, bool *eight)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL, cr = 0x0d0d0d0d0d0d0d0dULL;
	uint64_t any = 0, w, y;
	size_t n = 0, i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, d + i, sizeof(w));
		any |= w;
		y = w ^ cr;
		y = ~(((y & low7) + low7) | y | low7) >> 7;
		n += (size_t)((y * 0x0101010101010101ULL) >> 56);
	}
	for (; i < len; i++) {
		any |= d[i];
		n += d[i] == '\r';
	}
	if (any & 0x8080808080808080ULL)
		*eight = true;
	return n;
}

/*
 * 8-bit bytes, bare CR or LF, and line lengths of a body chunk (lines may
 * span chunks: line_len and prev_cr carry over).  memchr() finds line
 * ends; the CRs are counted once (count_cr()) and the bare ones are those
 * not before an LF (a CR ending the chunk waits for the next one).
 * Locals keep the state in registers.
 */
static void
scan_body(pf_message *msg, const unsigned char *p, size_t len)
{
	const unsigned char *start = p, *end = p + len;
	size_t line = msg->line_len, longest = msg->max_line_len, crs, crlf = 0;
	unsigned bare = msg->bare_cr_lf;
	bool prev_cr = msg->prev_cr;

	if (len == 0)
		return;
	crs = count_cr(p, len, &msg->body_8bit);
	if (prev_cr && *p != '\n')
		bare++;			/* the last chunk's final CR */
	while (p < end) {
		const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL) {
			line += (size_t)(end - p);
			break;
		}
		line += (size_t)(nl - p);
		if (nl > start ? nl[-1] == '\r' : prev_cr) {
			if (nl > start)
				crlf++;	/* that CR is not bare */
			if (line > 0)
				line--;	/* CR before LF: not part of the line */
		} else {
			bare++;		/* LF without CR */
		}
		if (line > longest)
			longest = line;
		line = 0;
		p = nl + 1;
	}
	msg->prev_cr = end[-1] == '\r';
	bare += (unsigned)(crs - crlf - (msg->prev_cr ? 1 : 0));
	msg->line_len = line;
	msg->max_line_len = longest;
	msg->bare_cr_lf = bare;
}

/*
 * Fresh memory is faulted in a page at a time, and on paravirtualised
 * machines a fault costs microseconds: a 5 MB body took 15 ms that way in
 * preflight scan.  A large buffer that is about to be filled is asked for
 * whole, in huge pages where the kernel has them.  Advice only: errors
 * change nothing.  Only for pf_feed_raw's one-shot callers: the milter
 * reuses its freed bodies' memory, already faulted in, and there the
 * advice cost more than it saved (24.6 -> 30.2 ms a 5 MB message).
 */
static void
prefault(void *p, size_t len)
{
#if defined(MADV_POPULATE_WRITE) && defined(MADV_HUGEPAGE)
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t e = ((uintptr_t)p + len) & ~(page - 1);

	if (len < PREFAULT_MIN || e <= a)
		return;
	(void)madvise((void *)a, e - a, MADV_HUGEPAGE);
	(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
	(void)p;
	(void)len;
#endif
}

void
pf_message_store_body(pf_message *msg, const unsigned char *data, size_t len)
{
	size_t keep = 0;

	/*
	 * The client's SIZE= (headers included, so an upper bound), or what
	 * the caller said it will give, sizes the body once, up to what is
	 * kept: no copy each time the array doubles.
	 */
	if (msg->body->len == 0 && len > 0 &&
	    (msg->esmtp_size > 0 || msg->body_hint > 0)) {
		size_t want = MIN(msg->esmtp_size > 0 ?
		    (size_t)msg->esmtp_size : msg->body_hint,
		    msg->cfg->max_scan_size);

		if (want > len) {
			g_byte_array_set_size(g_byte_array_set_size(msg->body,
			    (guint)want), 0);
			if (msg->esmtp_size <= 0)
				prefault(msg->body->data, want);
		}
	}
	if (msg->body->len < msg->cfg->max_scan_size) {
		keep = msg->cfg->max_scan_size - msg->body->len;
		if (keep > len)
			keep = len;
		g_byte_array_append(msg->body, data, (guint)keep);
	}
	if (keep < len)
		msg->body_truncated = true;
	msg->body_bytes += len;
	scan_body(msg, data, len);
	msg->chunk = data;
	msg->chunk_len = len;
}

void
pf_message_chunk_done(pf_message *msg)
{
	msg->chunk = NULL;
	msg->chunk_len = 0;
}

void
pf_message_end_body(pf_message *msg)
{
	if (msg->line_len > msg->max_line_len)
		msg->max_line_len = msg->line_len;
}

size_t
pf_message_size(const pf_message *msg)
{
	return msg->header_bytes + msg->body_bytes;
}

const char *
pf_message_header_get(const pf_message *msg, const char *name, unsigned nth)
{
	for (guint i = 0; i < msg->headers->len; i++) {
		const pf_header *h = &g_array_index(msg->headers, pf_header, i);

		if (g_ascii_strcasecmp(h->name, name) == 0 && nth-- == 0)
			return h->value;
	}
	return NULL;
}

unsigned
pf_message_header_count(const pf_message *msg, const char *name)
{
	unsigned n = 0;

	for (guint i = 0; i < msg->headers->len; i++)
		if (g_ascii_strcasecmp(g_array_index(msg->headers, pf_header,
						     i).name, name) == 0)
			n++;
	return n;
}

const char *
pf_message_sender_domain(const pf_message *msg)
{
	const char *at;

	if (msg->sender == NULL || (at = strrchr(msg->sender, '@')) == NULL)
		return NULL;
	return at[1] ? at + 1 : NULL;
}

pf_result *
pf_result_add(pf_message *msg, pf_check_id check, const char *code,
	      pf_action action, int score, const char *smtp, const char *dsn)
{
	pf_result *r = g_new0(pf_result, 1);

	r->check = check;
	r->code = code;
	r->action = action;
	r->score = score;
	r->smtp = smtp;
	r->dsn = dsn;
	r->mode = pf_config_check_mode(msg->cfg, check);
	r->facts = g_array_new(FALSE, TRUE, sizeof(pf_fact));
	g_array_set_clear_func(r->facts, fact_clear);
	g_ptr_array_add(msg->results, r);
	pf_metrics_result(check, action);
	return r;
}

void
pf_result_text(pf_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_free(r->text);
	r->text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

void
pf_result_fix(pf_result *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_free(r->fix);
	r->fix = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

void
pf_result_fact(pf_result *r, const char *key, const char *fmt, ...)
{
	va_list ap;
	pf_fact f;

	va_start(ap, fmt);
	f.key = g_strdup(key);
	f.value = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_array_append_val(r->facts, f);
}

const char *
pf_result_fact_get(const pf_result *r, const char *key)
{
	for (guint i = 0; i < r->facts->len; i++) {
		const pf_fact *f = &g_array_index(r->facts, pf_fact, i);

		if (strcmp(f->key, key) == 0)
			return f->value;
	}
	return NULL;
}

void
pf_message_add_header(pf_message *msg, const char *name, const char *value,
		      bool prepend)
{
	pf_header h = {g_strdup(name), g_strdup(value),
		       value ? strlen(value) : 0};
	gboolean p = prepend;

	g_array_append_val(msg->add_headers, h);
	g_array_append_val(msg->add_prepend, p);
}

void
pf_message_delete_header(pf_message *msg, const char *name, unsigned index)
{
	pf_header_ref d = {g_strdup(name), index};

	g_array_append_val(msg->del_headers, d);
}

void
pf_message_add_dkim_domain(pf_message *msg, const char *domain)
{
	if (domain && *domain)
		g_ptr_array_add(msg->dkim_sign_domains,
				g_ascii_strdown(domain, -1));
}

void
pf_message_replace_body(pf_message *msg, GByteArray *body)
{
	if (msg->new_body)
		g_byte_array_free(msg->new_body, TRUE);
	msg->new_body = body;
}
