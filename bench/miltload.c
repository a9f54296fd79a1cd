/*
 * NAME
 *	miltload - drive a milter directly over the milter protocol (v6)
 * SYNOPSIS
 *	miltload -s unix:/path|inet:PORT@HOST [-c conns] [-n msgs] [-k per-conn]
 *		 [-p milter-pid] [-T] [-R msgs-per-s] [-f from] [-r rcpt]
 *		 [-u user] -m message-file [-m ...]
 * DESCRIPTION
 *	Plays the MTA: option negotiation, then for each message the macros
 *	and CONNECT, HELO, MAIL (SIZE=), RCPT, DATA, each HEADER, EOH, BODY in
 *	chunks of at most 65535 bytes (CRLF line ends), EOM, and reads the
 *	filter's modifications and final reply.  Steps the filter declines
 *	in negotiation are not sent; "no reply" steps are not waited for.
 *	c threads share n messages; each opens a new connection every k
 *	messages (1: one per message, as Postfix does per SMTP session).
 *	Without -R the loop is closed: each thread sends its next message as
 *	soon as the last is answered, so at saturation the latencies are
 *	mostly queueing.  -R paces it: message i is due at start + i/R and
 *	not sent before; its latency runs from when it was due (the
 *	connection included), so a milter that falls behind is charged for
 *	the wait (no coordinated omission).
 *	The envelope is -f (default alice@bench.test) and -r (bob@bench.test);
 *	-u sends {auth_authen} (the SASL user) with MAIL.
 *	Prints one line:
 *	  msgs= ok= refused= errors= secs= rate= p50_ms= p99_ms= peak_rss_kb=
 *	  cpu_us_per_msg=	(with -p: the milter's user+system CPU a message)
 *	  steps=	(the milter's SMFIP_* flags from the negotiation)
 *	Every read has a 30 s timeout (counted as an error); no retry loops.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65535
#define NR_ANY 0xFF080UL	/* SMFIP_NR_* bits, NR_HDR included */

typedef struct hdr {
	char *name, *value;
} hdr;

typedef struct msgfile {
	hdr *h;
	int nh;
	char *body;
	size_t blen;
	char *from;
} msgfile;

static msgfile corpus[16];
static int ncorpus;
static const char *sockspec;
static int nodelay;
static long total, per_conn = 1;
static long next_msg, ok_n, refused_n, err_n;
static unsigned long steps_seen;	/* the milter's SMFIP_* protocol flags */
static const char *env_from = "alice@bench.test", *env_rcpt = "bob@bench.test";
static const char *auth_user;	/* -u: {auth_authen} at MAIL */
static double *lat;
static double pace_rate, t_start;	/* -R, and when the run began */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep until message id is due (-R); when it was due, or now. */
static double
due(long id)
{
	double at;
	struct timespec ts;

	if (pace_rate <= 0)
		return now();
	at = t_start + (double)id / pace_rate;
	ts.tv_sec = (time_t)at;
	ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
	return at;
}

