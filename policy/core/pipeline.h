/*
 * NAME
 *	pipeline - one transaction's way through the checks to a verdict
 * SYNOPSIS
 *	pf_pipeline *pf_pipeline_new(pf_config *cfg, const pf_conninfo *conn);
 *	void pf_pipeline_free(pf_pipeline **p);
 *
 *	pf_verdict *pf_pipeline_mail(pf_pipeline *p, const char *sender,
 *				     char *const *esmtp_args);
 *	pf_verdict *pf_pipeline_rcpt(pf_pipeline *p, const char *rcpt);
 *	void pf_pipeline_header(pf_pipeline *p, const char *name,
 *				const char *value);
 *	void pf_pipeline_header_len(pf_pipeline *p, const char *name,
 *				    const char *value, size_t len);
 *	pf_verdict *pf_pipeline_eoh(pf_pipeline *p);
 *	void pf_pipeline_body(pf_pipeline *p, const unsigned char *data,
 *			      size_t len);
 *	pf_verdict *pf_pipeline_eom(pf_pipeline *p);
 * DESCRIPTION
 *	The one place that knows the order of the stages.  Each call stores
 *	what arrived in the message model (p->msg, message.h), runs the
 *	checks registered for that stage (check.h) and, where the stage may
 *	refuse, asks the verdict engine (verdict.h).  The MTA glue (milter/)
 *	and the file driver (feed.h, for preflight scan) both drive a
 *	transaction through these calls only.
 *
 *	pf_pipeline_header_len() takes a value that may hold NUL bytes.
 *
 *	pf_pipeline_new() makes the message (MAIL FROM comes next);
 *	pf_pipeline_free() releases the checks' per-message state, the
 *	verdict and the message, and accepts NULL.
 *
 *	MAIL, RCPT and EOH return a verdict when the message (at RCPT: that
 *	recipient, who is then dropped from msg->rcpts) is refused early,
 *	else NULL.  pf_pipeline_eom() always returns a verdict; when it lets
 *	the message go (accept, annotate, quarantine) it runs the FINAL stage
 *	(signing) after deciding.  The newest verdict is p->verdict, owned by
 *	the pipeline; a returned verdict stays valid until the next call that
 *	returns one, or pf_pipeline_free().
 */
#ifndef PF_PIPELINE_H
#define PF_PIPELINE_H

#include "core/message.h"
#include "core/verdict.h"

typedef struct pf_pipeline {
	pf_message *msg;		/* the model, owned */
	pf_verdict *verdict;		/* the newest verdict, owned */
	bool metered;			/* counted in metrics (metrics.h) */
} pf_pipeline;

pf_pipeline *pf_pipeline_new(pf_config *cfg, const pf_conninfo *conn);
void pf_pipeline_free(pf_pipeline **p);

pf_verdict *pf_pipeline_mail(pf_pipeline *p, const char *sender,
			     char *const *esmtp_args);
pf_verdict *pf_pipeline_rcpt(pf_pipeline *p, const char *rcpt);
void pf_pipeline_header(pf_pipeline *p, const char *name, const char *value);
void pf_pipeline_header_len(pf_pipeline *p, const char *name,
			    const char *value, size_t len);
pf_verdict *pf_pipeline_eoh(pf_pipeline *p);
void pf_pipeline_body(pf_pipeline *p, const unsigned char *data, size_t len);
pf_verdict *pf_pipeline_eom(pf_pipeline *p);

#endif
