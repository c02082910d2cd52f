# tests/e2e/rooms_media.mk -- rooms end to end under random packet loss (tc) and with GStreamer webrtcbin
# publishers/subscribers. Included by Makefile.am.
#
# rooms_loss.sh: a sfu room, one Chromium publisher and one Chromium subscriber (janus.js), 5 %
# random loss on the namespace's media path; video keeps decoding, NACKs are answered.
# rooms_webrtcbin.sh: GStreamer webrtcbin as publisher (Chromium subscribes) and as subscriber
# (Chromium publishes).
# rooms_firefox.sh: Firefox ESR (puppeteer-core, WebDriver BiDi) and Chromium each publish and
# subscribe to the other. All need root (network namespace); skipped otherwise.
dist_check_SCRIPTS += tests/e2e/rooms_loss.sh tests/e2e/rooms_webrtcbin.sh tests/e2e/rooms_firefox.sh
TESTS += tests/e2e/rooms_loss.sh tests/e2e/rooms_webrtcbin.sh tests/e2e/rooms_firefox.sh
EXTRA_DIST += tests/e2e/rooms_media_loss.mjs tests/e2e/rooms_media_webrtcbin.mjs tests/e2e/rooms_firefox.mjs \
	tests/e2e/rooms_webrtcbin.py tests/e2e/pages/rooms_media.html
