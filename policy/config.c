/*
 * NAME
 *	config - preflight.conf: one table of keys, their defaults and docs
 *	(see config.h)
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "check.h"
#include "config.h"
#include "log.h"
#include "resolver.h"

typedef enum {
	CT_STR,		/* char *, "" stored as NULL */
	CT_BOOL,	/* bool: yes/no/true/false/on/off/1/0 */
	CT_UINT,	/* unsigned long within [min, max] */
	CT_OCTAL,	/* unsigned long written in octal */
	CT_SIZE,	/* unsigned long long with optional K/M/G suffix */
	CT_MODE,	/* pf_mode */
	CT_ACTION,	/* pf_action */
} conf_type;

typedef struct conf_key {
	const char *section;
	const char *name;
	conf_type type;
	size_t offset;
	const char *def;		/* default, as written in the file */
	unsigned long long min, max;	/* CT_UINT, CT_SIZE */
	const char *doc;
} conf_key;

#define OFF(field) offsetof(pf_config, field)

/* The one place where keys, defaults and documentation live. */
static const conf_key conf_keys[] = {
	{"milter", "socket", CT_STR, OFF(socket),
	 "unix:/run/preflight/preflight.sock", 0, 0,
	 "Where the milter listens: unix:/path (fastest; Postfix must be able "
	 "to reach it) or inet:PORT@ADDRESS. Overridden by -p."},
	{"milter", "user", CT_STR, OFF(user), "preflight", 0, 0,
	 "Account to switch to after binding the socket when started as "
	 "root. Empty: keep running as the invoking user (refused for root)."},
	{"milter", "group", CT_STR, OFF(group), "", 0, 0,
	 "Group to switch to; empty means the primary group of user. Put the "
	 "MTA in this group so that it can use the socket."},
	{"milter", "pidfile", CT_STR, OFF(pidfile),
	 "/run/preflight/preflight-milter.pid", 0, 0,
	 "File the daemon writes its process id to; empty for none."},
	{"milter", "socket_mode", CT_OCTAL, OFF(socket_mode), "0660", 0, 0777,
	 "Permissions of a unix socket after it is created."},
	{"milter", "milter_timeout", CT_UINT, OFF(milter_timeout), "300", 1,
	 86400,
	 "Seconds libmilter waits for the MTA before giving up on a "
	 "connection."},
	{"milter", "syslog_facility", CT_STR, OFF(syslog_facility), "mail", 0,
	 0, "Syslog facility for every line: mail, daemon, user, local0-7."},
	{"milter", "syslog_ident", CT_STR, OFF(syslog_ident),
	 "preflight-milter", 0, 0, "Syslog program name."},
	{"milter", "audit_log", CT_STR, OFF(audit_log), "", 0, 0,
	 "Path of an optional JSON-lines audit log: one object per decision "
	 "with the syslog facts plus Message-ID and recipients, never the "
	 "body. Empty: off."},

	{"policy", "monitor", CT_BOOL, OFF(monitor), "no", 0, 0,
	 "Monitor mode: log the action that would be taken and change "
	 "nothing. Roll out with yes first."},
	{"policy", "on_internal_error", CT_ACTION, OFF(on_internal_error),
	 "tempfail", 0, 0,
	 "Action when preflight itself fails on a message (out of memory, "
	 "library error): tempfail keeps the mail queued, accept lets it go."},
	{"policy", "annotate_score", CT_UINT, OFF(annotate_score), "1", 0,
	 1000000, "Total score at which a message is annotated (0: never)."},
	{"policy", "quarantine_score", CT_UINT, OFF(quarantine_score), "10", 0,
	 1000000,
	 "Total score at which a message is held in the MTA's quarantine "
	 "(0: never)."},
	{"policy", "reject_score", CT_UINT, OFF(reject_score), "20", 0, 1000000,
	 "Total score at which a message is rejected (0: never)."},
	{"policy", "header_name", CT_STR, OFF(header_name), "X-Preflight", 0, 0,
	 "Name of the header added to annotated messages."},
	{"policy", "header_on_accept", CT_BOOL, OFF(header_on_accept), "no", 0,
	 0, "Also add the header to messages accepted with no findings."},
	{"policy", "authserv_id", CT_STR, OFF(authserv_id), "", 0, 0,
	 "authserv-id for Authentication-Results; empty: the MTA's host name "
	 "(macro j), else this host's name."},
	{"policy", "max_scan_size", CT_SIZE, OFF(max_scan_size), "16M", 0,
	 1ULL << 34,
	 "Bytes of each message body kept in memory for content checks. "
	 "Larger mail is still size-checked and relayed; checks that need "
	 "the whole body report that they skipped it."},

	{"policy", "max_header_size", CT_SIZE, OFF(max_header_size), "1M",
	 1024, 1ULL << 30,
	 "Bytes of header fields kept in memory per message. Fields beyond "
	 "it are still counted for the size check but not kept, and checks "
	 "that read headers see only the ones kept."},

	{"dns", "upstreams", CT_STR, OFF(dns.upstreams), "", 0, 0,
	 "DNS servers to forward every lookup to, as \"address[@port]\" "
	 "separated by blanks, e.g. \"127.0.0.1@5353 ::1\". Empty: the "
	 "servers in /etc/resolv.conf (unless config_file names forwarders)."},
	{"dns", "config_file", CT_STR, OFF(dns.config_file), "", 0, 0,
	 "Optional unbound.conf(5)-style file for the built-in resolver "
	 "(libunbound): forward-zone, stub-zone, local-zone clauses. Needed "
	 "for names under .test, which libunbound otherwise answers "
	 "NXDOMAIN: local-zone: \"test.\" nodefault. Empty: none."},
	{"dns", "trust_anchor_file", CT_STR, OFF(dns.trust_anchor_file), "",
	 0, 0,
	 "DNSSEC trust anchor file (e.g. /usr/share/dns/root.key); answers "
	 "that fail validation are then temporary errors. Empty: no "
	 "validation."},
	{"dns", "timeout", CT_UINT, OFF(dns.timeout), "5000", 10, 120000,
	 "Milliseconds one DNS lookup may take before it counts as a "
	 "temporary failure. Every check shares this resolver, its cache "
	 "and this bound."},

	{"size", "mode", CT_MODE, OFF(size.mode), "enforce", 0, 0,
	 "off, monitor (log only) or enforce."},
	{"size", "max_message_size", CT_SIZE, OFF(size.max_message_size),
	 "25M", 0, 1ULL << 40,
	 "Largest message, headers and body, in bytes (K, M, G suffixes are "
	 "powers of 1024). 0: no limit. Checked at MAIL FROM against the "
	 "ESMTP SIZE= parameter and again on the bytes received."},
	{"size", "max_recipients", CT_UINT, OFF(size.max_recipients), "100", 0,
	 1000000,
	 "Most recipients in one message (0: no limit). Further recipients "
	 "are refused one by one, so that the client sends them in another "
	 "message."},
	{"size", "action", CT_ACTION, OFF(size.action), "reject", 0, 0,
	 "Action for a message over max_message_size (552 5.3.4)."},
	{"size", "recipients_action", CT_ACTION, OFF(size.recipients_action),
	 "tempfail", 0, 0,
	 "Action for each recipient over max_recipients: tempfail (452 "
	 "4.5.3, the client retries them later) or reject (550 5.5.3)."},
	{"size", "overrides", CT_STR, OFF(size.overrides), "", 0, 0,
	 "Table of per-sender-domain limits: lines \"domain "
	 "max_message_size=SIZE max_recipients=N\"; \".example.com\" "
	 "matches subdomains. Empty: none."},

	{"from", "mode", CT_MODE, OFF(from.mode), "enforce", 0, 0,
	 "off, monitor (log only) or enforce: the From header is parsed with "
	 "GMime; several From headers, several or no mailboxes, an address "
	 "without a domain, or a display name showing another address are "
	 "findings."},
	{"from", "action", CT_ACTION, OFF(from.action), "reject", 0, 0,
	 "Action for a malformed From header (550 5.6.0) or several From "
	 "headers or mailboxes (550 5.7.1)."},
	{"from", "display_action", CT_ACTION, OFF(from.display_action),
	 "reject", 0, 0,
	 "Action when the display name shows an address or domain other than "
	 "the real address (550 5.7.1)."},
	{"from", "sasl_senders", CT_STR, OFF(from.sasl_senders), "", 0, 0,
	 "Table of SASL login -> From addresses or domains it may use "
	 "(\"alice alice@example.com @example.org\"; @domain or a bare domain "
	 "allows the whole domain). Logins not in the table and mail without "
	 "SASL login are not checked. Empty: off."},
	{"from", "identity_action", CT_ACTION, OFF(from.identity_action),
	 "reject", 0, 0,
	 "Action when a SASL user sends with a From address the sasl_senders "
	 "table does not allow (550 5.7.1)."},

	{"dkim", "mode", CT_MODE, OFF(dkim.mode), "enforce", 0, 0,
	 "off, monitor or enforce. Nothing is signed until a key is "
	 "configured (domain/selector/key_file or key_table/signing_table)."},
	{"dkim", "domain", CT_STR, OFF(dkim.domain), "", 0, 0,
	 "Simple form for one domain: the d= to sign mail From this domain "
	 "(and its subdomains) with."},
	{"dkim", "selector", CT_STR, OFF(dkim.selector), "", 0, 0,
	 "Simple form: the selector (s=) of key_file."},
	{"dkim", "key_file", CT_STR, OFF(dkim.key_file), "", 0, 0,
	 "Simple form: PEM private key, RSA (at least min_key_bits) or "
	 "Ed25519, readable by the milter's user only (mode 0600 or 0400)."},
	{"dkim", "selector2", CT_STR, OFF(dkim.selector2), "", 0, 0,
	 "Optional second selector for the same domain: every message is "
	 "then signed twice (e.g. RSA and Ed25519, or old and new key during "
	 "a rotation)."},
	{"dkim", "key_file2", CT_STR, OFF(dkim.key_file2), "", 0, 0,
	 "Private key of selector2."},
	{"dkim", "key_table", CT_STR, OFF(dkim.key_table), "", 0, 0,
	 "OpenDKIM KeyTable: \"name domain:selector:/path/key\" lines. Used "
	 "with signing_table; either table may be given as refile:/path."},
	{"dkim", "signing_table", CT_STR, OFF(dkim.signing_table), "", 0, 0,
	 "OpenDKIM SigningTable: \"pattern name...\" lines matched against "
	 "the From address (user@domain, then domain, then parent domains as "
	 ".domain); refile:/path makes patterns wildcards (*@example.com), "
	 "first match wins."},
	{"dkim", "internal_hosts", CT_STR, OFF(dkim.internal_hosts),
	 "127.0.0.0/8 ::1", 0, 0,
	 "Client networks whose mail is signed; mail from authenticated "
	 "(SASL) clients is signed wherever it comes from."},
	{"dkim", "sign_by", CT_STR, OFF(dkim.sign_by), "from", 0, 0,
	 "Which domain picks the key: from (the From header, for DMARC "
	 "alignment) or envelope (the MAIL FROM domain; the simple form "
	 "then signs only when the From domain aligns with it)."},
	{"dkim", "canonicalization", CT_STR, OFF(dkim.canonicalization),
	 "relaxed/relaxed", 0, 0,
	 "Header/body canonicalization: relaxed/relaxed or relaxed/simple. "
	 "simple header canonicalization is refused: milters do not see the "
	 "exact spacing after a header's colon, so its signatures fail."},
	{"dkim", "signed_headers", CT_STR, OFF(dkim.signed_headers),
	 "From Reply-To Subject Date To Cc Message-ID In-Reply-To References "
	 "MIME-Version Content-Type Content-Transfer-Encoding "
	 "List-Unsubscribe List-Unsubscribe-Post", 0, 0,
	 "Header fields to sign when present; must include From."},
	{"dkim", "oversign_headers", CT_STR, OFF(dkim.oversign_headers),
	 "From", 0, 0,
	 "Header fields signed once more than present, so that none can be "
	 "added after signing."},
	{"dkim", "min_key_bits", CT_UINT, OFF(dkim.min_key_bits), "2048",
	 1024, 16384, "Smallest RSA key accepted; smaller keys are a "
	 "configuration error (1024-bit keys are refused by default)."},
	{"dkim", "key_check_interval", CT_UINT, OFF(dkim.key_check_interval),
	 "3600", 0, 604800,
	 "Seconds between checks that the published selector._domainkey "
	 "record matches each private key (at start, on reload, then at this "
	 "interval); 0 disables the check."},
	{"dkim", "key_check_action", CT_ACTION, OFF(dkim.key_check_action),
	 "tempfail", 0, 0,
	 "Action for mail that would be signed with a key whose published "
	 "record is missing, revoked, of the wrong k=/h=/s=, another key or "
	 "this key in an encoding verifiers reject (451 4.7.5)."},
	{"dkim", "unsafe_body_action", CT_ACTION, OFF(dkim.unsafe_body_action),
	 "tempfail", 0, 0,
	 "Action for mail to be signed whose body a relay would rewrite "
	 "after signing (lines over 998 octets, 8-bit data in a MIME part "
	 "not declared 8bit or binary, bare CR or LF), 451 4.6.0; accept "
	 "signs anyway."},

	{"spf", "mode", CT_MODE, OFF(spf.mode), "enforce", 0, 0,
	 "off, monitor or enforce: the MAIL FROM domain (the HELO name for the "
	 "null sender) is checked against every egress IP with libspf2, "
	 "through the [dns] resolver."},
	{"spf", "egress_ips", CT_STR, OFF(spf.egress_ips), "", 0, 0,
	 "The addresses receivers see this relay connect from (IPv4 and "
	 "IPv6), separated by blanks, e.g. \"192.0.2.10 2001:db8::10\". "
	 "Every one is checked. Empty: the SPF check does nothing."},
	{"spf", "helo_name", CT_STR, OFF(spf.helo_name), "", 0, 0,
	 "The HELO name this relay uses outbound (Postfix smtp_helo_name), "
	 "checked for the null sender. Empty: the MTA's host name (macro j), "
	 "else the client's HELO."},
	{"spf", "fail_action", CT_ACTION, OFF(spf.fail_action), "annotate", 0,
	 0,
	 "Action for SPF fail (550 5.7.23). DMARC decides the refusal when "
	 "the From domain publishes a policy."},
	{"spf", "softfail_action", CT_ACTION, OFF(spf.softfail_action),
	 "annotate", 0, 0, "Action for SPF softfail (550 5.7.23)."},
	{"spf", "permerror_action", CT_ACTION, OFF(spf.permerror_action),
	 "annotate", 0, 0,
	 "Action for a broken SPF record: syntax, more than 10 DNS-querying "
	 "terms, more than 2 void lookups, several v=spf1 records (550 "
	 "5.7.24)."},
	{"spf", "temperror_action", CT_ACTION, OFF(spf.temperror_action),
	 "tempfail", 0, 0,
	 "Action when DNS fails during the check (451 4.7.24): tempfail keeps "
	 "the mail queued for a retry."},

	{"dmarc", "mode", CT_MODE, OFF(dmarc.mode), "enforce", 0, 0,
	 "off, monitor or enforce: predict the receivers' DMARC verdict for "
	 "the From domain from the SPF result and the DKIM domain preflight "
	 "signs with."},
	{"dmarc", "reject_action", CT_ACTION, OFF(dmarc.reject_action),
	 "reject", 0, 0,
	 "Action when DMARC would fail under p=reject (550 5.7.26)."},
	{"dmarc", "quarantine_action", CT_ACTION,
	 OFF(dmarc.quarantine_action), "annotate", 0, 0,
	 "Action when DMARC would fail under p=quarantine (550 5.7.26 when "
	 "set to reject)."},
	{"dmarc", "temperror_action", CT_ACTION, OFF(dmarc.temperror_action),
	 "tempfail", 0, 0,
	 "Action when the DMARC record cannot be looked up (451 4.7.24)."},
	{"dmarc", "honour_pct", CT_BOOL, OFF(dmarc.honour_pct), "yes", 0, 0,
	 "With pct below 100, apply the policy's action to that percentage "
	 "of failing messages (chosen at random, as receivers do) and "
	 "annotate the rest."},
	{"dmarc", "auth_results", CT_BOOL, OFF(dmarc.auth_results), "yes", 0,
	 0,
	 "Add an Authentication-Results header (RFC 8601) with the predicted "
	 "spf and dmarc results to relayed mail, under [policy] authserv_id."},
	{"dmarc", "psl_file", CT_STR, OFF(dmarc.psl_file), "", 0, 0,
	 "Public Suffix List file for organisational domains (e.g. "
	 "/usr/share/publicsuffix/public_suffix_list.dat). Empty: the list "
	 "built into libpsl."},

	{"structure", "mode", CT_MODE, OFF(structure.mode), "enforce", 0, 0,
	 "RFC 5322/MIME conformance of the parsed message: off, monitor or "
	 "enforce."},
	{"structure", "long_line_action", CT_ACTION,
	 OFF(structure.long_line_action), "reject", 0, 0,
	 "Action for a header or body line over 998 octets (RFC 5322 2.1.1; "
	 "MTAs split or refuse it), 550 5.6.0."},
	{"structure", "duplicate_action", CT_ACTION,
	 OFF(structure.duplicate_action), "reject", 0, 0,
	 "Action for a second Date, Message-ID or Subject header (RFC 5322 "
	 "3.6 allows one; large receivers refuse), 550 5.6.0."},
	{"structure", "header_8bit_score", CT_UINT,
	 OFF(structure.header_8bit_score), "3", 0, 1000,
	 "Score for raw 8-bit bytes in a header value instead of RFC 2047 "
	 "encoded words."},
	{"structure", "unterminated_score", CT_UINT,
	 OFF(structure.unterminated_score), "5", 0, 1000,
	 "Score for a multipart whose closing boundary is missing."},
	{"structure", "bad_encoding_score", CT_UINT,
	 OFF(structure.bad_encoding_score), "5", 0, 1000,
	 "Score for a part whose base64 or quoted-printable content cannot be "
	 "decoded cleanly."},
	{"structure", "missing_date_score", CT_UINT,
	 OFF(structure.missing_date_score), "3", 0, 1000,
	 "Score for a message without a Date header."},
	{"structure", "missing_message_id_score", CT_UINT,
	 OFF(structure.missing_message_id_score), "3", 0, 1000,
	 "Score for a message without a Message-ID header."},
	{"structure", "missing_subject_score", CT_UINT,
	 OFF(structure.missing_subject_score), "1", 0, 1000,
	 "Score for a message without a Subject header."},
	{"structure", "unparsable_score", CT_UINT,
	 OFF(structure.unparsable_score), "5", 0, 1000,
	 "Score for a message the MIME parser cannot make sense of."},
	{"attach", "mode", CT_MODE, OFF(attach.mode), "enforce", 0, 0,
	 "Dangerous attachments, by name and by content: off, monitor or "
	 "enforce."},
	{"attach", "action", CT_ACTION, OFF(attach.action), "reject", 0, 0,
	 "Action for a dangerous file (extension, double extension, "
	 "executable content, archive member, HTML smuggling), 550 5.7.1 "
	 "naming the file."},
	{"attach", "dangerous_extensions", CT_STR,
	 OFF(attach.dangerous_extensions),
	 "exe scr com pif cpl dll sys js jse vbs vbe wsf wsh wsc ps1 psm1 bat "
	 "cmd hta jar msi msp mst lnk iso img vhd vhdx reg scf inf appx "
	 "appxbundle msix msixbundle application gadget chm sct cab apk dmg "
	 "mjs vb xll jnlp msc ade adp ins isp mde nsh shb vxd diagcab", 0, 0,
	 "File name extensions refused in attachments and inside archives, "
	 "separated by spaces, without dots."},
	{"attach", "archive_max_entries", CT_UINT,
	 OFF(attach.archive_max_entries), "1000", 1, 1000000,
	 "Most archive entries listed per archive; the rest are not "
	 "examined (an informational finding says so)."},
	{"attach", "archive_max_size", CT_SIZE, OFF(attach.archive_max_size),
	 "1G", 0, 1ULL << 40,
	 "Total uncompressed size of the entries listed before the listing "
	 "stops (entries are listed, never decompressed)."},
	{"attach", "encrypted_archive_score", CT_UINT,
	 OFF(attach.encrypted_archive_score), "3", 0, 1000,
	 "Score for a password-protected or unreadable archive, whose "
	 "contents receivers cannot scan either."},
	{"links", "mode", CT_MODE, OFF(links.mode), "enforce", 0, 0,
	 "Links in text and HTML parts: off, monitor or enforce."},
	{"links", "mismatch_score", CT_UINT, OFF(links.mismatch_score), "4", 0,
	 1000,
	 "Score for a link whose visible text names another domain than its "
	 "target (compared by registrable domain)."},
	{"links", "ip_literal_score", CT_UINT, OFF(links.ip_literal_score), "4",
	 0, 1000, "Score for a link to a bare IP address."},
	{"links", "script_target_score", CT_UINT,
	 OFF(links.script_target_score), "6", 0, 1000,
	 "Score for a javascript:, vbscript: or data: link."},
	{"links", "shortener_score", CT_UINT, OFF(links.shortener_score), "2", 0,
	 1000, "Score for links through a URL shortener."},
	{"links", "shorteners", CT_STR, OFF(links.shorteners),
	 "bit.ly tinyurl.com t.co goo.gl ow.ly is.gd buff.ly rebrand.ly "
	 "cutt.ly shorturl.at tiny.cc rb.gy t.ly s.id v.gd bl.ink", 0, 0,
	 "Host names of URL shorteners (subdomains match too), separated by "
	 "spaces."},
	{"links", "max_links", CT_UINT, OFF(links.max_links), "100", 0, 1000000,
	 "Most distinct links before a message scores too_many_score (0: no "
	 "limit)."},
	{"links", "too_many_score", CT_UINT, OFF(links.too_many_score), "2", 0,
	 1000, "Score for more than max_links distinct links."},
	{"text", "mode", CT_MODE, OFF(text.mode), "enforce", 0, 0,
	 "Spam-like text heuristics: off, monitor or enforce."},
	{"text", "caps_subject_score", CT_UINT, OFF(text.caps_subject_score),
	 "2", 0, 1000,
	 "Score for a subject of 8 or more letters, all capitals."},
	{"text", "exclamation_run", CT_UINT, OFF(text.exclamation_run), "3", 2,
	 1000, "Length of a run of \"!\" that scores exclamation_score."},
	{"text", "exclamation_score", CT_UINT, OFF(text.exclamation_score), "2",
	 0, 1000,
	 "Score for a run of exclamation_run \"!\" in the subject or text."},
	{"text", "phrases", CT_STR, OFF(text.phrases), "", 0, 0,
	 "File of phrases, one a line (# comments), matched without regard "
	 "to case in the subject and text. Empty: none."},
	{"text", "phrase_score", CT_UINT, OFF(text.phrase_score), "2", 0, 1000,
	 "Score per phrase found, counting at most three phrases."},
	{"text", "html_only_score", CT_UINT, OFF(text.html_only_score), "1", 0,
	 1000, "Score for an HTML body without a text/plain alternative."},
	{"text", "min_text_chars", CT_UINT, OFF(text.min_text_chars), "100", 0,
	 100000,
	 "Fewer visible characters than this next to an image scores "
	 "image_only_score."},
	{"text", "image_only_score", CT_UINT, OFF(text.image_only_score), "3", 0,
	 1000, "Score for a message of images with almost no text."},
	{"bulk", "mode", CT_MODE, OFF(bulk.mode), "enforce", 0, 0,
	 "Unsubscribe headers on bulk mail: off, monitor or enforce."},
	{"bulk", "recipients", CT_UINT, OFF(bulk.recipients), "20", 0, 1000000,
	 "A message to this many recipients or more is bulk (0: only "
	 "Precedence: bulk/list/junk or List-Id make it bulk)."},
	{"bulk", "no_unsubscribe_score", CT_UINT,
	 OFF(bulk.no_unsubscribe_score), "4", 0, 1000,
	 "Score for bulk mail without List-Unsubscribe."},
	{"bulk", "not_https_score", CT_UINT, OFF(bulk.not_https_score), "2", 0,
	 1000,
	 "Score for a List-Unsubscribe without an https URI (RFC 8058 "
	 "one-click needs one)."},
	{"bulk", "no_one_click_score", CT_UINT, OFF(bulk.no_one_click_score),
	 "2", 0, 1000,
	 "Score for bulk mail without \"List-Unsubscribe-Post: "
	 "List-Unsubscribe=One-Click\"."},
	{"content", "mode", CT_MODE, OFF(content.mode), "enforce", 0, 0,
	 "Receiver profiles: off, monitor or enforce. The parsing settings "
	 "below apply to every content check whatever this mode."},
	{"content", "profiles", CT_STR, OFF(content.profiles),
	 "gmail yahoo microsoft", 0, 0,
	 "Receiver profiles to predict: gmail, yahoo, microsoft. Each "
	 "applies when a recipient is at that receiver's consumer domains "
	 "and returns the code that receiver would."},
	{"content", "profiles_all_recipients", CT_BOOL,
	 OFF(content.profiles_all_recipients), "no", 0, 0,
	 "Apply the profiles whatever the recipients' domains (for hosted "
	 "domains at those receivers)."},
	{"content", "profile_action", CT_ACTION, OFF(content.profile_action),
	 "reject", 0, 0,
	 "Action when a profile predicts a refusal (with that receiver's "
	 "enhanced code)."},
	{"content", "profile_score", CT_UINT, OFF(content.profile_score), "3", 0,
	 1000,
	 "Score when a profile predicts junk-foldering or a soft "
	 "requirement is missed (one-click unsubscribe)."},
	{"content", "max_parts", CT_UINT, OFF(content.max_parts), "1000", 1,
	 100000, "Most MIME parts examined per message."},
	{"content", "max_depth", CT_UINT, OFF(content.max_depth), "20", 1, 1000,
	 "Deepest MIME nesting examined."},
	{"content", "overrides", CT_STR, OFF(content.overrides), "", 0, 0,
	 "Table of per-sender-domain changes to the content checks: "
	 "\"domain off\", or \"domain check=off check.rule=SCORE "
	 "check.rule=off ...\"; a score turns a hard rule into a scored one. "
	 "Empty: none."},
};

