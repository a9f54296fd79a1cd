/*
 * NAME
 *	replay - a fuzz target's inputs, replayed without libFuzzer
 * SYNOPSIS
 *	replay_TARGET FILE...
 * DESCRIPTION
 *	Links one fuzz/fuzz_TARGET.c with this main() instead of libFuzzer,
 *	built by make check with the project's compiler and flags, and feeds
 *	each FILE to LLVMFuzzerTestOneInput() once, in order, in one process,
 *	as libFuzzer replays a corpus.  tests/fuzz-replay.sh runs it over
 *	fuzz/corpus (every crasher is kept there): directly in each build,
 *	so the ASan build replays the corpus under ASan, and under valgrind
 *	in the plain one, which sees what ASan cannot: a bad read or write
 *	inside a library that is not instrumented (glib, GMime, ICU).  Exit
 *	status 0; 2 when a FILE cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		gchar *data;
		unsigned char *copy;
		gsize len;
		GError *err = NULL;

		if (!g_file_get_contents(argv[i], &data, &len, &err)) {
			fprintf(stderr, "replay: %s\n", err->message);
			g_error_free(err);
			return 2;
		}
		/* the exact bytes in a buffer of their size (the file's has
		 * a NUL after them): a read past them is seen */
		copy = g_memdup2(data, len ? len : 1);
		g_free(data);
		(void)LLVMFuzzerTestOneInput(copy, len);
		g_free(copy);
	}
	return 0;
}
