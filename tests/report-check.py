#!/usr/bin/python3
"""report-check.py - compare "preflight report" output with report-gen.py's
expectations; prints "ok" or what differs (tests/report.sh).

  report-check.py json EXPECTED CASE OUT        --format json --top 0
  report-check.py csv EXPECTED CASE OUT         --format csv --top 0
  report-check.py text EXPECTED CASE OUT        --format text --top 0
  report-check.py malformed EXPECTED OUT STDERR the named lines, both places
  report-check.py page EXPECTED JSON SELFTEST   the HTML page's own counts
                                                against the JSON output
  report-check.py netlog NETLOG                 URLs the page asked for
                                                (not file:), one a line
"""
import csv
import json
import os
import re
import sys

ACTIONS = ["accept", "annotate", "quarantine", "tempfail", "reject"]
DIMS = ["action", "reason", "check", "sender", "sender_domain", "auth_user",
        "recipient_domain", "relay", "day"]


def expected(path, case):
    return json.load(open(path))["cases"][case]


def want_rows(exp, dim, key_map=lambda k: k):
    return {key_map(k): dict({a: v[a] for a in ACTIONS}, decisions=v["total"],
                             refused=v["refused"])
            for k, v in exp["groups"][dim].items()}


def diff(label, got, want):
    if got == want:
        return []
    out = []
    for k in sorted(set(got) | set(want), key=str):
        if got.get(k) != want.get(k):
            out.append("%s %r: got %r want %r" % (label, k, got.get(k), want.get(k)))
    return out[:10]


def check_json(exp, out):
    d = json.load(open(out))
    errs = []
    if d["totals"]["decisions"] != exp["decisions"]:
        errs.append("decisions %d != %d" % (d["totals"]["decisions"], exp["decisions"]))
    if d["totals"]["refused"] != exp["refused"]:
        errs.append("refused %d != %d" % (d["totals"]["refused"], exp["refused"]))
    for dim in DIMS:
        g = d["groups"][dim]
        got = {r["key"]: {k: r[k] for k in ACTIONS + ["decisions", "refused"]}
               for r in g["rows"]}
        if any(r["other"] for r in g["rows"]):
            errs.append("%s: an 'other' action counted" % dim)
        errs += diff(dim, got, want_rows(exp, dim))
        if g["distinct"] != len(exp["groups"][dim]):
            errs.append("%s distinct %d != %d" % (dim, g["distinct"], len(exp["groups"][dim])))
    return errs


def formula(k):
    return "'" + k if k[:1] in ("=", "+", "-", "@", "\t", "\r") else k


def check_csv(exp, out):
    raw = open(out, newline="").read()
    errs = []
    if "\r\n" not in raw or re.search(r"[^\r]\n", raw):
        errs.append("rows do not end in CRLF")
    rows = list(csv.reader(raw.splitlines(True)))
    head = rows[0]
    if head != ["dimension", "key", "decisions", "refused"] + ACTIONS + ["other"]:
        errs.append("header %r" % head)
    total = [r for r in rows[1:] if r[0] == "total"]
    if len(total) != 1 or int(total[0][2]) != exp["decisions"] or int(total[0][3]) != exp["refused"]:
        errs.append("total row %r" % total)
    for dim in DIMS:
        got = {}
        for r in rows[1:]:
            if r[0] == dim:
                v = dict(zip(head[2:], map(int, r[2:])))
                v.pop("other")
                got[r[1]] = v
        errs += diff("csv " + dim, got, want_rows(exp, dim, formula))
    return errs


def printable(k):
    return "".join("?" if ord(c) < 0x20 or ord(c) == 0x7f or 0x80 <= ord(c) < 0xa0
                   else c for c in k)


def check_text(exp, out):
    """tables: a title line, a header line, rows up to a blank line"""
    lines = open(out, encoding="utf-8").read().split("\n")
    errs, tables, i = [], {}, 0
    while i < len(lines):
        m = re.match(r"^(Decisions by action|By [a-zA-Z ]+?)( \(top \d+ of \d+\))?$", lines[i])
        if not m:
            i += 1
            continue
        head = lines[i + 1].split()
        rows, i = {}, i + 2
        while i < len(lines) and lines[i].startswith("  "):
            parts = lines[i].strip().rsplit(None, len(head) - 1)
            rows[parts[0]] = dict(zip(head[1:], parts[1:]))
            i += 1
        tables[head[0].lower()] = rows
    if sorted(tables) != sorted(DIMS):
        return ["tables %r" % sorted(tables)]
    for dim in DIMS:
        if dim == "action":
            got = {k: int(v["DECISIONS"]) for k, v in tables[dim].items()}
            want = {k: v["total"] for k, v in exp["groups"][dim].items()}
            for k, v in tables[dim].items():
                share = 100.0 * want.get(k, 0) / exp["decisions"]
                if abs(float(v["SHARE"].rstrip("%")) - share) > 0.051:
                    errs.append("share of %s %s" % (k, v["SHARE"]))
        else:
            got = {k: {c.lower(): int(n) for c, n in v.items()}
                   for k, v in tables[dim].items()}
            want = {printable(k): dict({a: v[a] for a in ACTIONS},
                                       decisions=v["total"], refused=v["refused"])
                    for k, v in exp["groups"][dim].items()}
        errs += diff("text " + dim, got, want)
    return errs


