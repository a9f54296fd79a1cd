# lib.sh - integration test harness (sourced by tests/integration/*.sh).
# Real peers on loopback: a private Postfix, smtp-sink, rsyslogd, knot.
# Everything lives under $PF_TMP and every process started is stopped by
# pf_cleanup (an EXIT trap).  Ports: PF_SMTP_PORT, PF_SINK_PORT and
# PF_DNS_PORT are free ports found at run time (tests/ports.sh), each kept
# if set in the environment; a server that cannot bind its port is started
# once more on a new one.  PF_KEEP=1 keeps $PF_TMP for debugging.
#
#   pf_require_root_tools       skip unless root, PREFLIGHT_INTEGRATION=1, peers installed
#   pf_start_rsyslog            /dev/log -> $PF_TMP/mail.log (mail.*) and all.log
#   pf_start_sink               smtp-sink storing each message in $PF_TMP/sink/ (before Postfix)
#   pf_sink_count | pf_sink_files | pf_sink_wait N [SECS]
#   pf_start_postfix [MILTER]   private Postfix on 127.0.0.1:$PF_SMTP_PORT relaying to the sink
#                               (main.cf ends with the lines of $PF_POSTFIX_CONF, if set)
#   pf_postfix_cmd ARGS         postfix -c <private dir> ARGS
#   pf_sendmail ARGS            sendmail(1) of the private instance
#   pf_start_knot ZONE_DIR      knot on 127.0.0.1:$PF_DNS_PORT serving ZONE_DIR/*.zone
#   pf_stop_knot                stop it (timeouts from then on)
#   pf_unbound_conf FILE        libunbound config forwarding everything to that knot
#   pf_swaks ARGS               swaks to the private Postfix; transcript in $PF_LAST, status $PF_LAST_RC
#   pf_wait_port PORT [SECS] | pf_wait_file FILE [SECS] | pf_wait_log FILE REGEX [SECS]
#   pf_milter_conf [TEXT]       write $PF_MILTER_CONF: [milter] socket/user/group/pidfile, then TEXT
#   pf_start_milter             start the built preflight-milter as a daemon on it; sets MPID
#   pf_milter_spec              the socket in Postfix's notation
#   pf_track_pid PID            stop PID at cleanup
#
# Syslog: each script runs in a private mount namespace of its own (it
# re-executes itself under unshare -m), and its rsyslogd's socket is bound
# over /dev/log there only, so that two test runs at once (two worktrees,
# a developer beside CI) never read each other's lines or kill each
# other's rsyslogd.  The namespace shares the file systems otherwise.
# (The bench sources this file too.)  Unlinking /dev/log outside would
# detach every namespace's bind, so only a machine without unshare does.
if [ "$(id -u)" = 0 ] && [ -z "${PF_MOUNT_NS:-}" ] &&
   command -v unshare >/dev/null 2>&1 && unshare -m --propagation private true 2>/dev/null; then
	PF_MOUNT_NS=1 exec unshare -m --propagation private /bin/bash "$0" "$@"
fi
. "${top_srcdir:-.}/tests/tap.sh"
. "${top_srcdir:-.}/tests/ports.sh"

pf_pick_port PF_SMTP_PORT || { echo "no free port" >&2; exit 1; }
pf_pick_port PF_SINK_PORT "$PF_SMTP_PORT" || { echo "no free port" >&2; exit 1; }
pf_pick_port PF_DNS_PORT "$PF_SMTP_PORT" "$PF_SINK_PORT" || { echo "no free port" >&2; exit 1; }
PF_TMP=$(mktemp -d /tmp/pf-it.XXXXXX)
chmod 755 "$PF_TMP"
_pf_pids=""
_pf_postfix=""
_pf_rsyslog=""

pf_track_pid() { _pf_pids="$_pf_pids $1"; }

PF_MILTER_CONF="$PF_TMP/milter/preflight.conf"
pf_milter_conf() {	# [TEXT]: more [milter] keys and/or further sections
	mkdir -p "$PF_TMP/milter"
	cat > "$PF_MILTER_CONF" <<EOC
[milter]
socket = unix:$PF_TMP/milter/preflight.sock
user = nobody
group = postfix
pidfile = $PF_TMP/milter/preflight.pid
${1:-}
EOC
}
pf_milter_spec() { echo "unix:$PF_TMP/milter/preflight.sock"; }
pf_start_milter() {
	[ -f "$PF_MILTER_CONF" ] || pf_milter_conf
	rm -f "$PF_TMP/milter/preflight.sock"
	"${top_builddir:-.}/milter/preflight-milter" -c "$PF_MILTER_CONF" || return 1
	pf_wait_file "$PF_TMP/milter/preflight.sock" 10 || return 1
	MPID=$(cat "$PF_TMP/milter/preflight.pid")
	pf_track_pid "$MPID"
}

