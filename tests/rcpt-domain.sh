#!/bin/sh
# rcpt-domain.sh - the [domain] check against a real knot serving
# tests/data/dnsdomain (the root and .test, so that gmial.com is answered
# NXDOMAIN here): each recipient of one "preflight scan --json" run is
# refused on its own for NXDOMAIN, null MX, no mail host (550 5.1.2 /
# 556 5.1.10), the others pass; the MAIL FROM and From domains must exist
# (550 5.1.8); typo hints; DNS trouble never refuses (accept, or 451 with
# dns_error_action = tempfail) and ends within the timeout.
# Skipped when knotd is not installed.
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
builddir=${top_builddir:-$srcdir}
PF=$builddir/tools/preflight
PY=/usr/bin/python3
. "$srcdir/tests/tap.sh"

command -v knotd >/dev/null 2>&1 || skip_all "knotd not installed"
. "$srcdir/tests/knot.sh"
W=$(mktemp -d /tmp/pf-rcptdom.XXXXXX)
trap 'pf_knot_stop; rm -rf "$W"' EXIT
pf_knot_start "$srcdir/tests/data/dnsdomain" "$W/knot" ||
	skip_all "cannot start knotd"

conf() {	# FILE [extra]
	{ printf '[dns]\nconfig_file = %s/knot/unbound.conf\ntimeout = 1500\n' "$W"
	  printf '[spf]\negress_ips = 192.0.2.10\n[structure]\nmode = off\n'
	  printf '[domain]\nmode = enforce\n%b' "${2:-}"; } > "$1"
}
conf "$W/pf.conf" 'typo_hints = yes\n'
msg() {	# FROM: a message file
	printf 'From: %s\nTo: x@good.test\nSubject: t\nDate: Tue, 1 Dec 2026 10:00:00 +0000\nMessage-ID: <1@sender.test>\n\nhello\n' "$1" > "$W/m.eml"
	echo "$W/m.eml"
}
# jq-like: PYTHON-EXPR over the decisions (d: list of objects)
q() {
	printf '%s\n' "$1" | $PY -c '
import json,sys
d=[json.loads(l) for l in sys.stdin if l.startswith("{")]
def rc(o): return [r["code"] for r in o["results"]]
def fact(o,code,key):
    for r in o["results"]:
        if r["code"]==code: return r.get("facts",{}).get(key)
print(eval(sys.argv[1]))' "$2"
}

out=$("$PF" scan --json -c "$W/pf.conf" --from a@sender.test \
	--rcpt x@good.test --rcpt y@missing.test --rcpt z@nullmx.test \
	--rcpt w@nohost.test --rcpt v@addr.test --rcpt u@addr6.test \
	--rcpt t@gmial.com "$(msg a@sender.test)")
is "$(q "$out" 'len(d)')" 5 "five decisions: four refused recipients and the message"
is "$(q "$out" '[(o["recipient"],o["code"],o["dsn"],rc(o)) for o in d[:4]]')" \
	"[('y@missing.test', '550', '5.1.2', ['domain.rcpt-unknown']), ('z@nullmx.test', '556', '5.1.10', ['domain.rcpt-null-mx']), ('w@nohost.test', '550', '5.1.2', ['domain.rcpt-no-mail-host']), ('t@gmial.com', '550', '5.1.2', ['domain.rcpt-unknown'])]" \
	"each bad recipient refused on its own, with its code"
is "$(q "$out" 'd[-1]["rcpts"]')" "['x@good.test', 'v@addr.test', 'u@addr6.test']" \
	"MX, A-only and AAAA-only domains are accepted"
is "$(q "$out" 'd[-1]["rcpts_refused"]')" 4 "the message goes on with four recipients refused"
is "$(q "$out" 'd[-1]["action"]')" accept "and is accepted"
is "$(q "$out" 'fact(d[0],"domain.rcpt-unknown","dns")')" NXDOMAIN "NXDOMAIN: the finding says what the DNS said"
like "$(q "$out" 'd[0]["reply"]')" "the domain missing\.test does not exist \(the DNS answers NXDOMAIN\)" \
	"NXDOMAIN: the reply names the domain"
like "$(q "$out" 'd[1]["reply"]')" "nullmx\.test accepts no mail \(it publishes a null MX, RFC 7505\)" \
	"null MX: the reply says so"
is "$(q "$out" 'fact(d[2],"domain.rcpt-no-mail-host","dns")')" "no MX, no A, no AAAA record" \
	"no mail host: what the DNS lacks"
