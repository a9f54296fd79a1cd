/*
 * NAME
 *	fromopendkim - the converter's shared state (fromopendkim.c,
 *	fromopendkim_dkim.c)
 * SYNOPSIS
 *	const odk_entry *odk_get(odk *o, const char *name);
 *	void odk_set(odk *o, int section, const odk_entry *e,
 *		     const char *key, const char *value, const char *note);
 *	void odk_none(odk *o, const odk_entry *e, const char *why, ...);
 *	void odk_note(odk *o, const odk_entry *e, const char *why, ...);
 *	void odk_error(odk *o, const odk_entry *e, const char *fmt, ...);
 *	int odk_bool(odk *o, const odk_entry *e);
 *	char *odk_path(const odk *o, const char *path);
 *	GPtrArray *odk_dataset_list(odk *o, const odk_entry *e);
 *	int odk_dkim(odk *o);
void odk_policy(odk *o);
void odk_dns(odk *o);
 *	void odk_policy(odk *o);
 *	void odk_dns(odk *o);
 * DESCRIPTION
 *	An odk holds what was read from an opendkim.conf (each option's
 *	last value with the file:line it came from) and what is being
 *	written: one text buffer per preflight.conf section, the comment
 *	lines for options with no equivalent and their count, and the
 *	errors (each naming file:line).
 *
 *	odk_get() returns the entry of an option (canonical OpenDKIM name,
 *	any case) or NULL when it is not set.  odk_set() writes "key =
 *	value" into a section, after a comment naming the OpenDKIM option
 *	it came from and the optional note.  odk_none() records an option
 *	that has no preflight equivalent (counted); odk_note() a comment
 *	that explains a conversion (not counted).  odk_bool() reads an
 *	OpenDKIM Boolean (first byte) and returns 0/1, or -1 after an error.
 *	odk_path() returns a new string: path resolved against BaseDirectory
 *	when relative.  odk_dataset_list() returns the elements of a data
 *	set given inline (csl) or as a file (file:, refile:, /path): the
 *	first word of each line; NULL after an error (other data set types
 *	are an error here).  odk_dkim() converts the DKIM signing options
 *	(fromopendkim_dkim.c), odk_policy() and odk_dns() the [policy] and
 *	[dns] ones (fromopendkim_dns.c).
 */
#ifndef PF_FROMOPENDKIM_H
#define PF_FROMOPENDKIM_H

#include <stdbool.h>

#include <glib.h>

enum { ODK_MILTER, ODK_POLICY, ODK_DNS, ODK_DKIM, ODK_NSECTIONS };

typedef struct odk_entry {
	const char *name;	/* canonical OpenDKIM spelling */
	char *value;
	char *where;		/* file:line */
} odk_entry;

typedef struct odk {
	GHashTable *opts;	/* lower-case name -> odk_entry * */
	GHashTable *used;	/* entries something was written for */
	GString *sec[ODK_NSECTIONS];
	GString *none;		/* "# Name value (where): why" lines */
	GString *notes;
	GString *err;
	unsigned nnone;
	unsigned nerr;
	char *basedir;
	bool signing;		/* Mode has s (or is not set) */
} odk;

const odk_entry *odk_get(odk *o, const char *name);
void odk_set(odk *o, int section, const odk_entry *e, const char *key,
	     const char *value, const char *note);
void odk_none(odk *o, const odk_entry *e, const char *why, ...)
    G_GNUC_PRINTF(3, 4);
void odk_note(odk *o, const odk_entry *e, const char *why, ...)
    G_GNUC_PRINTF(3, 4);
void odk_error(odk *o, const odk_entry *e, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
int odk_bool(odk *o, const odk_entry *e);
char *odk_path(const odk *o, const char *path);
GPtrArray *odk_dataset_list(odk *o, const odk_entry *e);
int odk_dkim(odk *o);
void odk_policy(odk *o);
void odk_dns(odk *o);

#endif
