#!/bin/sh
# rate.sh - rate limits through preflight-milter (miltertest): exact
# admission counts with the in-process store, per-recipient refusal, a
# SIGHUP reload keeping the buckets, 300 messages over 50 concurrent
# sessions (bench/miltload) counted exactly; with a real redis-server: the unit
# tests' sequence through both stores, two milters sharing one Redis (a
# user over the limit through either is refused on both), the 50 sessions
# counted exactly through Redis too, one EVALSHA a message, Redis killed
# mid-load and restarted (no hang, decisions within the timeout, on_error
# accept and tempfail, one warning line, limits resume); Redis over TLS
# (rediss://): certificate and name checks, client certificates, a
# plaintext server and a hanging one, refused configurations.
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/ports.sh"
S="${top_srcdir:-.}"
B="${top_builddir:-.}"
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed"
T=$(mktemp -d /tmp/pf-rate.XXXXXX) || exit 1
chmod 755 "$T"
pids=""
cleanup() {
	[ -f "$T/redis.pid" ] && kill "$(cat "$T/redis.pid")" 2>/dev/null
	for p in $pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $pids; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT

start_milter() {	# name conf-text
	printf '[milter]\nuser = nobody\npidfile = %s/%s.pid\nsocket = unix:%s/%s.sock\n%s\n' \
		"$T" "$1" "$T" "$1" "$2" > "$T/$1.conf"
	rm -f "$T/$1.sock"
	"$B/milter/preflight-milter" -f -c "$T/$1.conf" 2>"$T/$1.log" &
	pid=$!
	pids="$pids $pid"
	for _ in $(seq 1 100); do [ -S "$T/$1.sock" ] && break; sleep 0.1; done
	eval "pid_$1=$pid"
}

# 50 concurrent sessions (bench/miltload, one connection a message as
# Postfix does) against a milter with user_messages = 100/1d (burst 100,
# one more every 864 s: none during the run): 300 messages for one user,
# exactly 100 accepted and the other 200 deferred with 451 4.7.28 by the
# user limit (miltload's counts and the milter's decision lines), no errors
printf 'From: load@example.com\nTo: bob@example.org\nSubject: load\nDate: Tue, 01 Dec 2026 12:00:00 +0000\nMessage-ID: <load@example.com>\n\nhello\n' > "$T/load.eml"
concurrent() {	# name label
	local n=300 c=50 want=100 u=loaduser out
	out=$("$B/bench/miltload" -s "unix:$T/$1.sock" -c "$c" -n "$n" -u "$u" -m "$T/load.eml" 2>&1)
	like "$out" "^msgs=$n ok=$want refused=$((n - want)) errors=0 " \
		"$2: $n messages over $c concurrent sessions at burst $want: exactly $want accepted ($out)"
	for _ in $(seq 1 50); do
		[ "$(grep -c 'action=' "$T/$1.log")" -ge "$n" ] && break
		sleep 0.1
	done
	is "$(grep -c "action=tempfail stage=rcpt code=451 dsn=4\.7\.28 reasons=rate\.user-messages .*rate\.key=user:$u rate\.limit=\"100/1d burst 100\"" "$T/$1.log")" \
		$((n - want)) "$2: the other $((n - want)) deferred with 451 4.7.28 by the user limit (decision lines)"
	is "$(grep -c "action=accept stage=eom .*auth=$u" "$T/$1.log")" "$want" "$2: $want accept decision lines, no more"
	is "$(grep -c 'rate\.applied=no\|rate\.unavailable' "$T/$1.log")" 0 "$2: every decision applied the limits (no store timeout)"
}

seq_through() {	# milter user n [rcpts]: prints the letters (rate-seq.lua)
	miltertest -s "$S/tests/milter/rate-seq.lua" -D socket="unix:$T/$1.sock" \
		-D dir="$S/tests/milter" -D user="$2" -D n="$3" -D rcpts="${4:-1}" \
		2>&1 | sed -n 's/^RESULT //p'
}

