/*
 * NAME
 *	redis_conn - one connection to Redis, plain or over TLS (see
 *	redis_conn.h)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>
#include <pthread.h>

#include <hiredis/read.h>
#include <hiredis/sds.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "limits/redis_conn.h"

struct pf_redis_conn {
	int fd;
	SSL *ssl;			/* NULL: plain */
	redisReader *reader;
	bool broken;
	char buf[16384];
};

/* OpenSSL's reason for the last failure, or fallback. */
static void
tls_why(GString *why, const char *what, const char *fallback)
{
	unsigned long e = ERR_get_error();
	char msg[256];

	if (e) {
		ERR_error_string_n(e, msg, sizeof(msg));
		g_string_printf(why, "%s: %s", what, msg);
	} else {
		g_string_printf(why, "%s: %s", what, fallback);
	}
	ERR_clear_error();
}

SSL_CTX *
pf_redis_tls_new(const char *ca_file, const char *cert_file,
		 const char *key_file, GString *why)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		tls_why(why, "TLS", "cannot make a context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca_file && *ca_file ?
	    SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1 :
	    SSL_CTX_set_default_verify_paths(ctx) != 1) {
		tls_why(why, ca_file && *ca_file ? ca_file : "system CAs",
		    "cannot load");
		SSL_CTX_free(ctx);
		return NULL;
	}
	if ((cert_file && *cert_file) != (key_file && *key_file)) {
		g_string_assign(why, "a client certificate needs both its "
		    "certificate and its key file");
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (cert_file && *cert_file &&
	    (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
	     SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1 ||
	     SSL_CTX_check_private_key(ctx) != 1)) {
		tls_why(why, cert_file, "cannot load the client certificate");
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int
timeout_ms(int64_t timeout_us)
{
	return (int)((timeout_us + 999) / 1000);
}

/* connect(), bounded by timeout_us; -1 with why. */
static int
connect_bounded(int fd, const struct sockaddr *sa, socklen_t len,
		int64_t timeout_us, GString *why)
{
	int flags = fcntl(fd, F_GETFL);
	int64_t deadline = g_get_monotonic_time() + timeout_us;
	int err = 0;
	socklen_t elen = sizeof(err);

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		g_string_assign(why, g_strerror(errno));
		return -1;
	}
	if (connect(fd, sa, len) < 0) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int n;

		if (errno != EINPROGRESS) {
			g_string_assign(why, g_strerror(errno));
			return -1;
		}
		do {
			int64_t left = deadline - g_get_monotonic_time();

			n = left > 0 ? poll(&p, 1, timeout_ms(left)) : 0;
		} while (n < 0 && errno == EINTR);
		if (n <= 0) {
			g_string_assign(why, n == 0 ? "connection timed out" :
			    g_strerror(errno));
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err) {
			g_string_assign(why, g_strerror(err));
			return -1;
		}
	}
	if (fcntl(fd, F_SETFL, flags) < 0) {
		g_string_assign(why, g_strerror(errno));
		return -1;
	}
	return 0;
}

/* Reads and writes from here on time out after timeout_us. */
static int
set_timeouts(int fd, int64_t timeout_us)
{
	struct timeval tv = {
		.tv_sec = (time_t)(timeout_us / G_USEC_PER_SEC),
		.tv_usec = (suseconds_t)(timeout_us % G_USEC_PER_SEC),
	};

	return setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ?
	    -1 : 0;
}

static int
open_unix(const char *path, int64_t timeout_us, GString *why)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		g_string_assign(why, "socket path too long");
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		g_string_assign(why, g_strerror(errno));
		return -1;
	}
	if (connect_bounded(fd, (struct sockaddr *)&sun, sizeof(sun),
	    timeout_us, why) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
open_tcp(const char *host, int port, int64_t timeout_us, GString *why)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	char service[16];
	int fd = -1, one = 1, rc;

	g_snprintf(service, sizeof(service), "%d", port);
	if ((rc = getaddrinfo(host, service, &hints, &res)) != 0) {
		g_string_printf(why, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			g_string_assign(why, g_strerror(errno));
			continue;
		}
		if (connect_bounded(fd, ai->ai_addr, ai->ai_addrlen,
		    timeout_us, why) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	return fd;
}

/* The TLS handshake on c->fd, checking that the certificate names host. */
static int
tls_start(pf_redis_conn *c, SSL_CTX *tls, const char *host, GString *why)
{
	unsigned char ip[16];
	bool is_ip = inet_pton(AF_INET, host, ip) == 1 ||
	    inet_pton(AF_INET6, host, ip) == 1;
	long verdict;

	if ((c->ssl = SSL_new(tls)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1) {
		tls_why(why, "TLS", "cannot start");
		return -1;
	}
	if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl),
	    host) != 1 : (SSL_set_tlsext_host_name(c->ssl, host) != 1 ||
	    SSL_set1_host(c->ssl, host) != 1)) {
		tls_why(why, "TLS", "cannot set the server name");
		return -1;
	}
	if (SSL_connect(c->ssl) != 1) {
		verdict = SSL_get_verify_result(c->ssl);
		if (verdict != X509_V_OK)
			g_string_printf(why, "TLS: the certificate of %s: %s",
			    host, X509_verify_cert_error_string(verdict));
		else
			tls_why(why, "TLS handshake", errno == EAGAIN ?
			    "timed out" : "the server closed the connection");
		return -1;
	}
	return 0;
}

