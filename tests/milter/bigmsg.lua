-- Memory stays bounded: a 50 MB body in 64 KB chunks, then a message with
-- 10,000 header fields.  The runner reads the milter's peak RSS around
-- this script.  (miltertest itself smashes its stack on header values of
-- a few KB followed by EOM: the 1 MB header line is tested through scan.)
dofile(dir .. "/common.lua")
local conn = open_conn()
mt.macro(conn, SMFIC_MAIL, "i", "QBIG1")
check(mt.mailfrom(conn, "<alice@example.com>") == nil, "mailfrom")
expect(conn, SMFIR_CONTINUE, "MAIL")
check(mt.rcptto(conn, "<bob@example.org>") == nil, "rcpt")
expect(conn, SMFIR_CONTINUE, "RCPT")
check(mt.header(conn, "From", "alice@example.com") == nil, "header")
expect(conn, SMFIR_CONTINUE, "header")
check(mt.eoh(conn) == nil, "eoh")
expect(conn, SMFIR_CONTINUE, "EOH")
local chunk = string.rep(string.rep("x", 998) .. "\r\n", 65)
for i = 1, 800 do
	check(mt.bodystring(conn, chunk) == nil, "body chunk")
	expect(conn, SMFIR_CONTINUE, "body chunk " .. i)
end
check(mt.eom(conn) == nil, "eom")
expect(conn, SMFIR_CONTINUE, "EOM of the 50 MB message")

mt.macro(conn, SMFIC_MAIL, "i", "QHDRS1")
check(mt.mailfrom(conn, "<alice@example.com>") == nil, "mailfrom")
expect(conn, SMFIR_CONTINUE, "MAIL")
check(mt.rcptto(conn, "<bob@example.org>") == nil, "rcpt")
expect(conn, SMFIR_CONTINUE, "RCPT")
for i = 1, 10000 do
	check(mt.header(conn, "X-Many", "header number " .. i) == nil, "header")
	expect(conn, SMFIR_CONTINUE, "header " .. i)
end
check(mt.eoh(conn) == nil, "eoh")
expect(conn, SMFIR_CONTINUE, "EOH")
check(mt.bodystring(conn, "small\r\n") == nil, "body")
expect(conn, SMFIR_CONTINUE, "body")
check(mt.eom(conn) == nil, "eom")
expect(conn, SMFIR_CONTINUE, "EOM with 10,000 headers")
mt.disconnect(conn)
