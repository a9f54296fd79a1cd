#!/bin/bash
# sendmail.sh - preflight-milter behind a real Sendmail 8.17 (Debian 12's
# packages unpacked into a private prefix: tests/integration/sendmail-lib.sh)
# relaying to smtp-sink, with knot serving the test zones: accept, SIZE=
# refused at MAIL FROM, DMARC reject with its reply, the DKIM signature
# verified after the MTA, header edits (annotation added, forged
# Authentication-Results removed by index), monitor mode, the milter
# killed mid-message (F=T tempfails, nothing lost), and what F=R and no
# F= flag do with the milter down.  The replies are the ones swaks sees,
# the decision lines the ones rsyslogd wrote, with Sendmail's queue id.
. "${top_srcdir:-.}/tests/integration/lib.sh"
. "${top_srcdir:-.}/tests/integration/sendmail-lib.sh"
pf_require_root_tools
command -v unshare >/dev/null 2>&1 || skip_all "unshare not installed (util-linux)"
pf_sendmail_prefix || skip_all "$PF_SM_WHY"
B="${top_builddir:-.}"
S="${top_srcdir:-.}"
SMTP="/usr/bin/python3 $S/tests/integration/smtp.py"
LOG=$PF_TMP/mail.log

pf_start_rsyslog
pf_start_sink
# the zones of dmarc.sh: signed.example.test fails SPF under p=reject but
# has the DKIM key preflight signs with
mkdir -p "$PF_TMP/zones"
cp "$S"/tests/data/dns/*.zone "$PF_TMP/zones/"
"$B/tools/preflight" dkim keygen --type rsa --domain signed.example.test --selector s1 \
	--out "$PF_TMP/dkim.pem" > "$PF_TMP/records"
chown nobody "$PF_TMP/dkim.pem"
{ printf 'signed TXT "v=spf1 ip4:198.51.100.1 -all"\n_dmarc.signed TXT "v=DMARC1; p=reject"\n'
  printf 's1._domainkey.signed TXT %s\n' "$(sed 's/.*( \(.*\) )$/\1/' "$PF_TMP/records")"; } >> "$PF_TMP/zones/example.test.zone"
pf_start_knot "$PF_TMP/zones"
pf_unbound_conf "$PF_TMP/unbound.conf"
write_conf() {	# [policy] lines
	pf_milter_conf "[policy]
authserv_id = relay.test
header_on_accept = yes
$1
[dns]
config_file = $PF_TMP/unbound.conf
timeout = 2000
[spf]
egress_ips = 192.0.2.10
[size]
max_message_size = 20K
[from]
sasl_senders = $PF_TMP/sasl
[dkim]
domain = signed.example.test
selector = s1
key_file = $PF_TMP/dkim.pem"
}
echo "$PF_SM_AUTH_USER $PF_SM_AUTH_USER@pass.example.test" > "$PF_TMP/sasl"
chmod 644 "$PF_TMP/sasl"
write_conf
pf_start_milter
ok $? "preflight-milter starts"
pf_start_sendmail T
ok $? "Sendmail starts from $PF_SM_CACHE/prefix with preflight as INPUT_MAIL_FILTER (F=T)"

sink_file() {	# SUBJECT: the sink's copy of that message, waiting for it
	local i f
	for i in $(seq 1 100); do
		f=$(grep -l "^Subject: $1\$" $(pf_sink_files) 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	return 1
}
decision() {	# QUEUEID: the milter's decision lines for it
	pf_wait_log "$LOG" "preflight-milter\[$MPID\]: $1: action=" 10 >/dev/null
	grep "preflight-milter\[$MPID\]: $1: action=" "$LOG"
}
eml() {	# NAME FROM SUBJECT [HEADER-LINES]: $PF_TMP/NAME.eml
	printf '%bFrom: User <%s>\r\nTo: bob@example.org\r\nSubject: %s\r\nDate: Tue, 24 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s@sm.example.test>\r\n\r\nbody\r\n' \
		"${4:-}" "$2" "$3" "$1" > "$PF_TMP/$1.eml"
}

# 1. accept: relayed with preflight's headers, one decision line with the
# queue id Sendmail gave the client
pf_swaks --from user@pass.example.test --to bob@example.org --h-From "User <user@pass.example.test>" --h-Subject "accepted" --body "x"
like "$(cat "$PF_LAST")" "<- +220 relay\.test ESMTP Sendmail 8\.17" "the peer is Sendmail 8.17"
is "$PF_LAST_RC" 0 "SPF and DMARC pass: accepted"
qid=$(pf_sendmail_qid "$PF_LAST")
ok "$([ -n "$qid" ]; echo $?)" "Sendmail queued it ($qid)"
f=$(sink_file accepted)
ok $? "relayed to the sink"
is "$(grep -c "^X-Preflight: action=accept score=0$(printf '\r')\?\$" "$f")" 1 "X-Preflight header added once, one space after the colon"
like "$(tr -d '\n' < "$f" 2>/dev/null)" "Authentication-Results: relay\.test;.*spf=pass.*dmarc=pass" "Authentication-Results added: spf=pass, dmarc=pass"
xp=$(grep -n '^X-Preflight:' "$f" | head -1 | cut -d: -f1)
rv=$(grep -n 'by relay\.test (8\.17' "$f" | head -1 | cut -d: -f1)
ok "$([ -n "$xp" ] && [ -n "$rv" ] && [ "$xp" -lt "$rv" ]; echo $?)" "inserted at index 0: above Sendmail's own Received (line $xp, $rv), as with Postfix"
is "$(decision "$qid" | wc -l)" 1 "exactly one decision line with Sendmail's queue id"
like "$(decision "$qid")" "$qid: action=accept stage=eom reasons=[a-z.,-]* score=0 from=<user@pass\.example\.test> rcpts=1 size=[0-9]+ elapsed_ms=[0-9.]+ client=127\.0\.0\.1" "decision line: accept, client address from the connect callback"
like "$(cat "$LOG")" "sm-preflight\[[0-9]+\]: $qid: Milter \(preflight\) insert \(0\): header: X-Preflight: action=accept" "Sendmail logs the header insertion under the same queue id"

# 2. SIZE= over [size] at MAIL FROM: refused before the upload; Sendmail has
# its queue id at MAIL (Postfix logs NOQUEUE there)
out=$($SMTP size "$PF_SMTP_PORT" user@pass.example.test bob@example.org 30000)
like "$out" "^552 5\.3\.4 Message size 30000 bytes \(declared with SIZE=\) exceeds the limit of 20480 bytes" "SIZE=30000 over 20K: 552 5.3.4 at MAIL FROM"
like "$out" "\| 5\.3\.4 Fix: Share large files by link" "the multi-line reply reaches the client with its fix"
pf_wait_log "$LOG" "action=reject stage=mail code=552" 10
line=$(grep "preflight-milter\[$MPID\]: [^ ]*: action=reject stage=mail code=552" "$LOG" | tail -1)
like "$line" ": action=reject stage=mail code=552 dsn=5\.3\.4 reasons=size\.too-big .*size\.source=esmtp" "decision line: reject at stage=mail, size.source=esmtp"
sqid=$(printf '%s' "$line" | sed -n 's/.*preflight-milter\[[0-9]*\]: \([^ ]*\): action=.*/\1/p')
unlike "$sqid" "^NOQUEUE$" "the SIZE= refusal carries a queue id ($sqid)"
like "$(cat "$LOG")" "sm-preflight\[[0-9]+\]: $sqid: Milter: from=<user@pass\.example\.test>, reject=552-5\.3\.4 Message size 30000" "Sendmail logs the same queue id for the refusal"
head -c 30000 /dev/urandom | base64 > "$PF_TMP/big.txt"
pf_swaks --from user@pass.example.test --to bob@example.org --h-From user@pass.example.test --h-Subject "big" --attach "$PF_TMP/big.txt"
like "$(cat "$PF_LAST")" "<\*\* +552-5\.3\.4 Message size [0-9]+ bytes exceeds the limit of 20480 bytes" "no SIZE=, 40 KB of DATA: 552 5.3.4 at end of message"

