-- common.lua - helpers for the preflight miltertest scripts.
-- The runner (tests/milter.sh) passes -D socket=... -D dir=...
function open_conn()
	local conn = mt.connect(socket, 20, 0.25)
	if conn == nil then error("mt.connect() failed") end
	if mt.conninfo(conn, "client.example", "192.0.2.25") ~= nil then
		error("mt.conninfo() failed")
	end
	if mt.getreply(conn) ~= SMFIR_CONTINUE then error("conninfo reply") end
	-- explicit HELO: an implicit one sent later would clear MAIL macros
	if mt.helo(conn, "client.example") ~= nil then error("mt.helo() failed") end
	if mt.getreply(conn) ~= SMFIR_CONTINUE then error("helo reply") end
	return conn
end

function expect(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		error(what .. ": reply " .. tostring(got) .. ", want " .. tostring(want))
	end
end

function check(cond, what)
	if not cond then error(what) end
end

-- A whole message; returns after EOM.  hdrs: list of {name, value}.
function send_message(conn, qid, from, rcpts, hdrs, body, mailargs)
	mt.macro(conn, SMFIC_MAIL, "i", qid, "{auth_authen}", "alice")
	if mailargs then
		check(mt.mailfrom(conn, from, mailargs) == nil, "mailfrom")
	else
		check(mt.mailfrom(conn, from) == nil, "mailfrom")
	end
	expect(conn, SMFIR_CONTINUE, "MAIL FROM " .. from)
	for _, r in ipairs(rcpts) do
		check(mt.rcptto(conn, r) == nil, "rcptto")
		expect(conn, SMFIR_CONTINUE, "RCPT " .. r)
	end
	for _, h in ipairs(hdrs) do
		check(mt.header(conn, h[1], h[2]) == nil, "header")
		expect(conn, SMFIR_CONTINUE, "header " .. h[1])
	end
	check(mt.eoh(conn) == nil, "eoh")
	expect(conn, SMFIR_CONTINUE, "EOH")
	if body ~= nil and body ~= "" then
		check(mt.bodystring(conn, body) == nil, "body")
		expect(conn, SMFIR_CONTINUE, "body")
	end
	check(mt.eom(conn) == nil, "eom")
end

std_headers = {
	{"From", "Alice <alice@example.com>"},
	{"To", "bob@example.org"},
	{"Subject", "test"},
	{"Message-ID", "<t1@example.com>"},
	{"Date", "Tue, 24 Nov 2026 10:00:00 +0000"},
}
