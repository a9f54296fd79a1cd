/*
 * NAME
 *	metrics_http - the /metrics HTTP endpoint (see metrics_http.h)
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "metrics_http.h"

#define PF_METRICS_CONN_LIMIT 16
#define PF_METRICS_CONN_TIMEOUT 10	/* seconds */

#if MHD_VERSION < 0x00097002
typedef int pf_mhd_result;
#else
typedef enum MHD_Result pf_mhd_result;
#endif

static struct MHD_Daemon *daemon_handle;
static int listen_fd = -1;

int
pf_metrics_http_listen(const char *listen_text)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	GString *why = g_string_new(NULL);
	int fd, one = 1;

	if (pf_metrics_parse_listen(listen_text, &ss, &len, why) < 0)
		pf_fatal("[metrics] listen \"%s\": %s", listen_text, why->str);
	g_string_free(why, TRUE);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		pf_fatal("[metrics] listen %s: socket: %s", listen_text,
			 strerror(errno));
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				 sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 32) < 0)
		pf_fatal("[metrics] listen %s: cannot listen: %s", listen_text,
			 strerror(errno));
	listen_fd = fd;
	return fd;
}

static pf_mhd_result
answer(struct MHD_Connection *c, unsigned status, const char *type,
       GString *body)
{
	struct MHD_Response *r;
	pf_mhd_result rc;
	size_t len = body->len;

	r = MHD_create_response_from_buffer(len, g_string_free(body, FALSE),
					    MHD_RESPMEM_MUST_FREE);
	if (r == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static pf_mhd_result
on_request(void *cls, struct MHD_Connection *c, const char *url,
	   const char *method, const char *version, const char *upload,
	   size_t *upload_size, void **req)
{
	GString *body;

	(void)cls;
	(void)version;
	(void)upload;
	if (*req == NULL) {	/* headers only so far: answer on next call */
		*req = &listen_fd;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0;	/* a body is ignored */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			      g_string_new("method not allowed\n"));
	if (strcmp(url, "/metrics") != 0)
		return answer(c, MHD_HTTP_NOT_FOUND, "text/plain",
			      g_string_new("not found: try /metrics\n"));
	body = g_string_sized_new(16384);
	pf_metrics_render(body);
	return answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4; "
		      "charset=utf-8", body);
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	if (vsnprintf(buf, sizeof(buf), fmt, ap) < 0)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	pf_warn("metrics: %s", buf);
}

void
pf_metrics_http_start(int fd)
{
	if (fd < 0)
		return;
	daemon_handle = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)PF_METRICS_CONN_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)PF_METRICS_CONN_TIMEOUT,
	    MHD_OPTION_END);
	if (daemon_handle == NULL)
		pf_fatal("[metrics] cannot start the HTTP server");
	listen_fd = -1;		/* libmicrohttpd's now: it closes it */
}

void
pf_metrics_http_stop(void)
{
	if (daemon_handle) {
		MHD_stop_daemon(daemon_handle);
		daemon_handle = NULL;
	}
	if (listen_fd >= 0) {
		(void)close(listen_fd);
		listen_fd = -1;
	}
}
