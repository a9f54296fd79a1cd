#!/bin/sh
# demo.sh - contrib/demo.sh, README's first command: it parses, shellcheck
# finds nothing in it (when installed), and with PREFLIGHT_INTEGRATION=1
# (as root) it runs end to end on this build (about 40 s: knot, rsyslog,
# Postfix, smtp-sink and the milter) and every step comes out as its
# narration says: the demo's own exit status, and its summary table.
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
B="${top_builddir:-.}"

bash -n "$S/contrib/demo.sh"
ok $? "contrib/demo.sh parses (bash -n)"
if command -v shellcheck >/dev/null 2>&1; then
	out=$(cd "$S" && shellcheck -x contrib/demo.sh 2>&1)
	ok $? "shellcheck -x contrib/demo.sh is clean"
	[ -z "$out" ] || diag "$out"
else
	ok 0 "# SKIP shellcheck not installed"
fi
if [ "${PREFLIGHT_INTEGRATION:-0}" != 1 ] || [ "$(id -u)" != 0 ]; then
	ok 0 "# SKIP the end-to-end run needs root and PREFLIGHT_INTEGRATION=1"
	tap_done
	exit
fi
out=$(PF_DEMO_BUILDDIR="$B" bash "$S/contrib/demo.sh" 2>&1)
rc=$?
ok $rc "the demo runs end to end and exits 0 (every step as narrated)"
[ $rc = 0 ] || diag "$(printf '%s\n' "$out" | tail -40)"
diag "$(printf '%s\n' "$out" | grep " steps, ")"
table=$(printf '%s\n' "$out" | sed -n '/^== Summary/,/ steps, /p')
is "$(printf '%s\n' "$table" | grep -c ' yes$')" 8 "the summary table lists 8 steps as expected"
like "$table" "ordinary mail .*accept dkim\.signed, dkimpy: pass +250 " "step 1: relayed, signed, verified by dkimpy"
like "$table" "dmarc\.fail +550 " "step 2: DMARC p=reject refused 550"
like "$table" "from\.identity +550 " "step 3: SASL user as another address refused 550"
like "$table" "dkim\.key-not-published +451 " "step 4: mismatched DKIM key tempfailed 451"
like "$out" "Fix: Publish TXT demo\._domainkey\.shop\.example\.com \"v=DKIM1; k=rsa; p=" "step 4 shows the record to publish"
like "$table" "executable attachment .*attach\.[a-z-]+ +550 " "step 5a: executable attachment refused 550"
like "$table" "26 MB message .*size\.too-big +552 " "step 5b: 26 MB refused 552"
like "$table" "bulk\.no-one-click.* 250 " "step 5d: bulk mail relayed, annotated"
w=$(printf '%s\n' "$out" | grep -o '/tmp/pf-it\.[A-Za-z0-9]*' | head -1)
[ -n "$w" ] && [ ! -e "$w" ]
ok $? "its work directory ${w:-?} is removed at the end"
is "$(ps -eo args= | grep -c "^[^ ]*[k]notd -c $w/\|^[^ ]*preflight-milter -c $w/\|[r]syslogd -f $w/")" 0 "no knotd, milter or rsyslogd of it is left running"
tap_done
