/*
 * NAME
 *	message - the message model, built incrementally stage by stage
 * SYNOPSIS
 *	pf_message *pf_message_new(pf_config *cfg, const pf_conninfo *conn);
 *	void pf_message_free(pf_message **msg);
 *
 *	void pf_message_set_sender(pf_message *msg, const char *sender,
 *				   char *const *esmtp_args);
 *	void pf_message_add_rcpt(pf_message *msg, const char *rcpt);
 *	void pf_message_refuse_rcpt(pf_message *msg);
 *	void pf_message_store_header(pf_message *msg, const char *name,
 *				     const char *value);
 *	void pf_message_store_header_len(pf_message *msg, const char *name,
 *					 const char *value, size_t len);
 *	void pf_message_end_headers(pf_message *msg);
 *	void pf_message_store_body(pf_message *msg,
 *				   const unsigned char *data, size_t len);
 *	void pf_message_chunk_done(pf_message *msg);
 *	void pf_message_end_body(pf_message *msg);
 *
 *	pf_result *pf_result_add(pf_message *msg, pf_check_id check,
 *				 const char *code, pf_action action, int score,
 *				 const char *smtp, const char *dsn);
 *	void pf_result_text(pf_result *r, const char *fmt, ...);
 *	void pf_result_fix(pf_result *r, const char *fmt, ...);
 *	void pf_result_fact(pf_result *r, const char *key, const char *fmt, ...);
 *	void pf_message_add_header(pf_message *msg, const char *name,
 *				   const char *value, bool prepend);
 *	void pf_message_delete_header(pf_message *msg, const char *name,
 *				      unsigned index);
 *	void pf_message_delete_header(pf_message *msg, const char *name,
			      unsigned index);
void pf_message_add_dkim_domain(pf_message *msg, const char *domain);
 *	void pf_message_replace_body(pf_message *msg, GByteArray *body);
 *	const char *pf_message_header_get(const pf_message *msg,
 *					  const char *name, unsigned nth);
 * DESCRIPTION
 *	One pf_message per transaction, created at MAIL FROM and freed once
 *	at end of message or abort: everything a check allocates for the
 *	message hangs off it and dies with it.  It holds a reference to the
 *	configuration that was current when it was created.
 *
 *	The model holds what arrived and answers questions about it; it
 *	runs no check and decides nothing.  The pipeline (pipeline.h) stores
 *	each stage's data with the _set/_add/_store/_end functions, then runs
 *	that stage's checks and asks the verdict engine.
 *	pf_message_refuse_rcpt() drops the recipient added last (refused at
 *	RCPT) and counts it.  During BODY, msg->chunk is the chunk just
 *	stored, until pf_message_chunk_done().
 *
 *	Header values are taken as the MTA passes them (without the space
 *	after the colon; folded lines keep their line breaks).  Fields are
 *	kept in msg->headers up to cfg->max_header_size bytes; further ones
 *	are counted (header_bytes, headers_dropped) but not kept, except the
 *	author, DKIM-signed and Authentication-Results fields: up to
 *	PF_HEADER_KEY_EXTRA of those are kept wherever they stand
 *	(headers_key_extra), and any further one is counted in
 *	headers_key_lost so that a check can refuse the message rather than
 *	read it without them.  _store_header_len() takes a value that may
 *	hold NUL bytes (h->value_len says how long it is; the milter gets
 *	values cut at the first NUL, preflight scan gets them whole).
 *	"SMTPUTF8" among the MAIL FROM parameters sets msg->smtputf8.  Body bytes
 *	are counted in full; the first cfg->max_scan_size bytes are kept in
 *	msg->body for content checks, and msg->body_truncated says when more
 *	came.
 *
 *	Checks add findings with pf_result_add() and describe them with the
 *	_text (what is wrong, with the values), _fix (what to do) and _fact
 *	(key=value for the log line) helpers.  Header edits requested with
 *	pf_message_add_header() are applied by the MTA glue only when the
 *	message is relayed; so are deletions requested with
 *	pf_message_delete_header() (index: the 1-based occurrence of name
 *	among the message's fields, as libmilter's change-header call
 *	counts them), which the glue applies highest index first.
 *
 *	pf_message_replace_body() gives the message a new body (CRLF line
 *	ends; the message takes ownership, NULL drops one set before):
 *	msg->new_body is shipped by the MTA glue, like the header edits,
 *	only when the message is relayed, and DKIM signs it instead of the
 *	body that arrived (content/reencode.h makes it).  msg->body stays
 *	what arrived, for the parse the content checks share.
 *
 *	pf_message_add_dkim_domain() records a d= domain the DKIM check will
 *	sign this message with (msg->dkim_sign_domains), so that the DMARC
 *	check can predict DKIM alignment; call it by end of message, before
 *	the DMARC check runs (checks run in pf_check_id order).
 */
