#!/usr/bin/python3
"""reencode-check.py ORIGINAL RELAYED [--expect N] - compare a message with
the one preflight relayed after unsafe_body_action / long_line_action =
reencode (the sink's copy, or "preflight scan --emit" output).

Checks, independently of preflight's own code (Python's email package):
  - no line of RELAYED is longer than 998 octets (CRLF not counted);
  - the MIME tree has the same shape: the same leaf and multipart types,
    the same boundaries, the same preamble and epilogue;
  - every leaf part either is unchanged (its header fields and its raw
    content byte for byte) or was re-encoded: then its header fields are
    the same but for Content-Transfer-Encoding, which is now
    quoted-printable or base64, and decoding it gives the original
    part's decoded octets (line ends compared as LF: the MTA writes
    CRLF);
  - with --expect N, exactly N parts were re-encoded.
Prints one line per re-encoded part and exits 0, or prints what differs
and exits 1.
"""
import email
import email.policy
import sys


def leaves(msg, out, path="1"):
    if msg.is_multipart():
        out.append(("multipart", path, msg))
        for i, sub in enumerate(msg.get_payload(), 1):
            leaves(sub, out, "%s.%d" % (path, i))
    else:
        out.append(("leaf", path, msg))
    return out


def raw_payload(part):
    p = part.get_payload(decode=False)
    if isinstance(p, str):
        return p.encode("utf-8", "surrogateescape")
    return p if p is not None else b""


def decoded(part):
    d = part.get_payload(decode=True)
    return (d or b"").replace(b"\r\n", b"\n")


def fields(part, skip=()):
    return [(k.lower(), str(v).strip()) for k, v in part._headers
            if k.lower() not in skip]


def main():
    args = sys.argv[1:]
    expect = None
    if "--expect" in args:
        i = args.index("--expect")
        expect = int(args[i + 1])
        del args[i:i + 2]
    orig_b = open(args[0], "rb").read()
    new_b = open(args[1], "rb").read()
    bad = []
    for n, line in enumerate(new_b.split(b"\n"), 1):
        if len(line.rstrip(b"\r")) > 998:
            bad.append("line %d has %d octets" % (n, len(line.rstrip(b"\r"))))
            break
    pol = email.policy.compat32
    orig = email.message_from_bytes(orig_b.replace(b"\r\n", b"\n"), policy=pol)
    new = email.message_from_bytes(new_b.replace(b"\r\n", b"\n"), policy=pol)
    a, b = leaves(orig, []), leaves(new, [])
    changed = 0
    if [(k, p, m.get_content_type()) for k, p, m in a] != \
            [(k, p, m.get_content_type()) for k, p, m in b]:
        bad.append("the MIME tree differs: %s / %s" % (
            [(p, m.get_content_type()) for _, p, m in a],
            [(p, m.get_content_type()) for _, p, m in b]))
    else:
        for (kind, path, x), (_, _, y) in zip(a, b):
            top = path == "1"
            if kind == "multipart":
                if x.get_boundary() != y.get_boundary():
                    bad.append("part %s: boundary changed" % path)
                if (x.preamble or "") != (y.preamble or "") or \
                        (x.epilogue or "").strip() != (y.epilogue or "").strip():
                    bad.append("part %s: preamble or epilogue changed" % path)
                if not top and fields(x) != fields(y):
                    bad.append("part %s: fields changed" % path)
                continue
            same_raw = raw_payload(x) == raw_payload(y)
            cte = (y.get("Content-Transfer-Encoding") or "").strip().lower()
            skip = ("content-transfer-encoding",)
            if top:  # the message's own header: compare the MIME fields only
                skip += tuple(k.lower() for k in x.keys() + y.keys()
                              if not k.lower().startswith("content-"))
                skip += ("mime-version", "content-type")
            if same_raw and x.get("Content-Transfer-Encoding") == \
                    y.get("Content-Transfer-Encoding"):
                if not top and fields(x) != fields(y):
                    bad.append("part %s: fields changed" % path)
                continue
            changed += 1
            if cte not in ("quoted-printable", "base64"):
                bad.append("part %s changed but is %r" % (path, cte))
            if fields(x, skip) != fields(y, skip):
                bad.append("part %s: fields other than CTE changed: %s / %s"
                           % (path, fields(x, skip), fields(y, skip)))
            if decoded(x) != decoded(y):
                bad.append("part %s: decoded content differs (%d / %d octets)"
                           % (path, len(decoded(x)), len(decoded(y))))
            print("re-encoded part %s (%s) as %s, %d octets decoded equal"
                  % (path, y.get_content_type(), cte, len(decoded(y))))
    if expect is not None and changed != expect:
        bad.append("%d parts re-encoded, expected %d" % (changed, expect))
    for b_ in bad:
        print("DIFF:", b_)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
