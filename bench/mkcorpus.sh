#!/bin/sh
# mkcorpus.sh DIR - the benchmark corpus, deterministic (seeded bytes):
# small.eml ~2 KB text, typical.eml ~20 KB with a PDF-like attachment,
# large.eml ~5 MB attachment, longhtml.eml ~5 MB whose HTML part is one
# line (7bit, as applications write it: [dkim] unsafe_body_action =
# reencode re-encodes it).  From/To in bench.test.
set -e
d=$1
mkdir -p "$d"
bytes() { /usr/bin/python3 -c 'import random,sys,base64; r=random.Random(int(sys.argv[2])); s=base64.b64encode(r.randbytes(int(sys.argv[1]))).decode(); sys.stdout.write("\n".join(s[i:i+76] for i in range(0, len(s), 76)))' "$1" "$2"; }
hdr() { printf 'From: Alice <alice@bench.test>\nTo: Bob <bob@bench.test>\nSubject: %s\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@bench.test>\nMIME-Version: 1.0\n' "$1" "$1"; }
{ hdr small; printf 'Content-Type: text/plain; charset=us-ascii\n\n'
  i=0; while [ $i -lt 24 ]; do printf 'Line %02d of an ordinary message body, long enough to look like text.\n' $i; i=$((i+1)); done; } > "$d/small.eml"
att() {	# name subject size seed
	{ hdr "$2"; printf 'Content-Type: multipart/mixed; boundary="bb"\n\n--bb\nContent-Type: text/plain\n\nPlease find the file attached.\nhttps://bench.test/docs\n--bb\nContent-Type: application/pdf; name="%s.pdf"\nContent-Disposition: attachment; filename="%s.pdf"\nContent-Transfer-Encoding: base64\n\n' "$1" "$1"
	  bytes "$3" "$4"; printf '\n--bb--\n'; } > "$d/$1.eml"
}
att typical typical 14000 1
att large large 3800000 2
{ hdr longhtml; printf 'Content-Type: multipart/alternative; boundary="aa"\n\n--aa\nContent-Type: text/plain; charset=us-ascii\n\nThe newsletter, as text.\n--aa\nContent-Type: text/html; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\n'
  /usr/bin/python3 -c 'import sys; row = "".join("<td class=\"c%d\" style=\"padding:4px\">item %d = offer</td>" % (i % 9, i) for i in range(200)); out = "<html><body><table>"; n = 0
while len(out) < 5000000: out += "<tr>" + row + "</tr>"; n += 1
sys.stdout.write(out + "</table></body></html>")'
  printf '\n--aa--\n'; } > "$d/longhtml.eml"
