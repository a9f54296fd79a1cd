#!/bin/sh
# sample-config.sh - conf/preflight.conf is the generated sample, every
# key is documented in preflight.conf(5), and preflight-milter -n checks
# configurations with file:line errors.
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
B="${top_builddir:-.}"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

"$B/tools/preflight" config --sample > "$T/sample"
cmp -s "$T/sample" "$S/conf/preflight.conf"
ok $? "conf/preflight.conf is exactly 'preflight config --sample'"

missing=""
for key in $("$B/tools/preflight" config --defaults | sed -n 's/^\([a-z_]*\) =.*/\1/p'); do
	grep -q "^\.B $key\$\|^\.BR $key \|^\.IP \"\?$key" "$S/doc/preflight.conf.5" || missing="$missing $key"
done
is "$missing" "" "every key is documented in preflight.conf(5)"

out=$("$B/milter/preflight-milter" -n -c "$S/conf/preflight.conf"); rc=$?
is "$rc" 0 "preflight-milter -n accepts the sample"
like "$out" "configuration OK" "and says so"

printf '[milter]\nsocket = unix:/tmp/x.sock\n[size]\nmax_recipients = -3\nfoo = 1\n' > "$T/bad.conf"
err=$("$B/milter/preflight-milter" -n -c "$T/bad.conf" 2>&1); rc=$?
is "$rc" 1 "preflight-milter -n refuses a bad file"
like "$err" "$T/bad.conf:4: size.max_recipients" "names file:line of the bad value"
like "$err" "$T/bad.conf:5: unknown key \"foo\"" "names file:line of the unknown key"

printf '[size]\noverrides = %s\n' "$T/over" > "$T/tab.conf"
printf 'example.com max_message_size=1M\nexample.org max_recipients=many\n' > "$T/over"
err=$("$B/milter/preflight-milter" -n -c "$T/tab.conf" 2>&1); rc=$?
is "$rc" 1 "-n checks the tables a configuration names"
like "$err" "$T/over:2: max_recipients \"many\"" "table errors name the table's file:line"

out=$("$B/milter/preflight-milter" -d -c "$S/conf/preflight.conf")
like "$out" "max_message_size = 25M" "-d prints the effective configuration"

tap_done