# 3. DMARC fail under p=reject: 550 5.7.26 with the explanation and the fix
eml fail user@fail.example.test unaligned
pf_swaks --from user@fail.example.test --to bob@example.org --data "$PF_TMP/fail.eml"
like "$(cat "$PF_LAST")" "<\*\* +550-5\.7\.26 .*fail\.example\.test" "DMARC fail: 550 5.7.26 naming the domain"
like "$(cat "$PF_LAST")" "p=reject|policy reject|publishes p=reject" "the reply names the policy"
like "$(cat "$PF_LAST")" "<\*\* +550-5\.7\.26 Fix: " "the reply says what would fix it"
pf_wait_log "$LOG" "action=reject stage=eom code=550 dsn=5\.7\.26" 10
line=$(grep "preflight-milter\[$MPID\]: .*action=reject stage=eom code=550 dsn=5\.7\.26" "$LOG" | tail -1)
like "$line" "reasons=[a-z.,()-]*dmarc\.fail.* from=<user@fail\.example\.test>" "decision line: reject with dmarc.fail"
fqid=$(printf '%s' "$line" | sed -n 's/.*preflight-milter\[[0-9]*\]: \([^ ]*\): action=.*/\1/p')
like "$(cat "$LOG")" "sm-preflight\[[0-9]+\]: $fqid: Milter: data, reject=550-5\.7\.26" "Sendmail logs the reject at data under the same queue id"
sleep 0.5
ok "$(grep -lq '^Subject: unaligned' $(pf_sink_files) 2>/dev/null; [ $? -ne 0 ]; echo $?)" "the unaligned message was not relayed"

