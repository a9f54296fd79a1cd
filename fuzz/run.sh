#!/bin/sh
# run.sh SRCDIR TARGET... - build each libFuzzer target with clang, ASan and
# UBSan from the policy sources, run it for $FUZZ_SECONDS on its corpus
# (fuzz/corpus/NAME without the fuzz_ prefix; new inputs go to a scratch
# copy), and print "fuzz: TARGET execs=N crashes=N".  Exit 1 on a crash;
# the crashing input is left as fuzz/crash-TARGET-* for a regression test.
set -u
src=$1; shift
cc=${CC_FUZZ:-clang}
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_OUT:-fuzz-out}
command -v "$cc" >/dev/null 2>&1 || { echo "fuzz: $cc not found"; exit 77; }
mkdir -p "$out"
status=0
for t in "$@"; do
	name=${t#fuzz_}
	srcs=""
	for s in $POLICY_SOURCES; do srcs="$srcs $src/$s"; done
	# shellcheck disable=SC2086
	if ! $cc -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-I"$src/policy" $POLICY_CFLAGS $srcs "$src/fuzz/$t.c" $POLICY_LIBS \
		-o "$out/$t" 2>"$out/$t.build.log"; then
		echo "fuzz: $t: build failed"; tail -20 "$out/$t.build.log"; status=1; continue
	fi
	rm -rf "$out/$t.corpus"; mkdir -p "$out/$t.corpus"
	cp "$src/fuzz/corpus/$name/"* "$out/$t.corpus/" 2>/dev/null
	"$out/$t" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 \
		-artifact_prefix="$out/crash-$t-" "$out/$t.corpus" > "$out/$t.log" 2>&1
	rc=$?
	# "Done N runs" at the end; else the last status line ("#N ...") -
	# not any "#N" in the log: the recommended dictionary can hold one
	execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$out/$t.log" | tail -1)
	[ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$out/$t.log" | tail -1 | tr -d '#')
	crashes=$(ls "$out"/crash-"$t"-* 2>/dev/null | wc -l)
	echo "fuzz: $t execs=${execs:-0} crashes=$crashes seconds=$secs"
	if [ $rc -ne 0 ] || [ "$crashes" -ne 0 ]; then
		status=1; tail -40 "$out/$t.log"
	fi
done
exit $status
