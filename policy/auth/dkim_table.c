/*
 * NAME
 *	dkim_table - which key signs which mail: OpenDKIM-style KeyTable and
 *	SigningTable, the simple [dkim] form, internal hosts (see dkim.h)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>

#include "auth/dkim.h"
#include "auth/dkim_rotate.h"
#include "core/log.h"

/* One line a call; returns false at end of file. */
typedef struct line_reader {
	FILE *fp;
	const char *path;
	unsigned lineno;
	char *buf;
	size_t cap;
} line_reader;

static char *
next_line(line_reader *lr)
{
	while (getline(&lr->buf, &lr->cap, lr->fp) >= 0) {
		char *s = g_strstrip(lr->buf);

		lr->lineno++;
		if (*s && *s != '#')
			return s;
	}
	return NULL;
}

static const char *
strip_prefix(const char *spec, bool *refile)
{
	*refile = false;
	if (g_str_has_prefix(spec, "refile:")) {
		*refile = true;
		return spec + 7;
	}
	if (g_str_has_prefix(spec, "file:"))
		return spec + 5;
	return spec;
}

static pf_dkim_key *
find_key(const pf_dkim_keys *keys, const char *name)
{
	for (guint i = 0; i < keys->keys->len; i++) {
		pf_dkim_key *k = keys->keys->pdata[i];

		if (strcmp(k->name, name) == 0)
			return k;
	}
	return NULL;
}

static int
load_key_table(pf_dkim_keys *keys, const char *spec, unsigned min_bits,
	       GString *err)
{
	bool refile;
	line_reader lr = {.path = strip_prefix(spec, &refile)};
	char *s;
	int rc = 0;

	if ((lr.fp = fopen(lr.path, "r")) == NULL) {
		g_string_append_printf(err, "%s: cannot open KeyTable: %s\n",
				       lr.path, strerror(errno));
		return -1;
	}
	while ((s = next_line(&lr)) != NULL) {
		char *name = s, *val = s + strcspn(s, " \t");
		gchar **f;
		pf_dkim_key *k;
		GString *why;

		if (*val)
			*val++ = '\0';
		val = g_strstrip(val);
		f = g_strsplit(val, ":", 3);
		if (g_strv_length(f) != 3 || !*f[0] || !*f[1] || !*f[2]) {
			g_string_append_printf(err, "%s:%u: expected \"name "
			    "domain:selector:/path/to/key\"\n", lr.path,
			    lr.lineno);
			rc = -1;
		} else {
			why = g_string_new(NULL);
			if ((k = pf_dkim_key_load(f[2], min_bits, why)) == NULL) {
				g_string_append_printf(err, "%s:%u: %s", lr.path,
						       lr.lineno, why->str);
				rc = -1;
			} else {
				k->name = g_strdup(name);
				k->domain = g_ascii_strdown(f[0], -1);
				k->selector = g_strdup(f[1]);
				g_ptr_array_add(keys->keys, k);
			}
			g_string_free(why, TRUE);
		}
		g_strfreev(f);
	}
	free(lr.buf);
	fclose(lr.fp);
	return rc;
}

static void
ptr_array_unref(gpointer p)
{
	g_ptr_array_unref(p);
}

static int
load_signing_table(pf_dkim_keys *keys, const char *spec, GString *err)
{
	line_reader lr = {0};
	char *s;
	int rc = 0;

	lr.path = strip_prefix(spec, &keys->refile);
	if ((lr.fp = fopen(lr.path, "r")) == NULL) {
		g_string_append_printf(err, "%s: cannot open SigningTable: %s\n",
				       lr.path, strerror(errno));
		return -1;
	}
	while ((s = next_line(&lr)) != NULL) {
		gchar **f = g_strsplit_set(s, " \t", -1);
		GPtrArray *list = NULL;
		char *pattern = NULL;
		bool unknown = false;	/* this line named a missing key */

		for (gchar **w = f; *w; w++) {
			pf_dkim_key *k;

			if (**w == '\0')
				continue;
			if (pattern == NULL) {
				pattern = g_ascii_strdown(*w, -1);
				list = g_ptr_array_new();
			} else if ((k = find_key(keys, *w)) == NULL) {
				g_string_append_printf(err, "%s:%u: key \"%s\" is "
				    "not in the KeyTable\n", lr.path, lr.lineno,
				    *w);
				rc = -1;
				unknown = true;
			} else {
				g_ptr_array_add(list, k);
			}
		}
		g_strfreev(f);
		if (list && list->len == 0) {
			if (!unknown)
				g_string_append_printf(err, "%s:%u: expected "
				    "\"pattern keyname\"\n", lr.path, lr.lineno);
			rc = -1;
		}
		if (list == NULL || list->len == 0) {
			if (list)
				g_ptr_array_unref(list);
			g_free(pattern);
			continue;
		}
		if (keys->refile) {
			g_ptr_array_add(keys->patterns, pattern);
			g_ptr_array_add(keys->pattern_keys, list);
		} else {
			GPtrArray *old = g_hash_table_lookup(keys->exact, pattern);

			if (old) {	/* several lines: several signatures */
				for (guint i = 0; i < list->len; i++)
					g_ptr_array_add(old, list->pdata[i]);
				g_ptr_array_unref(list);
				g_free(pattern);
			} else {
				g_hash_table_insert(keys->exact, pattern, list);
			}
		}
	}
	free(lr.buf);
	fclose(lr.fp);
	return rc;
}

