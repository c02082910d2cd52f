# lib.sh -- TAP helpers for shell integration tests (sourced, POSIX sh).
# top_builddir and top_srcdir come from `make check`'s environment.
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(pwd)}"
LUMEN="$top_builddir/src/lumen"
TAP_N=0
TAP_FAILED=0

ok() { # ok CONDITION-EXIT-CODE NAME
	TAP_N=$((TAP_N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $TAP_N - $2"
	else
		TAP_FAILED=$((TAP_FAILED + 1))
		echo "not ok $TAP_N - $2"
	fi
}

diag() { sed 's/^/# /'; }

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
