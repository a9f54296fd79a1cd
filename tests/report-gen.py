#!/usr/bin/python3
"""report-gen.py - audit logs for "preflight report", with known counts.

  report-gen.py testdata DIR
      DIR/mx1.log      relay mx1, schema 1, with malformed lines
      DIR/mx2.log.gz   relay mx2, gzip, one malformed line
      DIR/old.log      schema 0 records (no "schema", no "relay")
      DIR/expected.json  the aggregates computed here, independently of
                       the C code, for the cases the test runs (see CASES)
  report-gen.py bench N FILE
      N records (about 600 bytes each, the mix of a busy relay) to FILE

Records have the keys of policy/core/verdict.c pf_verdict_json().  The
rules the expectations follow are preflight(1)'s: a decision counts once
in each single-valued group (action, sender, sender domain, SASL user,
relay, day; "(none)" when absent) and once per distinct value in the
others (reason, check, recipient domain); recipient domains are those of
"recipient" when set, else of "rcpts".
"""
import gzip
import json
import random
import sys
from datetime import datetime, timedelta, timezone

ACTIONS = ["accept", "annotate", "quarantine", "tempfail", "reject"]
REFUSED = ("reject", "tempfail")
REASONS = {
    "reject": ["dmarc.fail", "spf.fail", "size.too-big", "from.display-spoof",
               "attach.dangerous-extension", "rate.exceeded", "domain.rcpt-typo"],
    "tempfail": ["dmarc.temperror", "rate.exceeded", "domain.dns-error"],
    "quarantine": ["dmarc.quarantine", "content.gmail-unauthenticated"],
    "annotate": ["bulk.no-list-unsubscribe"],
    "accept": ["dkim.signed"],
}
SMTP = {"reject": ("550", "5.7.1"), "tempfail": ("451", "4.7.1")}
SENDER_DOMAINS = ["example.com", "example.org", "corp.example", "shop.example",
                  "Mixed.Example"]
USERS = [None, "alice", "bob", "carol"]
RCPT_DOMAINS = ["gmail.example", "yahoo.example", "partner.example",
                "example.net"]


