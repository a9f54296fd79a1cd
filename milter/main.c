/*
 * NAME
 *	preflight-milter - outbound mail policy milter daemon
 * SYNOPSIS
 *	preflight-milter [-fnd] [-c config] [-p socket]
 * DESCRIPTION
 *	Start-up: load and check the configuration (fatal with file:line
 *	on error), open the socket (as root when it needs to be), set its
 *	mode and owner, set TCP_NODELAY on a TCP listener, detach unless -f,
 *	write the pid file, drop privileges, then run libmilter's loop.
 *
 *	Signals.  libmilter waits for SIGHUP, SIGTERM and SIGINT with
 *	sigwait(3) in a thread of its own and stops on each of them.  To
 *	make SIGHUP a reload instead, this program defines sigwait(): the
 *	dynamic linker binds libmilter's call to it.  It waits for the same
 *	set plus SIGUSR1 with sigwaitinfo(2), reloads on SIGHUP (which opens
 *	the audit log anew), reopens the audit log on SIGUSR1 (log
 *	rotation) and goes on waiting, and returns any other signal to
 *	libmilter, which then stops accepting connections.  libmilter blocks
 *	its three signals only when smfi_main() starts its thread, after
 *	ours (resolver, watch, control, metrics) exist: so main() blocks
 *	all four first, before any thread is made, and every thread
 *	inherits the mask.  After smfi_main() returns, messages in flight
 *	get up to PF_STOP_GRACE seconds to finish.
 *
 *	Metrics: with [metrics] listen set, counting is switched on and the
 *	address is bound before detaching (fatal when it cannot be);
 *	libmicrohttpd serves /metrics from its own thread (metrics_http.h).
 *
 *	Reload: the new configuration is loaded and checked completely
 *	first; on any error the old one stays and every error is logged.
 *	Messages in flight finish under the configuration they started with.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "callbacks.h"
#include "control.h"
#include "core/check.h"
#include "core/config.h"
#include "auth/dkim.h"
#include "auth/dkim_rotate.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/metrics.h"
#include "core/verdict.h"
#include "dns/watch.h"
#include "metrics_http.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define PF_DEFAULT_CONFIG SYSCONFDIR "/preflight.conf"
#define PF_STOP_GRACE 30

static const char *config_path = PF_DEFAULT_CONFIG;

static void
usage(void)
{
	fprintf(stderr,
		"usage: preflight-milter [-f] [-c config] [-p socket]\n"
		"       preflight-milter -n [-c config]   check the "
		"configuration and its tables\n"
		"       preflight-milter -d [-c config]   print the effective "
		"configuration\n"
		"  -f  stay in the foreground and log to stderr as well\n");
	exit(2);
}

static void
reload(void)
{
	GString *err = g_string_new(NULL);
	pf_config *cfg = pf_config_load(config_path, err);

	if (cfg != NULL && pf_checks_load(cfg, err) < 0)
		pf_config_unref(&cfg);	/* a check newly on lacks its library */
	if (cfg == NULL) {
		gchar **lines = g_strsplit(err->str, "\n", -1);

		for (gchar **l = lines; *l; l++)
			if (**l)
				pf_warn("reload: %s", *l);
		pf_warn("reload of %s failed: keeping the old configuration",
			config_path);
		g_strfreev(lines);
		pf_metrics_reload_failed();
	} else {
		pf_config *old = pf_milter_config();

		if (g_strcmp0(old->metrics_listen, cfg->metrics_listen) != 0)
			pf_warn("reload: [metrics] listen is read at start "
				"only: restart to apply \"%s\"",
				cfg->metrics_listen ? cfg->metrics_listen : "");
		pf_config_unref(&old);
		(void)pf_audit_open(cfg->audit_log);	/* opened anew */
		pf_metrics_dkim_keys_reset();		/* the new keys only */
		(void)pf_dkim_check_all(cfg, NULL);	/* logs what is wrong */
		pf_milter_set_config(cfg);
		pf_metrics_config_loaded();
		pf_info("reloaded configuration from %s", config_path);
	}
	g_string_free(err, TRUE);
}

/*
 * Interposes libmilter's sigwait() (see DESCRIPTION): SIGHUP reloads,
 * SIGUSR1 reopens the audit log, and the wait goes on; other signals go
 * back to libmilter.
 */
