#!/bin/bash
# dkim-rotate.sh - a scripted DKIM key rotation through a real Postfix and
# the milter against knot: "preflight dkim rotate" refuses selectors in
# use, makes the next key and the state file; the new record is published
# late, then with the wrong key (no switch; "preflight dkim check" names
# both fingerprints), then right; the milter is restarted between the
# first sighting and the switch (the sighting is kept); after
# rotation_delay it switches, logs it once, and keeps the new key over a
# reload.  Every relayed message carries one signature that verifies
# (dkimpy) against the records DNS serves at that moment.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
B="${top_builddir:-.}"
S="${top_srcdir:-.}"
PF="$B/tools/preflight"
DELAY=20
D=rotate.test

pf_start_rsyslog
pf_start_sink
K="$PF_TMP/keys"
mkdir -p "$K" "$PF_TMP/zones"
"$PF" dkim keygen --type rsa --domain $D --selector s1 --out "$K/s1.pem" > "$PF_TMP/s1.rec"
"$PF" dkim keygen --type rsa --domain $D --selector wrong --out "$PF_TMP/wrong.pem" > "$PF_TMP/wrong.rec"
chown -R nobody "$K"	# the milter's user writes the state beside its keys
chmod 700 "$K"

# zone-file lines from "NAME. IN TXT ( ... )"; the zone with these records
txt_line() { sed "s/^[^.]*\._domainkey\.$D\. IN TXT ( \(.*\) )\$/$1._domainkey TXT \1/" "$2"; }
SERIAL=1
zone_text() {
	printf '$ORIGIN %s.\n$TTL 1\n@ SOA ns hostmaster %d 3600 600 86400 1\n@ NS ns\nns A 127.0.0.1\n' $D $SERIAL
	printf 'taken._domainkey TXT "v=DKIM1; k=rsa; p=" ; another service holds it\n'
	txt_line s1 "$PF_TMP/s1.rec"
	printf '%s\n' "$@"
}
zone_text > "$PF_TMP/zones/$D.zone"
publish() {	# zone lines beside s1's: rewrite the zone, reload, wait for it
	local i
	SERIAL=$((SERIAL + 1))
	zone_text "$@" > "$PF_TMP/knot/zones/$D.zone"
	knotc -c "$KNOT_CONF" zone-reload $D > /dev/null
	for i in $(seq 1 50); do
		kdig @127.0.0.1 -p "$PF_DNS_PORT" +short SOA $D | grep -q " $SERIAL " && break
		sleep 0.1
	done
	sleep 2		# key_check_interval (1 s) and the 1 s TTL go by
}
pf_start_knot "$PF_TMP/zones"
pf_unbound_conf "$PF_TMP/unbound.conf"
pf_milter_conf "[dns]
config_file = $PF_TMP/unbound.conf
timeout = 2000
[dkim]
domain = $D
selector = s1
key_file = $K/s1.pem
key_check_interval = 1
rotation_delay = $DELAY"
pf_start_milter
pf_start_postfix "$(pf_milter_spec)"

