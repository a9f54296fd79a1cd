/*
 * NAME
 *	redis_conn - one connection to Redis, plain or over TLS
 * SYNOPSIS
 *	SSL_CTX *pf_redis_tls_new(const char *ca_file, const char *cert_file,
 *				  const char *key_file, GString *why);
 *	pf_redis_conn *pf_redis_conn_open(const char *host, int port,
 *			const char *path, SSL_CTX *tls, int64_t timeout_us,
 *			GString *why);
 *	int pf_redis_conn_send(pf_redis_conn *c, int argc, const char **argv,
 *			       GString *why);
 *	redisReply *pf_redis_conn_read(pf_redis_conn *c, GString *why);
 *	redisReply *pf_redis_conn_call(pf_redis_conn *c, int argc,
 *				       const char **argv, GString *why);
 *	bool pf_redis_conn_broken(const pf_redis_conn *c);
 *	void pf_redis_conn_free(pf_redis_conn *c);
 * DESCRIPTION
 *	hiredis formats the commands and parses the replies (its reader);
 *	this module moves the bytes, because the hiredis of Debian 12 (0.14)
 *	has no TLS: hiredis_ssl came with 1.0.  TLS is OpenSSL's, on the
 *	socket opened here.
 *
 *	pf_redis_tls_new() returns a client context that verifies the
 *	server's certificate against ca_file (empty or NULL: the system's
 *	trusted CAs) and, with cert_file and key_file, presents a client
 *	certificate (Redis's tls-auth-clients); NULL with the reason in why.
 *	The caller frees it with SSL_CTX_free().
 *
 *	pf_redis_conn_open() connects to host:port (TCP, TCP_NODELAY) or to
 *	the unix socket path; with tls it then makes the TLS handshake and
 *	checks that the certificate names host (a DNS name or an IP
 *	address).  Every step, and later every write and read, is bounded
 *	by timeout_us (socket timeouts, as hiredis's own blocking context
 *	does).  NULL with the reason in why.
 *
 *	pf_redis_conn_send() writes one command; pf_redis_conn_read() reads
 *	one reply, in the order the commands were sent (the caller frees it
 *	with freeReplyObject()).  pf_redis_conn_call() is the two.  After a
 *	failed write or read the connection is broken (every later call
 *	fails; pf_redis_conn_broken() says so) and should be freed.  A
 *	connection is used by one thread at a time.
 */
#ifndef PF_REDIS_CONN_H
#define PF_REDIS_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <hiredis/hiredis.h>
#include <openssl/ssl.h>

typedef struct pf_redis_conn pf_redis_conn;

SSL_CTX *pf_redis_tls_new(const char *ca_file, const char *cert_file,
			  const char *key_file, GString *why);
pf_redis_conn *pf_redis_conn_open(const char *host, int port, const char *path,
				  SSL_CTX *tls, int64_t timeout_us, GString *why);
int pf_redis_conn_send(pf_redis_conn *c, int argc, const char **argv,
		       GString *why);
redisReply *pf_redis_conn_read(pf_redis_conn *c, GString *why);
redisReply *pf_redis_conn_call(pf_redis_conn *c, int argc, const char **argv,
			       GString *why);
bool pf_redis_conn_broken(const pf_redis_conn *c);
void pf_redis_conn_free(pf_redis_conn *c);

#endif