def record(rng, t, relay, schema, action):
    sd = rng.choice(SENDER_DOMAINS)
    sender = "" if rng.random() < 0.03 else "%s@%s" % (
        rng.choice(["news", "billing", "ceo", "no-reply"]), sd)
    rcpts = ["u%d@%s" % (rng.randrange(50), rng.choice(RCPT_DOMAINS))
             for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    results = []
    for code in rng.sample(REASONS[action], min(len(REASONS[action]),
                                                rng.choice([1, 1, 2]))):
        results.append({"code": code, "check": code.split(".")[0],
                        "mode": "enforce", "action": action, "score": 0,
                        "smtp": SMTP.get(action, (None,))[0],
                        "dsn": SMTP.get(action, (None, None))[1],
                        "text": "%s for %s" % (code, sender or "<>"),
                        "fix": "Fix the thing named %s" % code,
                        "facts": {"k": "v"}})
    if action == "accept" and rng.random() < 0.5:
        results = []
    stage = "eom"
    recipient = None
    if action in REFUSED and rng.random() < 0.2:
        stage, recipient = "rcpt", "x%d@%s" % (rng.randrange(9),
                                               rng.choice(RCPT_DOMAINS))
    code, dsn = SMTP.get(action, (None, None))
    reply = []
    if code:
        reply = [r["text"] for r in results] + ["preflight: " + results[0]["code"]]
    r = {}
    if schema >= 1:
        r["schema"] = schema
    r["time"] = t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if schema >= 1:
        r["relay"] = relay
    r.update({"queue_id": "%X" % rng.randrange(1 << 40), "action": action,
              "would": action, "monitor": False, "stage": stage, "code": code,
              "dsn": dsn, "reply": reply, "score": 0, "from": sender,
              "recipient": recipient, "rcpts": rcpts, "rcpts_refused": 0,
              "message_id": "<%d@%s>" % (rng.randrange(1 << 30), sd),
              "size": rng.randrange(500, 90000), "elapsed_ms": 3.5,
              "client": "192.0.2.%d" % rng.randrange(1, 250), "helo": "client.test",
              "auth_user": rng.choice(USERS), "results": results})
    return r


def dom(addr):
    return addr.rsplit("@", 1)[1].lower() if "@" in addr else "(none)"


DIMS = ["action", "reason", "check", "sender", "sender_domain", "auth_user",
        "recipient_domain", "relay", "day"]


def keys(r):
    """the group keys of one record, by dimension"""
    sender = r.get("from")
    k = {"action": [r["action"]],
         "sender": ["<>" if sender == "" else sender or "(none)"],
         "sender_domain": [dom(sender or "")],
         "auth_user": [r.get("auth_user") or "(none)"],
         "relay": [r.get("relay") or "(none)"],
         "day": [r["time"][:10]]}
    k["reason"] = sorted({x["code"] for x in r["results"]}) or ["(none)"]
    k["check"] = sorted({x["check"] for x in r["results"]}) or ["(none)"]
    rc = [r["recipient"]] if r.get("recipient") else r.get("rcpts", [])
    k["recipient_domain"] = sorted({dom(a) for a in rc}) or ["(none)"]
    return k


def aggregate(records):
    groups = {d: {} for d in DIMS}
    for r in records:
        for d, ks in keys(r).items():
            for key in ks:
                g = groups[d].setdefault(key, {a: 0 for a in ACTIONS})
                g[r["action"]] += 1
    out = {}
    for d in DIMS:
        out[d] = {k: dict(v, total=sum(v.values()),
                          refused=sum(v[a] for a in REFUSED))
                  for k, v in groups[d].items()}
    return {"decisions": len(records),
            "refused": sum(1 for r in records if r["action"] in REFUSED),
            "groups": out}


# name: (report arguments, predicate on a record)
CASES = {
    "all": ([], lambda r: True),
    "reject": (["--action", "reject"], lambda r: r["action"] == "reject"),
    "dmarc": (["--reason", "dmarc.*"],
              lambda r: any(x["code"].startswith("dmarc.") for x in r["results"])),
    "domain": (["--sender-domain", "MIXED.example"],
               lambda r: dom(r["from"]) == "mixed.example"),
    "range": (["--since", "2026-11-03", "--until", "2026-11-05"],
              lambda r: "2026-11-03" <= r["time"][:10] <= "2026-11-05"),
    "refused-window": (["--action", "reject,tempfail", "--since", "2026-11-02T12:00:00Z",
                    "--until", "2026-11-06T06:00"],
                   lambda r: r["action"] in REFUSED and
                   "2026-11-02T12:00:00Z" <= r["time"] < "2026-11-06T06:00:00Z"),
}


def testdata(d):
    rng = random.Random(15)
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    weights = [70, 8, 5, 5, 12]

    def gen(n, relay, schema):
        out = []
        for _ in range(n):
            t = start + timedelta(seconds=rng.randrange(7 * 86400))
            out.append(record(rng, t, relay, schema,
                              rng.choices(ACTIONS, weights)[0]))
        return out

    mx1 = gen(600, "mx1", 1)
    mx2 = gen(400, "mx2", 1)
    old = gen(25, None, 0)
    allrec = mx1 + mx2 + old
    # a control character and markup in an address: printed safely
    mx1[7]["from"] = "evil\x1b[31m<script>@shop.example"
    mx1[7]["action"] = "reject"
    mx1[7]["results"] = mx1[7]["results"] or [
        {"code": "spf.fail", "check": "spf", "mode": "enforce", "action": "reject",
         "score": 0, "smtp": "550", "dsn": "5.7.1", "text": "x", "fix": None, "facts": {}}]
    # RFC 4180 quoting and a spreadsheet formula in the CSV
    mx1[8]["from"] = 'o"dd,name@example.org'
    mx1[9]["from"] = "=HYPERLINK(1)@example.org"
    malformed = [
        "this is not json",
        '{"schema":1,"time":"2026-11-02T10:00:00Z","action":"reject"',
        "[1,2,3]",
        '{"schema":1,"action":"accept","relay":"mx1"}',
        '{"schema":1,"time":"yesterday","action":"accept"}',
        '{"schema":1,"time":"2026-11-02T10:00:00Z","action":"reject","results":"x"}',
        '{"schema":2,"time":"2026-11-02T10:00:00Z","action":"accept"}',
    ]
    # (line, malformed?): malformed lines at known places, a blank line
    # (ignored), invalid UTF-8
    lines = [(json.dumps(r, separators=(",", ":")).encode(), False) for r in mx1]
    at = [3, 50, 51, 200, 333, 480, 599]
    for i, m in zip(reversed(at), reversed(malformed)):
        lines.insert(i, (m.encode(), True))
    lines.insert(10, (b"", False))
    lines.insert(100, (b'{"time":"2026-11-02T10:00:00Z","action":"\xff\xfe"}', True))
    with open(d + "/mx1.log", "wb") as f:
        f.write(b"".join(line + b"\n" for line, _ in lines))
    bad = ["mx1.log:%d" % n for n, (_, b) in enumerate(lines, 1) if b]
    lines = [json.dumps(r, separators=(",", ":")) for r in mx2]
    lines.insert(120, '{"schema":1,"time":"2026-11-04T00:00:00Z"}')
    with gzip.open(d + "/mx2.log.gz", "wb") as f:
        f.write(("\n".join(lines) + "\n").encode())
    bad.append("mx2.log.gz:121")
    with open(d + "/old.log", "w") as f:
        for r in old:
            f.write(json.dumps(r, separators=(",", ":")) + "\n")
    exp = {"malformed": sorted(bad), "cases": {},
           "refusal_times": sorted((r["time"] for r in allrec
                                    if r["action"] in REFUSED), reverse=True)}
    for name, (args, pred) in CASES.items():
        e = aggregate([r for r in allrec if pred(r)])
        e["args"] = args
        exp["cases"][name] = e
    with open(d + "/expected.json", "w") as f:
        json.dump(exp, f, indent=1, sort_keys=True)


def bench(n, path):
    rng = random.Random(1)
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    tmpl = [record(rng, start, "mx%d" % (i % 2 + 1), 1, a)
            for i, a in enumerate(rng.choices(ACTIONS, [70, 8, 5, 5, 12], k=2000))]
    with open(path, "w") as f:
        for i in range(n):
            r = tmpl[i % len(tmpl)]
            # a new time each line (30 days), the rest from the templates
            r["time"] = (start + timedelta(seconds=i * 2592000 // n)).strftime(
                "%Y-%m-%dT%H:%M:%SZ")
            r["queue_id"] = "%X" % (0x10000000 + i)
            f.write(json.dumps(r, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "testdata":
        testdata(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "bench":
        bench(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(__doc__)
