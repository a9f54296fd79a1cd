/*
 * NAME
 *	lazylib - a shared library opened when it is first needed (see
 *	lazylib.h)
 */
#include <dlfcn.h>

#include "core/lazylib.h"
#include "core/log.h"

static gpointer
lazylib_open(gpointer data)
{
	pf_lazylib *lib = data;
	void *h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (h == NULL) {
		const char *why = dlerror();

		lib->error = g_strdup(why ? why : lib->soname);
		goto fail;
	}
	for (i = 0; i < lib->nsyms; i++) {
		void *fn = dlsym(h, lib->syms[i].name);

		if (fn == NULL) {
			lib->error = g_strdup_printf("%s: no function %s",
						     lib->soname,
						     lib->syms[i].name);
			break;
		}
		*lib->syms[i].addr = fn;
	}
	if (i == lib->nsyms)
		return lib;
	for (i = 0; i < lib->nsyms; i++)
		*lib->syms[i].addr = NULL;
	(void)dlclose(h);
fail:
	return NULL;
}

bool
pf_lazylib_load(pf_lazylib *lib)
{
	if (g_once(&lib->once, lazylib_open, lib) != NULL)
		return true;
	if (g_atomic_int_compare_and_exchange(&lib->warned, 0, 1))
		pf_warn("%s: the checks that need it go without", lib->error);
	return false;
}

int
pf_lazylib_require(pf_lazylib *lib, GString *err)
{
	if (g_once(&lib->once, lazylib_open, lib) != NULL)
		return 0;
	g_string_append_printf(err, "%s\n", lib->error);
	return -1;
}
