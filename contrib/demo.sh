#!/bin/bash
# demo.sh - the whole product in one command on a fresh Debian 12 machine
# (as root): install what preflight needs (tests/deps.sh), build it, then
# on loopback only start a private DNS server (knot) serving demo zones
# for example.com, example.org and example.net (RFC 2606 names and
# documentation addresses only), rsyslog, a private Postfix relaying to
# smtp-sink and preflight-milter between them, its resolver pointed at
# that DNS server and signing with a DKIM key generated here and published
# in the zone.  A short narrated series of messages goes through Postfix:
# ordinary mail (relayed, signed, the signature verified after the MTA by
# dkimpy), SPF/DMARC p=reject, an authenticated user sending as someone
# else, a published DKIM key that does not match, an executable, 26 MB, a
# line over 998 octets, bulk mail without one-click unsubscribe; then the
# report over the demo's audit log and a summary table.  Each step prints
# the SMTP reply and preflight's decision line.  Exit status 0 when every
# step came out as narrated, 1 otherwise (CI can run it).
#
# Ports are free ones found at run time (tests/ports.sh); everything runs
# in a private mount namespace (its own /dev/log) and everything started
# is stopped at the end (PF_KEEP=1 keeps the work directory).
# PF_DEMO_BUILDDIR=DIR uses the build in DIR and installs nothing
# (tests/demo.sh).
set -u
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it installs packages and starts a private Postfix)"; exit 1; }
if [ -z "${PF_MOUNT_NS:-}" ] && unshare -m --propagation private true 2>/dev/null; then
	PF_MOUNT_NS=1 exec unshare -m --propagation private /bin/bash "$0" "$@"
fi
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)

if [ -n "${PF_DEMO_BUILDDIR:-}" ]; then	# tests/demo.sh: the tree just built and tested
	B=$(cd "$PF_DEMO_BUILDDIR" && pwd) || exit 1
	echo "== using the build in $B (packages assumed installed)"
else
	echo "== installing packages (tests/deps.sh)"
	bash tests/deps.sh || exit 1
	echo "== building"
	TB=$(date +%s)
	if [ -f "$TOP/config.status" ]; then	# a developer's in-tree build: use it
		B="$TOP"
		make -j2 > /dev/null || exit 1
	else
		B="$TOP/_build/demo"
		if [ ! -f "$B/config.status" ]; then
			[ -x "$TOP/configure" ] || autoreconf -fi > /dev/null 2>&1 || { echo "autoreconf failed"; exit 1; }
			mkdir -p "$B"
			(cd "$B" && "$TOP/configure" -q) || exit 1
		fi
		(cd "$B" && make -j2 > make.log 2>&1) || { tail -30 "$B/make.log"; exit 1; }
	fi
	echo "   built in $(( $(date +%s) - TB )) s"
fi
T0=$(date +%s)
PF="$B/tools/preflight"

# shellcheck disable=SC2034 # read by lib.sh
top_srcdir="$TOP" top_builddir="$B"
# shellcheck source=tests/integration/lib.sh disable=SC1091
. "$TOP/tests/integration/lib.sh"	# pf_* helpers, ports, cleanup at exit
W=$PF_TMP
EGRESS=192.0.2.10	# the address receivers see the relay connect from

# --- the DNS: demo zones on loopback, keys generated and published here ---
mkdir -p "$W/zones" "$W/keys"
"$PF" dkim keygen --type rsa --domain example.com --selector demo --out "$W/keys/example.com.pem" > "$W/keys/example.com.txt" &&
"$PF" dkim keygen --type rsa --domain shop.example.com --selector demo --out "$W/keys/shop.pem" > /dev/null &&
"$PF" dkim keygen --type rsa --domain shop.example.com --selector demo --out "$W/keys/shop-old.pem" > "$W/keys/shop-old.txt" ||
	exit 1
chown nobody "$W/keys/example.com.pem" "$W/keys/shop.pem"	# the milter's user
zone() {	# NAME RECORDS...: NAME.zone with SOA and NS
	# shellcheck disable=SC2016 # zone-file $ORIGIN and $TTL
	{ printf '$ORIGIN %s.\n$TTL 300\n@ SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n' "$1" "$1" "$1"
	  shift; printf '%s\n' "$@"; } > "$W/zones/$1.zone"
}
zone example.com \
	"@ TXT \"v=spf1 ip4:$EGRESS ip6:2001:db8::10 -all\"" \
	'_dmarc TXT "v=DMARC1; p=reject; rua=mailto:dmarc@example.com"' \
	"$(cat "$W/keys/example.com.txt")" \
	"shop TXT \"v=spf1 ip4:$EGRESS ip6:2001:db8::10 -all\"" \
	"$(cat "$W/keys/shop-old.txt")"
