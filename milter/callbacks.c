/*
 * NAME
 *	callbacks - libmilter callbacks feeding the policy pipeline
 *	(see callbacks.h)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>

#include "callbacks.h"
#include "core/check.h"
#include "reply.h"
#include "core/pipeline.h"
#include "content/reencode.h"

#define PF_NOREPLY_STEPS (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | \
			  SMFIP_NR_BODY)

typedef struct conn_ctx {
	char *client_name;
	char *client_addr;
	char *helo;
	char *daemon_name;
	char *mta_hostname;
	pf_pipeline *tx;	/* the transaction; NULL between messages */
	unsigned long noreply;	/* the SMFIP_NR_* steps negotiated */
} conn_ctx;

static pthread_mutex_t cfg_lock = PTHREAD_MUTEX_INITIALIZER;
static pf_config *cfg_current;
static unsigned busy;		/* messages in flight, under cfg_lock */

void
pf_milter_set_config(pf_config *cfg)
{
	pf_config *old;

	pthread_mutex_lock(&cfg_lock);
	old = cfg_current;
	cfg_current = cfg;
	pthread_mutex_unlock(&cfg_lock);
	pf_config_unref(&old);
}

pf_config *
pf_milter_config(void)
{
	pf_config *cfg;

	pthread_mutex_lock(&cfg_lock);
	cfg = pf_config_ref(cfg_current);
	pthread_mutex_unlock(&cfg_lock);
	return cfg;
}

unsigned
pf_milter_busy(void)
{
	unsigned n;

	pthread_mutex_lock(&cfg_lock);
	n = busy;
	pthread_mutex_unlock(&cfg_lock);
	return n;
}

static void
busy_add(int delta)
{
	pthread_mutex_lock(&cfg_lock);
	busy += (unsigned)delta;
	pthread_mutex_unlock(&cfg_lock);
}

static void
message_end(conn_ctx *cc)
{
	if (cc->tx == NULL)
		return;
	pf_pipeline_free(&cc->tx);
	busy_add(-1);
}

static char *
macro_dup(SMFICTX *ctx, const char *name)
{
	const char *v = smfi_getsymval(ctx, (char *)name);

	return v && *v ? g_strdup(v) : NULL;
}

/*
 * The reply for a step negotiated as "no reply": SMFIS_NOREPLY, which
 * libmilter requires there (it turns it into CONTINUE for an MTA that
 * lacks the feature).  Anything that goes wrong in such a step is
 * answered at the next step that has a reply (MAIL, EOH or EOM find the
 * context missing and tempfail).
 */
static sfsistat
step_reply(const conn_ctx *cc, unsigned long nr, sfsistat r)
{
	return cc != NULL && (cc->noreply & nr) ? SMFIS_NOREPLY : r;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	conn_ctx *cc = smfi_getpriv(ctx);
	char addr[INET6_ADDRSTRLEN] = "";

	if (cc == NULL) {	/* no negotiation callback ran */
		cc = g_new0(conn_ctx, 1);
		if (smfi_setpriv(ctx, cc) != MI_SUCCESS) {
			pf_error("cannot store connection context");
			g_free(cc);
			return SMFIS_TEMPFAIL;
		}
	}
	g_free(cc->client_name);
	g_free(cc->client_addr);
	g_free(cc->daemon_name);
	g_free(cc->mta_hostname);
	cc->client_name = g_strdup(hostname);
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr,
			  addr, sizeof(addr));
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr,
			  addr, sizeof(addr));
	cc->client_addr = *addr ? g_strdup(addr) :
	    macro_dup(ctx, "{client_addr}");
	cc->daemon_name = macro_dup(ctx, "{daemon_name}");
	cc->mta_hostname = macro_dup(ctx, "j");
	return step_reply(cc, SMFIP_NR_CONN, SMFIS_CONTINUE);
}

static sfsistat
cb_helo(SMFICTX *ctx, char *helo)
{
	conn_ctx *cc = smfi_getpriv(ctx);

	if (cc == NULL)
		return SMFIS_TEMPFAIL;
	g_free(cc->helo);
	cc->helo = g_strdup(helo);
	return step_reply(cc, SMFIP_NR_HELO, SMFIS_CONTINUE);
}

