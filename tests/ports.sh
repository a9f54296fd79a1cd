# ports.sh - loopback ports for the servers the tests start (sourced by
# tests/knot.sh and tests/integration/lib.sh).  No server a test starts
# listens on a constant port: avahi holds 5353 on most desktops, and a
# second suite or the benchmark on the same machine takes any other fixed
# one.  A port is asked from the kernel at run time (bind to port 0, read
# it back), free for TCP and UDP alike on 127.0.0.1 (DNS needs both).
# Between that and the server's own bind another process may take it: the
# start functions then try once more with a new port (pf_repick_port).
#
#   pf_free_port [PORT...]      print a port free just now, none of PORTs
#   pf_pick_port VAR [PORT...]  VAR=$(pf_free_port PORT...) unless VAR is
#                               set already (an override from the
#                               environment is kept)
#   pf_repick_port VAR [PORT...]  after a failed start: a new port in VAR if
#                               pf_pick_port chose the one it holds; fails
#                               (nothing changed) for an override
#   pf_wait_listener PID PORT [SECS]  wait until process PID listens on TCP
#                               PORT; fails as soon as PID is gone (its bind
#                               failed) or after SECS (10).  Another
#                               process on PORT does not count.
pf_free_port() {
	/usr/bin/python3 - "$@" <<'EOP'
import socket, sys
avoid = {int(a) for a in sys.argv[1:] if a.isdigit()}
held = []	# kept open until the end: every try gets another port
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    held.append(t)
    port = t.getsockname()[1]
    if port in avoid:
        continue
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        continue
    held.append(u)
    print(port)
    sys.exit(0)
sys.exit(1)
EOP
}

_pf_new_port() {	# VAR [PORT...]
	local var=$1 p
	shift
	p=$(pf_free_port "$@") || return 1
	eval "$var=\$p _pf_picked_$var=\$p"
}

pf_pick_port() {	# VAR [PORT...]
	eval "[ -n \"\${$1:-}\" ]" && return 0
	_pf_new_port "$@"
}

pf_repick_port() {	# VAR [PORT...]
	local cur picked
	eval "cur=\${$1:-} picked=\${_pf_picked_$1:-}"
	[ -n "$picked" ] && [ "$cur" = "$picked" ] || return 1
	_pf_new_port "$@" "$cur"
}

pf_wait_listener() {	# PID PORT [SECS]
	local i
	for i in $(seq 1 $(( ${3:-10} * 10 ))); do
		kill -0 "$1" 2>/dev/null || return 1
		ss -Hltnp "sport = :$2" 2>/dev/null | grep -q "pid=$1," && return 0
		sleep 0.1
	done
	return 1
}
