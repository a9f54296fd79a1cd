#!/bin/bash
# demo.sh - the main job on a fresh Debian 12 machine (as root): install
# what preflight needs, build it, start preflight-milter on its default
# configuration (conf/preflight.conf, unix:/run/preflight/preflight.sock,
# user preflight) wired to a private Postfix on 127.0.0.1 that relays to a
# local sink, push sample mail through, and show what the clients saw and
# the verdict lines preflight wrote to syslog.  Postfix and the sink take
# free ports found at run time (tests/ports.sh; PF_SMTP_PORT and
# PF_SINK_PORT if set), printed as it starts.  Everything it starts is
# stopped at the end; nothing listens on port 25.
set -u
cd "$(dirname "$0")/.." || exit 1
TOP=$(pwd)
[ "$(id -u)" = 0 ] || { echo "demo.sh: run as root (it installs packages and starts a private Postfix)"; exit 1; }

echo "== installing packages (tests/deps.sh)"
bash tests/deps.sh || exit 1
echo "== building"
if [ -f "$TOP/config.status" ]; then	# a developer's in-tree build: use it
	B="$TOP"
	make -j2 > /dev/null || exit 1
else
	B="$TOP/_build/demo"
	if [ ! -x "$B/milter/preflight-milter" ]; then
		autoreconf -fi > /dev/null 2>&1 || { echo "autoreconf failed"; exit 1; }
		mkdir -p "$B"
		(cd "$B" && "$TOP/configure" -q && make -j2 > make.log 2>&1) || { tail -30 "$B/make.log"; exit 1; }
	fi
fi

# the account the default configuration names, and Postfix in its group
getent passwd preflight >/dev/null || adduser --system --group --no-create-home --quiet preflight
id -nG postfix | grep -qw preflight || adduser --quiet postfix preflight

top_srcdir="$TOP" PREFLIGHT_INTEGRATION=1
. "$TOP/tests/integration/lib.sh"
ok() { :; }	# lib.sh speaks TAP for tests; the demo only narrates

pf_start_rsyslog || exit 1
pf_start_sink || exit 1
echo "== starting preflight-milter -c conf/preflight.conf (defaults: 25M, 100 recipients)"
rm -f /run/preflight/preflight.sock
"$B/milter/preflight-milter" -n -c "$TOP/conf/preflight.conf" || exit 1
"$B/milter/preflight-milter" -c "$TOP/conf/preflight.conf" || exit 1
pf_wait_file /run/preflight/preflight.sock 10 || exit 1
pf_track_pid "$(cat /run/preflight/preflight-milter.pid)"
pf_start_postfix "unix:/run/preflight/preflight.sock" || exit 1
echo "   Postfix on 127.0.0.1:$PF_SMTP_PORT -> preflight -> sink on 127.0.0.1:$PF_SINK_PORT"

show() {	# title
	echo
	echo "== $1"
	grep -E '^ *<(-|\*\*) +[245][0-9][0-9][ -][245]\.[0-9]' "$PF_LAST" | sed 's/^ *<[-*]* */   client saw: /' | tail -6
}

pf_swaks --from alice@example.com --to bob@example.org --h-Subject "Quarterly report" \
	--body "Hello Bob, the report is attached to the wiki page. Alice"
show "1. an ordinary message"

pf_swaks --from alice@example.com --to bob@example.org --h-Subject "GREAT OFFER FOR YOU TODAY" \
	--body "Get it now!!! https://bit.ly/3offer"
show "2. capitals, !!! and a URL shortener: scores that annotate"

head -c $((26 * 1024 * 1024)) /dev/urandom > "$PF_TMP/video.bin"
pf_swaks --from alice@example.com --to bob@example.org --h-Subject "The video" \
	--attach-type application/octet-stream --attach "$PF_TMP/video.bin"
show "3. a 26 MB attachment (35 MB encoded) against the 25M limit"

echo
echo "== 4. a client that declares SIZE=40000000 at MAIL FROM"
/usr/bin/python3 "$TOP/tests/integration/smtp.py" size "$PF_SMTP_PORT" alice@example.com bob@example.org 40000000 |
	sed 's/ | /\n   client saw: /g; s/^/   client saw: /'

echo
echo "== 5. a message to 102 recipients (limit 100)"
rcpts=""; for i in $(seq 1 102); do rcpts="$rcpts r$i@example.org"; done
/usr/bin/python3 "$TOP/tests/integration/smtp.py" rcpts "$PF_SMTP_PORT" alice@example.com $rcpts | sed 's/^/   refused: /'

echo
echo "== 6. an application's newsletter: its HTML on one line of 59,000 octets (RFC 5322 allows 998)"
{ printf 'From: news@example.com\nTo: bob@example.org\nSubject: Newsletter\nMIME-Version: 1.0\n'
  printf 'Content-Type: text/html; charset=us-ascii\n\n<html><body>'
  for i in $(seq 1 2000); do printf '<p class="item">offer %d</p>' "$i"; done
  printf '</body></html>\n'; } > "$PF_TMP/news.eml"
/usr/bin/python3 "$TOP/tests/integration/smtp.py" file "$PF_SMTP_PORT" news@example.com bob@example.org "$PF_TMP/news.eml" |
	sed 's/^/   client saw: /'
echo "   (long_line_action = reencode, the default: relayed quoted-printable, not refused)"

pf_sink_wait 4 20 >/dev/null
sleep 1
echo
echo "== what reached the sink: $(pf_sink_count) message(s)"
for f in $(pf_sink_files); do
	echo "   $(grep -m1 '^Subject:' "$f")"
	grep -m1 '^X-Preflight:' "$f" | sed 's/^/      /'
	grep -m1 '^Content-Transfer-Encoding: quoted-printable' "$f" | sed 's/^/      /'
done
echo
echo "== preflight's verdict lines (syslog, facility mail)"
grep "preflight-milter\[$(cat /run/preflight/preflight-milter.pid)\]" "$PF_TMP/mail.log" | sed 's/^[^ ]* [^ ]* /   /' | cut -c1-400
echo
echo "demo done; everything it started is being stopped"
