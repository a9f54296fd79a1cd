/*
 * NAME
 *	verdict - results to action, reply, header and decision line
 * SYNOPSIS
 *	pf_verdict *pf_verdict_decide(pf_message *msg, pf_stage stage,
 *				      unsigned first_result);
 *	void pf_verdict_free(pf_verdict **v);
 *	void pf_verdict_log(const pf_message *msg, const pf_verdict *v);
 *	char *pf_verdict_json(const pf_message *msg, const pf_verdict *v);
 *	void pf_text_printable(GString *out, const char *text, size_t max);
 *	void pf_text_reply(GString *out, const char *text, size_t max);
void pf_text_reply(GString *out, const char *text, size_t max);
 *	void pf_json_string(GString *out, const char *text);
 * DESCRIPTION
 *	The only place where an action is decided.  Each result asks for an
 *	action (or none) and adds a score; results of checks in monitor mode
 *	count only towards "would".  The applied action is the most severe
 *	of the enforced results' actions and of the action the total score
 *	reaches (annotate_score, quarantine_score, reject_score); global
 *	monitor mode applies accept and logs what would have happened.
 *
 *	Before end of message (stage MAIL, RCPT, EOH) only results from
 *	first_result on are looked at, and a verdict is returned only when
 *	they tempfail or reject: the MTA then refuses early.  At RCPT the
 *	verdict concerns that recipient only.  At EOM a verdict is always
 *	returned.
 *
 *	The reply is a list of lines already made safe (printable, no CR or
 *	LF, at most PF_REPLY_LINE_MAX bytes each, at most PF_REPLY_LINES);
 *	the MTA glue only escapes what its protocol needs ("%" for
 *	libmilter).  The enhanced code's class always matches the reply
 *	code's class, which matches the action (4xx tempfail, 5xx reject).
 *
 *	pf_verdict_log() writes the one decision line (and the audit record
 *	when an audit log is configured).  pf_verdict_json() returns the
 *	verdict as a JSON object (caller frees with g_free), the audit
 *	record: its first key "schema" is PF_AUDIT_SCHEMA, raised whenever a
 *	key changes meaning or goes away (added keys do not raise it).
 */
#ifndef PF_VERDICT_H
#define PF_VERDICT_H

#include "core/message.h"

#define PF_AUDIT_SCHEMA 1
#define PF_REPLY_LINE_MAX 900
#define PF_REPLY_LINES 12

typedef struct pf_verdict pf_verdict;

struct pf_verdict {
	pf_action action;		/* applied */
	pf_action would;		/* with every check enforced */
	bool monitor;			/* global monitor mode */
	pf_stage stage;
	bool recipient_only;		/* RCPT: refuses that recipient only */
	char *recipient;		/* that recipient */
	int score;			/* enforced results */
	int would_score;		/* all results */
	const pf_result *primary;	/* deciding result, or NULL */
	char smtp[4];			/* "552", or "" when accepted */
	char dsn[12];			/* "5.3.4" */
	GPtrArray *reply;		/* char *, safe lines */
	char *quarantine_reason;	/* for QUARANTINE */
	GPtrArray *own_results;		/* results moved out of the message */
	int64_t elapsed_us;
};

pf_verdict *pf_verdict_decide(pf_message *msg, pf_stage stage,
			      unsigned first_result);
void pf_verdict_free(pf_verdict **v);
void pf_verdict_log(const pf_message *msg, const pf_verdict *v);
char *pf_verdict_json(const pf_message *msg, const pf_verdict *v);
GString *pf_verdict_line(const pf_message *msg, const pf_verdict *v);

void pf_text_printable(GString *out, const char *text, size_t max);
void pf_text_reply(GString *out, const char *text, size_t max);
void pf_json_string(GString *out, const char *text);

/* audit.c */
int pf_audit_open(const char *path);
int pf_audit_reopen(void);
bool pf_audit_enabled(void);
void pf_audit_write(const char *json_line);
void pf_audit_close(void);

#endif
