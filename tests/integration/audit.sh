#!/bin/bash
# audit.sh - the audit log rotated under load: PF_AUDIT_MESSAGES (200)
# messages over PF_AUDIT_SESSIONS (10) sessions through Postfix while the
# log is moved away and the milter told with SIGUSR1 (and once SIGHUP)
# several times; every message Postfix received has exactly one record
# across the rotated files, each file is whole JSON lines, and a file the
# milter creates has mode 0640 under any umask.  contrib/logrotate/preflight
# is run by logrotate(8) itself when it is installed.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
S="${top_srcdir:-.}"
N=${PF_AUDIT_MESSAGES:-200}
SESS=${PF_AUDIT_SESSIONS:-10}
A="$PF_TMP/log/audit.jsonl"

pf_start_rsyslog
pf_start_sink
mkdir -p "$PF_TMP/log"
chown nobody "$PF_TMP/log"
pf_milter_conf "audit_log = $A
[policy]
header_on_accept = yes"
mask=$(umask)
umask 077
pf_start_milter
ok $? "preflight-milter starts with an audit log"
umask "$mask"
pf_start_postfix "$(pf_milter_spec)"
postconf -c "$PF_TMP/postfix/etc" -e smtpd_client_connection_count_limit=0 \
	smtpd_client_message_rate_limit=0
pf_postfix_cmd reload >/dev/null 2>&1
sleep 1
is "$(stat -c %a "$A" 2>/dev/null)" 640 "the audit log is created 0640 (umask 077 at start)"

# rotate while the load runs: mv, then SIGUSR1 (the fifth time SIGHUP),
# six times 0.2 s apart; the load goes on in batches of N messages until
# the rotations are done, so that a fast machine, which sends one batch
# in well under a second, still rotates under load
( r=0; i=0; while [ $r -lt 6 ] && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
	[ -e "$A" ] || continue
	r=$((r + 1))
	mv "$A" "$A.$r"
	if [ $r = 5 ]; then kill -HUP "$MPID"; else kill -USR1 "$MPID"; fi || exit 0
done ) &
rot=$!
sent=0 src=0
while :; do
	smtp-source -s "$SESS" -m "$N" -l 2048 -f alice@example.com \
		-t bob@example.org 127.0.0.1:"$PF_SMTP_PORT" \
		>> "$PF_TMP/source.log" 2>&1 || src=1
	sent=$((sent + N))
	kill -0 "$rot" 2>/dev/null || break
	[ "$sent" -lt $((N * 20)) ] || break
done
is "$src" 0 "smtp-source: $sent messages in batches of $N over $SESS sessions"
N=$sent
pf_sink_wait "$N" 120
kill "$rot" 2>/dev/null; wait "$rot" 2>/dev/null
sleep 1
is "$(pf_sink_count)" "$N" "every message reached the sink"
files=$(ls "$A"* 2>/dev/null | wc -l)
used=$(for f in "$A"*; do [ -s "$f" ] && echo "$f"; done | wc -l)
ok "$([ "$used" -ge 3 ]; echo $?)" "the log was rotated during the run: records in $used of $files files"
reopened=$(grep -c "preflight-milter\[$MPID\]: audit log reopened" "$PF_TMP/mail.log")
ok "$([ "$reopened" -ge 3 ]; echo $?)" "the milter logged $reopened reopens on SIGUSR1"
ok "$(grep -q "preflight-milter\[$MPID\]: reloaded configuration" "$PF_TMP/mail.log"; echo $?)" "and reloaded on SIGHUP"

# Postfix's queue ids, one per message received, against the records
grep -o 'postfix/smtpd\[[0-9]*\]: [0-9A-F]\{6,\}: client=' "$PF_TMP/postfix.log" |
	sed 's/.*: \([0-9A-F]*\): client=/\1/' | sort > "$PF_TMP/qids.postfix"
/usr/bin/python3 - "$A"* > "$PF_TMP/qids.audit" 2> "$PF_TMP/audit.err" <<'EOP'
import json, sys
bad = 0
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                rec = json.loads(line)
                assert rec["schema"] == 1 and rec["action"] and rec["relay"]
                print(rec["queue_id"])
            except Exception as e:
                print(f"{path}:{n}: {e}", file=sys.stderr)
                bad += 1
sys.exit(1 if bad else 0)
EOP
is "$?" 0 "every line of every rotated file is a whole schema-1 record $(head -c 300 "$PF_TMP/audit.err")"
sort "$PF_TMP/qids.audit" > "$PF_TMP/qids.audit.sorted"
is "$(wc -l < "$PF_TMP/qids.postfix")" "$N" "Postfix received $N messages"
is "$(wc -l < "$PF_TMP/qids.audit")" "$N" "$N records across the rotated files"
is "$(sort -u "$PF_TMP/qids.audit" | wc -l)" "$N" "no queue id has two records"
ok "$(cmp -s "$PF_TMP/qids.postfix" "$PF_TMP/qids.audit.sorted"; echo $?)" "each of Postfix's queue ids has exactly one record"
for f in "$A".*; do
	m=$(stat -c %a "$f")
	[ "$m" = 640 ] || { diag "$f has mode $m"; break; }
done
is "$m" 640 "every file the milter created on reopen is 0640"

# the shipped logrotate snippet, run by logrotate itself, paths moved here
if command -v logrotate >/dev/null 2>&1; then
	sed -e "s|/var/log/preflight/audit.jsonl|$A|" \
	    -e "s|/run/preflight/preflight-milter.pid|$PF_TMP/milter/preflight.pid|" \
	    "$S/contrib/logrotate/preflight" > "$PF_TMP/logrotate.conf"
	before=$(grep -c "audit log reopened" "$PF_TMP/mail.log")
	pf_swaks --from alice@example.com --to bob@example.org --h-Subject "before rotate" --body x
	sleep 0.5
	logrotate -f -s "$PF_TMP/logrotate.state" "$PF_TMP/logrotate.conf" 2> "$PF_TMP/logrotate.err"
	is "$?" 0 "logrotate runs contrib/logrotate/preflight $(head -c 200 "$PF_TMP/logrotate.err")"
	pf_wait_log "$PF_TMP/mail.log" "audit log reopened" 5
	is "$(grep -c "audit log reopened" "$PF_TMP/mail.log")" $((before + 1)) "its postrotate made the milter reopen the log"
	pf_swaks --from alice@example.com --to bob@example.org --h-Subject "after rotate" --body x
	sleep 0.5
	is "$(grep -c '"queue_id"' "$A" 2>/dev/null)" 1 "the next record went to the new file"
	is "$(stat -c %a "$A")" 640 "which is 0640"
else
	for _ in 1 2 3 4; do ok 0 "# SKIP logrotate not installed"; done
fi
ok "$(kill -0 "$MPID"; echo $?)" "milter still running"
tap_done
