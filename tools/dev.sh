#!/bin/sh
# dev.sh -- the two commands of the README quick start.
#
#   tools/dev.sh run    install what is missing, build, start lumen in the foreground on
#                       127.0.0.1 with conf/lumen.cfg, and print the demo page's URL
#   tools/dev.sh test   install what is missing, build, run the whole test suite (unit,
#                       integration, browser end-to-end, fuzz-corpus replay) in a -Werror build
#                       and again under ASan+UBSan, then `make distcheck` (without the media
#                       end-to-end tests, which just ran twice); ends with one line
#                       "tests: N passed, N failed, N skipped"
#
# Both run as root on a fresh Debian 12 machine (or as a user with sudo) and are safe to re-run:
# packages are only installed when missing, npm packages come from committed lock files, and the
# builds live in build/ and build-asan/ beside the sources.
set -eu

cd "$(dirname "$0")/.."
SRC=$(pwd)
JOBS=$(nproc 2>/dev/null || echo 2)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

setup() {
	log "installing Debian packages (skipped when present)"
	tools/install-deps.sh
	for dir in tests/e2e tools/openapi; do
		if [ -f "$dir/package-lock.json" ]; then
			log "npm ci in $dir (from its committed lock file)"
			npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error >/dev/null
		fi
	done
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
		log "autoreconf"
		autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
	fi
}

# build DIR [configure flags...]: configure once (again when configure changed), then make.
build() {
	dir=$1; shift
	mkdir -p "$dir"
	if [ ! -f "$dir/config.status" ] || [ configure -nt "$dir/config.status" ]; then
		log "configure $* in $dir"
		(cd "$dir" && "$SRC/configure" -q "$@")
	fi
	log "make in $dir"
	make -C "$dir" -j"$JOBS" -s >/dev/null
}

# check DIR: run the suite; the summary of each pass is kept for the final line.
check() {
	dir=$1
	log "make check in $dir"
	status=0
	make -C "$dir" -j"$JOBS" check >"$dir/check-output.txt" 2>&1 || status=$?
	grep -E '^(PASS|FAIL|ERROR|XPASS|SKIP):|^# (TOTAL|PASS|SKIP|XFAIL|FAIL|XPASS|ERROR):' \
		"$dir/check-output.txt" | grep -v '^PASS:' || true
	if [ $status -ne 0 ]; then
		log "failures in $dir (logs: $dir/test-suite.log)"
		# Show the failing tests' own logs, so CI output says why.
		for f in $(grep -lE '^(not ok|Bail out)' $(find "$dir" -name '*.log' ! -name test-suite.log ! -name config.log) 2>/dev/null); do
			echo "---- $f"; grep -E -B2 -A12 '^(not ok|Bail out)' "$f" | head -80
		done
	fi
	return $status
}

count() { # count DIR FIELD -> number from the automake summary
	sed -n "s/^# $2: *//p" "$1/test-suite.log" 2>/dev/null | head -1
}

case "${1:-}" in
run)
	setup
	build build --enable-werror
	mkdir -p build/state
	# The demo page (docs/demo.md) comes straight from the source tree, so edits show on reload.
	url="http://127.0.0.1:8088/"
	log "starting lumen (client API http://127.0.0.1:8088/janus, HTTP and WebSocket; admin API http://127.0.0.1:7088/admin/v1); Ctrl-C stops it"
	echo "lumen: open $url (the demo page: open it in two windows and press Join in each)"
	exec build/src/lumen -c conf/lumen.cfg \
		--set plugins.dir="$SRC/build/tests/plugins-dir" \
		--set general.state_dir="$SRC/build/state" \
		--set http.demo_dir="$SRC/tools/demo" \
		--set recorder.dir="$SRC/build/state/recordings" \
		--set recorder.pp_path="$SRC/build/tools/pp/lumen-pp"
	;;
test)
	setup
	fail=0
	build build --enable-werror
	check build || fail=1
	build build-asan --enable-werror --enable-sanitizers
	check build-asan || fail=1
	if command -v systemd-analyze >/dev/null; then
		log "systemd-analyze verify"
		make -C build -s systemd/lumen.service >/dev/null
		if ! tools/verify-unit.sh build/systemd/lumen.service; then fail=1; fi
	fi
	log "make distcheck"
	# The media end-to-end tests ran in both builds above: distcheck checks the tarball
	# (tests/e2e/lib.sh, LUMEN_SKIP_MEDIA_E2E).
	if ! LUMEN_SKIP_MEDIA_E2E=1 make -C build -j"$JOBS" distcheck >build/distcheck-output.txt 2>&1; then
		tail -40 build/distcheck-output.txt
		# The tail shows only the summary: name the failing tests and show their logs too.
		grep -E '^(FAIL|ERROR|XPASS):' build/distcheck-output.txt || true
		for f in $(grep -lE '^(not ok|Bail out)' $(find build/lumen-*/_build -name '*.log' ! -name test-suite.log ! -name config.log 2>/dev/null) 2>/dev/null); do
			echo "---- $f"; grep -E -B2 -A12 '^(not ok|Bail out)' "$f" | head -80
		done
		log "make distcheck failed (build/distcheck-output.txt)"
		fail=1
	else
		grep -E '^=+$|archives ready|lumen-.*\.tar' build/distcheck-output.txt | tail -3
	fi
	p=0 f=0 s=0
	for dir in build build-asan; do
		p=$((p + $(count $dir PASS || echo 0)))
		f=$((f + $(count $dir FAIL || echo 0) + $(count $dir ERROR || echo 0) + $(count $dir XPASS || echo 0)))
		s=$((s + $(count $dir SKIP || echo 0)))
	done
	[ $fail -eq 0 ] || [ $f -gt 0 ] || f=1
	echo "tests: $p passed, $f failed, $s skipped"
	[ $fail -eq 0 ]
	;;
*)
	echo "usage: tools/dev.sh run|test" >&2
	exit 2
	;;
esac
