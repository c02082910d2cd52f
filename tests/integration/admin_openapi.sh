#!/bin/sh
# admin_openapi.sh -- docs/openapi.yaml is a valid OpenAPI 3 document (checked by
# @apidevtools/swagger-parser from tools/openapi's lock file), the validator does reject broken
# documents, and every route of src/admin/routes.c is documented with its method. TAP output.
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

echo "1..$n"
[ $fail -eq 0 ]
