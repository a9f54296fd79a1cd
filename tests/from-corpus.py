#!/usr/bin/python3
"""from-corpus.py DIR - write the From attack and clean corpora of issue 13.

Each message goes to DIR/NAME.eml; DIR/index.tsv has one line per message:
NAME, the code preflight must give (from.* reason, or "clean"), scan flags
("-" for none), and what Python's email package reads as the From address
(the second opinion the attack relies on; "-" when it reads none).
The SASL user is alice, allowed only alice@co.example.
"""
import email
import email.policy
import os
import sys

OWN = "alice@co.example"
FOREIGN = "ceo@partner.example"
TAIL = (b"To: bob@example.net\r\nSubject: quarterly numbers\r\n"
        b"Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n"
        b"Message-ID: <q4@co.example>\r\n")
BODY = b"\r\nPlease find the numbers below.\r\n"

# (name, expected code, flags, header block before TAIL)
ATTACKS = [
    ("semicolon-1", "from.ambiguous", b"From: alice@co.example; ceo@partner.example\r\n"),
    ("semicolon-2", "from.ambiguous", b"From: <alice@co.example>;<ceo@partner.example>\r\n"),
    ("semicolon-3", "from.ambiguous", b"From: CEO <ceo@partner.example>; Alice <alice@co.example>\r\n"),
    ("comment-before", "from.ambiguous", b"From: (ceo@partner.example) <alice@co.example>\r\n"),
    ("comment-after", "from.ambiguous", b"From: <alice@co.example> (ceo@partner.example)\r\n"),
    ("comment-inside", "from.ambiguous", b"From: <alice(ceo@partner.example)@co.example>\r\n"),
    ("comment-domain", "from.ambiguous", b"From: alice@co.example (partner.example)\r\n"),
    ("comment-bare", "from.ambiguous", b"From: (CEO <ceo@partner.example>) alice@co.example\r\n"),
    ("fullwidth-at", "from.display-spoof", "From: ceo\uff20partner.example <alice@co.example>\r\n".encode()),
    ("fullwidth-quoted", "from.display-spoof", "From: \"ceo\uff20partner.example\" <alice@co.example>\r\n".encode()),
    ("cyrillic-a", "from.display-spoof", "From: \"ceo@p\u0430rtner.example\" <alice@co.example>\r\n".encode()),
    ("cyrillic-encoded", "from.display-spoof", b"From: =?utf-8?b?Y2Vv0LBwYXJ0bmVyLmV4YW1wbGU=?= <alice@co.example>\r\n"),
    ("nbsp", "from.display-spoof", "From: \"ceo\u00a0@\u00a0partner.example\" <alice@co.example>\r\n".encode()),
    ("trailing-dot-name", "from.display-spoof", b"From: \"ceo@partner.example.\" <alice@co.example>\r\n"),
    ("glued-punct", "from.display-spoof", b"From: \"[ceo@partner.example]:\" <alice@co.example>\r\n"),
    ("ideographic-dot", "from.display-spoof", "From: \"ceo@partner\u3002example\" <alice@co.example>\r\n".encode()),
    ("zero-width", "from.display-spoof", "From: \"ceo@partner\u200b.example\" <alice@co.example>\r\n".encode()),
    ("lookalike-domain", "from.display-spoof", "From: Alice <alice@p\u0430rtner.example>\r\n".encode(), "--smtputf8"),
    ("trailing-dot-addr", "from.ambiguous", b"From: alice@co.example.\r\n"),
    ("obs-from-space", "from.ambiguous", b"From: alice@co.example\r\nFrom : ceo@partner.example\r\n"),
    ("obs-from-tab", "from.ambiguous", b"From: alice@co.example\r\nFrom\t: ceo@partner.example\r\n"),
    ("obs-from-only", "from.ambiguous", b"From : ceo@partner.example\r\nSender: alice@co.example\r\n"),
    ("bare-cr-subject", "from.ambiguous", b"From: alice@co.example\r\nX-Note: hi\rFrom: ceo@partner.example\r\n"),
    ("bare-cr-to", "from.ambiguous", b"From: alice@co.example\r\nCc: a@co.example\rFrom : ceo@partner.example\r\n"),
    ("bare-cr-from", "from.ambiguous", b"From: alice@co.example\rceo@partner.example\r\n"),
    ("nul-1", "from.ambiguous", b"From: alice@co.example\0ceo@partner.example\r\n"),
    ("nul-2", "from.ambiguous", b"From: Alice <alice@co.example>\0, <ceo@partner.example>\r\n"),
    ("group", "from.ambiguous", b"From: partners: ceo@partner.example, alice@co.example;\r\n"),
    ("quoted-local", "from.ambiguous", b"From: <\"ceo@partner.example\"@co.example>\r\n"),
    ("quoted-local-angle", "from.ambiguous", b"From: \"ceo<ceo@partner.example>\"@co.example\r\n"),
    ("encoded-addr", "from.ambiguous", b"From: =?utf-8?q?ceo=40partner.example?= <alice@co.example>\r\n"),
    ("encoded-angle", "from.ambiguous", b"From: =?utf-8?b?PGNlb0BwYXJ0bmVyLmV4YW1wbGU+?= <alice@co.example>\r\n"),
    ("8bit-addr", "from.ambiguous", "From: alice@co.ex\u00e4mple\r\n".encode()),
    ("route", "from.ambiguous", b"From: <@partner.example:alice@co.example>\r\n"),
    ("two-angles", "from.ambiguous", b"From: Alice <alice@co.example> <ceo@partner.example>\r\n"),
    ("unquoted-comma", "from.ambiguous", b"From: Partner, CEO <alice@co.example>\r\n"),
    ("two-mailboxes", "from.multiple-mailboxes", b"From: alice@co.example, ceo@partner.example\r\n"),
    ("two-from", "from.multiple", b"From: alice@co.example\r\nFrom: ceo@partner.example\r\n"),
    ("sender-foreign", "from.identity", b"From: alice@co.example\r\nSender: ceo@partner.example\r\n"),
    ("sender-only", "from.identity", b"Sender: CEO <ceo@partner.example>\r\n"),
    ("sender-display", "from.display-spoof", b"From: alice@co.example\r\nSender: \"ceo@partner.example\" <alice@co.example>\r\n"),
    ("replyto-display", "from.display-spoof", b"From: alice@co.example\r\nReply-To: \"ceo@partner.example\" <x@co.example>\r\n"),
    ("foreign-plain", "from.identity", b"From: CEO <ceo@partner.example>\r\n"),
]

