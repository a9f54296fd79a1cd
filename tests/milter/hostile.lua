-- A "%" and 8-bit bytes from the envelope end up in the reply text:
-- the reply must still be set (a lone % would make libmilter drop it).
dofile(dir .. "/common.lua")
local conn = open_conn()
check(mt.mailfrom(conn, "<a@ex%ample\255.com>", "SIZE=99999999") == nil, "mailfrom")
expect(conn, SMFIR_REPLYCODE, "MAIL FROM with % in the domain")
mt.disconnect(conn)
