#!/bin/sh
# dkim.sh - DKIM signing through "preflight scan --emit", verified by an
# independent verifier (dkimpy) over awkward messages, RSA and Ed25519;
# key refusals at configuration load; OpenDKIM KeyTable/SigningTable
# (refile: too); who gets signed; the published-key check against knot;
# unsafe bodies.
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
B="${top_builddir:-.}"
PF="$B/tools/preflight"
/usr/bin/python3 -c 'import dkim' 2>/dev/null || skip_all "python3-dkim not installed"
T=$(mktemp -d) || exit 1
KNOT_CONF=""
trap '[ -n "$KNOT_CONF" ] && pf_knot_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

"$PF" dkim keygen --type rsa --bits 2048 --domain example.com --selector r1 --out "$T/rsa.pem" > "$T/records"
ok $? "keygen: RSA-2048 key"
"$PF" dkim keygen --type ed25519 --domain example.com --selector e1 --out "$T/ed.pem" >> "$T/records"
ok $? "keygen: Ed25519 key"
is "$(stat -c %a "$T/rsa.pem")" 600 "keygen writes the key 0600"
like "$(cat "$T/records")" '^r1\._domainkey\.example\.com\. IN TXT \( "v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{200,}" "[A-Za-z0-9+/=]+" \)' "keygen prints the RSA record split into 255-byte strings"
"$PF" dkim keygen --type ed25519 --domain example.com --selector e1 --out "$T/ed.pem" >/dev/null 2>&1
is "$?" 1 "keygen never overwrites a key"
err=$("$PF" dkim keygen --type rsa --bits 1024 --domain example.com --selector s --out "$T/short.pem" 2>&1)
is "$?" 2 "keygen refuses a 1024-bit RSA key ..."
like "$err" "--bits 1024: RSA keys are 2048 to 16384 bits" "... saying why"
[ ! -e "$T/short.pem" ]; ok $? "... and writes no file"

cat > "$T/pf.conf" <<EOC
[dkim]
domain = example.com
selector = r1
key_file = $T/rsa.pem
selector2 = e1
key_file2 = $T/ed.pem
key_check_interval = 0
[structure]
mode = off
EOC

# the corpus: messages that trip naive signers (each with a Date:
# opendkim-testmsg refuses messages without one, as RFC 5322 requires it)
mk() { printf '%b' "$2" > "$T/$1.eml"; }
mk plain 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: plain\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <p1@example.com>\n\nHello.\n'
mk folded 'From: Alice\n <alice@example.com>\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nTo: bob@example.org,\n\tcarol@example.org,\n    dave@example.org\nSubject: a folded\n  subject line that goes on\nMessage-ID: <f1@example.com>\n\nbody\n'
mk eightbit 'From: alice@example.com\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nTo: bob@example.org\nSubject: =?utf-8?q?caf=C3=A9?=\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nCaf\303\251, na\303\257ve, \303\274ber.\n'
mk empty 'From: alice@example.com\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nTo: bob@example.org\nSubject: empty body\n\n'
mk trailing 'From: alice@example.com\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nTo: bob@example.org\nSubject: trailing\n\nline\n\n\n\n\n'
mk mixedcase 'fROM: alice@example.com\ndATE: Tue, 24 Nov 2026 10:00:00 +0000\nto: bob@example.org\nSUBJECT: mixed case\nmessage-id: <m1@example.com>\n\nx\n'
{ printf 'From: alice@example.com\nTo: bob@example.org\nSubject: received\nDate: Tue, 24 Nov 2026 10:00:00 +0000\n'
  for i in $(seq 1 40); do printf 'Received: from hop%d.example.net by hop%d.example.net;\n\tTue, 24 Nov 2026 10:00:%02d +0000\n' $i $((i+1)) $((i % 60)); done
  printf '\nmany hops\n'; } > "$T/received.eml"
{ printf 'From: alice@example.com\nTo: bob@example.org\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nSubject: %s\nReferences:' "$(head -c 900 /dev/zero | tr '\0' 's')"
  for i in $(seq 1 150); do printf ' <ref%d.%d@example.com>\n' $i $i; done
  printf '\nlong headers\n'; } > "$T/longhdr.eml"
mk oddhdr 'From: alice@example.com\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nTo:bob@example.org\nSubject:   spaced   out   \nX-Empty:\nX-Tabs:\t\ttabbed\t\nCc: carol@example.org\n\t\n\nodd header spacing\n'
{ printf 'From: alice@example.com\nTo: bob@example.org\nSubject: big\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <big@example.com>\n\n'
  head -c 7500000 /dev/urandom | base64 -w 76; } > "$T/big.eml"
