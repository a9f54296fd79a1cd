/*
 * NAME
 *	dkim_rotate - DKIM key rotation without a gap: the state file beside
 *	the keys (dkim_rotate_state.c) and the switch the daemon makes
 *	(dkim_rotate.c)
 * SYNOPSIS
 *	#include "auth/dkim_rotate.h"
 *
 *	char *pf_dkim_rotation_path(const char *key_path);
 *	int pf_dkim_rotation_state_parse(const char *path, const char *text,
 *					 pf_dkim_rotation_state *st,
 *					 GString *err);
 *	int pf_dkim_rotation_state_load(const char *path,
 *					pf_dkim_rotation_state *st,
 *					GString *err);
 *	char *pf_dkim_rotation_state_format(const pf_dkim_rotation_state *st);
 *	int pf_dkim_rotation_state_save(const char *path,
 *					const pf_dkim_rotation_state *st,
 *					const struct stat *owner, GString *err);
 *	void pf_dkim_rotation_state_clear(pf_dkim_rotation_state *st);
 *	pf_dkim_rot_step pf_dkim_rotation_decide(pf_dkim_rotation_state *st,
 *					pf_dkim_pub pub, time_t now,
 *					unsigned long delay, bool *changed);
 *	char *pf_dkim_fingerprint(const char *p);
 *	char *pf_dkim_time_text(time_t t);
char *pf_dkim_record_zone(const char *selector, const char *domain,
			  const char *record);
 *	char *pf_dkim_record_zone(const char *selector, const char *domain,
 *				  const char *record);
 *
 *	int pf_dkim_rotation_attach(pf_dkim_keys *keys, pf_dkim_key *key,
 *				    const pf_dkim_conf *dc, GString *err);
 *	void pf_dkim_rotation_free(pf_dkim_rotation **rot);
 *	pf_dkim_key *pf_dkim_rotation_active(pf_dkim_key *key);
 *	void pf_dkim_rotation_act(bool act);
 *	pf_dkim_rot_step pf_dkim_rotation_poll(pf_dkim_rotation *rot,
 *					pf_resolver *r, unsigned interval);
 *	pf_dkim_rot_step pf_dkim_rotation_poll_via(pf_dkim_rotation *rot,
 *					pf_dkim_txt_lookup lookup, void *arg,
 *					unsigned interval, time_t now);
 *	void pf_dkim_rotation_report(pf_dkim_rotation *rot, FILE *out,
 *				     time_t now);
 * DESCRIPTION
 *	A rotation belongs to one configured key (the simple form's key_file
 *	or a KeyTable entry).  Its state file is that key file's path with
 *	".rotation" appended (pf_dkim_rotation_path(), newly allocated).  It
 *	is text, one "name=value" a line, blank lines and "#" comments
 *	ignored:
 *	    domain=example.com          the key's d=
 *	    old_selector=s202606        the key that signs until the switch
 *	    old_key=/etc/preflight/s202606.pem
 *	    new_selector=s202612        the pending key
 *	    new_key=/etc/preflight/example.com.s202612.pem
 *	    started=2026-12-01T10:00:00Z   when "preflight dkim rotate" ran
 *	    seen=2026-12-01T12:00:00Z      first key check that found the new
 *	                                   record published and matching
 *	    switched=2026-12-03T12:00:05Z  when the daemon switched
 *	The last two are absent until they happen.  Times are ISO 8601 with
 *	a zone (written in UTC).  pf_dkim_rotation_state_parse() fills st
 *	from text and returns 0, or -1 with "path:line: ..." (or "path: ..."
 *	for a missing name) appended to err: unknown or repeated names,
 *	lines without "=", relative paths, bad selectors or times, a switch
 *	before it was seen.  pf_dkim_rotation_state_load() reads the file: 0,
 *	1 when it does not exist, -1 with the reason.  _format() returns the
 *	text (caller frees); _save() writes it atomically (a temporary file
 *	in the same directory, fsync, rename), owned like owner when that is
 *	not NULL and the caller may chown; -1 and why on failure, the old
 *	file then unchanged.  _clear() frees st's strings.
 *
 *	pf_dkim_rotation_decide() is the switch rule, on a state and the
 *	outcome of one check of the new selector's record at time now:
 *	TEMPFAIL changes nothing; a record that is missing, another key,
 *	revoked, of the wrong type or in testing mode (t=y) forgets seen;
 *	a record that matches sets seen (if unset) and, once now is at least
 *	seen + delay, sets switched = now.  *changed says whether st changed.
 *
 *	pf_dkim_rotation_attach() reads key's state file, if there is one,
 *	when the configuration is loaded (at start and on reload): it loads
 *	the pending key (and the old key when a former rotation left another
 *	key signing than the configured one), refusing like any key, and a
 *	state file that does not parse or does not belong to key: -1 with the
 *	reason.  The rotation is added to keys (which owns it) and every key
 *	of it points at it.  pf_dkim_rotation_active() is the key that signs
 *	for a configured key: the old key until the switch, the new one after.
 *
 *	pf_dkim_rotation_poll() checks the new selector's record (at most
 *	once every interval seconds, as the published-key check does; 0:
 *	now) and applies the switch rule.  Only the process that called
 *	pf_dkim_rotation_act(true) (the daemon) changes the state: it saves
 *	it on every change (a switch it cannot save is not made), and logs
 *	the first sighting, a wrong record and the switch, one line each.
 *	Others (preflight dkim check, scan) only compute what would happen.
 *	pf_dkim_rotation_report() writes the rotation's state for "preflight
 *	dkim check": pending (the record to publish, whether it is seen and
 *	matching, when the switch will happen), a mismatch (both
 *	fingerprints), or switched (from when the old record can be removed:
 *	PF_DKIM_ROTATION_KEEP_OLD seconds after the switch).
 *
 *	pf_dkim_fingerprint() is "SHA256:" and the base64 SHA-256 of a
 *	base64 p= value's bytes (NULL when p is not base64).
 *	pf_dkim_time_text() formats t as "2026-12-03T12:00:05Z".
 *	pf_dkim_record_zone() is the zone-file line publishing record,
 *	split into strings of at most 255 octets (caller frees).
 */
