#!/bin/sh
# rooms_broadcast.sh -- end to end: a broadcast room with 20 viewers, a refused viewer publish, raised
# hand, promotion and the promoted viewer reaching the others (rooms_broadcast.mjs). TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/rooms_lib.sh"

rooms_up
rooms_client rooms_broadcast.mjs
