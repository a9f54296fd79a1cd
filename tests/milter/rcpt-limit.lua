-- Recipients beyond max_recipients (3) are refused one by one; the message
-- itself goes on with the accepted ones.
dofile(dir .. "/common.lua")
local conn = open_conn()
mt.macro(conn, SMFIC_MAIL, "i", "QRCPT1")
check(mt.mailfrom(conn, "<alice@example.com>") == nil, "mailfrom")
expect(conn, SMFIR_CONTINUE, "MAIL")
for i = 1, 3 do
	check(mt.rcptto(conn, "<r" .. i .. "@example.org>") == nil, "rcpt")
	expect(conn, SMFIR_CONTINUE, "RCPT " .. i)
end
check(mt.rcptto(conn, "<r4@example.org>") == nil, "rcpt 4")
expect(conn, SMFIR_REPLYCODE, "RCPT 4 over the limit")
check(mt.header(conn, "From", "alice@example.com") == nil, "header")
expect(conn, SMFIR_CONTINUE, "header")
check(mt.eoh(conn) == nil, "eoh")
expect(conn, SMFIR_CONTINUE, "eoh")
check(mt.bodystring(conn, "hi\r\n") == nil, "body")
expect(conn, SMFIR_CONTINUE, "body")
check(mt.eom(conn) == nil, "eom")
expect(conn, SMFIR_CONTINUE, "EOM")
mt.disconnect(conn)