# --- in-process store
printf 'bob recipients=3/1h\n' > "$T/overrides"
start_milter a "[rate]
user_messages = 5/1h
overrides = $T/overrides
control_socket = $T/a.ctl"
is "$(seq_through a alice 8)" "AAAAA---" "in-process: 5/1h admits exactly 5 of 8 messages (the others refused at their RCPT TO)"
like "$(cat "$T/a.log")" 'QRATE6: action=tempfail stage=rcpt code=451 dsn=4.7.28 reasons=rate.user-messages .*rate.key=user:alice rate.limit="5/1h burst 5" .*rate.retry_s=720 text="Too many messages for user alice' \
	"the refusal names the key, the limit and when it frees up"
is "$(seq_through a bob 3 2)" "AaaAat-tt" "recipients (an override for bob): 3/1h refuses the 4th recipient on, one by one"
kill -HUP "$pid_a"; sleep 1
is "$(seq_through a alice 1)" "-" "a SIGHUP reload keeps the in-process buckets"
is "$(seq_through a carol 1)" "A" "another user is not limited by alice's bucket"
start_milter m "[rate]
user_messages = 100/1d"
concurrent m "in-process"

# preflight rate through the milter's control socket (in-process store)
P="$B/tools/preflight"
out=$("$P" rate -c "$T/a.conf" show user:alice)
like "$out" '^user:alice messages level=5\.0 limit="5/1h burst 5" scope=global next_s=7[0-9][0-9] empty_s=3[0-9]+' "rate show user:alice: level, limit, when one more fits"
like "$("$P" rate -c "$T/a.conf" show)" 'user:bob recipients level=3\.0 limit="3/1h burst 3" scope=override' "rate show lists every live bucket"
like "$("$P" rate -c "$T/a.conf" reset user:alice)" "reset user:alice in memory" "rate reset user:alice"
is "$(seq_through a alice 2)" "AA" "after the reset alice sends again"
is "$(stat -c %a "$T/a.ctl")" 600 "the control socket is mode 0600"

# --- Redis
if ! command -v redis-server >/dev/null 2>&1; then
	diag "redis-server not installed: Redis tests skipped"
	tap_done
	exit 0
fi
start_redis() {
	pf_pick_port REDIS_PORT
	redis-server --port "$REDIS_PORT" --bind 127.0.0.1 \
		--unixsocket "$T/redis.sock" --unixsocketperm 777 --daemonize yes \
		--pidfile "$T/redis.pid" --dir "$T" --save '' --appendonly no \
		--logfile "$T/redis.log" >/dev/null
	for _ in $(seq 1 50); do
		redis-cli -s "$T/redis.sock" ping 2>/dev/null | grep -q PONG && return 0
		sleep 0.1
	done
	return 1
}
start_redis; ok $? "redis-server answers on $T/redis.sock and port $REDIS_PORT"

PF_TEST_REDIS="unix:$T/redis.sock" "$B/tests/test_rate" > "$T/unit.out" 2>&1
rc=$?
[ $rc -eq 0 ] || diag "$(cat "$T/unit.out")"
ok $rc "the same sequence gives the same verdicts in-process and in Redis"

start_milter b "[rate]
user_messages = 4/1h
redis = unix:$T/redis.sock"
start_milter c "[rate]
user_messages = 4/1h
redis = redis://127.0.0.1:$REDIS_PORT/0"
is "$(seq_through b dave 3)" "AAA" "Redis: 3 of 4 through milter B"
is "$(seq_through c dave 2)" "A-" "milter C (over TCP) sees B's 3: one more, then refused"
is "$(seq_through b dave 1)" "-" "and B refuses dave too"
before=$(redis-cli -s "$T/redis.sock" get pf:rate:user:messages:dave)
printf 'From: dave@example.com\nTo: r@example.org\nSubject: x\n\nhi\n' > "$T/m.eml"
out=$("$B/tools/preflight" scan -c "$T/b.conf" --auth-user dave --from dave@example.com \
	--rcpt r@example.org "$T/m.eml" 2>&1)