zone example.org \
	'@ TXT "v=spf1 ip4:203.0.113.25 -all"' \
	'_dmarc TXT "v=DMARC1; p=reject"' \
	'@ MX 10 mx' 'mx A 203.0.113.25'
zone example.net '@ MX 10 mx' 'mx A 198.51.100.25' 'mx AAAA 2001:db8::25'
pf_start_knot "$W/zones" || exit 1
pf_unbound_conf "$W/unbound.conf"

# --- preflight: the sample configuration's defaults, plus what a site sets ---
printf '%s %s\n%s %s\n' \
	demo-com "example.com:demo:$W/keys/example.com.pem" \
	demo-shop "shop.example.com:demo:$W/keys/shop.pem" > "$W/KeyTable"
printf 'example.com demo-com\nshop.example.com demo-shop\n' > "$W/SigningTable"
printf 'alice alice@example.com\n' > "$W/sasl_senders"
mkdir -p "$W/audit" && chown nobody "$W/audit"
AUDIT=$W/audit/audit.jsonl
pf_milter_conf "audit_log = $AUDIT
[dns]
config_file = $W/unbound.conf
timeout = 2000
[spf]
egress_ips = $EGRESS 2001:db8::10
[from]
sasl_senders = $W/sasl_senders
[dkim]
key_table = $W/KeyTable
signing_table = $W/SigningTable"
"$B/milter/preflight-milter" -n -c "$PF_MILTER_CONF" > /dev/null || exit 1
"$PF" config -c "$PF_MILTER_CONF" > "$W/effective.conf" || exit 1	# every key, as the milter reads it
pf_start_rsyslog || exit 1
pf_start_sink || exit 1
pf_start_milter || exit 1
# XCLIENT from loopback: how the demo plays a SASL-authenticated user
# (Postfix hands LOGIN= to the milter as {auth_authen}, as after SMTP AUTH)
# shellcheck disable=SC2034 # read by pf_start_postfix
PF_POSTFIX_CONF="myhostname = relay.example.com
smtpd_authorized_xclient_hosts = 127.0.0.0/8"
pf_start_postfix "$(pf_milter_spec)" || exit 1

cat <<EOT

   Set up in $(( $(date +%s) - T0 )) s.  Everything runs on loopback:
     client (smtplib) -> Postfix 127.0.0.1:$PF_SMTP_PORT -> preflight-milter ($(pf_milter_spec))
                      -> smtp-sink 127.0.0.1:$PF_SINK_PORT
     preflight's resolver -> knot 127.0.0.1:$PF_DNS_PORT serving example.com, example.org, example.net
   The relay's egress IP (what receivers see): $EGRESS.  In DNS:
     example.com       SPF includes $EGRESS, DMARC p=reject, DKIM key "demo" (generated now)
     shop.example.com  SPF includes $EGRESS, DKIM "demo" published = an OLD key, not the one in use
     example.org       someone else's domain: SPF allows 203.0.113.25 only, DMARC p=reject
   preflight runs the sample configuration's defaults plus: egress_ips, a
   KeyTable/SigningTable for the two example.com domains, a sasl_senders
   table (alice may send as alice@example.com only) and an audit log.
EOT

