#!/bin/sh
# scan.sh - "preflight scan": verdict lines, JSON, --emit, exit statuses,
# errors for bad input.  Runs the built tools/preflight.
. "${top_srcdir:-.}/tests/tap.sh"
PF="${top_builddir:-.}/tools/preflight"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

printf 'From: Alice <a@example.com>\nTo: b@example.org\nSubject: hi\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <1@example.com>\n\nhello\n' > "$T/small.eml"
printf '[size]\nmax_message_size = 50\n' > "$T/tiny.conf"
printf '[policy]\nheader_on_accept = yes\n' > "$T/hdr.conf"

out=$("$PF" scan -c /dev/null --from a@example.com --rcpt b@example.org --client-ip 192.0.2.7 "$T/small.eml"); rc=$?
is "$rc" 0 "accepted message: exit 0"
like "$out" '^NOQUEUE: action=accept stage=eom reasons=- score=0 from=<a@example.com> rcpts=1 size=[0-9]+ ' "accepted message: one decision line"
like "$out" 'client=192\.0\.2\.7' "decision line names the client"

out=$("$PF" scan -c "$T/tiny.conf" --from a@example.com --rcpt b@example.org "$T/small.eml"); rc=$?
is "$rc" 0 "rejected message: exit 0 all the same"
like "$out" 'action=reject stage=eom code=552 dsn=5.3.4 reasons=size.too-big' "oversized: reject 552 5.3.4"
like "$out" 'reply: 552-5.3.4 Message size [0-9]+ bytes exceeds the limit of 50 bytes' "reply names size and limit"
like "$out" 'reply: 552-5.3.4 Fix: Share large files by link' "reply says how to fix it"
like "$out" 'reply: 552 5.3.4 preflight: size.too-big' "last reply line names the reason"

json=$("$PF" scan -c "$T/tiny.conf" --json --from a@example.com --rcpt b@example.org "$T/small.eml")
got=$(printf '%s' "$json" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["action"], d["code"], d["dsn"], d["results"][0]["code"], d["results"][0]["facts"]["limit"], d["message_id"], d["rcpts"][0])')
is "$got" "reject 552 5.3.4 size.too-big 50 <1@example.com> b@example.org" "--json: action, codes, reasons, facts"

"$PF" scan -c "$T/hdr.conf" --from a@example.com --emit "$T/out.eml" "$T/small.eml" >/dev/null
is "$(head -1 "$T/out.eml")" "X-Preflight: action=accept score=0" "--emit: added header on top"
is "$(tail -n +2 "$T/out.eml" | cmp - "$T/small.eml" && echo same)" "same" "--emit: the rest is the original message"

printf 'From: a@example.com\r\nSubject: crlf\r\n\r\nbody\r\n' > "$T/crlf.eml"
"$PF" scan -c "$T/hdr.conf" --emit "$T/crlf.out" "$T/crlf.eml" >/dev/null
is "$(head -1 "$T/crlf.out" | tail -c 2 | od -An -c | tr -d ' ')" '\r\n' "--emit: added header ends in CRLF like the input"
is "$(tail -n +2 "$T/crlf.out" | cmp - "$T/crlf.eml" && echo same)" "same" "--emit keeps the CRLF message intact"

"$PF" scan -c "$T/tiny.conf" --emit "$T/none.eml" "$T/small.eml" >/dev/null 2>"$T/err"
ok "$([ ! -e "$T/none.eml" ]; echo $?)" "--emit writes nothing for a refused message"
like "$(cat "$T/err")" 'message reject: nothing written' "and says so"

out=$("$PF" scan -c /dev/null --from a@example.com < "$T/small.eml"); rc=$?
is "$rc" 0 "reads standard input"
like "$out" 'action=accept' "stdin verdict"

printf '[size]\nmax_message_size = huge\n' > "$T/bad.conf"
err=$("$PF" scan -c "$T/bad.conf" "$T/small.eml" 2>&1 >/dev/null); rc=$?
is "$rc" 1 "bad config: exit 1"
like "$err" "$T/bad.conf:2: size.max_message_size = \"huge\"" "bad config: file:line and key"