like "$out" 'action=tempfail stage=rcpt code=451 dsn=4.7.28 reasons=rate.user-messages' "preflight scan shows dave over the limit"
out=$("$B/tools/preflight" scan -c "$T/b.conf" --auth-user dave --from dave@example.com "$T/m.eml" 2>&1)
like "$out" 'action=tempfail stage=eom code=451 dsn=4.7.28 reasons=.*rate.user-messages .*rate.key=user:dave' "and says it at end of message when given no recipient"
is "$(redis-cli -s "$T/redis.sock" get pf:rate:user:messages:dave)" "$before" "and counts nothing (a dry run)"
ttl=$(redis-cli -s "$T/redis.sock" pttl pf:rate:user:messages:dave)
ok "$([ "$ttl" -gt 0 ] && [ "$ttl" -le 3601000 ]; echo $?)" "the key expires on its own (pttl $ttl ms)"
like "$("$P" rate -c "$T/c.conf" show dave)" 'user:dave messages level=4\.0 limit="4/1h burst 4"' "rate show reads Redis directly"
like "$("$P" rate -c "$T/b.conf" show)" 'user:dave messages level=4\.0' "rate show lists the Redis buckets"
"$P" rate -c "$T/b.conf" reset dave >/dev/null; ok $? "rate reset dave (every kind) in Redis"
is "$(seq_through c dave 1)" "A" "after the reset dave sends again, through the other milter"
# a store round trip may take longer than the 50 ms default on a loaded
# machine: with on_error = accept that message would go on unlimited
# (rate.applied=no), so these two wait up to 2 s and never admit unchecked
start_milter n "[rate]
user_messages = 100/1d
redis = unix:$T/redis.sock
timeout = 2000
on_error = tempfail"
concurrent n "Redis"
# the same 50 sessions split over two milters sharing the Redis bucket
start_milter n2 "[rate]
user_messages = 100/1d
redis = redis://127.0.0.1:$REDIS_PORT/0
timeout = 2000
on_error = tempfail"
"$B/bench/miltload" -s "unix:$T/n.sock" -c 25 -n 150 -u shareduser -m "$T/load.eml" > "$T/n.out" 2>&1 &
l1=$!
"$B/bench/miltload" -s "unix:$T/n2.sock" -c 25 -n 150 -u shareduser -m "$T/load.eml" > "$T/n2.out" 2>&1
wait $l1
ok1=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' "$T/n.out")
ok2=$(sed -n 's/.* ok=\([0-9]*\) .*/\1/p' "$T/n2.out")
is "$((ok1 + ok2))" 100 "two milters sharing Redis, 25 + 25 concurrent sessions, 150 messages each: exactly 100 accepted in all ($ok1 + $ok2)"
like "$(cat "$T/n.out") $(cat "$T/n2.out")" '^msgs=150 ok=[0-9]+ refused=[0-9]+ errors=0 .*msgs=150 ok=[0-9]+ refused=[0-9]+ errors=0 ' \
	"no errors through either milter"
is "$(cat "$T/n.log" "$T/n2.log" | grep -c 'rate\.applied=no\|rate\.unavailable')" 0 \
	"every decision through either milter applied the shared limit"

# one store round trip a message: MAIL FROM takes the message's units and
# its first recipient's in one EVALSHA (every limit of both metrics on)
start_milter o "[rate]
user_messages = 1000/1h
user_recipients = 1000/1h
sender_messages = 1000/1h
sender_recipients = 1000/1h
ip_messages = 1000/1h
ip_recipients = 1000/1h
redis = unix:$T/redis.sock
timeout = 2000"
seq_through o warm 1 >/dev/null	# the script loaded
redis-cli -s "$T/redis.sock" config resetstat >/dev/null
"$B/bench/miltload" -s "unix:$T/o.sock" -c 5 -n 40 -u oneuser -m "$T/load.eml" > "$T/o.out" 2>&1
like "$(cat "$T/o.out")" '^msgs=40 ok=40 refused=0 errors=0 ' "40 one-recipient messages through six limits in Redis"
is "$(redis-cli -s "$T/redis.sock" info commandstats | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p')" 40 \
	"one EVALSHA a message: the first recipient rides with the message"
