#!/bin/bash
# report.sh - "preflight report": a generated audit log with known counts
# (tests/report-gen.py: two relays, one file gzip, schema-0 records,
# malformed lines) asserted in text, CSV and JSON for several ranges and
# filters; stdin, errors, exit statuses; the HTML page opened in headless
# Chromium: its own test hook (<pre id=selftest>) must show the charts
# drawn and the table's numbers equal to the JSON output's, and Chromium's
# net log must show no request from the page (a control page proves the
# net log would show one; the page's CSP blocks an injected image).
# The browser part is skipped when chromium is not installed.
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
PF="${top_builddir:-.}/tools/preflight"
GEN="$S/tests/report-gen.py"
CHK="$S/tests/report-check.py"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT
skip() { _tap_n=$((_tap_n + 1)); printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "$2"; }

python3 "$GEN" testdata "$T" || { echo "Bail out! report-gen.py failed"; exit 1; }
FILES="$T/mx1.log $T/mx2.log.gz $T/old.log"
cases=$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["cases"]))' "$T/expected.json")

for c in $cases; do
	mapfile -t args < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["cases"][sys.argv[2]]["args"]))' "$T/expected.json" "$c")
	[ ${#args[@]} = 1 ] && [ -z "${args[0]}" ] && args=()
	for f in json csv text; do
		# shellcheck disable=SC2086
		"$PF" report --top 0 --format $f "${args[@]}" $FILES > "$T/$c.$f" 2> "$T/$c.$f.err"; rc=$?
		is "$rc" 0 "$c ($f): exit 0 with malformed lines present"
		is "$(python3 "$CHK" $f "$T/expected.json" "$c" "$T/$c.$f")" ok "$c ($f): every group's numbers as generated"
	done
done

is "$(python3 "$CHK" malformed "$T/expected.json" "$T/all.json" "$T/all.json.err")" ok \
	"malformed lines counted and named file:line in the JSON and on stderr"
like "$(cat "$T/all.text")" 'mx1\.log:101: not JSON: JSON data must be UTF-8 encoded' "text summary names a malformed line and why"
like "$(cat "$T/all.text")" 'mx1\.log:608: schema 2 is newer than this preflight reads' "a newer schema is refused, not misread"
like "$(cat "$T/all.text")" 'evil\?\[31m<script>@shop\.example' "text output: a control character in a key printed as ?"
like "$(cat "$T/all.csv")" '^sender,"o""dd,name@example\.org",' "CSV: RFC 4180 quoting of a key with a quote and a comma"
like "$(cat "$T/all.csv")" "^sender,'=HYPERLINK" "CSV: a key starting with = gets a leading ' (no spreadsheet formula)"
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["groups"]["relay"]["rows"][-1]["key"], [f["records"] for f in d["files"]])' "$T/all.json")
is "$got" "(none) [600, 400, 25]" "schema-0 records read (no relay); records per file"

# --top
"$PF" report --top 3 --format json $FILES > "$T/top.json" 2>/dev/null
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["groups"]; print(len(d["sender"]["rows"]), d["sender"]["distinct"] > 3, len(d["day"]["rows"]), len(d["action"]["rows"]))' "$T/top.json")
is "$got" "3 True 7 5" "--top 3: three senders of more; days and actions all"
out=$("$PF" report --top 2 $FILES 2>/dev/null)
like "$out" 'By envelope sender \(top 2 of [0-9]+\)' "text: a cut table says top N of M"

# standard input: plain and gzip, "-" or no file
all=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cases"]["all"]["groups"]["relay"]["mx2"]["total"])' "$T/expected.json")
got=$("$PF" report --format json - < "$T/mx2.log.gz" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["totals"]["decisions"], d["files"][0]["name"])')
is "$got" "$all (stdin)" "gzip on standard input (-)"
got=$(cat "$T/old.log" | "$PF" report --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["decisions"])')
is "$got" 25 "no file: standard input"

# relative times against now
python3 - "$T/recent.log" <<'EOF'
import json, sys, time
with open(sys.argv[1], "w") as f:
    for age in (3600, 30 * 3600, 10 * 86400):
        f.write(json.dumps({"schema": 1, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - age)),
                            "relay": "mx1", "action": "reject", "from": "a@b.example", "rcpts": [], "results": []}) + "\n")
