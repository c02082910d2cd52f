#!/bin/sh
# lumenctl_rooms.sh -- `lumenctl rooms ...` against the real daemon serving canned rooms replies
# from the test plugin admin_stub.so (tests/integration/admin_stub_plugin.c): tables, --json,
# the request bodies the options build, the server's {"error":"..."} messages and exit codes.
# It checks lumenctl's formatting only; the rooms plugin's own behaviour is tested with it.
# TAP output; every wait is bounded.
. "$(dirname "$0")/lib.sh"
CTL="$top_builddir/tools/ctl/lumenctl"
SO="$top_builddir/tests/integration/.libs/admin_stub.so"
if [ ! -f "$SO" ]; then
	echo "1..0 # SKIP $SO not built (make check builds it)"
	exit 0
fi
TMP=$(mktemp -d)
PID=""
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$TMP/plugins" "$TMP/empty"
ln -s "$SO" "$TMP/plugins/admin_stub.so"
ADMIN_PORT=$(free_port)
SECRET="lumenctl-rooms-secret"
printf 'admin: { token = "tok"; jwt_secret = "%s"; };\n' "$SECRET" >"$TMP/lumen.cfg"
start() { # start PLUGIN-DIR PORT
	"$LUMEN" -c "$TMP/lumen.cfg" --set "http.listen=127.0.0.1:$(free_port)" \
		--set "admin.listen=127.0.0.1:$2" --set "plugins.dir=$1" \
		--set "general.state_dir=$TMP" >"$TMP/lumen.log" 2>&1 &
	PID=$!
	i=0
	while [ $i -lt 100 ] && ! curl -sf "http://127.0.0.1:$2/readyz" >/dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
	curl -sf "http://127.0.0.1:$2/readyz" >/dev/null 2>&1
}
start "$TMP/plugins" "$ADMIN_PORT"
ok $? "the daemon with the stub rooms collection is ready"
export LUMEN_ADMIN_URL="http://127.0.0.1:$ADMIN_PORT" LUMEN_ADMIN_TOKEN=tok

run() { # run NAME EXPECTED-EXIT ARGS...: stdout in $TMP/out, stderr in $TMP/err
	name=$1 want=$2
	shift 2
	"$CTL" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ "$rc" -eq "$want" ]
	ok $? "$name (exit $want)"
	[ "$rc" -eq "$want" ] || { echo "exit $rc" | diag; diag <"$TMP/out"; diag <"$TMP/err"; }
}
has() { # has FILE PATTERN NAME
	grep -q -- "$2" "$1"
	ok $? "$3"
	grep -q -- "$2" "$1" || diag <"$1"
}

# --- usage ---
run "--help lists the rooms commands" 0 --help
has "$TMP/out" "rooms kick ID PARTICIPANT" "--help shows rooms kick"
run "rooms without a subcommand" 2 rooms
run "an unknown rooms subcommand" 2 rooms frob
has "$TMP/err" 'unknown rooms subcommand "frob"' "the unknown subcommand is named"
run "rooms show without an ID" 2 rooms show
run "rooms show with a non-numeric ID" 2 rooms show abc
run "rooms create with a non-numeric --bitrate" 2 rooms create --bitrate fast
has "$TMP/err" 'needs a non-negative integer, not "fast"' "the bad value is named"
run "rooms edit without options" 2 rooms edit 1
run "rooms edit does not take --id" 2 rooms edit 1 --id 5
run "rooms kick with one argument" 2 rooms kick 1

# --- reads ---
run "rooms list" 0 rooms list
has "$TMP/out" "^ROOM  MODE  EFFECTIVE_MODE  PARTICIPANTS" "rooms list prints a table header"
has "$TMP/out" "^1     auto  mesh            2 .*Demo room$" "rooms list shows room 1"
run "rooms list --json" 0 rooms list --json
jq -e '.rooms[0].room == 1 and .rooms[0].static == true' "$TMP/out" >/dev/null
ok $? "rooms list --json is the server's JSON"
run "rooms show 1" 0 rooms show 1
has "$TMP/out" "^description  *Demo room$" "rooms show prints the room's fields"
has "$TMP/out" "^ID    DISPLAY  ROLE       PUBLISHER  STREAMS  SUBSCRIPTIONS$" "rooms show prints the participants' header"
has "$TMP/out" "^4242  Ada      publisher  yes        1        1$" "rooms show lists a participant"
run "rooms participants 1" 0 rooms participants 1
has "$TMP/out" "^4343  Grace    viewer     no         0        1$" "rooms participants lists them"
run "rooms participants 1 --json" 0 --json rooms participants 1
jq -e '.participants[0].streams[0].codec == "opus"' "$TMP/out" >/dev/null
ok $? "rooms participants --json keeps the streams"
run "an unknown room exits 1" 1 rooms show 12
has "$TMP/err" "the server answered 404: no such room 12" "the server's error is quoted"

# --- writes ---
run "rooms create with every option" 0 rooms create --id 7 --mode sfu --description "-Team sync" \
	--max-participants 20 --max-publishers=5 --bitrate 512000 --secret s3 --pin 1234 \
	--auto-sfu-at 4 --auto-broadcast-at 40
has "$TMP/out" "^room 7 created$" "rooms create confirms with the id"
has "$TMP/out" "^description  *-Team sync$" "a value may start with a dash"
has "$TMP/out" "^pin_required  *yes$" "the pin is sent"
run "rooms create --json" 0 rooms create --json --mode mesh
jq -e '.room >= 100 and .mode == "mesh"' "$TMP/out" >/dev/null
ok $? "rooms create --json prints the server's room (id chosen by the server)"
run "an existing room id exits 1" 1 rooms create --id 7
has "$TMP/err" "409: room exists: 7" "the conflict is reported"
run "an invalid mode exits 1" 1 rooms create --mode star
has "$TMP/err" "400: mode: must be one of mesh, sfu, broadcast, auto" "the server's reason is shown"
run "rooms edit" 0 rooms edit 7 --mode broadcast --max-publishers 1
has "$TMP/out" "^room 7 updated$" "rooms edit confirms"
has "$TMP/out" "^effective_mode  *broadcast$" "rooms edit shows the new room"
run "rooms kick" 0 rooms kick 1 4242
has "$TMP/out" "^participant 4242 kicked from room 1$" "rooms kick confirms"
run "kicking an unknown participant exits 1" 1 rooms kick 1 99
run "rooms destroy" 0 rooms destroy 7
has "$TMP/out" "^room 7 destroyed$" "rooms destroy confirms"
run "rooms destroy --json prints nothing" 0 --json rooms destroy 1
[ ! -s "$TMP/out" ]
ok $? "a 204 with --json prints nothing"
run "the destroyed room is gone" 1 rooms show 7

# --- roles ---
b64() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64)
p=$(printf '{"role":"viewer","sub":"ci","exp":%d}' $(($(date +%s) + 600)) | b64)
s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -hmac "$SECRET" -binary | b64)
run "a viewer lists rooms" 0 --token "$h.$p.$s" rooms list
run "a viewer may not create a room (exit 4)" 4 --token "$h.$p.$s" rooms create
has "$TMP/err" "permission denied" "the refusal says permission denied"

# --- no rooms plugin ---
kill "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PORT2=$(free_port)
start "$TMP/empty" "$PORT2"
ok $? "a daemon without plugins is ready"
run "rooms list without the rooms plugin exits 1" 1 --url "http://127.0.0.1:$PORT2" rooms list
has "$TMP/err" "is the rooms plugin, janus.plugin.videoroom, loaded" "the hint names the plugin"
done_testing
