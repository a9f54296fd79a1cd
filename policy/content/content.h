/*
 * NAME
 *	content - what the content checks share: overrides, word sets, bulk
 * SYNOPSIS
 *	pf_result *pf_content_add(pf_message *msg, pf_check_id check,
 *				  const char *code, pf_action action,
 *				  int score, const char *smtp,
 *				  const char *dsn);
 *	bool pf_content_check_off(const pf_message *msg, pf_check_id check);
 *	void pf_content_skipped(pf_message *msg, pf_check_id check,
 *				const char *code, const char *what);
 *	bool pf_content_is_bulk(const pf_message *msg, GString *why);
 *	pf_unsubscribe pf_content_unsubscribe(const pf_message *msg);
 *	GHashTable *pf_word_set_new(const char *words);
 *	bool pf_word_set_has(GHashTable *set, const char *word);
 *	const char *pf_org_domain(const char *host);
 *	bool pf_content_validate_override(const char *key, const char *value,
 *					  GString *why, void *arg);
 * DESCRIPTION
 *	pf_content_add() is pf_result_add() with the [content] overrides
 *	applied for the envelope sender's domain: it returns NULL when the
 *	rule or its whole check is off for that domain (the caller then
 *	describes nothing), and with "check.rule=N" it turns the result into
 *	a scored one (action none, score N).  Rule names are the code after
 *	the check's name and dot: "attach.double-extension".
 *
 *	pf_content_check_off() says whether a content check is switched off
 *	for the sender's domain ("domain off" or "domain check=off").
 *
 *	pf_content_skipped() adds an informational result (score 0, no
 *	action) saying what was not examined, e.g. because the body was
 *	larger than max_scan_size.
 *
 *	pf_content_is_bulk() decides whether a message is bulk mail: at
 *	least [bulk] recipients recipients, a Precedence of bulk, list or
 *	junk, or a List-Id header; why (may be NULL) gets the reason.
 *
 *	pf_content_unsubscribe() says how far the message meets RFC 2369
 *	and RFC 8058: no List-Unsubscribe, one without an https URI, an https
 *	URI without "List-Unsubscribe-Post: List-Unsubscribe=One-Click", or
 *	one-click unsubscribe.
 *
 *	pf_word_set_new() makes a set of the lower-case words (separated by
 *	spaces, tabs or commas, leading dots dropped); free it with
 *	g_hash_table_destroy().  pf_word_set_has() compares without regard
 *	to case.
 *
 *	pf_org_domain() returns the registrable domain of a host name
 *	(libpsl's built-in list) in a buffer owned by libpsl's string, or
 *	the host itself when it has none; never NULL for a non-NULL host.
 */
#ifndef PF_CONTENT_H
#define PF_CONTENT_H

#include "core/check.h"

pf_result *pf_content_add(pf_message *msg, pf_check_id check,
			  const char *code, pf_action action, int score,
			  const char *smtp, const char *dsn);
bool pf_content_check_off(const pf_message *msg, pf_check_id check);
void pf_content_skipped(pf_message *msg, pf_check_id check, const char *code,
			const char *what);
bool pf_content_is_bulk(const pf_message *msg, GString *why);

typedef enum pf_unsubscribe {
	PF_UNSUB_NONE,		/* no List-Unsubscribe */
	PF_UNSUB_NO_HTTPS,	/* only mailto: or http: */
	PF_UNSUB_NO_POST,	/* https, no one-click List-Unsubscribe-Post */
	PF_UNSUB_ONE_CLICK,
} pf_unsubscribe;
pf_unsubscribe pf_content_unsubscribe(const pf_message *msg);
GHashTable *pf_word_set_new(const char *words);
bool pf_word_set_has(GHashTable *set, const char *word);
const char *pf_org_domain(const char *host);
bool pf_content_validate_override(const char *key, const char *value,
				  GString *why, void *arg);

#endif
