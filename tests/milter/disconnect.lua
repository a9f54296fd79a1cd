-- The MTA vanishes mid-message; the milter keeps serving the next one.
dofile(dir .. "/common.lua")
local conn = open_conn()
check(mt.mailfrom(conn, "<alice@example.com>") == nil, "mailfrom")
expect(conn, SMFIR_CONTINUE, "MAIL")
check(mt.rcptto(conn, "<bob@example.org>") == nil, "rcpt")
expect(conn, SMFIR_CONTINUE, "RCPT")
check(mt.header(conn, "Subject", "cut off") == nil, "hdr")
mt.disconnect(conn, false)
conn = open_conn()
send_message(conn, "QAFTERDROP", "<alice@example.com>", {"<bob@example.org>"},
	std_headers, "hello\r\n")
expect(conn, SMFIR_CONTINUE, "EOM on a new connection")
mt.disconnect(conn)
