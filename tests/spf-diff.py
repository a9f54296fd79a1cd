#!/usr/bin/python3
"""spf-diff.py - random SPF record trees for the differential test against
pyspf (Debian's python3-spf), an independent RFC 7208 evaluator.

  spf-diff.py gen SEED N ZONEDIR   write ZONEDIR/root.zone (every tree under
                                   t<i>.diff.test, reverse zones included) and
                                   print "tree<TAB>ip<TAB>sender<TAB>helo" cases
  spf-diff.py pyspf PORT CASES     evaluate each case with pyspf against the
                                   DNS server on 127.0.0.1:PORT; print results
  spf-diff.py compare CASES OURS THEIRS DEVIATIONS
                                   TAP lines per tree; disagreements listed

Trees mix include, redirect, a, mx, ptr, exists, ip4/ip6 with prefixes,
macros (%{i} %{ir} %{d} %{d2} %{l} %{o} %{h} %{v} and delimiters), syntax
errors, loops, long chains, void lookups, names that do not exist and
several records at one name.
"""
import os
import random
import sys

CLIENTS = ["192.0.2.1", "192.0.2.2", "192.0.2.77", "2001:db8::1",
           "2001:db8::2:1", "::ffff:192.0.2.2"]
SENDERS = ["alice", "bob.smith", "x-y", ""]
HELOS = ["mail.diff.test", "helo.t.diff.test", "relay.example"]


