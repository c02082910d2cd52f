# tests/e2e/e2e.mk -- browser and real-client end-to-end tests (included by Makefile.am).
#
# janusjs_api.py: janus.js (Debian's libjs-janus-gateway, with libjs-webrtc-adapter) in Debian's
# headless Chromium, driven by playwright-core from tests/e2e/node_modules (`npm ci --prefix
# tests/e2e`), against the client API over HTTP and WebSocket. Skips cleanly when chromium or
# node_modules are absent.
dist_check_SCRIPTS += tests/e2e/janusjs_api.py
TESTS += tests/e2e/janusjs_api.py
EXTRA_DIST += tests/e2e/janusjs_api.mjs tests/e2e/pages/janusjs_api.html

# Media end to end, with real WebRTC clients inside a private network namespace (needs root;
# skipped otherwise): Chromium + janus.js, and GStreamer's webrtcbin, against the echotest.
dist_check_SCRIPTS += tests/e2e/echotest_browser.sh tests/e2e/echotest_webrtcbin.sh
TESTS += tests/e2e/echotest_browser.sh tests/e2e/echotest_webrtcbin.sh
# The same echotest with lumen's ICE on two addresses: the receive loop watches each agent's
# second UDP socket, with no timer (webrtc/rxloop.h).
dist_check_SCRIPTS += tests/e2e/ice_addresses_browser.sh
TESTS += tests/e2e/ice_addresses_browser.sh
EXTRA_DIST += tests/e2e/lib.sh tests/e2e/netns.sh tests/e2e/echotest.mjs tests/e2e/webrtcbin_echo.py \
	tests/e2e/pages/echotest.html tests/e2e/package.json tests/e2e/package-lock.json

# The lock that serialises the media end-to-end tests (tests/e2e/lib.sh, e2e_start).
CLEANFILES += tests/e2e-media.lock
