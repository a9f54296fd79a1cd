#!/usr/bin/python3
"""smtp.py - SMTP client steps that swaks cannot do, for the integration tests.

  smtp.py size PORT FROM TO SIZE          MAIL FROM with SIZE=; prints the reply
  smtp.py rcpts PORT FROM TO...           one message, prints refused recipients
  smtp.py drop PORT FROM TO               DATA, half a message, then disconnect
  smtp.py headers PORT FROM TO N BIGLEN   N header fields and one BIGLEN-byte line
  smtp.py file PORT FROM TO FILE          FILE as it is (LF written CRLF, bare CR
                                          kept, 8-bit as it comes); prints the reply
"""
import smtplib
import socket
import sys


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "size":
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        s.ehlo("client.test")
        code, msg = s.mail(sys.argv[3], ["SIZE=%s" % sys.argv[5]])
        print(code, msg.decode(errors="replace").replace("\n", " | "))
        s.quit()
    elif cmd == "rcpts":
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        refused = s.sendmail(sys.argv[3], sys.argv[4:],
                             "From: %s\r\nSubject: many\r\n\r\nhi\r\n" % sys.argv[3])
        for r, (code, msg) in sorted(refused.items()):
            print(r, code, msg.decode(errors="replace").replace("\n", " | "))
        s.quit()
    elif cmd == "drop":
        c = socket.create_connection(("127.0.0.1", port), timeout=30)
        f = c.makefile("rwb")
        f.readline()
        for line in ("EHLO client.test", "MAIL FROM:<%s>" % sys.argv[3],
                     "RCPT TO:<%s>" % sys.argv[4], "DATA"):
            f.write(line.encode() + b"\r\n")
            f.flush()
            while True:
                r = f.readline()
                if r[3:4] != b"-":
                    break
        f.write(b"From: x@example.com\r\nSubject: cut\r\n\r\nhalf a bo")
        f.flush()
        c.close()
        print("dropped")
    elif cmd == "headers":
        n, big = int(sys.argv[5]), int(sys.argv[6])
        hdrs = "".join("X-Many: %d\r\n" % i for i in range(n))
        msg = ("From: %s\r\nSubject: many headers\r\n%sX-Huge: %s\r\n\r\nbody\r\n"
               % (sys.argv[3], hdrs, "h" * big))
        s = smtplib.SMTP("127.0.0.1", port, timeout=120)
        s.ehlo("client.test")
        s.esmtp_features.pop("size", None)  # no SIZE=: let the headers through
        try:
            s.sendmail(sys.argv[3], [sys.argv[4]], msg)
            print("250 accepted")
        except smtplib.SMTPResponseException as e:
            print(e.smtp_code, e.smtp_error.decode(errors="replace"))
        s.quit()
    elif cmd == "file":
        data = open(sys.argv[5], "rb").read().replace(b"\r\n", b"\n")
        data = data.replace(b"\n", b"\r\n")
        s = smtplib.SMTP("127.0.0.1", port, timeout=120)
        s.ehlo("client.test")
        try:
            s.sendmail(sys.argv[3], [sys.argv[4]], data)
            print("250 accepted")
        except smtplib.SMTPResponseException as e:
            print(e.smtp_code, e.smtp_error.decode(errors="replace").replace("\n", " | "))
        s.quit()


if __name__ == "__main__":
    main()
