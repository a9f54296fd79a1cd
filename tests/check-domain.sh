#!/bin/sh
# check-domain.sh - "preflight check-domain" against a real knot serving
# tests/data/dnsdomain (the root, .test, and the reverse zones of
# 192.0.2.0/24 and 2001:db8::/32), with DKIM keys made at run time: a
# good domain, broken SPF, SPF failing the egress IPs, a DKIM key
# missing, one mismatched, one short, an external DMARC rua without
# authorisation, tree walk and PSL disagreeing, null MX, NXDOMAIN, a
# listed domain; the relay's PTR, FCrDNS and HELO, egress IPs in a
# Spamhaus-style blocklist (IPv4 reversed, IPv6 nibbles, 127.255.255.254
# an error, not a listing; so are 127.255.255.255 and URIBL's 127.0.0.1);
# human and JSON output; exit statuses; DNS
# down: every line says so within the timeouts.
# Skipped when knotd is not installed.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
PF=$builddir/tools/preflight
PY=/usr/bin/python3
. "$srcdir/tests/tap.sh"

command -v knotd >/dev/null 2>&1 || skip_all "knotd not installed"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"
. "$srcdir/tests/knot.sh"
W=$(mktemp -d /tmp/pf-checkdom.XXXXXX)
trap 'pf_knot_stop; rm -rf "$W"' EXIT
mkdir -p "$W/zones"
cp "$srcdir"/tests/data/dnsdomain/*.zone "$W/zones/"
rec() { sed 's/.*( \(.*\) )$/\1/' "$1"; }
for k in good nokey mismatch other; do
	"$PF" dkim keygen --type rsa --domain $k.test --selector s1 --out "$W/$k.pem" > "$W/$k.rec" ||
		skip_all "dkim keygen failed"
done
openssl genrsa -out "$W/short.pem" 1024 2>/dev/null
chmod 600 "$W"/*.pem
{ printf 's1._domainkey.good TXT %s\n' "$(rec "$W/good.rec")"
  printf 's1._domainkey.mismatch TXT %s\n' "$(rec "$W/other.rec")"
  printf 'short MX 10 mx.good\ns1._domainkey.short TXT "v=DKIM1; k=rsa; p=%s"\n' \
	"$(openssl rsa -in "$W/short.pem" -pubout -outform DER 2>/dev/null | base64 -w0)"
} >> "$W/zones/test.zone"
for k in good nokey mismatch short; do echo "$k $k.test:s1:$W/$k.pem"; done > "$W/keytable"
for k in good nokey mismatch short; do echo "$k.test $k"; done > "$W/signingtable"
pf_knot_start "$W/zones" "$W/knot" || skip_all "cannot start knotd"
cp "$W/knot/unbound.conf" "$W/unbound.conf"	# reverse zones answered by knot

conf() {	# FILE EGRESS [extra]
	{ printf '[dns]\nconfig_file = %s/unbound.conf\ntimeout = 1500\n' "$W"
	  printf '[spf]\negress_ips = %s\nhelo_name = mail.good.test\n' "$2"
	  printf '[dkim]\nkey_table = %s/keytable\nsigning_table = %s/signingtable\nmin_key_bits = 1024\n' "$W" "$W"
	  printf '%b' "${3:-}"; } > "$1"
}
conf "$W/all.conf" "192.0.2.10 2001:db8::10 192.0.2.20 192.0.2.30" \
	'[dnsbl]\nip_lists = zen.bl.test=spamhaus\ndomain_lists = dbl.bl.test=spamhaus-dbl uri.bl.test=uribl\n'
conf "$W/good.conf" "192.0.2.10 2001:db8::10"

# --- the good domain with a good relay: every line passes, exit 0 ----
out=$("$PF" check-domain -c "$W/good.conf" good.test 2>/dev/null); rc=$?
is "$rc" 0 "good domain, good relay: exit status 0"
printf '%s\n' "$out" > "$W/good.out"
cat > "$W/good.want" <<'EOW'
relay: pass
  PASS  ptr      192.0.2.10    mail.good.test
  PASS  fcrdns   192.0.2.10    mail.good.test -> 192.0.2.10
  PASS  helo     192.0.2.10    mail.good.test -> 192.0.2.10
  PASS  ptr      2001:db8::10  mail.good.test
  PASS  fcrdns   2001:db8::10  mail.good.test -> 2001:db8::10
  PASS  helo     2001:db8::10  mail.good.test -> 2001:db8::10

good.test: pass
  PASS  exists   SOA            exists (below its zone's apex)
  PASS  mx       MX             MX 10 mx.good.test
  PASS  spf      record         v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all
  PASS  spf      lookups        0 of 10 DNS-querying terms, 0 of 2 void lookups
  PASS  spf      192.0.2.10     pass (ip4:192.0.2.0/24)
  PASS  spf      2001:db8::10   pass (ip6:2001:db8::/32)
  PASS  dkim     s1._domainkey  published, matches the private key
  PASS  dkim     s1._domainkey  rsa 2048 bits
  PASS  dmarc    record         v=DMARC1; p=reject; rua=mailto:dmarc@good.test,mailto:agg@reports.test; adkim=s
  PASS  dmarc    policy         p=reject sp=reject np=reject t=n psd=u; p applies: reject
  PASS  dmarc    alignment      adkim=s (strict) aspf=r (relaxed)
  PASS  dmarc    rua            mailto:dmarc@good.test (same organisation)
  PASS  dmarc    rua            mailto:agg@reports.test: external, authorised at good.test._report._dmarc.reports.test
  PASS  dmarc    org-domain     good.test (tree walk and PSL agree)
  PASS  mta-sts  _mta-sts       v=STSv1; id=20261201
  PASS  tls-rpt  _smtp._tls     v=TLSRPTv1; rua=mailto:tls@good.test
EOW
diff "$W/good.want" "$W/good.out" > "$W/good.diff"; rc=$?
ok $rc "good domain: the human report, line by line"
[ $rc = 0 ] || diag "$(cat "$W/good.diff")"
unlike "$out" "$(printf '\033')" "no colour when standard output is not a terminal"

# --- everything at once, as JSON -------------------------------------
D="good.test badspf.test spffail.test nokey.test mismatch.test short.test extrua.test brand.psd.test nullmx.test missing.test listed.test quota.test urierr.test"
json=$("$PF" check-domain --json -c "$W/all.conf" $D 2>/dev/null); rc=$?
is "$rc" 2 "failures: exit status 2"
printf '%s\n' "$json" > "$W/all.json"
# L SUBJECT AREA ITEM: "status|value|fix" of the first matching line
L() {
	$PY - "$W/all.json" "$@" <<'EOP'
import json,sys
doc=json.load(open(sys.argv[1])); subj,area,item=sys.argv[2:5]
m=[l for r in doc["reports"] if r["subject"]==subj for l in r["lines"]
   if l["area"]==area and (item=="*" or l["item"]==item)]
n=int(sys.argv[5]) if len(sys.argv)>5 else 0
print("%s|%s|%s" % (m[n]["status"],m[n]["value"],m[n]["fix"]) if len(m)>n else "none")
EOP
}
J() { $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$W/all.json" "$1"; }
is "$(J 'd["status"]')" fail "JSON: overall status fail"
is "$(J '[r["subject"] for r in d["reports"]]')" "['relay', 'good.test', 'badspf.test', 'spffail.test', 'nokey.test', 'mismatch.test', 'short.test', 'extrua.test', 'brand.psd.test', 'nullmx.test', 'missing.test', 'listed.test', 'quota.test', 'urierr.test']" \
	"JSON: the relay report, then one per domain, in order"
is "$(J '[r["status"] for r in d["reports"] if r["subject"]=="good.test"]')" "['pass']" "JSON: good.test passes"

# relay
like "$(L relay fcrdns 192.0.2.20)" "^fail\|nofwd\.good\.test does not resolve back to 192\.0\.2\.20 \(nxdomain\)\|Publish an address record" \
	"PTR without forward confirmation: fail, with the fix"
like "$(L relay helo 192.0.2.20)" "^fail\|HELO mail\.good\.test does not resolve to 192\.0\.2\.20 \(192\.0\.2\.10\)" "HELO name not resolving to the IP: fail"
like "$(L relay ptr 192.0.2.30)" "^fail\|no PTR record at 30\.2\.0\.192\.in-addr\.arpa" "missing PTR: fail, naming the reverse name"
is "$(L relay dnsbl '192.0.2.10 zen.bl.test')" "pass|not listed|None" "egress IP not listed: pass"
like "$(L relay dnsbl '192.0.2.20 zen.bl.test')" "^fail\|listed: 127\.0\.0\.2,127\.0\.0\.4 \(SBL: a known spam source or spam operation; XBL: an exploited host \(bot, proxy, malware\)\); TXT: https://check\.spamhaus\.org/query/ip/192\.0\.2\.20\|Look it up at https://check\.spamhaus\.org/" \
	"listed IPv4: the codes, their meaning, the TXT reason and the delisting fix"
like "$(L relay dnsbl '2001:db8::10 zen.bl.test')" "^fail\|listed: 127\.0\.0\.11 \(PBL \(Spamhaus\)" "listed IPv6 (nibble form): PBL"
like "$(L relay dnsbl '192.0.2.30 zen.bl.test')" "^warn\|not checked: Spamhaus refuses queries through public or open resolvers \(127\.255\.255\.254\).*\|Run your own recursive resolver.*DQS key" \
	"127.255.255.254 is an error, not a listing: own resolver or DQS key"
# SPF
like "$(L badspf.test spf record)" "^fail\|v=spf1 ip4:192\.0\.2\.10 foo:bar -all: .*unknown mechanism \"foo\"\|correct the SPF record's syntax" "broken SPF: the record line fails, naming the error"
like "$(L badspf.test spf 192.0.2.10)" "^fail\|permerror" "broken SPF: each egress IP permerror"
is "$(L spffail.test spf 192.0.2.20)" "fail|fail: -all|Add ip4:192.0.2.20 to the SPF record" "SPF fail: the deciding term and the term to add"
is "$(L good.test spf lookups)" "pass|0 of 10 DNS-querying terms, 0 of 2 void lookups|None" "SPF lookup and void counts"
like "$(L nokey.test spf record)" "^fail\|no v=spf1 record\|Publish TXT \"v=spf1 ip4:192\.0\.2\.10 ip6:2001:db8::10 ip4:192\.0\.2\.20 ip4:192\.0\.2\.30 -all\"" "no SPF: the record to publish, from the egress IPs"
# DKIM
like "$(L nokey.test dkim s1._domainkey)" "^fail\|missing: s1\._domainkey\.nokey\.test has no TXT record\|Publish TXT s1\._domainkey\.nokey\.test \"v=DKIM1; k=rsa; p=" "DKIM key not published: fail with the record to publish"
like "$(L mismatch.test dkim s1._domainkey)" "^fail\|mismatch: the published p= is a different key" "DKIM key published but different: fail"
is "$(L short.test dkim s1._domainkey 1)" "warn|rsa 1024 bits: below the 2048 bits receivers ask for|Generate a 2048-bit RSA key (preflight dkim keygen --bits 2048) and publish it under a new selector" \
	"RSA 1024: warn"
like "$(L badspf.test dkim selector)" "^warn\|no DKIM key configured for badspf\.test" "no key configured for the domain: warn"
# DMARC
like "$(L extrua.test dmarc rua)" "^fail\|mailto:agg@reports\.test: external, not authorised: no v=DMARC1 at extrua\.test\._report\._dmarc\.reports\.test\|Ask the report receiver to publish" \
	"external rua without authorisation: fail, naming the record that is missing"
like "$(L good.test dmarc rua 1)" "^pass\|mailto:agg@reports\.test: external, authorised" "external rua with authorisation: pass"
is "$(L brand.psd.test dmarc org-domain)" "warn|tree walk: brand.psd.test, PSL: psd.test (they differ)|Receivers that still use the Public Suffix List align differently: publish the record where both find it" \
	"tree walk and PSL differ: a line says so"
is "$(L brand.psd.test dmarc policy)" "pass|p=reject sp=reject np=reject t=n psd=y; sp applies: reject|None" "p/sp/np/t/psd"
like "$(L spffail.test dmarc record)" "^warn\|v=DMARC1; p=none\|.*move to p=quarantine" "p=none: warn"
like "$(L nokey.test dmarc record)" "^fail\|no DMARC record" "no DMARC record: fail"
# MX, existence, MTA-STS, TLS-RPT, domain blocklist
like "$(L nullmx.test mx MX)" "^fail\|null MX \(MX 0 \.\)" "null MX: noted"
like "$(L missing.test exists SOA)" "^fail\|NXDOMAIN: missing\.test does not exist" "NXDOMAIN: fail"
is "$(J '[len(r["lines"]) for r in d["reports"] if r["subject"]=="missing.test"]')" "[1]" "NXDOMAIN: nothing else is looked up"
like "$(L nokey.test mta-sts _mta-sts)" "^warn\|no v=STSv1 record at _mta-sts\.nokey\.test\|.*RFC 8461" "no MTA-STS: warn"
like "$(L nokey.test tls-rpt _smtp._tls)" "^warn\|no v=TLSRPTv1 record" "no TLS-RPT: warn"
like "$(L listed.test dnsbl 'listed.test dbl.bl.test')" "^fail\|listed: 127\.0\.1\.2 \(DBL: spam domain\); TXT: listed\.test is a spam domain" "listed domain: fail with the meaning and TXT"

like "$(L quota.test dnsbl 'quota.test dbl.bl.test')" "^warn\|not checked: Spamhaus: over the free-use query limit \(127\.255\.255\.255\).*\|Register for a Spamhaus DQS key" \
	"127.255.255.255 (over quota) is an error, not a listing: get a DQS key"
like "$(L urierr.test dnsbl 'urierr.test uri.bl.test')" "^warn\|not checked: URIBL refused the query \(127\.0\.0\.1" \
	"URIBL 127.0.0.1 is an error, not a listing"
is "$(L good.test dnsbl 'good.test uri.bl.test')" "pass|not listed|None" "a domain not in a list: pass"

# the same in human form: a listed line with its fix below it
txt=$("$PF" check-domain -c "$W/all.conf" listed.test 2>/dev/null)
like "$txt" "  FAIL  dnsbl    listed\.test dbl\.bl\.test +listed: 127\.0\.1\.2 \(DBL: spam domain\)" "human: the listed line"
like "$txt" "
 +fix: Look it up at https://check\.spamhaus\.org/" "human: its fix on the next line"

# warnings only: exit 1
conf "$W/warn.conf" "192.0.2.10"
"$PF" check-domain -c "$W/warn.conf" spffail.test >/dev/null 2>&1; rc=$?
is "$rc" 2 "SPF failing: exit 2"
"$PF" check-domain -c "$W/warn.conf" brand.psd.test >/dev/null 2>&1; rc=$?
is "$rc" 2 "no SPF for brand.psd.test: exit 2"
printf '[dns]\nconfig_file = %s/unbound.conf\n[spf]\negress_ips = 192.0.2.10\nhelo_name = mail.good.test\n' "$W" > "$W/nodkim.conf"
"$PF" check-domain -c "$W/nodkim.conf" good.test >/dev/null 2>&1; rc=$?
is "$rc" 1 "only warnings (no DKIM key configured): exit 1"
"$PF" check-domain -c "$W/good.conf" >/dev/null 2>&1; rc=$?
is "$rc" 64 "no domain: usage error, exit 64"
"$PF" check-domain -c "$W/good.conf" 'bad domain!' >/dev/null 2>&1; rc=$?
is "$rc" 64 "not a domain name: exit 64"
printf '[dnsbl]\nip_lists = zen.bl.test=nosuchkind\n' > "$W/bad.conf"
err=$("$PF" check-domain -c "$W/bad.conf" good.test 2>&1); rc=$?
is "$rc" 78 "configuration error: exit 78"
like "$err" "\[dnsbl\] ip_lists: \"zen\.bl\.test=nosuchkind\" is not ZONE or ZONE=KIND" "and says which list is wrong"

# --- DNS down: every line says so, within the timeouts ---------------
pf_knot_stop
conf "$W/down.conf" "192.0.2.10" '[dnsbl]\nip_lists = zen.bl.test=spamhaus\ndomain_lists = dbl.bl.test=spamhaus-dbl\n'
sed -i 's/^timeout = 1500/timeout = 300/' "$W/down.conf"
t0=$(date +%s%N)
json=$("$PF" check-domain --json -c "$W/down.conf" good.test 2>/dev/null); rc=$?
t1=$(date +%s%N)
printf '%s\n' "$json" > "$W/down.json"
is "$rc" 1 "DNS down: warnings, exit 1 (nothing is known to fail)"
bad=$($PY -c 'import json,sys
d=json.load(open(sys.argv[1]))
print([(r["subject"],l["area"],l["item"],l["value"]) for r in d["reports"] for l in r["lines"]
       if not ("DNS" in l["value"] or "temperror" in l["value"])
       and not (l["area"]=="dkim" and l["value"].endswith(" bits"))])' "$W/down.json")
is "$bad" "[]" "DNS down: every line (but the key length) says the DNS did not answer"
n=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(len(r["lines"]) for r in d["reports"]))' "$W/down.json")
ms=$(( (t1 - t0) / 1000000 ))
ok $([ "$ms" -lt $(( (n + 4) * 300 + 2000 )) ]; echo $?) "DNS down: $n lines in ${ms} ms (each lookup bounded by the 300 ms timeout)"
tap_done
