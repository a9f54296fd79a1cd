-- Without SIZE=, the counted bytes decide at end of message: 552 5.3.4.
-- With -D want=accept (after a reload raising the limit) it passes.
dofile(dir .. "/common.lua")
local conn = open_conn()
send_message(conn, "QBODY1", "<alice@example.com>", {"<bob@example.org>"},
	std_headers, string.rep("0123456789abcdef0123456789abcdef\r\n", 200))
if want == "accept" then
	expect(conn, SMFIR_CONTINUE, "EOM of a 6800-byte body")
else
	-- (the reply text itself is asserted through Postfix; miltertest's
	-- MT_SMTPREPLY check dies silently on multi-line replies)
	expect(conn, SMFIR_REPLYCODE, "EOM of a 6800-byte body")
end
mt.disconnect(conn)
