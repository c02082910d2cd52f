#!/bin/sh
# rooms_mesh.sh -- end to end: 3 headless Chromium participants in a "mesh" room of lumen's rooms
# engine (janus.plugin.videoroom) see and hear each other within 5 s (rooms_mesh.mjs). TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/rooms_lib.sh"

rooms_up
rooms_client rooms_mesh.mjs