/* Log the verdict and hand it to libmilter. */
static sfsistat
decide(SMFICTX *ctx, conn_ctx *cc, pf_verdict *v)
{
	sfsistat rc;

	pf_message_set_queue_id(cc->tx->msg, smfi_getsymval(ctx, "i"));
	rc = pf_milter_apply(ctx, cc->tx->msg, v);
	pf_verdict_log(cc->tx->msg, v);
	return rc;
}

static sfsistat
cb_envfrom(SMFICTX *ctx, char **argv)
{
	conn_ctx *cc = smfi_getpriv(ctx);
	pf_conninfo ci;
	pf_config *cfg;
	pf_verdict *v;
	sfsistat rc;

	if (cc == NULL)
		return SMFIS_TEMPFAIL;
	message_end(cc);	/* a previous transaction left no eom/abort */
	ci.client_name = cc->client_name;
	ci.client_addr = cc->client_addr;
	ci.helo = cc->helo;
	ci.daemon_name = cc->daemon_name;
	ci.mta_hostname = cc->mta_hostname;
	cfg = pf_milter_config();
	cc->tx = pf_pipeline_new(cfg, &ci);
	pf_config_unref(&cfg);
	busy_add(1);
	pf_message_set_auth_user(cc->tx->msg, smfi_getsymval(ctx,
							 "{auth_authen}"));
	pf_message_set_queue_id(cc->tx->msg, smfi_getsymval(ctx, "i"));
	v = pf_pipeline_mail(cc->tx, argv[0], argv + 1);
	if (v == NULL)
		return SMFIS_CONTINUE;
	rc = decide(ctx, cc, v);
	message_end(cc);
	return rc;
}

static sfsistat
cb_envrcpt(SMFICTX *ctx, char **argv)
{
	conn_ctx *cc = smfi_getpriv(ctx);
	pf_verdict *v;

	if (cc == NULL || cc->tx == NULL)
		return SMFIS_TEMPFAIL;
	v = pf_pipeline_rcpt(cc->tx, argv[0]);
	return v ? decide(ctx, cc, v) : SMFIS_CONTINUE;
}

static sfsistat
cb_header(SMFICTX *ctx, char *name, char *value)
{
	conn_ctx *cc = smfi_getpriv(ctx);

	if (cc == NULL || cc->tx == NULL)
		return step_reply(cc, SMFIP_NR_HDR, SMFIS_TEMPFAIL);
	pf_pipeline_header(cc->tx, name, value);
	return step_reply(cc, SMFIP_NR_HDR, SMFIS_CONTINUE);
}

static sfsistat
cb_eoh(SMFICTX *ctx)
{
	conn_ctx *cc = smfi_getpriv(ctx);
	pf_verdict *v;
	sfsistat rc;

	if (cc == NULL || cc->tx == NULL)
		return SMFIS_TEMPFAIL;
	v = pf_pipeline_eoh(cc->tx);
	if (v == NULL)
		return SMFIS_CONTINUE;
	rc = decide(ctx, cc, v);
	message_end(cc);
	return rc;
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	conn_ctx *cc = smfi_getpriv(ctx);

	if (cc == NULL || cc->tx == NULL)
		return step_reply(cc, SMFIP_NR_BODY, SMFIS_TEMPFAIL);
	pf_pipeline_body(cc->tx, data, len);
	return step_reply(cc, SMFIP_NR_BODY, SMFIS_CONTINUE);
}

static sfsistat
cb_eom(SMFICTX *ctx)
{
	conn_ctx *cc = smfi_getpriv(ctx);
	sfsistat rc;

	if (cc == NULL || cc->tx == NULL)
		return SMFIS_TEMPFAIL;
	pf_message_set_queue_id(cc->tx->msg, smfi_getsymval(ctx, "i"));
	rc = decide(ctx, cc, pf_pipeline_eom(cc->tx));
	message_end(cc);
	return rc;
}

static sfsistat
cb_abort(SMFICTX *ctx)
{
	conn_ctx *cc = smfi_getpriv(ctx);

	if (cc)
		message_end(cc);
	return SMFIS_CONTINUE;
}