class Tree:
    def __init__(self, rnd, i):
        self.rnd, self.root = rnd, "t%d.diff.test" % i
        self.records = []          # (name, type, value-text)
        self.names = 0

    def name(self, hint="n"):
        self.names += 1
        return "%s%d.%s" % (hint, self.names, self.root)

    def add(self, name, rtype, value):
        self.records.append((name, rtype, value))

    def txt(self, name, text):
        parts = [text[i:i + 200] for i in range(0, len(text), 200)] or [""]
        self.add(name, "TXT", " ".join('"%s"' % p.replace('"', '\\"')
                                       for p in parts))

    def host(self):
        """A name with some A/AAAA records (or none: a void lookup)."""
        r, n = self.rnd, self.name("h")
        k = r.random()
        if k < 0.15:
            return n                                    # NXDOMAIN
        if k < 0.25:
            self.add(n, "TXT", '"not an address"')      # no A: void
            return n
        for ip in r.sample(CLIENTS[:5] + ["198.51.100.9", "2001:db8::99"],
                           r.randint(1, 3)):
            if ip.startswith("::"):
                continue
            self.add(n, "AAAA" if ":" in ip else "A", ip)
        return n

    def macro_name(self):
        r = self.rnd
        pick = r.choice(["%{i}", "%{ir}", "%{l}", "%{l-}", "%{lr-}", "%{o}",
                         "%{d2}", "%{h}", "%{v}", "%{ir}.%{v}"])
        base = "m%d.%s" % (r.randint(1, 3), self.root)
        return pick + "." + base

    def exists_targets(self, spec):
        """Serve A records for some expansions of an exists: spec."""
        # the runner cannot know every expansion; serve the common ones
        r = self.rnd
        for ip in CLIENTS:
            v6 = ":" in ip and not ip.startswith("::ffff:")
            addr = ip[7:] if ip.startswith("::ffff:") else ip
            if v6:
                import ipaddress
                nib = ipaddress.IPv6Address(addr).exploded.replace(":", "")
                i_dot, ir = ".".join(nib), ".".join(reversed(nib))
            else:
                i_dot, ir = addr, ".".join(reversed(addr.split(".")))
            v = "ip6" if v6 else "in-addr"
            for local in SENDERS:
                l = local or "postmaster"
                values = {"%{i}": i_dot, "%{ir}": ir, "%{l}": l,
                          "%{l-}": ".".join(l.split("-")),
                          "%{lr-}": ".".join(reversed(l.split("-"))),
                          "%{v}": v, "%{ir}.%{v}": ir + "." + v}
                name = spec
                for k in sorted(values, key=len, reverse=True):
                    name = name.replace(k, values[k])
                if "%" not in name and r.random() < 0.5:
                    self.add(name, "A", "127.0.0.2")

    def record(self, name, depth):
        r = self.rnd
        terms = []
        for _ in range(r.randint(0, 5)):
            q = r.choice(["", "", "+", "-", "~", "?"])
            k = r.random()
            if k < 0.18 and depth < 13:
                child = self.name("i")
                terms.append(q + "include:" + child)
                self.child(child, depth + 1)
            elif k < 0.22:
                terms.append(q + "include:" + r.choice([name, self.root]))
            elif k < 0.34:
                ip = r.choice(CLIENTS[:5] + ["198.51.100.9"])
                if ":" in ip:
                    terms.append(q + "ip6:" + ip + r.choice(["", "/64", "/128", "/0", "/112"]))
                else:
                    terms.append(q + "ip4:" + ip + r.choice(["", "/24", "/32", "/0", "/31"]))
            elif k < 0.46:
                cidr = r.choice(["", "", "/24", "//64", "/30//120", "/0"])
                terms.append(q + r.choice(["a", "a:" + self.host()]) + cidr)
            elif k < 0.56:
                mx = self.name("mx")
                for pref in range(r.choice([0, 1, 2, 3, 11])):
                    self.add(mx, "MX", "%d %s." % (pref, self.host()))
                terms.append(q + r.choice(["mx:" + mx, "mx:" + mx + "/24"]))
            elif k < 0.62:
                terms.append(q + r.choice(["ptr", "ptr:diff.test", "ptr:" + self.root,
                                            "ptr:example"]))
            elif k < 0.72:
                spec = self.macro_name()
                terms.append(q + "exists:" + spec)
                self.exists_targets(spec)
            elif k < 0.78:
                terms.append(q + "exists:" + self.host())
            elif k < 0.84:
                terms.append(r.choice(["exp=" + self.name("e"), "foo=bar",
                                       "x.y-z=%{d}", "moo=%{i}.x"]))
            elif k < 0.88:
                terms.append(r.choice(["ip4:192.0.2.300", "a:foo", "mx:",
                                       "ip4:192.0.2.1/33", "bogus",
                                       "include", "a:%{q}.x.test",
                                       "exists:%{d0}.x.test", "-all:x",
                                       "redirect=a.test redirect=b.test",
                                       "ip6:2001:db8::/129", "+exp=x.test",
                                       "a/024", "ptr/24"]))
            else:
                terms.append(q + "all")
        if r.random() < 0.3 and depth < 13:
            target = self.name("r")
            terms.append("redirect=" + target)
            self.child(target, depth + 1)
        return "v=spf1" + "".join(" " + t for t in terms)

    def child(self, name, depth):
        r = self.rnd
        k = r.random()
        if k < 0.06:
            return                                       # no such domain
        if k < 0.10:
            self.txt(name, "some other text")            # no SPF record
            return
        self.txt(name, self.record(name, depth))
        if k > 0.97:
            self.txt(name, "v=spf1 -all")                # two records


