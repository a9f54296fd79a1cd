/*
 * NAME
 *	config - preflight.conf: one table of keys, their defaults and docs
 * SYNOPSIS
 *	pf_config *pf_config_load(const char *path, GString *err);
 *	pf_config *pf_config_load_fp(FILE *fp, const char *path, GString *err);
 *	pf_config *pf_config_defaults(void);
 *	pf_config *pf_config_ref(pf_config *cfg);
 *	void pf_config_unref(pf_config **cfg);
 *	void pf_config_dump(const pf_config *cfg, FILE *fp, bool annotated);
 *	const char *pf_action_name(pf_action action);
 *	int pf_action_parse(const char *text, pf_action *out);
 *	const char *pf_mode_name(pf_mode mode);
 * DESCRIPTION
 *	Every key is declared once, in the table in config.c, with its
 *	section, type, default, bounds and documentation.  The parser, the
 *	"-n" check, the defaults dump and conf/preflight.conf (a test diffs
 *	them) all follow that table.
 *
 *	pf_config_load() returns a new configuration with one reference, or
 *	NULL with "file:line: message" lines appended to err (every error in
 *	the file, not just the first).  Tables named by the file are loaded
 *	and checked too.  A configuration is immutable once loaded and is
 *	shared between threads by reference counting: the milter swaps the
 *	current one on reload while messages in flight keep theirs.
 */
#ifndef PF_CONFIG_H
#define PF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <glib.h>

/* Actions, in increasing order of severity: the verdict is the maximum. */
typedef enum pf_action {
	PF_ACTION_NONE = 0,	/* result only adds score */
	PF_ACTION_ACCEPT,
	PF_ACTION_ANNOTATE,
	PF_ACTION_QUARANTINE,
	PF_ACTION_TEMPFAIL,
	PF_ACTION_REJECT,
} pf_action;

/*
 * An action that may first repair the body ("reencode", content/reencode.h):
 * with reencode set, action is what happens when the repair cannot be made
 * (PF_ACTION_NONE: the key's own fallback, named in its documentation).
 */
typedef struct pf_repair_action {
	bool reencode;
	pf_action action;
} pf_repair_action;

/* Per-check mode. */
typedef enum pf_mode {
	PF_MODE_OFF = 0,
	PF_MODE_MONITOR,
	PF_MODE_ENFORCE,
} pf_mode;

/* Check identities: one per check file, in the order they run. */
typedef enum pf_check_id {
	PF_CHECK_SIZE = 0,
	PF_CHECK_FROM,		/* From header syntax and SASL identity */
	PF_CHECK_DOMAIN,	/* sender and recipient domains exist */
	PF_CHECK_DNSBL,		/* the reputation watch's last answer */
	PF_CHECK_DKIM,		/* before SPF/DMARC: names the d= it signs */
	PF_CHECK_SPF,		/* after DKIM: reads msg->dkim_sign_domains */
	PF_CHECK_DMARC,		/* after SPF: reads its state */
	PF_CHECK_STRUCTURE,	/* content checks: parsed MIME (mime.h) */
	PF_CHECK_ATTACH,
	PF_CHECK_LINKS,
	PF_CHECK_TEXT,
	PF_CHECK_BULK,
	PF_CHECK_CONTENT,	/* receiver profiles: reads the others */
	PF_CHECK_RATE,		/* last: sees whether others refuse (rate.c) */
	PF_CHECK_COUNT
} pf_check_id;

typedef struct pf_table pf_table;	/* table.h */

typedef struct pf_size_conf {
	pf_mode mode;
	unsigned long long max_message_size;	/* bytes, 0 = no limit */
	unsigned long max_recipients;		/* 0 = no limit */
	pf_action action;			/* message too big */
	pf_action recipients_action;		/* too many recipients */
	char *overrides;			/* path of the per-domain table */
	pf_table *override_table;
} pf_size_conf;

typedef struct pf_resolver pf_resolver;	/* resolver.h */
typedef struct pf_spf pf_spf;		/* spf.h */

typedef struct pf_spf_conf {
	pf_mode mode;
	char *egress_ips;		/* "192.0.2.10 2001:db8::10" */
	char *helo_name;		/* the relay's HELO, for <> senders */
	pf_action fail_action;
	pf_action softfail_action;
	pf_action permerror_action;
	pf_action temperror_action;
	GPtrArray *egress;		/* char *, parsed egress_ips */
	pf_spf *server;			/* built at load (spf.h) */
} pf_spf_conf;

typedef struct pf_structure_conf {
	pf_mode mode;
	pf_repair_action long_line_action;	/* line over 998 octets */
	pf_action duplicate_action;		/* two Date/Message-ID/Subject */
	unsigned long header_8bit_score;
	unsigned long unterminated_score;
	unsigned long bad_encoding_score;
	unsigned long missing_date_score;
	unsigned long missing_message_id_score;
	unsigned long missing_subject_score;
	unsigned long unparsable_score;
} pf_structure_conf;

