#!/bin/sh
# audit-schema.sh - doc/preflight-audit(5) is true to the code: a record
# from "preflight scan --json" (the audit record) has exactly the keys the
# page lists, top level and per result, each of the documented JSON type,
# and the schema version the page states.
. "${top_srcdir:-.}/tests/tap.sh"
S="${top_srcdir:-.}"
B="${top_builddir:-.}"
T=$(mktemp -d) || exit 1
trap 'rm -rf "$T"' EXIT

printf 'From: a@example.com\nTo: b@example.org\nSubject: hi\nMessage-ID: <m1@example.com>\n\nhello, a body long enough to pass a limit of 60 bytes with headers\n' > "$T/m.eml"
printf '[size]\nmax_message_size = 60\n' > "$T/p.conf"
"$B/tools/preflight" scan -c "$T/p.conf" --json --from a@example.com --rcpt b@example.org \
	--auth-user alice "$T/m.eml" > "$T/rec.json" 2> "$T/err"
like "$(head -c 200 "$T/rec.json")" '^\{"schema":1,' "scan --json prints a schema-1 record"
out=$(/usr/bin/python3 - "$S/doc/preflight-audit.5" "$T/rec.json" <<'EOP'
import json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
rec = None
for line in open(sys.argv[2], encoding="utf-8"):
    if line.startswith("{"):
        rec = json.loads(line)
# .TP / .BR key[ ", " key2] " (type)": top level before .RS, results' after
top, res = {}, {}
part = top
for line in page.splitlines():
    if line == ".RS":
        part = res
    m = re.match(r'^\.BR (\w+)(?: ", " (\w+))? " \((.*)\)"$', line)
    if m:
        for k in (m.group(1), m.group(2)):
            if k:
                part[k] = m.group(3)
kinds = {"string": str, "number": (int, float), "boolean": bool,
         "array of strings": list, "array of objects": list, "object": dict}
def check(obj, doc, where):
    bad = []
    if set(obj) != set(doc):
        bad.append(f"{where}: keys differ: code-only {sorted(set(obj) - set(doc))} "
                   f"doc-only {sorted(set(doc) - set(obj))}")
    for k, t in doc.items():
        if k not in obj:
            continue
        v = obj[k]
        if v is None:
            if "or null" not in t:
                bad.append(f"{where}.{k}: null, documented {t}")
            continue
        want = kinds[t.replace(" or null", "")]
        if isinstance(v, bool) and want is not bool:
            bad.append(f"{where}.{k}: boolean, documented {t}")
        elif not isinstance(v, want):
            bad.append(f"{where}.{k}: {type(v).__name__}, documented {t}")
    return bad
bad = check(rec, top, "record")
if not rec["results"]:
    bad.append("no result to check")
for r in rec["results"]:
    bad += check(r, res, "result")
m = re.search(r"The first key, \\fBschema\\fR, is the version of this format, now \\fB(\d+)", page)
if not m or int(m.group(1)) != rec["schema"]:
    bad.append("the page does not state the schema version the code writes")
print("\n".join(bad) if bad else "ok")
EOP
)
is "$out" "ok" "every key of the record is in preflight-audit(5) with its type, and nothing else"
grep -q 'doc/preflight-audit.5' "$S/Makefile.am"
ok $? "preflight-audit(5) is installed (dist_man_MANS)"
tap_done
