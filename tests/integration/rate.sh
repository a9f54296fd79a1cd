#!/bin/bash
# rate.sh - rate limits through a real Postfix: N messages from one
# envelope sender, exactly the first COUNT relayed and the rest deferred at
# their RCPT TO with 451 4.7.28 naming the limit; recipients over an override
# refused one by one while the message goes to the others; what Postfix
# logs.  (No SASL in the private Postfix: sender keys; the SASL-user keys
# are covered by tests/rate.sh through miltertest.)
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
S="${top_srcdir:-.}"
SMTP="/usr/bin/python3 $S/tests/integration/smtp.py"

pf_start_sink
mkdir -p "$PF_TMP/milter"
printf 'sender:b@rate.example recipients=2/1h\n' > "$PF_TMP/milter/rate-overrides"
pf_milter_conf "[spf]
mode = off
[dmarc]
mode = off
[rate]
sender_messages = 3/1h
overrides = $PF_TMP/milter/rate-overrides"
pf_start_milter
ok $? "milter starts with [rate] limits"
pf_start_postfix "$(pf_milter_spec)"
pf_postfix_cmd reload >/dev/null 2>&1
sleep 1

got=""
for i in 1 2 3 4 5; do
	pf_swaks --from a@rate.example --to bob@example.org --h-From a@rate.example \
		--h-Subject "msg $i" --body "message $i"
	if [ "$PF_LAST_RC" = 0 ]; then got="${got}A"; else got="${got}T"; fi
done
is "$got" "AAATT" "5 messages from one sender at 3/1h: exactly the first 3 accepted"
like "$(cat "$PF_LAST")" "451.4\.7\.28 Too many messages for sender a@rate.example: the limit is 3/1h burst 3" \
	"the client sees 451 4.7.28 naming the sender and the limit"
like "$(cat "$PF_LAST")" "the next is accepted in 1[0-9][0-9][0-9] s" "and when the next one is accepted"
pf_sink_wait 3 30 >/dev/null
sleep 1
is "$(pf_sink_count)" 3 "exactly 3 messages reached the sink"
is "$(grep -c 'milter-reject: RCPT from .*4\.7\.28 Too many messages' "$PF_TMP/postfix.log")" 2 \
	"Postfix logs the 2 deferrals at RCPT TO"

out=$($SMTP rcpts "$PF_SMTP_PORT" b@rate.example r1@example.org r2@example.org r3@example.org r4@example.org 2>&1)
like "$out" "r3@example.org 451 4.7.28 Too many recipients for sender b@rate.example" "the 3rd recipient is refused with 451 4.7.28"
like "$out" "r4@example.org 451" "and the 4th"
unlike "$out" "r[12]@example.org" "the first two are accepted"
pf_sink_wait 4 30 >/dev/null
is "$(pf_sink_count)" 4 "the message went to the accepted recipients"
tap_done