#define N_KEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

static const char *const action_names[] = {
	[PF_ACTION_NONE] = "none",
	[PF_ACTION_ACCEPT] = "accept",
	[PF_ACTION_ANNOTATE] = "annotate",
	[PF_ACTION_QUARANTINE] = "quarantine",
	[PF_ACTION_TEMPFAIL] = "tempfail",
	[PF_ACTION_REJECT] = "reject",
};

static const char *const mode_names[] = {
	[PF_MODE_OFF] = "off",
	[PF_MODE_MONITOR] = "monitor",
	[PF_MODE_ENFORCE] = "enforce",
};

const char *
pf_action_name(pf_action action)
{
	if ((unsigned)action < G_N_ELEMENTS(action_names))
		return action_names[action];
	return "unknown";
}

int
pf_action_parse(const char *text, pf_action *out)
{
	for (unsigned i = PF_ACTION_ACCEPT; i < G_N_ELEMENTS(action_names); i++)
		if (strcasecmp(text, action_names[i]) == 0) {
			*out = (pf_action)i;
			return 0;
		}
	return -1;
}

const char *
pf_mode_name(pf_mode mode)
{
	if ((unsigned)mode < G_N_ELEMENTS(mode_names))
		return mode_names[mode];
	return "unknown";
}

pf_mode
pf_config_check_mode(const pf_config *cfg, pf_check_id id)
{
	const pf_check *check = pf_check_get(id);

	return check && check->mode ? *check->mode((pf_config *)cfg) :
	    PF_MODE_OFF;
}

