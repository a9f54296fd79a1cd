#!/bin/bash
# dmarc.sh - SPF and DMARC through a real Postfix against knot: a DMARC
# fail under p=reject is refused with 550 5.7.26 and an explanation, the
# pass case is relayed with Authentication-Results, and "preflight scan"
# gives the same verdict and reasons as the milter for the same message.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
B="${top_builddir:-.}"
S="${top_srcdir:-.}"

pf_start_rsyslog
pf_start_sink
# signed.example.test: SPF fails for the egress IP and p=reject, like
# fail.example.test, but it has a published DKIM key preflight signs with
mkdir -p "$PF_TMP/zones"
cp "$S"/tests/data/dns/*.zone "$PF_TMP/zones/"
"$B/tools/preflight" dkim keygen --type rsa --domain signed.example.test --selector s1 \
	--out "$PF_TMP/dkim.pem" > "$PF_TMP/records"
chown nobody "$PF_TMP/dkim.pem"	# the milter's user reads it on reload
{ printf 'signed TXT "v=spf1 ip4:198.51.100.1 -all"\n_dmarc.signed TXT "v=DMARC1; p=reject"\n'
  printf 's1._domainkey.signed TXT %s\n' "$(sed 's/.*( \(.*\) )$/\1/' "$PF_TMP/records")"; } >> "$PF_TMP/zones/example.test.zone"
pf_start_knot "$PF_TMP/zones"
pf_unbound_conf "$PF_TMP/unbound.conf"
pf_milter_conf "[policy]
authserv_id = relay.test
[dns]
config_file = $PF_TMP/unbound.conf
timeout = 2000
[spf]
egress_ips = 192.0.2.10
[dkim]
domain = signed.example.test
selector = s1
key_file = $PF_TMP/dkim.pem"
pf_start_milter
pf_start_postfix "$(pf_milter_spec)"

# pass: relayed with Authentication-Results
pf_swaks --from user@pass.example.test --to bob@example.org --h-From "User <user@pass.example.test>" --h-Subject "aligned" --body "x"
is "$PF_LAST_RC" 0 "SPF pass, DMARC pass: accepted"
pf_sink_wait 1 20
f=$(pf_sink_files | head -1)
like "$(cat "$f" 2>/dev/null)" "Authentication-Results: relay\.test;.*spf=pass" "relayed with Authentication-Results: spf=pass"
like "$(tr -d '\n' < "$f" 2>/dev/null)" "dmarc=pass" "and dmarc=pass"

# fail under p=reject: 550 5.7.26 naming the domain, its policy, the fix
printf 'From: User <user@fail.example.test>\nTo: bob@example.org\nSubject: unaligned\nDate: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <dm1@fail.example.test>\n\nbody\n' > "$PF_TMP/fail.eml"
pf_swaks --from user@fail.example.test --to bob@example.org --data "$PF_TMP/fail.eml"
like "$(cat "$PF_LAST")" "<\*\* *550-5\.7\.26 .*fail\.example\.test" "DMARC fail: the client sees 550 5.7.26 naming the domain"
like "$(cat "$PF_LAST")" "p=reject|policy reject|publishes p=reject" "DMARC fail: the reply names the policy"
like "$(cat "$PF_LAST")" "<\*\* *550-5\.7\.26 Fix: " "DMARC fail: the reply says what would fix it"
pf_wait_log "$PF_TMP/mail.log" "action=reject .*dsn=5\.7\.26" 10
line=$(grep "preflight-milter\[$MPID\]: .*action=reject .*dsn=5\.7\.26" "$PF_TMP/mail.log" | tail -1)
like "$line" "action=reject stage=eom code=550 dsn=5\.7\.26 reasons=[a-z.,()-]*dmarc\.fail" "DMARC fail: one decision line with the reason"
milter_reasons=$(printf '%s' "$line" | sed -n 's/.* reasons=\([^ ]*\) .*/\1/p')

# the same message through scan: same action, codes and reasons
json=$("$B/tools/preflight" scan --json -c "$PF_MILTER_CONF" --client-ip 127.0.0.1 --helo client.test \
	--from user@fail.example.test --rcpt bob@example.org "$PF_TMP/fail.eml")
