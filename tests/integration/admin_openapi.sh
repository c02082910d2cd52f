#!/bin/sh
# admin_openapi.sh -- docs/openapi.yaml is a valid OpenAPI 3 document (checked by
# @apidevtools/swagger-parser from tools/openapi's lock file), the validator does reject broken
# documents, every route of src/admin/routes.c is documented with its method, and every other
# path is a plugin's collection (x-lumen-plugin), probed in a daemon when the plugin is built.
# TAP output.
# Skipped only when tools/openapi/node_modules is missing (run `npm ci --prefix tools/openapi`).
set -u
SRC=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
DIR="$SRC/tools/openapi"
SPEC="$SRC/docs/openapi.yaml"

if [ ! -d "$DIR/node_modules/@apidevtools/swagger-parser" ] || ! command -v node >/dev/null; then
	echo "1..0 # SKIP tools/openapi/node_modules missing (npm ci --prefix tools/openapi)"
	exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$TMP/out"; }

if node "$DIR/validate.js" "$SPEC" >"$TMP/out" 2>&1; then
	ok "docs/openapi.yaml validates: $(cat "$TMP/out" | sed 's/.*: valid/valid/')"
else
	notok "docs/openapi.yaml validates"
fi

# The validator must fail on a dangling $ref and on an unknown schema type.
sed 's|#/components/schemas/Info"|#/components/schemas/NoSuchSchema"|' "$SPEC" >"$TMP/badref.yaml"
if node "$DIR/validate.js" "$TMP/badref.yaml" >"$TMP/out" 2>&1; then
	notok "a dangling \$ref is rejected"
else
	ok "a dangling \$ref is rejected"
fi
sed '0,/type: boolean/s//type: bool/' "$SPEC" >"$TMP/badtype.yaml"
if node "$DIR/validate.js" "$TMP/badtype.yaml" >"$TMP/out" 2>&1; then
	notok "an unknown schema type is rejected"
else
	ok "an unknown schema type is rejected"
fi

# Every row of the route table ({ "GET", V1 "/info", ... } or { "GET", "/metrics", ... }) is
# documented under the same path and method ("/sessions/" rows take the {id} parameter).
sed -n 's/^[[:space:]]*{ *"\([A-Z]*\)", \(V1 \)\{0,1\}"\([^"]*\)", \(true\|false\).*/\1 \2\3 \4/p' \
	"$SRC/src/admin/routes.c" | sed 's|^\([A-Z]*\) V1 |\1 /admin/v1|' >"$TMP/routes"
if [ ! -s "$TMP/routes" ]; then
	echo "no routes found in routes.c" >"$TMP/out"
	notok "routes.c rows are found"
fi
NODE_PATH="$DIR/node_modules" node -e '
const yaml = require("js-yaml"), fs = require("fs");
const api = yaml.load(fs.readFileSync(process.argv[1], "utf8"));
let missing = 0;
for (const line of fs.readFileSync(process.argv[2], "utf8").trim().split("\n")) {
  let [method, path, param] = line.split(" ");
  if (param === "true") path += "{id}";
  const item = api.paths[path];
  if (!item || !item[method.toLowerCase()]) { console.log(`${method} ${path} is not documented`); missing++; }
  else console.log(`${method} ${path} documented`);
}
process.exit(missing ? 1 : 0);' "$SPEC" "$TMP/routes" >"$TMP/out" 2>&1
if [ $? -eq 0 ]; then
	ok "all $(wc -l <"$TMP/routes") routes of src/admin/routes.c are in docs/openapi.yaml"
else
	notok "all routes of src/admin/routes.c are in docs/openapi.yaml"
fi

