#!/bin/sh
# content.sh - the content checks over a generated corpus: every clean
# message passes with no finding at all (the false-positive rate is zero),
# every defective one gets its reason code, and truncated or garbage MIME
# never crashes "preflight scan".
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
B="${top_builddir:-.}"
PF="$B/tools/preflight"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 "$S/tests/content-corpus.py" "$T/corpus" || { ok 1 "corpus generated"; tap_done; exit 1; }
printf 'guaranteed winner\nact now\n' > "$T/phrases"
printf '[text]\nphrases = %s\n' "$T/phrases" > "$T/pf.conf"

codes() {	# file -> "action code1,code2"
	"$PF" scan --json -c "$T/pf.conf" --client-ip 192.0.2.1 --from alice@example.com \
		--rcpt bob@example.org "$1" | /usr/bin/python3 -c 'import json,sys
v=json.loads(sys.stdin.read().splitlines()[-1])
print(v["action"], ",".join(r["code"] for r in v["results"]))'
}

for f in "$T"/corpus/clean/*.eml; do
	n=$(basename "$f" .eml)
	is "$(codes "$f")" "accept " "clean $n: accepted with no finding"
done
for f in "$T"/corpus/bad/*.eml; do
	code=$(basename "$f" .eml)
	got=$(codes "$f")
	like "$got" "(^| |,)$code(,|$)" "$code flagged ($got)"
done
like "$(codes "$T/corpus/bad/attach.executable.eml")" "^reject " "an executable attachment is refused"
out=$("$PF" scan -c "$T/pf.conf" --client-ip 192.0.2.1 "$T/corpus/bad/attach.double-extension.eml")
like "$out" 'reply: 550-5\.7\.1 Attachment "invoice\.pdf\.exe" hides a program' "the reply names the file"

# robustness: every corpus message cut at many places, and garbage
crashed=0 n=0
for f in "$T"/corpus/clean/*.eml "$T"/corpus/bad/*.eml; do
	size=$(stat -c %s "$f")
	step=$(( size / 25 + 1 ))
	off=1
	while [ $off -lt "$size" ]; do
		head -c $off "$f" > "$T/cut.eml"
		"$PF" scan -c "$T/pf.conf" "$T/cut.eml" > /dev/null 2>&1
		rc=$?
		[ $rc -eq 0 ] || { crashed=$((crashed + 1)); diag "$f cut at $off: exit $rc"; }
		n=$((n + 1))
		off=$((off + step))
	done
done
i=0
while [ $i -lt 30 ]; do
	{ printf 'Content-Type: multipart/mixed; boundary="%s"\n\n' "$i"; head -c $((i * 97 + 13)) /dev/urandom; } > "$T/garbage.eml"
	"$PF" scan -c "$T/pf.conf" "$T/garbage.eml" > /dev/null 2>&1 || { crashed=$((crashed + 1)); diag "garbage $i"; }
	n=$((n + 1)); i=$((i + 1))
done
is "$crashed" 0 "$n truncated and garbage messages: no crash, every scan completed"

tap_done
