#!/bin/bash
# metrics.sh - a real Prometheus (Debian's prometheus, its binary run with
# a config of our own, scrape_interval 1s) scrapes preflight-milter's
# /metrics while mail flows through the private Postfix: Prometheus's
# HTTP API answers the decision counts sent (N accepts, M rejects for
# size), the reason code, the latency histogram's count, the messages in
# flight back at 0, the DKIM signatures (rsa-sha256, one per accepted
# message) and the signing key's published-record state (its record served
# by a loopback knot), DNS lookups, and the configuration generation after
# a reload.  Also
# the endpoint itself: the text format's content type, 404 elsewhere, and
# a bad listen value refused with file:line.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
B="${top_builddir:-.}"
command -v prometheus >/dev/null 2>&1 || skip_all "prometheus not installed (tests/deps.sh)"
ACC=${PF_METRICS_ACCEPTS:-60}
REJ=${PF_METRICS_REJECTS:-25}

pf_start_rsyslog
pf_start_sink
"$B/tools/preflight" dkim keygen --type rsa --domain metrics.test --selector s1 \
	--out "$PF_TMP/rsa.pem" > "$PF_TMP/records"
chown nobody "$PF_TMP/rsa.pem"
mkdir -p "$PF_TMP/zones"
{ printf '$ORIGIN metrics.test.\n$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n'
  printf 's1._domainkey TXT %s\n' "$(sed 's/.*( \(.*\) )$/\1/' "$PF_TMP/records")"; } > "$PF_TMP/zones/metrics.test.zone"
pf_start_knot "$PF_TMP/zones"
pf_unbound_conf "$PF_TMP/unbound.conf"

# a bad value names file:line, and nothing starts
pf_milter_conf "[metrics]
listen = localhost:9469"
err=$("$B/milter/preflight-milter" -n -c "$PF_MILTER_CONF" 2>&1)
like "$err" "$PF_MILTER_CONF:7: metrics.listen = \"localhost:9469\": expected ADDRESS:PORT" "a host name instead of an address: refused with file:line"

conf() {	# metrics port
	pf_milter_conf "[metrics]
listen = 127.0.0.1:$1
[dns]
config_file = $PF_TMP/unbound.conf
[dkim]
domain = metrics.test
selector = s1
key_file = $PF_TMP/rsa.pem
[size]
max_message_size = 20K"
}
started=""
for try in 1 2; do
	MPORT=$(pf_free_port "$PF_SMTP_PORT" "$PF_SINK_PORT" "$PF_DNS_PORT") || break
	conf "$MPORT"
	if pf_start_milter 2> "$PF_TMP/milter.err"; then started=1; break; fi
	grep -q "cannot listen" "$PF_TMP/milter.err" || break	# not the port
done
ok "$([ -n "$started" ]; echo $?)" "preflight-milter starts with [metrics] listen = 127.0.0.1:$MPORT $(cat "$PF_TMP/milter.err")"
pf_start_postfix "$(pf_milter_spec)"

hdr=$(curl -s -D - -o "$PF_TMP/first.txt" "http://127.0.0.1:$MPORT/metrics")
like "$hdr" "Content-Type: text/plain; version=0.0.4" "GET /metrics: the text exposition format"
like "$(cat "$PF_TMP/first.txt")" 'preflight_decisions_total\{action="accept"\} 0' "no decision yet"
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/")" 404 "any other path: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -d x "http://127.0.0.1:$MPORT/metrics")" 405 "POST: 405"

# Prometheus on a free port of its own, scraping every second
PPORT=$(pf_free_port "$PF_SMTP_PORT" "$PF_SINK_PORT" "$PF_DNS_PORT" "$MPORT")
cat > "$PF_TMP/prometheus.yml" <<EOC
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: preflight
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOC
mkdir -p "$PF_TMP/tsdb"
prometheus --config.file="$PF_TMP/prometheus.yml" --storage.tsdb.path="$PF_TMP/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" > "$PF_TMP/prometheus.log" 2>&1 &
ppid=$!
pf_track_pid "$ppid"
pf_wait_listener "$ppid" "$PPORT" 30
ok $? "prometheus listens on 127.0.0.1:$PPORT"

query() {	# PROMQL: the first value of an instant query, or "none"
	curl -s --get --data-urlencode "query=$1" "http://127.0.0.1:$PPORT/api/v1/query" |
	/usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")' 2>/dev/null || echo none
}
wait_query() {	# PROMQL WANT [SECS]: until the query answers WANT
	local i got
	for i in $(seq 1 $(( ${3:-30} * 2 ))); do
		got=$(query "$1")
		[ "$got" = "$2" ] && break
		sleep 0.5
	done
	echo "$got"
}
is "$(wait_query 'up{job="preflight"}' 1)" 1 "Prometheus scrapes the milter (up == 1)"

