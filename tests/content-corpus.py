#!/usr/bin/python3
"""content-corpus.py DIR - write the content-check corpus: DIR/clean/*.eml
must pass with no finding, DIR/bad/CODE.eml must produce the reason CODE.
Everything is generated here; nothing is downloaded."""
import base64
import io
import os
import sys
import zipfile

out = sys.argv[1]
os.makedirs(out + "/clean", exist_ok=True)
os.makedirs(out + "/bad", exist_ok=True)

HDR = ("From: Alice <alice@example.com>\nTo: bob@example.org\n"
       "Date: Tue, 24 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@example.com>\n")


def write(kind, name, text):
    mode = "wb" if isinstance(text, bytes) else "w"
    with open("%s/%s/%s.eml" % (out, kind, name), mode) as f:
        f.write(text)


def b64(data):
    s = base64.b64encode(data).decode()
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def mixed(name, body, att_name, att_type, att_data, subject="Files", extra=""):
    return (HDR % name + "Subject: %s\nMIME-Version: 1.0\n%s"
            "Content-Type: multipart/mixed; boundary=\"b1\"\n\n"
            "--b1\nContent-Type: text/plain; charset=us-ascii\n\n%s\n"
            "--b1\nContent-Type: %s; name=\"%s\"\nContent-Disposition: attachment; "
            "filename=\"%s\"\nContent-Transfer-Encoding: base64\n\n%s\n--b1--\n"
            % (subject, extra, body, att_type, att_name, att_name, b64(att_data)))


def zipped(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in files.items():
            z.writestr(n, d)
    return buf.getvalue()


pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" * 50
docx = zipped({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>",
               "_rels/.rels": "<Relationships/>"})
pe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200 + b"PE\x00\x00" + b"\x00" * 300

# --- clean mail: must pass untouched
write("clean", "reply", HDR % "c1" + "Subject: Re: lunch on Friday?\n"
      "In-Reply-To: <x@example.org>\nReferences: <x@example.org>\n\n"
      "Friday works. See you at noon.\n\n> Are you free on Friday?\n")
write("clean", "newsletter", HDR % "c2" + "Subject: November news from Example\n"
      "Precedence: bulk\nList-Unsubscribe: <https://example.com/u/1>, <mailto:u@example.com>\n"
      "List-Unsubscribe-Post: List-Unsubscribe=One-Click\nMIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=\"alt\"\n\n--alt\n"
      "Content-Type: text/plain; charset=utf-8\n\nOur news: https://example.com/news\n"
      "--alt\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>Our "
      "<a href=\"https://example.com/news\">news at example.com</a> and "
      "<a href=\"https://www.example.com/shop\">www.example.com/shop</a>.</p>"
      "<img src=\"https://example.com/logo.png\" alt=\"logo\"></body></html>\n--alt--\n")
write("clean", "pdf", mixed("c3", "The report is attached.", "report.pdf", "application/pdf", pdf))
write("clean", "docx", mixed("c4", "The draft is attached.", "draft.docx",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx))
write("clean", "invite", HDR % "c5" + "Subject: Invitation: planning\nMIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=\"c\"\n\n--c\nContent-Type: text/plain\n\n"
      "Planning, Monday 10:00.\n--c\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\n\n"
      "BEGIN:VCALENDAR\nVERSION:2.0\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:1@example.com\n"
      "DTSTART:20261130T100000Z\nSUMMARY:Planning\nEND:VEVENT\nEND:VCALENDAR\n--c--\n")
write("clean", "utf8", (HDR % "c6" + "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\nMIME-Version: 1.0\n"
      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
      "Grüße aus München, naïve café, 日本語のテキスト.\n").encode())
write("clean", "large-text", HDR % "c7" + "Subject: The long read\n\n" +
      ("All work and no play makes a long but perfectly ordinary text line. " * 1 + "\n") * 15000)

# --- defective mail: one file per reason code
write("bad", "attach.dangerous-name", mixed("b1", "Run this.", "setup.exe", "application/octet-stream", b"not really" * 10))
write("bad", "attach.double-extension", mixed("b2", "Invoice.", "invoice.pdf.exe", "application/pdf", b"x" * 100))
write("bad", "attach.executable", mixed("b3", "Report.", "report.pdf", "application/pdf", pe))
write("bad", "attach.archive-member", mixed("b4", "Photos.", "photos.zip", "application/zip",
      zipped({"IMG_0001.jpg.js": "WScript.Echo(1)", "readme.txt": "hi"})))
write("bad", "attach.html-smuggling", mixed("b5", "Your document.", "document.html", "text/html",
      b"<html><script>var b=new Blob([atob('TVqQ')]);var a=document.createElement('a');"
      b"a.href=URL.createObjectURL(b);a.download='doc.exe';a.click();</script></html>"))
write("bad", "structure.missing-date", "From: alice@example.com\nTo: bob@example.org\n"
      "Message-ID: <b6@example.com>\nSubject: no date\n\nhi\n")
write("bad", "structure.missing-message-id", "From: alice@example.com\nTo: bob@example.org\n"
      "Date: Tue, 24 Nov 2026 10:00:00 +0000\nSubject: no id\n\nhi\n")
write("bad", "structure.duplicate", HDR % "b7" + "Subject: one\nSubject: two\n\nhi\n")
write("bad", "structure.long-line", HDR % "b8" + "Subject: long\n\n" + "y" * 1200 + "\n")
write("bad", "structure.header-8bit", (HDR % "b9" + "Subject: Grüße raw\n\nhi\n").encode())
write("bad", "structure.unterminated-multipart", HDR % "b10" + "Subject: cut\nMIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"q\"\n\n--q\nContent-Type: text/plain\n\nhello\n")
write("bad", "links.mismatch", HDR % "b11" + "Subject: account\nMIME-Version: 1.0\n"
      "Content-Type: text/html\n\n<p>Log in at <a href=\"http://login.evil.test/bank\">www.bank.example</a></p>\n")
write("bad", "links.ip-literal", HDR % "b12" + "Subject: ip\n\nSee http://192.0.2.44/download now\n")
write("bad", "links.script", HDR % "b13" + "Subject: js\nMIME-Version: 1.0\nContent-Type: text/html\n\n"
      "<a href=\"javascript:alert(1)\">click</a> and text enough to be a message body here.\n")
write("bad", "links.shortener", HDR % "b14" + "Subject: short\n\nRead https://bit.ly/3xyz please\n")
write("bad", "text.caps-subject", HDR % "b15" + "Subject: URGENT ACTION REQUIRED NOW\n\nhello\n")
write("bad", "text.exclamations", HDR % "b16" + "Subject: Offer\n\nBuy now!!! Only today!!!\n")
write("bad", "text.html-only", HDR % "b17" + "Subject: html\nMIME-Version: 1.0\nContent-Type: text/html\n\n"
      "<p>Hello, this is a normal sentence in an HTML only message without alternative.</p>\n")
write("bad", "text.image-only", HDR % "b18" + "Subject: pic\nMIME-Version: 1.0\n"
      "Content-Type: multipart/related; boundary=\"r\"\n\n--r\nContent-Type: text/html\n\n"
      "<img src=\"cid:a\">\n--r\nContent-Type: image/png\nContent-ID: <a>\n"
      "Content-Transfer-Encoding: base64\n\n" + b64(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100) + "\n--r--\n")
write("bad", "text.phrase", HDR % "b19" + "Subject: hello\n\nThis is a guaranteed winner offer.\n")
write("bad", "bulk.no-one-click-unsubscribe", HDR % "b20" + "Subject: news\nPrecedence: bulk\n\nnews\n")
