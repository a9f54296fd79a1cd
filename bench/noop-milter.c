/*
 * NAME
 *	noop-milter - a libmilter filter that does nothing, the benchmark's
 *	floor
 * SYNOPSIS
 *	noop-milter -p unix:/path|inet:PORT@ADDR [-N] [-P]
 * DESCRIPTION
 *	Registers every callback but DATA and accepts, as a plain libmilter
 *	filter does (libmilter then asks the MTA to skip DATA).  Like
 *	preflight-milter it sets TCP_NODELAY on its listener (Linux copies it
 *	to accepted sockets); -N leaves Nagle on, to show the cost.
 *	-P speaks the protocol as preflight-milter does and still does
 *	nothing: DATA answered, CONNECT, HELO, headers and body chunks as
 *	"no reply" steps.  That is the floor for any filter that sees the
 *	whole message: what remains is libmilter's and the MTA's own cost.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#define NR_STEPS (SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_BODY)

static int like_preflight;	/* -P */

static sfsistat
cont(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

/* a step negotiated as "no reply" must answer SMFIS_NOREPLY */
static sfsistat
quiet(SMFICTX *ctx)
{
	(void)ctx;
	return like_preflight ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat
cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
	     unsigned long f2, unsigned long f3, unsigned long *pf0,
	     unsigned long *pf1, unsigned long *pf2, unsigned long *pf3)
{
	(void)ctx;
	(void)f2;
	(void)f3;
	*pf0 = f0 & SMFIF_ADDHDRS;
	*pf1 = f1 & (NR_STEPS | SMFIP_NOUNKNOWN);
	*pf2 = *pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *h, _SOCK_ADDR *sa)
{
	(void)h;
	(void)sa;
	return quiet(ctx);
}

static sfsistat
cb_helo(SMFICTX *ctx, char *s)
{
	(void)s;
	return quiet(ctx);
}

static sfsistat
cb_argv(SMFICTX *ctx, char **argv)
{
	(void)argv;
	return cont(ctx);
}

static sfsistat
cb_header(SMFICTX *ctx, char *n, char *v)
{
	(void)n;
	(void)v;
	return quiet(ctx);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *b, size_t l)
{
	(void)b;
	(void)l;
	return quiet(ctx);
}

int
main(int argc, char **argv)
{
	struct smfiDesc d = {
		"noop", SMFI_VERSION, SMFIF_ADDHDRS, cb_connect, cb_helo,
		cb_argv, cb_argv, cb_header, cont, cb_body, cont, cont, cont,
		NULL, NULL, NULL,
	};
	const char *sock = NULL;
	int ch, nagle = 0;

	while ((ch = getopt(argc, argv, "p:NP")) != -1) {
		if (ch == 'p')
			sock = optarg;
		else if (ch == 'N')
			nagle = 1;
		else if (ch == 'P')
			like_preflight = 1;
		else
			return 2;
	}
	if (like_preflight) {
		d.xxfi_data = cont;
		d.xxfi_negotiate = cb_negotiate;
	}
	if (sock == NULL || smfi_setconn((char *)sock) != MI_SUCCESS ||
	    smfi_register(d) != MI_SUCCESS || smfi_opensocket(1) != MI_SUCCESS) {
		fprintf(stderr, "noop-milter: cannot listen on %s\n",
			sock ? sock : "(none)");
		return 1;
	}
	for (int fd = 0; !nagle && fd < 1024; fd++) {
		int on = 0, one = 1;
		socklen_t len = sizeof(on);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == 0 &&
		    on)
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					 sizeof(one));
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