def check_malformed(path, out, err):
    want = json.load(open(path))["malformed"]
    d = json.load(open(out))
    got = sorted(os.path.basename(m["where"]) for m in d["malformed"])
    errs = [] if got == want else ["JSON names %r, want %r" % (got, want)]
    if d["totals"]["malformed"] != len(want):
        errs.append("JSON counts %d" % d["totals"]["malformed"])
    named = sorted(os.path.basename(m.group(1)) for m in
                   re.finditer(r"^preflight: report: (\S+:\d+): malformed line: .+$",
                               open(err).read(), re.M))
    if named != want:
        errs.append("stderr names %r" % named)
    return errs


def check_page(path, out, selftest):
    e = json.load(open(path))
    d = json.load(open(out))
    t = json.load(open(selftest))
    errs = []

    def eq(what, got, want):
        if got != want:
            errs.append("%s: page %r, JSON %r" % (what, got, want))
    days = d["groups"]["day"]["rows"]
    eq("bars", t["bars"], sum(1 for r in days for a in ACTIONS if r[a]))
    eq("bar total", t["bar_total"], d["totals"]["decisions"])
    eq("day totals", t["day_totals"], {r["key"]: r["decisions"] for r in days})
    eq("cards", t["cards"], 6)
    eq("scripts", t["scripts"], 2)
    ref = {}
    for r in d["reasons_by_day"]:
        if r["refused"]:
            ref[r["reason"]] = ref.get(r["reason"], 0) + r["refused"]
    top = sorted(ref, key=lambda k: (-ref[k], k))[:10]
    eq("heat total", t["heat_total"], sum(ref[k] for k in top))
    eq("heat cells", t["heat_cells"], sum(1 for r in d["reasons_by_day"]
                                          if r["refused"] and r["reason"] in top))
    reason = {r["key"]: r["refused"] for r in d["groups"]["reason"]["rows"] if r["refused"]}
    action = {r["key"]: r["decisions"] for r in d["groups"]["action"]["rows"]
              if r["key"] in ("reject", "tempfail")}
    eq("table rows", t["table_rows"], min(d["totals"]["refused"], t["max_rows"]))
    eq("truncation said", t["truncated_note"], d["totals"]["refused"] > t["max_rows"])
    times = e["refusal_times"]
    if t["truncated_note"]:
        eq("the newest kept", t["oldest_shown"], times[t["max_rows"] - 1])
    else:
        eq("table by action", t["table_by_action"], action)
        eq("table by reason", t["table_by_reason"], reason)
        eq("filter by reason", t["filter"], reason)
        eq("filter tempfail", t["filter_tempfail"], action.get("tempfail", 0))
        eq("oldest first", t["sorted_first"], times[-1])
        eq("newest first", t["sorted_last"], times[0])
    eq("filter cleared", t["filter_none"], t["table_rows"])
    cut = t["top"] or None		# the page's --top, the JSON's 0
    senders = d["top_refused"]["sender"][:cut]
    eq("sender rows", t["sender_rows"], len(senders))
    eq("sender bars", t["sender_bars"], sum(1 for r in senders for a in ("reject", "tempfail") if r[a]))
    domains = d["top_refused"]["sender_domain"][:cut]
    eq("domain rows", t["domain_rows"], len(domains))
    eq("domain bars", t["domain_bars"], sum(1 for r in domains for a in ("reject", "tempfail") if r[a]))
    return errs


def page_requests(netlog):
    d = json.load(open(netlog))
    start = d["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for ev in d["events"]:
        p = ev.get("params", {})
        # the page's requests carry its (file://) isolation key; the
        # browser's own (updates and such) do not
        if ev["type"] == start and "file://" in p.get("network_isolation_key", "") \
                and not p.get("url", "").startswith("file:"):
            urls.append(p["url"])
    return urls


def main(argv):
    cmd = argv[1]
    if cmd == "json":
        errs = check_json(expected(argv[2], argv[3]), argv[4])
    elif cmd == "csv":
        errs = check_csv(expected(argv[2], argv[3]), argv[4])
    elif cmd == "text":
        errs = check_text(expected(argv[2], argv[3]), argv[4])
    elif cmd == "malformed":
        errs = check_malformed(argv[2], argv[3], argv[4])
    elif cmd == "page":
        errs = check_page(argv[2], argv[3], argv[4])
    elif cmd == "netlog":
        print("\n".join(page_requests(argv[2])))
        return
    else:
        sys.exit(__doc__)
    print("\n".join(errs) if errs else "ok")


if __name__ == "__main__":
    main(sys.argv)
