#!/bin/bash
# metrics-cost.sh - what counting for [metrics] costs a message, measured
# deterministically: preflight-milter with every check (SPF/DMARC against
# a loopback knot, content checks, rsa-2048 signing, as bench/run.sh's
# pffull) runs under valgrind's callgrind, once with [metrics] listen set
# and once without, while bench/miltload sends the same messages; callgrind
# counts the instructions executed inside the pipeline calls only
# (--toggle-collect on pf_pipeline_* and pf_verdict_log: every check, the
# verdict, the decision line and all counting happen there), so the
# protocol, the HTTP thread and start-up are left out.  Prints instructions
# a message with metrics off and on, the difference, and the part spent in
# the pf_metrics_* functions and the clock reads of the check timing.
# Knobs: MC_MSGS (messages a run, default 300), MC_CORPUS (small, typical:
# default typical).  About two minutes.  make bench-metrics
set -u
S=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
B=${top_builddir:-$S}
N=${MC_MSGS:-300}
CORPUS=${MC_CORPUS:-typical}
top_srcdir=$S top_builddir=$B
. "$S/tests/integration/lib.sh"	# PF_TMP, cleanup trap, knot, ports
W=$PF_TMP
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed" >&2; exit 1; }
command -v callgrind_annotate >/dev/null 2>&1 || { echo "callgrind_annotate not installed" >&2; exit 1; }

bash "$S/bench/mkcorpus.sh" "$W/corpus"
"$B/tools/preflight" dkim keygen --type rsa --domain bench.test --selector s1 --out "$W/rsa.pem" > "$W/records"
chown nobody "$W/rsa.pem"
mkdir -p "$W/zones"
{ printf '$ORIGIN bench.test.\n$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n'
  printf '@ TXT "v=spf1 ip4:192.0.2.10 -all"\n_dmarc TXT "v=DMARC1; p=reject"\n'
  printf 's1._domainkey TXT %s\n' "$(sed 's/.*( \(.*\) )$/\1/' "$W/records")"; } > "$W/zones/bench.test.zone"
pf_start_knot "$W/zones" >/dev/null || { echo "knot failed" >&2; exit 1; }
pf_start_rsyslog >/dev/null || { echo "rsyslogd failed" >&2; exit 1; }
pf_unbound_conf "$W/unbound.conf"
# callgrind writes its file at exit: run as nobody from the start (a
# daemon that drops privileges could not write it then)
R=$W/run
mkdir -p "$R" && chown nobody "$R"

run() {	# name [metrics listen]: instructions in the pipeline for N messages
	local name=$1 listen=${2:-} pid i
	cat > "$W/$name.conf" <<EOC
[milter]
user =
pidfile =
socket = unix:$R/$name.sock
[metrics]
listen = $listen
[dns]
config_file = $W/unbound.conf
[dkim]
domain = bench.test
selector = s1
key_file = $W/rsa.pem
[spf]
egress_ips = 192.0.2.10
EOC
	setpriv --reuid=nobody --regid=nogroup --clear-groups valgrind --tool=callgrind --callgrind-out-file="$R/$name.cg" \
		--toggle-collect='pf_pipeline_*' --toggle-collect=pf_verdict_log \
		"$B/milter/preflight-milter" -f -c "$W/$name.conf" > "$W/$name.log" 2>&1 &
	pid=$!
	pf_track_pid "$pid"
	for i in $(seq 1 300); do [ -S "$R/$name.sock" ] && break; sleep 0.1; done
	# a warm-up message fills the resolver cache, as in bench/run.sh
	"$B/bench/miltload" -s "unix:$R/$name.sock" -c 1 -n 5 -m "$W/corpus/$CORPUS.eml" > /dev/null
	"$B/bench/miltload" -s "unix:$R/$name.sock" -c 10 -n "$N" -m "$W/corpus/$CORPUS.eml" > "$W/$name.load"
	grep -q "errors=0" "$W/$name.load" || echo "  ! $name: $(cat "$W/$name.load")" >&2
	kill -TERM "$pid"
	for i in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	wait "$pid" 2>/dev/null
}
total() { callgrind_annotate "$1" 2>/dev/null | sed -n 's/^ *\([0-9,]*\) .*PROGRAM TOTALS.*/\1/p' | tr -d ,; }
# inclusive instructions of the counting calls and the clock reads
counting() {
	callgrind_annotate --inclusive=yes --auto=no --threshold=100 "$1" 2>/dev/null |
		awk '/:(pf_metrics_(message_begin|message_end|result|decision|reason|dns|dkim_signature|dkim_key)|pf_now_us) / {
			gsub(",", "", $1); s += $1 } END { print s + 0 }'
}
MPORT=$(pf_free_port "$PF_SMTP_PORT" "$PF_SINK_PORT" "$PF_DNS_PORT")
run off
run on "127.0.0.1:$MPORT"
M=$((N + 5))	# the warm-up messages are collected too
off=$(total "$R/off.cg"); on=$(total "$R/on.cg")
part=$(( $(counting "$R/on.cg") - $(counting "$R/off.cg") ))
awk -v off="$off" -v on="$on" -v part="$part" -v m="$M" -v c="$CORPUS" 'BEGIN {
	printf "## metrics cost: every check, %s corpus, %d messages, instructions in the pipeline (callgrind)\n", c, m
	printf "%-14s %14s\n", "metrics", "instr/msg"
	printf "%-14s %14.0f\n", "off", off / m
	printf "%-14s %14.0f\n", "on", on / m
	printf "difference: %+.0f instructions a message (%+.3f%%: run-to-run noise of threads and polls);\n", (on - off) / m, (on - off) * 100 / off
	printf "the counting itself (pf_metrics_* calls and the check timing clock reads): %.0f a message (%.3f%%)\n", part / m, part * 100 / on
	printf "(callgrind counts instructions, not the time of a clock read: natively clock_gettime is a vDSO call)\n"
}'
