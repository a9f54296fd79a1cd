-- A small message is accepted unchanged.
dofile(dir .. "/common.lua")
local conn = open_conn()
send_message(conn, "QACCEPT1", "<alice@example.com>", {"<bob@example.org>"},
	std_headers, "hello\r\n")
expect(conn, SMFIR_CONTINUE, "EOM")
check(not mt.eom_check(conn, MT_HDRINSERT), "no header inserted")
check(not mt.eom_check(conn, MT_HDRADD), "no header added")
mt.disconnect(conn)