int
sigwait(const sigset_t *set, int *sig)
{
	sigset_t ours = *set;

	(void)sigaddset(&ours, SIGUSR1);
	for (;;) {
		int s = sigwaitinfo(&ours, NULL);

		if (s < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		if (s == SIGHUP) {
			reload();
			continue;
		}
		if (s == SIGUSR1) {
			if (pf_audit_reopen() > 0)
				pf_info("audit log reopened");
			continue;
		}
		pf_info("signal %d: stopping", s);
		*sig = s;
		return 0;
	}
}

/*
 * SIGHUP, SIGTERM, SIGINT and SIGUSR1 blocked in the main thread before any
 * other thread starts (libunbound's, from loading the configuration and the
 * DKIM key check at start-up; -n and -d unblock them again), so
 * that every thread inherits the mask and only libmilter's signal thread
 * takes them.  libmilter blocks them itself in smfi_main(), too late for
 * threads started before: the kernel gave a SIGHUP to one of those, and
 * its default action ended the daemon instead of a reload.
 */
static void
block_stop_signals(bool block)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	if (pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL) != 0)
		pf_fatal("cannot block SIGHUP, SIGTERM, SIGINT and SIGUSR1");
}

/* Linux copies TCP_NODELAY from a listener to every accepted socket. */
static void
tcp_nodelay_on_listener(void)
{
	struct rlimit rl;
	int max = 1024;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536)
		max = (int)rl.rlim_cur;
	for (int fd = 0; fd < max; fd++) {
		struct sockaddr_storage ss = {0};
		socklen_t len = sizeof(ss);
		int on = 0, one = 1;
		socklen_t olen = sizeof(on);

		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &olen) < 0 ||
		    !on)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
		    (ss.ss_family != AF_INET && ss.ss_family != AF_INET6))
			continue;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			       sizeof(one)) < 0)
			pf_warn("TCP_NODELAY on the listener: %s",
				strerror(errno));
	}
}

static void
lookup_ids(const pf_config *cfg, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	struct group *gr;

	if ((pw = getpwnam(cfg->user)) == NULL)
		pf_fatal("%s: [milter] user \"%s\" does not exist; create it "
			 "(adduser --system --group %s) or change user",
			 config_path, cfg->user, cfg->user);
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (cfg->group) {
		if ((gr = getgrnam(cfg->group)) == NULL)
			pf_fatal("%s: [milter] group \"%s\" does not exist",
				 config_path, cfg->group);
		*gid = gr->gr_gid;
	}
}

static const char *
unix_path(const char *sock)
{
	if (strncmp(sock, "unix:", 5) == 0)
		return sock + 5;
	if (strncmp(sock, "local:", 6) == 0)
		return sock + 6;
	if (sock[0] == '/')
		return sock;
	return NULL;
}

static void
prepare_socket_dir(const char *path, bool root, uid_t uid, gid_t gid)
{
	char *dir = g_path_get_dirname(path);

	if (g_mkdir_with_parents(dir, 0755) < 0)
		pf_fatal("cannot create socket directory %s: %s", dir,
			 strerror(errno));
	if (root && strcmp(dir, "/") != 0 && strcmp(dir, "/tmp") != 0 &&
	    chown(dir, uid, gid) < 0)
		pf_warn("cannot chown %s: %s", dir, strerror(errno));
	g_free(dir);
}

static void
write_pidfile(const char *path)
{
	FILE *fp;

	if (path == NULL)
		return;
	if ((fp = fopen(path, "w")) == NULL) {
		pf_warn("cannot write pid file %s: %s", path, strerror(errno));
		return;
	}
	fprintf(fp, "%ld\n", (long)getpid());
	if (fclose(fp) != 0)
		pf_warn("cannot write pid file %s: %s", path, strerror(errno));
}

