/*
 * NAME
 *	testutil - helpers shared by the cmocka unit tests (see testutil.h)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

char *
tu_write_temp(const char *text)
{
	char *path = g_strdup("/tmp/pf-test-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

void
tu_remove_dir(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(dir, name, NULL);

		unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	rmdir(dir);
}

pf_config *
tu_config_err(const char *text, GString *err, char **pathp)
{
	char *path = tu_write_temp(text);
	pf_config *cfg = pf_config_load(path, err);

	if (pathp)
		*pathp = path;
	else {
		unlink(path);
		g_free(path);
	}
	return cfg;
}

pf_config *
tu_config(const char *text)
{
	GString *err = g_string_new(NULL);
	pf_config *cfg = tu_config_err(text, err, NULL);

	if (cfg == NULL)
		fail_msg("config errors: %s", err->str);
	g_string_free(err, TRUE);
	return cfg;
}

pf_pipeline *
tu_pipeline(pf_config *cfg)
{
	pf_conninfo ci = {.client_addr = "192.0.2.1", .helo = "client.test"};

	return pf_pipeline_new(cfg, &ci);
}

pf_verdict *
tu_feed(pf_pipeline *tx, const char *text)
{
	const char *p = text, *body;
	GString *crlf;
	pf_verdict *v;

	while (*p && *p != '\n') {
		const char *eol = strchr(p, '\n'), *colon = strchr(p, ':');
		char *name, *value;

		if (eol == NULL)
			eol = p + strlen(p);
		name = g_strndup(p, (gsize)(colon - p));
		value = g_strndup(colon + 2, (gsize)(eol - colon - 2));
		pf_pipeline_header(tx, name, value);
		g_free(name);
		g_free(value);
		p = *eol ? eol + 1 : eol;
	}
	if ((v = pf_pipeline_eoh(tx)) != NULL)
		return v;
	body = *p ? p + 1 : p;
	crlf = g_string_new(NULL);
	for (; *body; body++) {
		if (*body == '\n')
			g_string_append_c(crlf, '\r');
		g_string_append_c(crlf, *body);
	}
	if (crlf->len)
		pf_pipeline_body(tx, (const unsigned char *)crlf->str,
				crlf->len);
	g_string_free(crlf, TRUE);
	return pf_pipeline_eom(tx);
}

const pf_result *
tu_find(const pf_message *msg, const char *code)
{
	for (guint i = 0; i < msg->results->len; i++) {
		const pf_result *r = msg->results->pdata[i];

		if (strcmp(r->code, code) == 0)
			return r;
	}
	return NULL;
}