#ifndef PF_DKIM_ROTATE_H
#define PF_DKIM_ROTATE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <glib.h>

#include "auth/dkim.h"

/*
 * The old selector's record may go a week after the switch: mail signed
 * with the old key just before it may sit in queues for Postfix's
 * maximal_queue_lifetime (5 days) and is verified when it arrives.
 */
#define PF_DKIM_ROTATION_KEEP_OLD ((time_t)7 * 86400)

typedef struct pf_dkim_rotation_state {
	char *domain;
	char *old_selector;
	char *old_key;
	char *new_selector;
	char *new_key;
	time_t started;
	time_t seen;		/* 0: not yet */
	time_t switched;	/* 0: pending */
} pf_dkim_rotation_state;

typedef enum pf_dkim_rot_step {
	PF_DKIM_ROT_UNKNOWN = 0,	/* not checked yet, or DNS trouble */
	PF_DKIM_ROT_MISSING,		/* new record not published */
	PF_DKIM_ROT_WRONG,		/* published, but not this key */
	PF_DKIM_ROT_WAITING,		/* matches; rotation_delay running */
	PF_DKIM_ROT_SWITCHED,		/* the new key signs */
} pf_dkim_rot_step;

struct pf_dkim_rotation {
	char *path;			/* the state file */
	pf_dkim_key *configured;	/* borrowed: the key the config names */
	pf_dkim_key *old_key;		/* configured, or owned (old_owned) */
	bool old_owned;
	pf_dkim_key *new_key;		/* owned */
	unsigned long delay;		/* [dkim] rotation_delay */
	struct stat owner;		/* the state file's owner at load */
	GMutex lock;			/* guards what follows */
	pf_dkim_rotation_state st;
	pf_dkim_rot_step step;		/* last check's outcome */
	pf_dkim_rot_step logged;	/* last outcome logged */
	char *why;			/* its explanation */
	char *published_fp;		/* fingerprint of the wrong key seen */
};

char *pf_dkim_rotation_path(const char *key_path);
int pf_dkim_rotation_state_parse(const char *path, const char *text,
				 pf_dkim_rotation_state *st, GString *err);
int pf_dkim_rotation_state_load(const char *path, pf_dkim_rotation_state *st,
				GString *err);
char *pf_dkim_rotation_state_format(const pf_dkim_rotation_state *st);
int pf_dkim_rotation_state_save(const char *path,
				const pf_dkim_rotation_state *st,
				const struct stat *owner, GString *err);
void pf_dkim_rotation_state_clear(pf_dkim_rotation_state *st);
pf_dkim_rot_step pf_dkim_rotation_decide(pf_dkim_rotation_state *st,
					 pf_dkim_pub pub, time_t now,
					 unsigned long delay, bool *changed);
bool pf_dkim_selector_valid(const char *s);
char *pf_dkim_fingerprint(const char *p);
char *pf_dkim_time_text(time_t t);
char *pf_dkim_record_zone(const char *selector, const char *domain,
			  const char *record);

int pf_dkim_rotation_attach(pf_dkim_keys *keys, pf_dkim_key *key,
			    const pf_dkim_conf *dc, GString *err);
void pf_dkim_rotation_free(pf_dkim_rotation **rot);
pf_dkim_key *pf_dkim_rotation_active(pf_dkim_key *key);
void pf_dkim_rotation_act(bool act);
pf_dkim_rot_step pf_dkim_rotation_poll(pf_dkim_rotation *rot, pf_resolver *r,
				       unsigned interval);
pf_dkim_rot_step pf_dkim_rotation_poll_via(pf_dkim_rotation *rot,
					   pf_dkim_txt_lookup lookup,
					   void *arg, unsigned interval,
					   time_t now);
void pf_dkim_rotation_report(pf_dkim_rotation *rot, FILE *out, time_t now);

#endif
