#!/bin/sh
# spf-dmarc.sh - SPF, DMARC and From checks through "preflight scan --json"
# against a real knot serving tests/data/dns on 127.0.0.1:$PF_DNS_PORT.
# Skipped when knotd is not installed.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
PF=$builddir/tools/preflight
PY=/usr/bin/python3
. "$srcdir/tests/knot.sh"

if ! command -v knotd >/dev/null 2>&1 || ! command -v knotc >/dev/null 2>&1; then
	echo "1..0 # SKIP knotd not installed"; exit 0
fi
W=$(mktemp -d)
trap 'pf_knot_stop; rm -rf "$W"' EXIT
if ! pf_knot_start "$srcdir/tests/data/dns" "$W/knot"; then
	echo "1..0 # SKIP cannot start knotd on port $PF_DNS_PORT"; exit 0
fi
cat > "$W/pf.conf" <<EOC
[dns]
config_file = $W/knot/unbound.conf
timeout = 1500
[spf]
egress_ips = 192.0.2.10 2001:db8::10
[from]
sasl_senders = $W/senders
[structure]
mode = off
EOC
printf 'alice alice@pass.example.test @incl.example.test\n' > "$W/senders"

n=0 fails=0
ok() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fails=$((fails+1)); fi; }

# msg FROM-HEADER [extra header line]: write a message file, print its path
msg() {
	f=$W/m$n.$$
	case $1 in
	RAW:*) printf '%b\nTo: bob@example.net\nSubject: test\n\nhello\n' "${1#RAW:}" > "$f" ;;
	*) printf 'From: %s\nTo: bob@example.net\nSubject: test\n\nhello\n' "$1" > "$f" ;;
	esac
	echo "$f"
}
# scan SENDER FROMHDR [scan options...] -> JSON on stdout
scan() {
	s=$1 h=$2; shift 2
	"$PF" scan --json --config "$W/pf.conf" --from "$s" --rcpt bob@example.net "$@" "$(msg "$h")"
}
# check JSON-LINE PYTHON-EXPR: true when expr holds for v (last decision)
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
t() { # t DESCRIPTION SENDER FROMHDR EXPR [scan options]
	d=$1 s=$2 h=$3 e=$4; shift 4
	out=$(scan "$s" "$h" "$@"); check "$out" "$e"; rc=$?
	[ $rc = 0 ] || printf '# %s\n' "$out" | head -c 1500
	ok $rc "$d"
}

t "SPF pass for every egress IP, DMARC pass: accepted" user@pass.example.test alice@pass.example.test \
	'v["action"]=="accept" and codes==[]'
t "SPF fail + DMARC p=reject: reject 550 5.7.26 naming domain and policy" user@fail.example.test a@fail.example.test \
	'v["action"]=="reject" and v["code"]=="550" and v["dsn"]=="5.7.26" and "spf.fail" in codes and "dmarc.fail" in codes and "p=reject" in v["reply"][0] and "fail.example.test" in v["reply"][0]'
t "SPF fail explains the fix with both egress IPs" user@fail.example.test a@fail.example.test \
	'any("add ip4:192.0.2.10 ip6:2001:db8::10 to the SPF record of fail.example.test" in (r.get("fix") or "") for r in v["results"])'
t "SPF fail names the record and the deciding term" user@fail.example.test a@fail.example.test \
	'fact("spf.fail","spf_record")=="v=spf1 ip4:198.51.100.1 -all" and fact("spf.fail","mechanism")=="-all"'
t "SPF fail with an aligned DKIM signing domain: DMARC passes, SPF only annotates" user@fail.example.test a@fail.example.test \
	'v["action"]=="annotate" and "spf.fail" in codes and "dmarc.fail" not in codes' --dkim-domain fail.example.test
t "softfail; subdomain without own record uses the org domain's sp=quarantine" user@softfail.example.test a@softfail.example.test \
	'"spf.softfail" in codes and "dmarc.quarantine" in codes and fact("dmarc.quarantine","policy_domain")=="example.test" and v["action"]=="annotate"'
t "neutral is reported with score only" user@neutral.example.test a@pass.example.test \
	'"spf.neutral" in codes and fact("spf.neutral","mechanism")=="?all"'
t "no SPF record: no SPF finding, DMARC quarantine via sp" user@none.example.test a@none.example.test \
	'not any(c.startswith("spf.") for c in codes) and "dmarc.quarantine" in codes'
t "IPv6 egress IP missing from the record: fail names only 2001:db8::10" user@v4only.example.test a@pass.example.test \
	'fact("spf.fail","egress_ip")=="2001:db8::10"'
t "include: passes both IPs" user@incl.example.test a@incl.example.test 'codes==[] or "dmarc.quarantine" not in codes and not any(c.startswith("spf.") for c in codes)'
t "redirect= passes both IPs" user@redir.example.test a@pass.example.test 'not any(c.startswith("spf.") for c in codes)'
t "macros %{ir} and %{d} (IPv4 and IPv6) pass" user@macro.example.test a@pass.example.test 'not any(c.startswith("spf.") for c in codes)'
t "11 includes: spf.lint.too-many-lookups (permerror) with the count" user@toomany.example.test a@pass.example.test \
	'"spf.lint.too-many-lookups" in codes and fact("spf.lint.too-many-lookups","dns_lookups")=="11" and v["results"][0]["dsn"]=="5.7.24"'
