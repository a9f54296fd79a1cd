-- Abort after every stage, then a clean message on the same connection:
-- nothing leaks from one transaction into the next.
dofile(dir .. "/common.lua")
local conn = open_conn()
for stage = 1, 4 do
	check(mt.mailfrom(conn, "<alice@example.com>", "SIZE=100") == nil, "mailfrom")
	expect(conn, SMFIR_CONTINUE, "MAIL")
	if stage >= 2 then
		check(mt.rcptto(conn, "<bob@example.org>") == nil, "rcpt")
		expect(conn, SMFIR_CONTINUE, "RCPT")
	end
	if stage >= 3 then
		check(mt.header(conn, "Subject", "aborted " .. stage) == nil, "hdr")
		expect(conn, SMFIR_CONTINUE, "header")
	end
	if stage >= 4 then
		check(mt.eoh(conn) == nil, "eoh")
		expect(conn, SMFIR_CONTINUE, "eoh")
		check(mt.bodystring(conn, string.rep("x", 3000)) == nil, "body")
		expect(conn, SMFIR_CONTINUE, "body")
	end
	check(mt.abort(conn) == nil, "abort")
end
send_message(conn, "QAFTERABORT", "<alice@example.com>", {"<bob@example.org>"},
	std_headers, "small\r\n")
expect(conn, SMFIR_CONTINUE, "EOM after aborts")
mt.disconnect(conn)
