/*
 * NAME
 *	fromopendkim - "preflight config --from-opendkim": an opendkim.conf
 *	read and written out as a preflight.conf
 * SYNOPSIS
 *	int pf_cmd_from_opendkim(const char *path);
 * DESCRIPTION
 *	Reads path in opendkim.conf(5)'s format (one "Name value" a line,
 *	names in any case, "#" starts a comment, Include nests five deep),
 *	and prints on standard output a preflight.conf with the same socket,
 *	user, syslog, DNS and signing settings (the DNS ones are in
 *	fromopendkim_dns.c, the signing ones in fromopendkim_dkim.c).  Each option that has no preflight equivalent
 *	becomes a comment line naming it and saying why; their count goes to
 *	standard error.  The result is then loaded with the real parser
 *	(keys, tables and all) before it is trusted.
 * DIAGNOSTICS
 *	Returns 0 when the output loads; 1 when the input has errors (each
 *	names file:line; nothing is printed on standard output) or when the
 *	output does not load as it stands (printed all the same, with the
 *	loader's reasons on standard error, e.g. a key file this user cannot
 *	read).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "fromopendkim.h"
#include "tools.h"

/*
 * Every option of opendkim.conf(5) in OpenDKIM 2.11.  why == NULL: the
 * code below or fromopendkim_dkim.c converts it; otherwise why it has no
 * preflight equivalent.
 */
#define VERIFY "verifying inbound signatures: preflight signs and checks " \
	"outgoing mail and verifies no signatures"
#define REPORTS "failure reports (RFC 6651): preflight sends no mail of " \
	"its own"
#define LDAP "LDAP data sets: preflight reads its tables from files"
#define LUA "Lua policy scripts: preflight has none; its checks are " \
	"configured in preflight.conf"
#define STATS "statistics: preflight logs one decision line per message " \
	"(and [milter] audit_log writes them as JSON)"
#define DEBUG "a debugging aid of OpenDKIM's own"
#define RESTART "preflight-milter does not restart itself: let systemd " \
	"(Restart=on-failure) or the init system do it"
#define BODYLEN "l= body lengths: preflight signs whole bodies (text " \
	"appended after a partial signature would still verify)"
#define WHO "preflight signs mail from [dkim] internal_hosts and from " \
	"SASL-authenticated clients, nothing else decides"
#define AR "preflight removes Authentication-Results under its own " \
	"authserv-id only ([from] remove_auth_results)"
#define NOTBUILT "not enabled in Debian's OpenDKIM build either"

