/*
 * NAME
 *	audit - the optional JSON-lines audit log
 * SYNOPSIS
 *	int pf_audit_open(const char *path);
 *	bool pf_audit_enabled(void);
 *	void pf_audit_write(const char *json_line);
 *	void pf_audit_close(void);
 * DESCRIPTION
 *	One JSON object a line, one line per decision, appended with a single
 *	write(2) under O_APPEND so that lines from concurrent messages never
 *	interleave.  pf_audit_open() with NULL or "" turns the log off; it
 *	may be called again on reload (the old file is closed).
 *	pf_audit_enabled() says whether a log is open, so that callers build
 *	the record only when it will be written.  A failed
 *	write never stops mail: it is logged as an error at most once a
 *	minute and the line is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/verdict.h"

static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;
static int audit_fd = -1;
static char *audit_path;
static time_t audit_last_error;

int
pf_audit_open(const char *path)
{
	int fd = -1;

	if (path && *path) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd < 0) {
			pf_error("audit log %s: cannot open: %s", path,
				 strerror(errno));
			return -1;
		}
	}
	pthread_mutex_lock(&audit_lock);
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = fd;
	g_free(audit_path);
	audit_path = g_strdup(path);
	pthread_mutex_unlock(&audit_lock);
	return 0;
}

bool
pf_audit_enabled(void)
{
	bool on;

	pthread_mutex_lock(&audit_lock);
	on = audit_fd >= 0;
	pthread_mutex_unlock(&audit_lock);
	return on;
}

void
pf_audit_write(const char *json_line)
{
	GString *buf;
	ssize_t n;
	int saved;

	pthread_mutex_lock(&audit_lock);
	if (audit_fd < 0) {
		pthread_mutex_unlock(&audit_lock);
		return;
	}
	buf = g_string_new(json_line);
	g_string_append_c(buf, '\n');
	n = write(audit_fd, buf->str, buf->len);
	saved = errno;
	if (n != (ssize_t)buf->len && time(NULL) - audit_last_error >= 60) {
		audit_last_error = time(NULL);
		pf_error("audit log %s: write failed: %s; dropping audit "
			 "records (mail keeps flowing)", audit_path,
			 n < 0 ? strerror(saved) : "short write");
	}
	pthread_mutex_unlock(&audit_lock);
	g_string_free(buf, TRUE);
}

void
pf_audit_close(void)
{
	(void)pf_audit_open(NULL);
}
