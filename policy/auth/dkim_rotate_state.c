/*
 * NAME
 *	dkim_rotate_state - the rotation state file: parsed strictly,
 *	written atomically, and the switch rule (see dkim_rotate.h)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "auth/dkim_rotate.h"

char *
pf_dkim_rotation_path(const char *key_path)
{
	return g_strconcat(key_path, ".rotation", NULL);
}

void
pf_dkim_rotation_state_clear(pf_dkim_rotation_state *st)
{
	if (st == NULL)
		return;
	g_free(st->domain);
	g_free(st->old_selector);
	g_free(st->old_key);
	g_free(st->new_selector);
	g_free(st->new_key);
	memset(st, 0, sizeof(*st));
}

/* RFC 6376 3.1: selector = sub-domain *( "." sub-domain ) */
bool
pf_dkim_selector_valid(const char *s)
{
	size_t label = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 63)
		return false;
	for (const char *c = s; *c; c++) {
		if (*c == '.') {
			if (label == 0 || c[-1] == '-')
				return false;
			label = 0;
		} else if (g_ascii_isalnum(*c) || (*c == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return label > 0 && s[strlen(s) - 1] != '-';
}

char *
pf_dkim_time_text(time_t t)
{
	GDateTime *dt = g_date_time_new_from_unix_utc((gint64)t);
	char *s = dt ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;

	if (dt)
		g_date_time_unref(dt);
	return s ? s : g_strdup("?");
}

static bool
parse_time(const char *v, time_t *t)
{
	GDateTime *dt = g_date_time_new_from_iso8601(v, NULL);

	if (dt == NULL)
		return false;
	*t = (time_t)g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return *t > 0;
}

char *
pf_dkim_fingerprint(const char *p)
{
	gsize len = 0;
	guchar *der, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *b64, *fp;

	if (p == NULL || *p == '\0' || strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/=") != strlen(p) ||
	    strlen(p) % 4 != 0)
		return NULL;
	der = g_base64_decode(p, &len);
	if (der == NULL || EVP_Digest(der, len, md, &mdlen, EVP_sha256(),
				      NULL) != 1) {
		g_free(der);
		return NULL;
	}
	g_free(der);
	b64 = g_base64_encode(md, mdlen);
	b64[strcspn(b64, "=")] = '\0';	/* as ssh-keygen -l prints it */
	fp = g_strconcat("SHA256:", b64, NULL);
	g_free(b64);
	return fp;
}

enum { F_DOMAIN, F_OLD_SEL, F_OLD_KEY, F_NEW_SEL, F_NEW_KEY, F_STARTED,
       F_SEEN, F_SWITCHED, F_N };
static const char *const field_names[F_N] = {
	"domain", "old_selector", "old_key", "new_selector", "new_key",
	"started", "seen", "switched",
};

/* Store value for field f; false (and why) when it is not valid. */
static bool
set_field(pf_dkim_rotation_state *st, int f, const char *v, GString *why)
{
	char **str[] = {&st->domain, &st->old_selector, &st->old_key,
			&st->new_selector, &st->new_key};
	time_t *tm[] = {&st->started, &st->seen, &st->switched};

	if (f >= F_STARTED) {
		if (!parse_time(v, tm[f - F_STARTED])) {
			g_string_printf(why, "%s=%s: expected an ISO 8601 time "
			    "such as 2026-12-01T10:00:00Z", field_names[f], v);
			return false;
		}
		return true;
	}
	if ((f == F_OLD_KEY || f == F_NEW_KEY) && v[0] != '/') {
		g_string_printf(why, "%s=%s: expected an absolute path",
				field_names[f], v);
		return false;
	}
	if ((f == F_OLD_SEL || f == F_NEW_SEL) && !pf_dkim_selector_valid(v)) {
		g_string_printf(why, "%s=%s: not a DKIM selector (letters, "
		    "digits and hyphens, dot-separated)", field_names[f], v);
		return false;
	}
	if (f == F_DOMAIN && (*v == '\0' || strchr(v, '/') || strchr(v, ' '))) {
		g_string_printf(why, "domain=%s: not a domain name", v);
		return false;
	}
	*str[f] = f == F_DOMAIN ? g_ascii_strdown(v, -1) : g_strdup(v);
	return true;
}

int
pf_dkim_rotation_state_parse(const char *path, const char *text,
			     pf_dkim_rotation_state *st, GString *err)
{
	gchar **lines = g_strsplit(text, "\n", -1);
	bool have[F_N] = {false};
	GString *why = g_string_new(NULL);
	int rc = 0;

	memset(st, 0, sizeof(*st));
	for (guint n = 0; lines[n] && rc == 0; n++) {
		char *line = g_strstrip(lines[n]), *eq, *name, *val;
		int f;

		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			g_string_append_printf(err, "%s:%u: expected name=value"
			    "\n", path, n + 1);
			rc = -1;
			break;
		}
		*eq = '\0';
		name = g_strstrip(line);
		val = g_strstrip(eq + 1);
		for (f = 0; f < F_N && strcmp(name, field_names[f]) != 0; f++)
			;
		if (f == F_N)
			g_string_printf(why, "unknown name \"%s\"", name);
		else if (have[f])
			g_string_printf(why, "%s given twice", name);
		if (f == F_N || have[f] || !set_field(st, f, val, why)) {
			g_string_append_printf(err, "%s:%u: %s\n", path, n + 1,
					       why->str);
			rc = -1;
			break;
		}
		have[f] = true;
	}
	for (int f = 0; rc == 0 && f < F_SEEN; f++)
		if (!have[f]) {
			g_string_append_printf(err, "%s: %s= is missing\n", path,
					       field_names[f]);
			rc = -1;
		}
	if (rc == 0 && strcmp(st->old_selector, st->new_selector) == 0) {
		g_string_append_printf(err, "%s: new_selector is old_selector "
		    "(%s): a rotation needs a new selector\n", path,
		    st->new_selector);
		rc = -1;
	}
	if (rc == 0 && st->switched && (st->seen == 0 ||
					st->switched < st->seen)) {
		g_string_append_printf(err, "%s: switched= without an earlier "
		    "seen=: the new record was never seen matching\n", path);
		rc = -1;
	}
	if (rc < 0)
		pf_dkim_rotation_state_clear(st);
	g_string_free(why, TRUE);
	g_strfreev(lines);
	return rc;
}

int
pf_dkim_rotation_state_load(const char *path, pf_dkim_rotation_state *st,
			    GString *err)
{
	char *text = NULL;
	gsize len = 0;
	GError *gerr = NULL;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!g_file_get_contents(path, &text, &len, &gerr)) {
		rc = g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT) ?
		    1 : -1;
		if (rc < 0)
			g_string_append_printf(err, "%s: cannot read the DKIM "
			    "rotation state: %s\n", path, gerr->message);
		g_error_free(gerr);
		return rc;
	}
	if (memchr(text, '\0', len) != NULL || !g_utf8_validate(text, -1,
								   NULL)) {
		g_string_append_printf(err, "%s: not a text file\n", path);
		g_free(text);
		return -1;
	}
	rc = pf_dkim_rotation_state_parse(path, text, st, err);
	g_free(text);
	return rc;
}

