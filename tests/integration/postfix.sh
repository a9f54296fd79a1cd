#!/bin/bash
# postfix.sh - preflight-milter behind a real Postfix on loopback, relaying
# to smtp-sink, logging through rsyslogd: the replies clients see, what
# reaches the sink, the decision lines in syslog, and bad-input cases.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
B="${top_builddir:-.}"
S="${top_srcdir:-.}"
SMTP="/usr/bin/python3 $S/tests/integration/smtp.py"

pf_start_rsyslog
pf_start_sink

write_conf() {	# max_message_size
	pf_milter_conf "audit_log = $PF_TMP/milter/audit.jsonl
[policy]
header_on_accept = yes
[size]
max_message_size = $1
max_recipients = 3"
}
write_conf 20K
pf_start_milter
ok $? "preflight-milter starts as a daemon and opens its socket"
pf_start_postfix "$(pf_milter_spec)"

# 1. a small message: accepted, header added, one decision line with the queue id
pf_swaks --from alice@example.com --to bob@example.org --h-Subject "hello" --body "small body"
is "$PF_LAST_RC" 0 "small message: swaks succeeds"
qid=$(sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' "$PF_LAST" | head -1)
ok "$([ -n "$qid" ]; echo $?)" "small message: Postfix queued it ($qid)"
pf_sink_wait 1 20
is "$(pf_sink_count)" 1 "small message reached the sink"
f=$(pf_sink_files | head -1)
like "$(cat "$f" 2>/dev/null)" "X-Preflight: action=accept score=0" "relayed message carries the X-Preflight header"
pf_wait_log "$PF_TMP/mail.log" "$qid: action=accept" 10
like "$(cat "$PF_TMP/mail.log")" "preflight-milter\[$MPID\]: $qid: action=accept stage=eom reasons=- score=0 from=<alice@example.com> rcpts=1 size=[0-9]+ elapsed_ms=[0-9.]+ client=127\.0\.0\.1" "decision line in syslog (facility mail) with Postfix's queue id"
is "$(grep -c "$qid: action=" "$PF_TMP/mail.log")" 1 "exactly one decision line for it"

# 2. too big: 552 5.3.4 with the explanation, nothing relayed
head -c 30000 /dev/urandom | base64 > "$PF_TMP/big.txt"
pf_swaks --from alice@example.com --to bob@example.org --h-Subject "big" --attach "$PF_TMP/big.txt"
like "$(cat "$PF_LAST")" "<\*\* *552-5\.3\.4 Message size [0-9]+ bytes exceeds the limit of 20480 bytes for mail from example\.com" "oversized: client sees 552 5.3.4 with size and limit"
like "$(cat "$PF_LAST")" "<\*\* *552-5\.3\.4 Fix: Share large files by link" "oversized: client sees the fix"
like "$(cat "$PF_LAST")" "<\*\* *552 5\.3\.4 preflight: size\.too-big" "oversized: last line names the reason"
pf_wait_log "$PF_TMP/mail.log" "action=reject stage=eom code=552" 10
like "$(cat "$PF_TMP/mail.log")" ": action=reject stage=eom code=552 dsn=5\.3\.4 reasons=size\.too-big .*size\.limit=20480" "oversized: decision line"
like "$(cat "$PF_TMP/postfix.log")" "milter-reject: END-OF-MESSAGE .*5\.3\.4 Message size" "Postfix logs the milter reject"
sleep 1
is "$(pf_sink_count)" 1 "oversized message not relayed"

# 3. SIZE= at MAIL FROM: refused before upload
out=$($SMTP size "$PF_SMTP_PORT" alice@example.com bob@example.org 30000)
like "$out" "^552 5\.3\.4 Message size 30000 bytes \(declared with SIZE=\) exceeds the limit of 20480 bytes" "SIZE= over the limit: 552 5.3.4 at MAIL FROM"
pf_wait_log "$PF_TMP/mail.log" "NOQUEUE: action=reject stage=mail" 10
like "$(cat "$PF_TMP/mail.log")" "NOQUEUE: action=reject stage=mail code=552 dsn=5\.3\.4 .*size\.source=esmtp" "SIZE= refusal logged as NOQUEUE"

# 4. too many recipients: the fourth is refused with 452 4.5.3, the rest delivered
out=$($SMTP rcpts "$PF_SMTP_PORT" alice@example.com r1@example.org r2@example.org r3@example.org r4@example.org)
like "$out" "^r4@example\.org 452 4\.5\.3 Too many recipients: at most 3" "fourth recipient refused with 452 4.5.3"
pf_sink_wait 2 20
like "$(grep -h '^X-Rcpt-Args' $(grep -l 'Subject: many' $(pf_sink_files)) 2>/dev/null | sort | tr '\n' ' ')" "^X-Rcpt-Args: <r1@example.org> .*<r2@example.org> .*<r3@example.org> " "the message went to the other three"
like "$(cat "$PF_TMP/mail.log")" "action=accept stage=eom .*rcpts=3 rcpts_refused=1" "decision line counts the refused recipient"

# 5. MTA disconnect mid-message; the milter keeps serving
out=$($SMTP drop "$PF_SMTP_PORT" alice@example.com bob@example.org)
is "$out" "dropped" "client vanished in DATA"
pf_swaks --from alice@example.com --to bob@example.org --h-Subject "after drop" --body "x"
is "$PF_LAST_RC" 0 "next message after a dropped one is accepted"
ok "$(kill -0 "$MPID"; echo $?)" "milter still running"

# 6. 10,000 header fields and a 200 KB header line
out=$($SMTP headers "$PF_SMTP_PORT" alice@example.com bob@example.org 10000 204800)
like "$out" "^552 5\.3\.4 Message size [0-9]+ bytes exceeds" "10,000 headers and a 200 KB line: decided at end of message (552 5.3.4)"
ok "$(kill -0 "$MPID"; echo $?)" "milter survives it"
pf_wait_log "$PF_TMP/mail.log" "stage=eom .*rcpts=1 size=[0-9]{6,}" 20
like "$(cat "$PF_TMP/mail.log")" "action=reject stage=eom code=552 .*rcpts=1 size=[0-9]{6,}" "and logs the decision with every header byte counted"

# 7. mail from sendmail(1) passes non_smtpd_milters
n_before=$(pf_sink_count)
printf 'From: alice@example.com\nTo: bob@example.org\nSubject: via sendmail\n\nlocal submission\n' |
	pf_sendmail -f alice@example.com bob@example.org
pf_sink_wait $((n_before + 1)) 30
like "$(cat $(pf_sink_files) 2>/dev/null)" "Subject: via sendmail" "sendmail(1) submission relayed through the milter"

# 8. reload under Postfix: a lower limit applies to the next message
write_conf 4K
kill -HUP "$MPID"
pf_wait_log "$PF_TMP/mail.log" "reloaded configuration" 10
head -c 6000 /dev/urandom | base64 > "$PF_TMP/mid.txt"
pf_swaks --from alice@example.com --to bob@example.org --h-Subject "mid" --attach "$PF_TMP/mid.txt"
like "$(cat "$PF_LAST")" "552-5\.3\.4 Message size [0-9]+ bytes exceeds the limit of 4096 bytes" "after SIGHUP the new limit applies through Postfix"

# 9. audit log: one JSON line per decision line
sleep 1
is "$(wc -l < "$PF_TMP/milter/audit.jsonl")" "$(grep -c 'preflight-milter\[[0-9]*\]: [A-Z0-9a-z]*: action=' "$PF_TMP/mail.log")" "audit log has one record per decision line"

# 10. milter down: Postfix applies milter_default_action = tempfail
kill -TERM "$MPID"
for _ in $(seq 1 100); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
ok "$(kill -0 "$MPID" 2>/dev/null; [ $? -ne 0 ]; echo $?)" "SIGTERM stops the daemon"
pf_swaks --from alice@example.com --to bob@example.org --h-Subject "down" --body "x"
like "$(cat "$PF_LAST")" "451 4\.7\.1" "milter down: the client gets 451 4.7.1, mail stays with the client"

tap_done
