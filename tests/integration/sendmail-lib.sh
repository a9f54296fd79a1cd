# sendmail-lib.sh - a real Sendmail 8.17 for the integration tests (sourced
# after lib.sh, in place of pf_start_postfix).  Debian 12's sendmail
# packages conflict with postfix, so they are never installed: "apt-get
# download" fetches sendmail-bin, sendmail-cf, sendmail-base, libwrap0 (the
# one library sendmail-bin needs that the machine may lack) and sasl2-bin
# (saslpasswd2) once into $PF_SM_CACHE (/var/cache/preflight-tests/sendmail),
# "dpkg -x" unpacks them into a private prefix there, and later runs reuse
# both.
#
#   pf_sendmail_prefix          fetch and unpack once; sets PF_SM_BIN, or
#                               fails with the reason in PF_SM_WHY
#   pf_start_sendmail [FLAGS]   sendmail -bd on 127.0.0.1:$PF_SMTP_PORT (so
#                               pf_swaks and smtp.py reach it) relaying to
#                               the sink, with preflight-milter as its one
#                               INPUT_MAIL_FILTER (F=FLAGS: T by default; ""
#                               for none); sets SMPID, PF_SM_LOG_ID.  SMTP
#                               AUTH PLAIN/LOGIN for $PF_SM_AUTH_USER with
#                               $PF_SM_AUTH_PASS (a private sasldb);
#                               PF_SM_MILTER_LOG_LEVEL (9) is Sendmail's
#                               milter log level (22 logs each header sent)
#   pf_stop_sendmail            stop it and wait (the port is free again)
#   pf_sendmail_qid FILE        the queue id in swaks's 250 reply
#
# The .cf is built with m4 (sendmail-cf's cf.m4) from a minimal .mc: every
# path in $PF_TMP/sendmail, no aliases, no MSA port, no ident, the queue and
# refuse load averages out of the way of a busy machine, SMTP AUTH, then
# contrib/sendmail/preflight.mc as operators use it (INPUT_MAIL_FILTER and
# the milter macros of each stage), only the socket and F= changed.
#
# Sendmail looks its own name up at start-up and logs to /dev/log: it runs
# in a mount namespace of its own (unshare -m) where /etc/hosts names it
# relay.test on loopback, resolv.conf points at 127.0.0.1 with a 1 s
# timeout, and the service switch says "files", so that nothing leaves
# loopback; /dev/log there is the one the script's rsyslogd serves.
PF_SM_CACHE=${PF_SM_CACHE:-/var/cache/preflight-tests/sendmail}
PF_SM_AUTH_USER=alice PF_SM_AUTH_PASS=sm-test-secret
PF_SM_PKGS="sendmail-bin sendmail-cf sendmail-base libwrap0 sasl2-bin"

