#!/bin/bash
# run-all.sh - the whole test suite on a fresh Debian 12 machine (as root):
# install what it needs, build, then
#   1. make check in a plain build, integration tests included
#      (PREFLIGHT_INTEGRATION=1: real Postfix, knot, rsyslog, miltertest);
#   2. the OpenSPF RFC 7208 suite through the plain build's SPF layer (make
#      check-rfc7208): fails when fewer cases pass than
#      tests/rfc7208/expected-pass records;
#   3. make check in an ASan+UBSan build (--enable-sanitizers);
#   4. each libFuzzer target for a short, fixed time (make fuzz);
#   5. make distcheck.
# Prints each stage's summary and ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
LOGDIR="$TOP/_build/logs"
JOBS=${JOBS:-2}

if [ "$(id -u)" = 0 ]; then
	bash "$TOP/tests/deps.sh" || { echo "dependency install failed"; echo "0 passed, 1 failed"; exit 1; }
else
	echo "run-all.sh: not root: skipping package installation and integration tests" >&2
fi
mkdir -p "$LOGDIR"
passed=0
failed=0

count() {	# test-suite.log -> add its counts
	local log=$1 p f e
	p=$(sed -n 's/^# PASS: *\([0-9]*\)/\1/p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *\([0-9]*\)/\1/p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *\([0-9]*\)/\1/p' "$log" | head -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0}))
}

stage() {	# name configure-args... ; builds in _build/NAME and runs make check
	local name=$1; shift
	local dir="$TOP/_build/$name"
	echo "=== $name: configure $*"
	rm -rf "$dir" && mkdir -p "$dir"
	if ! (cd "$dir" && "$TOP/configure" -q "$@" > "$LOGDIR/$name-configure.log" 2>&1 &&
	      make -j"$JOBS" > "$LOGDIR/$name-make.log" 2>&1); then
		echo "=== $name: BUILD FAILED (see $LOGDIR/$name-*.log)"
		tail -30 "$LOGDIR/$name-make.log" "$LOGDIR/$name-configure.log" 2>/dev/null
		failed=$((failed + 1))
		return
	fi
	if grep -E "warning:" "$LOGDIR/$name-make.log" >/dev/null; then
		echo "=== $name: compiler warnings:"; grep -E "warning:" "$LOGDIR/$name-make.log" | head -20
		failed=$((failed + 1))
	fi
	(cd "$dir" && make -j1 check PREFLIGHT_INTEGRATION="${INTEGRATION:-0}" > "$LOGDIR/$name-check.log" 2>&1)
	if [ -f "$dir/test-suite.log" ]; then
		sed -n '/^# TOTAL/,/^# ERROR/p' "$dir/test-suite.log" | sed "s/^/   $name /"
		grep -E "^(FAIL|ERROR):" "$dir/test-suite.log" | head -40
		# show the logs of failed tests
		for t in $(grep -E "^(FAIL|ERROR): " "$LOGDIR/$name-check.log" | awk '{print $2}' | sort -u); do
			echo "--- $t.log"; tail -40 "$dir/$t.log" 2>/dev/null
		done
		count "$dir/test-suite.log"
	else
		echo "=== $name: make check produced no test-suite.log"; tail -30 "$LOGDIR/$name-check.log"
		failed=$((failed + 1))
	fi
}

echo "=== bootstrap"
# builds go to _build/*; an in-tree configuration would stop them
[ -f "$TOP/config.status" ] && make -C "$TOP" distclean > /dev/null 2>&1
autoreconf -fi > "$LOGDIR/autoreconf.log" 2>&1 || { cat "$LOGDIR/autoreconf.log"; echo "0 passed, 1 failed"; exit 1; }