# One message through Postfix: SEL (the s= of its only signature), NSIG,
# VERIFY (dkimpy against the DKIM records DNS serves now).
N=0
send() {
	local f
	N=$((N + 1))
	pf_swaks --from a@$D --to bob@example.org --h-From "A <a@$D>" --h-Subject "rotation $N" --body "message $N"
	SEL="" NSIG=0 VERIFY="not relayed (swaks $PF_LAST_RC)"
	pf_sink_wait $N 20 || return 1
	f=$(grep -l "^Subject: rotation $N.\?$" $(pf_sink_files) | head -1)
	NSIG=$(grep -ci '^DKIM-Signature:' "$f")
	SEL=$(sed -n '/^[Dd][Kk][Ii][Mm]-[Ss]ignature:/,/^[^ \t]/p' "$f" | tr -d ' \t\r\n' | grep -o ';s=[^;]*' | head -1 | cut -c4-)
	for s in s1 $NEW; do
		r=$(kdig @127.0.0.1 -p "$PF_DNS_PORT" +short TXT "$s._domainkey.$D" | head -1)
		[ -n "$r" ] && echo "$s._domainkey.$D. IN TXT ( $r )"
	done > "$PF_TMP/live.rec"
	VERIFY=$(/usr/bin/python3 "$S/tests/dkim-verify.py" "$f" "$PF_TMP/live.rec" 2>&1)
}
signed_with() {	# SELECTOR WHAT
	send
	is "$NSIG $SEL" "1 $1" "$2: one signature, s=$1"
	is "$VERIFY" "d=$D s=$1 ok" "$2: it verifies against the published record"
}
fp() { openssl pkey -in "$1" -pubout -outform DER 2>/dev/null | openssl dgst -sha256 -binary | base64 | tr -d '=' | sed 's/[+.]/\\&/g'; }
check() { CHECK=$("$PF" dkim check -c "$PF_MILTER_CONF" 2>/dev/null); CHECK_RC=$?; }

signed_with s1 "before the rotation"

# refusals: a selector the domain uses, one with a record in DNS
out=$("$PF" dkim rotate -c "$PF_MILTER_CONF" --domain $D --selector s1 2>&1)
is "$?" 1 "rotate --selector s1 (the current one) is refused"
like "$out" "selector s1 is already used for $D" "... saying why"
out=$("$PF" dkim rotate -c "$PF_MILTER_CONF" --domain $D --selector taken 2>&1)
is "$?" 1 "rotate to a selector that has a TXT record is refused"
like "$out" "taken\._domainkey\.$D already has a TXT record" "... naming the record"
is "$(ls "$K")" "s1.pem" "refused rotations leave no file behind"

# the rotation, with the date-based selector
NEW=s$(date -u +%Y%m)
"$PF" dkim rotate -c "$PF_MILTER_CONF" --domain $D > "$PF_TMP/rotate.out" 2>&1
is "$?" 0 "preflight dkim rotate --domain $D"
like "$(cat "$PF_TMP/rotate.out")" "rotation of $D: s=s1 \(.*\) -> s=$NEW" "the default selector is s and the year and month ($NEW)"
NEWKEY="$K/$D.$NEW.pem"
is "$(stat -c '%a %U' "$NEWKEY" 2>&1)" "600 nobody" "the new key is 0600, owned like the current key"
is "$(stat -c '%a %U' "$K/s1.pem.rotation" 2>&1)" "600 nobody" "the state file beside it too"
grep "^$NEW\._domainkey\.$D\. IN TXT" "$PF_TMP/rotate.out" > "$PF_TMP/new.rec"
like "$(cat "$PF_TMP/new.rec")" '^[^ ]+ IN TXT \( "v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{200,}" "[A-Za-z0-9+/=]+" \)$' "the record to publish, in strings of at most 255 octets"
like "$(cat "$K/s1.pem.rotation")" "new_selector=$NEW" "the state names the pending selector"
out=$("$PF" dkim rotate -c "$PF_MILTER_CONF" --domain $D --selector other 2>&1)
is "$?" 1 "a second rotation while one is pending is refused"
like "$out" "a rotation of d=$D to s=$NEW is pending" "... saying which"

kill -HUP "$MPID"
pf_wait_log "$PF_TMP/mail.log" "reloaded configuration" 10

# published late: signing stays on s1
signed_with s1 "rotation pending, record not published"
check
like "$CHECK" "rotation: pending since .*s=s1 -> s=$NEW" "dkim check: the rotation is pending"
like "$CHECK" "$NEW\._domainkey\.$D: not published yet" "dkim check: the new record is not published yet"
like "$CHECK" "publish: $NEW\._domainkey\.$D\. IN TXT" "dkim check: with the record to publish"
pf_wait_log "$PF_TMP/mail.log" "DKIM key rotation d=$D: waiting for $NEW\._domainkey\.$D to be published" 5
ok $? "the milter logs that it waits for the record"