is "$(redis-cli -s "$T/redis.sock" get pf:rate:user:recipients:oneuser | awk -v m="$(redis-cli -s "$T/redis.sock" get pf:rate:user:messages:oneuser)" '{ print ($1 == m) ? "same" : $1 " " m }')" same \
	"and both buckets hold 40 units"

# --- Redis killed mid-load and restarted
start_milter d "[rate]
user_messages = 2/1h
redis = unix:$T/redis.sock
timeout = 50
on_error = accept"
start_milter e "[rate]
user_messages = 2/1h
redis = unix:$T/redis.sock
timeout = 50
on_error = tempfail"
is "$(seq_through d erin 3)" "AA-" "milter D applies 2/1h while Redis is up"
# a Redis that hangs (SIGSTOP): every call bounded by the timeout
kill -STOP "$(cat "$T/redis.pid")"
is "$(seq_through d hank 3)" "AAA" "Redis stopped: accepted (on_error) instead of waiting"
kill -CONT "$(cat "$T/redis.pid")"
slow=$(sed -n 's/.*QRATE1: .*elapsed_ms=\([0-9.]*\).*auth=hank.*/\1/p' "$T/d.log" | tail -1)
ok "$(awk -v m="$slow" 'BEGIN { exit !(m >= 40 && m < 250) }'; echo $?)" "the first call waited about the timeout (${slow} ms, timeout 50 ms), the next ones not at all"
for _ in $(seq 1 30); do
	[ "$(seq_through d ivan 1)" = "A" ] && grep -q 'answering again' "$T/d.log" && break
	sleep 0.2
done
like "$(cat "$T/d.log")" 'answering again' "after SIGCONT D uses Redis again"
( seq_through d bulk 3000 > "$T/load.out" ) &
load=$!
# kill it once the load is under way (a fixed wait let a fast machine
# finish all 3000 first)
for _ in $(seq 1 500); do
	[ "$(grep -c 'auth=bulk' "$T/d.log")" -ge 20 ] && break
	sleep 0.02
done
kill -9 "$(cat "$T/redis.pid")"; rm -f "$T/redis.pid"
t0=$(date +%s)
wait $load
t1=$(date +%s)
load_out=$(cat "$T/load.out")
is "$(printf '%s' "$load_out" | wc -c)" 3000 "the load through D finished all 3000 messages"
like "$load_out" '^AA-+A+$' "refused while Redis was up, accepted (on_error) once it was killed"
ok "$([ $((t1 - t0)) -le 15 ]; echo $?)" "no hang when Redis was killed mid-load ($((t1 - t0)) s after the kill)"
is "$(seq_through d frank 4)" "AAAA" "Redis down, on_error = accept: accepted without limits"
is "$(seq_through e frank 2)" "--" "Redis down, on_error = tempfail: 451"
like "$(cat "$T/e.log")" 'action=tempfail stage=rcpt code=451 dsn=4.3.0 reasons=rate.unavailable .*rate.applied=no' \
	"tempfail names rate.unavailable and applied=no"
like "$(cat "$T/d.log")" 'action=accept .*rate.applied=no rate.store="redis unix:' \
	"accepted decisions say the limits were not applied"
max=$(sed -n 's/.*elapsed_ms=\([0-9.]*\).*rate.applied=no.*/\1/p' "$T/d.log" "$T/e.log" | sort -n | tail -1)
ok "$(awk -v m="$max" 'BEGIN { exit !(m < 250) }'; echo $?)" "every decision without Redis within the bound (slowest ${max} ms, timeout 50 ms)"
warns=$(grep -c 'warning: rate: redis' "$T/d.log")
ok "$([ "$warns" -ge 1 ] && [ "$warns" -le 3 ]; echo $?)" "one warning per 10 s, not one per message ($warns lines)"

