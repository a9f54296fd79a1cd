/*
 * NAME
 *	pipeline - one transaction's way through the checks (see pipeline.h)
 */
#include <string.h>

#include "core/check.h"
#include "core/metrics.h"
#include "core/pipeline.h"

pf_pipeline *
pf_pipeline_new(pf_config *cfg, const pf_conninfo *conn)
{
	pf_pipeline *p = g_new0(pf_pipeline, 1);

	p->msg = pf_message_new(cfg, conn);
	if ((p->metered = pf_metrics_enabled()))
		pf_metrics_message_begin();
	return p;
}

void
pf_pipeline_free(pf_pipeline **pp)
{
	pf_pipeline *p;

	if (pp == NULL || (p = *pp) == NULL)
		return;
	*pp = NULL;
	if (p->metered)
		pf_metrics_message_end(p->msg->check_us, p->msg->check_ran);
	if (p->msg)
		pf_checks_free_state(p->msg);
	pf_verdict_free(&p->verdict);
	pf_message_free(&p->msg);
	g_free(p);
}

/* Keep the newest verdict; the pipeline owns it. */
static pf_verdict *
keep_verdict(pf_pipeline *p, pf_verdict *v)
{
	if (v == NULL)
		return NULL;
	pf_verdict_free(&p->verdict);
	p->verdict = v;
	return v;
}

/* Run a stage's checks; decide on the results this stage added. */
static pf_verdict *
run_stage(pf_pipeline *p, pf_stage stage)
{
	unsigned first = p->msg->results->len;

	p->msg->stage = stage;
	pf_checks_run(p->msg, stage);
	return pf_verdict_decide(p->msg, stage, first);
}

pf_verdict *
pf_pipeline_mail(pf_pipeline *p, const char *sender, char *const *esmtp_args)
{
	pf_message_set_sender(p->msg, sender, esmtp_args);
	return keep_verdict(p, run_stage(p, PF_STAGE_MAIL));
}

pf_verdict *
pf_pipeline_rcpt(pf_pipeline *p, const char *rcpt)
{
	pf_verdict *v;

	pf_message_add_rcpt(p->msg, rcpt);
	if ((v = run_stage(p, PF_STAGE_RCPT)) != NULL)
		pf_message_refuse_rcpt(p->msg);	/* the verdict took its findings */
	return keep_verdict(p, v);
}

void
pf_pipeline_header(pf_pipeline *p, const char *name, const char *value)
{
	pf_pipeline_header_len(p, name, value, value ? strlen(value) : 0);
}

void
pf_pipeline_header_len(pf_pipeline *p, const char *name, const char *value,
		       size_t len)
{
	pf_message_store_header_len(p->msg, name, value, len);
	p->msg->stage = PF_STAGE_HEADER;
	pf_checks_run(p->msg, PF_STAGE_HEADER);
}

pf_verdict *
pf_pipeline_eoh(pf_pipeline *p)
{
	pf_message_end_headers(p->msg);
	return keep_verdict(p, run_stage(p, PF_STAGE_EOH));
}

void
pf_pipeline_body(pf_pipeline *p, const unsigned char *data, size_t len)
{
	pf_message_store_body(p->msg, data, len);
	p->msg->stage = PF_STAGE_BODY;
	pf_checks_run(p->msg, PF_STAGE_BODY);
	pf_message_chunk_done(p->msg);
}

pf_verdict *
pf_pipeline_eom(pf_pipeline *p)
{
	pf_message *msg = p->msg;
	pf_verdict *v;

	pf_message_end_body(msg);
	msg->stage = PF_STAGE_EOM;
	pf_checks_run(msg, PF_STAGE_EOM);
	v = keep_verdict(p, pf_verdict_decide(msg, PF_STAGE_EOM, 0));
	if (v->action == PF_ACTION_ACCEPT || v->action == PF_ACTION_ANNOTATE ||
	    v->action == PF_ACTION_QUARANTINE) {
		msg->stage = PF_STAGE_FINAL;
		pf_checks_run(msg, PF_STAGE_FINAL);
	}
	return v;
}
