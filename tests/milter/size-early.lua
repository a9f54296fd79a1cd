-- SIZE= over the limit is refused at MAIL FROM with the explanatory reply;
-- the next message on the same connection is judged afresh.
dofile(dir .. "/common.lua")
local conn = open_conn()
check(mt.mailfrom(conn, "<alice@example.com>", "SIZE=9999999") == nil, "mailfrom")
expect(conn, SMFIR_REPLYCODE, "MAIL FROM with SIZE=9999999")
send_message(conn, "QEARLY2", "<alice@example.com>", {"<bob@example.org>"},
	std_headers, "hello\r\n")
expect(conn, SMFIR_CONTINUE, "second message EOM")
mt.disconnect(conn)
