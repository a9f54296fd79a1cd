#!/bin/sh
# opendkim-convert.sh - "preflight config --from-opendkim": Debian 12's
# default opendkim.conf (tests/data/opendkim/debian-12.conf) and a
# table-based one converted, each output loaded by "preflight-milter -n";
# the signatures "preflight scan" then makes verified by dkimpy; options
# without an equivalent named and counted; bad input refused naming
# file:line with nothing printed.  tests/integration/opendkim.sh compares
# the signatures with a real OpenDKIM's.
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
B="${top_builddir:-.}"
PF="$B/tools/preflight"
MILTER="$B/milter/preflight-milter"
T=$(mktemp -d) || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
conv() {	# conv IN: stdout to $T/out, stderr to $T/err, status in $rc
	"$PF" config --from-opendkim "$1" > "$T/out" 2> "$T/err"; rc=$?
}
flat() {	# flat FILE: comment lines joined, as one line
	sed 's/^# //' "$1" | tr '\n' ' '
}
key() {	# key NAME: its value, indented continuation lines joined
	awk -v k="$1" 'index($0, k " = ") == 1 { v = substr($0, length(k) + 4); on = 1; next }
		on && /^[ \t]/ { sub(/^[ \t]+/, ""); v = v " " $0; next } { on = 0 }
		END { print v }' "$T/out"
}
loads() {	# loads DESC: the output as preflight-milter -n reads it
	r=$("$MILTER" -n -c "$T/out" 2>&1)
	ok $? "$1 loads with preflight-milter -n ($(echo "$r" | head -3 | tr '\n' ' '))"
}

# 1. Debian's default, as the package installs it
conv "$S/tests/data/opendkim/debian-12.conf"
is "$rc" 0 "Debian's default opendkim.conf converts"
is "$(key socket)" "unix:/run/opendkim/opendkim.sock" "Socket local:/path becomes unix:/path"
is "$(key user)" "opendkim" "UserID becomes [milter] user"
is "$(key socket_mode)" "0770" "UMask 007 becomes socket_mode 0770"
is "$(key pidfile)" "/run/opendkim/opendkim.pid" "PidFile kept"
is "$(key canonicalization)" "relaxed/simple" "Canonicalization relaxed/simple kept"
is "$(key oversign_headers)" "From" "OversignHeaders From kept"
is "$(key internal_hosts)" "127.0.0.1" "no InternalHosts: OpenDKIM's default 127.0.0.1"
is "$(key monitor)" "yes" "[policy] monitor = yes: OpenDKIM refused nothing for policy, the other checks start by logging"
is "$(key trust_anchor_file)" "/usr/share/dns/root.key" "TrustAnchorFile becomes [dns] trust_anchor_file"
like "$(flat "$T/out")" "Mode not set, so sv: the verifying half" "the verifying half of the default Mode sv is named as having no equivalent"
like "$(cat "$T/err")" "^preflight config: 1 OpenDKIM option in .* has no preflight equivalent" "... and counted on stderr"
like "$(flat "$T/out")" "Syslog yes \(.*debian-12.conf:6\)" "comments name the option and its file:line"
like "$(flat "$T/out")" "nothing is signed until" "no key configured: said so"
unlike "$(grep -v '^#' "$T/out")" "^(domain|key_table) =" "... and no key emitted"
loads "the converted Debian default"

# 2. the same with the key lines Debian's comments suggest, uncommented
"$PF" dkim keygen --type rsa --bits 2048 --domain example.com --selector 2020 --out "$T/example.private" > "$T/records" || exit 1
sed -e 's|^#Domain.*|Domain\t\t\texample.com|' -e 's|^#Selector.*|Selector\t\t2020|' \
    -e "s|^#KeyFile.*|KeyFile\t\t$T/example.private|" \
    "$S/tests/data/opendkim/debian-12.conf" > "$T/debian-keyed.conf"
