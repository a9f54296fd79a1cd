#!/bin/bash
# report.sh - "preflight report" over a generated audit log (make
# bench-report): BENCH_REPORT_LINES records (default 1000000, about 600
# bytes each, the mix of tests/report-gen.py bench) as a plain file and
# gzip, text with 1 and the default number of parser threads, and the HTML
# page.  A row: wall and CPU seconds, lines per wall second and per CPU
# second, peak RSS (getrusage of the child).  Wall time on a shared
# machine moves with the load; CPU seconds and RSS do not.
set -eu
S=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
B=${top_builddir:-$S}
N=${BENCH_REPORT_LINES:-1000000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

echo "generating $N records..." >&2
python3 "$S/tests/report-gen.py" bench "$N" "$W/audit.log"
gzip -1 -c "$W/audit.log" > "$W/audit.log.gz"
MB=$(( $(stat -c %s "$W/audit.log") / 1048576 ))
GZMB=$(( $(stat -c %s "$W/audit.log.gz") / 1048576 ))

run() {	# label args...: one row
	local label=$1; shift
	python3 - "$label" "$N" "$@" <<'EOF'
import resource, subprocess, sys, time
label, n, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
t = time.monotonic()
p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.monotonic() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = ru.ru_utime + ru.ru_stime
if p.returncode:
    sys.exit("%s: exit %d: %s" % (label, p.returncode, p.stderr.decode()[-300:]))
print("%-22s %9d %8.2f %8.2f %11.0f %11.0f %9.1f" %
      (label, n, wall, cpu, n / wall, n / cpu, ru.ru_maxrss / 1024))
EOF
}

PF="$B/tools/preflight"
jobs=$(nproc); [ "$jobs" -gt 4 ] && jobs=4
echo "# preflight report benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $N lines ($MB MB, gzip $GZMB MB), load $(cut -d' ' -f1 /proc/loadavg)"
printf '%-22s %9s %8s %8s %11s %11s %9s\n' run lines wall_s cpu_s lines/s lines/cpu_s rss_mb
run "text, --jobs 1" "$PF" report --jobs 1 "$W/audit.log"
run "text, --jobs $jobs" "$PF" report --jobs "$jobs" "$W/audit.log"
run "text, gzip, --jobs $jobs" "$PF" report --jobs "$jobs" "$W/audit.log.gz"
run "html, --jobs $jobs" "$PF" report --jobs "$jobs" --format html "$W/audit.log"
run "json, stdin, --jobs $jobs" sh -c "'$PF' report --jobs $jobs --format json < '$W/audit.log'"