static void
rotation_unref(gpointer p)
{
	pf_dkim_rotation *rot = p;

	pf_dkim_rotation_free(&rot);
}

static pf_dkim_keys *
keys_new(void)
{
	pf_dkim_keys *keys = g_new0(pf_dkim_keys, 1);

	keys->keys = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)pf_dkim_key_free);
	keys->simple = g_ptr_array_new();
	keys->patterns = g_ptr_array_new_with_free_func(g_free);
	keys->pattern_keys = g_ptr_array_new_with_free_func(ptr_array_unref);
	keys->exact = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    ptr_array_unref);
	keys->nets = g_ptr_array_new_with_free_func(g_object_unref);
	keys->rotations = g_ptr_array_new_with_free_func(rotation_unref);
	return keys;
}

/*
 * The signing options that would make signatures fail verification are
 * refused here rather than discovered by receivers.
 */
static int
check_options(const pf_dkim_conf *dc, GString *err)
{
	const char *c = dc->canonicalization ? dc->canonicalization : "";
	gchar **hb = g_strsplit(c, "/", -1);
	guint n = g_strv_length(hb);
	int rc = 0;

	if (n < 1 || n > 2 || (strcmp(hb[0], "simple") != 0 &&
	    strcmp(hb[0], "relaxed") != 0) || (n == 2 &&
	    strcmp(hb[1], "simple") != 0 && strcmp(hb[1], "relaxed") != 0)) {
		g_string_append_printf(err, "[dkim] canonicalization = %s: "
		    "expected header/body, each simple or relaxed (e.g. "
		    "relaxed/relaxed)\n", c);
		rc = -1;
	} else if (strcmp(hb[0], "simple") == 0) {
		g_string_append_printf(err, "[dkim] canonicalization = %s: "
		    "simple header canonicalization needs the exact spacing "
		    "after each header's colon, which the milter protocol does "
		    "not pass (\"Subject:x\" and \"To:  y\" would get "
		    "signatures that fail; libopendkim 2.11's Ed25519 "
		    "signatures fail with it even then): use relaxed/%s\n", c,
		    n == 2 ? hb[1] : "simple");
		rc = -1;
	}
	g_strfreev(hb);
	if (dc->sign_by && strcmp(dc->sign_by, "from") != 0 &&
	    strcmp(dc->sign_by, "envelope") != 0) {
		g_string_append_printf(err, "[dkim] sign_by = %s: expected "
		    "from or envelope\n", dc->sign_by);
		rc = -1;
	}
	if (dc->signed_headers && *dc->signed_headers) {
		gchar **v = g_strsplit_set(dc->signed_headers, " ,\t", -1);
		bool from = false;

		for (gchar **w = v; *w; w++)
			from = from || g_ascii_strcasecmp(*w, "From") == 0;
		g_strfreev(v);
		if (!from) {
			g_string_append(err, "[dkim] signed_headers must "
			    "include From: RFC 6376 requires it, and "
			    "verifiers reject signatures without it\n");
			rc = -1;
		}
	}
	return rc;
}

