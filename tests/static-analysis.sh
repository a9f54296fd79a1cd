#!/bin/sh
# static-analysis.sh - cppcheck (warning, portability, performance) finds
# nothing in policy/, milter/ and tools/.  clang-tidy is run by
# "make tidy" (slower; see README).
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
command -v cppcheck >/dev/null 2>&1 || skip_all "cppcheck not installed"
out=$(cd "$S" && cppcheck --quiet --enable=warning,portability,performance --inline-suppr \
	--error-exitcode=1 -I policy --suppress=missingIncludeSystem policy milter tools 2>&1)
rc=$?
[ $rc -eq 0 ] || diag "$out"
is "$rc" 0 "cppcheck finds nothing"
tap_done