conv "$T/debian-keyed.conf"
is "$rc" 0 "Debian's default with Domain/Selector/KeyFile converts"
is "$(key domain) $(key selector) $(key key_file)" "example.com 2020 $T/example.private" "the single-key form: domain, selector, key_file"
like "$(flat "$T/out")" "subdomains of example.com too" "SubDomains not set: the difference (preflight signs subdomains) is named"
like "$(cat "$T/err")" "^preflight config: 2 OpenDKIM options" "... and counted"
sed -i 's/^\(trust_anchor_file\) = .*/\1 =/' "$T/out"	# no DNSSEC in a test
printf '[dkim]\nkey_check_interval = 0\n' >> "$T/out"
loads "the keyed Debian default"
printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: hello\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <c1@example.com>\n\nHello.\n' > "$T/m.eml"
"$PF" scan -c "$T/out" --client-ip 127.0.0.1 --from alice@example.com --rcpt bob@example.org --emit "$T/m.out" "$T/m.eml" > /dev/null
sig=$(sed -n '/^DKIM-Signature:/,/^[^ \t]/p' "$T/m.out" | tr -d ' \t\n')
like "$sig" "d=example.com;" "the converted config signs d=example.com"
like "$sig" "s=2020;" "... s=2020"
like "$sig" "c=relaxed/simple;" "... c=relaxed/simple"
like "$sig" "h=[^;]*[Ff]rom:[^;]*[Ff]rom;" "... with From oversigned"
if /usr/bin/python3 -c 'import dkim' 2>/dev/null; then
	r=$(/usr/bin/python3 "$S/tests/dkim-verify.py" "$T/m.out" "$T/records" 2>&1)
	ok $? "... and dkimpy verifies it ($r)"
fi
"$PF" scan -c "$T/out" --client-ip 192.0.2.7 --from alice@example.com --rcpt bob@example.org --emit "$T/m2.out" "$T/m.eml" > /dev/null
unlike "$(cat "$T/m2.out")" "^DKIM-Signature:" "a client outside InternalHosts 127.0.0.1 is not signed, as with OpenDKIM"

# 3. table-based: KeyTable, SigningTable refile, InternalHosts file, headers
"$PF" dkim keygen --type rsa --bits 2048 --domain example.net --selector s2 --out "$T/net.private" >> "$T/records" || exit 1
mkdir "$T/base"
printf 'k1 example.com:2020:%s\nk2 example.net:s2:%s\n' "$T/example.private" "$T/net.private" > "$T/base/KeyTable"
printf '# patterns, first match wins\n*@example.com k1\n*@example.net\tk2\n' > "$T/base/SigningTable"
printf '127.0.0.1\n::1\n[192.0.2.0]/24\n10.1.0.0/16\nmail.example.com\n!10.1.2.3\n' > "$T/base/TrustedHosts"
cat > "$T/tables.conf" <<EOC
# a table-based signer
BaseDirectory	$T/base
Syslog		yes
SyslogFacility	local3
Mode		s
KeyTable	file:KeyTable
SIGNINGTABLE	refile:SigningTable
InternalHosts	refile:TrustedHosts
ExternalIgnoreList refile:TrustedHosts
canonicalization relaxed/relaxed
SignatureAlgorithm rsa-sha256
SignHeaders	From,To,Subject,Date
OversignHeaders	From,Subject
Socket		inet:8891@[127.0.0.1]
UserID		opendkim:postfix
PidFile		run/opendkim.pid
Nameservers	127.0.0.1, ::1
AutoRestart	yes
SignatureTTL	86400
RemoveOldSignatures yes
EOC
conv "$T/tables.conf"
is "$rc" 0 "the table-based opendkim.conf converts"
is "$(key key_table)" "file:$T/base/KeyTable" "KeyTable file: kept, resolved against BaseDirectory"
is "$(key signing_table)" "refile:$T/base/SigningTable" "SigningTable refile: kept (names in any case)"
is "$(key internal_hosts)" "127.0.0.1 ::1 192.0.2.0/24 10.1.0.0/16" "InternalHosts from its file: the addresses and networks, inline"
like "$(flat "$T/out")" "not converted: mail.example.com !10.1.2.3" "... the host name and the exclusion named as not converted"
like "$(flat "$T/out")" "ExternalIgnoreList refile:TrustedHosts \(.*\): preflight does not log" "ExternalIgnoreList: no equivalent, with the reason"
is "$(key canonicalization)" "relaxed/relaxed" "Canonicalization relaxed/relaxed (key in lower case)"
is "$(key signed_headers)" "From To Subject Date" "SignHeaders becomes signed_headers"
is "$(key oversign_headers)" "From Subject" "OversignHeaders becomes oversign_headers"
is "$(key socket)" "inet:8891@127.0.0.1" "Socket inet:port@[address] becomes inet:port@address"
is "$(key user)/$(key group)" "opendkim/postfix" "UserID user:group"
is "$(key pidfile)" "$T/base/run/opendkim.pid" "a relative PidFile resolved against BaseDirectory"
is "$(key syslog_facility)" "local3" "SyslogFacility"
is "$(key upstreams)" "127.0.0.1 ::1" "Nameservers becomes [dns] upstreams"
for o in AutoRestart SignatureTTL RemoveOldSignatures; do
	like "$(sed -n '/no preflight equivalent/,$p' "$T/out")" "^# $o " "$o listed as having no equivalent"