int
pf_dkim_keys_load(pf_dkim_conf *dc, GString *err)
{
	pf_dkim_keys *keys = keys_new();
	int rc = check_options(dc, err);
	gchar **nets;

	nets = g_strsplit_set(dc->internal_hosts ? dc->internal_hosts : "",
			      " ,\t", -1);
	for (gchar **n = nets; *n; n++) {
		GInetAddressMask *m;

		if (**n == '\0')
			continue;
		if ((m = g_inet_address_mask_new_from_string(*n, NULL)) == NULL) {
			g_string_append_printf(err, "[dkim] internal_hosts: "
			    "\"%s\" is not an address or network\n", *n);
			rc = -1;
			continue;
		}
		g_ptr_array_add(keys->nets, m);
	}
	g_strfreev(nets);

	if (dc->domain || dc->selector || dc->key_file) {
		const char *sel[2] = {dc->selector, dc->selector2};
		const char *file[2] = {dc->key_file, dc->key_file2};

		if (!dc->domain || !dc->selector || !dc->key_file) {
			g_string_append(err, "[dkim] domain, selector and "
			    "key_file go together: set all three\n");
			rc = -1;
		} else {
			keys->simple_domain = g_ascii_strdown(dc->domain, -1);
			for (int i = 0; i < 2; i++) {
				pf_dkim_key *k;

				if (sel[i] == NULL && file[i] == NULL)
					continue;
				if (sel[i] == NULL || file[i] == NULL) {
					g_string_append(err, "[dkim] selector2 "
					    "and key_file2 go together\n");
					rc = -1;
					continue;
				}
				k = pf_dkim_key_load(file[i],
				    (unsigned)dc->min_key_bits, err);
				if (k == NULL) {
					rc = -1;
					continue;
				}
				k->name = g_strdup(i ? "simple2" : "simple");
				k->domain = g_strdup(keys->simple_domain);
				k->selector = g_strdup(sel[i]);
				g_ptr_array_add(keys->keys, k);
				g_ptr_array_add(keys->simple, k);
			}
		}
	}
	if ((dc->key_table == NULL) != (dc->signing_table == NULL)) {
		g_string_append(err, "[dkim] key_table and signing_table go "
				"together: set both\n");
		rc = -1;
	} else if (dc->key_table) {
		if (load_key_table(keys, dc->key_table,
				   (unsigned)dc->min_key_bits, err) < 0 ||
		    load_signing_table(keys, dc->signing_table, err) < 0)
			rc = -1;
	}
	for (guint i = 0; rc == 0 && i < keys->keys->len; i++)
		if (pf_dkim_rotation_attach(keys, keys->keys->pdata[i], dc,
					    err) < 0)
			rc = -1;	/* a state file that does not parse */
	if (rc < 0) {
		pf_dkim_keys_free(&keys);
		return -1;
	}
	dc->keys = keys;
	return 0;
}

void
pf_dkim_keys_free(pf_dkim_keys **kp)
{
	pf_dkim_keys *keys;

	if (kp == NULL || (keys = *kp) == NULL)
		return;
	*kp = NULL;
	g_ptr_array_unref(keys->simple);
	g_ptr_array_unref(keys->patterns);
	g_ptr_array_unref(keys->pattern_keys);
	g_hash_table_destroy(keys->exact);
	g_ptr_array_unref(keys->nets);
	g_ptr_array_unref(keys->rotations);
	g_ptr_array_unref(keys->keys);
	g_free(keys->simple_domain);
	g_free(keys);
}

/* The keys signing now: a rotated key's new key once switched. */
static GPtrArray *
copy_list(const GPtrArray *list)
{
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; i < list->len; i++)
		g_ptr_array_add(out, pf_dkim_rotation_active(list->pdata[i]));
	return out;
}

GPtrArray *
pf_dkim_keys_for(const pf_dkim_keys *keys, const char *address)
{
	const char *at, *domain, *dot;
	char *lower;
	GPtrArray *found = NULL, *list;

	if (keys == NULL || address == NULL || (at = strrchr(address, '@')) ==
	    NULL || at[1] == '\0')
		return NULL;
	lower = g_ascii_strdown(address, -1);
	domain = lower + (at - address) + 1;
	if (keys->simple->len && (strcmp(domain, keys->simple_domain) == 0 ||
	    (g_str_has_suffix(domain, keys->simple_domain) &&
	     domain[strlen(domain) - strlen(keys->simple_domain) - 1] == '.')))
		found = copy_list(keys->simple);
	else if (keys->refile) {
		for (guint i = 0; i < keys->patterns->len && !found; i++)
			if (g_pattern_match_simple(keys->patterns->pdata[i],
						   lower))
				found = copy_list(keys->pattern_keys->pdata[i]);
	} else if ((list = g_hash_table_lookup(keys->exact, lower)) ||
		   (list = g_hash_table_lookup(keys->exact, domain))) {
		found = copy_list(list);
	} else {
		for (dot = strchr(domain, '.'); dot && !found;
		     dot = strchr(dot + 1, '.'))
			if ((list = g_hash_table_lookup(keys->exact, dot)))
				found = copy_list(list);
	}
	g_free(lower);
	return found;
}

bool
pf_dkim_internal(const pf_dkim_keys *keys, const char *addr)
{
	GInetAddress *a;
	bool in = false;

	if (keys == NULL || addr == NULL ||
	    (a = g_inet_address_new_from_string(addr)) == NULL)
		return false;
	for (guint i = 0; i < keys->nets->len && !in; i++) {
		GInetAddressMask *m = keys->nets->pdata[i];

		in = g_inet_address_get_family(a) ==
		     g_inet_address_mask_get_family(m) &&
		     g_inet_address_mask_matches(m, a);
	}
	g_object_unref(a);
	return in;
}