def gen(seed, n, zdir):
    rnd = random.Random(seed)
    zone = []
    cases = []
    for i in range(n):
        t = Tree(rnd, i)
        # deep include chains now and then: the limit over nested includes
        if rnd.random() < 0.1:
            prev = t.root
            for d in range(rnd.randint(9, 13)):
                nxt = t.name("c")
                t.txt(prev, "v=spf1 include:%s -all" % nxt)
                prev = nxt
            t.txt(prev, "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all")
        else:
            t.txt(t.root, t.record(t.root, 0))
        t.add("mail.diff.test", "A", "192.0.2.1")
        for name, rtype, value in t.records:
            zone.append("%s. 300 IN %s %s" % (name, rtype, value))
        for _ in range(4):
            cases.append((i, rnd.choice(CLIENTS),
                          "%s@%s" % (rnd.choice(SENDERS), t.root)
                          if rnd.random() < 0.9 else t.root,
                          rnd.choice(HELOS)))
    # PTR records: 192.0.2.1 -> mail.diff.test (validated), 192.0.2.2 ->
    # two names, one validated; 2001:db8::1 -> helo.t.diff.test (not)
    zone += ["1.2.0.192.in-addr.arpa. 300 IN PTR mail.diff.test.",
             "2.2.0.192.in-addr.arpa. 300 IN PTR x.t1.diff.test.",
             "2.2.0.192.in-addr.arpa. 300 IN PTR p2.diff.test.",
             "p2.diff.test. 300 IN A 192.0.2.2",
             "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. 300 IN PTR helo.t.diff.test."]
    zone = list(dict.fromkeys(zone))
    with open(os.path.join(zdir, "root.zone"), "w") as f:
        f.write("$TTL 300\n. IN SOA ns.root-servers.test. h.test. 1 3600 600 "
                "86400 300\n. IN NS ns.root-servers.test.\n"
                "ns.root-servers.test. IN A 127.0.0.1\n")
        f.write("\n".join(zone) + "\n")
    for c in cases:
        print("%d\t%s\t%s\t%s" % c)


def pyspf(port, cases):
    import dns.resolver
    import spf
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = int(port)
    res.lifetime = 3
    dns.resolver.default_resolver = res
    for line in open(cases).read().splitlines():
        _, ip, sender, helo = line.split("\t")
        if "@" not in sender:
            sender = "postmaster@" + sender
        try:
            r = spf.query(i=ip, s=sender, h=helo, strict=True).check()
            print("%s\t%s" % (r[0], r[2].replace("\t", " ")[:200]))
        except Exception as e:  # a crash of the oracle is reported, not hidden
            print("oracle-error\t%r" % e)


def compare(cases, ours, theirs, devfile):
    cases = open(cases).read().splitlines()
    ours = open(ours).read().splitlines()
    theirs = open(theirs).read().splitlines()
    listed = {}     # "OURS/THEIRS text in either side's message" -> why
    if os.path.exists(devfile):
        for l in open(devfile):
            if l.strip() and not l.startswith("#"):
                key, why = l.rstrip("\n").split("\t", 1)
                listed[key] = why

    def deviation(a, b):
        for key, why in listed.items():
            results, _, text = key.partition(" ")
            mine = a[3] if len(a) > 3 else ""
            theirs = b[1] if len(b) > 1 else ""
            if results == a[0] + "/" + b[0] and text and (text in mine or text in theirs):
                return key, why
        return None
    trees = {}
    for k, c in enumerate(cases):
        tree = c.split("\t")[0]
        a = ours[k].split("\t") if k < len(ours) else ["(none)"]
        b = theirs[k].split("\t") if k < len(theirs) else ["(none)"]
        trees.setdefault(tree, []).append((c, a, b))
    n = 0
    agree = total = listed_n = 0
    print("1..%d" % len(trees))
    for tree in sorted(trees, key=int):
        n += 1
        bad = []
        for c, a, b in trees[tree]:
            total += 1
            if a[0] == b[0]:
                agree += 1
                continue
            dev = deviation(a, b)
            if dev:
                listed_n += 1
                print("# listed (%s): %s" % (dev[0], c.replace("\t", " ")))
                continue
            bad.append("# %s: preflight %s (%s), pyspf %s (%s)" % (
                c.replace("\t", " "), a[0], a[3] if len(a) > 3 else "",
                b[0], b[1] if len(b) > 1 else ""))
        print("%s %d - tree %s" % ("not ok" if bad else "ok", n, tree))
        for l in bad:
            print(l)
    print("# pyspf differential: %d of %d cases agree (%d listed deviations)"
          % (agree, total, listed_n))


def main():
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif cmd == "pyspf":
        pyspf(sys.argv[2], sys.argv[3])
    elif cmd == "compare":
        compare(*sys.argv[2:6])


main()
