#!/usr/bin/python3
"""dkim-verify.py MESSAGE RECORDS_FILE - verify every DKIM-Signature of
MESSAGE with dkimpy, the keys taken from RECORDS_FILE (lines as printed by
"preflight dkim record": NAME. IN TXT ( "..." "..." )).  Prints one line
per signature, "d=D s=S ok" or "d=D s=S FAIL", and exits 1 unless all
verify and there is at least one."""
import re
import sys

import dkim

records = {}
for line in open(sys.argv[2]):
    m = re.match(r'(\S+)\s+IN\s+TXT\s+\((.*)\)', line)
    if m:
        records[m.group(1).rstrip(".").lower()] = "".join(re.findall(r'"([^"]*)"', m.group(2)))


def dnsfunc(name, timeout=5):
    n = (name.decode() if isinstance(name, bytes) else name).rstrip(".").lower()
    return records.get(n, "").encode()


msg = open(sys.argv[1], "rb").read()
d = dkim.DKIM(msg)
head = msg.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in msg else msg.split(b"\n\n", 1)[0]
sigs = re.findall(rb"(?im)^dkim-signature:(.*(?:\r?\n[ \t].*)*)", head)
ok = len(sigs) > 0
for i, s in enumerate(sigs):
    flat = re.sub(rb"\s+", b"", s)
    dom = re.search(rb"d=([^;]+)", flat).group(1).decode()
    sel = re.search(rb"s=([^;]+)", flat).group(1).decode()
    good = d.verify(idx=i, dnsfunc=dnsfunc)
    ok = ok and good
    print("d=%s s=%s %s" % (dom, sel, "ok" if good else "FAIL"))
sys.exit(0 if ok else 1)
