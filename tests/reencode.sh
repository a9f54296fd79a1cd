#!/bin/sh
# reencode.sh - [dkim] unsafe_body_action and [structure] long_line_action
# = reencode through "preflight scan --emit": the unsafe-body corpus
# (tests/reencode-corpus.py) comes out with no line over 998 octets, the
# MIME tree unchanged but for the re-encoded parts, each decoding to its
# original octets (tests/reencode-check.py, Python's email package), and a
# signature dkimpy verifies; the explicit old values (tempfail, reject)
# behave as before; monitor mode changes nothing; the long-line reply names
# the part that holds the longest line; ordinary real mail is not touched.
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
B="${top_builddir:-.}"
PF="$B/tools/preflight"
PY=/usr/bin/python3
$PY -c 'import dkim' 2>/dev/null || skip_all "python3-dkim not installed"
T=$(mktemp -d) || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

"$PF" dkim keygen --type rsa --bits 2048 --domain example.com --selector r1 --out "$T/rsa.pem" > "$T/records"
ok $? "keygen"
conf() {	# name dkim-action structure-action [extra line]
	printf '[dkim]\ndomain = example.com\nselector = r1\nkey_file = %s\nkey_check_interval = 0\nunsafe_body_action = %s\n[structure]\nlong_line_action = %s\n%s\n' \
		"$T/rsa.pem" "$2" "$3" "${4:-}" > "$T/$1.conf"
}
conf re reencode reencode
conf tempfail tempfail reencode
conf old tempfail reject
conf unsigned reencode reencode
conf monitor reencode reencode '[policy]
monitor = yes'
$PY "$S/tests/reencode-corpus.py" "$T/c"
ok $? "the unsafe-body corpus"
scan() { c=$1; shift; "$PF" scan -c "$T/$c.conf" --from alice@example.com --rcpt bob@example.org "$@"; }

