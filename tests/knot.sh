# knot.sh - start a knot DNS server on loopback for script tests
# (sourced).  Kept to one function so that it can move into
# tests/integration/lib.sh (pf_start_knot) once that is merged.
#
# pf_knot_start ZONE_DIR WORKDIR: serve every ZONE_DIR/*.zone (zone name =
# file name minus .zone, root.zone the root) on 127.0.0.1:$PF_DNS_PORT with
# query counters (mod-stats), and write WORKDIR/unbound.conf: a libunbound
# config forwarding everything there.  libunbound answers the RFC 6303 /
# RFC 6761 zones itself (NXDOMAIN for 2.0.192.in-addr.arpa, test., ...)
# unless told not to: the config says "nodefault" for "test." and for every
# such zone at or below a zone knot serves (all of them under a root zone),
# so the tests' reverse and special-use zones are answered by knot.
# PF_DNS_PORT, unless set, is a free port found at the first start
# (tests/ports.sh) and kept for the later ones; when knot cannot bind it,
# the start is tried once more on a new one.
# Sets KNOT_CONF; pf_knot_stop stops it; pf_knot_queries prints the number
# of queries answered so far.
. "${top_srcdir:-${srcdir:-.}}/tests/ports.sh"

# libunbound's default local zones (unbound.conf(5), but localhost and the
# loopback reverse zones, which stay local)
_pf_unbound_default_zones="home.arpa resolver.arpa service.arpa onion invalid
10.in-addr.arpa 168.192.in-addr.arpa 0.in-addr.arpa 254.169.in-addr.arpa
2.0.192.in-addr.arpa 100.51.198.in-addr.arpa 113.0.203.in-addr.arpa
255.255.255.255.in-addr.arpa d.f.ip6.arpa 8.e.f.ip6.arpa 9.e.f.ip6.arpa
a.e.f.ip6.arpa b.e.f.ip6.arpa 8.b.d.0.1.0.0.2.ip6.arpa
$(for i in $(seq 16 31); do printf '%s.172.in-addr.arpa ' "$i"; done)
$(for i in $(seq 64 127); do printf '%s.100.in-addr.arpa ' "$i"; done)"

_pf_unbound_nodefaults() {	# ZONES_DIR: nodefault lines for the zones served there
	local d z zn
	for d in $_pf_unbound_default_zones; do
		for z in "$1"/*.zone; do
			zn=$(basename "$z" .zone)
			case $zn in
			root) ;;			# the root: every default zone
			"$d") ;;
			*) case $d in *".$zn") ;; *) continue ;; esac ;;
			esac
			printf '  local-zone: "%s." nodefault\n' "$d"
			break
		done
	done
}

pf_knot_start() {
	local zdir kdir z zn k try
	zdir=$1 kdir=$2
	pf_pick_port PF_DNS_PORT || return 1
	mkdir -p "$kdir/db" "$kdir/zones"
	cp "$zdir"/*.zone "$kdir/zones/"
	KNOT_CONF=$kdir/knot.conf
	for try in 1 2; do
		{
			printf 'server:\n  listen: 127.0.0.1@%s\n  rundir: %s\n  pidfile: %s/knot.pid\n' \
				"$PF_DNS_PORT" "$kdir" "$kdir"
			printf 'control:\n  listen: %s/knot.sock\n' "$kdir"
			printf 'database:\n  storage: %s/db\n' "$kdir"
			printf 'log:\n  - target: %s/knot.log\n    any: error\n' "$kdir"
			printf 'mod-stats:\n  - id: q\n'
			printf 'template:\n  - id: default\n    storage: %s/zones\n    global-module: mod-stats/q\n' "$kdir"
			printf 'zone:\n'
			for z in "$kdir"/zones/*.zone; do
				zn=$(basename "$z" .zone)
				[ "$zn" = root ] && zn=.	# root.zone serves the root
				printf '  - domain: %s\n    file: %s\n' "$zn" "$(basename "$z")"
			done
		} > "$KNOT_CONF"
		{
			printf 'server:\n  local-zone: "test." nodefault\n'
			_pf_unbound_nodefaults "$kdir/zones"
			printf '  do-not-query-localhost: no\nforward-zone:\n  name: "."\n  forward-addr: 127.0.0.1@%s\n' \
				"$PF_DNS_PORT"
		} > "$kdir/unbound.conf"
		if knotd -c "$KNOT_CONF" -d; then
			for k in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
				knotc -c "$KNOT_CONF" status >/dev/null 2>&1 &&
					kdig @127.0.0.1 -p "$PF_DNS_PORT" SOA "$(sed -n 's/^  - domain: //p' "$KNOT_CONF" | head -1)" +short 2>/dev/null | grep -q . &&
					return 0
				sleep 0.25
			done
		fi
		pf_knot_stop
		# another process took the port since it was picked: a new one
		[ $try = 1 ] && pf_repick_port PF_DNS_PORT || break
	done
	cat "$kdir/knot.log" >&2
	return 1
}

pf_knot_stop() {
	local k
	[ -n "$KNOT_CONF" ] || return 0
	knotc -c "$KNOT_CONF" stop >/dev/null 2>&1
	for k in 1 2 3 4 5 6 7 8 9 10; do
		knotc -c "$KNOT_CONF" status >/dev/null 2>&1 || break
		sleep 0.2
	done
}

pf_knot_queries() {
	knotc -c "$KNOT_CONF" stats mod-stats.server-operation 2>/dev/null |
		sed -n 's/.*\[query\] = //p' | head -1 | grep . || echo 0
}
