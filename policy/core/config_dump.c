/*
 * NAME
 *	config_dump - a configuration written back as preflight.conf: the
 *	sample file (annotated, every key with its default and its doc) and
 *	"preflight-milter -n" (see config.h)
 */
#include <string.h>

#include "core/config_keys.h"

static void
conf_format(const pf_config *cfg, const conf_key *k, GString *out)
{
	const void *p = (const char *)cfg + k->offset;
	unsigned long long n;

	switch (k->type) {
	case CT_STR:
	case CT_LISTEN:
		g_string_append(out, *(char *const *)p ? *(char *const *)p : "");
		break;
	case CT_BOOL:
		g_string_append(out, *(const bool *)p ? "yes" : "no");
		break;
	case CT_UINT:
		g_string_append_printf(out, "%lu", *(const unsigned long *)p);
		break;
	case CT_OCTAL:
		g_string_append_printf(out, "0%lo", *(const unsigned long *)p);
		break;
	case CT_SIZE:
		n = *(const unsigned long long *)p;
		if (n != 0 && n % (1ULL << 30) == 0)
			g_string_append_printf(out, "%lluG", n >> 30);
		else if (n != 0 && n % (1ULL << 20) == 0)
			g_string_append_printf(out, "%lluM", n >> 20);
		else if (n != 0 && n % (1ULL << 10) == 0)
			g_string_append_printf(out, "%lluK", n >> 10);
		else
			g_string_append_printf(out, "%llu", n);
		break;
	case CT_MODE:
		g_string_append(out, pf_mode_name(*(const pf_mode *)p));
		break;
	case CT_ACTION:
		g_string_append(out, pf_action_name(*(const pf_action *)p));
		break;
	case CT_REPAIR:
		g_string_append(out, ((const pf_repair_action *)p)->reencode ?
		    "reencode" : pf_action_name(((const pf_repair_action *)
		    p)->action));
		break;
	}
}

/*
 * Credentials are never printed: a *password key's value, and the
 * user:password part of a URL (redis://:secret@host/0), become (hidden).
 */
static void
hide_credentials(const conf_key *k, GString *value)
{
	const char *scheme, *at;

	if (k->type != CT_STR || value->len == 0)
		return;
	if (strstr(k->name, "password") != NULL) {
		g_string_assign(value, "(hidden)");
		return;
	}
	if ((scheme = strstr(value->str, "://")) != NULL &&
	    (at = strchr(scheme + 3, '@')) != NULL &&
	    memchr(scheme + 3, '/', (size_t)(at - scheme - 3)) == NULL) {
		gssize start = scheme + 3 - value->str;

		g_string_erase(value, start, at - scheme - 3);
		g_string_insert(value, start, "(hidden)");
	}
}

/* Wrap doc text into "# " comment lines of at most 76 columns. */
static void
doc_comment(FILE *fp, const char *doc)
{
	gchar **words = g_strsplit(doc, " ", -1);
	size_t col = 0;

	for (gchar **w = words; *w; w++) {
		size_t len = strlen(*w);

		if (col == 0) {
			fprintf(fp, "# %s", *w);
			col = 2 + len;
		} else if (col + 1 + len > 76) {
			fprintf(fp, "\n# %s", *w);
			col = 2 + len;
		} else {
			fprintf(fp, " %s", *w);
			col += 1 + len;
		}
	}
	if (col)
		fputc('\n', fp);
	g_strfreev(words);
}

/*
 * inih reads lines of at most 200 bytes: long values are written on
 * indented continuation lines, which the parser joins with a space.
 */
static void
wrap_value(GString *value, size_t indent)
{
	gchar **words = g_strsplit(value->str, " ", -1);
	size_t col = indent;

	g_string_truncate(value, 0);
	for (gchar **w = words; *w; w++) {
		size_t len = strlen(*w);

		if (value->len && col + 1 + len > 76) {
			g_string_append(value, "\n\t");
			col = 8;
		} else if (value->len) {
			g_string_append_c(value, ' ');
			col++;
		}
		g_string_append(value, *w);
		col += len;
	}
	g_strfreev(words);
}

void
pf_config_dump(const pf_config *cfg, FILE *fp, bool annotated)
{
	const char *section = NULL;
	GString *value = g_string_new(NULL);

	if (annotated)
		fputs("# preflight.conf - configuration of preflight-milter(8) "
		      "and preflight(1).\n"
		      "# Generated from the key table in policy/core/config_keys.c by\n"
		      "# \"preflight config --sample\"; every key is shown with "
		      "its default.\n"
		      "# See preflight.conf(5).\n", fp);
	for (size_t i = 0; i < pf_conf_nkeys; i++) {
		const conf_key *k = &pf_conf_keys[i];

		if (section == NULL || strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(fp, "%s[%s]\n", annotated || i ? "\n" : "",
				section);
		}
		g_string_truncate(value, 0);
		conf_format(cfg, k, value);
		hide_credentials(k, value);
		if (k->type == CT_STR && value->len > 60)
			wrap_value(value, strlen(k->name) + 3);
		if (annotated) {
			doc_comment(fp, k->doc);
			fprintf(fp, "%s =%s%s\n\n", k->name,
				value->len ? " " : "", value->str);
		} else {
			fprintf(fp, "%s =%s%s\n", k->name,
				value->len ? " " : "", value->str);
		}
	}
	g_string_free(value, TRUE);
}