for f in "$T"/c/*.eml; do
	n=$(basename "$f" .eml)
	exp=$(cat "$T/c/$n.expect")
	out=$(scan re "--client-ip=127.0.0.1" --emit "$T/$n.out" "$f" 2>&1)
	if [ "$exp" = refuse ]; then
		like "$out" "action=(tempfail|reject) .*reasons=dkim\.unsafe-body" "$n: refused (dkim.unsafe-body)"
		like "$out" "cannot be re-encoded: part 1 \(text/plain\) is inside a signed or encrypted multipart" "$n: the reply says why it cannot be repaired"
		[ ! -e "$T/$n.out" ]; ok $? "$n: nothing relayed"
		continue
	fi
	like "$out" "action=(accept|annotate) .*reasons=dkim\.reencoded.*dkim\.signed.* dkim\.reencoded=" "$n: re-encoded and signed"
	chk=$($PY "$S/tests/reencode-check.py" --expect "$exp" "$f" "$T/$n.out"); rc=$?
	ok $rc "$n: no line over 998, MIME tree kept, decoded parts equal the original"
	[ $rc -eq 0 ] || diag "$chk"
	$PY "$S/tests/dkim-verify.py" "$T/$n.out" "$T/records" >/dev/null
	ok $? "$n: the signature over the new body verifies (dkimpy)"
done
out=$(scan re --client-ip=127.0.0.1 "$T/c/html200k.eml")
like "$out" 'dkim\.reencoded="part 2 \(text/html\)"' "the decision line names the part"
like "$out" 'Re-encoded part 2 \(text/html\) \(a line of [0-9]+ octets\) as quoted-printable' "... and says how"
out=$(scan re --client-ip=127.0.0.1 --json "$T/c/nested.eml")
like "$out" '"code":"dkim.reencoded".*"reencoded":"part 1.2 \(text/html\)"' "the audit record (JSON) has the fact"
like "$(grep -c '^Content-Transfer-Encoding: quoted-printable' "$T/nonmime.out") $(grep -c '^Content-Transfer-Encoding: base64' "$T/nonmime.out")" '^[01] [01]$' "non-MIME: one Content-Transfer-Encoding header"
like "$(grep '^MIME-Version\|^Content-Type' "$T/nonmime.out" | tr '\n' ' ')" '^MIME-Version: 1\.0 Content-Type: text/plain; charset=utf-8 $' "non-MIME: MIME-Version and Content-Type added"
grep -q '^Content-Transfer-Encoding: quoted-printable' "$T/html200k.out"
ok $? "mostly-ASCII HTML goes quoted-printable"
grep -q '^Content-Transfer-Encoding: base64' "$T/binary.out"
ok $? "binary in a text part goes base64 (quoted-printable would grow it by more than a third)"

# the explicit old values behave as before
out=$(scan tempfail --client-ip=127.0.0.1 "$T/c/html200k.eml")
like "$out" "action=tempfail stage=eom code=451 dsn=4\.6\.0 reasons=dkim\.unsafe-body" "unsafe_body_action = tempfail: still 451 4.6.0"
out=$(scan old --client-ip=127.0.0.1 "$T/c/raw8bit.eml")
like "$out" "action=tempfail .*reasons=dkim\.unsafe-body" "tempfail: 8-bit in a 7bit part still tempfails"
out=$(scan old --client-ip=192.0.2.1 "$T/c/html200k.eml")
like "$out" "action=reject stage=eom code=550 dsn=5\.6\.0 reasons=dkim\.not-signed,structure\.line-too-long" "long_line_action = reject: unsigned mail still 550 5.6.0"

# unsigned mail: long_line_action = reencode repairs long lines only
out=$(scan unsigned --client-ip=192.0.2.1 --emit "$T/u.out" "$T/c/html200k.eml")
like "$out" "action=accept .*reasons=dkim\.not-signed,structure\.reencoded .*structure\.reencoded=\"part 2 \(text/html\)\"" "unsigned: re-encoded, not refused for the defect it no longer has"
$PY "$S/tests/reencode-check.py" --expect 1 "$T/c/html200k.eml" "$T/u.out" >/dev/null
ok $? "unsigned: the repaired message checks out"
out=$(scan unsigned --client-ip=192.0.2.1 --emit "$T/u8.out" "$T/c/raw8bit.eml")
unlike "$out" "reencoded" "unsigned: 8-bit alone is not re-encoded (it is DKIM's concern)"
cmp -s "$T/c/raw8bit.eml" "$T/u8.out"; ok $? "... and goes out byte for byte"
out=$(scan unsigned --client-ip=192.0.2.1 "$T/c/signed.eml")
like "$out" "action=reject .*reasons=dkim\.not-signed,structure\.line-too-long" "unsigned multipart/signed with a long line: rejected, not changed"

# monitor mode: says what it would do, changes nothing
out=$(scan monitor --client-ip=127.0.0.1 --emit "$T/m.out" "$T/c/html200k.eml")
like "$out" "Would re-encode part 2 \(text/html\)" "monitor: would re-encode"
sed -n '/^$/,$p' "$T/m.out" | tail -n +2 > "$T/m.body"
sed -n '/^$/,$p' "$T/c/html200k.eml" | tail -n +2 > "$T/o.body"
cmp -s "$T/m.body" "$T/o.body"; ok $? "monitor: the body goes out as it came"

# the long-line reply names the part that holds the longest line
img() { head -c "$1" /dev/zero | tr '\0' 'Q'; }
{ printf 'From: a@example.com\nTo: b@example.org\nSubject: pics\nMIME-Version: 1.0\nContent-Type: multipart/related; boundary=r\n\n--r\nContent-Type: text/html\n\n<p>hi</p>\n'
  printf -- '--r\nContent-Type: image/jpeg; name="logo.jpg"\nContent-Transfer-Encoding: base64\n\n%s\n' "$(img 1200)"
  printf -- '--r\nContent-Type: image/jpeg; name="background.jpg"\nContent-Transfer-Encoding: base64\n\n%s\n--r--\n' "$(img 24340)"; } > "$T/outlook.eml"
out=$(scan old --client-ip=192.0.2.1 "$T/outlook.eml")
like "$out" 'The body has a line of 24340 octets in "background\.jpg" \(part 3\)' "long line: names the part that holds it"
like "$out" 'structure\.where="\\"background\.jpg\\" \(part 3\)" structure\.length=24340' "... in the facts too"
like "$out" 'Fix: "background\.jpg" \(part 3\) is base64 with long lines: wrap the base64 text at 76 characters a line \(RFC 2045 6\.8\)' "a base64 part: wrap it at 76, not 'use base64'"
out=$(scan old --client-ip=192.0.2.1 "$T/c/nested.eml")
like "$out" 'Fix: Send part 1\.2 \(text/html\) with Content-Transfer-Encoding quoted-printable or base64' "a 7bit part: quoted-printable or base64"

# ordinary real mail: nothing safe is re-encoded; what is changed checks out
RM="$S/../shared/realmail"
if [ -d "$RM/ordinary" ]; then
	touched="" broken="" n=0
	for f in "$RM"/ordinary/*; do
		b=$(basename "$f")
		r=$(scan re --client-ip=127.0.0.1 --emit "$T/rm.out" "$f" 2>/dev/null)
		case "$r" in *reencoded*) ;; *) rm -f "$T/rm.out"; continue ;; esac
		n=$((n + 1))
		o=$(scan old --client-ip=127.0.0.1 "$f" 2>/dev/null)
		case "$o" in *dkim.unsafe-body*|*structure.line-too-long*) ;; *) touched="$touched $b" ;; esac
		$PY "$S/tests/reencode-check.py" "$f" "$T/rm.out" >/dev/null 2>&1 || broken="$broken $b"
		if grep -q '^DKIM-Signature:' "$T/rm.out"; then
			$PY "$S/tests/dkim-verify.py" "$T/rm.out" "$T/records" >/dev/null 2>&1 || broken="$broken $b(dkim)"
		fi
		rm -f "$T/rm.out"
	done
	is "$touched" "" "realmail ordinary: only bodies the old checks refused are re-encoded ($n were)"
	is "$broken" "" "realmail ordinary: each re-encoded one checks out and verifies"
	crash=""
	for f in "$RM"/torture/*; do
		timeout 20 "$PF" scan -c "$T/re.conf" --client-ip 127.0.0.1 --from a@example.com --emit "$T/t.out" "$f" >/dev/null 2>&1
		[ $? -gt 1 ] && crash="$crash $(basename "$f")"
	done
	is "$crash" "" "realmail torture: every message gets a verdict with reencode"
fi
tap_done