static const struct odk_option {
	const char *name;
	const char *why;
} options[] = {
	{"AllowSHA1Only", VERIFY}, {"AlwaysAddARHeader", VERIFY},
	{"ATPSDomains", "ATPS (RFC 6541): not supported"},
	{"ATPSHashAlgorithm", "ATPS (RFC 6541): not supported"},
	{"AuthservID", NULL}, {"AuthservIDWithJobID", VERIFY},
	{"AutoRestart", RESTART}, {"AutoRestartCount", RESTART},
	{"AutoRestartRate", RESTART}, {"Background", NULL},
	{"BaseDirectory", NULL}, {"BodyLengthDB", BODYLEN},
	{"BogusKey", VERIFY},
	{"CaptureUnknownErrors", "quarantine on internal errors: see "
	 "[policy] on_internal_error"},
	{"Canonicalization", NULL},
	{"ChangeRootDirectory", "chroot: not supported; put the socket "
	 "where a chrooted MTA can reach it instead"},
	{"ClockDrift", VERIFY},
	{"Diagnostics", "z= copies of the signed headers: not supported"},
	{"DiagnosticDirectory", VERIFY},
	{"DisableCryptoInit", "preflight always initialises OpenSSL itself"},
	{"DNSConnect", "preflight's resolver (libunbound) asks over UDP and "
	 "retries over TCP when it must"},
	{"DNSTimeout", NULL}, {"Domain", NULL}, {"DomainKeysCompat", VERIFY},
	{"DontSignMailTo", "exempting recipients from signing: not supported"},
	{"EnableCoredumps", DEBUG},
	{"ExemptDomains", "exempting senders from the filter: not supported"},
	{"ExternalIgnoreList", "preflight does not log OpenDKIM's \"external "
	 "host tried to send mail as\" lines, so there is nothing to "
	 "suppress; those hosts are not signed for, as with OpenDKIM"},
	{"FinalPolicyScript", LUA},
	{"FixCRLF", "preflight does not rewrite bodies: [dkim] "
	 "unsafe_body_action decides about bare CR or LF"},
	{"IdentityHeader", NOTBUILT}, {"IdentityHeaderRemove", NOTBUILT},
	{"IgnoreMalformedMail", "malformed mail: preflight's [structure] and "
	 "[from] checks decide"},
	{"Include", NULL}, {"InternalHosts", NULL}, {"KeepAuthResults", AR},
	{"KeepTemporaryFiles", DEBUG}, {"KeyFile", NULL}, {"KeyTable", NULL},
	{"LDAPAuthMechanism", LDAP}, {"LDAPAuthName", LDAP},
	{"LDAPAuthRealm", LDAP}, {"LDAPAuthUser", LDAP},
	{"LDAPBindPassword", LDAP}, {"LDAPBindUser", LDAP},
	{"LDAPDisableCache", LDAP}, {"LDAPKeepaliveIdle", LDAP},
	{"LDAPKeepaliveInterval", LDAP}, {"LDAPKeepaliveProbes", LDAP},
	{"LDAPTimeout", LDAP}, {"LDAPUseTLS", LDAP}, {"LogResults", VERIFY},
	{"LogWhy", "preflight's decision line names the reason of every "
	 "decision whatever this says"},
	{"MacroList", WHO},
	{"MaximumHeaders", "see [policy] max_header_size: preflight keeps at "
	 "most that much but refuses no message for it"},
	{"MaximumSignaturesToVerify", VERIFY}, {"MaximumSignedBytes", BODYLEN},
	{"MilterDebug", DEBUG}, {"Minimum", VERIFY},
	{"MinimumKeyBits", "it applies to the keys of verified signatures; "
	 "[dkim] min_key_bits is the smallest signing key preflight loads"},
	{"Mode", NULL}, {"MTA", WHO}, {"MTACommand", REPORTS},
	{"MultipleSignatures", NULL}, {"MustBeSigned", VERIFY},
	{"Nameservers", NULL}, {"NoHeaderB", VERIFY}, {"OmitHeaders", NULL},
	{"On-BadSignature", VERIFY}, {"On-Default", NULL},
	{"On-DNSError", VERIFY}, {"On-InternalError", NULL},
	{"On-KeyNotFound", VERIFY}, {"On-NoSignature", VERIFY},
	{"On-PolicyError", VERIFY}, {"On-Security", VERIFY},
	{"On-SignatureError", "preflight loads every key at start: a key "
	 "that cannot sign is a configuration error, not a message's"},
	{"OversignHeaders", NULL},
	{"PeerList", "clients skipped by the filter: not supported; let the "
	 "MTA bypass the milter for them (Postfix smtpd_milter_maps)"},
	{"PidFile", NULL}, {"POPDBFile", NOTBUILT}, {"Quarantine", VERIFY},
	{"QueryCache", "libunbound keeps its own cache"},
	{"RedirectFailuresTo", VERIFY}, {"RemoveARAll", AR},
	{"RemoveARFrom", AR},
	{"RemoveOldSignatures", "existing DKIM-Signature fields are kept"},
	{"ReplaceHeaders", "rewriting headers before signing: not supported"},
	{"ReplaceRules", "rewriting headers before signing: not supported"},
	{"ReportAddress", REPORTS}, {"ReportBccAddress", REPORTS},
	{"RequestReports", REPORTS},
	{"RequiredHeaders", "see [structure] and [from]: preflight scores or "
	 "refuses mail with missing or repeated header fields"},
	{"RequireSafeKeys", NULL}, {"ResignAll", NOTBUILT},
	{"ResignMailTo", NOTBUILT}, {"ResolverConfiguration", NULL},
	{"ResolverTracing", DEBUG}, {"ScreenPolicyScript", LUA},
	{"SelectCanonicalizationHeader", "a per-message canonicalization: "
	 "not supported"},
	{"Selector", NULL}, {"SenderHeaders", NULL},
	{"SenderMacro", "see [dkim] sign_by = envelope"},
	{"SendReports", REPORTS}, {"SetupPolicyScript", LUA},
	{"SignatureAlgorithm", NULL},
	{"SignatureTTL", "x= expiry: not supported"}, {"SignHeaders", NULL},
	{"SigningTable", NULL}, {"SMTPURI", REPORTS}, {"Socket", NULL},
	{"SoftStart", LDAP},
	{"SoftwareHeader", "no DKIM-Filter header field (preflight adds "
	 "[policy] header_name to annotated mail only)"},
	{"Statistics", STATS}, {"StatisticsName", STATS},
	{"StatisticsPolicyScript", STATS}, {"StatisticsPrefix", STATS},
	{"StrictHeaders", "see [structure] and [from]"},
	{"StrictTestMode", DEBUG}, {"SubDomains", NULL}, {"Syslog", NULL},
	{"SyslogFacility", NULL}, {"SyslogName", NULL},
	{"SyslogSuccess", NULL}, {"TemporaryDirectory", DEBUG},
	{"TestDNSData", DEBUG}, {"TestPublicKeys", DEBUG},
	{"TrustAnchorFile", NULL}, {"TrustSignaturesFrom", VERIFY},
	{"UMask", NULL}, {"UnprotectedKey", VERIFY}, {"UserID", NULL},
	{"VBR-Certifiers", "VBR (RFC 5518): not supported"},
	{"VBR-PurgeFields", "VBR (RFC 5518): not supported"},
	{"VBR-TrustedCertifiers", "VBR (RFC 5518): not supported"},
	{"VBR-TrustedCertifiersOnly", "VBR (RFC 5518): not supported"},
	{"VBR-Type", "VBR (RFC 5518): not supported"},
	{"WeakSyntaxChecks", VERIFY},
};

