#!/bin/bash
# debian-package.sh - the Debian package end to end: build debian/ from a
# copy of the distributed tree (make distdir, so the worktree is never
# touched), lintian, install the .deb into the machine, check what it
# installed and with which owners and modes, start the daemon with the
# command lines of its systemd unit (systemd is not PID 1 here), send mail
# through a private Postfix to the packaged socket, then purge and check
# that nothing is left.  One package build a run (about 2 minutes on 2
# cores).
#
# The machine's /etc and /run are seen through private copy-on-write
# overlays (this script runs in a mount namespace of its own, lib.sh):
# the user, group, conffile and socket directory the package makes are
# this run's only, a preflight account or a /run/preflight that someone
# else uses (contrib/demo.sh makes both) is neither reused nor disturbed,
# and the run starts from a machine without them.  What dpkg writes
# outside them (/usr, /lib, /var) is removed by the purge and checked.
. "${top_srcdir:-.}/tests/integration/lib.sh"
pf_require_root_tools
B="${top_builddir:-.}"
for t in dpkg-buildpackage dh lintian apt-get fakeroot; do
	command -v "$t" >/dev/null 2>&1 || skip_all "$t not installed (tests/deps.sh)"
done
[ -n "${PF_MOUNT_NS:-}" ] || skip_all "needs a private mount namespace (unshare -m)"
st=$(dpkg-query -W -f='${db:Status-Abbrev}' preflight 2>/dev/null)
case "$st" in "" | un*) ;; *) skip_all "a preflight package is on this machine (dpkg: $st): not replacing it" ;; esac
[ -e /var/log/preflight ] && skip_all "/var/log/preflight exists: the purge would remove it"
getent passwd postfix >/dev/null || skip_all "no postfix user"

UNIT=/lib/systemd/system/preflight-milter.service
SOCK=/run/preflight/preflight.sock
OV=$PF_TMP/overlay
DPID=""

overlay() {	# DIR: a private writable view of DIR
	mkdir -p "$OV/$1.up" "$OV/$1.work"
	mount -t overlay overlay -o "lowerdir=/$1,upperdir=$OV/$1.up,workdir=$OV/$1.work" "/$1" &&
		[ "$(findmnt -n -o FSTYPE "/$1" | tail -1)" = overlay ]
}

installed() { dpkg-query -W -f='${db:Status-Abbrev}' preflight 2>/dev/null | grep -q '^i'; }

pkg_cleanup() {	# whatever happened: no daemon, no package, no overlays
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	installed && dpkg --purge preflight >/dev/null 2>&1
	[ -n "$_pf_postfix" ] && postfix -c "$_pf_postfix" stop >/dev/null 2>&1 && _pf_postfix=""
	umount /run 2>/dev/null || umount -l /run 2>/dev/null
	umount /etc 2>/dev/null || umount -l /etc 2>/dev/null
	pf_cleanup
}
trap pkg_cleanup EXIT

if ! overlay etc || ! overlay run; then
	echo "Bail out! cannot lay a private overlay over /etc and /run"
	exit 1
fi
# a machine without the account and the socket directory (this view only)
if getent passwd preflight >/dev/null; then userdel preflight 2>/dev/null; fi
if getent group preflight >/dev/null; then groupdel preflight 2>/dev/null; fi
rm -rf /run/preflight
is "$(getent passwd preflight; getent group preflight; ls -d /run/preflight 2>/dev/null)" "" \
	"start: no preflight user, group or /run/preflight (private view)"

# 1. build from the distributed tree
ver=$(sed -n 's/^PACKAGE_VERSION = //p' "$B/Makefile")
src=$PF_TMP/src
mkdir -p "$src"
make -s -C "$B" distdir distdir="$src/preflight-$ver" > "$PF_TMP/distdir.log" 2>&1
ok $? "make distdir copies the tree to build from"
t0=$(date +%s)
(cd "$src/preflight-$ver" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u top_srcdir -u top_builddir \
	DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) > "$PF_TMP/build.log" 2>&1