typedef struct pf_attach_conf {
	pf_mode mode;
	pf_action action;			/* every dangerous-file rule */
	char *dangerous_extensions;		/* words */
	unsigned long archive_max_entries;
	unsigned long long archive_max_size;
	unsigned long encrypted_archive_score;
	GHashTable *extensions;			/* from dangerous_extensions */
} pf_attach_conf;

typedef struct pf_links_conf {
	pf_mode mode;
	unsigned long mismatch_score;
	unsigned long ip_literal_score;
	unsigned long script_target_score;
	unsigned long shortener_score;
	char *shorteners;			/* words */
	unsigned long max_links;
	unsigned long too_many_score;
	GHashTable *shortener_set;
} pf_links_conf;

typedef struct pf_text_conf {
	pf_mode mode;
	unsigned long caps_subject_score;
	unsigned long exclamation_run;
	unsigned long exclamation_score;
	char *phrases;				/* path of the phrase file */
	unsigned long phrase_score;
	unsigned long html_only_score;
	unsigned long min_text_chars;
	unsigned long image_only_score;
	GPtrArray *phrase_list;			/* lower-case char * */
} pf_text_conf;

typedef struct pf_bulk_conf {
	pf_mode mode;
	unsigned long recipients;		/* this many or more: bulk */
	unsigned long no_unsubscribe_score;
	unsigned long not_https_score;
	unsigned long no_one_click_score;
} pf_bulk_conf;

typedef struct pf_content_conf {
	pf_mode mode;
	char *profiles;				/* words: gmail yahoo microsoft */
	bool profiles_all_recipients;
	pf_action profile_action;
	unsigned long profile_score;
	unsigned long max_parts;
	unsigned long max_depth;
	char *overrides;			/* per-sender-domain table */
	pf_table *override_table;
	unsigned profile_mask;			/* from profiles */
} pf_content_conf;

typedef struct pf_dkim_keys pf_dkim_keys;	/* dkim.h */

typedef struct pf_dkim_conf {
	pf_mode mode;
	char *domain;			/* simple form: one domain ... */
	char *selector;			/* ... its selector ... */
	char *key_file;			/* ... and key */
	char *selector2;		/* optional second key (dual signing) */
	char *key_file2;
	char *key_table;		/* OpenDKIM KeyTable */
	char *signing_table;		/* OpenDKIM SigningTable */
	char *internal_hosts;		/* client networks whose mail is signed */
	char *sign_by;			/* "from" or "envelope" */
	char *canonicalization;		/* "relaxed/relaxed" */
	char *signed_headers;		/* header names, blank separated */
	char *oversign_headers;
	unsigned long min_key_bits;
	unsigned long key_check_interval;	/* seconds, 0: never */
	pf_action key_check_action;	/* published key missing/different */
	pf_repair_action unsafe_body_action; /* body a relay would rewrite */
	unsigned long rotation_delay;	/* seconds a new key is seen first */
	pf_dkim_keys *keys;		/* loaded by configure() */
} pf_dkim_conf;

typedef struct pf_dmarc_conf {
	pf_mode mode;
	pf_action reject_action;	/* p=reject and DMARC fails */
	pf_action quarantine_action;	/* p=quarantine and DMARC fails */
	pf_action temperror_action;
	bool honour_pct;
	bool auth_results;		/* add Authentication-Results */
	char *psl_file;			/* or the built-in list */
	void *psl;			/* psl_ctx_t, built at load */
	char *org_domain;		/* "treewalk" or "psl" */
	int model;			/* pf_dmarc_model, set at load */
} pf_dmarc_conf;

typedef struct pf_from_conf {
	pf_mode mode;
	pf_action action;		/* malformed From */
	pf_action display_action;	/* display-name spoofing */
	pf_action ambiguous_action;	/* more than one reading */
	bool remove_auth_results;	/* forged ones under our authserv-id */
	char *sasl_senders;		/* table: user -> addresses/domains */
	pf_action identity_action;
	pf_table *sasl_table;
} pf_from_conf;

typedef struct pf_domain_conf {
	pf_mode mode;
	pf_action recipient_action;	/* NXDOMAIN, null MX, no mail host */
	pf_action sender_action;	/* MAIL FROM or From domain NXDOMAIN */
	pf_action dns_error_action;	/* accept or tempfail */
	bool typo_hints;		/* gmial.com: did you mean gmail.com */
	pf_action typo_action;		/* an existing look-alike domain */
} pf_domain_conf;

typedef struct pf_dnsbl_conf {
	char *ip_lists;			/* zones, for the egress IPs */
	char *domain_lists;		/* zones, for domains */
	unsigned long interval;		/* seconds between rechecks, 0: off */
	char *listed_action;		/* tempfail, annotate or monitor */
	pf_mode mode;			/* from interval, listed_action */
	pf_action action;		/* from listed_action */
} pf_dnsbl_conf;