done
like "$(cat "$T/err")" "^preflight config: 5 OpenDKIM options" "5 options without equivalent counted (ExternalIgnoreList, InternalHosts' host name, AutoRestart, SignatureTTL, RemoveOldSignatures)"
printf '[dkim]\nkey_check_interval = 0\n' >> "$T/out"
loads "the converted table-based config"
printf 'From: carol@example.net\nTo: bob@example.org\nSubject: net\nDate: Tue, 24 Nov 2026 10:00:00 +0000\n\nHi.\n' > "$T/n.eml"
"$PF" scan -c "$T/out" --client-ip 10.1.9.9 --from carol@example.net --rcpt bob@example.org --emit "$T/n.out" "$T/n.eml" > /dev/null
sig=$(sed -n '/^DKIM-Signature:/,/^[^ \t]/p' "$T/n.out" | tr -d ' \t\n')
like "$sig" "d=example.net;s=s2;|s=s2;.*d=example.net;|d=example.net;.*s=s2;" "the SigningTable's second pattern picks k2 for a client in 10.1.0.0/16"
like "$sig" "h=[Ff]rom:[Tt]o:[Ss]ubject:[Dd]ate:[Ff]rom:[Ss]ubject;" "... h= is SignHeaders plus the oversigned From and Subject"
if /usr/bin/python3 -c 'import dkim' 2>/dev/null; then
	r=$(/usr/bin/python3 "$S/tests/dkim-verify.py" "$T/n.out" "$T/records" 2>&1)
	ok $? "... and dkimpy verifies it ($r)"
fi

printf 'Domain example.com\nSelector 2020\nKeyFile %s\nSubDomains yes\nCanonicalization relaxed/relaxed\nSignHeaders *,+List-Id,+X-Campaign,-Reply-To\n' "$T/example.private" > "$T/delta.conf"
conv "$T/delta.conf"
like "$(key signed_headers)" "^from subject date to .*list-id .*list-archive X-Campaign$" "SignHeaders \"*,+X,-Y\": libopendkim's default list changed ..."
unlike "$(key signed_headers)" "(^| )reply-to( |$)|List-Id" "... -Reply-To removed, +List-Id not listed twice"
like "$(flat "$T/out")" "SubDomains yes .*signs subdomains too" "SubDomains yes: the same behaviour, noted"
like "$(cat "$T/err")" "^preflight config: 1 OpenDKIM option" "... and not counted (only Mode's verifying half is)"
awk '!/^#/ && length > 80 { exit 1 }' "$T/out"; ok $? "the long signed_headers value is broken into lines of 80 columns at most"
loads "the converted SignHeaders delta"

# 4. verification only
printf 'Mode v\nSocket local:/run/opendkim/opendkim.sock\nOn-BadSignature reject\n' > "$T/verify.conf"
conv "$T/verify.conf"
is "$rc" 0 "a verify-only opendkim.conf converts"
is "$(key mode)" "off" "... to [dkim] mode = off"
like "$(cat "$T/err")" "Mode has no s: OpenDKIM only verified" "... and says so on stderr"
like "$(flat "$T/out")" "On-BadSignature reject \(.*\): verifying inbound signatures" "verification options named as having no equivalent"
loads "the verify-only conversion"