rc=$?
diag "dpkg-buildpackage took $(( $(date +%s) - t0 )) s"
ok $rc "dpkg-buildpackage -us -uc -b builds the package"
[ $rc = 0 ] || diag "$(tail -30 "$PF_TMP/build.log")"
deb=$(ls "$src"/preflight_"$ver"_*.deb 2>/dev/null | head -1)
ok "$([ -f "$deb" ]; echo $?)" "preflight_${ver}_*.deb is there ($(basename "$deb"))"
unlike "$(cat "$PF_TMP/build.log")" "^# TOTAL:|^(PASS|FAIL): tests/" "DEB_BUILD_OPTIONS=nocheck: debian/rules runs no tests"
like "$(dpkg-deb -f "$deb" Depends)" 'libarchive[0-9]+.*libicu[0-9]+' \
	"Depends names libarchive and ICU, which preflight opens with dlopen()"
contents=$(dpkg-deb -c "$deb" 2>&1 | awk '{print $6}')
for f in ./usr/sbin/preflight-milter ./usr/bin/preflight ./etc/preflight/preflight.conf \
	 ./lib/systemd/system/preflight-milter.service ./usr/lib/tmpfiles.d/preflight.conf \
	 ./usr/share/man/man8/preflight-milter.8.gz ./usr/share/man/man5/preflight.conf.5.gz \
	 ./usr/share/man/man1/preflight.1.gz ./etc/preflight/keys/; do
	like "$contents" "^${f//./\\.}\$" "the package holds $f"
done

lintian --fail-on error "$src"/preflight_"$ver"_*.changes > "$PF_TMP/lintian.log" 2>&1
ok $? "lintian --fail-on error: no errors"
grep -E '^[EW]: ' "$PF_TMP/lintian.log" | sed 's/^/lintian: /' | while read -r l; do diag "$l"; done

# 2. install into the machine
apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=300 "$deb" > "$PF_TMP/install.log" 2>&1
rc=$?
ok $rc "apt-get install ./$(basename "$deb")"
[ $rc = 0 ] || diag "$(tail -20 "$PF_TMP/install.log")"
installed
ok $? "dpkg lists preflight as installed"
pw=$(getent passwd preflight)
like "$pw" "^preflight:x:[0-9]+:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin\$" "postinst made the preflight account (no home, no shell)"
uid=$(echo "$pw" | cut -d: -f3)
ok "$([ -n "$uid" ] && [ "$uid" -lt 1000 ]; echo $?)" "preflight is a system account (uid $uid)"
is "$(id -gn preflight 2>/dev/null)" preflight "its primary group is preflight"
like " $(id -nG postfix) " " preflight " "postinst put postfix in group preflight"
like "$(dpkg-query -W -f='${Conffiles}' preflight)" "^ /etc/preflight/preflight\.conf [0-9a-f]{32}\$" \
	"/etc/preflight/preflight.conf is a registered conffile"
mode() { stat -c '%U:%G %a' "$1" 2>&1; }
is "$(mode /etc/preflight/preflight.conf)" "root:preflight 640" "configuration: root:preflight 0640 (may hold redis_password)"
is "$(mode /etc/preflight/keys)" "root:preflight 750" "key directory: root:preflight 0750"
is "$(mode /run/preflight)" "preflight:preflight 750" "/run/preflight from tmpfiles.d: preflight:preflight 0750"
is "$(mode /var/log/preflight)" "preflight:adm 2750" "/var/log/preflight: preflight:adm 2750"
is "$(mode /usr/sbin/preflight-milter) $(mode /usr/bin/preflight)" "root:root 755 root:root 755" "daemon and CLI installed"
ok "$([ -L /etc/systemd/system/multi-user.target.wants/preflight-milter.service ]; echo $?)" \
	"the unit is enabled (multi-user.target.wants)"
like "$(zcat /usr/share/man/man8/preflight-milter.8.gz)" "/etc/preflight/preflight\.conf" \
	"preflight-milter(8) names the packaged configuration"
out=$(/usr/sbin/preflight-milter -n 2>&1)
is "$out" "/etc/preflight/preflight.conf: configuration OK" "preflight-milter -n: the default configuration is the packaged one, and valid"
out=$(/usr/bin/preflight config --check 2>&1)
ok $? "preflight config --check reads the packaged configuration ($out)"