static const char *const section_names[ODK_NSECTIONS] = {
	"milter", "policy", "dns", "dkim",
};

static const struct odk_option *
find_option(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(options); i++)
		if (g_ascii_strcasecmp(options[i].name, name) == 0)
			return &options[i];
	return NULL;
}

const odk_entry *
odk_get(odk *o, const char *name)
{
	char *lower = g_ascii_strdown(name, -1);
	const odk_entry *e = g_hash_table_lookup(o->opts, lower);

	g_free(lower);
	return e;
}

/* text as "# " comment lines of at most 78 columns, broken at blanks */
static void
append_wrapped(GString *s, const char *text)
{
	size_t len = strlen(text);

	while (len > 0) {
		size_t n = len;

		if (n > 76) {
			for (n = 76; n > 0 && text[n] != ' '; n--)
				;
			if (n == 0)
				n = strcspn(text, " ");
		}
		g_string_append_printf(s, "# %.*s\n", (int)n, text);
		text += n;
		len -= n;
		while (*text == ' ') {
			text++;
			len--;
		}
	}
}

/*
 * "key = value", long values broken at blanks into indented lines, which
 * the parser joins with one blank (inih's lines are 200 bytes at most).
 */
static void
append_value(GString *s, const char *key, const char *value)
{
	size_t col = strlen(key) + 3;
	bool first = true;

	g_string_append_printf(s, "%s = ", key);
	while (*value) {
		size_t n = strcspn(value, " ");

		if (!first && col + 1 + n > 78) {
			g_string_append(s, "\n\t");
			col = 8;
		} else if (!first) {
			g_string_append_c(s, ' ');
			col++;
		}
		g_string_append_len(s, value, (gssize)n);
		col += n;
		first = false;
		value += n;
		while (*value == ' ')
			value++;
	}
	g_string_append(s, "\n\n");
}