# --- sending and reporting ---
decisions() { grep -c "preflight-milter\[$MPID\]: .* action=" "$W/mail.log" 2>/dev/null; }
send() {	# FILE FROM TO [LOGIN]: prints the final SMTP reply on one line
	/usr/bin/python3 - "$PF_SMTP_PORT" "$@" <<'PY'
import smtplib, sys
port, path, frm, to = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
data = open(path, "rb").read()
s = smtplib.SMTP("127.0.0.1", port, timeout=120)
s.ehlo("client.example.com")
if len(sys.argv) > 5:	# play a SASL-authenticated client
    code, text = s.docmd("XCLIENT", "LOGIN=" + sys.argv[5])
    if code != 220:
        print(code, "(XCLIENT) " + text.decode(errors="replace"))
        sys.exit(0)
    s.ehlo("client.example.com")


def done(code, text):
    print(code, text.decode(errors="replace").replace("\n", " | "))
    s.close()
    sys.exit(0)


code, text = s.mail(frm, ["SIZE=%d" % len(data)])	# as MUAs do
if code != 250:
    done(code, text)
code, text = s.rcpt(to)
if code not in (250, 251):
    done(code, text)
try:
    done(*s.data(data))
except smtplib.SMTPDataError as e:
    done(e.smtp_code, e.smtp_error)
PY
}
N=0 FAILED=0
step() {	# TITLE FILE FROM TO LOGIN|- REPLY-REGEX EXPECTED [REASON-REGEX]: sends, narrates
	local file=$2 from=$3 to=$4 login=$5 want=$6 reason=${8:-} before i
	N=$((N + 1)) S_TITLE[N]=$1 S_WANT[N]=$7
	before=$(decisions)
	if [ "$login" = - ]; then LAST_REPLY=$(send "$file" "$from" "$to")
	else LAST_REPLY=$(send "$file" "$from" "$to" "$login"); fi
	for i in $(seq 1 50); do [ "$(decisions)" -gt "$before" ] && break; sleep 0.1; done
	LAST_LINE=$(grep "preflight-milter\[$MPID\]: .* action=" "$W/mail.log" | sed -n "$((before + 1))p" | sed 's/.*preflight-milter\[[0-9]*\]: //')
	echo "   SMTP reply:    $(printf '%s' "$LAST_REPLY" | sed 's/ | /\n                  /g')"
	echo "   decision line: $(printf '%s' "$LAST_LINE" | sed 's/^\(.\{700\}\).\+/\1 .../')"
	S_CODE[N]=${LAST_REPLY%% *}
	S_GOT[N]="$(printf '%s' "$LAST_LINE" | sed -n 's/.*action=\([a-z]*\).* reasons=\([^ ]*\).*/\1 \2/p; t; s/.*action=\([a-z]*\).*/\1/p')"
	S_OK[N]=yes
	printf '%s\n' "$LAST_REPLY" | grep -Eq "^($want)" || unexpected "reply ${S_CODE[N]}"
	[ -z "$reason" ] || printf '%s\n' "$LAST_LINE" | grep -Eq "reasons=[^ ]*($reason)" || unexpected "no $reason in the decision line"
}
unexpected() {	# WHAT: the last step did not come out as narrated
	[ "${S_OK[N]}" = yes ] && FAILED=$((FAILED + 1))
	S_OK[N]="NO: $1"
	echo "   !! not as expected ($1); expected: ${S_WANT[N]}"
}
narrate() { echo; echo "== $*"; }
show_headers() {	# FILE NAME-REGEX: those header fields, folded lines too (4 at most a field)
	awk -v re="^($2):" 'NF == 0 { exit } /^[ \t]/ { if (p && ++n < 4) print; next } { p = ($0 ~ re); n = 0; if (p) print }' "$1" |
		cut -c1-150
}
dkimpy() {	# FILE: verify the relayed copy's signature as a receiver would
	local v
	# the key as the receiver finds it: asked from the demo's DNS, not a file
	printf 'demo._domainkey.example.com. IN TXT ( %s )\n' \
		"$(kdig @127.0.0.1 -p "$PF_DNS_PORT" +short TXT demo._domainkey.example.com | tr '\n' ' ')" > "$W/dns-key.txt"
	v=$(/usr/bin/python3 "$TOP/tests/dkim-verify.py" "$1" "$W/dns-key.txt" 2>&1)
	echo "   dkimpy, an independent verifier, after Postfix, key from DNS: $v"
	case $v in *" ok") S_GOT[N]="${S_GOT[N]}, dkimpy: pass" ;; *) unexpected "dkimpy: $v" ;; esac
}
sink_find() {	# SUBJECT: the relayed copy's file name, waiting for it
	local i f
	for i in $(seq 1 100); do
		f=$(grep -rl "^Subject: $1\$" "$W/sink" 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	return 1
}
msg() {	# FILE FROM SUBJECT [EXTRA-HEADERS]: headers; the body from stdin
	local id
	id=$(basename "$1" .eml)
	{ printf 'From: %s\r\nTo: Bob <bob@example.net>\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s.%s@demo.example.com>\r\nMIME-Version: 1.0\r\n%b\r\n' \
		"$2" "$3" "$(date -R)" "$id" "$$" "${4:-}"
	  sed 's/$/\r/'; } > "$1"
}

# 1. ordinary mail
narrate "1. Ordinary mail: alice@example.com writes to bob@example.net"
echo "   Expected: relayed, DKIM-signed for example.com, the signature valid at the receiver."
msg "$W/1.eml" 'Alice <alice@example.com>' 'Minutes of Monday' 'Content-Type: text/plain; charset=utf-8\r\n' <<'EOM'
Hello Bob,

the minutes of Monday's meeting are on the wiki. See you Thursday.

Alice
EOM
step "ordinary mail" "$W/1.eml" alice@example.com bob@example.net - 250 "relayed, signed, dkimpy: pass"
f=$(sink_find 'Minutes of Monday')
if [ -n "$f" ]; then
	echo "   what reached the sink (headers preflight added):"
	show_headers "$f" 'Authentication-Results|DKIM-Signature|X-Preflight' | sed 's/^/     /'
	dkimpy "$f"
else
	unexpected "not in the sink"
fi

# 2. SPF without the relay, DMARC p=reject
narrate "2. A sender at example.org, whose SPF does not list this relay and whose DMARC says p=reject"
echo "   Every receiver would reject it; preflight refuses it here, with the reason and the fix."
msg "$W/2.eml" 'Billing <billing@example.org>' 'Your invoice' <<'EOM'
Please find your invoice on our portal.
EOM
step "SPF fail + DMARC p=reject" "$W/2.eml" billing@example.org bob@example.net - "550 5\.7\.26" "refused 550 5.7.26 with the fix" dmarc.fail
case $LAST_REPLY in *"Fix: "*) ;; *) unexpected "no fix in the reply" ;; esac