CLEAN = [
    ("last-first", b"From: \"Smith, Alice\" <alice@co.example>\r\n"),
    ("rfc2047-utf8", b"From: =?UTF-8?Q?Alice_M=C3=BCller?= <alice@co.example>\r\n"),
    ("rfc2047-latin1", b"From: =?ISO-8859-1?Q?Alice_Andr=E9?= <alice@co.example>\r\n"),
    ("rfc2047-koi8", b"From: =?KOI8-R?B?98zBxMnNydI=?= <alice@co.example>\r\n"),
    ("rfc2047-jis", b"From: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= <alice@co.example>\r\n"),
    ("rfc2047-comma", b"From: =?utf-8?q?M=C3=BCller=2C_Alice?= <alice@co.example>\r\n"),
    ("apostrophe", b"From: Alice O'Brien <alice@co.example>\r\n"),
    ("folded", b"From: \"Alice Smith, Head of Quarterly Reporting and Investor\r\n Relations\" <alice@co.example>\r\n"),
    ("folded-angle", b"From: Alice Smith\r\n\t<alice@co.example>\r\n"),
    ("plus", b"From: Alice <alice+q4@co.example>\r\n"),
    ("subdomain", b"From: Alice <alice@mail.eu.co.example>\r\n"),
    ("bare", b"From: alice@co.example\r\n"),
    ("angle-only", b"From: <alice@co.example>\r\n"),
    ("comment-name", b"From: alice@co.example (Alice Smith)\r\n"),
    ("own-domain-name", b"From: \"co.example Reports\" <alice@co.example>\r\n"),
    ("initial", b"From: Alice Q. Smith <alice@co.example>\r\n"),
    ("smtputf8", "From: Al\u00efce <al\u00efce@b\u00fccher.example>\r\n".encode(), "--smtputf8"),
    ("sender-own", b"From: Alice <alice@co.example>\r\nSender: alice@co.example\r\n"),
    ("auth-results-other", b"From: alice@co.example\r\nAuthentication-Results: other.example; spf=pass\r\n"),
]


def python_reads(raw):
    try:
        m = email.message_from_bytes(raw, policy=email.policy.default)
        addrs = []
        for h in ("From", "Sender"):
            for v in m.get_all(h) or []:
                addrs += [a.addr_spec for a in v.addresses]
        s = ",".join(a for a in addrs if a) or "-"
        return s.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
    except Exception as e:  # a parser error is an opinion too
        return "error:" + type(e).__name__


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "index.tsv"), "w") as idx:
        for entry in ATTACKS + [(n, "clean", h, *rest) for n, h, *rest in CLEAN]:
            name, code, head = entry[:3]
            flags = entry[3] if len(entry) > 3 else "-"
            raw = head + TAIL + BODY
            with open(os.path.join(out, name + ".eml"), "wb") as f:
                f.write(raw)
            idx.write("%s\t%s\t%s\t%s\n" % (name, code, flags,
                                            python_reads(raw)))


main()
