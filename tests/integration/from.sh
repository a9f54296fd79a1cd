#!/bin/bash
# from.sh - issue 13 through a real Postfix: what Postfix hands the milter
# for "From :", a bare CR and a NUL (recorded in the test output), the
# refusals the client sees, and forged Authentication-Results removed from
# what reaches the sink, highest index first.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
S="${top_srcdir:-.}"

pf_start_rsyslog
pf_start_sink
pf_milter_conf "[policy]
authserv_id = relay.test"
pf_start_milter
ok $? "preflight-milter starts"
pf_start_postfix "$(pf_milter_spec)"

# raw bytes over SMTP (swaks would normalise them); prints the final reply
send() {	# NAME: the message is $PF_TMP/NAME.eml
	/usr/bin/python3 - "$PF_SMTP_PORT" "$PF_TMP/$1.eml" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60)
s.ehlo("client.test")
try:
    s.sendmail("alice@co.example", ["bob@example.net"], open(sys.argv[2], "rb").read())
    print("250 accepted")
except smtplib.SMTPDataError as e:
    print(e.smtp_code, e.smtp_error.decode(errors="replace").replace("\n", " | "))
s.quit()
PY
}
msg() {	# NAME HEADER-BYTES (printf format)
	printf "$2"'To: bob@example.net\r\nSubject: t %s\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s@co.example>\r\n\r\nbody\r\n' "$1" "$1" > "$PF_TMP/$1.eml"
}

msg obs 'From: alice@co.example\r\nFrom : ceo@partner.example\r\n'
out=$(send obs)
diag "Postfix + milter for 'From :': $out"
# Postfix 3.7 trims the blank: the milter gets a second "From" header
like "$out" '^550 5\.7\.1 .*(2 From headers|"From :" header with blanks)' "'From :': refused 550 5.7.1 (from.multiple or from.ambiguous)"

msg obstab 'From: alice@co.example\r\nFrom\t: ceo@partner.example\r\n'
out=$(send obstab)
diag "Postfix + milter for 'From<TAB>:': $out"
like "$out" '^550 5\.7\.1 .*(2 From headers|with blanks before the colon)' "'From<TAB>:': refused 550 5.7.1"

msg cr 'From: alice@co.example\r\nX-Note: hi\rFrom: ceo@partner.example\r\n'
out=$(send cr)
diag "Postfix + milter for a bare CR: $out"
if [ "${out%% *}" = 250 ]; then
	for _ in $(seq 1 40); do grep -alq 'Subject: t cr' $(pf_sink_files) && break; sleep 0.5; done
	f=$(grep -al 'Subject: t cr' $(pf_sink_files) | head -1)
	rec=$(grep -a 'X-Note' "$f" | od -c | head -2 | tr -s ' ' | tr '\n' ' ')
	diag "relayed X-Note line: $rec"
	unlike "$rec" '\\r [^\\]' "bare CR: accepted only because Postfix did not relay it as a bare CR"
else
	like "$out" '^550 5\.7\.1 .*bare CR inside the X-Note header' "bare CR in another header: refused 550 5.7.1"
fi

msg nul 'From: alice@co.example\0ceo@partner.example\r\n'
out=$(send nul)
diag "Postfix + milter for a NUL in From: $out"
n=$(pf_sink_count)
if [ "${out%% *}" = 250 ]; then
	# the milter protocol carries C strings: the value arrives cut at the NUL
	for _ in $(seq 1 40); do grep -alq 'Subject: t nul' $(pf_sink_files) && break; sleep 0.5; done
	f=$(grep -al 'Subject: t nul' $(pf_sink_files) | head -1)
	diag "relayed From line: $(grep -a -m1 '^From:' "$f" | od -c | head -3 | tr -s ' ' | tr '\n' ' ')"
	ok 0 "NUL: recorded (the milter sees the value cut at the NUL; use message_reject_characters)"
else
	ok 0 "NUL: refused before relaying ($out)"
fi

msg spoof 'From: "ceo@partner.example" <alice@co.example>\r\n'
like "$(send spoof)" '^550 5\.7\.1 The From display name' "display name with a foreign address: 550 5.7.1"

msg semi 'From: alice@co.example; ceo@partner.example\r\n'
like "$(send semi)" '^550 5\.7\.1 The From header can be read more than one way: a ";"' "';' between mailboxes: 550 5.7.1"

n=$(pf_sink_count)
msg ar 'Authentication-Results: relay.test; dmarc=pass header.from=partner.example\r\nAuthentication-Results: other.example; spf=pass\r\nFrom: alice@co.example\r\nAuthentication-Results: RELAY.TEST; dkim=pass\r\n'
out=$(send ar)
is "${out%% *}" 250 "message with forged Authentication-Results: accepted"
pf_sink_wait $((n + 1)) 20
f=$(grep -l 'Subject: t ar' $(pf_sink_files) | head -1)
is "$(grep -aci '^Authentication-Results: relay.test' "$f")" 0 "forged Authentication-Results under our authserv-id removed (both)"
is "$(grep -ac '^Authentication-Results: other.example' "$f")" 1 "the other one kept"
pf_wait_log "$PF_TMP/mail.log" "from.auth-results-removed" 10
like "$(cat "$PF_TMP/mail.log")" 'reasons=[^ ]*from\.auth-results-removed' "the decision line says they were there"

tap_done
