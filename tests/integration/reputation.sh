#!/bin/bash
# reputation.sh - the daemon's reputation watch through a real Postfix
# against knot: with [dnsbl] interval = 1 the egress IP 192.0.2.20, listed
# in zen.bl.test (Spamhaus-style codes), is found in the background and
# logged once; with listed_action = tempfail outbound mail waits (451 4.7.1
# naming the list, the IP and the delisting fix; the decision line says
# dnsbl.listed=zen.bl.test); once the zone delists it the watch logs that
# and mail flows again; with listed_action = monitor mail flows and the
# decision line carries dnsbl.listed.  PTR, FCrDNS and HELO are watched and logged too.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
S="${top_srcdir:-.}"

pf_start_rsyslog
pf_start_sink
mkdir -p "$PF_TMP/zones"
cp "$S"/tests/data/dnsdomain/*.zone "$PF_TMP/zones/"
pf_start_knot "$PF_TMP/zones"
pf_unbound_conf "$PF_TMP/unbound.conf"	# the reverse zones answered by knot
pf_milter_conf "[dns]
config_file = $PF_TMP/unbound.conf
timeout = 1000
[spf]
egress_ips = 192.0.2.20
helo_name = mail.good.test
[structure]
mode = off
[dnsbl]
ip_lists = zen.bl.test=spamhaus
interval = 1
listed_action = tempfail"
pf_start_milter
pf_start_postfix "$(pf_milter_spec)"

LOG="$PF_TMP/mail.log"
pf_wait_log "$LOG" "reputation: egress IP 192\.0\.2\.20 is LISTED in zen\.bl\.test" 15
like "$(grep "preflight-milter\[$MPID\]: .*reputation:" "$LOG")" \
	"warning: reputation: egress IP 192\.0\.2\.20 is LISTED in zen\.bl\.test \(127\.0\.0\.2,127\.0\.0\.4: SBL: .*; fix: Look it up at https://check\.spamhaus\.org/" \
	"the watch finds the listing in the background and logs it loudly, with codes and fix"

pf_wait_log "$LOG" "reputation: egress IP 192\.0\.2\.20: ptr=" 15
like "$(grep "preflight-milter\[$MPID\]: .*reputation: egress IP 192\.0\.2\.20: ptr=" "$LOG")" \
	"warning: reputation: egress IP 192\.0\.2\.20: ptr=nofwd\.good\.test fcrdns=no helo=no; receivers want a PTR" \
	"the watch checks PTR, FCrDNS and HELO too, and says what is missing"
printf 'From: A <a@sender.test>\nTo: x@good.test\nSubject: rep\nMessage-ID: <rep1@sender.test>\n\nbody\n' > "$PF_TMP/m.eml"
pf_swaks --from a@sender.test --to x@good.test --data "$PF_TMP/m.eml"
like "$(cat "$PF_LAST")" "MAIL FROM:<a@sender\.test>
 *<\*\* *451-4\.7\.1 The relay's egress IP 192\.0\.2\.20 is listed in zen\.bl\.test \(127\.0\.0\.2,127\.0\.0\.4" \
	"listed, tempfail: 451 4.7.1 at MAIL naming the IP, the list and the codes"
like "$(cat "$PF_LAST")" "451-4\.7\.1 Fix: Relay operator: Look it up at https://check\.spamhaus\.org/" "the reply gives the delisting fix"
pf_wait_log "$LOG" "action=tempfail stage=mail .*reasons=dnsbl\.listed" 10
like "$(grep "preflight-milter\[$MPID\]: .*stage=mail" "$LOG")" \
	"action=tempfail stage=mail code=451 dsn=4\.7\.1 reasons=dnsbl\.listed[, ].*dnsbl\.listed=zen\.bl\.test dnsbl\.ip=192\.0\.2\.20" \
	"the decision line: dnsbl.listed=zen.bl.test"
sleep 3
is "$(grep -c "preflight-milter\[$MPID\]: .*is LISTED in" "$LOG")" 1 "still listed after several rounds: logged once, not every round"
is "$(grep -c "preflight-milter\[$MPID\]: .*reputation: egress IP 192\.0\.2\.20: ptr=" "$LOG")" 1 "the PTR state too is logged once"
is "$(pf_sink_count)" 0 "nothing relayed while listed"

# listed_action = monitor (reloaded): relayed, the decision line says so
sed -i 's/^listed_action = tempfail/listed_action = monitor/' "$PF_MILTER_CONF"
kill -HUP "$MPID"
pf_wait_log "$LOG" "preflight-milter\[$MPID\]: reloaded configuration" 10
pf_swaks --from a@sender.test --to x@good.test --data "$PF_TMP/m.eml"
is "$PF_LAST_RC" 0 "listed, monitor: the mail is accepted"
pf_wait_log "$LOG" "stage=eom .*dnsbl\.listed=zen\.bl\.test" 10
like "$(grep "preflight-milter\[$MPID\]: .*stage=eom" "$LOG")" "would=tempfail .*reasons=[^ ]*dnsbl\.listed\(monitor\).* dnsbl\.listed=zen\.bl\.test" \
	"monitor: the decision line carries dnsbl.listed=zen.bl.test and what would have happened"
pf_sink_wait 1 20
is "$(pf_sink_count)" 1 "and it is relayed"

# delist: the zone drops the records; the watch notices and mail flows
sed -i '/^20\.2\.0\.192\.zen\.bl/d; s/^@\t\tSOA ns.test. hostmaster.test. 1 /@\t\tSOA ns.test. hostmaster.test. 2 /' "$PF_TMP/knot/zones/test.zone"
knotc -c "$KNOT_CONF" zone-reload test. >/dev/null 2>&1
pf_wait_log "$LOG" "reputation: egress IP 192\.0\.2\.20 is no longer listed in zen\.bl\.test" 15
like "$(grep "preflight-milter\[$MPID\]: .*reputation:" "$LOG" | tail -1)" "no longer listed in zen\.bl\.test" "delisting is noticed and logged"
pf_swaks --from a@sender.test --to x@good.test --data "$PF_TMP/m.eml"
is "$PF_LAST_RC" 0 "after delisting the mail is accepted"
pf_sink_wait 2 20
is "$(pf_sink_count)" 2 "and relayed"
tap_done
