/*
 * NAME
 *	config_keys - the one table of preflight.conf's keys, their
 *	defaults and their documentation (see config_keys.h)
 */
#include "core/config_keys.h"

#define OFF(field) offsetof(pf_config, field)

/* The one place where keys, defaults and documentation live. */
const conf_key pf_conf_keys[] = {
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
	 "body (the record: preflight-audit(5)). Created with mode 0640; "
	 "reopened on SIGUSR1 and SIGHUP, for log rotation. Empty: off."},

	{"metrics", "listen", CT_LISTEN, OFF(metrics_listen), "", 0, 0,
	 "Address and port where preflight-milter serves Prometheus metrics "
	 "over HTTP at /metrics: ADDRESS:PORT or [IPV6-ADDRESS]:PORT with a "
	 "numeric address, e.g. 127.0.0.1:9469. Read at start only. Empty: "
	 "off (nothing is counted)."},

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
	 "that read headers see only the ones kept; author, DKIM-signed and "
	 "Authentication-Results fields are kept wherever they stand (64 at "
	 "most past the limit, more: from.header-overflow)."},

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
	 "and this bound. A failed lookup is held 5 s (doubling while it "
	 "keeps failing, at most 60 s): asked again meanwhile, it fails at "
	 "once."},

	{"dnsbl", "ip_lists", CT_STR, OFF(dnsbl.ip_lists), "", 0, 0,
	 "DNS blocklists (RFC 5782) the relay's egress IPs are looked up in "
	 "by preflight check-domain, zone names separated by blanks, e.g. "
	 "\"zen.spamhaus.org b.barracudacentral.org bl.spamcop.net\" (with a "
	 "Spamhaus DQS key: KEY.zen.dq.spamhaus.net). Spamhaus refuses "
	 "queries through public resolvers: use your own. Empty: none."},
	{"dnsbl", "domain_lists", CT_STR, OFF(dnsbl.domain_lists), "", 0, 0,
	 "Domain blocklists the checked domains are looked up in, e.g. "
	 "\"dbl.spamhaus.org multi.uribl.com\". Empty: none."},

	{"dnsbl", "interval", CT_UINT, OFF(dnsbl.interval), "0", 0, 86400,
	 "Seconds between the daemon's background rechecks of the egress "
	 "IPs in ip_lists, and of their PTR, forward confirmation and HELO "
	 "name (the reputation watch; never per message). A change is "
	 "logged as one line. 0: no watch."},
	{"dnsbl", "listed_action", CT_STR, OFF(dnsbl.listed_action),
	 "monitor", 0, 0,
	 "While the watch finds an egress IP listed: tempfail (mail waits in "
	 "the queue, 451 4.7.1 naming the list, the IP and the delisting "
	 "fix), annotate (relayed with the finding), or monitor (logged in "
	 "each decision line as dnsbl.listed=ZONE)."},

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
	 "off, monitor (log only) or enforce: From and Sender are read once, "
	 "strictly, from the raw bytes; several From headers, several or no "
	 "mailboxes, an address without a domain, a header other parsers "
	 "read differently, or a display name showing another address are "
	 "findings."},
	{"from", "action", CT_ACTION, OFF(from.action), "reject", 0, 0,
	 "Action for a malformed From header (550 5.6.0) or several From "
	 "headers or mailboxes (550 5.7.1)."},
	{"from", "ambiguous_action", CT_ACTION, OFF(from.ambiguous_action),
	 "reject", 0, 0,
	 "Action when From or Sender can be read more than one way "
	 "(from.ambiguous, 550 5.7.1): \";\" between mailboxes, comments "
	 "holding addresses, group or obsolete syntax (\"From :\"), quoted "
	 "local parts holding @ or <, control bytes, NUL, a bare CR in any "
	 "header, 8-bit bytes without RFC 2047 or SMTPUTF8, encoded words "
	 "decoding to address syntax, a trailing dot in the domain."},
	{"from", "display_action", CT_ACTION, OFF(from.display_action),
	 "reject", 0, 0,
	 "Action when the display name of From, Sender or Reply-To shows an "
	 "address or domain other than the real one, also through Unicode "
	 "look-alikes (UTS #39), or when the address's own domain is a "
	 "look-alike (from.display-spoof, 550 5.7.1)."},
	{"from", "remove_auth_results", CT_BOOL, OFF(from.remove_auth_results),
	 "yes", 0, 0,
	 "Remove every Authentication-Results header the sender wrote under "
	 "preflight's authserv-id (RFC 8601 section 5) before relaying, and "
	 "log it (from.auth-results-removed)."},
	{"from", "sasl_senders", CT_STR, OFF(from.sasl_senders), "", 0, 0,
	 "Table of SASL login -> From addresses or domains it may use "
	 "(\"alice alice@example.com @example.org\"; @domain or a bare domain "
	 "allows the whole domain). Logins not in the table and mail without "
	 "SASL login are not checked. Empty: off."},
	{"from", "identity_action", CT_ACTION, OFF(from.identity_action),
	 "reject", 0, 0,
	 "Action when a SASL user sends with a From (or Sender) address the "
	 "sasl_senders table does not allow (550 5.7.1)."},

	{"domain", "mode", CT_MODE, OFF(domain.mode), "off", 0, 0,
	 "off, monitor (log only) or enforce: every recipient's domain is "
	 "looked up at RCPT (MX, else A/AAAA) and a domain that does not "
	 "exist (NXDOMAIN), publishes a null MX (RFC 7505) or has no mail "
	 "host is refused for that recipient only; the MAIL FROM domain (at "
	 "MAIL) and the From domain (after the headers) must exist (SOA "
	 "lookup). Off by default: it needs a resolver that can reach the "
	 "Internet's DNS."},
	{"domain", "recipient_action", CT_ACTION, OFF(domain.recipient_action),
	 "reject", 0, 0,
	 "Action for a recipient whose domain does not exist or has no mail "
	 "host (550 5.1.2) or publishes a null MX (556 5.1.10); tempfail "
	 "gives 450."},
	{"domain", "sender_action", CT_ACTION, OFF(domain.sender_action),
	 "reject", 0, 0,
	 "Action for mail whose MAIL FROM or From domain does not exist "
	 "(550 5.1.8): receivers such as Yahoo refuse it."},
	{"domain", "dns_error_action", CT_ACTION, OFF(domain.dns_error_action),
	 "accept", 0, 0,
	 "When the DNS does not answer (timeout, SERVFAIL): accept (the "
	 "receiving side will find out) or tempfail (451 4.4.3, the MTA "
	 "retries). DNS trouble never refuses."},
	{"domain", "typo_hints", CT_BOOL, OFF(domain.typo_hints), "no", 0, 0,
	 "Compare recipient domains with a built-in list of large mailbox "
	 "providers (gmail.com, outlook.com, yahoo.com, ...): a domain one "
	 "typing mistake away (gmial.com) gets a \"did you mean\" in its "
	 "refusal, and if it exists, typo_action."},
	{"domain", "typo_action", CT_ACTION, OFF(domain.typo_action), "reject",
	 0, 0,
	 "Action for a recipient domain that exists but is one typing "
	 "mistake away from a large provider's (with typo_hints = yes): "
	 "reject (550 5.1.2), tempfail, or annotate (logged only)."},

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
	{"dkim", "rotation_delay", CT_UINT, OFF(dkim.rotation_delay),
	 "172800", 0, 31536000,
	 "Seconds between the first key check that finds a rotated key's new "
	 "selector published and matching and the switch to it (\"preflight "
	 "dkim rotate\"), so that DNS secondaries and receivers' caches have "
	 "it first."},
	{"dkim", "key_check_action", CT_ACTION, OFF(dkim.key_check_action),
	 "tempfail", 0, 0,
	 "Action for mail that would be signed with a key whose published "
	 "record is missing, revoked, of the wrong k=/h=/s=, another key or "
	 "this key in an encoding verifiers reject (451 4.7.5)."},
	{"dkim", "unsafe_body_action", CT_REPAIR, OFF(dkim.unsafe_body_action),
	 "reencode", 0, 0,
	 "What to do with mail to be signed whose body a relay would rewrite "
	 "after signing (lines over 998 octets, 8-bit data in a MIME part "
	 "not declared 8bit or binary, bare CR or LF). reencode (the "
	 "default) re-encodes each such part (text quoted-printable, or "
	 "base64 when quoted-printable would grow it by more than a third; "
	 "other parts base64), changes its Content-Transfer-Encoding and "
	 "nothing else, and signs the new body; a message without "
	 "MIME-Version gets the MIME headers of one encoded part. Where that "
	 "cannot be done (a part under multipart/signed, a body over "
	 "max_scan_size) the mail is tempfailed, 451 4.6.0. Or an action: "
	 "tempfail (451 4.6.0 for every such body), accept (sign anyway)."},

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
	{"dmarc", "org_domain", CT_STR, OFF(dmarc.org_domain), "treewalk", 0,
	 0,
	 "How the organisational domain and the policy are found: treewalk "
	 "(RFC 9989: a DNS tree walk of at most 8 lookups, psd=, np=, t=y; "
	 "pct is ignored) or psl (RFC 7489 with the Public Suffix List, sp, "
	 "pct). The other model is computed too: when the two disagree on "
	 "the organisational domain (where the message needs it) or the "
	 "outcome, the decision line and the audit record say so "
	 "(dmarc.psl_differs)."},
	{"dmarc", "honour_pct", CT_BOOL, OFF(dmarc.honour_pct), "yes", 0, 0,
	 "With org_domain = psl and pct below 100, apply the policy's action "
	 "to that percentage of failing messages (chosen at random, as "
	 "receivers do) and annotate the rest. RFC 9989 has no pct: with "
	 "treewalk, t=y applies the policy one level lower instead."},
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
	{"structure", "long_line_action", CT_REPAIR,
	 OFF(structure.long_line_action), "reencode", 0, 0,
	 "What to do with a header or body line over 998 octets (RFC 5322 "
	 "2.1.1; MTAs split or refuse it). reencode (the default) re-encodes "
	 "each MIME part with such lines as [dkim] unsafe_body_action = "
	 "reencode does and relays the repaired message; a long header line, "
	 "or a body that cannot be repaired, is rejected, 550 5.6.0. Or an "
	 "action: reject (550 5.6.0 for every such message) or a milder "
	 "one."},
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
	{"rate", "mode", CT_MODE, OFF(rate.mode), "enforce", 0, 0,
	 "off, monitor (log only) or enforce. Every limit below is off until "
	 "set; with none set (and no overrides) no store is touched."},
	{"rate", "user_messages", CT_STR, OFF(rate.limit_text[0][0]), "", 0, 0,
	 "Limit on messages (counted at MAIL FROM) per SASL user "
	 "({auth_authen}; none for unauthenticated mail): "
	 "COUNT/PERIOD[:BURST] (e.g. 100/h:20: "
	 "20 at once, then 100 an hour; BURST defaults to COUNT). Empty or "
	 "off: no limit."},
	{"rate", "user_messages_action", CT_ACTION,
	 OFF(rate.limit_action[0][0]), "tempfail", 0, 0,
	 "Action over user_messages: tempfail (451 4.7.28, the MTA retries), "
	 "reject (550 5.7.28), quarantine (hold) or annotate."},
	{"rate", "user_recipients", CT_STR, OFF(rate.limit_text[0][1]), "", 0, 0,
	 "Limit on recipients (counted at each RCPT TO) per SASL user "
	 "({auth_authen}; none for unauthenticated mail): "
	 "COUNT/PERIOD[:BURST] (e.g. 100/h:20: "
	 "20 at once, then 100 an hour; BURST defaults to COUNT). Empty or "
	 "off: no limit."},
	{"rate", "user_recipients_action", CT_ACTION,
	 OFF(rate.limit_action[0][1]), "tempfail", 0, 0,
	 "Action over user_recipients: tempfail (451 4.7.28, the MTA retries), "
	 "reject (550 5.7.28), quarantine (hold) or annotate."},
	{"rate", "sender_messages", CT_STR, OFF(rate.limit_text[1][0]), "", 0, 0,
	 "Limit on messages (counted at MAIL FROM) per envelope sender "
	 "address (MAIL FROM, lower-cased; none for <>): "
	 "COUNT/PERIOD[:BURST] (e.g. 100/h:20: "
	 "20 at once, then 100 an hour; BURST defaults to COUNT). Empty or "
	 "off: no limit."},
	{"rate", "sender_messages_action", CT_ACTION,
	 OFF(rate.limit_action[1][0]), "tempfail", 0, 0,
	 "Action over sender_messages: tempfail (451 4.7.28, the MTA retries), "
	 "reject (550 5.7.28), quarantine (hold) or annotate."},
	{"rate", "sender_recipients", CT_STR, OFF(rate.limit_text[1][1]), "", 0, 0,
	 "Limit on recipients (counted at each RCPT TO) per envelope sender "
	 "address (MAIL FROM, lower-cased; none for <>): "
	 "COUNT/PERIOD[:BURST] (e.g. 100/h:20: "
	 "20 at once, then 100 an hour; BURST defaults to COUNT). Empty or "
	 "off: no limit."},
	{"rate", "sender_recipients_action", CT_ACTION,
	 OFF(rate.limit_action[1][1]), "tempfail", 0, 0,
	 "Action over sender_recipients: tempfail (451 4.7.28, the MTA "
	 "retries), "
	 "reject (550 5.7.28), quarantine (hold) or annotate."},
	{"rate", "domain_messages", CT_STR, OFF(rate.limit_text[2][0]), "", 0, 0,
	 "Limit on messages (counted at MAIL FROM) per envelope sender's "
	 "domain: COUNT/PERIOD[:BURST] (e.g. 100/h:20: "
	 "20 at once, then 100 an hour; BURST defaults to COUNT). Empty or "
	 "off: no limit."},
	{"rate", "domain_messages_action", CT_ACTION,
	 OFF(rate.limit_action[2][0]), "tempfail", 0, 0,
	 "Action over domain_messages: tempfail (451 4.7.28, the MTA retries), "
	 "reject (550 5.7.28), quarantine (hold) or annotate."},
	{"rate", "domain_recipients", CT_STR, OFF(rate.limit_text[2][1]), "", 0, 0,
	 "Limit on recipients (counted at each RCPT TO) per envelope "
	 "sender's domain: COUNT/PERIOD[:BURST] (e.g. 100/h:20: "
	 "20 at once, then 100 an hour; BURST defaults to COUNT). Empty or "
	 "off: no limit."},
	{"rate", "domain_recipients_action", CT_ACTION,
	 OFF(rate.limit_action[2][1]), "tempfail", 0, 0,
	 "Action over domain_recipients: tempfail (451 4.7.28, the MTA "
	 "retries), "
	 "reject (550 5.7.28), quarantine (hold) or annotate."},
	{"rate", "ip_messages", CT_STR, OFF(rate.limit_text[3][0]), "", 0, 0,
	 "Limit on messages (counted at MAIL FROM) per client IP address: "
	 "COUNT/PERIOD[:BURST] (e.g. 100/h:20: "
	 "20 at once, then 100 an hour; BURST defaults to COUNT). Empty or "
	 "off: no limit."},
	{"rate", "ip_messages_action", CT_ACTION,
	 OFF(rate.limit_action[3][0]), "tempfail", 0, 0,
	 "Action over ip_messages: tempfail (451 4.7.28, the MTA retries), "
	 "reject (550 5.7.28), quarantine (hold) or annotate."},
	{"rate", "ip_recipients", CT_STR, OFF(rate.limit_text[3][1]), "", 0, 0,
	 "Limit on recipients (counted at each RCPT TO) per client IP "
	 "address: COUNT/PERIOD[:BURST] (e.g. 100/h:20: "
	 "20 at once, then 100 an hour; BURST defaults to COUNT). Empty or "
	 "off: no limit."},
	{"rate", "ip_recipients_action", CT_ACTION,
	 OFF(rate.limit_action[3][1]), "tempfail", 0, 0,
	 "Action over ip_recipients: tempfail (451 4.7.28, the MTA retries), "
	 "reject (550 5.7.28), quarantine (hold) or annotate."},
	{"rate", "count_refused", CT_BOOL, OFF(rate.count_refused), "no", 0, 0,
	 "Count refused messages and recipients (by a limit or another check) "
	 "too: a client that keeps trying keeps its bucket full. no: only "
	 "what is accepted counts."},
	{"rate", "overrides", CT_STR, OFF(rate.overrides), "", 0, 0,
	 "Table of per-key limits: lines \"KEY messages=RATE recipients=RATE\" "
	 "where KEY is a user, sender address, domain or IP, optionally "
	 "written kind:KEY (user:alice, domain:example.com) to apply to one "
	 "kind only; RATE as above or off. Empty: none."},
	{"rate", "max_keys", CT_UINT, OFF(rate.max_keys), "100000", 1,
	 100000000,
	 "Keys the in-process store keeps (about 100 bytes each); the least "
	 "recently used are dropped first."},
	{"rate", "redis", CT_STR, OFF(rate.redis), "", 0, 0,
	 "Keep buckets in Redis instead of in the process, shared by every "
	 "milter using it: redis://host:port/db, rediss://host:port/db (TLS) "
	 "or unix:/path[?db=N]. Empty: in-process."},
	{"rate", "redis_password", CT_STR, OFF(rate.redis_password), "", 0, 0,
	 "Password for Redis AUTH; empty: none."},
	{"rate", "redis_tls_ca_file", CT_STR, OFF(rate.redis_tls_ca_file), "",
	 0, 0,
	 "With rediss://: the CA certificates (PEM) that sign the Redis "
	 "server's certificate, which must name the URL's host. Empty: the "
	 "system's trusted CAs."},
	{"rate", "redis_tls_cert_file", CT_STR, OFF(rate.redis_tls_cert_file),
	 "", 0, 0,
	 "With rediss://: a client certificate (PEM) to present, for a server "
	 "with tls-auth-clients; with redis_tls_key_file. Empty: none."},
	{"rate", "redis_tls_key_file", CT_STR, OFF(rate.redis_tls_key_file), "",
	 0, 0,
	 "The private key (PEM) of redis_tls_cert_file, readable by the "
	 "milter's user. Empty: none."},
	{"rate", "timeout", CT_UINT, OFF(rate.timeout), "50", 1, 10000,
	 "Milliseconds one store round trip may take; longer counts as the "
	 "store being unavailable."},
	{"rate", "pool_size", CT_UINT, OFF(rate.pool_size), "4", 1, 256,
	 "Redis connections kept open (shared by every connection thread)."},
	{"rate", "on_error", CT_ACTION, OFF(rate.on_error), "accept", 0, 0,
	 "When the store is unavailable: accept (limits not applied, said in "
	 "the decision line) or tempfail (451 4.3.0)."},
	{"rate", "user_recipient_domains", CT_STR, OFF(rate.domains_text), "",
	 0, 0,
	 "Compromise signal: a SASL user writing to more distinct recipient "
	 "domains than this, as COUNT/PERIOD[:BURST] (e.g. 30/10m), scores "
	 "user_recipient_domains_score (rate.many-domains, naming the "
	 "numbers). A domain counts once per PERIOD. Empty: off."},
	{"rate", "user_recipient_domains_score", CT_UINT,
	 OFF(rate.domains_score), "10", 0, 1000,
	 "Score of rate.many-domains (10 reaches the default "
	 "quarantine_score: the message is held)."},
	{"rate", "user_surge_factor", CT_UINT, OFF(rate.surge_factor), "0", 0,
	 1000,
	 "Compromise signal: a SASL user sending more than this many times "
	 "its own average (messages per user_surge_window over the "
	 "user_surge_history windows before) scores user_surge_score "
	 "(rate.surge, naming the numbers). 0: off."},
	{"rate", "user_surge_window", CT_UINT, OFF(rate.surge_window), "3600",
	 60, 86400, "Seconds in one window of the surge signal."},
	{"rate", "user_surge_history", CT_UINT, OFF(rate.surge_history), "24",
	 1, 168, "Windows before the current one that make the average."},
	{"rate", "user_surge_min", CT_UINT, OFF(rate.surge_min), "50", 1,
	 100000000,
	 "Messages in the current window below which there is no surge (a "
	 "new or quiet user)."},
	{"rate", "user_surge_score", CT_UINT, OFF(rate.surge_score), "10", 0,
	 1000,
	 "Score of rate.surge (10 reaches the default quarantine_score: "
	 "held)."},
	{"rate", "control_socket", CT_STR, OFF(rate.control_socket), "", 0, 0,
	 "Unix socket (mode 0600) where preflight-milter answers preflight "
	 "rate show/reset for its in-process buckets. Empty: none."},
};

const size_t pf_conf_nkeys = G_N_ELEMENTS(pf_conf_keys);
