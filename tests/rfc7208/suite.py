#!/usr/bin/python3
"""suite.py - the OpenSPF RFC 7208 test suite against preflight's SPF layer.

  suite.py count YAML                  number of scenarios
  suite.py gen YAML N ZONEDIR          write ZONEDIR/<tld>.zone for scenario N,
                                       print "name<TAB>ip<TAB>mailfrom<TAB>helo"
  suite.py check YAML N INPUTS OUTPUTS print TAP-ish lines "pass|fail name ..."

Records given as SPF are served as TXT (preflight never asks for the SPF RR
type).  TIMEOUT names are made CNAMEs into a zone knot does not serve, which
it refuses and the resolver reports as a temporary failure.  Names DNS cannot carry
(labels over 63 bytes) are left out: they cannot be looked up anyway.
"""
import os
import sys
import yaml


def load(path):
    return [d for d in yaml.safe_load_all(open(path, encoding="utf-8")) if d]


def txt_strings(value):
    if value is None:
        value = ""
    if isinstance(value, list):
        parts = [v.encode("utf-8") for v in value]
    else:
        data = value.encode("utf-8")
        parts = [data[i:i + 255] for i in range(0, len(data), 255)] or [b""]
    out = []
    for p in parts:
        s = '"'
        for b in p:
            if 0x20 <= b < 0x7f and b not in (0x22, 0x5c):
                s += chr(b)
            else:
                s += "\\%03d" % b
        out.append(s + '"')
    return " ".join(out) or '""'


def name_ok(name):
    if not name or len(name) > 253:
        return False
    for label in name.rstrip(".").split("."):
        if not label or len(label) > 63:
            return False
        if not all(0x20 <= ord(c) < 0x7f for c in label):
            return False
    return True


def zname(name):
    """A name for the zone file: bytes other than letters, digits, '-',
    '_' and '*' written as \\DDD (RFC 1035 5.1), so that names such as
    foo:bar/baz.example.com can be served."""
    return "".join(c if c.isalnum() or c in "-_*." else "\\%03d" % ord(c)
                   for c in name)


def gen(scenario, zdir):
    # one root zone: every name the data does not hold is NXDOMAIN, as on
    # the Internet; TIMEOUT names are CNAMEs to timeout.invalid, which the
    # runner forwards to a closed port
    zones = {"": []}
    for name, records in (scenario.get("zonedata") or {}).items():
        name = name.lower().rstrip(".")
        if not name_ok(name):
            continue
        tld = ""
        z = zones[tld]
        rrs = []
        has_txt = any(isinstance(r, dict) and "TXT" in r for r in records)
        # TIMEOUT beside a real TXT record times out the SPF RR type only,
        # which preflight never asks for (spftimeout)
        real_txt = any(isinstance(r, dict) and r.get("TXT") not in (None, "NONE")
                       for r in records)
        has_cname = any(isinstance(r, dict) and "CNAME" in r or
                        r == "TIMEOUT" and not real_txt for r in records)
        for r in records:
            if r == "TIMEOUT" and real_txt:
                continue
            if r == "TIMEOUT":
                # the runner forwards timeout.invalid to a dead port
                rrs = [("CNAME", "timeout.invalid.")]
                break
            if not isinstance(r, dict):
                continue
            for t, v in r.items():
                if has_cname and t != "CNAME":
                    continue
                if t == "SPF":
                    # the suite's harness also serves an SPF record as TXT
                    # when the name has no TXT record
                    rrs.append(("SPF", txt_strings(v)))
                    if not has_txt:
                        rrs.append(("TXT", txt_strings(v)))
                elif t == "TXT":
                    rrs.append(("TXT", txt_strings(v)))
                elif t in ("A", "AAAA"):
                    for a in (v if isinstance(v, list) else [v]):
                        rrs.append((t, a))
                elif t == "MX":
                    rrs.append(("MX", "%d %s." % (v[0], zname(v[1].rstrip(".")))))
                elif t in ("PTR", "CNAME"):
                    rrs.append((t, zname(v.rstrip(".")) + "."))
        rrs = list(dict.fromkeys(rrs))
        for t, v in rrs:
            z.append("%s. 300 IN %s %s" % (zname(name), t, v))
    with open(os.path.join(zdir, "root.zone"), "w") as f:
        f.write("$TTL 300\n. IN SOA ns.root-servers.test. h.test. 1 3600 600 "
                "86400 300\n. IN NS ns.root-servers.test.\n"
                "ns.root-servers.test. IN A 127.0.0.1\n")
        f.write("\n".join(zones[""]) + "\n")
    for name, t in (scenario.get("tests") or {}).items():
        clean = [x.replace("\t", " ").replace("\r", " ").replace("\n", " ")
                 for x in (t["host"], t.get("mailfrom", ""), t.get("helo", ""))]
        print("\t".join([name] + clean))


def check(scenario, inputs, outputs):
    tests = scenario.get("tests") or {}
    names = [l.split("\t")[0] for l in open(inputs).read().splitlines()]
    results = open(outputs).read().splitlines()
    for i, name in enumerate(names):
        want = tests[name]["result"]
        want = want if isinstance(want, list) else [want]
        got = results[i].split("\t") if i < len(results) else ["(none)"]
        verdict = "pass" if got[0] in want else "fail"
        print("%s\t%s\twant=%s\tgot=%s\t%s" % (
            verdict, name, "|".join(want), got[0],
            got[3] if len(got) > 3 else ""))


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    docs = load(path)
    if cmd == "count":
        print(len(docs))
    elif cmd == "gen":
        gen(docs[int(sys.argv[3])], sys.argv[4])
    elif cmd == "check":
        check(docs[int(sys.argv[3])], sys.argv[4], sys.argv[5])
    elif cmd == "describe":
        print(docs[int(sys.argv[3])].get("description", ""))


main()