# 3. an authenticated user sending as someone else
narrate "3. alice logs in (SASL user alice) and sends as ceo@example.com"
echo "   The sasl_senders table lets alice use alice@example.com only.  (The demo plays the login"
echo "   with Postfix's XCLIENT LOGIN=alice, which Postfix hands the milter as {auth_authen},"
echo "   exactly as after SMTP AUTH.)"
msg "$W/3.eml" 'The CEO <ceo@example.com>' 'Urgent wire transfer' <<'EOM'
Please wire the amount today.
EOM
step "SASL user as another address" "$W/3.eml" alice@example.com bob@example.net alice "550 5\.7\.1" "refused 550 5.7.1 (from.identity)" from.identity

# 4. the published DKIM key is not the signing key
narrate "4. Mail from shop.example.com, whose published DKIM key is an old one"
echo "   Signed now, it would fail DKIM at every receiver: preflight tempfails it (it stays queued"
echo "   at the sender) and names the TXT record to publish."
msg "$W/4.eml" 'Shop <orders@shop.example.com>' 'Your order has shipped' <<'EOM'
Your order 1234 has shipped.
EOM
step "published DKIM key mismatch" "$W/4.eml" orders@shop.example.com bob@example.net - "451 4\.7\.5" "tempfail 451 4.7.5 with the record" dkim.key-not-published
# the record in the reply is the one of the key in use
p=$("$PF" dkim record --key "$W/keys/shop.pem" --domain shop.example.com --selector demo | sed 's/.*( //; s/ )$//; s/" "//g; s/"//g; s/.*p=//')
case $LAST_REPLY in *"p=$p\""*) echo "   (that record is the key preflight signs with: publishing it is the fix)" ;;
*) unexpected "the record in the reply is not the signing key's" ;; esac

# 5. content and limits
narrate "5a. An executable attachment (invoice.pdf.exe, a Windows program)"
{ printf -- '--b1\nContent-Type: text/plain\n\nThe invoice.\n--b1\n'
  printf 'Content-Type: application/octet-stream; name="invoice.pdf.exe"\nContent-Disposition: attachment; filename="invoice.pdf.exe"\nContent-Transfer-Encoding: base64\n\n'
  { printf 'MZ\220\0\3\0\0\0\4\0\0\0\377\377\0\0'; head -c 2000 /dev/zero; } | base64 -w 76
  printf -- '--b1--\n'; } | msg "$W/5a.eml" 'Alice <alice@example.com>' 'Invoice' 'Content-Type: multipart/mixed; boundary="b1"\r\n'
step "executable attachment" "$W/5a.eml" alice@example.com bob@example.net - "550 5\.7\.1" "refused 550 5.7.1 naming the file" attach\.