is "$(q "$out" 'fact(d[3],"domain.rcpt-unknown","did_you_mean")')" gmail.com "typo hint: gmial.com -> gmail.com"
like "$(q "$out" 'd[3]["reply"]')" "Did you mean gmail\.com\?" "typo hint in the reply"

# the text form: the decision line per recipient
txt=$("$PF" scan -c "$W/pf.conf" --from a@sender.test --rcpt y@missing.test \
	--rcpt x@good.test "$(msg a@sender.test)")
like "$txt" "action=reject stage=rcpt code=550 dsn=5\.1\.2 reasons=domain\.rcpt-unknown .*rcpt=<y@missing\.test> .*domain\.name=missing\.test domain\.dns=NXDOMAIN" \
	"decision line for the refused recipient"
like "$txt" "reply: 550-5\.1\.2 Recipient y@missing\.test: the domain missing\.test does not exist" "its reply lines"

# typo hints are off by default
conf "$W/plain.conf"
out=$("$PF" scan --json -c "$W/plain.conf" --from a@sender.test --rcpt t@gmial.com "$(msg a@sender.test)")
is "$(q "$out" 'fact(d[0],"domain.rcpt-unknown","did_you_mean")')" None "no typo hint unless typo_hints = yes"

# sending domains
out=$("$PF" scan --json -c "$W/pf.conf" --from a@ghost.test --rcpt x@good.test "$(msg a@ghost.test)")
is "$(q "$out" '(len(d),d[0]["stage"],d[0]["code"],d[0]["dsn"],rc(d[0]))')" \
	"(1, 'mail', '550', '5.1.8', ['domain.sender-unknown'])" "MAIL FROM domain NXDOMAIN: refused at MAIL, 550 5.1.8"
like "$(q "$out" 'd[0]["reply"]')" "sender domain ghost\.test does not exist" "the reply names the sender domain"
out=$("$PF" scan --json -c "$W/pf.conf" --from a@sender.test --rcpt x@good.test "$(msg a@ghost.test)")
is "$(q "$out" '(d[-1]["stage"],d[-1]["dsn"],rc(d[-1]))')" "('eoh', '5.1.8', ['domain.from-unknown'])" \
	"From domain NXDOMAIN: refused after the headers"
out=$("$PF" scan --json -c "$W/pf.conf" --from "" --rcpt x@good.test "$(msg a@sender.test)")
is "$(q "$out" 'd[-1]["action"]')" accept "the null sender is not looked up"

# monitor: logged, nothing refused
conf "$W/mon.conf" 'mode = monitor\n'
sed -i '/^mode = enforce$/d' "$W/mon.conf"
out=$("$PF" scan --json -c "$W/mon.conf" --from a@sender.test --rcpt y@missing.test "$(msg a@sender.test)")
is "$(q "$out" '(len(d),d[-1]["action"],d[-1]["rcpts"],"domain.rcpt-unknown" in rc(d[-1]))')" \
	"(1, 'accept', ['y@missing.test'], True)" "monitor mode: the recipient stays, the finding is logged"

# DNS trouble: a dead server; accept by default, 451 4.4.3 with tempfail
pf_knot_stop
conf "$W/down.conf" 'dns_error_action = tempfail\n'
sed -i 's/^timeout = 1500/timeout = 700/' "$W/down.conf"
t0=$(date +%s%N)
out=$("$PF" scan --json -c "$W/down.conf" --from "" --rcpt y@missing2.test "$(msg a@sender.test)")
t1=$(date +%s%N)
is "$(q "$out" '(d[0]["code"],d[0]["dsn"],rc(d[0]))')" "('451', '4.4.3', ['domain.dns-error'])" \
	"DNS down, dns_error_action = tempfail: 451 4.4.3 for that recipient"
ms=$(( (t1 - t0) / 1000000 ))
ok $([ "$ms" -lt 6000 ]; echo $?) "DNS down: the scan ends within the timeouts (${ms} ms)"
conf "$W/down2.conf"
sed -i 's/^timeout = 1500/timeout = 700/' "$W/down2.conf"
out=$("$PF" scan --json -c "$W/down2.conf" --from "" --rcpt y@missing2.test "$(msg a@sender.test)")
is "$(q "$out" '(len(d),d[-1]["rcpts"],"domain.dns-error" in rc(d[-1]))')" "(1, ['y@missing2.test'], True)" \
	"DNS down, default: accepted, the trouble in the decision"

printf '[domain]\ndns_error_action = reject\n' > "$W/bad.conf"
err=$("$PF" config --check -c "$W/bad.conf" 2>&1)
like "$err" "dns_error_action: accept or tempfail" "dns_error_action = reject is a configuration error"
tap_done