#ifndef PF_MESSAGE_H
#define PF_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "core/config.h"
#include "core/log.h"

typedef enum pf_stage {
	PF_STAGE_CONNECT = 1 << 0,
	PF_STAGE_HELO = 1 << 1,
	PF_STAGE_MAIL = 1 << 2,
	PF_STAGE_RCPT = 1 << 3,
	PF_STAGE_HEADER = 1 << 4,
	PF_STAGE_EOH = 1 << 5,
	PF_STAGE_BODY = 1 << 6,
	PF_STAGE_EOM = 1 << 7,
	PF_STAGE_FINAL = 1 << 8,	/* after the verdict, message relayed */
} pf_stage;

const char *pf_stage_name(pf_stage stage);

/* What the MTA told us about the connection; strings may be NULL. */
typedef struct pf_conninfo {
	const char *client_name;
	const char *client_addr;
	const char *helo;
	const char *daemon_name;	/* {daemon_name} */
	const char *mta_hostname;	/* j */
} pf_conninfo;

typedef struct pf_header {
	char *name;
	char *value;
	size_t value_len;	/* bytes in value (a NUL may be inside) */
} pf_header;

typedef struct pf_header_ref {
	char *name;
	unsigned index;		/* 1-based, among fields of this name */
} pf_header_ref;

#define PF_HEADER_KEY_EXTRA 64	/* key fields kept past max_header_size */

typedef struct pf_fact {
	char *key;
	char *value;
} pf_fact;

typedef struct pf_result {
	pf_check_id check;
	const char *code;	/* static: "size.too-big" */
	pf_action action;	/* asked for when enforced; NONE: score only */
	int score;
	const char *smtp;	/* static: "552" */
	const char *dsn;	/* static: "5.3.4" */
	pf_mode mode;		/* of its check when it was added */
	char *text;		/* what is wrong, with the values */
	char *fix;		/* what to do about it, or NULL */
	GArray *facts;		/* pf_fact, for the log line and audit */
} pf_result;

