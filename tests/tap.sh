# tap.sh - TAP helpers for the shell tests (sourced).
#   ok STATUS DESC | is GOT WANT DESC | like STR REGEX DESC | unlike STR REGEX DESC
#   skip_all REASON | diag TEXT | tap_done (prints the plan; exit 1 if any failed)
#   sanitizer_build (true when $top_builddir was configured --enable-sanitizers)
# Output is TAP for automake's tap-driver.sh.
_tap_n=0
_tap_failed=0

diag() { printf '# %s\n' "$*" | sed '2,$s/^/# /'; }

_tap_result() {	# status desc
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$_tap_n" "$2"
	else
		printf 'not ok %d - %s\n' "$_tap_n" "$2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

ok() { _tap_result "$1" "$2"; }

is() {
	if [ "$1" = "$2" ]; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; diag "got:  '$1'"; diag "want: '$2'"; fi
}

like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then _tap_result 0 "$3"; else
		_tap_result 1 "$3"; diag "no match for /$2/ in:"; diag "$1"; fi
}

unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		_tap_result 1 "$3"; diag "unexpected match for /$2/ in:"; diag "$1"
	else _tap_result 0 "$3"; fi
}

skip_all() { printf '1..0 # SKIP %s\n' "$*"; exit 0; }

sanitizer_build() { grep -q '^PF_SAN_CFLAGS = -f' "${top_builddir:-.}/Makefile" 2>/dev/null; }

tap_done() {
	printf '1..%d\n' "$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}
