#!/bin/sh
# dmarc9989.sh - DMARC per RFC 9989 (DNS tree walk, psd=, np=, t=y, legacy
# pct, several records, intermediate records) against a real knot serving
# tests/data/dns9989 (the whole "test." zone) on a port found at run time:
# each scenario through "preflight scan --json" and through the milter
# (miltertest; details from the audit log), with the RFC 7489/PSL model's
# disagreement (dmarc.psl_differs), plus "preflight dmarc".
# Skipped when knotd is not installed.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
PF=$builddir/tools/preflight
MILTER=$builddir/milter/preflight-milter
PY=/usr/bin/python3

if ! command -v knotd >/dev/null 2>&1 || ! command -v knotc >/dev/null 2>&1; then
	echo "1..0 # SKIP knotd not installed"; exit 0
fi
# a port free for UDP and TCP now (knot binds both)
PF_DNS_PORT=$($PY -c 'import socket
for _ in range(100):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
    p = u.getsockname()[1]; t = socket.socket()
    try:
        t.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass')
. "$srcdir/tests/knot.sh"
W=$(mktemp -d /tmp/pf-dmarc9989.XXXXXX)
chmod 755 "$W"
mpid=""
cleanup() {
	if [ -n "$mpid" ]; then
		kill -TERM "$mpid" 2>/dev/null
		for _ in $(seq 1 50); do kill -0 "$mpid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$mpid" 2>/dev/null
	fi
	pf_knot_stop
	rm -rf "$W"
}
trap cleanup EXIT
if ! pf_knot_start "$srcdir/tests/data/dns9989" "$W/knot"; then
	echo "1..0 # SKIP cannot start knotd on port $PF_DNS_PORT"; exit 0
fi
chmod -R a+rX "$W/knot"
conf() {	# FILE [extra lines]: the DNS and SPF part every config shares
	{ printf '[dns]\nconfig_file = %s/knot/unbound.conf\ntimeout = 1500\n' "$W"
	  printf '[spf]\negress_ips = 192.0.2.10 2001:db8::10\n[structure]\nmode = off\n'
	  printf '%b' "${2:-}"; } > "$1"
}
conf "$W/pf.conf"
conf "$W/psl.conf" '[dmarc]\norg_domain = psl\n'

n=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

# check JSON PYTHON-EXPR: expr holds for v (the last decision object)
check() {
	printf '%s\n' "$1" | $PY -c '
import json,sys
v=[json.loads(l) for l in sys.stdin if l.startswith("{")][-1]
codes=[r["code"] for r in v["results"]]
def fact(code,key):
    for r in v["results"]:
        if r["code"]==code: return r.get("facts",{}).get(key)
sys.exit(0 if eval(sys.argv[1]) else 1)' "$2"
}
msg() {	# FROM-HEADER: a message file
	f=$W/m$n.eml
	printf 'From: %s\nTo: bob@example.net\nSubject: test\n\nhello\n' "$1" > "$f"
	echo "$f"
}
# t DESCRIPTION CONFIG SENDER FROM EXPR: "preflight scan --json"
t() {
	out=$("$PF" scan --json --config "$2" --from "$3" --rcpt bob@example.net "$(msg "$4")")
	check "$out" "$5"; rc=$?
	[ $rc = 0 ] || printf '# %s\n' "$out" | head -c 2000
	ok $rc "scan: $1"
}

# the milter, with the default model and an audit log
cp "$W/pf.conf" "$W/milter.conf"
printf '[milter]\nsocket = unix:%s/m.sock\nuser = nobody\npidfile =\naudit_log = %s/audit.jsonl\n' \
	"$W" "$W" >> "$W/milter.conf"
: > "$W/audit.jsonl"
chown nobody "$W/audit.jsonl" 2>/dev/null
have_milter=no
if command -v miltertest >/dev/null 2>&1; then
	"$MILTER" -f -c "$W/milter.conf" 2>"$W/milter.log" &
	mpid=$!
	for _ in $(seq 1 100); do [ -S "$W/m.sock" ] && break; sleep 0.1; done
	[ -S "$W/m.sock" ] && have_milter=yes
fi
qn=0
# m DESCRIPTION SENDER FROM refuse|continue EXPR: through the milter
m() {
	if [ $have_milter != yes ]; then
		n=$((n+1)); echo "ok $n - milter: $1 # SKIP miltertest or the milter unavailable"
		return
	fi
	qn=$((qn+1)); qid=Q9989N$qn
	miltertest -s "$srcdir/tests/milter/dmarc9989.lua" -D socket="unix:$W/m.sock" \
		-D dir="$srcdir/tests/milter" -D mailfrom="$2" -D hfrom="$3" \
		-D qid="$qid" -D want="$4" > "$W/mt.out" 2>&1
	rc=$?
	[ $rc = 0 ] || sed 's/^/# /' "$W/mt.out"
	if [ $rc = 0 ]; then
		for _ in $(seq 1 20); do grep -q "\"$qid\"" "$W/audit.jsonl" && break; sleep 0.1; done
		out=$(grep "\"queue_id\":\"$qid\"" "$W/audit.jsonl")
		check "$out" "$5"; rc=$?
		[ $rc = 0 ] || printf '# %s\n' "$out" | head -c 2000
	fi
	ok $rc "milter: $1"
}
# both DESCRIPTION SENDER FROM refuse|continue EXPR: scan and milter
both() {
	t "$1" "$W/pf.conf" "$2" "$3" "$5"
	m "$1" "$2" "$3" "$4" "$5"
}

F=user@spffail.test
both "10-label From: the walk's 8th lookup is _dmarc.test; the 8-label record is never read; sp=reject of deep.test" \
	$F a@a.b.c.d.e.f.g.h.deep.test refuse \
	'v["action"]=="reject" and v["dsn"]=="5.7.26" and fact("dmarc.fail","policy_domain")=="deep.test" and fact("dmarc.fail","policy_tag")=="sp" and fact("dmarc.fail","psl_differs") is None'
both "psd=y at a TLD-like zone: brand.psd.test is its own organisational domain, SPF of other.psd.test does not align" \
	user@other.psd.test a@brand.psd.test refuse \
	'v["action"]=="reject" and "dmarc.fail" in codes and fact("dmarc.fail","treewalk_org_domain")=="brand.psd.test" and fact("dmarc.fail","psl_org_domain")=="psd.test" and fact("dmarc.fail","psl_differs")=="org_domain,outcome" and fact("dmarc.fail","psl_outcome")=="pass sp=reject"'
t "psd=y, org_domain = psl: the PSL aligns other.psd.test, accepted, the disagreement still reported" \
	"$W/psl.conf" user@other.psd.test a@brand.psd.test \
	'v["action"]=="accept" and codes==["dmarc.psl-differs"] and fact("dmarc.psl-differs","treewalk_outcome")=="fail sp=reject" and v["results"][0]["action"]=="none" and v["results"][0]["score"]==0'
both "psd=n at an intermediate label: dept.corp.test's sp=reject, mail.corp.test does not align" \
	user@mail.corp.test a@x.dept.corp.test refuse \
	'v["action"]=="reject" and fact("dmarc.fail","policy_domain")=="dept.corp.test" and fact("dmarc.fail","treewalk_org_domain")=="dept.corp.test" and fact("dmarc.fail","psl_org_domain")=="corp.test" and fact("dmarc.fail","psl_outcome")=="pass sp=none"'
both "np=reject for a subdomain that does not exist (NXDOMAIN)" \
	$F a@ghost.npdom.test refuse \
	'v["action"]=="reject" and fact("dmarc.fail","policy_tag")=="np" and fact("dmarc.fail","psl_differs")=="outcome" and fact("dmarc.fail","psl_outcome")=="fail sp=quarantine" and "does not exist" in v["reply"][0]'
both "an existing subdomain gets sp=quarantine, not np; the models agree" \
	$F a@real.npdom.test continue \
	'v["action"]=="annotate" and "dmarc.quarantine" in codes and fact("dmarc.quarantine","policy_tag")=="sp" and fact("dmarc.quarantine","psl_differs") is None'
both "t=y: p=reject applied one level lower (quarantine action, applied=no); the PSL model would reject" \
	$F a@testing.test continue \
	'v["action"]=="annotate" and fact("dmarc.fail","testing")=="yes" and fact("dmarc.fail","applied")=="no" and fact("dmarc.fail","psl_differs")=="outcome" and fact("dmarc.fail","psl_outcome")=="fail p=reject"'
both "pct=0 is ignored (not an RFC 9989 tag): p=reject applies; the PSL model would lower it" \
	$F a@pctzero.test refuse \
	'v["action"]=="reject" and fact("dmarc.fail","applied")=="yes" and fact("dmarc.fail","psl_outcome")=="fail p=reject lowered"'
t "pct=0 with org_domain = psl: not applied (annotate)" "$W/psl.conf" $F a@pctzero.test \
	'v["action"]=="annotate" and fact("dmarc.fail","applied")=="no" and fact("dmarc.fail","psl_differs")=="outcome"'
both "two records at the From domain are no record: the walk goes on to parent.test's sp=reject (RFC 7489: no policy)" \
	$F a@tworec.parent.test refuse \
	'v["action"]=="reject" and fact("dmarc.fail","policy_domain")=="parent.test" and fact("dmarc.fail","psl_outcome")=="none"'
t "two records, org_domain = psl: RFC 7489 6.6.3 ends discovery, no DMARC finding but the disagreement" "$W/psl.conf" $F a@tworec.parent.test \
	'codes==["spf.fail","dmarc.psl-differs"] and fact("dmarc.psl-differs","treewalk_outcome")=="fail sp=reject"'
both "a record at an intermediate label with none at the registrable domain: it is the organisational domain" \
	user@other.inter.test a@a.mid.inter.test refuse \
	'v["action"]=="reject" and fact("dmarc.fail","policy_domain")=="mid.inter.test" and fact("dmarc.fail","psl_differs")=="org_domain,outcome" and fact("dmarc.fail","psl_org_domain")=="inter.test" and fact("dmarc.fail","psl_outcome")=="none"'
both "an intermediate record below the registrable domain's changes nothing: inter2.test's sp=none, models agree" \
	$F a@a.mid.inter2.test continue \
	'"dmarc.none" in codes and fact("dmarc.none","policy_domain")=="inter2.test" and fact("dmarc.none","psl_differs") is None'
both "unknown tags are ignored: p=reject" $F a@unknown.test refuse \
	'v["action"]=="reject" and "dmarc.fail" in codes'

# preflight dmarc: the walk, the organisational domain, the policy and why
q0=$(pf_knot_queries)
out=$("$PF" dmarc --json -c "$W/pf.conf" a.b.c.d.e.f.g.h.deep.test)
q1=$(pf_knot_queries)
printf '%s\n' "$out" | $PY -c '
import json,sys
v=json.load(sys.stdin)
names=[s["name"] for s in v["walk"]]
want=["a.b.c.d.e.f.g.h.deep.test","d.e.f.g.h.deep.test","e.f.g.h.deep.test","f.g.h.deep.test","g.h.deep.test","h.deep.test","deep.test","test"]
sys.exit(0 if names==want and v["org_domain"]=="deep.test" and v["policy"]["tag"]=="sp" and v["differs"] is None else 1)'
ok $? "preflight dmarc --json: a 10-label name is walked in RFC 9989 order, 8 lookups"
[ $((q1 - q0)) -eq 8 ]
ok $? "and those 8 lookups are all the server sees (got $((q1 - q0)))"
out=$("$PF" dmarc -c "$W/pf.conf" x.dept.corp.test)
printf '%s\n' "$out" | grep -q '^organisational domain: dept.corp.test (4.10.2: the record with psd=n)$' &&
	printf '%s\n' "$out" | grep -q '^policy: sp=reject from _dmarc.dept.corp.test' &&
	printf '%s\n' "$out" | grep -q '^the models disagree: org_domain,outcome'
ok $? "preflight dmarc: organisational domain, policy and the disagreement in words"
"$PF" dmarc --json -c "$W/pf.conf" ghost.npdom.test | $PY -c '
import json,sys
v=json.load(sys.stdin)
sys.exit(0 if v["policy"]["tag"]=="np" and v["policy"]["nonexistent"] and v["psl"]["policy"]["tag"]=="sp" else 1)'
ok $? "preflight dmarc --json: np for a name that does not exist"
"$PF" dmarc -c "$W/pf.conf" >/dev/null 2>&1
ok "$([ $? = 2 ]; echo $?)" "preflight dmarc without a domain: usage, exit 2"

# The common case costs what it did: a From domain with its own record and
# SPF aligned by the same name asks nothing beyond that record (and SPF's).
q0=$(pf_knot_queries)
out=$("$PF" scan --json --config "$W/pf.conf" --from user@unknown.test --rcpt bob@example.net "$(msg a@unknown.test)")
q1=$(pf_knot_queries)
[ $((q1 - q0)) -le 2 ]
ok $? "own record, same domain: no tree walk (server saw $((q1 - q0)) queries, at most 2: SPF and _dmarc)"

echo "1..$n"
exit 0
