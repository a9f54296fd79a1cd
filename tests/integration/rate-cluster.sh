#!/bin/bash
# rate-cluster.sh - rate limits shared across relays through Redis (issue
# 16): one redis-server (unix socket in the test's directory), two
# preflight milters with their own configs both using it, two private
# Postfix instances (A and B, each its own port, queue, log and sink), one
# envelope sender at 3/1h.  Two messages through A and two through B:
# exactly the 4th is deferred (451 4.7.28 at RCPT TO, the reply naming
# the limit, the decision line of B's milter naming key and limit); a 5th
# through A is deferred too; the sinks hold exactly the 3 accepted ones.
# (No SASL in the private Postfix: the key is the envelope sender.)
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
command -v redis-server >/dev/null 2>&1 || skip_all "redis-server not installed (tests/deps.sh)"
B="${top_builddir:-.}"

R="$PF_TMP/redis"
mkdir -p "$R"
chmod 755 "$R"
_pf_postfix_b=""
cleanup_cluster() {
	[ -n "$_pf_postfix_b" ] && postfix -c "$_pf_postfix_b" stop >/dev/null 2>&1
	[ -f "$R/redis.pid" ] && kill "$(cat "$R/redis.pid")" 2>/dev/null
	pf_cleanup
}
trap cleanup_cluster EXIT

redis-server --port 0 --unixsocket "$R/redis.sock" --unixsocketperm 777 \
	--daemonize yes --pidfile "$R/redis.pid" --dir "$R" --save '' \
	--appendonly no --logfile "$R/redis.log" >/dev/null
for _ in $(seq 1 50); do
	redis-cli -s "$R/redis.sock" ping 2>/dev/null | grep -q PONG && break
	sleep 0.1
done
is "$(redis-cli -s "$R/redis.sock" ping 2>/dev/null)" PONG "redis-server answers on its unix socket"

# a milter in the foreground (decision lines on its stderr, no syslog
# needed): NAME in $PF_TMP/NAME/.  A Redis round trip can take longer than
# the 50 ms default on a loaded machine, and on_error = accept would then
# let a message through unlimited: wait up to 2 s, never admit unchecked.
start_milter() {	# NAME
	local d="$PF_TMP/$1" i
	mkdir -p "$d"
	chmod 755 "$d"
	cat > "$d/preflight.conf" <<EOC
[milter]
socket = unix:$d/preflight.sock
user = nobody
group = postfix
pidfile = $d/preflight.pid
[spf]
mode = off
[dmarc]
mode = off
[rate]
sender_messages = 3/1h
redis = unix:$R/redis.sock
timeout = 2000
on_error = tempfail
EOC
	rm -f "$d/preflight.sock"
	"$B/milter/preflight-milter" -f -c "$d/preflight.conf" 2> "$d/milter.log" &
	pf_track_pid $!
	pf_wait_file "$d/preflight.sock" 10
}
start_milter milter-a; ok $? "milter A starts with [rate] redis"
start_milter milter-b; ok $? "milter B starts with [rate] redis"

# relay A: lib.sh's instance in $PF_TMP
pf_start_sink; ok $? "sink A"
pf_start_postfix "unix:$PF_TMP/milter-a/preflight.sock"; ok $? "Postfix A on port $PF_SMTP_PORT"
pf_postfix_cmd reload >/dev/null 2>&1
PORT_A=$PF_SMTP_PORT _pf_postfix_a=$_pf_postfix TMP_A=$PF_TMP

# relay B: the same lib.sh functions with their own directory and ports
mkdir -p "$PF_TMP/b"
chmod 755 "$PF_TMP/b"
unset _pf_picked_PF_SMTP_PORT _pf_picked_PF_SINK_PORT
PF_SMTP_PORT=$(pf_free_port "$PORT_A" "$PF_SINK_PORT" "$PF_DNS_PORT") &&
SINK_B=$(pf_free_port "$PORT_A" "$PF_SINK_PORT" "$PF_DNS_PORT" "$PF_SMTP_PORT") ||
	{ diag "no free port"; exit 1; }