/* A value is written after "key = ": inih would cut it at " ;". */
static bool
ini_safe(const char *v)
{
	for (const char *s = v; (s = strchr(s, ';')) != NULL; s++)
		if (s > v && (s[-1] == ' ' || s[-1] == '\t'))
			return false;
	return strchr(v, '\n') == NULL;
}

void
odk_set(odk *o, int section, const odk_entry *e, const char *key,
	const char *value, const char *note)
{
	GString *s = o->sec[section];

	if (e)
		g_hash_table_add(o->used, (gpointer)e);
	if (!ini_safe(value)) {
		odk_error(o, e, "%s: the value cannot be written in "
			  "preflight.conf (\" ;\" starts a comment there)",
			  e ? e->name : key);
		return;
	}
	if (e) {
		char *c = g_strdup_printf("%s %s (%s)%s%s", e->name, e->value,
		    e->where, note ? ": " : "", note ? note : "");

		append_wrapped(s, c);
		g_free(c);
	} else if (note) {
		append_wrapped(s, note);
	}
	append_value(s, key, value);
}

static void comment(GString *s, const odk_entry *e, const char *fmt,
		    va_list ap) G_GNUC_PRINTF(3, 0);

static void
comment(GString *s, const odk_entry *e, const char *fmt, va_list ap)
{
	GString *c = g_string_new(NULL);

	if (e)
		g_string_append_printf(c, "%s %s (%s): ", e->name,
		    g_ascii_strcasecmp(e->name, "LDAPBindPassword") == 0 ?
		    "(value not shown)" : e->value, e->where);
	g_string_append_vprintf(c, fmt, ap);
	append_wrapped(s, c->str);
	g_string_free(c, TRUE);
}

void
odk_none(odk *o, const odk_entry *e, const char *why, ...)
{
	va_list ap;

	if (e)
		g_hash_table_add(o->used, (gpointer)e);
	va_start(ap, why);
	comment(o->none, e, why, ap);
	va_end(ap);
	o->nnone++;
}

void
odk_note(odk *o, const odk_entry *e, const char *why, ...)
{
	va_list ap;

	if (e)
		g_hash_table_add(o->used, (gpointer)e);
	va_start(ap, why);
	comment(o->notes, e, why, ap);
	va_end(ap);
}

void
odk_error(odk *o, const odk_entry *e, const char *fmt, ...)
{
	va_list ap;

	if (e)
		g_string_append_printf(o->err, "%s: ", e->where);
	va_start(ap, fmt);
	g_string_append_vprintf(o->err, fmt, ap);
	va_end(ap);
	g_string_append_c(o->err, '\n');
	o->nerr++;
}

int
odk_bool(odk *o, const odk_entry *e)
{
	if (strchr("TtYy1", e->value[0]))
		return 1;
	if (strchr("FfNn0", e->value[0]))
		return 0;
	odk_error(o, e, "%s %s: expected a Boolean (yes/no, true/false, 1/0)",
		  e->name, e->value);
	return -1;
}

char *
odk_path(const odk *o, const char *path)
{
	if (o->basedir == NULL || g_path_is_absolute(path))
		return g_strdup(path);
	return g_build_filename(o->basedir, path, NULL);
}

/* Elements of a flat file data set: the first word of every line. */
static GPtrArray *
read_list_file(odk *o, const odk_entry *e, const char *path)
{
	char *full = odk_path(o, path), *text = NULL;
	GError *gerr = NULL;
	GPtrArray *list;
	gchar **lines;

	if (!g_file_get_contents(full, &text, NULL, &gerr)) {
		odk_error(o, e, "%s: %s", e->name, gerr->message);
		g_error_free(gerr);
		g_free(full);
		return NULL;
	}
	g_free(full);
	list = g_ptr_array_new_with_free_func(g_free);
	lines = g_strsplit(text, "\n", -1);
	for (gchar **l = lines; *l; l++) {
		char *hash = strchr(*l, '#'), *s;

		if (hash)
			*hash = '\0';
		s = g_strstrip(*l);
		s[strcspn(s, " \t")] = '\0';
		if (*s)
			g_ptr_array_add(list, g_strdup(s));
	}
	g_strfreev(lines);
	g_free(text);
	return list;
}

