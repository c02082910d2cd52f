# tests/e2e/rooms_media.mk -- rooms end to end under loss (tc netem) and with GStreamer webrtcbin
# publishers/subscribers. Included by Makefile.am.