char *
pf_dkim_rotation_state_format(const pf_dkim_rotation_state *st)
{
	GString *s = g_string_new("# preflight DKIM key rotation state: see "
	    "preflight.conf(5), KEY ROTATION.\n# Written by \"preflight dkim "
	    "rotate\" and preflight-milter.\n");
	time_t tm[] = {st->started, st->seen, st->switched};
	const char *str[] = {st->domain, st->old_selector, st->old_key,
			     st->new_selector, st->new_key};

	for (int f = 0; f < F_STARTED; f++)
		g_string_append_printf(s, "%s=%s\n", field_names[f],
				       str[f] ? str[f] : "");
	for (int f = F_STARTED; f < F_N; f++) {
		char *t;

		if (tm[f - F_STARTED] == 0)
			continue;
		t = pf_dkim_time_text(tm[f - F_STARTED]);
		g_string_append_printf(s, "%s=%s\n", field_names[f], t);
		g_free(t);
	}
	return g_string_free(s, FALSE);
}

int
pf_dkim_rotation_state_save(const char *path, const pf_dkim_rotation_state *st,
			    const struct stat *owner, GString *err)
{
	char *text = pf_dkim_rotation_state_format(st);
	char *tmp = g_strconcat(path, ".tmp.XXXXXX", NULL);
	char *dir = g_path_get_dirname(path);
	size_t len = strlen(text), off = 0;
	int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600), dfd, rc = -1;

	if (fd < 0) {
		g_string_append_printf(err, "%s: cannot create a temporary "
		    "file beside it: %s\n", path, strerror(errno));
		goto out;
	}
	if (owner && geteuid() == 0 && fchown(fd, owner->st_uid,
					       owner->st_gid) < 0)
		goto failed;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto failed;
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto failed;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto failed;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(dfd);	/* the rename itself, on disk */
		close(dfd);
	}
	rc = 0;
	goto out;
failed:
	g_string_append_printf(err, "%s: cannot write the DKIM rotation state: "
			       "%s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
out:
	g_free(text);
	g_free(tmp);
	g_free(dir);
	return rc;
}

pf_dkim_rot_step
pf_dkim_rotation_decide(pf_dkim_rotation_state *st, pf_dkim_pub pub,
			time_t now, unsigned long delay, bool *changed)
{
	*changed = false;
	if (st->switched)
		return PF_DKIM_ROT_SWITCHED;
	switch (pub) {
	case PF_DKIM_PUB_TEMPFAIL:
		return PF_DKIM_ROT_UNKNOWN;
	case PF_DKIM_PUB_OK:
		if (st->seen == 0 || st->seen > now) {	/* clock went back */
			st->seen = now;
			*changed = true;
		}
		if ((unsigned long long)(now - st->seen) >= delay) {
			st->switched = now;
			*changed = true;
			return PF_DKIM_ROT_SWITCHED;
		}
		return PF_DKIM_ROT_WAITING;
	default:
		if (st->seen) {		/* gone or changed: start again */
			st->seen = 0;
			*changed = true;
		}
		return pub == PF_DKIM_PUB_MISSING ? PF_DKIM_ROT_MISSING :
		    PF_DKIM_ROT_WRONG;
	}
}
