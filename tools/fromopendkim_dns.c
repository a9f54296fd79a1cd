/*
 * NAME
 *	fromopendkim_dns - the [policy] and [dns] part of "preflight config
 *	--from-opendkim" (see fromopendkim.h)
 * SYNOPSIS
 *	void odk_policy(odk *o);
 *	void odk_dns(odk *o);
 * DESCRIPTION
 *	odk_policy() converts AuthservID and On-InternalError (or
 *	On-Default) and starts the output in monitor mode; odk_dns()
 *	converts Nameservers, ResolverConfiguration, TrustAnchorFile and
 *	DNSTimeout.  Errors are recorded in o, naming file:line.
 */
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "fromopendkim.h"

static const char *
action_name(const char *v)
{
	static const char *const map[][2] = {
		{"a", "accept"}, {"accept", "accept"}, {"r", "reject"},
		{"reject", "reject"}, {"t", "tempfail"},
		{"tempfail", "tempfail"}, {"q", "quarantine"},
		{"quarantine", "quarantine"},
	};

	for (size_t i = 0; i < G_N_ELEMENTS(map); i++)
		if (g_ascii_strcasecmp(v, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

void
odk_policy(odk *o)
{
	const odk_entry *e = odk_get(o, "AuthservID"), *d;
	const char *act;

	odk_set(o, ODK_POLICY, NULL, "monitor", "yes", "OpenDKIM refused "
		"no mail for policy: preflight's other checks (From, SPF, "
		"DMARC, size, content) start logging what they would do, "
		"while signing goes on; read the decision lines, then set no");

	if (e && strcmp(e->value, "HOSTNAME") == 0)
		odk_none(o, e, "preflight uses the MTA's host name (macro j), "
			 "else this host's: leave [policy] authserv_id empty "
			 "or name the host");
	else if (e)
		odk_set(o, ODK_POLICY, e, "authserv_id", e->value, NULL);
	e = odk_get(o, "On-InternalError");
	d = odk_get(o, "On-Default");
	if (d && e == NULL)
		e = d;
	else if (d)
		odk_note(o, d, "only its internal-error part applies: "
			 "On-InternalError overrides it");
	if (e && (act = action_name(e->value)) != NULL)
		odk_set(o, ODK_POLICY, e, "on_internal_error", act, NULL);
	else if (e && (g_ascii_strcasecmp(e->value, "d") == 0 ||
		       g_ascii_strcasecmp(e->value, "discard") == 0))
		odk_none(o, e, "preflight never discards mail: "
			 "[policy] on_internal_error is tempfail");
	else if (e)
		odk_error(o, e, "%s %s: expected accept, discard, quarantine, "
			  "reject or tempfail", e->name, e->value);
}

void
odk_dns(odk *o)
{
	const odk_entry *e;

	if ((e = odk_get(o, "Nameservers")) != NULL) {
		gchar **v = g_strsplit(e->value, ",", -1);
		GString *up = g_string_new(NULL);

		for (gchar **n = v; *n; n++) {
			GInetAddress *a;
			char *s = g_strstrip(*n);

			if (*s == '\0')
				continue;
			if ((a = g_inet_address_new_from_string(s)) == NULL) {
				odk_error(o, e, "Nameservers: \"%s\" is not an "
					  "IP address", s);
				continue;
			}
			g_object_unref(a);
			g_string_append_printf(up, "%s%s", up->len ? " " : "", s);
		}
		odk_set(o, ODK_DNS, e, "upstreams", up->str, "for every "
			"lookup preflight makes");
		g_string_free(up, TRUE);
		g_strfreev(v);
	}
	if ((e = odk_get(o, "ResolverConfiguration")) != NULL) {
		char *p = odk_path(o, e->value);

		odk_set(o, ODK_DNS, e, "config_file", p, "the same "
			"unbound.conf(5)-style file");
		g_free(p);
	}
	if ((e = odk_get(o, "TrustAnchorFile")) != NULL) {
		char *p = odk_path(o, e->value);

		odk_set(o, ODK_DNS, e, "trust_anchor_file", p, "answers "
			"that fail DNSSEC validation are temporary errors");
		g_free(p);
	}
	if ((e = odk_get(o, "DNSTimeout")) != NULL) {
		char *end, ms[16];
		unsigned long s = strtoul(e->value, &end, 10);

		if (*end || e->value[0] == '-') {
			odk_error(o, e, "DNSTimeout %s: expected seconds",
				  e->value);
			return;
		}
		if (s == 0 || s > 120)
			odk_note(o, e, "preflight waits at most 120 s for a "
				 "lookup (0 meant forever)");
		g_snprintf(ms, sizeof(ms), "%lu", (s == 0 || s > 120 ? 120 :
			   s) * 1000);
		odk_set(o, ODK_DNS, e, "timeout", ms, "milliseconds");
	}
}
