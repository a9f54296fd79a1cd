#!/bin/sh
# rfc7208.sh - every case of the OpenSPF RFC 7208 suite through preflight's
# SPF layer (libspf2 + the shared resolver), each scenario's zonedata served
# by knot on 127.0.0.1:$PF_DNS_PORT (a free port unless set).  Prints one
# TAP line per scenario (ok when every case gives an acceptable result), the
# deviations as comments, and the pass count.  Known deviations of libspf2
# are listed in tests/rfc7208/deviations.txt; a case listed there counts as
# a TODO.  The suite: RFC7208_YAML, else ../shared/spf/rfc7208-tests.yml
# beside the source tree, else Debian's python3-spf copy if installed.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
PF=$builddir/tools/preflight
PY=/usr/bin/python3
YAML=${RFC7208_YAML:-$srcdir/../shared/spf/rfc7208-tests.yml}
DEBIAN_YAML=/usr/share/doc/python3-spf/rfc7208-tests.yml.gz
. "$srcdir/tests/knot.sh"

W=$(mktemp -d)
trap 'pf_knot_stop; rm -rf "$W"' EXIT
if [ -z "${RFC7208_YAML:-}" ] && [ ! -r "$YAML" ] && [ -r "$DEBIAN_YAML" ]; then
	gzip -dc "$DEBIAN_YAML" > "$W/rfc7208-tests.yml" && YAML=$W/rfc7208-tests.yml
fi
if ! command -v knotd >/dev/null 2>&1 || [ ! -r "$YAML" ] ||
   ! $PY -c 'import yaml' 2>/dev/null; then
	echo "1..0 # SKIP needs knotd, python3-yaml and $YAML"; exit 0
fi
echo "# suite: $YAML"
DEV=$srcdir/tests/rfc7208/deviations.txt
n=$($PY "$srcdir/tests/rfc7208/suite.py" count "$YAML")
echo "1..$n"
total=0 passed=0 todo=0
i=0
while [ $i -lt "$n" ]; do
	S=$W/s$i; mkdir -p "$S/zones"
	$PY "$srcdir/tests/rfc7208/suite.py" gen "$YAML" $i "$S/zones" > "$S/in"
	pf_knot_start "$S/zones" "$S/knot" || { echo "not ok $((i+1)) - scenario $i: knot did not start"; i=$((i+1)); continue; }
	printf '[dns]\nconfig_file = %s\ntimeout = 1000\n' "$S/knot/unbound.conf" > "$S/pf.conf"
	# (knot.sh's config has the suite's root zone answer the RFC 6303
	# reverse zones too); TIMEOUT names go to a port nobody answers
	printf 'forward-zone:\n  name: "timeout.invalid."\n  forward-addr: 127.0.0.1@9\n' >> "$S/knot/unbound.conf"
	cut -f2- "$S/in" | "$PF" spf-eval -c "$S/pf.conf" > "$S/out" 2>"$S/err"
	$PY "$srcdir/tests/rfc7208/suite.py" check "$YAML" $i "$S/in" "$S/out" > "$S/res"
	pf_knot_stop; KNOT_CONF=
	desc=$($PY "$srcdir/tests/rfc7208/suite.py" describe "$YAML" $i)
	c=$(wc -l < "$S/res"); p=$(grep -c '^pass' "$S/res")
	bad=0
	while IFS="$(printf '\t')" read -r v name want got why; do
		[ "$v" = fail ] || continue
		if grep -q "^$name	" "$DEV" 2>/dev/null; then
			echo "# TODO (listed deviation) $name: $want, $got $why"; todo=$((todo+1))
		else
			echo "# $name: $want, $got $why"; bad=$((bad+1))
		fi
	done < "$S/res"
	total=$((total+c)) passed=$((passed+p))
	if [ $bad = 0 ]; then echo "ok $((i+1)) - $desc: $p/$c"; else echo "not ok $((i+1)) - $desc: $p/$c"; fi
	i=$((i+1))
done
echo "# RFC 7208 suite: $passed of $total cases give an acceptable result ($todo known deviations)"