pf_cleanup() {
	[ -n "$_pf_postfix" ] && postfix -c "$_pf_postfix" stop >/dev/null 2>&1
	for p in $_pf_pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $_pf_pids; do
		for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "$_pf_rsyslog" ] && [ -f "$_pf_rsyslog" ]; then
		kill "$(cat "$_pf_rsyslog")" 2>/dev/null
		sleep 0.2
	fi
	[ "${PF_KEEP:-0}" = 1 ] && echo "# kept $PF_TMP" || rm -rf "$PF_TMP"
}
trap pf_cleanup EXIT

pf_require_root_tools() {
	[ "${PREFLIGHT_INTEGRATION:-0}" = 1 ] || skip_all "set PREFLIGHT_INTEGRATION=1 to run integration tests"
	[ "$(id -u)" = 0 ] || skip_all "integration tests need root"
	for t in postfix swaks smtp-sink rsyslogd knotd kdig miltertest; do
		command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || skip_all "$t not installed (tests/deps.sh)"
	done
}

pf_wait_port() {	# PORT [SECS]
	local i n=$(( ${2:-10} * 10 ))
	for i in $(seq 1 $n); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	diag "port $1 did not open"; return 1
}

pf_wait_file() {	# FILE [SECS]
	local i n=$(( ${2:-10} * 10 ))
	for i in $(seq 1 $n); do [ -e "$1" ] && return 0; sleep 0.1; done
	diag "$1 did not appear"; return 1
}

pf_wait_log() {		# FILE REGEX [SECS]
	local i n=$(( ${3:-10} * 10 ))
	for i in $(seq 1 $n); do grep -Eq -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
	diag "no /$2/ in $1 after ${3:-10} s"; return 1
}

pf_start_rsyslog() {
	local pidfile=$PF_TMP/rsyslog.pid sock=/dev/log
	if [ -n "${PF_MOUNT_NS:-}" ]; then
		sock=$PF_TMP/dev-log
	else	# no namespace: the shared /dev/log, a previous run's rsyslogd
		pidfile=/run/pf-test-rsyslog.pid
		if [ -f "$pidfile" ]; then
			kill "$(cat "$pidfile")" 2>/dev/null; sleep 0.5; rm -f "$pidfile"
		fi
		rm -f /dev/log
	fi
	cat > "$PF_TMP/rsyslog.conf" <<EOC
global(workDirectory="$PF_TMP")
module(load="imuxsock" SysSock.Name="$sock")
mail.* action(type="omfile" file="$PF_TMP/mail.log")
*.* action(type="omfile" file="$PF_TMP/all.log")
EOC
	rsyslogd -f "$PF_TMP/rsyslog.conf" -i "$pidfile" || { diag "rsyslogd failed"; return 1; }
	_pf_rsyslog=$pidfile
	pf_wait_file "$sock" 10 || return 1
	if [ "$sock" != /dev/log ]; then
		# a mount point for the bind: an empty file, seen by everyone but
		# used only through a namespace's bind (a stale socket will do)
		[ -e /dev/log ] || [ -L /dev/log ] || : > /dev/log
		mount --bind "$sock" /dev/log || { diag "cannot bind $sock over /dev/log"; return 1; }
	fi
	local i
	for i in $(seq 1 50); do
		logger -p mail.info "pf-test-probe $$"
		grep -q "pf-test-probe $$" "$PF_TMP/mail.log" 2>/dev/null && return 0
		sleep 0.2
	done
	diag "rsyslogd does not write $PF_TMP/mail.log"; return 1
}

pf_start_sink() {
	local try
	mkdir -p "$PF_TMP/sink"
	for try in 1 2; do
		smtp-sink -u root -d "$PF_TMP/sink/%M." "127.0.0.1:$PF_SINK_PORT" 100 &
		pf_track_pid $!
		pf_wait_listener $! "$PF_SINK_PORT" 10 && return 0
		# another process took the port since it was picked: a new one
		[ $try = 1 ] && pf_repick_port PF_SINK_PORT "$PF_SMTP_PORT" "$PF_DNS_PORT" || break
	done
	diag "smtp-sink did not start on 127.0.0.1:$PF_SINK_PORT"; return 1
}
pf_sink_files() { find "$PF_TMP/sink" -type f 2>/dev/null | sort; }
pf_sink_count() { pf_sink_files | wc -l; }
pf_sink_wait() {	# N [SECS]
	local i n=$(( ${2:-10} * 10 ))
	for i in $(seq 1 $n); do [ "$(pf_sink_count)" -ge "$1" ] && return 0; sleep 0.1; done
	diag "sink has $(pf_sink_count) messages, wanted $1"; return 1
}

