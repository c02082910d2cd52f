#!/bin/sh
# rooms_auto.sh -- end to end: an "auto" room goes from mesh to sfu when the 7th participant joins,
# and no stream of the first six freezes over the transition (rooms_auto.mjs). TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/rooms_lib.sh"

rooms_up
rooms_client rooms_auto.mjs