# reinstalling (an upgrade's postinst path): the local edit of the conffile
# stays, the modes are set again, postfix is in the group once
echo "# local change $$" >> /etc/preflight/preflight.conf
dpkg -i "$deb" < /dev/null > "$PF_TMP/reinstall.log" 2>&1
ok $? "dpkg -i of the same package again (postinst configure with the old version)"
like "$(tail -1 /etc/preflight/preflight.conf)" "^# local change $$\$" "the administrator's edit of the conffile is kept"
is "$(mode /etc/preflight/preflight.conf) $(mode /etc/preflight/keys)" "root:preflight 640 root:preflight 750" \
	"modes unchanged after reinstall"
is "$(id -nG postfix | tr ' ' '\n' | grep -cx preflight)" 1 "postfix is in group preflight once"

# 3. the daemon as its unit starts it
pre=$(sed -n 's/^ExecStartPre=//p' "$UNIT")
start=$(sed -n 's/^ExecStart=//p' "$UNIT")
like "$start" "^/usr/sbin/preflight-milter( |\$)" "the unit starts /usr/sbin/preflight-milter ($start)"
pf_start_rsyslog
$pre > "$PF_TMP/pre.log" 2>&1
ok $? "ExecStartPre ($pre) passes"
$start > "$PF_TMP/daemon.log" 2>&1 &
DPID=$!
pf_wait_file "$SOCK" 15
ok $? "ExecStart ($start) opens $SOCK"
is "$(mode "$SOCK")" "preflight:preflight 660" "socket preflight:preflight 0660"
sleep 0.5
is "$(ps -o user= -p "$DPID" 2>/dev/null)" preflight "the daemon runs as user preflight"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 -c \
	"import socket; socket.socket(socket.AF_UNIX).connect('$SOCK')" 2>&1)
like "$out" "PermissionError" "a user outside group preflight cannot reach the socket"

pf_start_sink
pf_start_postfix "unix:$SOCK"
pf_swaks --from alice@example.com --to bob@example.org --h-Subject "packaged" --body "Hello from the package."
is "$PF_LAST_RC" 0 "mail through Postfix and the packaged milter: accepted"
qid=$(sed -n 's/.*250 2\.0\.0 Ok: queued as \([0-9A-Za-z]*\).*/\1/p' "$PF_LAST" | head -1)
pf_sink_wait 1 30
is "$(pf_sink_count)" 1 "the message is relayed to the sink"
pf_wait_log "$PF_TMP/mail.log" "preflight-milter\[$DPID\]: $qid: action=" 15
like "$(cat "$PF_TMP/mail.log")" "preflight-milter\[$DPID\]: $qid: action=[a-z]+ stage=eom .*from=<alice@example\.com>" \
	"decision line for $qid in syslog"
diag "$(grep "$qid: action=" "$PF_TMP/mail.log")"
unlike "$(cat "$PF_TMP/postfix.log")" "milter.*(Permission denied|connect to)" "Postfix reached the socket"

kill -TERM "$DPID"
wait "$DPID"
ok $? "the daemon stops on SIGTERM with status 0"
DPID=""
ok "$([ ! -e /run/preflight/preflight-milter.pid ]; echo $?)" "it removed its pid file"

# 4. purge: nothing of the package is left
dpkg --purge preflight > "$PF_TMP/purge.log" 2>&1
ok $? "dpkg --purge preflight"
st=$(dpkg-query -W -f='${db:Status-Abbrev}' preflight 2>/dev/null | tr -d ' ')
ok "$(case "$st" in "" | un) echo 0 ;; *) echo 1 ;; esac)" "dpkg: not installed, no config files left (status '$st')"
left=""
for f in /usr/sbin/preflight-milter /usr/bin/preflight /etc/preflight "$UNIT" \
	 /etc/systemd/system/multi-user.target.wants/preflight-milter.service \
	 /usr/lib/tmpfiles.d/preflight.conf /usr/share/doc/preflight /var/log/preflight /run/preflight \
	 /usr/share/man/man8/preflight-milter.8.gz /usr/share/man/man1/preflight.1.gz \
	 /usr/share/man/man5/preflight.conf.5.gz /var/lib/dpkg/info/preflight.list; do
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
left="$left$(ls -d /var/lib/systemd/deb-systemd-helper-enabled/*preflight* 2>/dev/null | tr '\n' ' ')"
is "$left" "" "purge leaves no file of the package"
ok "$(getent passwd preflight >/dev/null; echo $?)" "the preflight account stays (Debian practice; private view here)"

tap_done
