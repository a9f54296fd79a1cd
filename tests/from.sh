#!/bin/sh
# from.sh - issue 13 through "preflight scan": a generated attack corpus
# (every class of From-header ambiguity, look-alike, Sender, window and
# forged Authentication-Results, several variants each) is refused with
# its reason and an explanatory reply; the clean From corpus and the
# ordinary messages of ../shared/realmail give no from.* finding; the
# torture messages give a verdict.
. "${top_srcdir:-.}/tests/tap.sh"
PF="${top_builddir:-.}/tools/preflight"
SRC="${top_srcdir:-.}"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

printf 'alice alice@co.example alice+q4@co.example @mail.eu.co.example @b\303\274cher.example\n' > "$T/sasl"
printf '[from]\nsasl_senders = %s\n[policy]\nauthserv_id = mx.co.example\n' "$T/sasl" > "$T/pf.conf"
/usr/bin/python3 "$SRC/tests/from-corpus.py" "$T/c" || exit 1

# fields: action code dsn first-code "first reply line" "fix line"
verdict() {
	/usr/bin/python3 -c '
import json, sys
v = json.loads(sys.stdin.read().splitlines()[-1])
codes = [r["code"] for r in v.get("results", [])]
rep = v.get("reply") or ["-"]
fix = [l for l in rep if l.startswith("Fix:")]
print("|".join([v["action"], v.get("code") or "-", v.get("dsn") or "-",
    ",".join(c for c in codes if c.startswith("from.")) or "-",
    rep[0], fix[0] if fix else "-"]))'
}

tab=$(printf '\t')
while IFS="$tab" read -r name code flags pyreads; do
	[ "$flags" = "-" ] && flags=""
	# shellcheck disable=SC2086
	v=$("$PF" scan -c "$T/pf.conf" --json --from alice@co.example \
		--rcpt bob@example.net --auth-user alice $flags "$T/c/$name.eml" | verdict)
	IFS='|' read -r action smtp dsn fcodes reply fix <<E
$v
E
	if [ "$code" = clean ]; then
		is "$fcodes" "-" "clean $name: no from.* finding"
		continue
	fi
	case ",$fcodes," in *",$code,"*) hit=0 ;; *) hit=1 ;; esac
	ok $hit "attack $name: $code (Python's email reads: $pyreads)"
	[ $hit -eq 0 ] || diag "got $fcodes: $reply"
	is "$action $smtp ${dsn%%.*}" "reject 550 5" "attack $name: refused 550 5.x.x"
	like "$fix" '^Fix: .{12,}' "attack $name: the reply says how to fix it"
done < "$T/c/index.tsv"

# what the attack corpus would have done to a lenient reader
n=$(awk -F"$tab" '$2 != "clean" && $4 ~ /partner/' "$T/c/index.tsv" | wc -l)
diag "attacks in which Python's email package reads ceo@partner.example: $n"

# the reply names what is ambiguous
out=$("$PF" scan -c "$T/pf.conf" --from alice@co.example --auth-user alice "$T/c/semicolon-1.eml")
like "$out" 'reply: 550-5\.7\.1 The From header can be read more than one way: a ";"' "from.ambiguous reply names the ';'"
like "$out" 'ambiguity=semicolon' "decision line names the class"

# a From after 1 MiB of other headers is still read (no silent window)
/usr/bin/python3 - "$T/big.eml" <<'PY'
import sys
pad = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"x" * 990) for i in range(1100))
open(sys.argv[1], "wb").write(pad + b"From: CEO <ceo@partner.example>\r\n"
    b"Subject: s\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
    b"Message-ID: <b@co.example>\r\n\r\nbody\r\n")
PY
out=$("$PF" scan -c "$T/pf.conf" --from alice@co.example --auth-user alice "$T/big.eml")
like "$out" 'reasons=[^ ]*from\.identity' "From after 1 MiB of headers: still checked (from.identity)"
unlike "$out" 'dmarc=pass' "and no Authentication-Results claiming a pass for it"

# forged Authentication-Results under our authserv-id are removed
printf 'Authentication-Results: mx.co.example; dmarc=pass header.from=partner.example\r\nFrom: alice@co.example\r\nAuthentication-Results: other.example; spf=pass\r\nAuthentication-Results: "MX.CO.EXAMPLE"; dkim=pass\r\nSubject: s\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <ar@co.example>\r\n\r\nbody\r\n' > "$T/ar.eml"
out=$("$PF" scan -c "$T/pf.conf" --from alice@co.example --auth-user alice --emit "$T/ar.out" "$T/ar.eml")
like "$out" 'from\.auth-results-removed' "forged Authentication-Results: logged"
like "$out" 'from\.auth-results-removed\.count=2|count=2' "both of ours counted"
is "$(grep -c '^Authentication-Results: mx.co.example\|MX.CO.EXAMPLE' "$T/ar.out")" 0 "--emit: ours removed"
is "$(grep -c '^Authentication-Results: other.example' "$T/ar.out")" 1 "--emit: the other one kept"

# the real corpus: ordinary mail gives no from.* finding; torture gives a verdict
RM="$SRC/../shared/realmail"
if [ -d "$RM/ordinary" ]; then
	# two ordinary messages really have the defect (see the case below)
	bad=""
	for f in "$RM"/ordinary/*; do
		b=$(basename "$f")
		u=""	# UTF-8 in the From address: its sender used SMTPUTF8
		grep -a -m1 -i '^from:' "$f" | LC_ALL=C grep -aq '[^ -~[:cntrl:]]' &&
			iconv -f utf-8 -t utf-8 "$f" >/dev/null 2>&1 && u=--smtputf8
		# shellcheck disable=SC2086
		r=$("$PF" scan -c /dev/null --from x@example.net --rcpt r@example.net $u "$f" |
			grep -o 'reasons=[^ ]*' | tr ',' '\n' | grep '^\(reasons=\)\{0,1\}from\.' | sed 's/reasons=//' | tr '\n' ' ')
		[ -z "$r" ] && continue
		case "$b" in
		# "jang.abcdef@xyzlinu <jang.abcdef@xyzlinux12345678.it>":
		# Python's email reads jang.abcdef@xyzlinu, GMime the other
		mimekit-issue358.eml) [ "$r" = "from.ambiguous " ] && continue ;;
		# From guest@localhost (the corpus README names it)
		phpmmp-issue274.eml) [ "$r" = "from.no-domain " ] && continue ;;
		esac
		bad="$bad $b:$r"
	done
	is "$bad" "" "realmail ordinary: no from.* finding (two real defects excepted)"
	crash=""
	for f in "$RM"/torture/*; do
		timeout 20 "$PF" scan -c /dev/null --from x@example.net --rcpt r@example.net "$f" >/dev/null 2>&1
		[ $? -gt 1 ] && crash="$crash $(basename "$f")"
	done
	is "$crash" "" "realmail torture: every message gets a verdict"
fi
tap_done
