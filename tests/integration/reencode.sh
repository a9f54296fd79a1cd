#!/bin/bash
# reencode.sh - [dkim] unsafe_body_action = reencode behind a real Postfix:
# each message of the unsafe-body corpus (tests/reencode-corpus.py) is
# sent over SMTP, the milter replaces its body (SMFIF_CHGBODY,
# smfi_replacebody) and signs the new one, and the copy smtp-sink stores
# after Postfix has no line over 998 octets, the same MIME tree, parts
# that decode to the original octets (tests/reencode-check.py), and a
# signature that dkimpy and opendkim-testmsg both verify.  The same
# messages with unsafe_body_action = tempfail are still refused 451 4.6.0.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
B="${top_builddir:-.}"
S="${top_srcdir:-.}"
PY=/usr/bin/python3
SMTP="$PY $S/tests/integration/smtp.py"
$PY -c 'import dkim' 2>/dev/null || skip_all "python3-dkim not installed"

"$B/tools/preflight" dkim keygen --type rsa --domain example.com --selector r1 \
	--out "$PF_TMP/dkim.pem" > "$PF_TMP/records"
chown nobody "$PF_TMP/dkim.pem"
$PY "$S/tests/reencode-corpus.py" "$PF_TMP/c"
conf() {	# unsafe_body_action
	pf_milter_conf "[dkim]
domain = example.com
selector = r1
key_file = $PF_TMP/dkim.pem
key_check_interval = 0
unsafe_body_action = $1
[structure]
long_line_action = reencode"
}
conf reencode
pf_start_rsyslog
pf_start_sink
pf_start_milter
ok $? "preflight-milter starts with unsafe_body_action = reencode"
pf_start_postfix "$(pf_milter_spec)"

# Postfix turns a bare CR into a space before any milter sees it: the
# barecr message reaches preflight safe (tests/reencode.sh covers it)
rm -f "$PF_TMP"/c/barecr.*
sent=0
for f in "$PF_TMP"/c/*.eml; do
	n=$(basename "$f" .eml)
	exp=$(cat "$PF_TMP/c/$n.expect")
	out=$($SMTP file "$PF_SMTP_PORT" alice@example.com bob@example.org "$f")
	if [ "$exp" = refuse ]; then
		like "$out" "^(451|550) " "$n: refused, not changed ($out)"
		continue
	fi
	is "$out" "250 accepted" "$n: accepted"
	sent=$((sent + 1))
done
pf_sink_wait "$sent" 60
is "$(pf_sink_count)" "$sent" "every accepted message reached the sink"
mkdir -p "$PF_TMP/ns/zones"
for f in "$PF_TMP"/c/*.eml; do
	n=$(basename "$f" .eml)
	exp=$(cat "$PF_TMP/c/$n.expect")
	[ "$exp" = refuse ] && continue
	got=$(grep -l "^Message-ID: <$(sed -n 's/^Message-ID: <\(.*\)>$/\1/p' "$f" | head -1)>" $(pf_sink_files) | head -1)
	if [ -z "$got" ]; then
		ok 1 "$n: found at the sink"
		continue
	fi
	cp "$got" "$PF_TMP/ns/$n.msg"
	chk=$($PY "$S/tests/reencode-check.py" --expect "$exp" "$f" "$got"); rc=$?
	ok $rc "$n: after Postfix no line over 998, MIME tree kept, decoded parts equal the original"
	[ $rc -eq 0 ] || diag "$chk"
	res=$($PY "$S/tests/dkim-verify.py" "$got" "$PF_TMP/records" 2>&1)
	is "$res" "d=example.com s=r1 ok" "$n: the signature verifies after the MTA (dkimpy)"
done
pf_wait_log "$PF_TMP/mail.log" "dkim\.reencoded=\"part 2 \(text/html\)\"" 10
like "$(cat "$PF_TMP/mail.log")" ": action=accept stage=eom reasons=dkim\.reencoded,dkim\.signed .*dkim\.reencoded=\"part 2 \(text/html\)\"" "the decision line says what was re-encoded"

# the second verifier: opendkim-testmsg resolves through glibc (port 53):
# a private network namespace with its own knot on 127.0.0.1:53
if command -v opendkim-testmsg >/dev/null 2>&1 && command -v knotd >/dev/null 2>&1 &&
   unshare -n -m true 2>/dev/null; then
	{ printf '$ORIGIN example.com.\n$TTL 300\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n'
	  sed -n 's/^\([^ ]*\)\._domainkey\.example\.com\. IN TXT ( \(.*\) )$/\1._domainkey TXT \2/p' "$PF_TMP/records"; } \
		> "$PF_TMP/ns/zones/example.com.zone"
	printf 'nameserver 127.0.0.1\noptions timeout:2 attempts:2\n' > "$PF_TMP/ns/resolv.conf"
	cat > "$PF_TMP/ns/run.sh" <<EOS
set -e
ip link set lo up
mount --bind "$PF_TMP/ns/resolv.conf" /etc/resolv.conf
. "$S/tests/knot.sh"
PF_DNS_PORT=53
pf_knot_start "$PF_TMP/ns/zones" "$PF_TMP/ns/knot"
for f in "$PF_TMP"/ns/*.msg; do
	rc=0; opendkim-testmsg < "\$f" > "\$f.err" 2>&1 || rc=\$?
	echo "\$(basename "\$f" .msg) \$rc"
done > "$PF_TMP/ns/results"
pf_knot_stop
EOS
	unshare -n -m sh "$PF_TMP/ns/run.sh" > "$PF_TMP/ns/log" 2>&1
	if [ -s "$PF_TMP/ns/results" ]; then
		while read -r name rc; do
			is "$rc" 0 "$name: verifies with opendkim-testmsg after the MTA"
			[ "$rc" = 0 ] || diag "$(cat "$PF_TMP/ns/$name.msg.err")"
		done < "$PF_TMP/ns/results"
	else
		ok 1 "opendkim-testmsg ran in its namespace"
		diag "$(cat "$PF_TMP/ns/log")"
	fi
else
	ok 0 "# SKIP opendkim-testmsg, knotd or unshare -n -m unavailable: second verifier not run"
fi

# the same messages with unsafe_body_action = tempfail: still 451 4.6.0
conf tempfail
kill -HUP "$MPID"
pf_wait_log "$PF_TMP/mail.log" "reloaded configuration" 10
like "$(cat "$PF_TMP/mail.log")" "reloaded configuration" "SIGHUP: unsafe_body_action = tempfail from now on"
for n in html200k raw8bit binary nonmime; do
	out=$($SMTP file "$PF_SMTP_PORT" alice@example.com bob@example.org "$PF_TMP/c/$n.eml")
	like "$out" "^451 4\.6\.0 The body has " "unsafe_body_action = tempfail: $n still tempfails"
done
tap_done
