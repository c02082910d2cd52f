# tests/e2e/rooms.mk -- end-to-end tests of the rooms engine with real clients (headless
# Chromium + janus.js, GStreamer webrtcbin) inside a private network namespace (needs root;
# skipped otherwise). Included by Makefile.am. Registered by the test files' owners below.