GPtrArray *
odk_dataset_list(odk *o, const odk_entry *e)
{
	const char *v = e->value;
	GPtrArray *list;
	gchar **items;

	if (g_str_has_prefix(v, "file:"))
		return read_list_file(o, e, v + 5);
	if (g_str_has_prefix(v, "refile:"))
		return read_list_file(o, e, v + 7);
	if (v[0] == '/' && !g_str_has_suffix(v, ".db"))
		return read_list_file(o, e, v);
	if (g_str_has_prefix(v, "csl:"))
		v += 4;
	else if (strchr(v, ':') && strcspn(v, ":") < strcspn(v, ",")) {
		odk_error(o, e, "%s: data set type \"%.*s:\" is not supported: "
			  "preflight takes lists inline or from a flat file",
			  e->name, (int)strcspn(v, ":"), v);
		return NULL;
	}
	list = g_ptr_array_new_with_free_func(g_free);
	items = g_strsplit(v, ",", -1);
	for (gchar **i = items; *i; i++) {
		char *s = g_strstrip(*i);

		if (*s)
			g_ptr_array_add(list, g_strdup(s));
	}
	g_strfreev(items);
	return list;
}

static void
entry_free(gpointer p)
{
	odk_entry *e = p;

	g_free(e->value);
	g_free(e->where);
	g_free(e);
}

/* Read one file into o->opts (and its Includes); order keeps first sight. */
static void
read_conf(odk *o, GPtrArray *order, const char *path, int depth)
{
	FILE *fp = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0;
	unsigned lineno = 0;

	if (fp == NULL) {
		g_string_append_printf(o->err, "%s: cannot open: %s\n", path,
				       g_strerror(errno));
		o->nerr++;
		return;
	}
	while (getline(&buf, &cap, fp) >= 0) {
		char *s, *hash = strchr(buf, '#'), *val, *where, *lower;
		const struct odk_option *opt;
		odk_entry *e;

		lineno++;
		if (hash)
			*hash = '\0';
		if (*(s = g_strstrip(buf)) == '\0')
			continue;
		val = s + strcspn(s, " \t");
		if (*val)
			*val++ = '\0';
		val = g_strstrip(val);
		where = g_strdup_printf("%s:%u", path, lineno);
		if ((opt = find_option(s)) == NULL) {
			g_string_append_printf(o->err, "%s: \"%s\" is not an "
			    "OpenDKIM option (opendkim.conf(5))\n", where, s);
			o->nerr++;
		} else if (*val == '\0') {
			g_string_append_printf(o->err, "%s: %s has no value\n",
					       where, opt->name);
			o->nerr++;
		} else if (strcmp(opt->name, "Include") == 0) {
			if (depth >= 5) {
				g_string_append_printf(o->err, "%s: Include "
				    "nests more than five levels\n", where);
				o->nerr++;
			} else {
				read_conf(o, order, val, depth + 1);
			}
		} else {
			e = g_new0(odk_entry, 1);
			e->name = opt->name;
			e->value = g_strdup(val);
			e->where = where;
			where = NULL;
			lower = g_ascii_strdown(opt->name, -1);
			if (g_hash_table_lookup(o->opts, lower) == NULL)
				g_ptr_array_add(order, (gpointer)opt->name);
			g_hash_table_replace(o->opts, lower, e);
		}
		g_free(where);
	}
	free(buf);
	fclose(fp);
}

