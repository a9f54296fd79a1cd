#!/bin/bash
# opendkim.sh - coming from OpenDKIM: the same messages through a real
# Postfix with a real OpenDKIM as its milter, then with preflight-milter
# started on "preflight config --from-opendkim" of the same opendkim.conf.
# Three configurations: Debian 12's default (tests/data/opendkim) with its
# Domain/Selector/KeyFile lines uncommented, a table-based one (KeyTable,
# SigningTable refile:, InternalHosts file, two domains, SignHeaders) and
# an Ed25519 one.  For each message both signed (or both did not) with the
# same d=, s=, a=, c= (and h= where SignHeaders is set; where
# OversignHeaders is not, preflight's h= has its default oversigned From
# more, as the converted config's comment says), and dkimpy
# verifies both signatures with the keys knot publishes.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
command -v opendkim >/dev/null 2>&1 || [ -x /usr/sbin/opendkim ] || skip_all "opendkim not installed (tests/deps.sh)"
/usr/bin/python3 -c 'import dkim' 2>/dev/null || skip_all "python3-dkim not installed"
id opendkim >/dev/null 2>&1 || skip_all "no opendkim user (the opendkim package creates it)"
B="${top_builddir:-.}"
S="${top_srcdir:-.}"
PF="$B/tools/preflight"
PATH=$PATH:/usr/sbin

pf_pick_port MPORT "$PF_SMTP_PORT" "$PF_SINK_PORT" "$PF_DNS_PORT" || exit 1
K=$PF_TMP/keys R=$PF_TMP/run
mkdir -p "$K" "$R" "$PF_TMP/zones"
"$PF" dkim keygen --type rsa --bits 2048 --domain example.com --selector 2020 --out "$K/example.private" > "$PF_TMP/records" &&
"$PF" dkim keygen --type rsa --bits 2048 --domain example.net --selector s2 --out "$K/net.private" >> "$PF_TMP/records" &&
"$PF" dkim keygen --type ed25519 --domain example.org --selector e1 --out "$K/ed.private" >> "$PF_TMP/records" || exit 1
chown -R opendkim "$K" "$R"	# as /etc/dkimkeys: the milter's user reads them
for d in example.com example.net example.org; do
	{ printf '$ORIGIN %s.\n$TTL 300\n@ SOA ns.%s. hostmaster.%s. 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n' "$d" "$d" "$d"
	  grep "\.$d\. IN TXT" "$PF_TMP/records"; } > "$PF_TMP/zones/$d.zone"
done
pf_start_rsyslog
pf_start_knot "$PF_TMP/zones" || exit 1
pf_unbound_conf "$PF_TMP/unbound.conf"
pf_start_sink
pf_start_postfix "inet:127.0.0.1:$MPORT"

# the three opendkim.conf files
sed -e 's|^#Domain.*|Domain\t\t\texample.com|' -e 's|^#Selector.*|Selector\t\t2020|' \
    -e "s|^#KeyFile.*|KeyFile\t\t$K/example.private|" \
    -e "s|^Socket.*|Socket\t\t\tinet:$MPORT@localhost|" -e "s|^PidFile.*|PidFile\t\t\t$R/opendkim.pid|" \
    "$S/tests/data/opendkim/debian-12.conf" > "$PF_TMP/debian.conf"
echo "RequireSafeKeys		false	# keys under /tmp" >> "$PF_TMP/debian.conf"
printf 'k1 example.com:2020:%s\nk2 example.net:s2:%s\n' "$K/example.private" "$K/net.private" > "$K/KeyTable"
printf '*@example.com k1\n*@example.net k2\n' > "$K/SigningTable"
printf '127.0.0.1\n192.0.2.0/24\n' > "$K/TrustedHosts"
cat > "$PF_TMP/tables.conf" <<EOC
Syslog			yes
Mode			s
KeyTable		file:$K/KeyTable
SigningTable		refile:$K/SigningTable
InternalHosts		refile:$K/TrustedHosts
ExternalIgnoreList	refile:$K/TrustedHosts
Canonicalization	relaxed/relaxed
SignHeaders		From,To,Subject,Date,Message-ID
OversignHeaders		From,Subject
Socket			inet:$MPORT@127.0.0.1
UserID			opendkim
PidFile			$R/opendkim.pid
RequireSafeKeys		false
EOC
cat > "$PF_TMP/ed25519.conf" <<EOC
Mode			sv
Domain			example.org
Selector		e1
KeyFile			$K/ed.private
SubDomains		yes
SignatureAlgorithm	ed25519-sha256
Canonicalization	relaxed/relaxed
SignHeaders		From,To,Subject
Socket			inet:$MPORT@[127.0.0.1]
UserID			opendkim
PidFile			$R/opendkim.pid
RequireSafeKeys		false
EOC