static void
drop_privileges(bool root, uid_t uid, gid_t gid, const pf_config *cfg)
{
	if (!root)
		return;
	if (setgroups(1, &gid) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
		pf_fatal("cannot switch to user %s: %s", cfg->user,
			 strerror(errno));
	if (setuid(0) == 0)
		pf_fatal("still able to regain root after switching to %s",
			 cfg->user);
	pf_info("running as user %s (uid %ld, gid %ld)", cfg->user,
		(long)uid, (long)gid);
}

int
main(int argc, char **argv)
{
	const char *socket_arg = NULL;
	bool foreground = false, check_only = false, dump = false;
	bool root = geteuid() == 0;
	uid_t uid = 0;
	gid_t gid = 0;
	pf_config *cfg;
	GString *err;
	const char *path;
	char *control_path;
	int ch, rc, control_fd = -1, metrics_fd = -1;

	block_stop_signals(true);	/* before any thread exists */
	pf_memory_tune();	/* before any thread: see core/memory.c */
	while ((ch = getopt(argc, argv, "c:dfnp:h")) != -1) {
		switch (ch) {
		case 'c': config_path = optarg; break;
		case 'd': dump = true; break;
		case 'f': foreground = true; break;
		case 'n': check_only = true; break;
		case 'p': socket_arg = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	/* the daemon, not -n or -d, records and makes DKIM key switches */
	pf_dkim_rotation_act(!check_only && !dump);

	err = g_string_new(NULL);
	if ((cfg = pf_config_load(config_path, err)) != NULL &&
	    pf_checks_load(cfg, err) < 0)
		pf_config_unref(&cfg);	/* the installation lacks a library */
	if (cfg == NULL) {
		fputs(err->str, stderr);
		fprintf(stderr, "preflight-milter: configuration %s has "
			"errors\n", config_path);
		g_string_free(err, TRUE);
		return 1;
	}
	g_string_free(err, TRUE);
	if (check_only || dump) {
		block_stop_signals(false);
		if (check_only)
			printf("%s: configuration OK\n", config_path);
		else
			pf_config_dump(cfg, stdout, false);
		pf_config_unref(&cfg);
		return 0;
	}
	if (socket_arg) {
		g_free(cfg->socket);
		cfg->socket = g_strdup(socket_arg);
	}
	if (pf_log_facility(cfg->syslog_facility) < 0)
		pf_fatal("%s: [milter] syslog_facility \"%s\" is unknown",
			 config_path, cfg->syslog_facility);
	pf_log_open(cfg->syslog_ident, pf_log_facility(cfg->syslog_facility),
		    foreground);

	if (root) {
		if (cfg->user == NULL)
			pf_fatal("%s: [milter] user is empty: refusing to run "
				 "as root; name an unprivileged account",
				 config_path);
		lookup_ids(cfg, &uid, &gid);
	}
	if ((path = unix_path(cfg->socket)) != NULL)
		prepare_socket_dir(path, root, uid, gid);
	if (smfi_setconn(cfg->socket) != MI_SUCCESS)
		pf_fatal("bad socket \"%s\": use unix:/path or inet:PORT@ADDR",
			 cfg->socket);
	if (smfi_settimeout((int)cfg->milter_timeout) != MI_SUCCESS ||
	    smfi_register(pf_milter_desc) != MI_SUCCESS)
		pf_fatal("libmilter refused the filter registration");
	if (smfi_opensocket(true) != MI_SUCCESS)
		pf_fatal("cannot open socket %s: %s", cfg->socket,
			 strerror(errno));
	if (path) {
		if (chmod(path, (mode_t)cfg->socket_mode) < 0)
			pf_fatal("cannot chmod %s: %s", path, strerror(errno));
		if (root && chown(path, uid, gid) < 0)
			pf_fatal("cannot chown %s: %s", path, strerror(errno));
	} else {
		tcp_nodelay_on_listener();
	}
	if (cfg->rate.control_socket)
		control_fd = pf_control_open(cfg->rate.control_socket);
	if (cfg->metrics_listen)
		metrics_fd = pf_metrics_http_listen(cfg->metrics_listen);
	if (!foreground && daemon(0, 0) < 0)
		pf_fatal("cannot detach: %s", strerror(errno));
	write_pidfile(cfg->pidfile);
	if (metrics_fd >= 0) {
		pf_metrics_enable();
		pf_metrics_http_start(metrics_fd);
	}
	pf_metrics_config_loaded();
	drop_privileges(root, uid, gid, cfg);
	if (pf_audit_open(cfg->audit_log) < 0)
		pf_warn("continuing without the audit log");

	pf_info("starting: socket %s, configuration %s%s%s%s", cfg->socket,
		config_path, cfg->monitor ? ", monitor mode" : "",
		metrics_fd >= 0 ? ", metrics on http://" : "",
		metrics_fd >= 0 ? cfg->metrics_listen : "");
	(void)pf_dkim_check_all(cfg, NULL);	/* logs keys DNS does not match */
	control_path = g_strdup(cfg->rate.control_socket);
	pf_milter_set_config(cfg);
	pf_watch_start(pf_milter_config);	/* [dnsbl] interval: reputation */
	if (control_fd >= 0)
		pf_control_start(control_fd);
	rc = smfi_main();
	pf_watch_stop();
	pf_metrics_http_stop();
	for (int i = 0; i < PF_STOP_GRACE * 10 && pf_milter_busy(); i++)
		usleep(100000);
	if (pf_milter_busy())
		pf_warn("stopping with %u messages in flight", pf_milter_busy());
	cfg = pf_milter_config();
	if (cfg->pidfile)
		(void)unlink(cfg->pidfile);
	pf_config_unref(&cfg);
	pf_milter_set_config(NULL);
	pf_audit_close();
	pf_control_close(control_path);
	g_free(control_path);
	pf_info("stopped");
	return rc == MI_SUCCESS ? 0 : 1;
}
