#!/bin/sh
# rooms_sfu.sh -- end to end: simulcast publishers, explicit subscriber, layer choice (configure),
# switch, and the automatic layer choice under a tc cap (rooms_sfu.mjs). TAP.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
. "$top_srcdir/tests/e2e/rooms_lib.sh"

rooms_up
rooms_client rooms_sfu.mjs