# 4. DKIM: signed by preflight, verified after Sendmail by dkimpy; SPF fails
# but DKIM aligns, so the SPF failure only annotates.  A folded Subject and
# no Date or Message-ID (Sendmail adds what is missing after the milter)
# must not break the signature.
eml signed user@signed.example.test signed
pf_swaks --from user@signed.example.test --to bob@example.org --data "$PF_TMP/signed.eml"
is "$PF_LAST_RC" 0 "SPF fails, DKIM aligns: accepted"
f=$(sink_file signed)
is "$(/usr/bin/python3 "$S/tests/dkim-verify.py" "$f" "$PF_TMP/records" 2>&1)" "d=signed.example.test s=s1 ok" "the relayed message's DKIM signature verifies (dkimpy), after Sendmail"
like "$(cat "$f")" "X-Preflight: action=annotate .*spf\.fail" "the SPF failure is annotated in the header"
dqid=$(pf_sendmail_qid "$PF_LAST")
like "$(decision "$dqid")" "action=annotate stage=eom .*reasons=[a-z.,()-]*spf\.fail" "decision line: annotate with spf.fail"
printf 'From: User <user@signed.example.test>\r\nTo: bob@example.org\r\nSubject: folded\r\n and long\r\n\r\nbody\r\n' > "$PF_TMP/folded.eml"
pf_swaks --from user@signed.example.test --to bob@example.org --data "$PF_TMP/folded.eml"
is "$PF_LAST_RC" 0 "folded Subject, no Date, no Message-ID: accepted"
for i in $(seq 1 100); do f=$(grep -l '^ and long' $(pf_sink_files) 2>/dev/null | head -1); [ -n "$f" ] && break; sleep 0.1; done
diag "headers Sendmail added after the milter: $(grep -o '^\(Date\|Message-Id\|Message-ID\):' "$f" | tr '\n' ' ')"
is "$(/usr/bin/python3 "$S/tests/dkim-verify.py" "$f" "$PF_TMP/records" 2>&1)" "d=signed.example.test s=s1 ok" "and its signature verifies after Sendmail"