printf 'From: alice@example.com\r\nTo: bob@example.org\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nSubject: crlf\r\n\r\nline one\r\nline two\r\n' > "$T/crlf.eml"

for m in plain folded eightbit empty trailing mixedcase received longhdr oddhdr big crlf; do
	"$PF" scan -c "$T/pf.conf" --client-ip 127.0.0.1 --from alice@example.com \
		--rcpt bob@example.org --emit "$T/$m.out" "$T/$m.eml" > "$T/$m.verdict"
	res=$(/usr/bin/python3 "$S/tests/dkim-verify.py" "$T/$m.out" "$T/records" 2>&1)
	ok $? "$m: both signatures verify with dkimpy ($(echo $res | tr '\n' ' '))"
done
like "$(cat "$T/big.verdict")" "action=accept" "10 MB body signed and accepted"

# The second, independent verifier: libopendkim's opendkim-testmsg.  It
# resolves keys through glibc (port 53 only), so it runs in a private
# network and mount namespace: loopback only, its own knot on 127.0.0.1:53
# serving the published records (the namespace's own loopback: nothing
# outside it can hold that port), /etc/resolv.conf bind-mounted over.
# Each signature is verified on its own (a copy keeping only that one):
# opendkim-testmsg passes a message when any signature verifies.
keep_sig() {	# keep_sig N FILE: FILE with only its Nth DKIM-Signature
	awk -v keep="$1" 'inh == 0 && /^\r?$/ { inh = 1 }
		inh == 0 && /^[^ \t]/ { cur = (tolower($0) ~ /^dkim-signature:/) ? ++n : 0 }
		{ if (inh || cur == 0 || cur == keep) print }' "$2"
}
if command -v opendkim-testmsg >/dev/null 2>&1 && command -v knotd >/dev/null 2>&1 &&
   [ -e /etc/resolv.conf ] && unshare -n -m true 2>/dev/null; then
	mkdir -p "$T/ns/zones"
	{ printf '$ORIGIN example.com.\n$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n'
	  sed -n 's/^\([^ ]*\)\._domainkey\.example\.com\. IN TXT ( \(.*\) )$/\1._domainkey TXT \2/p' "$T/records"; } \
		> "$T/ns/zones/example.com.zone"
	printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:2\n' > "$T/ns/resolv.conf"
	for m in plain folded eightbit empty trailing mixedcase received longhdr oddhdr big crlf; do
		keep_sig 1 "$T/$m.out" > "$T/ns/$m.1.msg"
		keep_sig 2 "$T/$m.out" > "$T/ns/$m.2.msg"
	done
	keep_sig 2 "$T/plain.out" | sed 's/^Hello\.$/Hello!/' > "$T/ns/tampered.2.msg"
	cat > "$T/ns/run.sh" <<EOS