again=$(grep -c 'answering again' "$T/d.log")
start_redis; ok $? "redis-server restarted"
for _ in $(seq 1 60); do
	[ "$(grep -c 'answering again' "$T/d.log")" -gt "$again" ] && break
	seq_through d probe 1 >/dev/null
	sleep 0.2
done
is "$(grep -c 'rate: redis unix:.* answering again' "$T/d.log")" $((again + 1)) "D logs once that Redis answers again"
is "$(seq_through d gina 3)" "AA-" "limits resume after the restart (script reloaded after NOSCRIPT)"
is "$(seq_through e gina 1)" "-" "and E shares them again"

# --- Redis over TLS (rediss://): a CA, a server certificate naming
# localhost only, a client certificate; a second redis-server that speaks
# TLS only and, on its second port, wants a client certificate
if ! command -v openssl >/dev/null 2>&1; then
	diag "openssl not installed: TLS tests skipped"
	tap_done
	exit 0
fi
mkcert() {	# name subject [extfile] [ca]: $T/name.pem and $T/name.key
	openssl req -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$T/$1.csr" 		-subj "$2" 2>/dev/null &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/${4:-ca}.pem" -CAkey "$T/${4:-ca}.key" 		-CAcreateserial -out "$T/$1.pem" -days 2 ${3:+-extfile "$3"} 2>/dev/null &&
	chmod 644 "$T/$1.pem" "$T/$1.key"
}
for ca in ca other; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/$ca.key" -out "$T/$ca.pem" 		-days 2 -subj "/CN=preflight test $ca" 2>/dev/null
done
printf 'subjectAltName=DNS:localhost\n' > "$T/san"
printf 'extendedKeyUsage=clientAuth\n' > "$T/cli"
mkcert server "/CN=localhost" "$T/san" && mkcert client "/CN=relay1" "$T/cli" &&
	mkcert stranger "/CN=relay2" "$T/cli" other
ok $? "a test CA, a server certificate for localhost and client certificates"
start_tls_redis() {	# name auth-clients: port in TLS_PORT_name
	local port
	pf_pick_port port
	redis-server --port 0 --tls-port "$port" --bind 127.0.0.1 \
		--tls-cert-file "$T/server.pem" --tls-key-file "$T/server.key" \
		--tls-ca-cert-file "$T/ca.pem" --tls-auth-clients "$2" \
		--daemonize yes --pidfile "$T/$1.pid" --dir "$T" --save '' \
		--logfile "$T/$1.log" >/dev/null
	for _ in $(seq 1 50); do grep -q 'Ready to accept' "$T/$1.log" 2>/dev/null && break; sleep 0.1; done
	eval "TLS_PORT_$1=$port"
}
start_tls_redis tls no
start_tls_redis mtls yes
tls_milter() {	# name url ca-file [lines]: the lines come last, so that a
	# key there overrides the one above (the last of a key is the one kept)
	start_milter "$1" "[rate]
user_messages = 2/1h
redis = $2
redis_tls_ca_file = $3
timeout = 1000
on_error = tempfail
${4:-}"
}
tls_milter t1 "rediss://localhost:$TLS_PORT_tls/0" "$T/ca.pem"
is "$(seq_through t1 tina 3)" "AA-" "rediss://: 2/1h applied through a TLS-only Redis"
like "$("$P" rate -c "$T/t1.conf" show user:tina)" 'user:tina messages level=2\.0 limit="2/1h burst 2"' \
	"preflight rate show reads the bucket over TLS"
grep -q 'rate\.unavailable\|warning: rate' "$T/t1.log"
ok $((! $?)) "no store trouble logged"
tls_milter t2 "rediss://127.0.0.1:$TLS_PORT_tls/0" "$T/ca.pem"
is "$(seq_through t2 tina 1)" "-" "a certificate that does not name the URL's host (127.0.0.1): unavailable, on_error tempfail"
like "$(cat "$T/t2.log")" 'warning: rate: redis \(TLS\) 127\.0\.0\.1:[0-9]+: TLS: the certificate of 127\.0\.0\.1: IP address mismatch' \
	"and the warning says why"
