#!/bin/bash
# rcpt-domain.sh - the [domain] check through a real Postfix against knot
# (tests/data/dnsdomain): one transaction with good and bad recipients
# gets a reply per recipient (550 5.1.2 NXDOMAIN, 556 5.1.10 null MX,
# 550 5.1.2 no mail host), one decision line per refused recipient, and
# the message reaches only the good ones; a MAIL FROM domain that does not
# exist is refused at MAIL with 550 5.1.8.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
B="${top_builddir:-.}"
S="${top_srcdir:-.}"

pf_start_rsyslog
pf_start_sink
mkdir -p "$PF_TMP/zones"
cp "$S"/tests/data/dnsdomain/*.zone "$PF_TMP/zones/"
pf_start_knot "$PF_TMP/zones"
pf_unbound_conf "$PF_TMP/unbound.conf"
pf_milter_conf "[dns]
config_file = $PF_TMP/unbound.conf
timeout = 2000
[spf]
egress_ips = 192.0.2.10
[structure]
mode = off
[domain]
mode = enforce
typo_hints = yes"
pf_start_milter
pf_start_postfix "$(pf_milter_spec)"

printf 'From: A <a@sender.test>\nTo: x@good.test\nSubject: rcpt domains\nMessage-ID: <rd1@sender.test>\n\nbody\n' > "$PF_TMP/m.eml"
pf_swaks --from a@sender.test --to x@good.test,y@missing.test,z@nullmx.test,w@nohost.test,t@gmial.com,v@addr.test \
	--data "$PF_TMP/m.eml"
T=$(cat "$PF_LAST")
like "$T" "RCPT TO:<x@good\.test>
 *<- *250 " "x@good.test (MX): 250"
like "$T" "RCPT TO:<y@missing\.test>
 *<\*\* *550-5\.1\.2 Recipient y@missing\.test: the domain missing\.test does not exist \(the DNS answers NXDOMAIN\)" \
	"y@missing.test: 550 5.1.2 naming the domain and NXDOMAIN"
like "$T" "RCPT TO:<z@nullmx\.test>
 *<\*\* *556-5\.1\.10 Recipient z@nullmx\.test: the domain nullmx\.test accepts no mail \(it publishes a null MX" \
	"z@nullmx.test: 556 5.1.10 null MX"
like "$T" "RCPT TO:<w@nohost\.test>
 *<\*\* *550-5\.1\.2 Recipient w@nohost\.test: the domain nohost\.test has no mail host" \
	"w@nohost.test: 550 5.1.2 no mail host"
like "$T" "<\*\* *550-5\.1\.2 Fix: Did you mean gmail\.com\? Correct the address" "t@gmial.com: did you mean gmail.com"
like "$T" "RCPT TO:<v@addr\.test>
 *<- *250 " "v@addr.test (A only): 250"
like "$T" "<- *250 [0-9.]* *Ok: queued|<- *250 2\.0\.0 Ok: queued" "the message is queued for the good recipients"
pf_sink_wait 1 20
f=$(pf_sink_files | head -1)
rcpts=$(grep -io 'x-rcpt-args: <[^>]*>' "$f" 2>/dev/null | sed 's/.*<//; s/>//' | sort | tr '\n' ' ')
is "$rcpts" "v@addr.test x@good.test " "the sink got it for x@good.test and v@addr.test only"

for pat in "rcpt=<y@missing\.test> .*domain\.dns=NXDOMAIN" "code=556 dsn=5\.1\.10 reasons=domain\.rcpt-null-mx .*rcpt=<z@nullmx\.test>" \
	"reasons=domain\.rcpt-no-mail-host .*rcpt=<w@nohost\.test>" "rcpt=<t@gmial\.com> .*domain\.did_you_mean=gmail\.com"; do
	pf_wait_log "$PF_TMP/mail.log" "$pat" 10
	like "$(grep "preflight-milter\[$MPID\]: .*action=reject stage=rcpt" "$PF_TMP/mail.log")" "$pat" "decision line: $pat"
done
is "$(grep -c "preflight-milter\[$MPID\]: .*action=reject stage=rcpt" "$PF_TMP/mail.log")" 4 "one decision line per refused recipient"
pf_wait_log "$PF_TMP/mail.log" "action=accept stage=eom .*rcpts=2 rcpts_refused=4" 10
like "$(grep "preflight-milter\[$MPID\]: .*stage=eom" "$PF_TMP/mail.log")" "action=accept stage=eom .*rcpts=2 rcpts_refused=4" \
	"the message's decision line counts 2 recipients and 4 refused"
like "$(cat "$PF_TMP/postfix.log" 2>/dev/null)" "milter-reject: RCPT from .*556 5\.1\.10 " "Postfix logs the milter's 556 5.1.10"

# a sending domain that does not exist: refused at MAIL FROM
pf_swaks --from a@ghost.test --to x@good.test --data "$PF_TMP/m.eml"
like "$(cat "$PF_LAST")" "MAIL FROM:<a@ghost\.test>
 *<\*\* *550-5\.1\.8 The sender domain ghost\.test does not exist" "MAIL FROM ghost.test: 550 5.1.8 at MAIL"
pf_wait_log "$PF_TMP/mail.log" "action=reject stage=mail .*reasons=domain\.sender-unknown" 10
like "$(grep "preflight-milter\[$MPID\]: .*stage=mail" "$PF_TMP/mail.log")" "action=reject stage=mail code=550 dsn=5\.1\.8 reasons=domain\.sender-unknown .*from=<a@ghost\.test>" \
	"decision line for the unknown sender domain"
is "$(pf_sink_count)" 1 "nothing more relayed"
tap_done
