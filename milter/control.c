/*
 * NAME
 *	control - the milter's control socket: preflight rate show/reset
 *	for the in-process rate store
 * SYNOPSIS
 *	int pf_control_open(const char *path);
 *	void pf_control_start(int fd);
 *	void pf_control_close(const char *path);
 * DESCRIPTION
 *	The in-process buckets live in this process; preflight rate reaches
 *	them here.  pf_control_open() binds a unix socket at path (a stale
 *	file is removed first), mode 0600, owned by whoever starts the
 *	milter (root, normally: only root can use it after the privilege
 *	drop), and returns its descriptor; fatal on failure.
 *	pf_control_start() serves it from one thread (started after
 *	daemon(), since threads do not survive a fork; every signal blocked
 *	in it, so that SIGHUP and SIGTERM reach libmilter): one request line
 *	"show [KEY]" or "reset KEY" per connection, read within 2 s, the
 *	answer of rate_admin.h under the current configuration, then close.
 *	pf_control_close() removes the socket file.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "callbacks.h"
#include "control.h"
#include "core/log.h"
#include "limits/rate_admin.h"

int
pf_control_open(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		pf_fatal("[rate] control_socket %s: path too long", path);
	g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    chmod(path, 0600) < 0 || listen(fd, 8) < 0)
		pf_fatal("[rate] control_socket %s: %s", path, strerror(errno));
	return fd;
}

static void
serve(int fd)
{
	struct timeval tv = {.tv_sec = 2};
	char line[1024];
	size_t len = 0;
	ssize_t n;
	GString *out = g_string_new(NULL);
	pf_config *cfg;
	char *key;
	int rc = 0;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(line) - 1 &&
	       (n = read(fd, line + len, sizeof(line) - 1 - len)) > 0) {
		len += (size_t)n;
		if (memchr(line, '\n', len))
			break;
	}
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	key = strchr(line, ' ');
	if (key)
		*key++ = '\0';
	cfg = pf_milter_config();
	if (strcmp(line, "show") == 0)
		rc = pf_rate_show(&cfg->rate, key, out);
	else if (strcmp(line, "reset") == 0 && key && *key)
		rc = pf_rate_reset(&cfg->rate, key, out);
	else
		g_string_assign(out, "error: expected \"show [KEY]\" or "
		    "\"reset KEY\"\n");
	if (rc < 0)
		g_string_append(out, "error: the rate store did not answer\n");
	pf_config_unref(&cfg);
	for (size_t done = 0; done < out->len; done += (size_t)n)
		if ((n = write(fd, out->str + done, out->len - done)) <= 0)
			break;
	g_string_free(out, TRUE);
}

static gpointer
control_thread(gpointer arg)
{
	int lfd = GPOINTER_TO_INT(arg);

	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			pf_warn("control socket: accept: %s", strerror(errno));
			g_usleep(G_USEC_PER_SEC);
			continue;
		}
		serve(fd);
		close(fd);
	}
	return NULL;
}

void
pf_control_start(int fd)
{
	sigset_t all, old;

	/* the thread inherits a mask blocking every signal: SIGHUP and
	 * SIGTERM are libmilter's (sigwait in its own thread) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	g_thread_unref(g_thread_new("control", control_thread,
				    GINT_TO_POINTER(fd)));
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void
pf_control_close(const char *path)
{
	if (path)
		(void)unlink(path);
}