rfc7208() {	# the suite's pass count against the recorded one: one pass or one fail
	local want got line
	want=$(cat "$TOP/tests/rfc7208/expected-pass")
	if [ ! -x "$TOP/_build/plain/tools/preflight" ]; then
		echo "=== rfc7208: not run (no _build/plain/tools/preflight)"; failed=$((failed + 1)); return
	fi
	(cd "$TOP/_build/plain" && make check-rfc7208 > "$LOGDIR/rfc7208.log" 2>&1)
	if line=$(grep -m1 '^1\.\.0 # SKIP' "$LOGDIR/rfc7208.log"); then
		echo "=== rfc7208: SKIPPED, not counted (${line#1..0 # SKIP }; see tests/rfc7208.sh)"; return
	fi
	line=$(sed -n 's/^# RFC 7208 suite: \([0-9]*\) of \([0-9]*\) cases give an acceptable result (\([0-9]*\) known deviations)$/\1 \2 \3/p' "$LOGDIR/rfc7208.log")
	if [ -z "$line" ]; then
		echo "=== rfc7208: no result (see $LOGDIR/rfc7208.log)"; tail -20 "$LOGDIR/rfc7208.log"
		failed=$((failed + 1)); return
	fi
	set -- $line
	got=$1
	echo "=== rfc7208: $1 of $2 cases acceptable ($3 known deviations; $(grep -c '^not ok' "$LOGDIR/rfc7208.log") scenarios with unlisted ones), recorded: $want"
	if [ "$got" -ge "$want" ]; then
		passed=$((passed + 1))
		[ "$got" -gt "$want" ] && echo "   rfc7208: more than recorded: raise tests/rfc7208/expected-pass to $got"
	else
		echo "   rfc7208: REGRESSION: $got < $want"; grep '^# ' "$LOGDIR/rfc7208.log" |
			grep -v -e '^# TODO' -e '^# suite: ' -e '^# RFC 7208 suite: ' | head -20
		failed=$((failed + 1))
	fi
}

INTEGRATION=0
[ "$(id -u)" = 0 ] && INTEGRATION=1
stage plain
rfc7208
INTEGRATION=${ASAN_INTEGRATION:-0} stage asan --enable-sanitizers

echo "=== fuzz (${FUZZ_SECONDS:-30} s per target, clang ASan+UBSan)"
(cd "$TOP/_build/plain" && make fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-30}" > "$LOGDIR/fuzz.log" 2>&1)
grep '^fuzz: ' "$LOGDIR/fuzz.log" | sed 's/^/   /'
passed=$((passed + $(grep -c '^fuzz: .* crashes=0 ' "$LOGDIR/fuzz.log")))
fuzz_failed=$(grep '^fuzz: ' "$LOGDIR/fuzz.log" | grep -vc ' crashes=0 ')
failed=$((failed + fuzz_failed))
# a crash must be diagnosable from this output alone: the sanitizer's
# report, the target's own message just before it (a differential
# harness's "readings differ"), and the input (base64, when small)
if [ "$fuzz_failed" -gt 0 ]; then
	grep -B1 -E '^==[0-9]+==|SUMMARY|runtime error|^ +#[0-9]+ 0x' "$LOGDIR/fuzz.log" | grep -v '^--$' | head -60 | sed 's/^/   | /'
	for f in "$TOP"/_build/plain/fuzz-out/crash-*; do
		[ -f "$f" ] || continue
		echo "   input $(basename "$f") ($(wc -c < "$f") bytes):"
		[ "$(wc -c < "$f")" -le 8192 ] && base64 -w 100 "$f" | sed 's/^/   | /'
	done
fi

echo "=== clang-tidy (make tidy)"
if (cd "$TOP/_build/plain" && make tidy > "$LOGDIR/tidy.log" 2>&1); then
	echo "   clang-tidy: clean"; passed=$((passed + 1))
else
	echo "   clang-tidy: FINDINGS"; grep -E "warning:|error:" "$LOGDIR/tidy.log" | head -20; failed=$((failed + 1))
fi

echo "=== distcheck"
if (cd "$TOP/_build/plain" && make -j"$JOBS" distcheck > "$LOGDIR/distcheck.log" 2>&1); then
	echo "   distcheck: ok"; passed=$((passed + 1))
else
	echo "   distcheck: FAILED"; tail -40 "$LOGDIR/distcheck.log"; failed=$((failed + 1))
fi

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