typedef struct pf_rate_store pf_rate_store;	/* limits/store.h */

/* Rate limits: [kind][metric], kind user, sender, domain, ip; metric
 * messages, recipients (limits/rate.c). */
#define PF_RATE_KINDS 4
#define PF_RATE_METRICS 2

typedef struct pf_rate_limit_conf {
	unsigned long count;		/* parsed from text; 0: off */
	int64_t period_us;
	unsigned long burst;
} pf_rate_limit_conf;

typedef struct pf_rate_conf {
	pf_mode mode;
	char *limit_text[PF_RATE_KINDS][PF_RATE_METRICS];	/* "100/h:20" */
	pf_action limit_action[PF_RATE_KINDS][PF_RATE_METRICS];
	bool count_refused;		/* refused attempts count too */
	char *overrides;		/* per-key table */
	unsigned long max_keys;		/* in-process store bound */
	char *redis;			/* redis://host:port/db, unix:/path */
	char *redis_password;
	char *redis_tls_ca_file;	/* rediss://: CAs (empty: system's) */
	char *redis_tls_cert_file;	/* client certificate, and key */
	char *redis_tls_key_file;
	unsigned long timeout;		/* ms per store round trip */
	unsigned long pool_size;	/* Redis connections */
	pf_action on_error;		/* store unavailable */
	char *control_socket;		/* milter: preflight rate for memory */
	char *domains_text;		/* distinct rcpt domains per user */
	unsigned long domains_score;
	pf_rate_limit_conf domains;	/* parsed domains_text */
	unsigned long surge_factor;	/* 0: off */
	unsigned long surge_window;	/* seconds */
	unsigned long surge_history;	/* windows averaged */
	unsigned long surge_min;	/* messages in the window at least */
	unsigned long surge_score;
	/* built by configure() */
	pf_rate_limit_conf limit[PF_RATE_KINDS][PF_RATE_METRICS];
	pf_table *override_table;
	bool active;			/* some limit or override set */
	pf_mode run_mode;		/* mode, or off when not active */
	pf_rate_store *store;		/* NULL unless active */
} pf_rate_conf;

typedef struct pf_dns_conf {
	char *upstreams;			/* "addr[@port] ...", or NULL */
	char *config_file;			/* unbound.conf-style, or NULL */
	char *trust_anchor_file;		/* DNSSEC, or NULL */
	unsigned long timeout;			/* ms per lookup */
	pf_resolver *resolver;			/* built at load (resolver.h) */
} pf_dns_conf;

typedef struct pf_config {
	int refcount;
	char *path;			/* file it came from, or NULL */

	/* [milter] */
	char *socket;
	char *user;
	char *group;
	char *pidfile;
	unsigned long socket_mode;
	unsigned long milter_timeout;	/* seconds, libmilter I/O timeout */
	char *syslog_facility;
	char *syslog_ident;
	char *audit_log;

	/* [metrics] */
	char *metrics_listen;		/* ADDRESS:PORT for /metrics, or NULL */

	/* [policy] */
	bool monitor;
	pf_action on_internal_error;
	unsigned long annotate_score;
	unsigned long quarantine_score;
	unsigned long reject_score;
	char *header_name;
	bool header_on_accept;
	char *authserv_id;
	unsigned long long max_scan_size;	/* bytes of body kept for content checks */
	unsigned long long max_header_size;	/* bytes of header fields kept */

	/* [dns] */
	pf_dns_conf dns;

	/* [dnsbl] */
	pf_dnsbl_conf dnsbl;

	/* one section per check */
	pf_size_conf size;
	pf_from_conf from;
	pf_domain_conf domain;
	pf_dkim_conf dkim;
	pf_spf_conf spf;
	pf_dmarc_conf dmarc;
	pf_structure_conf structure;
	pf_attach_conf attach;
	pf_links_conf links;
	pf_text_conf text;
	pf_bulk_conf bulk;
	pf_content_conf content;
	pf_rate_conf rate;
} pf_config;

pf_config *pf_config_load(const char *path, GString *err);
pf_config *pf_config_load_fp(FILE *fp, const char *path, GString *err);
pf_config *pf_config_defaults(void);
pf_config *pf_config_ref(pf_config *cfg);
void pf_config_unref(pf_config **cfg);
void pf_config_dump(const pf_config *cfg, FILE *fp, bool annotated);
pf_mode pf_config_check_mode(const pf_config *cfg, pf_check_id id);

int pf_parse_size(const char *text, unsigned long long *out);

const char *pf_action_name(pf_action action);
int pf_action_parse(const char *text, pf_action *out);
const char *pf_mode_name(pf_mode mode);

#endif