# 5. header edits: the forged Authentication-Results under our authserv-id
# are fields 1 and 3 of 3; deleted by index, highest first, the other kept
n=$(pf_sink_count)
eml forged user@pass.example.test forged 'Authentication-Results: relay.test; dmarc=pass header.from=forged.example\r\nAuthentication-Results: other.example; spf=pass\r\nX-Note: between\r\nAuthentication-Results: RELAY.TEST; dkim=pass header.d=forged.example\r\n'
pf_swaks --from user@pass.example.test --to bob@example.org --data "$PF_TMP/forged.eml"
is "$PF_LAST_RC" 0 "forged Authentication-Results: accepted"
f=$(sink_file forged)
is "$(grep -ac 'forged\.example' "$f")" 0 "both forged fields removed"
is "$(grep -ac '^Authentication-Results: other\.example; spf=pass' "$f")" 1 "the other authserv-id's field kept"
is "$(grep -aci '^Authentication-Results: relay\.test;' "$f")" 1 "one Authentication-Results under relay.test: preflight's own"
like "$(decision "$(pf_sendmail_qid "$PF_LAST")")" "reasons=[^ ]*from\.auth-results-removed" "the decision line says they were there"
like "$(cat "$LOG")" "Milter \(preflight\) delete: header Authentication-Results: *RELAY\.TEST; dkim=pass" "Sendmail logs the deletion of the third field"

# 6. SMTP AUTH: {auth_authen} reaches the milter at MAIL FROM
auth="--auth PLAIN --auth-user $PF_SM_AUTH_USER --auth-password $PF_SM_AUTH_PASS"
pf_swaks $auth --from "$PF_SM_AUTH_USER@pass.example.test" --to bob@example.org --h-From "Alice <$PF_SM_AUTH_USER@pass.example.test>" --h-Subject "authok" --body x
is "$PF_LAST_RC" 0 "AUTH PLAIN as $PF_SM_AUTH_USER, From her own address: accepted"
like "$(decision "$(pf_sendmail_qid "$PF_LAST")")" "action=accept .* auth=$PF_SM_AUTH_USER( |\$)" "decision line: auth=$PF_SM_AUTH_USER from {auth_authen}"
pf_swaks $auth --from "$PF_SM_AUTH_USER@pass.example.test" --to bob@example.org --h-From "CEO <ceo@pass.example.test>" --h-Subject "authbad" --body x
like "$(cat "$PF_LAST")" "<\*\* +550-5\.7\.1 .*ceo@pass\.example\.test" "$PF_SM_AUTH_USER sending as ceo@: 550 5.7.1"
pf_wait_log "$LOG" "action=reject .*reasons=[^ ]*from\.identity" 10
like "$(grep "preflight-milter\[$MPID\]: .*reasons=[^ ]*from\.identity" "$LOG")" "action=reject stage=eoh code=550 dsn=5\.7\.1 .* auth=$PF_SM_AUTH_USER" "decision line: reject, from.identity, auth=$PF_SM_AUTH_USER"