t "12 nested includes: permerror at the 11th, naming it and the chain" user@chain.example.test a@chain.example.test \
	'"spf.lint.too-many-lookups" in codes and fact("spf.lint.too-many-lookups","dns_lookups")=="11" and "include:c11.chain.example.test in the record of c10.chain.example.test" in fact("spf.lint.too-many-lookups","error") and "include:c1.chain.example.test > " in fact("spf.lint.too-many-lookups","error")'
t "12 nested includes under p=reject: DMARC fails, reject 550 5.7.26" user@chain.example.test a@chain.example.test \
	'v["action"]=="reject" and v["dsn"]=="5.7.26" and "dmarc.fail" in codes'
t "a 1,672-byte record in 7 strings with 91 ip4: terms and the relay last: pass" user@long.example.test a@long.example.test \
	'v["action"]=="accept" and codes==[]'
t "include:%{i}._ip.%{h}._ehlo.%{d}._spf (IPv4 and IPv6 %{i}): pass" user@vendor.example.test a@pass.example.test \
	'not any(c.startswith("spf.") for c in codes)' --helo relay.example.test
t "3 void lookups: spf.lint.void-lookups" user@voids.example.test a@pass.example.test \
	'"spf.lint.void-lookups" in codes and fact("spf.lint.void-lookups","void_lookups")=="3"'
t "2 void lookups are allowed" user@twovoids.example.test a@pass.example.test 'not any(c.startswith("spf.") for c in codes)'
t "two v=spf1 records: spf.lint.multiple-records" user@multi.example.test a@pass.example.test '"spf.lint.multiple-records" in codes'
t "syntax error: spf.permerror naming the bad term" user@syntax.example.test a@pass.example.test \
	'"spf.permerror" in codes and "300.1.1.1" in fact("spf.permerror","error")'
t "include of a zone the server refuses: temperror, tempfail 451 4.7.24 at MAIL" user@tempinc.example.test a@pass.example.test \
	'v["action"]=="tempfail" and v["code"]=="451" and v["dsn"]=="4.7.24" and codes==["spf.temperror"]'
t "DMARC record in a zone the server refuses: dmarc.temperror 451 4.7.24" user@pass.example.test a@unserved.test \
	'v["action"]=="tempfail" and v["dsn"]=="4.7.24" and "dmarc.temperror" in codes'
t "strict aspf: SPF pass for sub.strict does not align with strict.example.test" user@sub.strict.example.test a@strict.example.test \
	'"dmarc.fail" in codes and v["action"]=="reject"'
t "relaxed aspf: SPF pass for news.example.co.uk aligns with example.co.uk (org domain under co.uk)" user@news.example.co.uk a@example.co.uk \
	'v["action"]=="accept" and codes==[]'
t "From news.example.co.uk inherits example.co.uk's policy (sp=reject)" user@bad.example.co.uk a@news.example.co.uk \
	'"dmarc.fail" in codes and fact("dmarc.fail","policy_domain")=="example.co.uk" and fact("dmarc.fail","policy")=="reject"'
t "p=quarantine: dmarc.quarantine, default action annotate" user@quar.example.test a@quar.example.test \
	'"dmarc.quarantine" in codes and v["action"]=="annotate"'
t "p=none: dmarc.none, score only" user@pnone.example.test a@pnone.example.test \
	'"dmarc.none" in codes and v["action"] in ("annotate","accept")'
# RFC 9989 has no pct (the default org_domain = treewalk): p=reject applies;
# RFC 7489 would not apply it, and the verdict says so
t "pct=0 is not an RFC 9989 tag: p=reject applies, psl_differs=outcome" user@pct0.example.test a@pct0.example.test \
	'fact("dmarc.fail","applied")=="yes" and v["action"]=="reject" and fact("dmarc.fail","psl_differs")=="outcome"'
t "missing DMARC record is no policy" user@nopolicy.test a@nopolicy.test \
	'"spf.fail" in codes and not any(c.startswith("dmarc.") for c in codes)'
t "null sender: HELO identity checked, never aligned" "" a@pass.example.test \
	'v["action"]=="reject" and "dmarc.fail" in codes' --helo pass.example.test

# From header cases
P=user@pass.example.test
t "two From headers: from.multiple 550 5.7.1" $P 'RAW:From: a@pass.example.test\nFrom: b@pass.example.test' \
	'"from.multiple" in codes and v["code"]=="550" and v["dsn"]=="5.7.1"'
t "two mailboxes in From (CVE-2019-16378): from.multiple-mailboxes, no DMARC pass" $P 'a <a@evil.test>, b <b@pass.example.test>' \
	'"from.multiple-mailboxes" in codes and v["dsn"]=="5.7.1" and v["action"]=="reject"'
