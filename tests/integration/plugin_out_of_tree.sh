#!/bin/sh
# plugin_out_of_tree.sh -- the plugin guide, step by step, as a test (TAP).
#
# Installs only the public header and lumen-plugin.pc into a DESTDIR, builds
# docs/examples/hello-plugin there with its own Makefile through pkg-config (so it can see
# nothing but the installed header), loads it with the real plugin host (plugin_probe), signs it
# with the openssl command line exactly as docs/plugin-guide.md says, and checks that the
# build-tree plugin directory (tests/plugins-dir) serves echotest.
set -u
: "${top_srcdir:?run from make check, or set top_srcdir and top_builddir}" "${top_builddir:?}"
probe="$top_builddir/tests/integration/plugin_probe"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lumen-plugin-oot.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0

result() { # result STATUS DESCRIPTION: prints a TAP line, and the captured output on failure
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		sed 's/^/# /' "$tmp/out" "$tmp/err" 2>/dev/null
	fi
}
has() { grep -qF -- "$1" "$tmp/out"; }
run() { "$@" >"$tmp/out" 2>"$tmp/err"; }

echo "1..10"

run make -C "$top_builddir" install-lumenincludeHEADERS install-lumenpcDATA DESTDIR="$tmp/root"
pc=$(find "$tmp/root" -name lumen-plugin.pc | head -n 1)
hdr=$(find "$tmp/root" -path '*/lumen/plugin.h' | head -n 1)
[ -n "$pc" ] && [ -n "$hdr" ]
result $? "make install DESTDIR installs <lumen/plugin.h> and lumen-plugin.pc"

cp -R "$top_srcdir/docs/examples/hello-plugin" "$tmp/hello" && chmod -R u+w "$tmp/hello"
rm -f "$tmp/hello/hello.so"
run env PKG_CONFIG_PATH="$(dirname "${pc:-/nonexistent}")" PKG_CONFIG_SYSROOT_DIR="$tmp/root" \
	make -C "$tmp/hello" CFLAGS="-O2 -Werror"
st=$?
grep -qF -- "-I$tmp/root" "$tmp/out" || st=1
result $st "hello-plugin builds with its own Makefile against the installed header only"

mkdir -p "$tmp/plugins" && cp "$tmp/hello/hello.so" "$tmp/plugins/" 2>/dev/null
run "$probe" --message lumen.example.hello '{"request":"hello","name":"Ada"}' "$tmp/plugins"
has '"loaded":["lumen.example.hello"]' && has '"hello":"Hello, Ada!"' && has '"kind":"sync"'
result $? "the host loads hello.so and it answers a request"

run "$probe" --section 'hello={"greeting":"Hi"}' \
	--message lumen.example.hello '{"request":"hello","name":"Ada"}' "$tmp/plugins"
has '"hello":"Hi, Ada!"'
result $? "the plugin's config section reaches its init"

run "$probe" --section 'helo={}' "$tmp/plugins"
[ $? -eq 1 ] && has "'helo'"
result $? "a config section no plugin claims is an error naming it"

# Signing, as in docs/plugin-guide.md.
(cd "$tmp" &&
	openssl genpkey -algorithm ed25519 -out signing-key.pem &&
	openssl pkey -in signing-key.pem -pubout -out signing-key.pub.pem &&
	openssl pkeyutl -sign -rawin -inkey signing-key.pem -in plugins/hello.so \
		-out plugins/hello.so.sig) >"$tmp/out" 2>"$tmp/err"
st=$?
[ "$(wc -c <"$tmp/plugins/hello.so.sig" 2>/dev/null)" -eq 64 ] 2>/dev/null || st=1
result $st "openssl signs hello.so with a raw 64-byte Ed25519 signature"

run "$probe" --require-signed "$tmp/signing-key.pub.pem" "$tmp/plugins"
has '"loaded":["lumen.example.hello"]' && has '"refused":[]'
result $? "with require_signed the signed plugin loads"

printf 'x' >>"$tmp/plugins/hello.so"
run "$probe" --require-signed "$tmp/signing-key.pub.pem" "$tmp/plugins"
has '"loaded":[]' && has 'does not match any trusted key'
result $? "with require_signed a modified plugin is refused"

run "$probe" --message janus.plugin.echotest '{"audio":true,"video":true}' \
	"$top_builddir/tests/plugins-dir"
has '"janus.plugin.echotest"' && has '"kind":"async"' && has '"events":[{"echotest":"event","result":"ok"}]'
result $? "tests/plugins-dir serves echotest.so, which answers janus.plugin.echotest requests"

run make -C "$top_builddir" install-lumenpluginLTLIBRARIES DESTDIR="$tmp/root2"
so=$(find "$tmp/root2" -path '*/lumen/plugins/echotest.so' | head -n 1)
st=1
if [ -n "$so" ]; then
	run "$probe" --message janus.plugin.echotest '{"video":false}' "$(dirname "$so")"
	st=$?
	# Every installed plugin loads (echotest first in name order, then rooms).
	has '"loaded":["janus.plugin.echotest"' && has '"refused":[]' || st=1
fi
result $st "make install DESTDIR puts echotest.so in lib/lumen/plugins, where the host loads it"