typedef struct pf_message {
	pf_config *cfg;			/* one reference */
	int64_t start_us;		/* monotonic, at MAIL FROM */

	/* connection */
	char *client_name, *client_addr, *helo, *daemon_name, *mta_hostname;

	/* envelope */
	char *queue_id;			/* {i}, when the MTA told us */
	char *auth_user;		/* {auth_authen} */
	char *sender;			/* MAIL FROM address without <> */
	long long esmtp_size;		/* SIZE=, or -1 */
	size_t body_hint;		/* body bytes the caller is about to
					 * give (pf_feed_raw), or 0 */
	GPtrArray *rcpts;		/* char *, accepted recipients */
	unsigned rcpts_refused;

	/* content */
	GArray *headers;		/* pf_header, in order */
	size_t header_bytes;		/* as "Name: value\r\n" */
	size_t header_kept;		/* bytes of the fields in headers */
	unsigned headers_dropped;	/* fields beyond max_header_size */
	unsigned headers_key_extra;	/* key fields kept beyond it */
	unsigned headers_key_lost;	/* key fields not kept even so */
	bool smtputf8;			/* MAIL FROM ... SMTPUTF8 */
	size_t body_bytes;
	GByteArray *body;		/* first max_scan_size bytes */
	bool body_truncated;
	size_t line_len, max_line_len;	/* body lines, CRLF excluded */
	bool prev_cr;			/* last body byte fed was CR */
	bool body_8bit;			/* a body byte above 0x7f */
	unsigned bare_cr_lf;		/* CR not before LF, LF not after CR */
	const unsigned char *chunk;	/* during BODY: the bytes just fed */
	size_t chunk_len;

	/* findings and decisions */
	GPtrArray *results;		/* pf_result * */
	GArray *add_headers;		/* pf_header, to add when relayed */
	GArray *add_prepend;		/* gboolean per add_headers entry */
	GArray *del_headers;		/* pf_header_ref, to delete when relayed */
	GByteArray *new_body;		/* to replace the body when relayed */
	pf_stage stage;			/* last stage fed (set by the pipeline) */

	/* d= domains the DKIM check will sign with (char *), set by it
	 * before EOM runs SPF/DMARC; read by the DMARC alignment check */
	GPtrArray *dkim_sign_domains;

	/* pf_from_address()'s reading (auth/dmarc.h), while headers->len
	 * is still from_address_at (fields are only ever added) */
	char *from_address;
	guint from_address_at;

	void *state[PF_CHECK_COUNT];	/* per-check state, freed by the check */

	/* run time of each check for this message, while metrics count */
	int64_t check_us[PF_CHECK_COUNT];
	unsigned check_ran;		/* bit (1 << id): check_us[id] is set */
} pf_message;

pf_message *pf_message_new(pf_config *cfg, const pf_conninfo *conn);
void pf_message_free(pf_message **msg);
void pf_message_set_queue_id(pf_message *msg, const char *queue_id);
void pf_message_set_auth_user(pf_message *msg, const char *user);

void pf_message_set_sender(pf_message *msg, const char *sender,
			   char *const *esmtp_args);
void pf_message_add_rcpt(pf_message *msg, const char *rcpt);
void pf_message_refuse_rcpt(pf_message *msg);
void pf_message_store_header(pf_message *msg, const char *name,
			     const char *value);
void pf_message_store_header_len(pf_message *msg, const char *name,
				 const char *value, size_t value_len);
void pf_message_end_headers(pf_message *msg);
void pf_message_store_body(pf_message *msg, const unsigned char *data,
			   size_t len);
void pf_message_chunk_done(pf_message *msg);
void pf_message_end_body(pf_message *msg);

size_t pf_message_size(const pf_message *msg);
const char *pf_message_header_get(const pf_message *msg, const char *name,
				  unsigned nth);
unsigned pf_message_header_count(const pf_message *msg, const char *name);
const char *pf_message_sender_domain(const pf_message *msg);
int64_t pf_now_us(void);

pf_result *pf_result_add(pf_message *msg, pf_check_id check, const char *code,
			 pf_action action, int score, const char *smtp,
			 const char *dsn);
void pf_result_text(pf_result *r, const char *fmt, ...) PF_PRINTF(2, 3);
void pf_result_fix(pf_result *r, const char *fmt, ...) PF_PRINTF(2, 3);
void pf_result_fact(pf_result *r, const char *key, const char *fmt, ...)
    PF_PRINTF(3, 4);
void pf_result_free(gpointer r);
const char *pf_result_fact_get(const pf_result *r, const char *key);

void pf_message_add_header(pf_message *msg, const char *name,
			   const char *value, bool prepend);
void pf_message_delete_header(pf_message *msg, const char *name,
			      unsigned index);
void pf_message_add_dkim_domain(pf_message *msg, const char *domain);
void pf_message_replace_body(pf_message *msg, GByteArray *body);

#endif