EOF
n() { "$PF" report --format json "$@" "$T/recent.log" | python3 -c 'import json,sys; d=json.load(sys.stdin)["totals"]; print(d["decisions"], d["out_of_range"])'; }
is "$(n --since 12h)" "1 2" "--since 12h"
is "$(n --since 2d)" "2 1" "--since 2d"
is "$(n --since 1w --until 1d)" "1 2" "--since 1w --until 1d"

a=$("$PF" report --format csv --since 2026-11-03 --until 2026-11-04T12:00 $FILES 2>/dev/null | sed -n 2p)
b=$("$PF" report --format csv --since 2026-11-03T01:00:00+01:00 --until '2026-11-04 12:00:00Z' $FILES 2>/dev/null | sed -n 2p)
is "$b" "$a" "--since/--until: an offset and a space for T mean the same instants"
like "$a" '^total,\(all\),[1-9]' "and the range is not empty"

# errors
"$PF" report --format json "$T/nonexistent.log" "$T/old.log" > "$T/missing.json" 2> "$T/missing.err"; rc=$?
is "$rc" 1 "a file that cannot be read: exit 1"
like "$(cat "$T/missing.err")" 'nonexistent\.log' "and stderr names it"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["decisions"])' "$T/missing.json")" 25 "the report still covers the other files"
gzip -c "$T/old.log" | cat - "$T/mx2.log.gz" > "$T/two.log.gz"
got=$("$PF" report --format json "$T/two.log.gz" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["decisions"])')
is "$got" "$((all + 25))" "concatenated gzip members are all read"
printf 'trailing' >> "$T/two.log.gz"
"$PF" report --format json "$T/two.log.gz" > /dev/null 2> "$T/two.err"; rc=$?
is "$rc" 1 "garbage after the last gzip member: exit 1"
like "$(cat "$T/two.err")" 'two\.log\.gz: read error after line 426' "and it says where reading stopped"
head -c 12000 "$T/mx2.log.gz" > "$T/cut.log.gz"
"$PF" report --format json "$T/cut.log.gz" > "$T/cut.json" 2> "$T/cut.err"; rc=$?
is "$rc" 1 "a truncated gzip file: exit 1"
like "$(cat "$T/cut.err")" 'cut\.log\.gz: read error after line [0-9]+' "and says after which line"
got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["totals"]["decisions"] > 100)' "$T/cut.json")
is "$got" True "what came before the damage is counted"
python3 -c 'print("{\"time\":\"" + "x" * (1100 * 1024) + "\"}"); print("{\"time\":\"2026-11-01T00:00:00Z\",\"action\":\"accept\"}")' > "$T/long.log"
got=$("$PF" report --format json "$T/long.log" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["totals"]["decisions"], d["malformed"][0]["where"].split("/")[-1], d["malformed"][0]["error"])')
is "$got" "1 long.log:1 line longer than 1 MiB" "a line over 1 MiB is malformed, the next one read"
for bad in "--format xml" "--since yesterday" "--until 2026-13-01" "--action bounce" "--top -1" "--since 2026-11-05 --until 2026-11-01"; do
	# shellcheck disable=SC2086
	"$PF" report $bad "$T/old.log" >/dev/null 2>"$T/usage.err"; rc=$?
	is "$rc" 2 "usage error: $bad"
done
like "$(cat "$T/usage.err")" 'since is after --until' "and it says why"

