#!/usr/bin/env python3
"""
NAME
    content-corpus.py - build the content-check test corpus

SYNOPSIS
    content-corpus.py OUTDIR

DESCRIPTION
    Writes OUTDIR/clean/*.eml, mail that must pass every content check with
    no finding at all (a reply, a newsletter with one-click unsubscribe, PDF
    and Office attachments, a calendar invitation, UTF-8 text, 1 MB of plain
    text, a forwarded message, a zip of documents), and OUTDIR/bad/*.eml,
    one defect per file, named CODE.eml or CODE--variant.eml after the reason
    code the scan must report.  Everything is generated here: nothing is
    downloaded, and the output is the same on every run.
"""
import base64
import io
import os
import random
import struct
import sys
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from datetime import datetime, timezone

DATE = format_datetime(datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc))
LOREM = ("Thank you for the notes from yesterday's meeting. I went through "
         "the figures again and the totals for March match what finance "
         "sent us, so we can close that item. ")


def base(subject="Quarterly figures", frm="Alice Example <alice@example.com>",
         to="Bob <bob@gmail.com>", msgid=True, date=True):
    m = EmailMessage(policy=SMTP)
    m["From"] = frm
    m["To"] = to
    if subject is not None:
        m["Subject"] = subject
    if date:
        m["Date"] = DATE
    if msgid:
        m["Message-ID"] = "<%d.corpus@example.com>" % random.randrange(10**9)
    return m


def pe_bytes():
    b = bytearray(512)
    b[0:2] = b"MZ"
    struct.pack_into("<I", b, 0x3c, 0x80)
    b[0x80:0x84] = b"PE\0\0"
    return bytes(b)


