#!/bin/sh
# fuzz-replay.sh - every input kept in fuzz/corpus (the seeds and every
# crasher found so far) through its fuzz target built as a plain program
# (fuzz/replay.c): directly, which in the ASan build is an ASan replay;
# and under valgrind in a build without sanitizers, which also sees bad
# reads and writes inside libraries that are not instrumented (the heap
# corruption g_utf8_strdown() caused in the From reader showed up under
# ASan only later, in another free()).
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
B="${top_builddir:-.}"
for t in config pipeline address mime spf; do
	prog="$B/fuzz/replay_$t"
	n=$(ls "$S/fuzz/corpus/$t" | wc -l)
	out=$("$prog" "$S/fuzz/corpus/$t"/* 2>&1)
	rc=$?
	[ $rc -eq 0 ] || diag "$out"
	ok $rc "fuzz_$t: its $n corpus inputs replay without a crash"
	if sanitizer_build; then
		ok 0 "# SKIP fuzz_$t under valgrind: a sanitizer build (ASan checked it above)"
	elif ! command -v valgrind >/dev/null 2>&1; then
		ok 0 "# SKIP fuzz_$t under valgrind: valgrind not installed"
	else
		out=$(valgrind -q --error-exitcode=99 --track-origins=yes \
			"$prog" "$S/fuzz/corpus/$t"/* 2>&1)
		rc=$?
		[ $rc -eq 0 ] || diag "$out"
		ok $rc "fuzz_$t: its $n corpus inputs under valgrind: no invalid read, write or use of uninitialised memory"
	fi
done
tap_done
