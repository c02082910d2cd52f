# tests/integration/rooms.mk -- signalling-level tests of the rooms engine (no media). Included by Makefile.am.
# rooms_api.py: the janus.plugin.videoroom requests over the client API (WebSocket), static rooms,
# --check-config; rooms_admin.py: /admin/v1/rooms, /metrics and `lumenctl rooms` against the real
# plugin. Both use tests/plugins-dir/rooms.so and roomstest.py (helpers, with lumentest/apitest).
dist_check_SCRIPTS += tests/integration/rooms_api.py tests/integration/rooms_admin.py
TESTS += tests/integration/rooms_api.py tests/integration/rooms_admin.py
EXTRA_DIST += tests/integration/roomstest.py

# rooms_tokens.py: join tokens (JWT role and room claims) with the rooms engine.
dist_check_SCRIPTS += tests/integration/rooms_tokens.py
TESTS += tests/integration/rooms_tokens.py
