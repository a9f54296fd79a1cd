#!/usr/bin/python3
"""reencode-corpus.py DIR - write the unsafe-body corpus for reencode.sh and
tests/integration/reencode.sh: NAME.eml (LF line ends, as a mail program
hands a file to sendmail) and NAME.expect (how many parts preflight must
re-encode; "refuse" for a body it must not change).

  html200k   multipart/alternative, text/html as one 200 KB line (7bit)
  raw8bit    text/plain declared 7bit holding raw UTF-8
  barecr     text/plain with bare CRs (for preflight scan only: Postfix turns
             a bare CR into a space, and a bare LF into a line end, before a
             milter sees them; test_reencode feeds both directly)
  binary     text/plain declared 7bit holding binary octets
  nested     mixed > alternative > (text ok, html long line) + a good
             base64 attachment: one bad part deep in the tree
  nonmime    no MIME-Version, 8-bit text with 3000-octet lines
  b64oneline an image whose base64 is on one 24 KB line
  signed     multipart/signed holding a long line: re-encoding would break
             the signature, so preflight must refuse instead
"""
import os
import random
import sys

HDR = ("From: Alice <alice@example.com>\nTo: bob@example.org\n"
       "Date: Tue, 24 Nov 2026 10:00:00 +0000\n"
       "Message-ID: <%s@example.com>\nSubject: %s\n")


def write(d, name, text, expect):
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else text
    with open(os.path.join(d, name + ".eml"), "wb") as f:
        f.write(data)
    with open(os.path.join(d, name + ".expect"), "w") as f:
        f.write("%s\n" % expect)


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    rnd = random.Random(18)
    cells = "".join("<td class=\"c%d\">cell %d &amp; more</td>" % (i % 7, i)
                    for i in range(4600))
    html = "<html><body><table><tr>%s</tr></table></body></html>" % cells
    html = html[:200000]
    write(d, "html200k", HDR % ("html", "newsletter") +
          "MIME-Version: 1.0\nContent-Type: multipart/alternative; "
          "boundary=\"=_alt\"\n\nThis is a MIME message.\n--=_alt\n"
          "Content-Type: text/plain; charset=us-ascii\n\nThe newsletter, "
          "as text.\n--=_alt\nContent-Type: text/html; charset=us-ascii\n"
          "Content-Transfer-Encoding: 7bit\n\n" + html +
          "\n--=_alt--\n", 1)
    write(d, "raw8bit", HDR % ("raw8", "caf\\u00e9") +
          "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
          "Content-Transfer-Encoding: 7bit\n\nCaf\u00e9, na\u00efve, "
          "\u00fcber, \u65e5\u672c\u8a9e.\nSecond line.\n", 1)
    write(d, "barecr", HDR % ("cr", "bare cr") +
          "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n"
          "\n--b1\nContent-Type: text/plain\n\nprogress 10%\r20%\r30%\r"
          "done\n--b1\nContent-Type: text/plain\n\nfine\n--b1--\n", 1)
    binary = bytes(rnd.randrange(1, 256) for _ in range(6000))
    # no CR or LF: Postfix turns a bare CR into a space before a milter
    # sees it (barecr covers those through preflight scan)
    binary = binary.replace(b"\n", b"\x01").replace(b"\r", b"\x02")
    write(d, "binary", (HDR % ("bin", "binary in text") +
          "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=xx\n"
          "\n--xx\nContent-Type: text/plain; charset=us-ascii\n\nsee below\n"
          "--xx\nContent-Type: text/plain; name=\"dump.txt\"\n"
          "Content-Disposition: attachment; filename=\"dump.txt\"\n\n"
          ).encode() + binary + b"\n--xx--\n", 1)
    att = "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/")
                  for _ in range(76 * 40))
    att = "\n".join(att[i:i + 76] for i in range(0, len(att), 76))
    write(d, "nested", HDR % ("nest", "nested") +
          "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"outer\"\n"
          "\n--outer\nContent-Type: multipart/alternative; boundary=\"inner\"\n"
          "\n--inner\nContent-Type: text/plain; charset=us-ascii\n\n"
          "plain version\n--inner\nContent-Type: text/html; charset=us-ascii\n\n"
          "<p>" + "long html line " * 300 + "</p>\n--inner--\n\n--outer\n"
          "Content-Type: application/octet-stream; name=\"data.bin\"\n"
          "Content-Transfer-Encoding: base64\n"
          "Content-Disposition: attachment; filename=\"data.bin\"\n\n" +
          att + "\n--outer--\n", 1)
    write(d, "nonmime", HDR % ("nm", "old program") +
          "\n" + ("na\u00efve " * 500) + "\nshort line\n" +
          ("x" * 3000) + "\n", 1)
    img = "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/")
                  for _ in range(24340))
    write(d, "b64oneline", HDR % ("b64", "pictures") +
          "MIME-Version: 1.0\nContent-Type: multipart/related; boundary=rel\n"
          "\n--rel\nContent-Type: text/html; charset=us-ascii\n\n<img src="
          "\"cid:bg\">\n--rel\nContent-Type: image/jpeg; name=\"background.jpg\"\n"
          "Content-Transfer-Encoding: base64\nContent-ID: <bg>\n\n" + img +
          "\n--rel--\n", 1)
    write(d, "signed", HDR % ("sig", "signed") +
          "MIME-Version: 1.0\nContent-Type: multipart/signed; "
          "protocol=\"application/pgp-signature\"; micalg=pgp-sha256; "
          "boundary=sig\n\n--sig\nContent-Type: text/plain\n\n" + "y" * 1500 +
          "\n--sig\nContent-Type: application/pgp-signature\n\n-----BEGIN "
          "PGP SIGNATURE-----\nabc\n-----END PGP SIGNATURE-----\n--sig--\n",
          "refuse")


if __name__ == "__main__":
    main()
