-- 1,000 connections, each dropped by the "MTA" at a different stage
-- (after connect, HELO, MAIL, RCPT, a header, EOH, body); run under the
-- ASan build, LeakSanitizer at the milter's exit proves nothing leaked.
dofile(dir .. "/common.lua")
for i = 1, 1000 do
	local conn = mt.connect(socket, 20, 0.05)
	if conn == nil then error("connect " .. i) end
	local stage = i % 7
	check(mt.conninfo(conn, "client.example", "192.0.2.25") == nil, "conninfo")
	if stage >= 1 then check(mt.helo(conn, "client.example") == nil, "helo") end
	if stage >= 2 then check(mt.mailfrom(conn, "<a@example.com>") == nil, "mail") end
	if stage >= 3 then check(mt.rcptto(conn, "<b@example.org>") == nil, "rcpt") end
	if stage >= 4 then check(mt.header(conn, "Subject", "loop " .. i) == nil, "hdr") end
	if stage >= 5 then check(mt.eoh(conn) == nil, "eoh") end
	if stage >= 6 then check(mt.bodystring(conn, "partial body") == nil, "body") end
	mt.disconnect(conn, false)
end
-- and the milter still answers
local conn = open_conn()
send_message(conn, "QLOOPEND", "<alice@example.com>", {"<bob@example.org>"},
	std_headers, "hello\r\n")
expect(conn, SMFIR_CONTINUE, "EOM after 1,000 drops")
mt.disconnect(conn)