tls_milter t3 "rediss://localhost:$TLS_PORT_tls/0" "$T/other.pem"
is "$(seq_through t3 tina 1)" "-" "a server certificate from a CA not trusted: unavailable"
like "$(cat "$T/t3.log")" 'TLS: the certificate of localhost: (self-signed certificate in certificate chain|unable to get local issuer certificate)' "and the warning says why"
tls_milter t4 "rediss://localhost:$TLS_PORT_mtls/0" "$T/ca.pem"
is "$(seq_through t4 uma 1)" "-" "a server that wants a client certificate, none given: unavailable"
tls_milter t5 "rediss://localhost:$TLS_PORT_mtls/0" "$T/ca.pem" "redis_tls_cert_file = $T/client.pem
redis_tls_key_file = $T/client.key"
is "$(seq_through t5 uma 3)" "AA-" "with the client certificate: limits applied"
tls_milter t6 "rediss://localhost:$TLS_PORT_mtls/0" "$T/ca.pem" "redis_tls_cert_file = $T/stranger.pem
redis_tls_key_file = $T/stranger.key"
is "$(seq_through t6 uma 1)" "-" "a client certificate from another CA: refused by the server, unavailable"
tls_milter t7 "rediss://localhost:$REDIS_PORT/0" "$T/ca.pem"
is "$(seq_through t7 vera 1)" "-" "rediss:// to a Redis that does not speak TLS: unavailable"
like "$(cat "$T/t7.log")" 'warning: rate: redis \(TLS\) localhost:[0-9]+: TLS handshake' "the warning names the handshake"
# a TLS Redis that hangs: the handshake and every read bounded by the timeout
tls_milter t8 "rediss://localhost:$TLS_PORT_tls/0" "$T/ca.pem" "timeout = 100
on_error = accept"
kill -STOP "$(cat "$T/tls.pid")"
is "$(seq_through t8 walt 3)" "AAA" "TLS Redis stopped: accepted (on_error) instead of waiting"
kill -CONT "$(cat "$T/tls.pid")"
slow=$(sed -n 's/.*elapsed_ms=\([0-9.]*\).*auth=walt.*/\1/p' "$T/t8.log" | sort -n | tail -1)
ok "$(awk -v m="$slow" 'BEGIN { exit !(m >= 90 && m < 600) }'; echo $?)" \
	"the slowest decision waited about the timeout (${slow} ms, timeout 100 ms)"
printf '[rate]\nuser_messages = 2/1h\nredis = redis://localhost:%s/0\nredis_tls_ca_file = %s\n' \
	"$TLS_PORT_tls" "$T/ca.pem" > "$T/plain-tls.conf"
err=$("$B/milter/preflight-milter" -n -c "$T/plain-tls.conf" 2>&1); rc=$?
is "$rc" 1 "TLS files with a redis:// URL: configuration refused"
like "$err" 'the connection would not be encrypted' "and the error says why"
printf '[rate]\nuser_messages = 2/1h\nredis = rediss://localhost:%s/0\nredis_tls_cert_file = %s\n' \
	"$TLS_PORT_tls" "$T/client.pem" > "$T/half.conf"
like "$("$B/milter/preflight-milter" -n -c "$T/half.conf" 2>&1)" 'needs both its certificate and its key' \
	"a client certificate without its key: refused"
printf '[rate]\nuser_messages = 2/1h\nredis = rediss://localhost:%s/0\nredis_tls_ca_file = %s\n' \
	"$TLS_PORT_tls" "$T/none.pem" > "$T/noca.conf"
like "$("$B/milter/preflight-milter" -n -c "$T/noca.conf" 2>&1)" "noca\.conf: rate\.redis = .*$T/none\.pem: .*(No such file|no such file)" \
	"a CA file that does not exist: refused, naming the file"
for p in tls mtls; do kill "$(cat "$T/$p.pid")" 2>/dev/null; done
tap_done
