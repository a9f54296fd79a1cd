#!/bin/bash
# deps.sh - install every Debian 12 package preflight's build and tests need
# (run as root; idempotent: installs only what is missing).
set -eu
pkgs="build-essential autoconf automake libtool pkg-config git ca-certificates
clang libclang-rt-14-dev postfix swaks libmilter-dev libspf2-dev libopendkim-dev
libssl-dev libgmime-3.0-dev libpsl-dev libunbound-dev libevent-dev libinih-dev
libcmocka-dev libhiredis-dev redis-server libarchive-dev libicu-dev libidn2-dev libjson-glib-dev chromium opendkim opendkim-tools miltertest python3-dkim
python3-dnspython python3-yaml python3-spf knot knot-dnsutils rsyslog valgrind cppcheck
libmicrohttpd-dev prometheus logrotate procps psmisc iproute2 bsdextrautils util-linux openssl m4
dpkg-dev debhelper lintian fakeroot"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deps.sh: installing:$missing"
	stamp=/var/lib/apt/periodic/pf-update-stamp
	if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
		apt-get update -q
		mkdir -p "$(dirname "$stamp")" && touch "$stamp"
	fi
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
# Sendmail is never installed (Debian's packages conflict with postfix):
# tests/integration/sendmail-lib.sh fetches them with apt-get download and
# unpacks them into a private prefix under /var/cache/preflight-tests.
# The packages' own daemons are not ours: the tests start private instances.
for s in postfix opendkim knot rsyslog redis-server; do
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active -q "$s" 2>/dev/null; then
		systemctl stop "$s" || true
	fi
done
postfix status >/dev/null 2>&1 && postfix stop >/dev/null 2>&1 || true
getent group postdrop >/dev/null || groupadd --system postdrop
exit 0