"$PF" scan -c /dev/null "$T/nonexistent.eml" >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "missing message file: exit 1"
like "$(cat "$T/err")" 'nonexistent.eml: No such file' "missing file is named"

"$PF" scan --bogus "$T/small.eml" >/dev/null 2>&1; rc=$?
is "$rc" 2 "unknown option: exit 2"

# declared size is checked before the body, as at MAIL FROM
head -c 300000 /dev/zero | tr '\0' 'x' | fold -w 76 > "$T/bigbody"
{ printf 'From: a@example.com\nSubject: big\n\n'; cat "$T/bigbody"; } > "$T/big.eml"
out=$("$PF" scan -c "$T/tiny.conf" --from a@example.com "$T/big.eml")
like "$out" 'size.source=body' "large body counted"

# a 1 MB header line and 10,000 header fields: decided, bounded, no crash
{ printf 'From: a@example.com\nSubject: headers\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <h@example.com>\nX-Huge: '; head -c 1048576 /dev/zero | tr '\0' 'h'; printf '\n'
  i=0; while [ $i -lt 10000 ]; do printf 'X-Many: %d\n' $i; i=$((i+1)); done
  printf '\nbody\n'; } > "$T/hdrs.eml"
out=$("$PF" scan -c /dev/null --from a@example.com "$T/hdrs.eml"); rc=$?
is "$rc" 0 "1 MB header line and 10,000 headers: exit 0"
like "$out" 'action=accept stage=eom .* size=11[0-9]{5} ' "decided, with every header byte counted"
# every crasher the fuzzers found stays a regression test (the ASan/UBSan
# build runs this too)
for f in "${top_srcdir:-.}"/fuzz/corpus/mime/regress-*; do
	"$PF" scan -c /dev/null "$f" > /dev/null 2>&1
	is "$?" 0 "fuzz regression $(basename "$f"): scanned"
done

# ICU and libarchive are opened when a message needs them (lazylib.h):
# ASCII mail without archives loads neither; a look-alike domain opens
# ICU and is found; a zip opens libarchive and its member is listed
opened() { grep -oE 'file=lib(icui18n|archive)\.so[^ ]*' "$1" | sort -u | tr '\n' ' '; }
ok "$(readelf -d "$PF" | grep -cE 'NEEDED.*lib(icu|archive)')" "preflight is not linked against ICU or libarchive"
LD_DEBUG=files "$PF" scan -c /dev/null "$T/small.eml" >/dev/null 2>"$T/ld.ascii"
is "$(opened "$T/ld.ascii")" "" "an ASCII message opens neither ICU nor libarchive"
printf 'From: Pay <ceo@p\320\260ypal.com>\nTo: b@example.org\nSubject: hi\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <2@example.com>\n\nhello\n' > "$T/idn.eml"
out=$(LD_DEBUG=files "$PF" scan -c /dev/null --smtputf8 --from ceo@xn--pypal-4ve.com "$T/idn.eml" 2>"$T/ld.idn")
like "$out" 'reasons=from.display-spoof .*looks like paypal\.com' "a Cyrillic look-alike domain is found through ICU"
like "$(opened "$T/ld.idn")" 'libicui18n\.so' "and that message opened ICU"
/usr/bin/python3 - "$T/zip.eml" <<'PY'
import base64, io, sys, zipfile
b = io.BytesIO()
with zipfile.ZipFile(b, "w") as z:
    z.writestr("invoice.pdf.exe", "MZ")
open(sys.argv[1], "w").write(
    "From: a@example.com\nTo: b@example.org\nSubject: zip\n"
    "Date: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <3@example.com>\n"
    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
    "--b\nContent-Type: text/plain\n\nsee attached\n--b\n"
    "Content-Type: application/zip; name=\"a.zip\"\n"
    "Content-Transfer-Encoding: base64\n\n"
    + base64.encodebytes(b.getvalue()).decode() + "--b--\n")
PY
out=$(LD_DEBUG=files "$PF" scan -c /dev/null "$T/zip.eml" 2>"$T/ld.zip")
like "$out" 'reasons=attach\.archive-dangerous .*attach\.member=invoice\.pdf\.exe' "a zip's dangerous member is listed through libarchive"
like "$(opened "$T/ld.zip")" 'libarchive\.so' "and that message opened libarchive"

tap_done