_pf_picked_PF_SMTP_PORT=$PF_SMTP_PORT _pf_picked_PF_SINK_PORT=$SINK_B
SINK_A=$PF_SINK_PORT PF_SINK_PORT=$SINK_B PF_TMP="$TMP_A/b"
pf_start_sink; ok $? "sink B"
pf_start_postfix "unix:$TMP_A/milter-b/preflight.sock"; ok $? "Postfix B on port $PF_SMTP_PORT"
_pf_postfix_b=$_pf_postfix
pf_postfix_cmd reload >/dev/null 2>&1
PORT_B=$PF_SMTP_PORT
PF_TMP=$TMP_A PF_SINK_PORT=$SINK_A _pf_postfix=$_pf_postfix_a
sleep 1

send() {	# RELAY(A|B) N: appends A (accepted) or T to $got, transcript in $PF_LAST
	if [ "$1" = A ]; then PF_SMTP_PORT=$PORT_A; else PF_SMTP_PORT=$PORT_B; fi
	pf_swaks --from a@cluster.example --to bob@example.org --h-From a@cluster.example \
		--h-Subject "msg $2 via $1" --body "message $2 via relay $1"
	if [ "$PF_LAST_RC" = 0 ]; then got="${got}A"; else got="${got}T"; fi
	cp "$PF_LAST" "$PF_TMP/swaks-$2-$1.log"
}
got=""
send A 1; send A 2; send B 3; send B 4
is "$got" "AAAT" "2 through A, 2 through B, one sender at 3/1h shared in Redis: exactly the 4th deferred"
like "$(cat "$PF_TMP/swaks-4-B.log")" "<\*\* +451.4\.7\.28 Too many messages for sender a@cluster.example: the limit is 3/1h burst 3" \
	"relay B's client sees 451 4.7.28 naming the sender and the limit"
send A 5
is "$got" "AAATT" "and a 5th through relay A is deferred as well"
like "$(cat "$PF_TMP/swaks-5-A.log")" "<\*\* +451.4\.7\.28 Too many messages for sender a@cluster.example: the limit is 3/1h burst 3" \
	"relay A's client sees the same 451 4.7.28"
pf_wait_log "$PF_TMP/milter-b/milter.log" 'QRATE6' 10 >/dev/null
like "$(cat "$PF_TMP/milter-b/milter.log")" 'action=tempfail stage=rcpt code=451 dsn=4\.7\.28 reasons=rate\.sender-messages .*rate\.key=sender:a@cluster\.example rate\.limit="3/1h burst 3" rate\.scope=global rate\.level=3\.0 ' \
	"milter B's decision line names the key and the limit, with the level 3.0 it read from Redis (A's 2 and its own 1)"
like "$(cat "$PF_TMP/milter-a/milter.log")" 'action=tempfail stage=rcpt code=451 dsn=4\.7\.28 reasons=rate\.sender-messages .*rate\.key=sender:a@cluster\.example rate\.limit="3/1h burst 3"' \
	"milter A's decision line for the 5th as well"
is "$(grep -c 'dsn=4\.7\.28' "$PF_TMP/milter-a/milter.log")" 1 "milter A refused exactly one (the 5th)"
is "$(grep -c 'dsn=4\.7\.28' "$PF_TMP/milter-b/milter.log")" 1 "milter B refused exactly one (the 4th)"
is "$(grep -c 'milter-reject: RCPT from .*4\.7\.28 Too many messages' "$PF_TMP/b/postfix.log")" 1 \
	"Postfix B logs its deferral at RCPT TO"
is "$(grep -c 'milter-reject: RCPT from .*4\.7\.28 Too many messages' "$PF_TMP/postfix.log")" 1 \
	"Postfix A logs its deferral at RCPT TO"
is "$(cat "$PF_TMP/milter-a/milter.log" "$PF_TMP/milter-b/milter.log" | grep -c 'rate\.applied=no\|rate\.unavailable')" 0 \
	"every decision on both relays applied the shared limit"
sink_n() { find "$1" -type f 2>/dev/null | wc -l; }
for _ in $(seq 1 300); do
	[ $(( $(sink_n "$PF_TMP/sink") + $(sink_n "$PF_TMP/b/sink") )) -ge 3 ] && break
	sleep 0.1
done
sleep 1
is "$(sink_n "$PF_TMP/sink")" 2 "sink A got the 2 accepted through relay A"
is "$(sink_n "$PF_TMP/b/sink")" 1 "sink B got the 1 accepted through relay B"
is "$(redis-cli -s "$R/redis.sock" --scan --pattern 'pf:rate:sender:messages:*' | wc -l)" 1 \
	"both milters counted in the one Redis key"
tap_done
