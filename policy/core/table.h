/*
 * NAME
 *	table - key/value lookup tables read from files
 * SYNOPSIS
 *	pf_table *pf_table_load(const char *path, pf_table_validate fn,
 *				 void *arg, GString *err);
 *	const char *pf_table_lookup(const pf_table *t, const char *key);
 *	const char *pf_table_lookup_domain(const pf_table *t, const char *domain);
 *	size_t pf_table_size(const pf_table *t);
 *	void pf_table_free(pf_table **t);
 * DESCRIPTION
 *	A table file has one "key value..." entry a line; blank lines and
 *	lines starting with # are ignored; the value is the rest of the line
 *	with surrounding white space removed.  Keys compare without regard to
 *	case.  The validator, when given, is called for each entry and may
 *	refuse it with a message; pf_table_load() then appends
 *	"file:line: message" to err and returns NULL after reading the whole
 *	file, so that every bad line is reported at once.
 *
 *	pf_table_lookup_domain() tries the domain itself, then each parent
 *	written with a leading dot (".example.com" matches every subdomain of
 *	example.com), as Postfix's parent_domain_matches_subdomains does.
 *
 *	Tables are immutable after loading; lookups are thread-safe.
 */
#ifndef PF_TABLE_H
#define PF_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

typedef struct pf_table pf_table;
typedef bool (*pf_table_validate)(const char *key, const char *value,
				  GString *why, void *arg);

pf_table *pf_table_load(const char *path, pf_table_validate fn, void *arg,
			GString *err);
const char *pf_table_lookup(const pf_table *t, const char *key);
const char *pf_table_lookup_domain(const pf_table *t, const char *domain);
size_t pf_table_size(const pf_table *t);
void pf_table_free(pf_table **t);

#endif
