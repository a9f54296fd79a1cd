-- dmarc9989.lua - one message through the milter for tests/dmarc9989.sh:
-- -D mailfrom=ADDR -D hfrom=ADDR -D qid=ID -D want=refuse|continue
-- (the verdict's details are read back from the audit log)
dofile(dir .. "/common.lua")
local conn = open_conn()
send_message(conn, qid, "<" .. mailfrom .. ">", {"<bob@example.net>"}, {
	{"From", hfrom},
	{"To", "bob@example.net"},
	{"Subject", "test"},
	{"Message-ID", "<" .. qid .. "@example.net>"},
	{"Date", "Tue, 24 Nov 2026 10:00:00 +0000"},
}, "hello\r\n")
if want == "refuse" then
	expect(conn, SMFIR_REPLYCODE, "EOM from " .. hfrom)
else
	expect(conn, SMFIR_CONTINUE, "EOM from " .. hfrom)
end
mt.disconnect(conn)