pf_sendmail_prefix() {
	local p=$PF_SM_CACHE/prefix out tmp d
	PF_SM_BIN=$p/usr/libexec/sendmail/sendmail
	PF_SM_CF_M4=$p/usr/share/sendmail/cf/m4/cf.m4
	PF_SM_LIBS=$(echo "$p"/usr/lib/*-linux-gnu "$p"/lib/*-linux-gnu | tr ' ' :)
	PF_SM_SASLPASSWD=$p/usr/sbin/saslpasswd2
	[ "$(cat "$p/.packages" 2>/dev/null)" = "$PF_SM_PKGS" ] && return 0
	command -v m4 >/dev/null 2>&1 || { PF_SM_WHY="m4 not installed (tests/deps.sh)"; return 1; }
	mkdir -p "$PF_SM_CACHE/debs" || { PF_SM_WHY="cannot create $PF_SM_CACHE"; return 1; }
	(	# one run fetches, a concurrent one waits for it
		flock 9
		[ "$(cat "$p/.packages" 2>/dev/null)" = "$PF_SM_PKGS" ] && exit 0
		cd "$PF_SM_CACHE/debs" || exit 1
		for d in $PF_SM_PKGS; do
			ls "${d}"_*.deb >/dev/null 2>&1 && continue
			out=$(apt-get download -q -o APT::Sandbox::User=root "$d" 2>&1) ||
				{ echo "apt-get download $d: $(echo "$out" | tail -1)" >&2; exit 1; }
		done
		tmp=$(mktemp -d "$PF_SM_CACHE/prefix.XXXXXX") || exit 1
		for d in $PF_SM_PKGS; do
			dpkg -x "$(ls "${d}"_*.deb | tail -1)" "$tmp" || { rm -rf "$tmp"; exit 1; }
		done
		# a private copy: no setgid (ld.so would ignore LD_LIBRARY_PATH)
		chmod 755 "$tmp/usr/libexec/sendmail/sendmail"
		echo "$PF_SM_PKGS" > "$tmp/.packages"
		rm -rf "$p" && mv "$tmp" "$p"
	) 9> "$PF_SM_CACHE/.lock" 2> "$PF_TMP/sendmail-fetch.err" ||
		{ PF_SM_WHY="cannot fetch Debian's sendmail packages: $(tail -1 "$PF_TMP/sendmail-fetch.err")"; return 1; }
	[ -x "$PF_SM_BIN" ] || { PF_SM_WHY="no $PF_SM_BIN after unpacking"; return 1; }
}

_pf_sm_mc() {	# FLAGS: the .mc, to stdout: the test's paths, then contrib/sendmail/preflight.mc
	local d=$PF_TMP/sendmail p=$PF_SM_CACHE/prefix f=""
	[ -n "$1" ] && f="F=$1, "
	cat <<EOC
divert(0)dnl
VERSIONID(\`preflight integration test')dnl
OSTYPE(\`linux')dnl
define(\`MAIL_SETTINGS_DIR', \`$d/')dnl
define(\`HELP_FILE', \`$p/etc/mail/helpfile')dnl
undefine(\`ALIAS_FILE')dnl
define(\`QUEUE_DIR', \`$d/mq')dnl
define(\`confPID_FILE', \`$d/sendmail.pid')dnl
define(\`STATUS_FILE', \`$d/sendmail.st')dnl
define(\`confDEAD_LETTER_DROP', \`$d/dead.letter')dnl
define(\`confSERVICE_SWITCH_FILE', \`$d/service.switch')dnl
define(\`confHOSTS_FILE', \`$d/hosts')dnl
define(\`confDOMAIN_NAME', \`relay.test')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confDONT_BLAME_SENDMAIL', \`TrustStickyBit')dnl
define(\`confQUEUE_LA', \`100')dnl
define(\`confREFUSE_LA', \`100')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`confLOG_LEVEL', \`9')dnl
define(\`confMILTER_LOG_LEVEL', \`${PF_SM_MILTER_LOG_LEVEL:-9}')dnl
define(\`SMART_HOST', \`[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $PF_SINK_PORT')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $PF_SINK_PORT')dnl
define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl
FEATURE(\`no_default_msa')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`nocanonify')dnl
DAEMON_OPTIONS(\`Port=$PF_SMTP_PORT, Addr=127.0.0.1, Name=MTA')dnl
EOC
	# the operators' snippet itself, on this run's socket, with FLAGS
	sed -e "s|S=unix:/run/preflight/preflight.sock, F=T, |S=$(pf_milter_spec), $f|" \
		"${top_srcdir:-.}/contrib/sendmail/preflight.mc"
	printf 'MAILER(`local'"'"')dnl\nMAILER(`smtp'"'"')dnl\n'
}

pf_start_sendmail() {	# [FLAGS]
	local d=$PF_TMP/sendmail flags=${1-T} try i
	pf_sendmail_prefix || return 1
	mkdir -p "$d/mq"
	chmod 700 "$d/mq"
	printf '127.0.0.1 relay.test localhost %s\n::1 relay.test localhost %s\n' \
		"$(hostname)" "$(hostname)" > "$d/hosts"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' > "$d/resolv.conf"
	printf 'hosts files\naliases files\n' > "$d/service.switch"
	: > "$d/sendmail.st"
	# SMTP AUTH ({auth_authen}): one user in a private sasldb, Cyrus
	# SASL's Sendmail.conf bound over /usr/lib/sasl2 in the namespace
	mkdir -p "$d/sasl2"
	printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s/sasldb2\nmech_list: PLAIN LOGIN\n' \
		"$d" > "$d/sasl2/Sendmail.conf"
	printf '%s' "$PF_SM_AUTH_PASS" | LD_LIBRARY_PATH="$PF_SM_LIBS" "$PF_SM_SASLPASSWD" \
		-f "$d/sasldb2" -u relay.test -p -c "$PF_SM_AUTH_USER" ||
		{ diag "saslpasswd2 failed"; return 1; }
	chmod 600 "$d/sasldb2"
	for try in 1 2; do
		_pf_sm_mc "$flags" > "$d/preflight-test.mc"
		m4 "$PF_SM_CF_M4" "$d/preflight-test.mc" > "$d/sendmail.cf" 2> "$d/m4.err" ||
			{ diag "m4 failed: $(cat "$d/m4.err")"; return 1; }
		grep -q "^Xpreflight, S=$(pf_milter_spec), " "$d/sendmail.cf" ||
			{ diag "contrib/sendmail/preflight.mc no longer has the S= the test replaces"; return 1; }
		rm -f "$d/sendmail.pid"
		# PF_SM_LOG_ID: the syslog tag, so that the script finds its lines
		PF_SM_LOG_ID=sm-preflight
		unshare -m --propagation private /bin/sh -ec '
			d=$1; shift
			mount --bind "$d/hosts" /etc/hosts
			mount --bind "$d/resolv.conf" /etc/resolv.conf
			for c in /etc/sasl2 /usr/lib/sasl2; do
				[ -d $c ] && mount --bind "$d/sasl2" $c
			done
			exec "$@"' sh "$d" env LD_LIBRARY_PATH="$PF_SM_LIBS" \
			"$PF_SM_BIN" -L "$PF_SM_LOG_ID" -C "$d/sendmail.cf" -bd \
			< /dev/null > "$d/start.out" 2>&1 ||
			{ diag "sendmail -bd failed: $(cat "$d/start.out")"; return 1; }
		for i in $(seq 1 50); do [ -s "$d/sendmail.pid" ] && break; sleep 0.1; done
		SMPID=$(head -1 "$d/sendmail.pid" 2>/dev/null)
		if [ -n "$SMPID" ] && pf_wait_listener "$SMPID" "$PF_SMTP_PORT" 10; then
			pf_track_pid "$SMPID"
			return 0
		fi
		# another process took the port since it was picked: a new one
		[ $try = 1 ] && pf_repick_port PF_SMTP_PORT "$PF_SINK_PORT" "$PF_DNS_PORT" || break
	done
	diag "sendmail did not listen on 127.0.0.1:$PF_SMTP_PORT: $(cat "$d/start.out"; tail -3 "$PF_TMP/mail.log" 2>/dev/null)"
	return 1
}

pf_stop_sendmail() {
	[ -n "${SMPID:-}" ] || return 0
	kill -TERM "$SMPID" 2>/dev/null
	_pf_pids=${_pf_pids/ $SMPID/}
	for _ in $(seq 1 100); do kill -0 "$SMPID" 2>/dev/null || break; sleep 0.1; done
	SMPID=""
}

pf_sendmail_qid() {	# FILE: "250 2.0.0 QUEUEID Message accepted for delivery"
	sed -n 's/.*<- *250 2\.0\.0 \([0-9A-Za-z]*\) Message accepted.*/\1/p' "$1" | head -1
}