pf_postfix_cmd() { postfix -c "$_pf_postfix" "$@"; }

pf_start_postfix() {	# [MILTER]
	local d="$PF_TMP/postfix" m=${1:-} try
	mkdir -p "$d/etc" "$d/spool" "$d/data"
	chown postfix "$d/data"
	cat > "$d/etc/main.cf" <<EOC
compatibility_level = 3.6
config_directory = $d/etc
queue_directory = $d/spool
data_directory = $d/data
mail_owner = postfix
setgid_group = postdrop
myhostname = relay.test
mydomain = test
myorigin = relay.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$PF_SINK_PORT
smtp_dns_support_level = disabled
smtputf8_enable = no
maillog_file = $PF_TMP/postfix.log
maillog_file_prefixes = $PF_TMP
message_size_limit = 52428800
queue_run_delay = 5s
minimal_backoff_time = 5s
maximal_backoff_time = 10s
smtpd_milters = $m
non_smtpd_milters = $m
milter_default_action = tempfail
milter_protocol = 6
milter_connect_macros = j {daemon_name} {client_addr} {client_name} v _
milter_mail_macros = i {auth_type} {auth_authen} {mail_addr}
milter_rcpt_macros = i {rcpt_addr}
milter_end_of_header_macros = i
milter_end_of_data_macros = i
disable_mime_output_conversion = yes
alias_maps =
alias_database =
${PF_POSTFIX_CONF:-}
EOC
	_pf_postfix="$d/etc"
	for try in 1 2; do
		cp /etc/postfix/master.cf "$d/etc/master.cf" 2>/dev/null || cp /usr/share/postfix/master.cf.dist "$d/etc/master.cf"
		# only our listener; nothing on port 25, nothing chrooted
		sed -i -e 's/^smtp \+inet .*/127.0.0.1:'"$PF_SMTP_PORT"' inet n - n - - smtpd/' \
		       -e 's/^\([a-z0-9]\+ \+\(unix\|fifo\|pass\|inet\) \+[-yn] \+[-yn] \+\)[-y]/\1n/' "$d/etc/master.cf"
		postfix -c "$d/etc" check >/dev/null 2>&1
		if script -eqc "postfix -c $d/etc start" /dev/null > "$PF_TMP/postfix-start.log" 2>&1; then
			pf_wait_port "$PF_SMTP_PORT" 20; return
		fi
		# master could not bind: another process took the port since it was picked
		[ $try = 1 ] && grep -q 'bind .*in use' "$PF_TMP/postfix-start.log" "$PF_TMP/postfix.log" 2>/dev/null &&
			pf_repick_port PF_SMTP_PORT "$PF_SINK_PORT" "$PF_DNS_PORT" || break
	done
	diag "postfix start failed: $(cat "$PF_TMP/postfix-start.log")"; return 1
}

pf_sendmail() { /usr/sbin/sendmail -C "$_pf_postfix" "$@"; }

pf_swaks() {
	PF_LAST="$PF_TMP/swaks.$((${_pf_swaks_n:-0} + 1)).log"
	_pf_swaks_n=$((${_pf_swaks_n:-0} + 1))
	swaks --server "127.0.0.1:$PF_SMTP_PORT" --helo client.test --timeout 60 "$@" > "$PF_LAST" 2>&1
	PF_LAST_RC=$?
	return 0
}

pf_start_knot() {	# ZONE_DIR: tests/knot.sh does the work (query counters too)
	. "${top_srcdir:-.}/tests/knot.sh"
	pf_knot_start "$(cd "$1" && pwd)" "$PF_TMP/knot" || { diag "knot failed to start"; return 1; }
	pf_track_pid "$(cat "$PF_TMP/knot/knot.pid")"
}
pf_stop_knot() { pf_knot_stop; }

pf_unbound_conf() {	# FILE: libunbound config forwarding to that knot
	cp "$PF_TMP/knot/unbound.conf" "$1"
}