pf_redis_conn *
pf_redis_conn_open(const char *host, int port, const char *path, SSL_CTX *tls,
		   int64_t timeout_us, GString *why)
{
	pf_redis_conn *c;
	int fd = path ? open_unix(path, timeout_us, why) :
	    open_tcp(host, port, timeout_us, why);

	if (fd < 0)
		return NULL;
	if (set_timeouts(fd, timeout_us) < 0) {
		g_string_assign(why, "cannot set the timeout");
		close(fd);
		return NULL;
	}
	c = g_new0(pf_redis_conn, 1);
	c->fd = fd;
	if ((tls && tls_start(c, tls, host ? host : "localhost", why) < 0) ||
	    (c->reader = redisReaderCreate()) == NULL) {
		if (why->len == 0)
			g_string_assign(why, "cannot allocate");
		pf_redis_conn_free(c);
		return NULL;
	}
	return c;
}

static void
io_why(const pf_redis_conn *c, int rc, GString *why, const char *what)
{
	int e = errno;

	if (c->ssl && SSL_get_error(c->ssl, rc) == SSL_ERROR_SSL) {
		tls_why(why, what, "TLS error");
		return;
	}
	ERR_clear_error();
	if (rc == 0)
		g_string_printf(why, "%s: the server closed the connection",
		    what);
	else if (e == EAGAIN || e == EWOULDBLOCK)
		g_string_printf(why, "%s: timed out", what);
	else
		g_string_printf(why, "%s: %s", what, g_strerror(e));
}

/*
 * SSL_write() on a connection the server closed would raise SIGPIPE, which
 * kills a process that does not ignore it (preflight rate): it is blocked
 * around the write and a pending one taken, as libpq does.  The plain
 * path writes with MSG_NOSIGNAL.
 */
static ssize_t
tls_write(SSL *ssl, const char *buf, size_t len)
{
	sigset_t pipe, old;
	struct timespec zero = {0, 0};
	int rc, e;

	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	rc = SSL_write(ssl, buf, (int)len);
	e = errno;
	if (rc <= 0 && !sigismember(&old, SIGPIPE))
		(void)sigtimedwait(&pipe, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return rc;
}

int
pf_redis_conn_send(pf_redis_conn *c, int argc, const char **argv,
		   GString *why)
{
	sds cmd = NULL;
	long long len;
	size_t done = 0;

	if (c->broken) {
		g_string_assign(why, "connection broken");
		return -1;
	}
	if ((len = redisFormatSdsCommandArgv(&cmd, argc, argv, NULL)) < 0) {
		g_string_assign(why, "cannot allocate");
		return -1;
	}
	while (done < (size_t)len) {
		ssize_t n = c->ssl ?
		    tls_write(c->ssl, cmd + done, (size_t)len - done) :
		    send(c->fd, cmd + done, (size_t)len - done, MSG_NOSIGNAL);

		if (n <= 0) {
			if (n < 0 && !c->ssl && errno == EINTR)
				continue;
			io_why(c, (int)n, why, "write");
			c->broken = true;
			break;
		}
		done += (size_t)n;
	}
	redisFreeSdsCommand(cmd);
	return c->broken ? -1 : 0;
}

redisReply *
pf_redis_conn_read(pf_redis_conn *c, GString *why)
{
	void *rep = NULL;

	while (!c->broken) {
		ssize_t n;

		if (redisReaderGetReply(c->reader, &rep) != REDIS_OK) {
			g_string_printf(why, "protocol: %s", c->reader->errstr);
			c->broken = true;
			break;
		}
		if (rep)
			return rep;
		n = c->ssl ? SSL_read(c->ssl, c->buf, sizeof(c->buf)) :
		    read(c->fd, c->buf, sizeof(c->buf));
		if (n <= 0) {
			if (n < 0 && !c->ssl && errno == EINTR)
				continue;
			io_why(c, (int)n, why, "read");
			c->broken = true;
			break;
		}
		if (redisReaderFeed(c->reader, c->buf, (size_t)n) != REDIS_OK) {
			g_string_printf(why, "protocol: %s", c->reader->errstr);
			c->broken = true;
		}
	}
	if (why->len == 0)
		g_string_assign(why, "connection broken");
	return NULL;
}

redisReply *
pf_redis_conn_call(pf_redis_conn *c, int argc, const char **argv, GString *why)
{
	return pf_redis_conn_send(c, argc, argv, why) < 0 ? NULL :
	    pf_redis_conn_read(c, why);
}

bool
pf_redis_conn_broken(const pf_redis_conn *c)
{
	return c->broken;
}

void
pf_redis_conn_free(pf_redis_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl) {
		if (!c->broken)
			(void)SSL_shutdown(c->ssl);	/* close_notify, no wait */
		SSL_free(c->ssl);
		ERR_clear_error();
	}
	if (c->reader)
		redisReaderFree(c->reader);
	close(c->fd);
	g_free(c);
}
