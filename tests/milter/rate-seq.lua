-- rate-seq.lua - n messages as SASL user `user` on one connection; prints
-- one letter a message: A (accepted at end of message), - (every
-- recipient refused: a message limit is said at each RCPT TO), T (refused
-- at MAIL FROM with a temporary failure), R (refused at MAIL FROM, other).
-- The runner (tests/rate.sh) passes -D socket= -D dir= -D user= -D n=
-- and optionally -D rcpts= (recipients a message, default 1): then a
-- letter per recipient follows the message's: a (accepted) or t (refused).
dofile(dir .. "/common.lua")
local conn = open_conn()
local out = ""
local nr = tonumber(rcpts or "1")
for i = 1, tonumber(n) do
	mt.macro(conn, SMFIC_MAIL, "i", "QRATE" .. i, "{auth_authen}", user)
	check(mt.mailfrom(conn, "<" .. user .. "@example.com>") == nil, "mailfrom")
	local r = mt.getreply(conn)
	if r == SMFIR_CONTINUE then
		local any = false
		local letters = ""
		for j = 1, nr do
			check(mt.rcptto(conn, "<r" .. j .. "@example.org>") == nil, "rcpt")
			if mt.getreply(conn) == SMFIR_CONTINUE then
				letters = letters .. "a"
				any = true
			else
				letters = letters .. "t"
			end
		end
		if any then
			for _, h in ipairs(std_headers) do
				check(mt.header(conn, h[1], h[2]) == nil, "header")
				expect(conn, SMFIR_CONTINUE, "header")
			end
			check(mt.eoh(conn) == nil, "eoh")
			expect(conn, SMFIR_CONTINUE, "eoh")
			check(mt.bodystring(conn, "hi\r\n") == nil, "body")
			expect(conn, SMFIR_CONTINUE, "body")
			check(mt.eom(conn) == nil, "eom")
			mt.getreply(conn)
			out = out .. "A"
		else
			check(mt.abort(conn) == nil, "abort")
			out = out .. "-"
		end
		if nr > 1 then out = out .. letters end
	elseif r == SMFIR_TEMPFAIL or r == SMFIR_REPLYCODE then
		out = out .. "T"
	else
		out = out .. "R"
	end
end
mt.echo("RESULT " .. out)
mt.disconnect(conn)
