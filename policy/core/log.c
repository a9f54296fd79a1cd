/*
 * NAME
 *	log - diagnostics and decision lines (see log.h)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#include "core/log.h"

static bool log_syslog;		/* set once at start-up, read-only after */
static bool log_stderr = true;
static char log_ident[64] = "preflight";	/* openlog() keeps the pointer */
static pf_log_sink log_sink;
static void *log_sink_arg;

/*
 * systemd sets JOURNAL_STREAM to "device:inode" of the stream it connects
 * to standard error.  When that is ours, the journal already receives the
 * syslog copy of every line: a second copy on stderr would show each
 * decision twice (journalctl -u, and /var/log/syslog through rsyslog).
 */
static bool
stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

void
pf_log_open(const char *ident, int facility, bool to_stderr)
{
	g_strlcpy(log_ident, ident ? ident : "preflight", sizeof(log_ident));
	log_stderr = to_stderr && !stderr_is_journal();
	log_syslog = true;
	openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
}

void
pf_log_capture(pf_log_sink sink, void *arg)
{
	log_sink = sink;
	log_sink_arg = arg;
}

static void
log_emit(int priority, const char *prefix, const char *fmt, va_list ap)
{
	char line[4096];
	int n;

	n = snprintf(line, sizeof(line), "%s", prefix);
	if (n < 0)
		n = 0;
	(void)vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (log_sink) {
		log_sink(priority, line, log_sink_arg);
		return;
	}
	if (log_syslog)
		syslog(priority, "%s", line);
	if (log_stderr || !log_syslog)
		fprintf(stderr, "%s: %s\n", log_ident, line);
}

#define PF_LOG_FN(name, prio, prefix)		\
void						\
name(const char *fmt, ...)			\
{						\
	va_list ap;				\
	va_start(ap, fmt);			\
	log_emit(prio, prefix, fmt, ap);	\
	va_end(ap);				\
}

PF_LOG_FN(pf_info, LOG_INFO, "")
PF_LOG_FN(pf_warn, LOG_WARNING, "warning: ")
PF_LOG_FN(pf_error, LOG_ERR, "error: ")

void
pf_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, "fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}

void
pf_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, "panic: ", fmt, ap);
	va_end(ap);
	abort();
}

void
pf_log_decision(const char *line)
{
	pf_info("%s", line);
}

int
pf_log_facility(const char *name)
{
	static const struct {
		const char *name;
		int facility;
	} map[] = {
		{"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
		{"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1},
		{"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},
		{"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
		{"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcasecmp(map[i].name, name) == 0)
			return map[i].facility;
	return -1;
}
