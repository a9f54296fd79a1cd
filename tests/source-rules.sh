#!/bin/sh
# source-rules.sh - rules the code keeps (RELIABILITY.md, STYLE.md):
# no shell-outs anywhere (spamass-milter/clamav-milter RCE class), no
# libmilter in policy/, no sprintf/strcpy/strcat, every smfi_* modifying
# call in milter/reply.c only.
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
src() { find "$S/policy" "$S/milter" "$S/tools" -name '*.[ch]'; }

hits=$(src | xargs grep -nE '\b(popen|system|execl|execlp|execle|execv|execvp|execvpe|posix_spawnp?)[[:space:]]*\(' | grep -v '^\s*\*' || true)
is "$hits" "" "no shell-outs or exec in C sources"

hits=$(find "$S/policy" -name '*.[ch]' | xargs grep -lE '#[[:space:]]*include.*(libmilter|mfapi)|\bsmfi_[a-z]+[[:space:]]*\(' || true)
is "$hits" "" "policy/ does not know libmilter"

hits=$(src | xargs grep -nE '\b(sprintf|vsprintf|strcpy|strcat|gets)[[:space:]]*\(' || true)
is "$hits" "" "no sprintf/strcpy/strcat/gets"

hits=$(grep -lE 'smfi_(setreply|setmlreply|addheader|insheader|chgheader|quarantine|replacebody)' "$S"/milter/*.c | grep -v '/reply\.c$' || true)
is "$hits" "" "only milter/reply.c changes messages and replies"

tap_done