stop_pid() {	# stop_pid PIDFILE: TERM, and wait until it is gone
	local p
	p=$(cat "$1" 2>/dev/null) || return 0
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null
	rm -f "$1"
}
send_all() {	# send_all TAG ADDR...: one message from each, files in $PF_TMP/got/TAG/N
	local tag=$1 n=0 a f; shift
	mkdir -p "$PF_TMP/got/$tag"
	for a in "$@"; do
		n=$((n + 1))
		pf_swaks --from "$a" --to bob@example.org --h-From "<$a>" --h-Subject "$tag $n" --body "message $n of $tag"
		[ "$PF_LAST_RC" = 0 ] || { diag "$tag $n: $(tail -5 "$PF_LAST")"; continue; }
		for _ in $(seq 1 100); do
			f=$(grep -l "^Subject: $tag $n\$" $(pf_sink_files) 2>/dev/null | head -1)
			[ -n "$f" ] && break; sleep 0.1
		done
		[ -n "$f" ] && mv "$f" "$PF_TMP/got/$tag/$n"
	done
}
tags() {	# tags FILE: "d=.. s=.. a=.. c=.. h=.." of its DKIM-Signature, or "unsigned"
	/usr/bin/python3 - "$1" <<'EOP'
import email, re, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"))
sig = msg.get("DKIM-Signature")
if sig is None:
    print("unsigned"); sys.exit(0)
t = dict((k.strip(), v) for k, _, v in (p.partition("=") for p in re.sub(r"\s+", "", sig).split(";")) if k.strip())
t.setdefault("c", "simple/simple")
print("d=%s s=%s a=%s c=%s h=%s" % (t.get("d"), t.get("s"), t.get("a"), t.get("c"), t.get("h", "").lower()))
EOP
}
# run NAME ADDRS...: OpenDKIM on NAME.conf, then preflight on its conversion
run() {
	local name=$1 n=0 a o p; shift
	rm -f "$R/opendkim.pid"
	opendkim -x "$PF_TMP/$name.conf" > "$PF_TMP/$name.odk.log" 2>&1
	pf_wait_file "$R/opendkim.pid" 10 && pf_wait_port "$MPORT" 10
	ok $? "$name: OpenDKIM starts on inet:$MPORT ($(cat "$PF_TMP/$name.odk.log"))"
	pf_track_pid "$(cat "$R/opendkim.pid" 2>/dev/null)"
	send_all "$name-odk" "$@"
	stop_pid "$R/opendkim.pid"

	"$PF" config --from-opendkim "$PF_TMP/$name.conf" > "$PF_TMP/$name.pf.conf" 2> "$PF_TMP/$name.conv.err"
	ok $? "$name: converted ($(tail -1 "$PF_TMP/$name.conv.err"))"
	# the test's resolver: knot on loopback, no DNSSEC (zones unsigned)
	printf '[dns]\nconfig_file = %s\ntrust_anchor_file =\n' "$PF_TMP/unbound.conf" >> "$PF_TMP/$name.pf.conf"
	"$B/milter/preflight-milter" -c "$PF_TMP/$name.pf.conf" > "$PF_TMP/$name.pf.log" 2>&1
	pf_wait_file "$R/opendkim.pid" 10 && pf_wait_port "$MPORT" 10
	ok $? "$name: preflight-milter starts on the converted config, same socket ($(cat "$PF_TMP/$name.pf.log"))"
	pf_track_pid "$(cat "$R/opendkim.pid" 2>/dev/null)"
	send_all "$name-pf" "$@"
	stop_pid "$R/opendkim.pid"

	for a in "$@"; do
		n=$((n + 1))
		o=$(tags "$PF_TMP/got/$name-odk/$n" 2>&1) p=$(tags "$PF_TMP/got/$name-pf/$n" 2>&1)
		[ -n "${NOH:-}" ] && { o=${o% h=*} p=${p% h=*}; }
		# OversignHeaders not set: preflight keeps its default, From
		[ -n "${PLUS_FROM:-}" ] && [ "$o" != unsigned ] && o="$o:from"
		is "$p" "$o" "$name: From $a: preflight signs as OpenDKIM did (${o})"
		if [ "$o" != unsigned ]; then
			r=$(/usr/bin/python3 "$S/tests/dkim-verify.py" "$PF_TMP/got/$name-odk/$n" "$PF_TMP/records" 2>&1)
			ok $? "$name: From $a: dkimpy verifies OpenDKIM's signature ($r)"
			r=$(/usr/bin/python3 "$S/tests/dkim-verify.py" "$PF_TMP/got/$name-pf/$n" "$PF_TMP/records" 2>&1)
			ok $? "$name: From $a: dkimpy verifies preflight's signature ($r)"
		fi
	done
}

# Debian's default signs no SignHeaders list of its own: h= differs by
# design (preflight's list adds Message-ID and the MIME fields); From is
# oversigned by both
NOH=1 run debian alice@example.com dave@other.test
o=$(tags "$PF_TMP/got/debian-odk/1") p=$(tags "$PF_TMP/got/debian-pf/1")
diag "debian, no SignHeaders: OpenDKIM ${o#* h=} / preflight ${p#* h=}"
like "$o" "h=.*from:.*from" "debian: OpenDKIM oversigns From (OversignHeaders From)"
like "$p" "h=.*from:.*from" "debian: so does preflight"
run tables alice@example.com carol@example.net erin@sub.example.com dave@other.test
PLUS_FROM=1 run ed25519 frank@example.org grace@lists.example.org dave@other.test
like "$(tags "$PF_TMP/got/ed25519-pf/1")" "a=ed25519-sha256" "ed25519: preflight signs ed25519-sha256 as OpenDKIM did"

tap_done