static int
dial(void)
{
	int fd;

	if (strncmp(sockspec, "unix:", 5) == 0) {
		struct sockaddr_un sun = {.sun_family = AF_UNIX};

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockspec + 5);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	if (strncmp(sockspec, "inet:", 5) == 0) {
		char port[16] = "", host[256] = "127.0.0.1";
		const char *at = strchr(sockspec, '@');
		struct sockaddr_in sin = {.sin_family = AF_INET};
		int one = 1;

		snprintf(port, sizeof(port), "%.*s", (int)(at ? at - sockspec - 5 :
			 (long)strlen(sockspec + 5)), sockspec + 5);
		if (at)
			snprintf(host, sizeof(host), "%s", at + 1);
		sin.sin_port = htons((uint16_t)atoi(port));
		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
			return -1;
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			return -1;
		if (nodelay)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	return -1;
}

static int
send_cmd(int fd, char cmd, const void *data, size_t len)
{
	unsigned char head[5];
	uint32_t n = htonl((uint32_t)len + 1);

	memcpy(head, &n, 4);
	head[4] = (unsigned char)cmd;
	if (write(fd, head, 5) != 5)
		return -1;
	if (len && write(fd, data, len) != (ssize_t)len)
		return -1;
	return 0;
}

static int
read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = {fd, POLLIN, 0};
		ssize_t n;

		if (poll(&p, 1, 30000) != 1)
			return -1;
		if ((n = read(fd, (char *)buf + got, len - got)) <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/* Read one reply; returns its command byte, or -1. */
static int
read_reply(int fd, char **data, uint32_t *len)
{
	uint32_t n;
	char *buf;

	if (read_full(fd, &n, 4) < 0)
		return -1;
	n = ntohl(n);
	if (n == 0 || n > 1 << 24)
		return -1;
	buf = malloc(n);
	if (buf == NULL || read_full(fd, buf, n) < 0) {
		free(buf);
		return -1;
	}
	*len = n - 1;
	*data = buf;
	return (unsigned char)buf[0];
}

/* Wait for the reply to a step; 'c' continue, 'r'/'t'/'y' refuse. */
static int
step(int fd, char cmd, const void *d, size_t len, int noreply)
{
	char *r = NULL;
	uint32_t rl;
	int c;

	if (send_cmd(fd, cmd, d, len) < 0)
		return -1;
	if (noreply)
		return 'c';
	do {
		free(r);
		r = NULL;
		c = read_reply(fd, &r, &rl);
	} while (c == 'p');	/* progress */
	free(r);
	return c;
}

static unsigned long
negotiate(int fd)
{
	unsigned char o[12];
	uint32_t v[3] = {htonl(6), htonl(0x1FF), htonl(0x1FFFFF)};
	char *r;
	uint32_t rl, pf;

	memcpy(o, v, 12);
	if (send_cmd(fd, 'O', o, 12) < 0 || read_reply(fd, &r, &rl) != 'O' ||
	    rl < 12) 
		return (unsigned long)-1;
	memcpy(&pf, r + 9, 4);
	free(r);
	return ntohl(pf);
}

static void
macro(int fd, char stage, const char *name, const char *value)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%c%s", stage, name);

	n += 1 + snprintf(buf + n + 1, sizeof(buf) - (size_t)n - 1, "%s", value);
	send_cmd(fd, 'D', buf, (size_t)n + 1);
}

/* One message on an open connection: 1 accepted, 0 refused, -1 error. */
static int
one_message(int fd, unsigned long pf, const msgfile *m, long id)
{
	char buf[1024], qid[32];
	int c, n;

	snprintf(qid, sizeof(qid), "B%08lX", id);
	if (auth_user) {	/* one macro command a stage: it replaces */
		n = snprintf(buf, sizeof(buf), "Mi%c%s%c{auth_authen}%c%s", 0,
			     qid, 0, 0, auth_user);
		send_cmd(fd, 'D', buf, (size_t)n + 1);
	} else {
		macro(fd, 'M', "i", qid);
	}
	n = snprintf(buf, sizeof(buf), "<%s>", m->from) + 1;
	n += snprintf(buf + n, sizeof(buf) - (size_t)n, "SIZE=%zu", m->blen + 1000) + 1;
	if (!(pf & 0x4) && (c = step(fd, 'M', buf, (size_t)n, pf & 0x4000)) != 'c')
		return c < 0 ? -1 : 0;
	n = snprintf(buf, sizeof(buf), "<%s>", env_rcpt) + 1;
	if (!(pf & 0x8) && (c = step(fd, 'R', buf, (size_t)n, pf & 0x8000)) != 'c')
		return c < 0 ? -1 : 0;
	/* DATA, unless the milter skips it (SMFIP_NODATA), as Postfix does */
	if (!(pf & 0x200) && (c = step(fd, 'T', NULL, 0, pf & 0x10000)) != 'c')
		return c < 0 ? -1 : 0;
	for (int i = 0; !(pf & 0x20) && i < m->nh; i++) {
		size_t a = strlen(m->h[i].name) + 1, b = strlen(m->h[i].value) + 1;
		char *hb = malloc(a + b);

		memcpy(hb, m->h[i].name, a);
		memcpy(hb + a, m->h[i].value, b);
		c = step(fd, 'L', hb, a + b, pf & 0x80);
		free(hb);
		if (c != 'c')
			return c < 0 ? -1 : 0;
	}
	if (!(pf & 0x40) && (c = step(fd, 'N', NULL, 0, pf & 0x40000)) != 'c')
		return c < 0 ? -1 : 0;
	for (size_t off = 0; !(pf & 0x10) && off < m->blen; off += CHUNK) {
		size_t len = m->blen - off > CHUNK ? CHUNK : m->blen - off;

		if ((c = step(fd, 'B', m->body + off, len, pf & 0x80000)) != 'c')
			return c < 0 ? -1 : 0;
	}
	if (send_cmd(fd, 'E', NULL, 0) < 0)
		return -1;
	for (;;) {	/* modifications, then the final reply */
		char *r;
		uint32_t rl;

		c = read_reply(fd, &r, &rl);
		free(r);
		if (c < 0)
			return -1;
		if (c == 'a' || c == 'c')
			return 1;
		if (c == 'r' || c == 't' || c == 'y' || c == 'd')
			return 0;
	}
}

static void *
worker(void *arg)
{
	(void)arg;
	for (;;) {
		long first;
		double t_first;
		int fd;
		unsigned long pf;

		pthread_mutex_lock(&lock);
		first = next_msg;
		next_msg += per_conn;
		pthread_mutex_unlock(&lock);
		if (first >= total)
			return NULL;
		t_first = due(first);
		if ((fd = dial()) < 0 || (pf = negotiate(fd)) == (unsigned long)-1) {
			if (fd >= 0)
				close(fd);
			pthread_mutex_lock(&lock);
			err_n += per_conn;
			pthread_mutex_unlock(&lock);
			continue;
		}
		pthread_mutex_lock(&lock);
		steps_seen = pf;
		pthread_mutex_unlock(&lock);
		{
			char cb[64] = "client.bench.test";
			size_t n = strlen(cb) + 1;

			macro(fd, 'C', "j", "mta.bench.test");
			cb[n++] = '4';
			cb[n++] = 0x04;	/* port 1234 */
			cb[n++] = (char)0xD2;
			n += (size_t)snprintf(cb + n, sizeof(cb) - n, "127.0.0.1") + 1;
			if (!(pf & 0x1))
				(void)step(fd, 'C', cb, n, pf & 0x1000);
			if (!(pf & 0x2))
				(void)step(fd, 'H', "client.bench.test", 18, pf & 0x2000);
		}
		for (long id = first; id < first + per_conn && id < total; id++) {
			double t0 = id == first && pace_rate > 0 ? t_first :
			    due(id);
			int r = one_message(fd, pf, &corpus[id % ncorpus], id);

			pthread_mutex_lock(&lock);
			if (r > 0)
				ok_n++;
			else if (r == 0)
				refused_n++;
			else
				err_n++;
			lat[id] = (now() - t0) * 1000.0;
			pthread_mutex_unlock(&lock);
			if (r < 0)
				break;
		}
		send_cmd(fd, 'Q', NULL, 0);
		close(fd);
	}
}

static int
load(const char *path, msgfile *m)
{
	FILE *fp = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0, bcap = 0;
	ssize_t n;
	int in_body = 0;

	if (fp == NULL)
		return -1;
	m->from = strdup("alice@bench.test");
	while ((n = getline(&line, &cap, fp)) > 0) {
		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (!in_body) {
			if (n == 0) {
				in_body = 1;
			} else if ((line[0] == ' ' || line[0] == '\t') && m->nh) {
				hdr *h = &m->h[m->nh - 1];
				size_t ol = strlen(h->value);

				h->value = realloc(h->value, ol + (size_t)n + 2);
				h->value[ol] = '\n';
				memcpy(h->value + ol + 1, line, (size_t)n + 1);
			} else {
				char *colon = strchr(line, ':');

				if (colon == NULL)
					continue;
				m->h = realloc(m->h, sizeof(hdr) * (size_t)(m->nh + 1));
				*colon = '\0';
				m->h[m->nh].name = strdup(line);
				m->h[m->nh].value = strdup(colon[1] == ' ' ? colon + 2 : colon + 1);
				m->nh++;
			}
			continue;
		}
		if (m->blen + (size_t)n + 2 > bcap) {
			bcap = (m->blen + (size_t)n + 2) * 2;
			m->body = realloc(m->body, bcap);
		}
		memcpy(m->body + m->blen, line, (size_t)n);
		m->blen += (size_t)n;
		memcpy(m->body + m->blen, "\r\n", 2);
		m->blen += 2;
	}
	free(line);
	fclose(fp);
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static long
hwm(long pid)
{
	char path[64], line[256];
	FILE *fp;
	long kb = 0;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	fclose(fp);
	return kb;
}

/* The milter's CPU time (user + system), in clock ticks; -1 unknown. */
static long
cpu_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* after "pid (comm) ": state is field 3, utime 14, stime 15 */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
		   &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

int
main(int argc, char **argv)
{
	int conns = 10, ch;
	long pid = 0;
	pthread_t th[512];
	double t0, secs, cpu_us = 0;
	long cpu0, cpu1;

	total = 1000;
	while ((ch = getopt(argc, argv, "s:c:n:k:m:p:TR:f:r:u:")) != -1) {
		switch (ch) {
		case 'f': env_from = optarg; break;
		case 'r': env_rcpt = optarg; break;
		case 'u': auth_user = optarg; break;
		case 's': sockspec = optarg; break;
		case 'c': conns = atoi(optarg); break;
		case 'n': total = atol(optarg); break;
		case 'k': per_conn = atol(optarg); break;
		case 'p': pid = atol(optarg); break;
		case 'T': nodelay = 1; break;
		case 'R': pace_rate = atof(optarg); break;
		case 'm':
			if (ncorpus < 16 && load(optarg, &corpus[ncorpus]) == 0)
				ncorpus++;
			else {
				fprintf(stderr, "miltload: cannot load %s\n", optarg);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: miltload -s SOCKET [-c N] [-n N] "
				"[-k N] [-p PID] [-T] [-R RATE] [-f FROM] [-r RCPT] "
				"[-u USER] -m FILE...\n");
			return 2;
		}
	}
	for (int i = 0; i < ncorpus; i++) {	/* -f may follow -m */
		free(corpus[i].from);
		corpus[i].from = strdup(env_from);
	}
	if (sockspec == NULL || ncorpus == 0 || conns < 1 || conns > 512 ||
	    total < 1 || per_conn < 1 || pace_rate < 0) {
		fprintf(stderr, "miltload: -s and -m are required; -c is 1 to "
			"512, -n and -k at least 1, -R not negative\n");
		return 2;
	}
	lat = calloc((size_t)total, sizeof(double));
	cpu0 = pid ? cpu_ticks(pid) : -1;
	t0 = t_start = now();
	for (int i = 0; i < conns; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < conns; i++)
		pthread_join(th[i], NULL);
	secs = now() - t0;
	cpu1 = pid ? cpu_ticks(pid) : -1;
	if (cpu0 >= 0 && cpu1 >= cpu0)	/* the milter's CPU a message */
		cpu_us = (double)(cpu1 - cpu0) * 1e6 /
		    (double)sysconf(_SC_CLK_TCK) / (double)total;
	qsort(lat, (size_t)total, sizeof(double), cmp_double);
	printf("msgs=%ld ok=%ld refused=%ld errors=%ld secs=%.2f rate=%.1f "
	       "p50_ms=%.2f p99_ms=%.2f peak_rss_kb=%ld cpu_us_per_msg=%.0f "
	       "steps=0x%lx\n", total, ok_n, refused_n, err_n, secs,
	       (double)total / secs, lat[total / 2], lat[(long)(total * 0.99)],
	       pid ? hwm(pid) : 0, cpu_us, steps_seen);
	return err_n ? 1 : 0;
}