# mail: ACC small messages accepted, REJ over 20K refused (552 5.3.4)
# (smtp-source for the accepts; it gives up on a 5xx, so swaks for the rest)
smtp-source -s 5 -m "$ACC" -l 2048 -S "metrics test" -f alice@metrics.test \
	-t bob@example.org 127.0.0.1:"$PF_SMTP_PORT" > "$PF_TMP/source-acc.log" 2>&1 &
src1=$!
head -c 30000 /dev/urandom | base64 > "$PF_TMP/big.txt"
for i in $(seq 1 "$REJ"); do
	pf_swaks --from carol@metrics.test --to bob@example.org --h-Subject "big $i" \
		--attach "$PF_TMP/big.txt"
done
wait "$src1"
pf_sink_wait "$ACC" 60
is "$(pf_sink_count)" "$ACC" "$ACC small messages relayed"
is "$(grep -c 'milter-reject: END-OF-MESSAGE.*5\.3\.4' "$PF_TMP/postfix.log")" "$REJ" "$REJ large ones refused by the milter"

is "$(wait_query 'preflight_decisions_total{action="accept"}' "$ACC")" "$ACC" "Prometheus: $ACC accept decisions"
is "$(wait_query 'preflight_decisions_total{action="reject"}' "$REJ")" "$REJ" "Prometheus: $REJ reject decisions"
is "$(wait_query 'preflight_decision_reasons_total{code="size.too-big"}' "$REJ")" "$REJ" "Prometheus: $REJ size.too-big reasons"
is "$(wait_query 'preflight_decision_duration_seconds_count' $((ACC + REJ)))" $((ACC + REJ)) "Prometheus: the latency histogram counted every decision"
is "$(wait_query 'sum(preflight_decisions_total)' $((ACC + REJ)))" $((ACC + REJ)) "no other decision counted"
is "$(wait_query 'preflight_messages_in_flight' 0)" 0 "no message in flight at the end"
ok "$([ "$(query 'preflight_check_duration_seconds_count{check="size"}')" -ge $((ACC + REJ)) ] 2>/dev/null; echo $?)" "the size check's run-time histogram has every message"
p99=$(query 'histogram_quantile(0.99, preflight_decision_duration_seconds_bucket)')
ok "$(/usr/bin/python3 -c "import sys; v=float('$p99'); sys.exit(0 if 0 <= v < 30 else 1)" 2>/dev/null; echo $?)" "Prometheus computes a 99th percentile latency from the buckets ($p99 s)"
is "$(query 'preflight_dkim_signatures_total{algorithm="rsa-sha256"}')" "$ACC" "Prometheus: $ACC rsa-sha256 signatures, one per relayed message"
is "$(query 'preflight_dkim_key_state{domain="metrics.test",selector="s1"}')" 1 "the signing key's published-record state is exposed"
is "$(query 'count(preflight_dkim_key_state{state="ok"})')" 1 "and it is ok (knot serves the matching record)"
ok "$([ "$(query 'preflight_dns_lookups_total')" -ge 1 ] 2>/dev/null; echo $?)" "DNS lookups counted ($(query 'preflight_dns_lookups_total'), cache hits $(query 'preflight_dns_cache_hits_total'))"
gen=$(query 'preflight_config_generation')
is "$gen" 1 "configuration generation 1"
kill -HUP "$MPID"
is "$(wait_query 'preflight_config_generation' 2)" 2 "after SIGHUP: generation 2"
is "$(query 'preflight_config_reload_failures_total')" 0 "no reload failure"
echo "[size]" >> "$PF_MILTER_CONF"
echo "max_message_size = lots" >> "$PF_MILTER_CONF"
kill -HUP "$MPID"
is "$(wait_query 'preflight_config_reload_failures_total' 1)" 1 "a bad reload: reload failures 1"
is "$(query 'preflight_config_generation')" 2 "and the generation stays 2"
curl -s "http://127.0.0.1:$MPORT/metrics" > "$PF_TMP/last.txt"
lint=$(promtool check metrics < "$PF_TMP/last.txt" 2>&1)
is "$?:$lint" "0:" "promtool check metrics finds nothing wrong with the page"
unlike "$(cat "$PF_TMP/last.txt")" "@|carol|alice|bob" "no address in any label"
ok "$(kill -0 "$MPID"; echo $?)" "milter still running"
tap_done
