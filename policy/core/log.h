/*
 * NAME
 *	log - diagnostics and decision lines
 * SYNOPSIS
 *	void pf_log_open(const char *ident, int facility, bool to_stderr);
 *	void pf_info(const char *fmt, ...);
 *	void pf_warn(const char *fmt, ...);	("warning: ...")
 *	void pf_error(const char *fmt, ...);	("error: ...")
 *	void pf_fatal(const char *fmt, ...);	("fatal: ...", exits 1)
 *	void pf_panic(const char *fmt, ...);	("panic: ...", aborts)
 *	void pf_log_decision(const char *line);
 *	int pf_log_facility(const char *name);
 * DESCRIPTION
 *	Postfix's tiers: info for the record, warn for trouble the program
 *	survives, error for a failed operation, fatal for start-up and
 *	configuration problems that make running pointless, panic for a
 *	broken internal invariant.  Decision lines are the one line per
 *	message written by the verdict engine.
 *
 *	Before pf_log_open() and with to_stderr, lines go to stderr, except
 *	when systemd's JOURNAL_STREAM says stderr is the journal (which has
 *	the syslog copy already).  All functions are thread-safe (syslog(3)
 *	and stdio locks).
 *
 *	pf_log_open() copies ident: the configuration it came from may be
 *	freed by a reload.  pf_log_capture() (tests) makes every line go to a
 *	callback instead.
 */
#ifndef PF_LOG_H
#define PF_LOG_H

#include <stdbool.h>

#define PF_PRINTF(a, b) __attribute__((format(printf, a, b)))

void pf_log_open(const char *ident, int facility, bool to_stderr);
void pf_info(const char *fmt, ...) PF_PRINTF(1, 2);
void pf_warn(const char *fmt, ...) PF_PRINTF(1, 2);
void pf_error(const char *fmt, ...) PF_PRINTF(1, 2);
void pf_fatal(const char *fmt, ...) PF_PRINTF(1, 2) __attribute__((noreturn));
void pf_panic(const char *fmt, ...) PF_PRINTF(1, 2) __attribute__((noreturn));
void pf_log_decision(const char *line);
int pf_log_facility(const char *name);

typedef void (*pf_log_sink)(int priority, const char *line, void *arg);
void pf_log_capture(pf_log_sink sink, void *arg);

#endif