scan=$(printf '%s' "$json" | /usr/bin/python3 -c 'import json,sys
v=json.loads(sys.stdin.read().splitlines()[-1])
print(v["action"], v["code"], v["dsn"], ",".join(r["code"] + ("(monitor)" if r["mode"]=="monitor" else "") for r in v["results"]))')
is "$scan" "reject 550 5.7.26 $milter_reasons" "scan gives the milter's verdict: action, codes, reasons"
is "$(pf_sink_count)" 1 "the unaligned message was not relayed"

# RFC 7208 over nested includes: 12 includes deep is a permerror for every
# receiver, so p=reject refuses; the reply says why, with the 11th term
printf 'From: User <user@chain.example.test>\nTo: bob@example.org\nSubject: chain\nMessage-ID: <dm3@chain.example.test>\n\nbody\n' > "$PF_TMP/chain.eml"
pf_swaks --from user@chain.example.test --to bob@example.org --data "$PF_TMP/chain.eml"
like "$(cat "$PF_LAST")" "<\*\* *550-5\.7\.26 .*chain\.example\.test" "12 nested includes under p=reject: 550 5.7.26"
like "$(tr -d '\n' < "$PF_LAST")" "more than 10 DNS-querying terms.*include:c11\.chain\.example\.test" "the reply names the lookup limit and the include that crossed it"
pf_wait_log "$PF_TMP/mail.log" "action=reject .*reasons=[^ ]*spf\.lint\.too-many-lookups.*from=<user@chain\.example\.test>" 10
like "$(grep "preflight-milter\[$MPID\]: .*from=<user@chain\.example\.test>" "$PF_TMP/mail.log")" "action=reject stage=eom code=550 dsn=5\.7\.26 reasons=[^ ]*spf\.lint\.too-many-lookups" "decision line: reject with spf.lint.too-many-lookups"

# a long SPF record (1,672 bytes in 7 strings, the relay's IP last) passes
printf 'From: User <user@long.example.test>\nTo: bob@example.org\nSubject: long\nMessage-ID: <dm4@long.example.test>\n\nbody\n' > "$PF_TMP/long.eml"
pf_swaks --from user@long.example.test --to bob@example.org --data "$PF_TMP/long.eml"
is "$PF_LAST_RC" 0 "a 1,672-byte SPF record with the relay last, p=reject: accepted"
pf_sink_wait 2 20
f=$(grep -l "Subject: long" $(pf_sink_files))
like "$(tr -d '\n' < "$f" 2>/dev/null)" "spf=pass.*dmarc=pass" "relayed with spf=pass and dmarc=pass"

# a domain in the same position but with a DKIM key: signed, DMARC
# passes through DKIM, and the SPF failure only annotates
printf 'From: User <user@signed.example.test>\nTo: bob@example.org\nSubject: signed\nMessage-ID: <dm2@signed.example.test>\n\nbody\n' > "$PF_TMP/signed.eml"
pf_swaks --from user@signed.example.test --to bob@example.org --data "$PF_TMP/signed.eml"
is "$PF_LAST_RC" 0 "SPF fails but DKIM aligns: accepted"
pf_sink_wait 3 20
f=$(grep -l "Subject: signed" $(pf_sink_files))
res=$(/usr/bin/python3 "$S/tests/dkim-verify.py" "$f" "$PF_TMP/records" 2>&1)
is "$res" "d=signed.example.test s=s1 ok" "the relayed message's DKIM signature verifies (dkimpy), after Postfix"
like "$(tr -d '\n' < "$f")" "dmarc=pass" "Authentication-Results predicts dmarc=pass"
like "$(cat "$f")" "X-Preflight: action=annotate .*spf\.fail" "and the SPF failure is annotated, not refused"
like "$(grep "preflight-milter\[$MPID\]: [^ ]*: action=annotate" "$PF_TMP/mail.log")" "action=annotate stage=eom .*reasons=[a-z.,()-]*spf\.fail.* from=<user@signed\.example\.test>" "decision line: annotate with spf.fail"

# the private key never reaches a log
keyline=$(sed -n 2p "$PF_TMP/dkim.pem")
unlike "$(cat "$PF_TMP/mail.log" "$PF_TMP/all.log" "$PF_TMP/postfix.log" 2>/dev/null)" "$keyline" "no line of the private key in any log"

tap_done