t "unparsable From: from.unparsable 550 5.6.0" $P '<<<>>>' '"from.unparsable" in codes and v["dsn"]=="5.6.0"'
t "address without domain (CVE-2021-34555): from.no-domain 5.6.0" $P 'Alice <alice>' '"from.no-domain" in codes and v["dsn"]=="5.6.0"'
t "comment syntax in the domain (CVE-2020-12272) never aligns" $P 'a@example.net(.pass.example.test' \
	'v["action"]=="reject" and not any(c=="dmarc.pass" for c in codes)'
t "missing From: left to the MTA, no From finding and no DMARC" $P 'RAW:Sender: a@pass.example.test' 'not any(c.startswith("from.") or c.startswith("dmarc.") for c in codes)'
t "display name showing another address: from.display-spoof" $P '"ceo@pass.example.test" <x@fail.example.test>' \
	'"from.display-spoof" in codes and "ceo@pass.example.test" in fact("from.display-spoof","display")'
t "display name showing another domain: from.display-spoof" $P '"paypal.com support" <x@pass.example.test>' '"from.display-spoof" in codes'
t "display name with the same address is fine" $P '"alice@pass.example.test" <alice@pass.example.test>' 'codes==[]'
t "SASL user with an allowed address: accepted" $P 'alice@pass.example.test' 'codes==[]' --auth-user alice
t "SASL user with an allowed domain (@domain entry)" user@incl.example.test 'x@incl.example.test' '"from.identity" not in codes' --auth-user alice
t "SASL user with another address: from.identity names user and address" $P 'bob@pass.example.test' \
	'"from.identity" in codes and v["dsn"]=="5.7.1" and "alice" in v["reply"][0] and "bob@pass.example.test" in v["reply"][0]' --auth-user alice

# Authentication-Results on relayed mail
out=$("$PF" scan --config "$W/pf.conf" --from user@pass.example.test --emit - "$(msg a@pass.example.test)")
printf '%s\n' "$out" | grep -q '^Authentication-Results: ' &&
	printf '%s\n' "$out" | grep -q 'spf=pass .*smtp.mailfrom=pass.example.test' &&
	printf '%s\n' "$out" | grep -q 'dmarc=pass .*header.from=pass.example.test'
ok $? "Authentication-Results with predicted spf and dmarc is added to relayed mail"

# Cache: a second message from the same domain asks the server nothing.
# Both messages go through one configuration (one resolver), as in the milter.
q0=$(pf_knot_queries)
"$PF" dns-lookup -c "$W/pf.conf" TXT cache1.example.test >/dev/null
q1=$(pf_knot_queries)
"$PF" dns-lookup -c "$W/pf.conf" --repeat 5 --threads 4 TXT pass.example.test _dmarc.pass.example.test > "$W/cache.out"
q2=$(pf_knot_queries)
cached=$(sed -n 's/^lookups=40 cached=\([0-9]*\)$/\1/p' "$W/cache.out")
[ $((q1 - q0)) -ge 1 ] && [ $((q2 - q1)) -le 2 ] && [ -n "$cached" ]
ok $? "40 lookups of 2 names from 4 threads cost at most 2 upstream queries (got $((q2 - q1)))"
ok "$([ "${cached:-0}" -ge 30 ]; echo $?)" "and at least 30 of them come from preflight's own cache, not libunbound's thread (got ${cached:-none})"
# The TTL is honoured: a 2-second record is asked again after 4.5 s, by
# both caches; within its TTL it is not.  (libunbound keeps time in whole
# seconds and keeps a record through its last second: 2.5 s was sometimes
# still inside.)
q0=$(pf_knot_queries)
"$PF" dns-lookup -c "$W/pf.conf" --repeat 2 TXT ttl2.example.test > "$W/ttl.out"
q1=$(pf_knot_queries)
"$PF" dns-lookup -c "$W/pf.conf" --repeat 2 --wait 4500 TXT ttl2.example.test > "$W/ttl2.out"
q2=$(pf_knot_queries)
grep -q 'short-lived' "$W/ttl2.out" && [ $((q1 - q0)) -eq 1 ] && grep -q '^lookups=2 cached=1$' "$W/ttl.out"
ok $? "a record looked up twice within its TTL: one upstream query, one cache hit (got $((q1 - q0)))"
[ $((q2 - q1)) -eq 2 ] && grep -q '^lookups=2 cached=0$' "$W/ttl2.out"
ok $? "after its 2 s TTL: asked upstream again (got $((q2 - q1)) queries)"

# Temperror within the bound when the server is stopped
pf_knot_stop
start=$(date +%s%N)
out=$(scan user@stopped.example.test a@stopped.example.test)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "$out" 'v["action"]=="tempfail" and v["dsn"]=="4.7.24" and "timed out" in v["reply"][0]'
ok $? "server stopped: tempfail 451 4.7.24 'timed out'"
[ $ms -lt 4000 ]
ok $? "server stopped: decided in ${ms} ms (timeout 1500 ms, bound 4000 ms)"

echo "1..$n"
exit 0