# 7. monitor mode: nothing refused, the decision line says what would be
write_conf "monitor = yes"
kill -HUP "$MPID"
pf_wait_log "$LOG" "preflight-milter\[$MPID\]: reloaded configuration" 10
ok "$(kill -0 "$MPID"; echo $?)" "SIGHUP with libunbound's thread running: reloaded, the milter still runs"
eml mfail user@fail.example.test "monitored"
pf_swaks --from user@fail.example.test --to bob@example.org --data "$PF_TMP/mfail.eml"
is "$PF_LAST_RC" 0 "monitor: the DMARC failure is accepted"
sink_file monitored > /dev/null
ok $? "and relayed"
like "$(decision "$(pf_sendmail_qid "$PF_LAST")")" "action=accept would=reject monitor=yes stage=eom .*reasons=[a-z.,()-]*dmarc\.fail" "decision line: action=accept would=reject monitor=yes"
pf_swaks --from user@pass.example.test --to bob@example.org --h-From user@pass.example.test --h-Subject "bigmon" --attach "$PF_TMP/big.txt"
is "$PF_LAST_RC" 0 "monitor: 40 KB over the 20K limit accepted"
like "$(decision "$(pf_sendmail_qid "$PF_LAST")")" "action=accept would=reject monitor=yes .*reasons=size\.too-big" "decision line: would=reject, size.too-big"
write_conf
kill -HUP "$MPID"
sleep 1

# 8. milter killed during DATA: F=T tempfails, nothing relayed, the client
# keeps the message; a restarted milter serves Sendmail's next connection
n=$(pf_sink_count)
/usr/bin/python3 - "$PF_SMTP_PORT" "$MPID" > "$PF_TMP/kill.out" <<'EOP'
import os, signal, smtplib, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("client.test")
s.mail("user@pass.example.test"); s.rcpt("bob@example.org")
s.docmd("DATA")
s.send(b"From: user@pass.example.test\r\nSubject: killed\r\n\r\nfirst half\r\n")
time.sleep(0.5)
os.kill(pid, signal.SIGKILL)
s.send(b"second half\r\n.\r\n")
code, msg = s.getreply()
print(code, msg.decode(errors="replace"))
EOP
is "$(cat "$PF_TMP/kill.out")" "451 4.3.2 Please try again later" "milter killed mid-message: F=T tempfails at end of DATA"
like "$(cat "$LOG")" "sm-preflight\[[0-9]+\]: [^ ]*: Milter \(preflight\): to error state" "Sendmail logs the milter failure"
sleep 1
is "$(pf_sink_count)" "$n" "nothing relayed unchecked"
is "$(ls "$PF_TMP/sendmail/mq" | grep -c '^[qd]f')" 0 "nor queued by Sendmail: the client keeps the only copy"
pf_swaks --from user@pass.example.test --to bob@example.org --h-From user@pass.example.test --h-Subject "down" --body x
like "$(grep -A1 '^ -> MAIL FROM' "$PF_LAST" | tail -1)" "^<\*\* +451 4\.3\.2 Please try again later" "milter down, F=T: 451 4.3.2 at MAIL FROM"
is "$(pf_sink_count)" "$n" "and not relayed"
pf_start_milter
pf_swaks --from user@pass.example.test --to bob@example.org --h-From user@pass.example.test --h-Subject "restarted" --body x
is "$PF_LAST_RC" 0 "restarted milter: the next message is accepted"
like "$(cat "$(sink_file restarted)")" "X-Preflight: action=accept" "and filtered"

# 9. F=R and no F= flag, the milter down: refused, or relayed unfiltered
kill -KILL "$MPID"
pf_stop_sendmail
pf_start_sendmail R
pf_swaks --from user@pass.example.test --to bob@example.org --h-From user@pass.example.test --h-Subject "reject-flag" --body x
like "$(sed -n 3p "$PF_LAST")" "^<\*\* +554 relay\.test ESMTP not accepting messages" "F=R, milter down: 554 in place of the greeting"
pf_stop_sendmail
pf_start_sendmail ""
pf_swaks --from user@pass.example.test --to bob@example.org --h-From user@pass.example.test --h-Subject "no-flag" --body x
is "$PF_LAST_RC" 0 "no F= flag, milter down: accepted"
f=$(sink_file no-flag)
unlike "$(cat "$f" 2>/dev/null)" "X-Preflight:" "and relayed unfiltered (why F=T is the setting to use)"

tap_done
