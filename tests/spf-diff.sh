#!/bin/sh
# spf-diff.sh - differential test of preflight's SPF evaluator against an
# independent one, pyspf (Debian's python3-spf, strict mode): random record
# trees (tests/spf-diff.py, a fixed seed) served by knot on a free loopback
# port, every case evaluated by both over the same DNS server.  One TAP
# line per tree; any disagreement not listed in tests/spf-diff/deviations.txt
# fails.  300 trees by default; PREFLIGHT_LONG=1 runs 3,000, SPF_DIFF_TREES
# and SPF_DIFF_SEED choose.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
PF=$builddir/tools/preflight
PY=/usr/bin/python3
. "$srcdir/tests/knot.sh"

if ! command -v knotd >/dev/null 2>&1 || ! $PY -c 'import spf, dns.resolver' 2>/dev/null; then
	echo "1..0 # SKIP needs knotd, python3-spf and python3-dnspython"; exit 0
fi
trees=${SPF_DIFF_TREES:-300}
[ "${PREFLIGHT_LONG:-0}" = 1 ] && trees=${SPF_DIFF_TREES:-3000}
seed=${SPF_DIFF_SEED:-7208}
W=$(mktemp -d)
trap 'pf_knot_stop; rm -rf "$W"' EXIT
mkdir -p "$W/zones"
$PY "$srcdir/tests/spf-diff.py" gen "$seed" "$trees" "$W/zones" > "$W/cases"
if ! pf_knot_start "$W/zones" "$W/knot"; then
	echo "1..1"; echo "not ok 1 - knot did not start"; exit 1
fi
printf '[dns]\nconfig_file = %s\ntimeout = 2000\n' "$W/knot/unbound.conf" > "$W/pf.conf"
cut -f2- "$W/cases" | "$PF" spf-eval -c "$W/pf.conf" > "$W/ours" 2> "$W/err"
$PY "$srcdir/tests/spf-diff.py" pyspf "$PF_DNS_PORT" "$W/cases" > "$W/theirs"
$PY "$srcdir/tests/spf-diff.py" compare "$W/cases" "$W/ours" "$W/theirs" \
	"$srcdir/tests/spf-diff/deviations.txt" > "$W/tap"
cat "$W/tap"
echo "# seed $seed, $trees trees"
! grep -q '^not ok' "$W/tap"