static void *
field(pf_config *cfg, const conf_key *k)
{
	return (char *)cfg + k->offset;
}

static int
parse_size(const char *text, unsigned long long *out)
{
	char *end;
	unsigned long long v, mult = 1;

	errno = 0;
	if (*text == '-' || *text == '\0')
		return -1;
	v = strtoull(text, &end, 10);
	if (errno != 0 || end == text)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K': mult = 1ULL << 10; end++; break;
	case 'm': case 'M': mult = 1ULL << 20; end++; break;
	case 'g': case 'G': mult = 1ULL << 30; end++; break;
	default:
		return -1;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end != '\0' || (v != 0 && mult > ULLONG_MAX / v))
		return -1;
	*out = v * mult;
	return 0;
}

int
pf_parse_size(const char *text, unsigned long long *out)
{
	return parse_size(text, out);
}

static int
parse_bool(const char *text, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (unsigned i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -1;
}

/* Set one key from its text; on error append the reason to why. */
static int
conf_set(pf_config *cfg, const conf_key *k, const char *value, GString *why)
{
	void *p = field(cfg, k);
	unsigned long long n;
	char *end;

	switch (k->type) {
	case CT_STR:
		g_free(*(char **)p);
		*(char **)p = *value ? g_strdup(value) : NULL;
		return 0;
	case CT_BOOL:
		if (parse_bool(value, (bool *)p) == 0)
			return 0;
		g_string_append(why, "expected yes or no");
		return -1;
	case CT_UINT:
	case CT_OCTAL:
		errno = 0;
		n = strtoull(value, &end, k->type == CT_OCTAL ? 8 : 10);
		if (errno || end == value || *end || *value == '-') {
			g_string_append(why, k->type == CT_OCTAL ?
			    "expected an octal number such as 0660" :
			    "expected a whole number");
			return -1;
		}
		if (n < k->min || n > k->max) {
			g_string_append_printf(why, "must be from %llu to %llu",
					       k->min, k->max);
			return -1;
		}
		*(unsigned long *)p = (unsigned long)n;
		return 0;
	case CT_SIZE:
		if (parse_size(value, &n) < 0) {
			g_string_append(why,
			    "expected a size such as 10485760, 512K or 25M");
			return -1;
		}
		if (n < k->min || n > k->max) {
			g_string_append_printf(why, "must be from %llu to %llu",
					       k->min, k->max);
			return -1;
		}
		*(unsigned long long *)p = n;
		return 0;
	case CT_MODE:
		for (unsigned i = 0; i < G_N_ELEMENTS(mode_names); i++)
			if (strcasecmp(value, mode_names[i]) == 0) {
				*(pf_mode *)p = (pf_mode)i;
				return 0;
			}
		g_string_append(why, "expected off, monitor or enforce");
		return -1;
	case CT_ACTION:
		if (pf_action_parse(value, (pf_action *)p) == 0)
			return 0;
		g_string_append(why, "expected accept, annotate, quarantine, "
				"tempfail or reject");
		return -1;
	}
	pf_panic("conf_set: bad key type %d", k->type);
}

static const conf_key *
conf_find(const char *section, const char *name)
{
	for (size_t i = 0; i < N_KEYS; i++)
		if (strcasecmp(conf_keys[i].section, section) == 0 &&
		    strcasecmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

static pf_config *
config_defaults(void)
{
	pf_config *cfg = g_new0(pf_config, 1);
	GString *why = g_string_new(NULL);

	cfg->refcount = 1;
	for (size_t i = 0; i < N_KEYS; i++)
		if (conf_set(cfg, &conf_keys[i], conf_keys[i].def, why) < 0)
			pf_panic("default of %s.%s: %s", conf_keys[i].section,
				 conf_keys[i].name, why->str);
	g_string_free(why, TRUE);
	return cfg;
}

/* The defaults, prepared by the checks as a loaded file would be. */
pf_config *
pf_config_defaults(void)
{
	pf_config *cfg = config_defaults();
	GString *err = g_string_new(NULL);

	if (pf_checks_configure(cfg, err) < 0)
		pf_panic("default configuration: %s", err->str);
	g_string_free(err, TRUE);
	return cfg;
}

/* inih reader that counts lines, so that every handler call knows its line. */
typedef struct conf_parse {
	FILE *fp;
	const char *path;
	unsigned lineno;
	bool continued;			/* the line read starts with blanks */
	const conf_key *last;		/* key of the previous handler call */
	pf_config *cfg;
	GString *err;
	int errors;
} conf_parse;

static char *
conf_reader(char *buf, int size, void *stream)
{
	conf_parse *cp = stream;
	char *s = fgets(buf, size, cp->fp);

	if (s != NULL) {
		cp->lineno++;
		cp->continued = (*s == ' ' || *s == '\t');
	}
	return s;
}

static int
conf_handler(void *user, const char *section, const char *name,
	     const char *value)
{
	conf_parse *cp = user;
	const conf_key *k;
	GString *why;

	if (name == NULL)	/* a section header */
		return 1;
	if ((k = conf_find(section, name)) == NULL) {
		g_string_append_printf(cp->err, "%s:%u: unknown key \"%s\" in "
		    "section [%s]\n", cp->path, cp->lineno, name,
		    *section ? section : "(none)");
		cp->errors++;
		return 1;
	}
	why = g_string_new(NULL);
	if (cp->continued && k == cp->last && k->type == CT_STR) {
		/* an indented line continues a long string value */
		char **p = field(cp->cfg, k);
		char *joined = g_strdup_printf("%s %s", *p ? *p : "", value);

		g_free(*p);
		*p = joined;
		g_string_free(why, TRUE);
		return 1;
	}
	cp->last = k;
	if (conf_set(cp->cfg, k, value, why) < 0) {
		g_string_append_printf(cp->err, "%s:%u: %s.%s = \"%s\": %s\n",
		    cp->path, cp->lineno, k->section, k->name, value, why->str);
		cp->errors++;
	}
	g_string_free(why, TRUE);
	return 1;
}

pf_config *
pf_config_load(const char *path, GString *err)
{
	FILE *fp;
	pf_config *cfg;

	if ((fp = fopen(path, "r")) == NULL) {
		g_string_append_printf(err, "%s: cannot open: %s\n", path,
				       strerror(errno));
		return NULL;
	}
	cfg = pf_config_load_fp(fp, path, err);
	fclose(fp);
	return cfg;
}

pf_config *
pf_config_load_fp(FILE *fp, const char *path, GString *err)
{
	conf_parse cp = {0};
	int rc;

	cp.fp = fp;
	cp.path = path;
	cp.err = err;
	cp.cfg = config_defaults();
	cp.cfg->path = g_strdup(path);
	rc = ini_parse_stream(conf_reader, &cp, conf_handler, &cp);
	if (rc > 0) {
		/* inih's own syntax errors: a line that is neither key nor section */
		g_string_append_printf(err, "%s:%d: syntax error: expected "
		    "\"key = value\" or \"[section]\"\n", path, rc);
		cp.errors++;
	} else if (rc < 0) {
		g_string_append_printf(err, "%s: cannot read\n", path);
		cp.errors++;
	}
	if (cp.errors == 0 && pf_dns_configure(cp.cfg, err) < 0)
		cp.errors++;
	if (cp.errors == 0 && pf_checks_configure(cp.cfg, err) < 0)
		cp.errors++;
	if (cp.errors) {
		pf_config_unref(&cp.cfg);
		return NULL;
	}
	return cp.cfg;
}

pf_config *
pf_config_ref(pf_config *cfg)
{
	if (cfg == NULL)
		return NULL;
	g_atomic_int_inc(&cfg->refcount);
	return cfg;
}

void
pf_config_unref(pf_config **cfgp)
{
	pf_config *cfg;

	if (cfgp == NULL || (cfg = *cfgp) == NULL)
		return;
	*cfgp = NULL;
	if (!g_atomic_int_dec_and_test(&cfg->refcount))
		return;
	pf_checks_unconfigure(cfg);
	pf_resolver_free(&cfg->dns.resolver);
	for (size_t i = 0; i < N_KEYS; i++)
		if (conf_keys[i].type == CT_STR)
			g_free(*(char **)field(cfg, &conf_keys[i]));
	g_free(cfg->path);
	g_free(cfg);
}

static void
conf_format(const pf_config *cfg, const conf_key *k, GString *out)
{
	const void *p = (const char *)cfg + k->offset;
	unsigned long long n;

	switch (k->type) {
	case CT_STR:
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
		      "# Generated from the key table in policy/config.c by\n"
		      "# \"preflight config --sample\"; every key is shown with "
		      "its default.\n"
		      "# See preflight.conf(5).\n", fp);
	for (size_t i = 0; i < N_KEYS; i++) {
		const conf_key *k = &conf_keys[i];

		if (section == NULL || strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(fp, "%s[%s]\n", annotated || i ? "\n" : "",
				section);
		}
		g_string_truncate(value, 0);
		conf_format(cfg, k, value);
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