# 5. csl tables of one key are the single-key form; Include nests
printf 'KeyTable csl:k=example.com:2020:%s\nSigningTable csl:example.com=k,.example.com=k\nInclude %s/inc2.conf\n' "$T/example.private" "$T" > "$T/inc1.conf"
printf 'Canonicalization relaxed\nUMask 002\n' > "$T/inc2.conf"
conv "$T/inc1.conf"
is "$rc" 0 "csl: KeyTable/SigningTable with one key convert"
is "$(key domain) $(key selector)" "example.com 2020" "... to the single-key form"
is "$(key canonicalization) $(key socket_mode)" "relaxed/simple 0775" "an Included file is read (relaxed means relaxed/simple)"

for pair in "inet:8891|inet:8891@0.0.0.0" "inet6:8891@[::1]|inet6:8891@::1" "/run/x.sock|unix:/run/x.sock"; do
	printf 'Mode v\nSocket %s\n' "${pair%%|*}" > "$T/sock.conf"
	conv "$T/sock.conf"
	is "$(key socket)" "${pair#*|}" "Socket ${pair%%|*} becomes ${pair#*|}"
done

# 6. bad input: file:line, nothing on stdout
bad() {	# bad DESC REGEX LINES...
	d=$1 re=$2; shift 2
	printf '%s\n' "$@" > "$T/bad.conf"
	conv "$T/bad.conf"
	is "$rc" 1 "$d: refused"
	like "$(cat "$T/err")" "$re" "... $d: the reason with file:line"
	is "$(cat "$T/out")" "" "... $d: nothing on stdout"
}
bad "unknown option" "bad.conf:2: \"Sokcet\" is not an OpenDKIM option" "Mode s" "Sokcet local:/x"
bad "option without a value" "bad.conf:1: Socket has no value" "Socket"
bad "bad Boolean" "bad.conf:1: SubDomains maybe: expected a Boolean" "SubDomains maybe" "Domain example.com" "Selector s" "KeyFile $T/example.private"
bad "bad socket" "bad.conf:1: Socket inet:99999@localhost: expected a port" "Socket inet:99999@localhost"
bad "a KeyTable in SQL" "bad.conf:1: KeyTable: preflight reads its tables from files only" "KeyTable dsn:mysql://u:p@db/dkim/table=keys?keycol=id?datacol=d,s,k" "SigningTable refile:$T/base/SigningTable"
unlike "$(cat "$T/err")" "u:p@" "... the data set's credentials are not echoed"
bad "two domains, one key" "bad.conf:1: Domain lists 2 domains" "Domain example.com,example.net" "Selector s" "KeyFile $T/example.private"
bad "Selector without Domain" "bad.conf:1: Domain, Selector and KeyFile go together" "Selector s"
bad "simple/strange canonicalization" "bad.conf:1: Canonicalization simple/loose" "Canonicalization simple/loose"
printf '*@example.com k1:alice@example.com\n*@example.net %%\n' > "$T/base/SignerTable"
printf 'k3 %%:sel:%s\n' "$T/example.private" >> "$T/base/KeyTable"
bad "OpenDKIM-only table lines" "SignerTable:1: the signer \(i=\) after the key name" "KeyTable $T/base/KeyTable" "SigningTable refile:$T/base/SignerTable"
like "$(cat "$T/err")" "SignerTable:2: key name \"%\"" "... the % key name named with its line"
like "$(cat "$T/err")" "KeyTable:3: d= \"%\"" "... and the KeyTable's % domain"
conv "$T/nonexistent.conf"
is "$rc" 1 "a missing file: status 1"
like "$(cat "$T/err")" "nonexistent.conf: cannot open" "... saying so"

# 7. output that the loader refuses: printed, status 1, the reason
printf 'Domain example.com\nSelector s\nKeyFile %s/missing.private\n' "$T" > "$T/nokey.conf"
conv "$T/nokey.conf"
is "$rc" 1 "a KeyFile that does not exist: status 1"
like "$(flat "$T/err")" "missing.private.*does not load as it stands" "... the loader's reason and the verdict on stderr"
like "$(cat "$T/out")" "key_file = $T/missing.private" "... the conversion still printed"

tap_done
