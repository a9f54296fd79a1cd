#!/bin/sh
# milter.sh - protocol-level tests of preflight-milter with miltertest:
# verdicts at each stage, replies, header insertion, aborts, disconnects,
# one decision line per decision, SIGHUP reload (good and bad), SIGTERM,
# socket mode and privilege drop.
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
B="${top_builddir:-.}"
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"
T=$(mktemp -d /tmp/pf-milter.XXXXXX) || exit 1
chmod 755 "$T"
pids=""
cleanup() {
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

start_milter() {	# name conf-text
	printf '%s\n' "$2" > "$T/$1.conf"
	rm -f "$T/$1.sock"
	"$B/milter/preflight-milter" -f -c "$T/$1.conf" 2>"$T/$1.log" &
	pid=$!
	pids="$pids $pid"
	for _ in $(seq 1 100); do [ -S "$T/$1.sock" ] && break; sleep 0.1; done
	eval "pid_$1=$pid"
}

common="[milter]
user = nobody
pidfile = $T/PIDNAME.pid
"
conf_a="$(printf '%s' "$common" | sed 's/PIDNAME/a/')
socket = unix:$T/a.sock
[size]
max_message_size = 4K
max_recipients = 3
[structure]
mode = off"
conf_b="$(printf '%s' "$common" | sed 's/PIDNAME/b/')
socket = unix:$T/b.sock
audit_log = $T/audit.jsonl
[policy]
header_on_accept = yes"

conf_c="$(printf '%s' "$common" | sed 's/PIDNAME/c/')
socket = unix:$T/c.sock
audit_log = /dev/full
[policy]
max_scan_size = 4M
[size]
max_message_size = 0
[structure]
mode = off"

start_milter a "$conf_a"
start_milter b "$conf_b"
start_milter c "$conf_c"
ok "$([ -S "$T/a.sock" ]; echo $?)" "milter A listens on its unix socket"
is "$(cat "$T/a.pid" 2>/dev/null)" "$pid_a" "pid file holds the daemon's pid"
is "$(stat -c %a "$T/a.sock")" "660" "socket mode 0660"
if [ "$(id -u)" = 0 ]; then
	is "$(ps -o user= -p "$pid_a" | tr -d ' ')" "nobody" "root start drops to the configured user"
	is "$(stat -c %U "$T/a.sock")" "nobody" "socket owned by that user"
fi

wait_lines() {	# FILE REGEX N: until FILE holds N lines that match (at most 10 s)
	for _ in $(seq 1 100); do
		[ "$(grep -c -E "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

run() {	# sockname script [extra -D]
	miltertest -s "$S/tests/milter/$2" -D socket="unix:$T/$1.sock" \
		-D dir="$S/tests/milter" $3 > "$T/mt.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || diag "$(cat "$T/mt.out")"
	return $rc
}

for s in accept size-early size-body rcpt-limit abort hostile disconnect disconnect-loop; do
	run a "$s.lua"; ok $? "miltertest $s.lua"
done
run b annotate.lua; ok $? "miltertest annotate.lua (header_on_accept)"

# bounded memory: peak RSS growth over a 50 MB body and 10,000 headers
run c accept.lua
hwm0=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$pid_c"/status)
run c bigmsg.lua; ok $? "miltertest bigmsg.lua: 50 MB body, 10,000 headers"
hwm1=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$pid_c"/status)
growth=$(( (hwm1 - hwm0) / 1024 ))
diag "peak RSS ${hwm0} kB -> ${hwm1} kB (+${growth} MB) with max_scan_size 4M, max_header_size 1M"
if nm "$B/milter/preflight-milter" 2>/dev/null | grep -q __asan_init; then
	ok 0 "memory bound not measured under ASan (its quarantine holds freed memory)"
else
	ok "$([ "$growth" -lt 24 ]; echo $?)" "peak RSS grows by less than 24 MB for a 50 MB message (got +${growth} MB)"
fi
like "$(cat "$T/c.log")" 'QBIG1: action=accept stage=eom .*size=5[0-9]{7}' "50 MB message decided and logged with its full size"
like "$(cat "$T/c.log")" 'QHDRS1: action=accept' "10,000-header message decided"
is "$(grep -c 'audit log /dev/full: write failed: No space left on device' "$T/c.log")" 1 "audit log on a full disk: mail flows, error logged once per interval"

# the audit log: one JSON object per decision, with Message-ID and recipients
audit=$(/usr/bin/python3 -c 'import json,sys
lines=open(sys.argv[1]).read().splitlines()
d=json.loads(lines[0])
print(len(lines), d["queue_id"], d["action"], d["message_id"], ",".join(d["rcpts"]), d["auth_user"])' "$T/audit.jsonl" 2>&1)
is "$audit" "1 QANN1 accept <t1@example.com> bob@example.org alice" "audit log: one JSON line with queue id, action, Message-ID, recipients, user"
unlike "$(cat "$T/audit.jsonl")" 'hello' "audit log never holds the body"

# the decision lines are written after the reply: wait for all ten
wait_lines "$T/a.log" 'action=' 10
log=$(cat "$T/a.log")
like "$log" 'QACCEPT1: action=accept stage=eom reasons=- score=0 from=<alice@example.com> rcpts=1 size=[0-9]+ elapsed_ms=[0-9.]+ client=192\.0\.2\.25 auth=alice' "accept: decision line with queue id, sender, client, auth"
like "$log" 'NOQUEUE: action=reject stage=mail code=552 dsn=5\.3\.4 reasons=size\.too-big .*size\.source=esmtp' "early refusal logged as NOQUEUE at stage mail"
like "$log" 'QBODY1: action=reject stage=eom code=552 dsn=5\.3\.4 reasons=size\.too-big .*size\.limit=4096 size\.size=[0-9]+ size\.source=body' "body refusal logged with limit and size"
like "$log" 'QRCPT1: action=tempfail stage=rcpt code=452 dsn=4\.5\.3 reasons=size\.too-many-recipients .*rcpt=<r4@example\.org> rcpts=3' "refused recipient logged"
like "$log" 'QRCPT1: action=accept stage=eom .*rcpts=3 rcpts_refused=1' "message with a refused recipient accepted for the rest"
is "$(grep -c 'QEARLY2: action=' "$T/a.log")" 1 "exactly one decision line for a message"
is "$(grep -c 'action=' "$T/a.log")" 10 "no decision lines for aborted or dropped transactions"
like "$log" 'from=<a@ex%ample\\xff\.com>' "hostile sender made printable in the log"
like "$log" 'QAFTERDROP: action=accept' "milter serves on after an MTA disconnect"

# DATA is negotiated (no SMFIP_NODATA, 0x200): Postfix then sends its DATA
# macros with the DATA command instead of alone, and over TCP the next write
# does not wait ~40 ms for a delayed ACK (see milter/callbacks.c, cb_data).
# CONNECT, HELO, each header and body chunk are "no reply" steps (Postfix
# then sends the headers in one write); MAIL, RCPT, DATA, EOH keep theirs,
# since preflight may refuse there.
start_milter d "$(printf '%s' "$common" | sed 's/PIDNAME/d/')
socket = unix:$T/d.sock"
printf 'From: alice@example.com\nTo: bob@example.org\nSubject: s\nDate: Tue, 1 Dec 2026 10:00:00 +0000\nMessage-ID: <m@example.com>\n\nhello\n' > "$T/m.eml"
ml=$("$B/bench/miltload" -s "unix:$T/d.sock" -c 1 -n 3 -m "$T/m.eml" 2>&1)
like "$ml" 'msgs=3 ok=3 refused=0 errors=0 ' "three messages through the whole conversation, DATA included"
steps=$(printf '%s' "$ml" | sed -n 's/.* steps=\(0x[0-9a-f]*\).*/\1/p')
ok "$([ -n "$steps" ] && [ $(( steps & 0x200 )) -eq 0 ]; echo $?)" "DATA step negotiated (protocol flags $steps)"
ok "$([ -n "$steps" ] && [ $(( steps & 0x83080 )) -eq $(( 0x83080 )) ]; echo $?)" "no reply for CONNECT, HELO, headers and body ($steps)"
ok "$([ -n "$steps" ] && [ $(( steps & 0x5C000 )) -eq 0 ]; echo $?)" "replies kept for MAIL, RCPT, DATA and EOH"
# the bench's noopnr ceiling (noop-milter -P) must negotiate exactly this
"$B/bench/noop-milter" -P -p "unix:$T/noopnr.sock" 2>/dev/null &
pids="$pids $!"
for _ in $(seq 1 100); do [ -S "$T/noopnr.sock" ] && break; sleep 0.1; done
nl=$("$B/bench/miltload" -s "unix:$T/noopnr.sock" -c 1 -n 3 -m "$T/m.eml" 2>&1)
like "$nl" 'msgs=3 ok=3 refused=0 errors=0 ' "bench noop-milter -P takes three messages"
is "$(printf '%s' "$nl" | sed -n 's/.* steps=\(0x[0-9a-f]*\).*/\1/p')" "$steps" "and negotiates the same steps as preflight"
# the bench's paced mode (-R): message i is not sent before start + i/R, so
# ten messages at 20/s take at least 0.45 s however fast the milter is
pl=$("$B/bench/miltload" -R 20 -s "unix:$T/noopnr.sock" -c 2 -n 10 -m "$T/m.eml" 2>&1)
like "$pl" 'msgs=10 ok=10 refused=0 errors=0 ' "miltload -R paces ten messages through"
ok "$(awk -v s="$(printf '%s' "$pl" | sed -n 's/.* secs=\([0-9.]*\).*/\1/p')" 'BEGIN { exit !(s >= 0.45) }'; echo $?)" \
   "and does not send one before it is due ($(printf '%s' "$pl" | grep -o 'secs=[0-9.]*'))"
"$B/bench/miltload" -R -1 -s "unix:$T/noopnr.sock" -m "$T/m.eml" >/dev/null 2>&1
is "$?" 2 "a negative -R is refused"
wait_lines "$T/d.log" 'action=accept' 3
is "$(grep -c 'action=accept' "$T/d.log")" 3 "one decision line for each"

# under systemd (JOURNAL_STREAM names our stderr) the journal has the syslog
# copy already: -f then writes no second copy to stderr
: > "$T/j.log"	# start_milter's 2> truncates this file, same inode
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/j.log") start_milter j "$(printf '%s' "$common" | sed 's/PIDNAME/j/')
socket = unix:$T/j.sock"
ml=$("$B/bench/miltload" -s "unix:$T/j.sock" -c 1 -n 2 -m "$T/m.eml" 2>&1)
like "$ml" 'msgs=2 ok=2 ' "journal-attached milter serves"
sleep 0.3
is "$(grep -c 'action=' "$T/j.log")" 0 "no decision line copied to a journal stderr"

# reload: a raised limit applies to new messages
sed -i 's/max_message_size = 4K/max_message_size = 100K/' "$T/a.conf"
kill -HUP "$pid_a"
for _ in $(seq 1 50); do grep -q "reloaded configuration" "$T/a.log" && break; sleep 0.1; done
like "$(cat "$T/a.log")" "reloaded configuration from $T/a.conf" "SIGHUP reloads"
ok "$(kill -0 "$pid_a"; echo $?)" "and the milter is still running"
run a size-body.lua "-D want=accept"; ok $? "new limit applies after reload"

# a bad configuration on reload keeps the old one
printf '[size]\nmax_message_size = 4K\nnonsense = 1\n' > "$T/a.conf"
kill -HUP "$pid_a"
for _ in $(seq 1 50); do grep -q "keeping the old" "$T/a.log" && break; sleep 0.1; done
like "$(cat "$T/a.log")" "warning: reload: $T/a.conf:3: unknown key \"nonsense\"" "bad reload: error logged with file:line"
like "$(cat "$T/a.log")" "keeping the old configuration" "bad reload: old configuration kept"
run a size-body.lua "-D want=accept"; ok $? "old limit (100K) still in force"

# threads started before libmilter's (libunbound's, for the DKIM key
# check at start) block SIGHUP too, else the kernel may hand a reload
# signal to one of them and its default action ends the daemon
. "$S/tests/ports.sh"
"$B/tools/preflight" dkim keygen --type rsa --domain k.example.test --selector s1 \
	--out "$T/k.pem" > /dev/null 2>&1
chown nobody "$T/k.pem" 2>/dev/null
start_milter k "$(printf '%s' "$common" | sed 's/PIDNAME/k/')
socket = unix:$T/k.sock
[dns]
upstreams = 127.0.0.1@$(pf_free_port)
timeout = 300
[dkim]
domain = k.example.test
selector = s1
key_file = $T/k.pem"
for _ in $(seq 1 50); do grep -q "published record" "$T/k.log" && break; sleep 0.1; done
n=0
for t in /proc/"$pid_k"/task/*; do
	m=$(sed -n 's/^SigBlk:[[:space:]]*//p' "$t/status")
	[ $((0x$m & 1)) = 0 ] && n=$((n + 1))
done
is "$n" 1 "with DNS threads running, only libmilter's signal thread takes SIGHUP"
kill -HUP "$pid_k"
for _ in $(seq 1 50); do grep -q "reloaded configuration" "$T/k.log" && break; sleep 0.1; done
ok "$(kill -0 "$pid_k"; echo $?)" "and a SIGHUP reloads it (still running)"

# SIGTERM: clean exit
kill -TERM "$pid_a"
st=1
for _ in $(seq 1 100); do kill -0 "$pid_a" 2>/dev/null || { st=0; break; }; sleep 0.1; done
ok $st "SIGTERM stops the milter within 10 s"
wait "$pid_a"; is "$?" 0 "exit status 0"
like "$(cat "$T/a.log")" "stopped" "logs that it stopped"

tap_done