/* Socket: local:/p (or unix:, or /p) -> unix:/p; inet[6]:port@[host]. */
static void
convert_socket(odk *o)
{
	const odk_entry *e = odk_get(o, "Socket");
	const char *v, *at;
	char *out = NULL, *host;
	size_t plen;

	if (e == NULL)
		return;
	v = e->value;
	if (g_str_has_prefix(v, "local:") || g_str_has_prefix(v, "unix:"))
		out = g_strconcat("unix:", strchr(v, ':') + 1, NULL);
	else if (v[0] == '/')
		out = g_strconcat("unix:", v, NULL);
	else if (g_str_has_prefix(v, "inet:") || g_str_has_prefix(v, "inet6:")) {
		const char *port = strchr(v, ':') + 1;

		at = strchr(port, '@');
		plen = at ? (size_t)(at - port) : strlen(port);
		if (plen == 0 || strspn(port, "0123456789") != plen ||
		    atoi(port) < 1 || atoi(port) > 65535) {
			odk_error(o, e, "Socket %s: expected a port number "
				  "from 1 to 65535", v);
			return;
		}
		host = g_strdup(at && at[1] ? at + 1 : (v[4] == '6' ? "::" :
		    "0.0.0.0"));
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			host[strlen(host) - 1] = '\0';
			memmove(host, host + 1, strlen(host));
		}
		out = g_strdup_printf("%.*s%.*s@%s", (int)(port - v), v,
				      (int)plen, port, host);
		g_free(host);
	}
	if (out == NULL || strcmp(out, "unix:") == 0) {
		odk_error(o, e, "Socket %s: expected local:/path, "
			  "inet:port[@host] or inet6:port[@host]", v);
		g_free(out);
		return;
	}
	odk_set(o, ODK_MILTER, e, "socket", out, "the same socket: stop "
		"OpenDKIM before starting preflight-milter, or use -p");
	g_free(out);
}

static void
convert_milter(odk *o)
{
	const odk_entry *e;

	convert_socket(o);
	if ((e = odk_get(o, "UserID")) != NULL) {
		gchar **ug = g_strsplit(e->value, ":", 2);

		odk_set(o, ODK_MILTER, e, "user", ug[0], "its keys stay "
			"readable by the same account");
		if (ug[1] && *ug[1])
			odk_set(o, ODK_MILTER, NULL, "group", ug[1], NULL);
		g_strfreev(ug);
	}
	if ((e = odk_get(o, "UMask")) != NULL) {
		char *end, mode[8];
		unsigned long mask = strtoul(e->value, &end, 8);

		if (*end || mask > 0777) {
			odk_error(o, e, "UMask %s: expected an octal mask "
				  "such as 007", e->value);
		} else {
			g_snprintf(mode, sizeof(mode), "%04lo", 0777 & ~mask);
			odk_set(o, ODK_MILTER, e, "socket_mode", mode, "the "
				"mode a socket created under that umask gets");
		}
	}
	if ((e = odk_get(o, "PidFile")) != NULL) {
		char *p = odk_path(o, e->value);

		odk_set(o, ODK_MILTER, e, "pidfile", p, NULL);
		g_free(p);
	}
	if ((e = odk_get(o, "Syslog")) != NULL && odk_bool(o, e) == 0)
		odk_none(o, e, "preflight-milter always logs to syslog (one "
			 "decision line per message)");
	else if (e)
		odk_note(o, e, "preflight-milter always logs to syslog");
	if ((e = odk_get(o, "SyslogSuccess")) != NULL && odk_bool(o, e) >= 0)
		odk_note(o, e, "preflight logs a decision line for every "
			 "message, signed or not");
	if ((e = odk_get(o, "SyslogFacility")) != NULL)
		odk_set(o, ODK_MILTER, e, "syslog_facility", e->value, NULL);
	if ((e = odk_get(o, "SyslogName")) != NULL)
		odk_set(o, ODK_MILTER, e, "syslog_ident", e->value, NULL);
	if ((e = odk_get(o, "Background")) != NULL && odk_bool(o, e) == 0)
		odk_none(o, e, "run preflight-milter -f to stay in the "
			 "foreground");
	else if (e)
		odk_note(o, e, "preflight-milter goes to the background "
			 "unless started with -f");
}

