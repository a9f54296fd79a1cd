#!/bin/bash
# load.sh - PF_LOAD_MESSAGES messages (CI: 2,000; the long form 10,000) at
# PF_LOAD_SESSIONS (50) concurrent sessions through Postfix and the
# milter, with SIGHUP reloads during the run: every message reaches the
# sink exactly once, every message has exactly one decision line, no
# session fails, and the milter's memory stays flat.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
B="${top_builddir:-.}"
N=${PF_LOAD_MESSAGES:-2000}
SESS=${PF_LOAD_SESSIONS:-50}

pf_start_rsyslog
pf_start_sink
pf_milter_conf "[policy]
header_on_accept = yes"
pf_start_milter
pf_start_postfix "$(pf_milter_spec)"
postconf -c "$PF_TMP/postfix/etc" -e default_process_limit=120 smtpd_client_connection_count_limit=0 \
	smtpd_client_message_rate_limit=0 smtp_destination_concurrency_limit=50
pf_postfix_cmd reload >/dev/null 2>&1
sleep 1

rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$MPID"/status; }
rss_start=$(rss)
# reload every half second while the load runs
( while :; do sleep 0.5; kill -HUP "$MPID" 2>/dev/null || exit 0; done ) &
hup=$!
t0=$(date +%s%N)
smtp-source -s "$SESS" -m "$N" -l 4096 -f alice@example.com -t bob@example.org \
	127.0.0.1:"$PF_SMTP_PORT" > "$PF_TMP/source.log" 2>&1
src_rc=$?
kill "$hup" 2>/dev/null; wait "$hup" 2>/dev/null
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$src_rc" 0 "smtp-source: $N messages in $SESS sessions, no session failed"
unlike "$(cat "$PF_TMP/source.log")" "error|fatal|4[0-9][0-9] " "smtp-source saw no error reply"
pf_sink_wait "$N" 120
is "$(pf_sink_count)" "$N" "every message reached the sink ($N in ${ms} ms, $(( N * 1000 / (ms > 0 ? ms : 1) )) msg/s, with reloads)"
dups=$(for f in $(pf_sink_files); do grep -c '^X-Preflight: ' "$f"; done | sort | uniq -c | tr -s ' ')
is "$dups" " $N 1" "each relayed message carries exactly one X-Preflight header"
sleep 2
lines=$(grep -c "preflight-milter\[$MPID\]: [0-9A-Za-z]*: action=" "$PF_TMP/mail.log")
is "$lines" "$N" "exactly one decision line per message"
uniq_ids=$(grep -o "preflight-milter\[$MPID\]: [0-9A-Za-z]*: action=" "$PF_TMP/mail.log" | sort -u | wc -l)
is "$uniq_ids" "$N" "one line per queue id"
reloads=$(grep -c "reloaded configuration" "$PF_TMP/mail.log")
ok "$([ "$reloads" -ge 2 ]; echo $?)" "$reloads reloads happened during the run"
is "$(pf_postfix_cmd -c "$PF_TMP/postfix/etc" flush >/dev/null 2>&1; postqueue -c "$PF_TMP/postfix/etc" -j 2>/dev/null | wc -l)" 0 "Postfix queue empty at the end"
rss_end=$(rss)
diag "milter RSS ${rss_start} kB -> ${rss_end} kB"
if nm "$B/milter/preflight-milter" 2>/dev/null | grep -q __asan_init; then
	ok 0 "memory growth not measured under ASan"
else
	ok "$([ $(( rss_end - rss_start )) -lt 20480 ]; echo $?)" "memory flat: RSS grew by $(( (rss_end - rss_start) / 1024 )) MB over $N messages"
fi
tap_done
