#!/bin/sh
# dkim-rotate.sh - "preflight dkim rotate" without DNS: the date-based
# selector, the key and state file it writes, the selectors and second
# rotations it refuses, and a corrupt state file refused with file:line
# by preflight-milter -n and "preflight dkim check" (never a silent
# switch).  The rotation itself, against knot through Postfix, is
# tests/integration/dkim-rotate.sh.
. "${top_srcdir:-.}/tests/tap.sh"
B="${top_builddir:-.}"
PF="$B/tools/preflight"
T=$(mktemp -d) || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT

"$PF" dkim keygen --type ed25519 --domain rot.test --selector e1 --out "$T/e1.pem" > /dev/null
printf '[dkim]\ndomain = rot.test\nselector = e1\nkey_file = %s/e1.pem\nkey_check_interval = 0\n' "$T" > "$T/pf.conf"

out=$("$PF" dkim rotate -c "$T/pf.conf" --domain other.test 2>&1)
is "$?" 1 "rotate: a domain without a configured key is refused"
like "$out" "no configured DKIM key for other.test" "... saying so"
out=$("$PF" dkim rotate -c "$T/pf.conf" --domain rot.test --selector 'a_b' 2>&1)
is "$?" 2 "rotate: a malformed selector is refused"
out=$("$PF" dkim rotate -c "$T/pf.conf" --domain rot.test --selector e1 2>&1)
is "$?" 1 "rotate: the current selector is refused"
is "$(ls "$T")" "$(printf 'e1.pem\npf.conf')" "refusals write nothing"

NEW=s$(date -u +%Y%m)
out=$("$PF" dkim rotate -c "$T/pf.conf" --domain rot.test 2>&1); rc=$?
is "$rc" 0 "rotate --domain rot.test"
like "$out" "rotation of rot\.test: s=e1 \(.*\) -> s=$NEW" "default selector s + year + month ($NEW)"
like "$out" "new key: $T/rot\.test\.$NEW\.pem \(ed25519, mode 0600\)" "the new key has the current key's type, beside it"
like "$out" "^$NEW\._domainkey\.rot\.test\. IN TXT \( \"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=\" \)" "the record to publish"
is "$(stat -c %a "$T/rot.test.$NEW.pem")" 600 "the new key is 0600"
st=$(cat "$T/e1.pem.rotation")
like "$st" "old_selector=e1" "state: the old selector"
like "$st" "new_key=$T/rot\.test\.$NEW\.pem" "state: the new key"
like "$st" "started=20[0-9-]*T[0-9:]*Z" "state: when it started"
unlike "$st" "seen=|switched=" "state: nothing seen, nothing switched"

out=$("$PF" dkim rotate -c "$T/pf.conf" --domain rot.test --selector later 2>&1)
is "$?" 1 "a second rotation while one is pending is refused"
[ ! -e "$T/rot.test.later.pem" ]; ok $? "... and makes no key"

out=$("$PF" dkim check -c "$T/pf.conf" 2>/dev/null)
like "$out" "rotation: pending since .*s=e1 -> s=$NEW" "dkim check reports the pending rotation"

# a corrupt state file: a configuration error naming file:line
cp "$T/e1.pem.rotation" "$T/good"
printf 'switched=soon\n' >> "$T/e1.pem.rotation"
n=$(wc -l < "$T/e1.pem.rotation")
out=$("$B/milter/preflight-milter" -n -c "$T/pf.conf" 2>&1)
is "$?" 1 "preflight-milter -n refuses a corrupt state file"
like "$out" "$T/e1\.pem\.rotation:$n: switched=soon: expected an ISO 8601 time" "... naming file:line"
out=$("$PF" dkim check -c "$T/pf.conf" 2>&1)
is "$?" 1 "so does preflight dkim check"
like "$out" "$T/e1\.pem\.rotation:$n:" "... with file:line"
cp "$T/good" "$T/e1.pem.rotation"
out=$("$B/milter/preflight-milter" -n -c "$T/pf.conf" 2>&1)
is "$?" 0 "the repaired state file is accepted"
tap_done