static GString *
compose(odk *o, const char *path)
{
	GString *out = g_string_new(NULL);

	g_string_append_printf(out, "# preflight.conf converted from %s by "
	    "\"preflight config --from-opendkim\".\n"
	    "# Keys not set here keep their defaults (\"preflight config "
	    "--defaults\"); the checks\n# other than DKIM signing run too, "
	    "in monitor mode: see preflight.conf(5).\n", path);
	for (int i = 0; i < ODK_NSECTIONS; i++)
		if (o->sec[i]->len)
			g_string_append_printf(out, "\n[%s]\n%s",
			    section_names[i], o->sec[i]->str);
	if (o->notes->len)
		g_string_append_printf(out, "\n# How these OpenDKIM options "
		    "carry over:\n%s", o->notes->str);
	if (o->none->len)
		g_string_append_printf(out, "\n# OpenDKIM options with no "
		    "preflight equivalent:\n%s", o->none->str);
	return out;
}

/* The output is only as good as the real parser's verdict on it. */
static int
validate(const GString *out, GString *why)
{
	FILE *fp = fmemopen(out->str, out->len, "r");
	pf_config *cfg;

	if (fp == NULL) {
		g_string_append_printf(why, "cannot read the output back: %s\n",
				       g_strerror(errno));
		return -1;
	}
	cfg = pf_config_load_fp(fp, "output", why);
	fclose(fp);
	if (cfg == NULL)
		return -1;
	pf_config_unref(&cfg);
	return 0;
}

int
pf_cmd_from_opendkim(const char *path)
{
	odk o = {0};
	GPtrArray *order = g_ptr_array_new();
	const odk_entry *e;
	GString *out = NULL, *why = g_string_new(NULL);
	int rc = 1;

	o.opts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				       entry_free);
	o.used = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (int i = 0; i < ODK_NSECTIONS; i++)
		o.sec[i] = g_string_new(NULL);
	o.none = g_string_new(NULL);
	o.notes = g_string_new(NULL);
	o.err = g_string_new(NULL);
	read_conf(&o, order, path, 0);
	if (o.nerr == 0) {
		if ((e = odk_get(&o, "BaseDirectory")) != NULL) {
			o.basedir = g_strdup(e->value);
			odk_note(&o, e, "relative paths below are resolved "
				 "against it");
		}
		convert_milter(&o);
		odk_policy(&o);
		odk_dns(&o);
		(void)odk_dkim(&o);
		if (!o.signing)
			fprintf(stderr, "preflight config: %s: Mode has no s: "
				"OpenDKIM only verified signatures, which "
				"preflight does not do ([dkim] mode = off)\n",
				path);
		for (guint i = 0; i < order->len; i++) {
			const struct odk_option *opt = find_option(order->pdata[i]);

			if ((e = odk_get(&o, opt->name)) == NULL)
				continue;
			if (opt->why)
				odk_none(&o, e, "%s", opt->why);
			else if (!g_hash_table_contains(o.used, e))
				odk_note(&o, e, "OpenDKIM does not use it in "
					 "this configuration either");
		}
	}
	if (o.nerr) {
		fputs(o.err->str, stderr);
		fprintf(stderr, "preflight config: %s: %u error%s, nothing "
			"converted\n", path, o.nerr, o.nerr == 1 ? "" : "s");
		goto done;
	}
	out = compose(&o, path);
	fputs(out->str, stdout);
	fprintf(stderr, "preflight config: %u OpenDKIM option%s in %s ha%s "
		"no preflight equivalent (comments at the end of the "
		"output)\n", o.nnone, o.nnone == 1 ? "" : "s", path,
		o.nnone == 1 ? "s" : "ve");
	if (validate(out, why) < 0) {
		fputs(why->str, stderr);
		fputs("preflight config: the converted configuration does not "
		      "load as it stands (line numbers are the output's)\n",
		      stderr);
		goto done;
	}
	rc = 0;
done:
	if (out)
		g_string_free(out, TRUE);
	g_string_free(why, TRUE);
	for (int i = 0; i < ODK_NSECTIONS; i++)
		g_string_free(o.sec[i], TRUE);
	g_string_free(o.none, TRUE);
	g_string_free(o.notes, TRUE);
	g_string_free(o.err, TRUE);
	g_hash_table_destroy(o.used);
	g_hash_table_destroy(o.opts);
	g_ptr_array_free(order, TRUE);
	g_free(o.basedir);
	return rc;
}
