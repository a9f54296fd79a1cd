/*
 * NAME
 *	noop-milter - a libmilter filter that does nothing, the benchmark's
 *	floor
 * SYNOPSIS
 *	noop-milter -p unix:/path|inet:PORT@ADDR [-N]
 * DESCRIPTION
 *	Registers every callback and accepts.  Like preflight-milter it sets
 *	TCP_NODELAY on its listener (Linux copies it to accepted sockets) and
 *	negotiates no "no reply" steps; -N leaves Nagle on, to show the cost.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

static sfsistat
cont(SMFICTX *ctx)
{
	(void)ctx;
	return SMFIS_CONTINUE;
}

static sfsistat
cb_connect(SMFICTX *ctx, char *h, _SOCK_ADDR *sa)
{
	(void)h;
	(void)sa;
	return cont(ctx);
}

static sfsistat
cb_str(SMFICTX *ctx, char *s)
{
	(void)s;
	return cont(ctx);
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
	return cont(ctx);
}

static sfsistat
cb_body(SMFICTX *ctx, unsigned char *b, size_t l)
{
	(void)b;
	(void)l;
	return cont(ctx);
}

int
main(int argc, char **argv)
{
	struct smfiDesc d = {
		"noop", SMFI_VERSION, SMFIF_ADDHDRS, cb_connect, cb_str,
		cb_argv, cb_argv, cb_header, cont, cb_body, cont, cont, cont,
		NULL, NULL, NULL,
	};
	const char *sock = NULL;
	int ch, nagle = 0;

	while ((ch = getopt(argc, argv, "p:N")) != -1) {
		if (ch == 'p')
			sock = optarg;
		else if (ch == 'N')
			nagle = 1;
		else
			return 2;
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