# the wrong key published: no switch, the mismatch named with both keys
publish "$(txt_line "$NEW" "$PF_TMP/wrong.rec")"
signed_with s1 "wrong key published under the new selector"
check
is "$CHECK_RC" 1 "dkim check exits 1 on a mismatching pending record"
like "$CHECK" "$NEW\._domainkey\.$D: MISMATCH: the published p= is a different key: published key SHA256:$(fp "$PF_TMP/wrong.pem"), pending key SHA256:$(fp "$NEWKEY")" "dkim check: the mismatch, with both fingerprints"
pf_wait_log "$PF_TMP/mail.log" "warning: DKIM key rotation d=$D: $NEW\._domainkey\.$D does not match the pending key" 5
ok $? "the milter warns about the mismatch"
unlike "$(cat "$K/s1.pem.rotation")" "seen=" "no sighting recorded for the wrong key"

# the right key: seen, the delay starts
publish "$(txt_line "$NEW" "$PF_TMP/new.rec")"
signed_with s1 "right key published, rotation_delay running"
seen=$(sed -n 's/^seen=//p' "$K/s1.pem.rotation")
like "$seen" "^20[0-9-]+T[0-9:]+Z$" "the first sighting is in the state file ($seen)"
seen_s=$(date -u -d "$seen" +%s)

# restart mid-rotation: the sighting is kept
kill -TERM "$MPID"
for i in $(seq 1 100); do kill -0 "$MPID" 2>/dev/null || break; sleep 0.1; done
pf_start_milter
is "$(sed -n 's/^seen=//p' "$K/s1.pem.rotation")" "$seen" "after a restart the state still has the first sighting"
check
like "$CHECK" "$NEW\._domainkey\.$D: published and matching since $seen" "dkim check: published and matching since then"
if [ $(( $(date +%s) + 2 )) -lt $((seen_s + DELAY)) ]; then
	signed_with s1 "after the restart, within rotation_delay"
else
	ok 0 "# SKIP the restart took longer than rotation_delay"
	ok 0 "# SKIP the restart took longer than rotation_delay"
fi

# the delay passes: the next key check switches; the message after is s=NEW
while [ "$(date +%s)" -le $((seen_s + DELAY)) ]; do sleep 0.5; done
send
is "$NSIG" 1 "the message that meets the switch: one signature (s=$SEL)"
is "$VERIFY" "d=$D s=$SEL ok" "it verifies"
pf_wait_log "$PF_TMP/mail.log" "DKIM key rotation d=$D: switched from s=s1 to s=$NEW" 5
ok $? "the switch is logged"
is "$(grep -c "DKIM key rotation d=$D: switched" "$PF_TMP/mail.log")" 1 "in one line"
sw=$(sed -n 's/^switched=//p' "$K/s1.pem.rotation")
ok $(( $(date -u -d "$sw" +%s) >= seen_s + DELAY ? 0 : 1 )) "switched ($sw) no earlier than rotation_delay after the sighting (restart included)"
signed_with "$NEW" "after the switch"
check
like "$CHECK" "rotation: switched at $sw from s=s1 to s=$NEW" "dkim check: switched"
like "$CHECK" "keep the s1\._domainkey\.$D record until $(date -u -d "@$(( $(date -u -d "$sw" +%s) + 7 * 86400 ))" +%Y-%m-%dT%H:%M:%SZ)" "dkim check: when the old record can go (7 days after the switch)"
like "$CHECK" "^$NEW\._domainkey\.$D: ok" "dkim check: the signing key is the new one, published"

# a reload (the state is read again) keeps the new key
kill -HUP "$MPID"
pf_wait_log "$PF_TMP/mail.log" "preflight-milter\[$MPID\]: reloaded configuration" 10
signed_with "$NEW" "after a reload"

tap_done
