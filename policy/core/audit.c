/*
 * NAME
 *	audit - the optional JSON-lines audit log
 * SYNOPSIS
 *	int pf_audit_open(const char *path);
 *	int pf_audit_reopen(void);
 *	bool pf_audit_enabled(void);
 *	void pf_audit_write(const char *json_line);
 *	void pf_audit_close(void);
 * DESCRIPTION
 *	One JSON object a line, one line per decision, appended with a single
 *	write(2) under O_APPEND so that lines from concurrent messages never
 *	interleave.  pf_audit_open() with NULL or "" turns the log off; it
 *	may be called again on reload (the old file is closed).  A file it
 *	creates gets mode 0640 whatever the umask (fchmod after open); an
 *	existing file keeps its mode.  pf_audit_reopen() opens the same
 *	path again, for log rotation (SIGUSR1): the new descriptor replaces
 *	the old one under the lock that every write takes, so each record
 *	goes whole into the old file or the new one, and none is lost.  It
 *	returns 1 when reopened, 0 when no log is open, and -1 (logged) when
 *	the path cannot be opened: the old descriptor then stays in use.
 *	pf_audit_open() returns 0 or -1 (logged).  The record format is
 *	documented in preflight-audit(5).
 *	pf_audit_enabled() says whether a log is open, so that callers build
 *	the record only when it will be written.  A failed
 *	write never stops mail: it is logged as an error at most once a
 *	minute and the line is dropped.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/verdict.h"

static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;
static int audit_fd = -1;
static char *audit_path;
static time_t audit_last_error;

/* Open for appending; a file created here gets 0640 whatever the umask. */
static int
audit_open_fd(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT) {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL |
			  O_CLOEXEC, 0640);
		if (fd < 0 && errno == EEXIST)	/* created meanwhile */
			fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		else if (fd >= 0 && fchmod(fd, 0640) < 0)
			pf_warn("audit log %s: cannot set mode 0640: %s",
				path, strerror(errno));
	}
	if (fd < 0)
		pf_error("audit log %s: cannot open: %s", path,
			 strerror(errno));
	return fd;
}

int
pf_audit_open(const char *path)
{
	int fd = -1;

	if (path && *path && (fd = audit_open_fd(path)) < 0)
		return -1;
	pthread_mutex_lock(&audit_lock);
	if (audit_fd >= 0)
		close(audit_fd);
	audit_fd = fd;
	g_free(audit_path);
	audit_path = g_strdup(path);
	pthread_mutex_unlock(&audit_lock);
	return 0;
}

int
pf_audit_reopen(void)
{
	char *path;
	int fd, old;

	pthread_mutex_lock(&audit_lock);
	path = g_strdup(audit_path);
	pthread_mutex_unlock(&audit_lock);
	if (path == NULL || *path == '\0') {
		g_free(path);
		return 0;	/* no audit log: nothing to do */
	}
	if ((fd = audit_open_fd(path)) < 0) {
		g_free(path);
		return -1;
	}
	pthread_mutex_lock(&audit_lock);
	if (audit_path == NULL || strcmp(audit_path, path) != 0) {
		close(fd);	/* a reload changed the path meanwhile */
		fd = -1;
	} else {
		old = audit_fd;
		audit_fd = fd;
		if (old >= 0)
			close(old);
	}
	pthread_mutex_unlock(&audit_lock);
	g_free(path);
	return fd >= 0 ? 1 : 0;
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
