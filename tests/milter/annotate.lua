-- Instance B (header_on_accept = yes): the header is inserted on top.
dofile(dir .. "/common.lua")
local conn = open_conn()
send_message(conn, "QANN1", "<alice@example.com>", {"<bob@example.org>"},
	std_headers, "hello\r\n")
expect(conn, SMFIR_CONTINUE, "EOM")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Preflight",
	"action=accept score=0", 0), "X-Preflight inserted at index 0")
mt.disconnect(conn)