def zip_bytes(members, encrypt=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    data = bytearray(buf.getvalue())
    if encrypt:  # set the "encrypted" flag in local and central headers
        for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            i = data.find(sig)
            while i >= 0:
                data[i + off] |= 1
                i = data.find(sig, i + 4)
    return bytes(data)


def office(kind):
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    return zip_bytes([("[Content_Types].xml", "<Types/>"),
                      ("_rels/.rels", "<Relationships/>"),
                      (main, "<document>quarterly</document>")])


PDF = (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" +
       b"stream\n" + bytes(range(256)) * 4 + b"\nendstream\n%%EOF\n")


def write(path, msg):
    data = msg if isinstance(msg, bytes) else msg.as_bytes()
    with open(path, "wb") as f:
        f.write(data)


def clean(d):
    m = base("Re: Meeting tomorrow")
    m["In-Reply-To"] = "<abc@example.net>"
    m["References"] = "<abc@example.net>"
    m.set_content("Hi Bob,\n\nTen o'clock works for me.\n\nAlice\n\n"
                  "> Can we meet at ten?\n> Bob\n")
    write(d + "/reply.eml", m)

    m = base("Our March newsletter", frm="News <news@example.com>")
    m["List-Id"] = "News <news.example.com>"
    m["List-Unsubscribe"] = ("<https://example.com/unsub?u=1>, "
                             "<mailto:unsub@example.com>")
    m["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    m["Precedence"] = "bulk"
    text = "What's new in March.\n\n" + LOREM * 3 + \
        "\nRead more: https://example.com/march\n"
    m.set_content(text)
    m.add_alternative(
        "<html><body><h1>What's new in March</h1>"
        "<img src=\"https://example.com/banner.png\" alt=\"banner\">"
        "<p>" + LOREM * 3 + "</p>"
        "<p><a href=\"https://example.com/march\">Read more</a> | "
        "<a href=\"https://www.example.com/\">example.com</a> | "
        "<a href=\"mailto:news@example.com\">Write to us</a> | "
        "<a href=\"https://example.com/unsub?u=1\">Unsubscribe</a></p>"
        "</body></html>", subtype="html")
    write(d + "/newsletter.eml", m)

    m = base("Invoice 2024-031")
    m.set_content("Please find the invoice attached.\n\nAlice\n")
    m.add_attachment(PDF, maintype="application", subtype="pdf",
                     filename="invoice-2024-031.pdf")
    write(d + "/pdf.eml", m)

    m = base("Budget drafts")
    m.set_content("The two drafts are attached.\n")
    m.add_attachment(office("docx"), maintype="application",
                     subtype="vnd.openxmlformats-officedocument."
                     "wordprocessingml.document", filename="budget.docx")
    m.add_attachment(office("xlsx"), maintype="application",
                     subtype="vnd.openxmlformats-officedocument."
                     "spreadsheetml.sheet", filename="budget.xlsx")
    write(d + "/office.eml", m)

    m = base("Invitation: planning @ Mon 4 Mar 10:00")
    m.set_content("You are invited to the planning meeting.\n")
    m.add_alternative(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"
        "PRODID:-//corpus//EN\r\nBEGIN:VEVENT\r\nUID:1@example.com\r\n"
        "DTSTART:20240304T100000Z\r\nDTEND:20240304T110000Z\r\n"
        "SUMMARY:Planning\r\nORGANIZER:mailto:alice@example.com\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n", subtype="calendar",
        params={"method": "REQUEST"})
    write(d + "/calendar.eml", m)

    m = base("Grüße aus Köln – 日本語のテスト")
    m.set_content("Liebe Grüße aus Köln! Ça va? Ελληνικά, 日本語, "
                  "русский текст.\n" + LOREM, charset="utf-8")
    write(d + "/utf8.eml", m)

    # an MZ whose e_lfanew points past the first 4 KB at no PE signature:
    # not a program, which only reading that far can tell
    far = bytearray(0x5000)
    far[0:2] = b"MZ"
    struct.pack_into("<I", far, 0x3c, 0x3000)
    m = base("Measurements")
    m.set_content("The raw export is attached.\n")
    m.add_attachment(bytes(far), maintype="application",
                     subtype="octet-stream", filename="export.dat")
    write(d + "/mz-data.eml", m)

    m = base("Log export")
    line = "2024-03-01T09:30:00Z host app[123]: request served in 12 ms\n"
    m.set_content(line * (1024 * 1024 // len(line)))
    write(d + "/large.eml", m)

    inner = base("Original message", frm="Carol <carol@example.org>")
    inner.set_content("The original text.\n")
    m = base("Fwd: Original message")
    m.set_content("Forwarding this to you.\n")
    m.add_attachment(inner)
    write(d + "/forward.eml", m)

    m = base("Report files")
    m.set_content("Zipped report attached.\n")
    m.add_attachment(zip_bytes([("report.pdf", PDF), ("data.csv", "a,b\n")]),
                     maintype="application", subtype="zip",
                     filename="report.zip")
    write(d + "/zip.eml", m)

    m = base("Photos from the trip")
    m.set_content("Here are two photos from the trip, the harbour and the "
                  "old town. The weather was better than expected.\n")
    m.add_attachment(b"\xff\xd8\xff\xe0" + bytes(2000), maintype="image",
                     subtype="jpeg", filename="harbour.jpg")
    write(d + "/photo.eml", m)


def att(m, data, filename, maintype="application", subtype="octet-stream"):
    m.add_attachment(data, maintype=maintype, subtype=subtype,
                     filename=filename)


def bad(d):
    def msg(code, build, variant=""):
        m = base()
        build(m)
        write("%s/%s%s.eml" % (d, code, "--" + variant if variant else ""),
              m)

    def with_text(m):
        m.set_content("See attached.\n")

    msg("attach.dangerous-extension",
        lambda m: (with_text(m), att(m, b"hello", "setup.exe")))
    msg("attach.dangerous-extension",
        lambda m: (with_text(m), att(m, b"WScript.Echo 1", "readme.js",
                                     "text", "plain")), "js")
    msg("attach.double-extension",
        lambda m: (with_text(m), att(m, pe_bytes(), "invoice.pdf.exe",
                                     "application", "pdf")))
    msg("attach.double-extension",
        lambda m: (with_text(m), att(m, b"x", "scan.doc     .scr")), "spaces")
    msg("attach.deceptive-name",
        lambda m: (with_text(m), att(m, b"x", "annex\u202efdp.txt")))
    msg("attach.executable-content",
        lambda m: (with_text(m), att(m, pe_bytes(), "photo.jpg", "image",
                                     "jpeg")))
    msg("attach.executable-content",
        lambda m: (with_text(m), att(m, b"\x7fELF" + bytes(60),
                                     "report.dat")), "elf")
    msg("attach.executable-content",
        lambda m: (with_text(m), att(m, b"\xcf\xfa\xed\xfe" + bytes(60),
                                     "notes.bin")), "macho")
    msg("attach.executable-content",
        lambda m: (with_text(m), att(m, bytes(0x8001) + b"CD001" + bytes(100),
                                     "photos.dat")), "iso")
    # the PE signature past the first 4 KB; an ISO whose first bytes
    # look like a zip archive's is still an ISO
    far_pe = bytearray(0x5000)
    far_pe[0:2] = b"MZ"
    struct.pack_into("<I", far_pe, 0x3c, 0x3000)
    far_pe[0x3000:0x3004] = b"PE\0\0"
    msg("attach.executable-content",
        lambda m: (with_text(m), att(m, bytes(far_pe), "photo.jpg", "image",
                                     "jpeg")), "pe-far")
    msg("attach.executable-content",
        lambda m: (with_text(m), att(m, b"PK\003\004" + bytes(0x8001 - 4) +
                                     b"CD001" + bytes(100), "photos.dat")),
        "iso-behind-zip")
    msg("attach.executable-content",
        lambda m: (with_text(m), att(m, bytes([0x4c, 0, 0, 0, 1, 0x14, 2, 0])
                                     + bytes(60), "shortcut.dat")), "lnk")
    msg("attach.archive-dangerous",
        lambda m: (with_text(m), att(m, zip_bytes([("docs/a.pdf", PDF),
                                                   ("docs/invoice.js", "1")]),
                                     "docs.zip", "application", "zip")))
    msg("attach.archive-dangerous",
        lambda m: (with_text(m), att(m, zip_bytes([("disk.img", "x")]),
                                     "files.pdf", "application", "pdf")),
        "zip-behind-pdf")
    msg("attach.archive-encrypted",
        lambda m: (with_text(m), att(m, zip_bytes([("a.pdf", PDF)], True),
                                     "secret.zip", "application", "zip")))
    smuggle = ("<html><body><script>var b = new Blob([atob('TVqQ')],"
               "{type:'application/octet-stream'});var a = "
               "document.createElement('a');a.href = "
               "URL.createObjectURL(b);a.download = 'invoice.exe';"
               "a.click();</script></body></html>")
    msg("attach.html-smuggling",
        lambda m: (with_text(m), att(m, smuggle.encode(), "invoice.html",
                                     "text", "html")))

    long_line = "x" * 1200
    msg("structure.line-too-long",
        lambda m: m.set_content("short\n" + long_line + "\n", cte="7bit"))
    write(d + "/structure.line-too-long--header.eml",
          ("From: alice@example.com\r\nTo: bob@gmail.com\r\nDate: %s\r\n"
           "Message-ID: <h@example.com>\r\nSubject: %s\r\n\r\nbody\r\n"
           % (DATE, "y" * 1100)).encode())
    write(d + "/structure.header-8bit.eml",
          ("From: alice@example.com\r\nTo: bob@gmail.com\r\nDate: %s\r\n"
           "Message-ID: <8@example.com>\r\nSubject: Grüße\r\n\r\nbody\r\n"
           % DATE).encode("utf-8"))
    hdr = ("From: alice@example.com\r\nTo: bob@gmail.com\r\nDate: %s\r\n"
           "Message-ID: <m@example.com>\r\nSubject: parts\r\n"
           "MIME-Version: 1.0\r\n" % DATE)
    write(d + "/structure.multipart-unterminated.eml",
          (hdr + "Content-Type: multipart/mixed; boundary=\"B1\"\r\n\r\n"
           "--B1\r\nContent-Type: text/plain\r\n\r\nhello\r\n").encode())
    write(d + "/structure.bad-base64.eml",
          (hdr + "Content-Type: multipart/mixed; boundary=\"B1\"\r\n\r\n"
           "--B1\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
           "--B1\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\nJVBER!!#$%^&*()\r\n"
           "--B1--\r\n").encode())
    # past the sixteen-octets-at-a-time path: a bad octet, and data after
    # the padding, each behind a whole line of good base64
    good = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n"
    for variant, data in (("late", good + "QUJDREVGR0hJ*KLTU5P\r\n"),
                          ("after-padding", good + "QUI=QUJDREVGR0hJ\r\n"),
                          # one octet over a whole number of quads, the
                          # line ends counted out of the 16-octet windows
                          ("one-over", 2 * good + "Q\r\n"),
                          # the same deep in a long attachment, where the
                          # 4 KB blocks classed on arrival are taken whole:
                          # a bad octet inside one, one octet over after
                          # them, and the padding with only whole blocks of
                          # data after it (blank lines either side, longer
                          # than a block, so that no data is read octet by
                          # octet after the "=")
                          ("deep-late", 150 * good + "QUJD*KLT\r\n" +
                           50 * good),
                          ("deep-after-padding", 60 * good + "QUI=\r\n" +
                           2100 * "\r\n" + 150 * good + 2100 * "\r\n"),
                          ("deep-one-over", 200 * good + "Q\r\n")):
        write(d + "/structure.bad-base64--%s.eml" % variant,
              (hdr + "Content-Type: multipart/mixed; boundary=\"B1\"\r\n\r\n"
               "--B1\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
               "--B1\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n" + data +
               "--B1--\r\n").encode())
    # the sixteen-octets-at-a-time path: one bad octet in each lane, each
    # a neighbour of the alphabet's ranges ("-" lies between "+" and "/")
    for lane, bad in enumerate("-,.:@[`{*!^~\x7f\"'|"):
        line = good[:lane] + bad + good[lane + 1:]
        write(d + "/structure.bad-base64--lane-%d.eml" % lane,
              (hdr + "Content-Type: multipart/mixed; boundary=\"B1\"\r\n\r\n"
               "--B1\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
               "--B1\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\n"
               "Content-Transfer-Encoding: base64\r\n\r\n" + good + line +
               "--B1--\r\n").encode())
    write(d + "/structure.bad-qp.eml",
          (hdr + "Content-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
           "caf=ZZ and =\r\nmore\r\n").encode())
    msg("structure.missing-date",
        lambda m: (m.__delitem__("Date"), m.set_content("hi\n")))
    msg("structure.missing-message-id",
        lambda m: (m.__delitem__("Message-ID"), m.set_content("hi\n")))
    msg("structure.missing-subject",
        lambda m: (m.__delitem__("Subject"), m.set_content("hi\n")))
    write(d + "/structure.duplicate-header.eml",
          ("From: alice@example.com\r\nTo: bob@gmail.com\r\nDate: %s\r\n"
           "Message-ID: <d@example.com>\r\nSubject: one\r\nSubject: two\r\n"
           "\r\nbody\r\n" % DATE).encode())

    def html(body):
        return lambda m: (m.set_content("Text version. " + LOREM),
                          m.add_alternative("<html><body><p>" + LOREM +
                                            "</p>" + body + "</body></html>",
                                            subtype="html"))
    msg("links.text-mismatch",
        html('<a href="https://login.evil.example.net/x">'
             'https://www.paypal.com/signin</a>'))
    msg("links.ip-literal", html('<a href="http://203.0.113.7/login">Log in'
                                 '</a>'))
    msg("links.ip-literal", lambda m: m.set_content(
        "Log in at http://198.51.100.4:8080/account now.\n"), "text")
    msg("links.script-target", html('<a href="javascript:void(0)">Open</a>'))
    msg("links.script-target", html('<a href=\'data:text/html;base64,PGI+\'>'
                                    'Open</a>'), "data")
    msg("links.shortener", html('<a href="https://bit.ly/3abcde">Offer</a>'))
    msg("links.too-many", html("".join('<a href="https://example.com/p/%d">'
                                       'item %d</a> ' % (i, i)
                                       for i in range(150))))
    msg("text.caps-subject",
        lambda m: (m.replace_header("Subject", "LIMITED OFFER FOR YOU"),
                   m.set_content(LOREM)))
    msg("text.exclamations",
        lambda m: m.set_content(LOREM + "Buy now!!!!\n"))
    msg("text.phrase", lambda m: m.set_content(LOREM + "Act now, it is "
                                               "100% FREE.\n"))
    msg("text.html-only",
        lambda m: m.set_content("<html><body><p>" + LOREM + "</p></body>"
                                "</html>", subtype="html"))
    msg("text.image-only",
        lambda m: (m.set_content("See below"),
                   m.add_alternative('<html><body><img src="cid:x1">'
                                     '</body></html>', subtype="html")))
    msg("bulk.no-list-unsubscribe",
        lambda m: (m.__setitem__("Precedence", "bulk"), m.set_content(LOREM)))
    msg("bulk.unsubscribe-not-https",
        lambda m: (m.__setitem__("Precedence", "list"),
                   m.__setitem__("List-Unsubscribe",
                                 "<mailto:unsub@example.com>"),
                   m.set_content(LOREM)))
    msg("bulk.no-one-click",
        lambda m: (m.__setitem__("List-Id", "x <x.example.com>"),
                   m.__setitem__("List-Unsubscribe",
                                 "<https://example.com/u>"),
                   m.set_content(LOREM)))
    msg("content.gmail-rfc5322",
        lambda m: (m.__delitem__("Message-ID"), m.set_content(LOREM)))
    msg("content.gmail-one-click",
        lambda m: (m.__setitem__("Precedence", "bulk"),
                   m.__setitem__("List-Unsubscribe",
                                 "<https://example.com/u>"),
                   m.set_content(LOREM)))


def main():
    out = sys.argv[1]
    random.seed(5)
    for sub in ("clean", "bad"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    clean(os.path.join(out, "clean"))
    bad(os.path.join(out, "bad"))
    with open(os.path.join(out, "phrases"), "w") as f:
        f.write("# test phrases\nact now\n100% free\n")


if __name__ == "__main__":
    main()