# --- the HTML page ---
"$PF" report --format html $FILES > "$T/report.html" 2>/dev/null; rc=$?
is "$rc" 0 "html: exit 0"
like "$(head -c 3000 "$T/report.html")" "http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-[A-Za-z0-9+/=]+';" "html: a strict CSP with the style's and the script's hashes"
is "$(grep -c '<script>' "$T/report.html")" 1 "html: the sender <script> from the log is not markup (one script element)"
unlike "$(grep -oE '(src|href)=' "$T/report.html" | sort -u)" '.' "html: no src or href anywhere"

CHROME=$(command -v chromium || true)
if [ -z "$CHROME" ]; then
	for d in "page hook: charts and table match the JSON" "no request leaves the page" \
		 "the net log shows a page's request (control)" "CSP blocks an injected image" "screenshot"; do
		skip "$d" "chromium not installed (tests/deps.sh installs it)"
	done
	tap_done
	exit
fi
# the browser's own background requests cannot leave the machine (no name
# resolves) and are told apart in the net log (they carry no file:// key)
chrome() {	# netlog url [chromium args]
	local log=$1 url=$2; shift 2
	timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$T/chrome" --no-first-run --no-default-browser-check \
		--disable-background-networking --disable-component-update --disable-sync \
		--disable-extensions --disable-default-apps --disable-breakpad --no-pings \
		--disable-features=Translate,OptimizationHints,OptimizationGuideModelDownloading,MediaRouter \
		"--host-resolver-rules=MAP * ~NOTFOUND" --log-net-log="$log" "$@" "$url" 2>>"$T/chrome.err"
}
selftest() { python3 -c 'import html,re,sys; m=re.search(r"<pre id=\"selftest\" data-done=\"1\">(.*?)</pre>", sys.stdin.read(), re.S); print(html.unescape(m.group(1)) if m else "{}")'; }

"$PF" report --top 0 --format json $FILES > "$T/page.json" 2>/dev/null
chrome "$T/net1.json" "file://$T/report.html#selftest" --virtual-time-budget=10000 --dump-dom > "$T/dom.html"
selftest < "$T/dom.html" > "$T/selftest.json"
is "$(python3 "$CHK" page "$T/expected.json" "$T/page.json" "$T/selftest.json")" ok \
	"page hook: bars per day and action, heat map, top refused, and the table's rows by action and reason equal the JSON's"
is "$(python3 "$CHK" netlog "$T/net1.json")" "" "no request leaves the page (Chromium's net log)"

printf '<!DOCTYPE html><title>control</title><img src="http://127.0.0.1:1/leak.png">\n' > "$T/control.html"
chrome "$T/net2.json" "file://$T/control.html" --virtual-time-budget=3000 --dump-dom > /dev/null
is "$(python3 "$CHK" netlog "$T/net2.json")" "http://127.0.0.1:1/leak.png" "the net log shows a page's request (control: a page without the CSP)"

# the same image injected into the report, and a table cut at --max-rows
"$PF" report --max-rows 40 --format html $FILES 2>/dev/null |
	sed 's|<body>|<body><img src="http://127.0.0.1:1/leak.png">|' > "$T/injected.html"
chrome "$T/net3.json" "file://$T/injected.html#selftest" --virtual-time-budget=10000 --dump-dom > "$T/dom3.html"
is "$(python3 "$CHK" netlog "$T/net3.json")" "" "CSP blocks an image injected into the page"
selftest < "$T/dom3.html" > "$T/selftest3.json"
is "$(python3 "$CHK" page "$T/expected.json" "$T/page.json" "$T/selftest3.json")" ok \
	"--max-rows 40: the newest 40 refusals listed, the cut said, charts still count all"

chrome "$T/net4.json" "file://$T/report.html" --window-size=1280,2000 --virtual-time-budget=10000 \
	--screenshot="$T/report.png" > /dev/null
size=$(stat -c %s "$T/report.png" 2>/dev/null || echo 0)
ok "$([ "$size" -gt 50000 ]; echo $?)" "screenshot taken ($size bytes)"
[ -n "${PF_REPORT_SHOT:-}" ] && cp "$T/report.png" "$PF_REPORT_SHOT"
tap_done
