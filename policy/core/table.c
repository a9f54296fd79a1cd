/*
 * NAME
 *	table - key/value lookup tables read from files (see table.h)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/table.h"

struct pf_table {
	GHashTable *map;	/* lower-case key -> value, both owned */
};

static char *
strip(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
			   end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

pf_table *
pf_table_load(const char *path, pf_table_validate fn, void *arg, GString *err)
{
	FILE *fp;
	pf_table *t;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	bool bad = false;
	GString *why = g_string_new(NULL);

	if ((fp = fopen(path, "r")) == NULL) {
		g_string_append_printf(err, "%s: cannot open table: %s\n", path,
				       strerror(errno));
		g_string_free(why, TRUE);
		return NULL;
	}
	t = g_new0(pf_table, 1);
	t->map = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	while (getline(&line, &cap, fp) >= 0) {
		char *s = strip(line), *key, *value;

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		key = s;
		value = s + strcspn(s, " \t");
		if (*value != '\0')
			*value++ = '\0';
		value = strip(value);
		g_string_truncate(why, 0);
		if (fn && !fn(key, value, why, arg)) {
			g_string_append_printf(err, "%s:%u: %s\n", path, lineno,
					       why->str);
			bad = true;
			continue;
		}
		g_hash_table_replace(t->map, g_ascii_strdown(key, -1),
				     g_strdup(value));
	}
	free(line);
	if (ferror(fp)) {
		g_string_append_printf(err, "%s: read error: %s\n", path,
				       strerror(errno));
		bad = true;
	}
	fclose(fp);
	g_string_free(why, TRUE);
	if (bad)
		pf_table_free(&t);
	return t;
}

const char *
pf_table_lookup(const pf_table *t, const char *key)
{
	char *lower;
	const char *value;

	if (t == NULL || key == NULL)
		return NULL;
	lower = g_ascii_strdown(key, -1);
	value = g_hash_table_lookup(t->map, lower);
	g_free(lower);
	return value;
}

const char *
pf_table_lookup_domain(const pf_table *t, const char *domain)
{
	const char *value, *dot;

	if (t == NULL || domain == NULL || *domain == '\0')
		return NULL;
	if ((value = pf_table_lookup(t, domain)) != NULL)
		return value;
	for (dot = strchr(domain, '.'); dot != NULL; dot = strchr(dot + 1, '.'))
		if ((value = pf_table_lookup(t, dot)) != NULL)
			return value;
	return NULL;
}

size_t
pf_table_size(const pf_table *t)
{
	return t ? g_hash_table_size(t->map) : 0;
}

void
pf_table_free(pf_table **tp)
{
	if (tp == NULL || *tp == NULL)
		return;
	g_hash_table_destroy((*tp)->map);
	g_free(*tp);
	*tp = NULL;
}
