# tests/e2e/rooms.mk -- end-to-end tests of the rooms engine with real clients (headless
# Chromium + janus.js, GStreamer webrtcbin) inside a private network namespace (needs root;
# skipped otherwise). Included by Makefile.am. Registered by the test files' owners below.
#
# Headless Chromium + Debian's janus.js (pages/rooms.html, driven by rooms_*.mjs through
# playwright-core): mesh with follow-all subscribers.
dist_check_SCRIPTS += tests/e2e/rooms_mesh.sh
TESTS += tests/e2e/rooms_mesh.sh
EXTRA_DIST += tests/e2e/rooms_lib.sh tests/e2e/rooms_lib.mjs tests/e2e/pages/rooms.html \
	tests/e2e/rooms_mesh.mjs
# broadcast: presenters, 20 viewers, raised hand and promotion.
dist_check_SCRIPTS += tests/e2e/rooms_broadcast.sh
TESTS += tests/e2e/rooms_broadcast.sh
EXTRA_DIST += tests/e2e/rooms_broadcast.mjs
# auto: mesh -> sfu when the 7th joins; no stream of the first six freezes > 1 s (in-page recorders).
dist_check_SCRIPTS += tests/e2e/rooms_auto.sh
TESTS += tests/e2e/rooms_auto.sh
EXTRA_DIST += tests/e2e/rooms_auto.mjs
# sfu: simulcast layers chosen by configure, switch, the automatic layer under a tc cap, down
# under it and back up once it lifts.
dist_check_SCRIPTS += tests/e2e/rooms_sfu.sh
TESTS += tests/e2e/rooms_sfu.sh
EXTRA_DIST += tests/e2e/rooms_sfu.mjs