# Paths that are not core routes are plugin collections and say which plugin serves them
# (x-lumen-plugin: PACKAGE). When that plugin is in the build tree's plugin directory (rooms.so
# for janus.plugin.videoroom), a daemon loading it must answer every documented GET of them:
# 200, or the plugin's own {"error":"..."} (e.g. no such room 1), never the core's "no such
# endpoint". Without the plugin the check is skipped.
NODE_PATH="$DIR/node_modules" node -e '
const yaml = require("js-yaml"), fs = require("fs");
const api = yaml.load(fs.readFileSync(process.argv[1], "utf8"));
const core = new Set(fs.readFileSync(process.argv[2], "utf8").trim().split("\n")
  .map((l) => { let [, p, param] = l.split(" "); return param === "true" ? p + "{id}" : p; }));
let bad = 0;
for (const [path, item] of Object.entries(api.paths)) {
  if (core.has(path)) continue;
  if (!item["x-lumen-plugin"]) { console.log(`${path}: not a core route and no x-lumen-plugin`); bad++; }
  else if (item.get) console.log(`PROBE ${item["x-lumen-plugin"]} ${path.replace(/\{[a-z]+\}/g, "1")}`);
}
process.exit(bad ? 1 : 0);' "$SPEC" "$TMP/routes" >"$TMP/out" 2>&1
if [ $? -eq 0 ]; then
	ok "every other documented path is marked x-lumen-plugin"
else
	notok "every other documented path is marked x-lumen-plugin"
fi
grep '^PROBE ' "$TMP/out" >"$TMP/probes"
BUILD=${top_builddir:-.}
SO="$BUILD/tests/plugins-dir/rooms.so"
if [ ! -s "$TMP/probes" ]; then
	:
elif [ ! -e "$SO" ] || [ ! -x "$BUILD/src/lumen" ] || ! command -v curl >/dev/null; then
	n=$((n + 1))
	echo "ok $n - plugin paths answer in a daemon with the plugin # SKIP $SO not built"
else
	free() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
	port=$(free)
	mkdir -p "$TMP/plugins" "$TMP/state"
	ln -s "$(cd "$(dirname "$SO")" && pwd)/rooms.so" "$TMP/plugins/rooms.so"
	# The recorder's collection (lumen.plugin.recorder) is documented too: load it when built.
	[ -e "$BUILD/tests/plugins-dir/recorder.so" ] &&
		ln -s "$(cd "$(dirname "$SO")" && pwd)/recorder.so" "$TMP/plugins/recorder.so"
	printf 'recorder = { dir = "%s/state/recordings"; };\n' "$TMP" >"$TMP/lumen.cfg"
	[ -e "$TMP/plugins/recorder.so" ] || : >"$TMP/lumen.cfg"
	"$BUILD/src/lumen" -c "$TMP/lumen.cfg" --set "http.listen=127.0.0.1:$(free)" \
		--set "admin.listen=127.0.0.1:$port" \
		--set "plugins.dir=$TMP/plugins" --set "general.state_dir=$TMP/state" \
		>"$TMP/lumen.log" 2>&1 &
	pid=$!
	i=0
	while [ $i -lt 100 ] && ! curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
	: >"$TMP/out"
	while read -r _ pkg path; do
		st=$(curl -s -o "$TMP/body" -w '%{http_code}' "http://127.0.0.1:$port$path")
		if [ "$st" = 200 ] || { [ "$st" = 404 ] && grep -q '"error": *"' "$TMP/body"; }; then
			echo "GET $path ($pkg): $st" >>"$TMP/out"
		else
			echo "GET $path ($pkg): $st $(cat "$TMP/body")" >>"$TMP/out"
			echo bad >>"$TMP/bad"
		fi
	done <"$TMP/probes"
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ ! -e "$TMP/bad" ]; then
		ok "plugin paths answer in a daemon with the plugin ($(wc -l <"$TMP/probes") GETs)"
	else
		cat "$TMP/lumen.log" >>"$TMP/out"
		notok "plugin paths answer in a daemon with the plugin"
	fi
fi

echo "1..$n"
[ $fail -eq 0 ]
