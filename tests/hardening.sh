#!/bin/sh
# hardening.sh - the installed programs are built hardened: PIE, full
# RELRO (BIND_NOW), stack protector, FORTIFY (when not a sanitizer build).
. "${top_srcdir:-.}/tests/tap.sh"
B="${top_builddir:-.}"
command -v readelf >/dev/null 2>&1 || skip_all "readelf missing"
grep -q 'enable_hardening=no\|--disable-hardening' "$B/config.log" 2>/dev/null && skip_all "built with --disable-hardening"
for p in milter/preflight-milter tools/preflight; do
	f="$B/$p"
	like "$(readelf -h "$f")" 'Type:[[:space:]]+DYN' "$p is PIE"
	like "$(readelf -l "$f")" 'GNU_RELRO' "$p has RELRO"
	like "$(readelf -d "$f")" 'BIND_NOW|FLAGS_1.*NOW' "$p binds now (full RELRO)"
	like "$(readelf -s --wide "$f")" '__stack_chk_fail' "$p uses the stack protector"
	if sanitizer_build; then
		ok 0 "$p FORTIFY: not checked in a sanitizer build"
	else
		like "$(readelf -s --wide "$f")" '__[a-z]*_chk' "$p uses FORTIFY_SOURCE checked functions"
	fi
done
tap_done
