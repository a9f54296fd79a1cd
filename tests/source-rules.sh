#!/bin/sh
# source-rules.sh - rules the code keeps (RELIABILITY.md, STYLE.md):
# no shell-outs anywhere (spamass-milter/clamav-milter RCE class), no
# libmilter in policy/, no sprintf/strcpy/strcat, every smfi_* modifying
# call in milter/reply.c only; the message model decides nothing and the
# pipeline alone runs checks and asks the verdict engine.
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

hits=$(grep -nE '#[[:space:]]*include[[:space:]]*"core/(verdict|check|pipeline)\.h"' "$S/policy/core/message.c" "$S/policy/core/message.h" || true)
is "$hits" "" "the message model includes nothing of the verdict engine, checks or pipeline"

hits=$(src | grep '\.c$' | grep -v '/policy/core/pipeline\.c$' | xargs grep -nE '\b(pf_checks_run|pf_verdict_decide)[[:space:]]*\(' |
	grep -vE '^[^:]*/policy/core/(checks|verdict)\.c:[0-9]+:pf_' | grep -vE ':[0-9]+:[[:space:]]*\*' || true)
is "$hits" "" "only policy/core/pipeline.c runs checks and asks the verdict engine"

hits=$(find "$S/policy" -maxdepth 1 -name '*.[ch]')
is "$hits" "" "policy/ keeps its sources in wings (core, dns, auth, content, limits)"

hits=$(src | xargs wc -l | awk '$2 != "total" && $1 > 800 {print $2 ": " $1 " lines"}')
is "$hits" "" "no source file over 800 lines"

tap_done
