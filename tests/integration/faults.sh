#!/bin/bash
# faults.sh - preflight-milter and its peers failing: DNS down and DNS
# black-holed (a decision within the configured timeout, the configured
# action, one clear line), the milter killed mid-message and stalled past
# Postfix's timeouts (Postfix applies milter_default_action, nothing is
# lost), garbage and truncated streams on the milter socket.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
B="${top_builddir:-.}"
S="${top_srcdir:-.}"
SMTP="/usr/bin/python3 $S/tests/integration/smtp.py"

pf_start_rsyslog
pf_start_sink
pf_start_knot "$S/tests/data/dns"
pf_unbound_conf "$PF_TMP/unbound.conf"

pf_milter_conf "[dns]
config_file = $PF_TMP/unbound.conf
timeout = 1500
[spf]
egress_ips = 192.0.2.10"
pf_start_milter
ok $? "milter starts with SPF against the loopback DNS server"
pf_start_postfix "$(pf_milter_spec)"
pf_postfix_cmd reload >/dev/null 2>&1
postconf -c "$PF_TMP/postfix/etc" -e milter_command_timeout=4s milter_content_timeout=6s
pf_postfix_cmd reload >/dev/null 2>&1
sleep 1

# baseline: SPF pass through DNS
pf_swaks --from user@pass.example.test --to bob@example.org --h-From user@pass.example.test --body x
is "$PF_LAST_RC" 0 "SPF pass: accepted"

# 1. garbage and truncated streams on the milter socket: it keeps serving
/usr/bin/python3 - "$PF_TMP/milter/preflight.sock" <<'EOP'
import os, socket, struct, sys
path = sys.argv[1]
cases = [os.urandom(64), b"\xff\xff\xff\xff" + b"O", struct.pack(">I", 5) + b"O\x00",
         struct.pack(">I", 1) + b"M", b"\x00\x00\x00\x0dO\x00\x00\x00\x06\x00\x00\x01\xff\x00\x1f",
         struct.pack(">I", 0x7fffffff) + b"B" + b"x" * 100]
for c in cases * 20:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(path)
    try:
        s.sendall(c)
        s.recv(100)
    except Exception:
        pass
    s.close()
pass
EOP
ok "$(kill -0 "$MPID"; echo $?)" "garbage and truncated milter streams: milter still running"

# 2. milter killed mid-message: Postfix tempfails, nothing lost, restart serves
n_sink=$(pf_sink_count)
/usr/bin/python3 - "$PF_SMTP_PORT" "$MPID" > "$PF_TMP/kill.out" <<'EOP'
import os, signal, smtplib, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
s = smtplib.SMTP("127.0.0.1", port, timeout=60)
s.ehlo("client.test")
s.mail("user@pass.example.test"); s.rcpt("bob@example.org")
code, _ = s.docmd("DATA")
s.send(b"From: user@pass.example.test\r\nSubject: killed\r\n\r\nfirst half\r\n")
time.sleep(0.5)
os.kill(pid, signal.SIGKILL)
s.send(b"second half\r\n.\r\n")
code, msg = s.getreply()
print(code, msg.decode(errors="replace"))
EOP
unlike "$(cat "$PF_TMP/kill.out")" "^250" "milter killed mid-message: the message is not accepted ($(head -1 "$PF_TMP/kill.out"))"
pf_wait_log "$PF_TMP/postfix.log" "milter .*preflight.sock" 10
like "$(cat "$PF_TMP/postfix.log")" "warning: milter unix:.*preflight\.sock: .*(EOF|Connection reset|read error|can't read)" "Postfix logs the milter failure"
sleep 1
is "$(pf_sink_count)" "$n_sink" "and nothing was relayed unchecked"
pf_start_milter
pf_swaks --from user@pass.example.test --to bob@example.org --h-From user@pass.example.test --h-Subject "after restart" --body x
is "$PF_LAST_RC" 0 "restarted milter serves the next message"

# 3. milter stalled past Postfix's timeouts (SIGSTOP): 4xx, then it recovers
kill -STOP "$MPID"
t0=$(date +%s)
pf_swaks --from user@pass.example.test --to bob@example.org --h-From user@pass.example.test --h-Subject "stalled" --body x
el=$(( $(date +%s) - t0 ))
kill -CONT "$MPID"
like "$(cat "$PF_LAST")" "<\*\* *4[0-9][0-9] " "stalled milter: the client gets a 4xx after ${el}s"
ok "$(grep -q 'Subject: stalled' $(pf_sink_files) 2>/dev/null; [ $? -ne 0 ]; echo $?)" "stalled: the message was not relayed"
sleep 1
pf_swaks --from user@pass.example.test --to bob@example.org --h-From user@pass.example.test --h-Subject "after stall" --body x
is "$PF_LAST_RC" 0 "after SIGCONT the milter serves again"

# 4. DNS server down: temperror within the timeout, tempfail 451 4.7.24
pf_stop_knot
sleep 0.5
t0=$(date +%s%N)
pf_swaks --from user@fail.example.test --to bob@example.org --h-From user@fail.example.test --body x
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
like "$(cat "$PF_LAST")" "451[- ]4\.7\.24" "DNS down: the client gets 451 4.7.24"
ok "$([ "$ms" -lt 6000 ]; echo $?)" "DNS down: decided in ${ms} ms (timeout 1500 ms per lookup)"
pf_wait_log "$PF_TMP/mail.log" "action=tempfail stage=.* reasons=.*spf\.temperror" 10
like "$(cat "$PF_TMP/mail.log")" "action=tempfail stage=[a-z]+ code=451 dsn=4\.7\.24 reasons=[a-z.,-]*spf\.temperror" "DNS down: one decision line naming spf.temperror"
# the same sender again at once: the failure is held (RFC 9520), so this
# message does not wait for the timeout, and its line says why
n0=$(grep -c 'spf\.temperror' "$PF_TMP/mail.log")
pf_swaks --from user@fail.example.test --to bob@example.org --h-From user@fail.example.test --body x
like "$(cat "$PF_LAST")" "451[- ]4\.7\.24" "DNS still down, same sender: 451 4.7.24 again"
pf_wait_log "$PF_TMP/mail.log" "spf\.temperror.*held" 10
held=$(grep 'spf\.temperror' "$PF_TMP/mail.log" | sed -n "$((n0 + 1))p")
like "$held" "elapsed_ms=([0-9]|[1-9][0-9]|[1-4][0-9][0-9])\.[0-9] .*is held [0-9]+ s before it is asked again" \
	"and it was decided at once (the failed lookup held, under 500 ms against the 1500 ms timeout)"

# 5. DNS black hole (answers nothing): the same bound
/usr/bin/python3 -c '
import socket,sys,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",int(sys.argv[1])))
t=time.time()
while time.time()-t<60:
    s.settimeout(1)
    try: s.recvfrom(4096)
    except Exception: pass' "$PF_DNS_PORT" &
pf_track_pid $!
sleep 0.5
t0=$(date +%s%N)
pf_swaks --from user@softfail.example.test --to bob@example.org --h-From user@softfail.example.test --body x
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
like "$(cat "$PF_LAST")" "451[- ]4\.7\.24" "DNS black hole: 451 4.7.24"
ok "$([ "$ms" -lt 6000 ]; echo $?)" "DNS black hole: decided in ${ms} ms"

tap_done
