/*
 * NAME
 *	metrics_http - the /metrics HTTP endpoint (libmicrohttpd)
 * SYNOPSIS
 *	int pf_metrics_http_listen(const char *listen);
 *	void pf_metrics_http_start(int fd);
 *	void pf_metrics_http_stop(void);
 * DESCRIPTION
 *	pf_metrics_http_listen() binds and listens on "ADDRESS:PORT" or
 *	"[IPV6]:PORT" (checked by the configuration already) and returns
 *	the socket, before the daemon detaches and drops privileges: fatal
 *	when the address cannot be bound.  pf_metrics_http_start() starts
 *	libmicrohttpd on it with a polling thread of its own (call it after
 *	daemon(3), with the signals the milter waits for blocked, so that
 *	the thread inherits the mask).  GET or HEAD /metrics answers
 *	pf_metrics_render()'s page as text/plain; version=0.0.4; any
 *	other path is 404, any other method 405.  pf_metrics_http_stop()
 *	stops the thread and closes the socket; it does nothing when none
 *	was started.
 */
#ifndef PF_METRICS_HTTP_H
#define PF_METRICS_HTTP_H

int pf_metrics_http_listen(const char *listen);
void pf_metrics_http_start(int fd);
void pf_metrics_http_stop(void);

#endif
