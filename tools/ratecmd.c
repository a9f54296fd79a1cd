/*
 * NAME
 *	ratecmd - preflight rate show [KEY] / preflight rate reset KEY
 * SYNOPSIS
 *	int pf_cmd_rate(int argc, char **argv);
 * DESCRIPTION
 *	With [rate] redis set, reads and resets the buckets in Redis
 *	directly.  The in-process store lives inside preflight-milter: the
 *	command then asks the milter over [rate] control_socket (one line
 *	"show [KEY]" or "reset KEY", the answer until end of file).
 *	Exit status 0, 1 when the store or the milter did not answer or the
 *	configuration is bad, 2 on usage errors.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "limits/rate_admin.h"
#include "limits/store.h"
#include "tools.h"

static int
rate_usage(void)
{
	fputs("usage: preflight rate [-c FILE] show [KEY]\n"
	      "       preflight rate [-c FILE] reset KEY\n"
	      "KEY: user:NAME, sender:ADDRESS, domain:DOMAIN, ip:ADDRESS, or a "
	      "bare value (every kind)\n", stderr);
	return 2;
}

/* Ask the milter's control socket; 0 or 1. */
static int
ask_milter(const char *path, const char *verb, const char *key)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	GString *req = g_string_new(NULL);
	char buf[4096];
	ssize_t n;
	int fd, rc = 1;

	if (strlen(path) >= sizeof(sun.sun_path) ||
	    strchr(key ? key : "", '\n') != NULL) {
		fprintf(stderr, "preflight: bad control socket path or key\n");
		g_string_free(req, TRUE);
		return 1;
	}
	g_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	g_string_printf(req, "%s%s%s\n", verb, key ? " " : "", key ? key : "");
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    write(fd, req->str, req->len) != (ssize_t)req->len) {
		fprintf(stderr, "preflight: %s: %s (is preflight-milter "
		    "running?)\n", path, strerror(errno));
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)n, stdout);
		rc = 0;
	}
out:
	if (fd >= 0)
		close(fd);
	g_string_free(req, TRUE);
	return rc;
}

int
pf_cmd_rate(int argc, char **argv)
{
	const char *path = PF_DEFAULT_CONFIG, *verb, *key = NULL;
	GString *err, *out;
	pf_config *cfg;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if ((strcmp(argv[i], "-c") == 0 ||
		     strcmp(argv[i], "--config") == 0) && i + 1 < argc)
			path = argv[++i];
		else
			return rate_usage();
	}
	if (i >= argc)
		return rate_usage();
	verb = argv[i++];
	if (i < argc)
		key = argv[i++];
	if (i != argc || (strcmp(verb, "show") != 0 &&
	    strcmp(verb, "reset") != 0) ||
	    (strcmp(verb, "reset") == 0 && key == NULL))
		return rate_usage();
	err = g_string_new(NULL);
	if ((cfg = pf_config_load(path, err)) == NULL) {
		fputs(err->str, stderr);
		g_string_free(err, TRUE);
		return 1;
	}
	g_string_free(err, TRUE);
	if (cfg->rate.store && cfg->rate.redis == NULL) {
		rc = cfg->rate.control_socket ?
		    ask_milter(cfg->rate.control_socket, verb, key) :
		    (fputs("preflight: the in-process buckets live in "
		    "preflight-milter: set [rate] control_socket to reach "
		    "them\n", stderr), 1);
		pf_config_unref(&cfg);
		return rc;
	}
	out = g_string_new(NULL);
	rc = strcmp(verb, "show") == 0 ? pf_rate_show(&cfg->rate, key, out) :
	    pf_rate_reset(&cfg->rate, key, out);
	fputs(out->str, stdout);
	if (rc < 0)
		fprintf(stderr, "preflight: %s did not answer\n",
		    pf_rate_store_name(cfg->rate.store));
	g_string_free(out, TRUE);
	pf_config_unref(&cfg);
	return rc < 0 ? 1 : 0;
}