narrate "5b. A 26 MB message ([size] max_message_size = 25M); the client declares SIZE= at MAIL FROM"
head -c $((26 * 1024 * 1024 * 3 / 4)) /dev/urandom | base64 -w 76 |
	msg "$W/5b.eml" 'Alice <alice@example.com>' 'Holiday video' 'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n'
echo "   ($(stat -c %s "$W/5b.eml") bytes)"
step "26 MB message" "$W/5b.eml" alice@example.com bob@example.net - "552 5\.3\.4" "refused 552 5.3.4 before the data" size.too-big

lla=$(sed -n '/^\[structure\]/,/^\[/s/^long_line_action = //p' "$W/effective.conf")
narrate "5c. A body line of 1,200 octets (RFC 5322 allows 998); this build's [structure] long_line_action = $lla"
case $lla in
reject)	want="550 5\.6\.0" wanttext="refused 550 5.6.0" why=structure.line-too-long;;
reencode) want=250 wanttext="relayed, re-encoded, dkimpy: pass" why="";;
*)	want="[0-9]" wanttext="$lla (as configured)" why="";;
esac
{ printf 'Please see the table below.\n\n'; head -c 1200 /dev/zero | tr '\0' '='; printf '\n'; } |
	msg "$W/5c.eml" 'Alice <alice@example.com>' 'Long line' 'Content-Type: text/plain\r\n'
step "line over 998 octets" "$W/5c.eml" alice@example.com bob@example.net - "$want" "$wanttext" "$why"
if [ "$lla" = reencode ] && [ "${LAST_REPLY%% *}" = 250 ]; then
	f=$(sink_find 'Long line')
	echo "   relayed as: $(grep -m1 -i '^Content-Transfer-Encoding:' "$f"), longest body line $(awk 'b && length > m { m = length } /^\r?$/ { b = 1 } END { print m + 0 }' "$f") octets"
	dkimpy "$f"
fi

narrate "5d. Bulk mail (Precedence: bulk) with List-Unsubscribe but no one-click (RFC 8058) header"
echo "   Gmail and Yahoo require one-click unsubscribe from bulk senders.  A score, not a refusal:"
echo "   relayed with an X-Preflight header naming the finding."
msg "$W/5d.eml" 'Example News <news@example.com>' 'This week at Example' \
	'Precedence: bulk\r\nList-Unsubscribe: <https://example.com/unsubscribe?u=bob>\r\nContent-Type: text/plain\r\n' <<'EOM'
This week: the new office opens on Monday.
EOM
step "bulk without one-click" "$W/5d.eml" news@example.com bob@example.net - 250 "relayed, annotated (bulk.no-one-click)" bulk.no-one-click
f=$(sink_find 'This week at Example')
[ -n "$f" ] && show_headers "$f" X-Preflight | sed 's/^/   relayed with: /'

narrate "The report over the demo's audit log ($AUDIT, $(wc -l < "$AUDIT" 2>/dev/null || echo 0) records)"
if "$PF" report --help > /dev/null 2>&1; then
	"$PF" report --top 5 "$AUDIT" | sed 's/^/   /'
	# the page a compliance team would be sent, kept after the demo
	html=${PF_DEMO_REPORT:-/tmp/preflight-demo-report.html}
	if "$PF" report --format html "$AUDIT" > "$html" 2>/dev/null; then
		echo "   The same as one self-contained HTML page (charts, sortable refusals): $html"
	fi
else
	echo "   (this build has no \"preflight report\": the report is not built; the audit log holds one JSON record per decision)"
	head -1 "$AUDIT" 2>/dev/null | cut -c1-300 | sed 's/^/   first record: /'
fi

narrate "Summary"
{ printf 'step\texpected\tgot (decision line)\tcode\tas expected\n'
  for i in $(seq 1 "$N"); do
	printf '%s\t%s\t%s\t%s\t%s\n' "${S_TITLE[i]}" "${S_WANT[i]}" "${S_GOT[i]:--}" "${S_CODE[i]:--}" "${S_OK[i]}"
  done; } | column -t -s "$(printf '\t')" | sed 's/^/   /'
echo
echo "   $N steps, $((N - FAILED)) as expected, $FAILED not; $(( $(date +%s) - T0 )) s from the build to here."
echo "   Stopping everything the demo started."
[ "$FAILED" = 0 ]
