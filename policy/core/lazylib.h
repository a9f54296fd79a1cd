/*
 * NAME
 *	lazylib - a shared library opened when it is first needed
 * SYNOPSIS
 *	#include "core/lazylib.h"
 *
 *	static __typeof__(fn) *p_fn;
 *	static const pf_lazysym syms[] = { PF_LAZYSYM(fn, p_fn), ... };
 *	static pf_lazylib lib = PF_LAZYLIB(SONAME, syms);
 *
 *	bool pf_lazylib_load(pf_lazylib *lib);
 *	int pf_lazylib_require(pf_lazylib *lib, GString *err);
 * DESCRIPTION
 *	Every library a program links is mapped and bound when it starts,
 *	needed or not.  ICU (with the C++ runtime under it) and libarchive
 *	cost a one-shot command such as preflight scan about 5 ms that way,
 *	and only a non-ASCII From or an archive attachment needs them.  A
 *	check that uses such a library declares it here and calls through
 *	pointers; configure.ac finds the library's soname (PF_*_SONAME in
 *	autoconf.h), so the library opened is the one built against.
 *
 *	PF_LAZYSYM(fn, ptr) names function fn after macro expansion (ICU's
 *	versioned names: uspoof_open is uspoof_open_72) and the pointer
 *	that receives it.  PF_LAZYLIB(soname, syms) makes the handle.
 *
 *	pf_lazylib_load() opens the library and resolves every symbol, once
 *	per process (later calls return the first answer at the cost of a
 *	GOnce check); thread-safe.  It returns true when all the pointers
 *	are set, false otherwise: then the pointers stay NULL, the check it
 *	serves goes without, and the first such call logs a warning that
 *	says why ("libicui18n.so.72: cannot open shared object file: ...").
 *
 *	pf_lazylib_require() is the same load for start-up: it returns 0,
 *	or -1 with the reason appended to err as a line, and logs nothing.
 *	The daemon calls it (through pf_checks_load(), check.h) for the
 *	checks that are on, so that a broken installation stops it there.
 *	Libraries are never closed.
 */
#ifndef PF_LAZYLIB_H
#define PF_LAZYLIB_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

typedef struct pf_lazysym {
	const char *name;
	void **addr;		/* where the function's address goes */
} pf_lazysym;

typedef struct pf_lazylib {
	const char *soname;
	const pf_lazysym *syms;
	size_t nsyms;
	GOnce once;
	char *error;		/* set once, by the loader */
	gint warned;		/* the failure was logged */
} pf_lazylib;

#define PF_LAZY_STR_(x) #x
#define PF_LAZY_STR(x) PF_LAZY_STR_(x)
#define PF_LAZYSYM(fn, ptr) { PF_LAZY_STR(fn), (void **)&(ptr) }
#define PF_LAZYLIB(soname, syms) \
	{ (soname), (syms), G_N_ELEMENTS(syms), G_ONCE_INIT, NULL, 0 }

bool pf_lazylib_load(pf_lazylib *lib);
int pf_lazylib_require(pf_lazylib *lib, GString *err);

#endif
