/*
 * NAME
 *	fromopendkim_dkim - the signing half of "preflight config
 *	--from-opendkim" (see fromopendkim.h)
 * SYNOPSIS
 *	int odk_dkim(odk *o);
 * DESCRIPTION
 *	Converts Mode, the keys (Domain/Selector/KeyFile, or KeyTable and
 *	SigningTable as file:, refile: or a simple csl:), InternalHosts,
 *	Canonicalization, SignatureAlgorithm, SignHeaders, OmitHeaders,
 *	OversignHeaders, SenderHeaders, SubDomains, MultipleSignatures and
 *	RequireSafeKeys into [dkim].  preflight reads the same KeyTable and
 *	SigningTable files; their lines are read here only for what
 *	OpenDKIM allows and preflight does not ("%" for the sender's domain,
 *	keys inline, an i= signer after the key name), each an error naming
 *	file:line.  Returns 0, or -1 after recording errors in o.
 */
#include <stdio.h>
#include <string.h>

#include <gio/gio.h>
#include <opendkim/dkim.h>

#include "fromopendkim.h"

static void
dkim_comment(odk *o, const char *text)
{
	odk_note(o, NULL, "%s", text);
}

/* Lines of a table file that preflight would read otherwise. */
static void
scan_table(odk *o, const char *path, bool key_table)
{
	char *text = NULL;
	GError *gerr = NULL;
	gchar **lines;
	unsigned n = 0;

	if (!g_file_get_contents(path, &text, NULL, &gerr)) {
		odk_error(o, NULL, "%s: cannot read %s: %s", path, key_table ?
			  "KeyTable" : "SigningTable", gerr->message);
		g_error_free(gerr);
		return;
	}
	lines = g_strsplit(text, "\n", -1);
	for (gchar **l = lines; *l; l++) {
		char *s, *hash = strchr(*l, '#');
		gchar **f;

		n++;
		if (hash)
			*hash = '\0';
		if (*(s = g_strstrip(*l)) == '\0')
			continue;
		f = g_strsplit_set(s, " \t", 2);
		if (f[1] == NULL) {
			g_strfreev(f);
			continue;	/* preflight's own loader says why */
		}
		g_strstrip(f[1]);
		if (key_table) {
			gchar **v = g_strsplit(f[1], ":", 3);

			if (v[0] && strcmp(v[0], "%") == 0)
				odk_error(o, NULL, "%s:%u: d= \"%%\" (the "
				    "sender's domain) is not supported: one "
				    "line per domain", path, n);
			else if (v[0] && v[1] && v[2] && v[2][0] != '/' &&
				 !g_str_has_prefix(v[2], "./") &&
				 !g_str_has_prefix(v[2], "../"))
				odk_error(o, NULL, "%s:%u: a key given inline "
				    "is not supported: write it to a file "
				    "(mode 0600) and name the file", path, n);
			else if (v[0] && v[1] && v[2] && strchr(v[2], '%'))
				odk_error(o, NULL, "%s:%u: \"%%\" in the key "
				    "path is not supported: one line per "
				    "domain", path, n);
			g_strfreev(v);
		} else if (strcmp(f[1], "%") == 0) {
			odk_error(o, NULL, "%s:%u: key name \"%%\" (the "
			    "sender's domain) is not supported: name the key",
			    path, n);
		} else if (strchr(f[1], ':')) {
			odk_error(o, NULL, "%s:%u: the signer (i=) after the "
			    "key name is not supported: keep the key name "
			    "alone (preflight signs without i=)", path, n);
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	g_free(text);
}

/* "file:/p", "refile:/p" or "/p" -> "file:/p" / "refile:/p"; else NULL */
static char *
table_spec(odk *o, const odk_entry *e)
{
	const char *v = e->value, *p = v, *prefix = "file:";
	char *abs, *spec;

	if (g_str_has_prefix(v, "refile:")) {
		prefix = "refile:";
		p = v + 7;
	} else if (g_str_has_prefix(v, "file:")) {
		p = v + 5;
	} else if (v[0] != '/' || g_str_has_suffix(v, ".db")) {
		return NULL;
	}
	abs = odk_path(o, p);
	scan_table(o, abs, strcmp(e->name, "KeyTable") == 0);
	spec = g_strconcat(prefix, abs, NULL);
	g_free(abs);
	return spec;
}

/* opendkim(8) DATA SETS: the database types, else files, else csl */
static bool
is_csl(const char *v)
{
	static const char *const db[] = {"db:", "dsn:", "ldap:", "ldaps:",
	    "ldapi:", "lua:", "memcache:", "erlang:", "mdb:", "file:",
	    "refile:"};

	for (size_t i = 0; i < G_N_ELEMENTS(db); i++)
		if (g_str_has_prefix(v, db[i]))
			return false;
	return v[0] != '/' && !g_str_has_suffix(v, ".db");
}

static const char *
csl_body(const char *v)
{
	return g_str_has_prefix(v, "csl:") ? v + 4 : v;
}

/* csl tables: "name=d:s:/key" and "pattern=name", one key for D or .D */
static bool
csl_simple(odk *o, const odk_entry *kt, const odk_entry *st)
{
	gchar **keys = g_strsplit(csl_body(kt->value), ",", -1);
	gchar **sigs = g_strsplit(csl_body(st->value), ",", -1);
	gchar **k = NULL;
	bool simple = g_strv_length(keys) == 1, sub = false;
	char *name;

	if (simple && (name = strchr(keys[0], '=')) != NULL) {
		*name++ = '\0';
		k = g_strsplit(name, ":", 3);
		name = g_strstrip(keys[0]);
		simple = g_strv_length(k) == 3 && strcmp(k[0], "%") != 0 &&
			 k[2][0] == '/';
		for (gchar **s = sigs; simple && *s; s++) {
			gchar **pv = g_strsplit(*s, "=", 2);

			simple = pv[1] && strcmp(g_strstrip(pv[1]), name) == 0;
			g_strstrip(pv[0]);
			if (simple && pv[0][0] == '.' &&
			    g_ascii_strcasecmp(pv[0] + 1, k[0]) == 0)
				sub = true;
			else if (simple)
				simple = g_ascii_strcasecmp(pv[0], k[0]) == 0;
			g_strfreev(pv);
		}
	} else {
		simple = false;
	}
	if (simple) {
		odk_set(o, ODK_DKIM, kt, "domain", k[0], "a one-key KeyTable "
			"is the single-key form");
		odk_set(o, ODK_DKIM, NULL, "selector", k[1], NULL);
		odk_set(o, ODK_DKIM, NULL, "key_file", k[2], NULL);
		if (!sub)
			odk_none(o, st, "preflight's single-key form signs "
				 "the subdomains of %s too", k[0]);
	}
	g_strfreev(k);
	g_strfreev(keys);
	g_strfreev(sigs);
	return simple;
}

static void
convert_tables(odk *o, const odk_entry *kt, const odk_entry *st)
{
	char *ks, *ss;
	const odk_entry *e;

	if (kt == NULL || st == NULL) {
		odk_error(o, kt ? kt : st, "KeyTable and SigningTable go "
			  "together (opendkim.conf(5), Mode)");
		return;
	}
	if (is_csl(kt->value) || is_csl(st->value)) {
		if (!is_csl(kt->value) || !is_csl(st->value) ||
		    !csl_simple(o, kt, st))
			odk_error(o, kt, "KeyTable/SigningTable as a list "
			    "(csl): only one key signing one domain converts "
			    "(a path is a file only with file:, refile: or a "
			    "leading /); write the tables "
			    "to files (\"name domain:selector:/key\" and "
			    "\"pattern name\" lines) and name them with file:");
		return;
	}
	ks = table_spec(o, kt);
	ss = table_spec(o, st);
	if (ks == NULL || ss == NULL) {
		odk_error(o, ks ? st : kt, "%s: preflight reads its tables "
			  "from files only (file:/path or refile:/path): "
			  "export the table to a file", ks ? "SigningTable" :
			  "KeyTable");
	} else {
		odk_set(o, ODK_DKIM, kt, "key_table", ks, "the same file");
		odk_set(o, ODK_DKIM, st, "signing_table", ss, g_str_has_prefix(
		    ss, "refile:") ? "the same file, patterns matched in "
		    "order" : "the same file");
	}
	g_free(ks);
	g_free(ss);
	if ((e = odk_get(o, "MultipleSignatures")) != NULL &&
	    odk_bool(o, e) == 1)
		odk_none(o, e, "preflight applies the first SigningTable "
			 "entry that matches (several lines of one pattern in "
			 "a file: table all sign)");
	if ((e = odk_get(o, "SubDomains")) != NULL)
		odk_note(o, e, "with a SigningTable, its \".domain\" entries "
			 "decide about subdomains, as in OpenDKIM");
}

static void
convert_single(odk *o)
{
	const odk_entry *d = odk_get(o, "Domain"), *s = odk_get(o, "Selector"),
	    *k = odk_get(o, "KeyFile"), *sub = odk_get(o, "SubDomains");
	GPtrArray *list;
	char *path;

	if (!d || !s || !k) {
		odk_error(o, d ? d : s ? s : k, "Domain, Selector and KeyFile "
			  "go together (opendkim.conf(5), Mode)");
		return;
	}
	if ((list = odk_dataset_list(o, d)) == NULL)
		return;
	if (list->len != 1) {
		odk_error(o, d, "Domain lists %u domains: preflight's "
			  "single-key form signs one; write a KeyTable "
			  "(\"name DOMAIN:%s:%s\" for each) and a SigningTable "
			  "(\"DOMAIN name\")", list->len, s->value, k->value);
		g_ptr_array_free(list, TRUE);
		return;
	}
	path = odk_path(o, k->value);
	odk_set(o, ODK_DKIM, d, "domain", list->pdata[0], NULL);
	odk_set(o, ODK_DKIM, s, "selector", s->value, NULL);
	odk_set(o, ODK_DKIM, k, "key_file", path, "preflight wants it "
		"mode 0600 or 0400, owned by [milter] user");
	g_free(path);
	if (sub && odk_bool(o, sub) == 1)
		odk_note(o, sub, "preflight's single-key form signs "
			 "subdomains too");
	else
		odk_none(o, sub ? sub : d, "preflight's single-key form "
			 "signs the subdomains of %s too; a SigningTable "
			 "without \".%s\" signs the domain alone",
			 (char *)list->pdata[0], (char *)list->pdata[0]);
	g_ptr_array_free(list, TRUE);
}

static void
convert_hosts(odk *o)
{
	const odk_entry *e = odk_get(o, "InternalHosts");
	GPtrArray *list;
	GString *nets, *dropped;

	if (e == NULL) {
		odk_set(o, ODK_DKIM, NULL, "internal_hosts", "127.0.0.1",
		    "OpenDKIM's default InternalHosts (preflight's own is "
		    "127.0.0.0/8 ::1)");
		return;
	}
	if ((list = odk_dataset_list(o, e)) == NULL)
		return;
	nets = g_string_new(NULL);
	dropped = g_string_new(NULL);
	for (guint i = 0; i < list->len; i++) {
		char *h = g_strdup(list->pdata[i]), *rb;
		GInetAddressMask *m;

		if (h[0] == '[' && (rb = strchr(h, ']')) != NULL) {
			memmove(rb, rb + 1, strlen(rb));
			memmove(h, h + 1, strlen(h));
		}
		if ((m = g_inet_address_mask_new_from_string(h, NULL))) {
			g_string_append_printf(nets, "%s%s", nets->len ? " " :
					       "", h);
			g_object_unref(m);
		} else {
			g_string_append_printf(dropped, "%s%s", dropped->len ?
					       " " : "", (char *)list->pdata[i]);
		}
		g_free(h);
	}
	odk_set(o, ODK_DKIM, e, "internal_hosts", nets->str,
		e->value[0] == '/' || strchr(e->value, ':') ? "the file's "
		"entries, inline: edit here when it changes" : NULL);
	if (dropped->len)
		odk_none(o, e, "preflight takes addresses and networks only, "
			 "not converted: %s (host names, \".domain\" or \"!\" "
			 "exclusions)", dropped->str);
	g_string_free(nets, TRUE);
	g_string_free(dropped, TRUE);
	g_ptr_array_free(list, TRUE);
}

static void
convert_canon(odk *o)
{
	const odk_entry *e = odk_get(o, "Canonicalization");
	gchar **hb = g_strsplit(e ? e->value : "simple/simple", "/", -1);
	guint n = g_strv_length(hb);
	char out[32];

	for (guint i = 0; i < n; i++) {
		g_strstrip(hb[i]);
		for (char *c = hb[i]; *c; c++)
			*c = g_ascii_tolower(*c);
	}
	if (n < 1 || n > 2 || (strcmp(hb[0], "simple") != 0 &&
	    strcmp(hb[0], "relaxed") != 0) || (n == 2 &&
	    strcmp(hb[1], "simple") != 0 && strcmp(hb[1], "relaxed") != 0)) {
		odk_error(o, e, "Canonicalization %s: expected simple or "
			  "relaxed, or header/body", e ? e->value : "");
		g_strfreev(hb);
		return;
	}
	g_snprintf(out, sizeof(out), "relaxed/%s", n == 2 ? hb[1] :
		   "simple");
	if (strcmp(hb[0], "simple") == 0) {
		if (e)
			odk_none(o, e, "simple header canonicalization: "
			    "milters do not see the exact spacing after each "
			    "header's colon, so preflight refuses it and signs "
			    "c=%s", out);
		else
			odk_none(o, NULL, "Canonicalization not set: OpenDKIM "
			    "signed simple/simple; preflight refuses simple "
			    "header canonicalization (milters do not see the "
			    "spacing after a header's colon) and signs c=%s",
			    out);
	}
	odk_set(o, ODK_DKIM, e, "canonicalization", out, NULL);
	g_strfreev(hb);
}

/* OpenDKIM's header lists: names, or "*" and +name/-name changes. */
static char *
header_list(odk *o, const odk_entry *e, const u_char **defaults)
{
	GPtrArray *list = odk_dataset_list(o, e), *names;
	GString *out;
	bool delta = false;

	if (list == NULL)
		return NULL;
	names = g_ptr_array_new();
	for (guint i = 0; i < list->len; i++)
		delta = delta || strcmp(list->pdata[i], "*") == 0;
	for (guint i = 0; delta && defaults && defaults[i]; i++)
		g_ptr_array_add(names, (char *)defaults[i]);
	for (guint i = 0; i < list->len; i++) {
		const char *h = list->pdata[i];

		if (strcmp(h, "*") == 0)
			continue;
		if (h[0] == '-') {
			for (guint j = names->len; j-- > 0;)
				if (g_ascii_strcasecmp(names->pdata[j], h + 1) == 0)
					g_ptr_array_remove_index(names, j);
			continue;
		}
		h += h[0] == '+';
		for (guint j = 0; h && j < names->len; j++)
			if (g_ascii_strcasecmp(names->pdata[j], h) == 0)
				h = NULL;	/* listed already */
		if (h)
			g_ptr_array_add(names, (char *)h);
	}
	out = g_string_new(NULL);
	for (guint i = 0; i < names->len; i++)
		g_string_append_printf(out, "%s%s", out->len ? " " : "",
				       (char *)names->pdata[i]);
	g_ptr_array_free(names, TRUE);
	g_ptr_array_free(list, TRUE);
	return g_string_free(out, FALSE);
}

static void
convert_headers(odk *o)
{
	const odk_entry *sh = odk_get(o, "SignHeaders"),
	    *om = odk_get(o, "OmitHeaders"), *ov = odk_get(o, "OversignHeaders"),
	    *se = odk_get(o, "SenderHeaders");
	char *v;

	if (sh && (v = header_list(o, sh, dkim_should_signhdrs)) != NULL) {
		bool from = false;
		gchar **w = g_strsplit(v, " ", -1);

		for (gchar **p = w; *p; p++)
			from = from || g_ascii_strcasecmp(*p, "From") == 0;
		g_strfreev(w);
		if (!from) {	/* OpenDKIM adds what RFC 6376 mandates */
			char *with = g_strconcat("From", *v ? " " : "", v,
						 NULL);

			g_free(v);
			v = with;
		}
		odk_set(o, ODK_DKIM, sh, "signed_headers", v, "signed when "
			"present, the same h= as OpenDKIM");
		g_free(v);
	} else if (sh == NULL) {
		dkim_comment(o, "SignHeaders was not set: preflight signs its "
			     "own default list ([dkim] signed_headers), which "
			     "adds Message-ID and the MIME fields");
	}
	if (om && sh)
		odk_note(o, om, "preflight signs exactly signed_headers");
	else if (om)
		odk_none(o, om, "preflight signs a list of fields "
			 "([dkim] signed_headers), not all but some");
	if (ov && (v = header_list(o, ov, NULL)) != NULL) {
		odk_set(o, ODK_DKIM, ov, "oversign_headers", v, NULL);
		g_free(v);
	} else if (ov == NULL) {
		dkim_comment(o, "OversignHeaders was not set: preflight "
			     "oversigns From by default ([dkim] "
			     "oversign_headers)");
	}
	if (se && (v = header_list(o, se, NULL)) != NULL) {
		if (g_ascii_strcasecmp(v, "From") == 0)
			odk_note(o, se, "preflight picks the key by From "
				 "([dkim] sign_by = from)");
		else
			odk_none(o, se, "preflight picks the key by From "
				 "([dkim] sign_by = from) or by MAIL FROM "
				 "(sign_by = envelope), no other field");
		g_free(v);
	}
}

static const char *const signing_only[] = {
	"Domain", "Selector", "KeyFile", "KeyTable", "SigningTable",
	"SubDomains", "InternalHosts", "Canonicalization", "SignHeaders",
	"OmitHeaders", "OversignHeaders", "SenderHeaders",
	"SignatureAlgorithm", "MultipleSignatures", "RequireSafeKeys",
};

int
odk_dkim(odk *o)
{
	const odk_entry *e = odk_get(o, "Mode"), *kt, *st;
	unsigned before = o->nerr;

	o->signing = true;
	if (e && (e->value[strspn(e->value, "sv")] != '\0')) {
		odk_error(o, e, "Mode %s: expected s, v or sv", e->value);
		return -1;
	}
	if (e && strchr(e->value, 's') == NULL) {
		o->signing = false;
		odk_set(o, ODK_DKIM, e, "mode", "off", "OpenDKIM only "
			"verified; preflight signs and verifies nothing here");
		odk_none(o, e, "verifying only: preflight verifies no "
			 "signatures; keep a verifier for inbound mail");
		for (size_t i = 0; i < G_N_ELEMENTS(signing_only); i++)
			if ((e = odk_get(o, signing_only[i])) != NULL)
				odk_note(o, e, "not converted: Mode has no s");
		return 0;
	}
	if (e)
		odk_set(o, ODK_DKIM, e, "mode", "enforce", "preflight signs");
	if (e == NULL || strchr(e->value, 'v'))
		odk_none(o, e, "%sthe verifying half (v): preflight verifies "
			 "no signatures; keep a verifier for inbound mail",
			 e ? "" : "Mode not set, so sv: ");
	kt = odk_get(o, "KeyTable");
	st = odk_get(o, "SigningTable");
	if (kt || st) {
		for (size_t i = 0; i < 3; i++)
			if ((e = odk_get(o, signing_only[i])) != NULL)
				odk_note(o, e, "ignored, as by OpenDKIM: a "
					 "KeyTable is set");
		convert_tables(o, kt, st);
	} else if (odk_get(o, "Domain") || odk_get(o, "Selector") ||
		   odk_get(o, "KeyFile")) {
		convert_single(o);
	} else {
		dkim_comment(o, "No signing key was configured (Domain, "
			     "Selector, KeyFile or KeyTable, SigningTable): "
			     "nothing is signed until domain, selector and "
			     "key_file (or key_table, signing_table) are set");
		if ((e = odk_get(o, "SubDomains")) != NULL)
			odk_note(o, e, "no key to apply it to");
	}
	convert_hosts(o);
	convert_canon(o);
	if ((e = odk_get(o, "SignatureAlgorithm")) != NULL) {
		if (strcmp(e->value, "rsa-sha1") == 0)
			odk_none(o, e, "preflight signs with SHA-256 only "
				 "(RFC 8301)");
		else if (strcmp(e->value, "rsa-sha256") == 0 ||
			 strcmp(e->value, "ed25519-sha256") == 0)
			odk_note(o, e, "the key's type decides: rsa-sha256 "
				 "for RSA keys, ed25519-sha256 for Ed25519");
		else
			odk_error(o, e, "SignatureAlgorithm %s: expected "
				  "rsa-sha256, rsa-sha1 or ed25519-sha256",
				  e->value);
	}
	convert_headers(o);
	if ((e = odk_get(o, "RequireSafeKeys")) != NULL) {
		int safe = odk_bool(o, e);

		if (safe == 0)
			odk_none(o, e, "preflight always refuses a key file "
				 "others can read (it wants mode 0600 or 0400)");
		else if (safe == 1)
			odk_note(o, e, "preflight always does (mode 0600 or "
				 "0400)");
	}
	return o->nerr == before ? 0 : -1;
}