set -e
ip link set lo up
mount --bind "$T/ns/resolv.conf" /etc/resolv.conf
. "$S/tests/knot.sh"
PF_DNS_PORT=53
pf_knot_start "$T/ns/zones" "$T/ns/knot"
for f in "$T"/ns/*.msg; do
	rc=0; opendkim-testmsg < "\$f" > "\$f.err" 2>&1 || rc=\$?
	echo "\$(basename "\$f" .msg) \$rc"
done > "$T/ns/results"
pf_knot_stop
EOS
	unshare -n -m sh "$T/ns/run.sh" > "$T/ns/log" 2>&1
	if [ -s "$T/ns/results" ]; then
		while read -r name rc; do
			case $name in
			tampered.*) [ "$rc" != 0 ]; ok $? "opendkim-testmsg rejects a changed body" ;;
			*)	sel=$(tr -d ' \t\r\n' < "$T/ns/$name.msg" | grep -o ';s=[^;]*' | head -1)
				is "$rc" 0 "$name (${sel#;}) verifies with opendkim-testmsg"
				[ "$rc" = 0 ] || diag "$(cat "$T/ns/$name.msg.err")" ;;
			esac
		done < "$T/ns/results"
	else
		ok 1 "opendkim-testmsg ran in its namespace"
		diag "$(cat "$T/ns/log")"
	fi
else
	ok 0 "# SKIP opendkim-testmsg, knotd, /etc/resolv.conf (to bind-mount over) or unshare -n -m unavailable: second verifier not run"
fi
like "$(head -1 "$T/plain.out")" "^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example\.com;" "Ed25519 signature on top, relaxed/relaxed"
like "$(tr -d '\n\t ' < "$T/plain.out")" "h=From:To:Subject:Date:Message-ID:From;" "From is oversigned"
unlike "$(cat "$T/plain.out")" "; l=" "never l="

sed '/^\[structure\]/,$d' "$T/pf.conf" > "$T/xp.conf"	# structure findings on
"$PF" scan -c "$T/xp.conf" --client-ip 10.9.9.9 --emit "$T/xp.out" "$T/empty.eml" >/dev/null
like "$(grep '^X-Preflight' "$T/xp.out")" "reasons=structure\.missing-" "X-Preflight carries the findings ..."
unlike "$(grep '^X-Preflight' "$T/xp.out")" "dkim\.not-signed" "... but not the informational dkim.not-signed"

# decision line names what was signed; the key itself never appears
out=$("$PF" scan -c "$T/pf.conf" --client-ip 127.0.0.1 --json "$T/plain.eml" 2>&1)
like "$out" '"code":"dkim.signed".*"d":"example.com","s":"r1","a":"rsa-sha256"' "the decision records d=, s= and a= of each signature"
unlike "$out" "$(sed -n 2p "$T/rsa.pem")" "no line of the private key in the output"

# who is signed
out=$("$PF" scan -c "$T/pf.conf" --client-ip 203.0.113.5 --from alice@example.com --emit "$T/ext.out" "$T/plain.eml")
unlike "$(cat "$T/ext.out")" "DKIM-Signature" "unauthenticated outside client: not signed"
like "$out" "reasons=dkim\.not-signed" "and the decision says so"
like "$out" 'dkim\.why="client 203\.0\.113\.5 is neither authenticated nor in internal_hosts"' "with the reason as a fact"
"$PF" scan -c "$T/pf.conf" --client-ip 203.0.113.5 --auth-user alice --from alice@example.com --emit "$T/auth.out" "$T/plain.eml" >/dev/null
like "$(cat "$T/auth.out")" "DKIM-Signature" "authenticated client: signed"
printf 'From: someone@other.example\nSubject: x\n\nx\n' > "$T/other.eml"
"$PF" scan -c "$T/pf.conf" --client-ip 127.0.0.1 --emit "$T/other.out" "$T/other.eml" >/dev/null
unlike "$(cat "$T/other.out")" "DKIM-Signature" "From domain without a key: not signed"
printf 'From: alice@news.example.com\nSubject: x\n\nx\n' > "$T/sub.eml"
"$PF" scan -c "$T/pf.conf" --client-ip 127.0.0.1 --emit "$T/sub.out" "$T/sub.eml" >/dev/null
like "$(cat "$T/sub.out")" "d=example\.com" "subdomain of the configured domain: signed with it"

# sign_by = envelope: the simple form signs only when d= aligns with From
sed 's/^key_check_interval = 0$/key_check_interval = 0\nsign_by = envelope/' "$T/pf.conf" > "$T/env.conf"
out=$("$PF" scan -c "$T/env.conf" --client-ip 127.0.0.1 --from alice@example.com --emit "$T/env.out" "$T/other.eml")
unlike "$(cat "$T/env.out")" "DKIM-Signature" "sign_by = envelope, From other.example: d=example.com not used"
like "$out" 'dkim\.why="d=example\.com does not align with the From domain other\.example' "and the decision says why"
"$PF" scan -c "$T/env.conf" --client-ip 127.0.0.1 --from bounce@example.com --emit "$T/env2.out" "$T/sub.eml" >/dev/null
like "$(cat "$T/env2.out")" "d=example\.com" "sign_by = envelope, From a subdomain: aligned, signed"

# key refusals, each naming the file and the fix
cp "$T/rsa.pem" "$T/open.pem"; chmod 644 "$T/open.pem"
printf '[dkim]\ndomain = example.com\nselector = s\nkey_file = %s\n' "$T/open.pem" > "$T/bad1.conf"
err=$("$PF" config --check -c "$T/bad1.conf" 2>&1); rc=$?
is "$rc" 1 "group/other-readable key: configuration refused"
like "$err" "$T/open.pem: DKIM key is readable by group or other \(mode 0644\); fix: chmod 600" "names the file and the fix"
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out "$T/small.pem" 2>/dev/null; chmod 600 "$T/small.pem"
printf '[dkim]\ndomain = example.com\nselector = s\nkey_file = %s\n' "$T/small.pem" > "$T/bad2.conf"
like "$("$PF" config --check -c "$T/bad2.conf" 2>&1)" "RSA key of 1024 bits is below \[dkim\] min_key_bits \(2048\)" "1024-bit RSA key refused"
printf '[dkim]\ndomain = example.com\nselector = s\nkey_file = %s/none.pem\n' "$T" > "$T/bad3.conf"
like "$("$PF" config --check -c "$T/bad3.conf" 2>&1)" "none.pem: cannot read DKIM key" "missing key file refused"

# OpenDKIM tables
printf 'k-rsa example.com:r1:%s\nk-ed example.com:e1:%s\nk-net example.net:n1:%s/missing.pem\n' "$T/rsa.pem" "$T/ed.pem" "$T" > "$T/KeyTable.bad"
printf '[dkim]\nkey_table = %s\nsigning_table = %s\n' "$T/KeyTable.bad" "$T/SigningTable" > "$T/tab-bad.conf"
printf '*@example.com k-rsa\n' > "$T/SigningTable"
like "$("$PF" config --check -c "$T/tab-bad.conf" 2>&1)" "$T/KeyTable.bad:3: .*missing.pem: cannot read DKIM key" "KeyTable line with a missing key: file:line"
printf 'k-rsa example.com:r1:%s\nk-ed example.com:e1:%s\n' "$T/rsa.pem" "$T/ed.pem" > "$T/KeyTable"
printf '# comment\n*@example.com k-rsa\n*@example.com k-nokey\n' > "$T/SigningTable.bad"
printf '[dkim]\nkey_table = %s\nsigning_table = refile:%s\n' "$T/KeyTable" "$T/SigningTable.bad" > "$T/tab-bad2.conf"
like "$("$PF" config --check -c "$T/tab-bad2.conf" 2>&1)" "$T/SigningTable.bad:3: key \"k-nokey\" is not in the KeyTable" "SigningTable naming an unknown key: file:line"
printf '*@example.com k-rsa k-ed\n' > "$T/SigningTable.re"
printf '[dkim]\nkey_table = %s\nsigning_table = refile:%s\nkey_check_interval = 0\n' "$T/KeyTable" "$T/SigningTable.re" > "$T/tab.conf"
"$PF" scan -c "$T/tab.conf" --client-ip 127.0.0.1 --emit "$T/tab.out" "$T/plain.eml" >/dev/null
res=$(/usr/bin/python3 "$S/tests/dkim-verify.py" "$T/tab.out" "$T/records" | tr '\n' ' ')
is "$res" "d=example.com s=e1 ok d=example.com s=r1 ok " "refile: SigningTable wildcard: two signatures that verify"
printf 'alice@example.com k-ed\nexample.com k-rsa\n' > "$T/SigningTable.ex"
printf '[dkim]\nkey_table = %s\nsigning_table = %s\nkey_check_interval = 0\n' "$T/KeyTable" "$T/SigningTable.ex" > "$T/tab2.conf"
"$PF" scan -c "$T/tab2.conf" --client-ip 127.0.0.1 --emit "$T/tab2.out" "$T/plain.eml" >/dev/null
like "$(cat "$T/tab2.out")" "s=e1" "exact SigningTable: the address entry wins"
printf 'From: carol@example.com\nSubject: x\n\nx\n' > "$T/carol.eml"
"$PF" scan -c "$T/tab2.conf" --client-ip 127.0.0.1 --emit "$T/tab3.out" "$T/carol.eml" >/dev/null
like "$(cat "$T/tab3.out")" "s=r1" "exact SigningTable: then the domain entry"

# unsafe body: a line a relay would break (unsafe_body_action = tempfail,
# the old default: reencode, the default now, is tests/reencode.sh's)
sed 's/^key_check_interval = 0$/&\nunsafe_body_action = tempfail/' "$T/pf.conf" > "$T/tf.conf"
{ printf 'From: alice@example.com\nSubject: long\n\n'; head -c 1200 /dev/zero | tr '\0' 'a'; printf '\n'; } > "$T/long.eml"
out=$("$PF" scan -c "$T/tf.conf" --client-ip 127.0.0.1 "$T/long.eml")
like "$out" "action=tempfail stage=eom code=451 dsn=4\.6\.0 reasons=dkim\.unsafe-body" "1200-octet line: 451 4.6.0 dkim.unsafe-body"
like "$out" "reply: 451-4\.6\.0 The body has a line of 1200 octets" "the reply says what is wrong"
printf 'From: alice@example.com\nSubject: mixed\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary="b"\n\n--b\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\ncaf\303\251\n--b\nContent-Type: text/html; charset=utf-8\n\n<p>caf\303\251</p>\n--b--\n' > "$T/part8.eml"
out=$("$PF" scan -c "$T/tf.conf" --client-ip 127.0.0.1 "$T/part8.eml")
like "$out" "reasons=dkim\.unsafe-body" "8-bit data in a MIME part without 8bit CTE: unsafe"
like "$out" "The body has 8-bit data in part 2 \(text/html\) declared 7bit \(no Content-Transfer-Encoding\)" "the reply names the part"
sed 's/^Content-Type: text\/html; charset=utf-8$/&\nContent-Transfer-Encoding: 8bit/' "$T/part8.eml" > "$T/part8ok.eml"
"$PF" scan -c "$T/tf.conf" --client-ip 127.0.0.1 --emit "$T/part8ok.out" "$T/part8ok.eml" > "$T/part8ok.verdict"
unlike "$(cat "$T/part8ok.verdict")" "unsafe-body" "every 8-bit part declared 8bit: safe"
/usr/bin/python3 "$S/tests/dkim-verify.py" "$T/part8ok.out" "$T/records" >/dev/null
ok $? "and its signatures verify"
printf 'From: alice@example.com\nSubject: raw\n\nna\303\257ve\n' > "$T/raw8.eml"
like "$("$PF" scan -c "$T/tf.conf" --client-ip 127.0.0.1 "$T/raw8.eml")" "8-bit data in .*text/plain.* declared 7bit" "8-bit body without MIME headers: unsafe"
printf 'From: alice@example.com\nSubject: cr\n\nbare\rcr\n' > "$T/cr.eml"
like "$("$PF" scan -c "$T/tf.conf" --client-ip 127.0.0.1 "$T/cr.eml")" "The body has 1 bare CR or LF" "bare CR: unsafe"
sed 's/^key_check_interval = 0$/&\nunsafe_body_action = accept/' "$T/pf.conf" > "$T/anyway.conf"
out=$("$PF" scan -c "$T/anyway.conf" --client-ip 127.0.0.1 --emit "$T/anyway.out" "$T/part8.eml")
like "$(head -1 "$T/anyway.out")" "^DKIM-Signature:" "unsafe_body_action = accept: signed anyway"

# the published-key check against a real DNS server
if command -v knotd >/dev/null 2>&1; then
	. "$S/tests/knot.sh"
	mkdir -p "$T/zones"
	rec() { grep "^$1\._domainkey" "$T/records" | sed 's/^[^ ]*\._domainkey\.example\.com\. IN TXT ( \(.*\) )$/\1/'; }
	other=$("$PF" dkim keygen --type ed25519 --domain example.com --selector x --out "$T/other.pem" | sed 's/.*( \(.*\) )$/\1/')
	{ printf '$ORIGIN example.com.\n$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n'
	  printf 'r1._domainkey TXT %s\n' "$(rec r1)"
	  printf 'e1._domainkey TXT %s\n' "$other"; } > "$T/zones/example.com.zone"
	if pf_knot_start "$T/zones" "$T/knot"; then
		cat > "$T/dns.conf" <<EOC
[dns]
config_file = $T/knot/unbound.conf
timeout = 2000
[dkim]
domain = example.com
selector = r1
key_file = $T/rsa.pem
selector2 = e1
key_file2 = $T/ed.pem
EOC
		out=$("$PF" dkim check -c "$T/dns.conf"); rc=$?
		is "$rc" 1 "dkim check: exit 1 when a key is not published right"
		like "$out" "r1\._domainkey\.example\.com: ok" "dkim check: the RSA key matches DNS"
		like "$out" "e1\._domainkey\.example\.com: mismatch: the published p= is a different key" "dkim check: the Ed25519 record is another key"
		like "$out" "publish: e1\._domainkey\.example\.com TXT \"v=DKIM1; k=ed25519; p=" "dkim check: prints the record to publish"
		out=$("$PF" scan -c "$T/dns.conf" --client-ip 127.0.0.1 "$T/plain.eml")
		like "$out" "action=tempfail stage=eom code=451 dsn=4\.7\.5 reasons=dkim\.key-not-published" "mail to be signed with a mismatched key: 451 4.7.5"
		like "$out" "reply: 451-4\.7\.5 Fix: Publish TXT e1\._domainkey\.example\.com \"v=DKIM1; k=ed25519; p=" "the reply names the record to publish"
		sed -i '/^selector2/d; /^key_file2/d' "$T/dns.conf"
		sed -i 's/^key_file = .*/key_file = '"$(echo "$T/other.pem" | sed 's/[\/&]/\\&/g')"'/; s/^selector = r1/selector = nope/' "$T/dns.conf"
		out=$("$PF" scan -c "$T/dns.conf" --client-ip 127.0.0.1 "$T/plain.eml")
		like "$out" "reasons=dkim\.key-not-published .*dkim\.published=missing" "missing selector record: refused as not published"
	else
		ok 1 "knot did not start"
	fi
else
	ok 0 "# SKIP knotd not installed: published-key checks not run"
fi

tap_done