static sfsistat
cb_close(SMFICTX *ctx)
{
	conn_ctx *cc = smfi_getpriv(ctx);

	if (cc == NULL)
		return SMFIS_CONTINUE;
	message_end(cc);
	g_free(cc->client_name);
	g_free(cc->client_addr);
	g_free(cc->helo);
	g_free(cc->daemon_name);
	g_free(cc->mta_hostname);
	g_free(cc);
	(void)smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

/*
 * DATA: nothing to check, but the step is negotiated on purpose.  Postfix
 * sends the DATA-stage macros ({i}, milter_data_macros) even to a milter
 * that skips the DATA command, as a packet of their own that needs no
 * reply; its next write (the first header) then waits under Nagle for the
 * ACK of that packet, which the milter's kernel delays by ~40 ms.  Over
 * loopback TCP that stall is once per message and caps 10 sessions at
 * about 220 messages/s (seen with tcpdump on the bench, for a do-nothing
 * libmilter filter and for OpenDKIM alike).  With the DATA command the
 * macros travel with it and the reply acknowledges both.
 */
static sfsistat
cb_data(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

/*
 * Ask only for the steps the enabled checks need (and DATA, above).
 * CONNECT, HELO, each header and each body chunk are "no reply" steps
 * (SMFIP_NR_*): preflight never refuses there, and without a reply to wait
 * for Postfix sends all the headers in one write instead of one round trip
 * each (VSTREAM buffers until it next reads); with every check this took
 * 50-120 us of the milter's CPU off a message in one bench run.  MAIL,
 * RCPT, DATA and EOH keep their replies: preflight may refuse at MAIL and
 * RCPT, DATA must stay answered (above), and EOH ends the header writes
 * so they are flushed together.  libmilter fakes the no-reply steps for
 * an MTA that lacks them.
 */
static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	     unsigned long f2, unsigned long f3, unsigned long *pf0,
	     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	pf_config *cfg = pf_milter_config();
	unsigned stages = pf_checks_stages(cfg);
	unsigned long want = 0;
	conn_ctx *cc;

	/* the right to replace the body only when a key may re-encode it:
	 * an MTA may handle mail for a filter with that right less cheaply */
	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
		     (pf_reencode_enabled(cfg) ? SMFIF_CHGBODY : 0));
	pf_config_unref(&cfg);
	if ((stages & (PF_STAGE_HEADER | PF_STAGE_EOM | PF_STAGE_FINAL)) == 0)
		want |= SMFIP_NOHDRS;
	if ((stages & (PF_STAGE_EOH | PF_STAGE_EOM | PF_STAGE_FINAL)) == 0)
		want |= SMFIP_NOEOH;
	if ((stages & (PF_STAGE_BODY | PF_STAGE_EOM | PF_STAGE_FINAL)) == 0)
		want |= SMFIP_NOBODY;
	want |= SMFIP_NOUNKNOWN | PF_NOREPLY_STEPS;
	*pf1 = f1 & want;
	*pf2 = 0;
	*pf3 = 0;
	/*
	 * The connection context, made here to remember the no-reply steps
	 * (an MTA that negotiates twice gets the same one back).
	 */
	if ((cc = smfi_getpriv(ctx)) == NULL) {
		cc = g_new0(conn_ctx, 1);
		if (smfi_setpriv(ctx, cc) != MI_SUCCESS) {
			g_free(cc);
			*pf1 &= ~PF_NOREPLY_STEPS;
			return SMFIS_CONTINUE;
		}
	}
	cc->noreply = *pf1 & PF_NOREPLY_STEPS;
	return SMFIS_CONTINUE;
}

struct smfiDesc pf_milter_desc = {
	.xxfi_name = "preflight",
	.xxfi_version = SMFI_VERSION,
	.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE |
	    SMFIF_CHGBODY,
	.xxfi_connect = cb_connect,
	.xxfi_helo = cb_helo,
	.xxfi_envfrom = cb_envfrom,
	.xxfi_envrcpt = cb_envrcpt,
	.xxfi_header = cb_header,
	.xxfi_eoh = cb_eoh,
	.xxfi_body = cb_body,
	.xxfi_eom = cb_eom,
	.xxfi_abort = cb_abort,
	.xxfi_close = cb_close,
	.xxfi_unknown = NULL,
	.xxfi_data = cb_data,
	.xxfi_negotiate = cb_negotiate,
};
