# src/webrtc/subctx.mk -- a GMainContext run from another context's loop only when it has work
# (the daemon's ICE agents live on one), part of the WebRTC library, with its unit test.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/subctx.c src/webrtc/subctx.h
check_PROGRAMS += tests/unit/test_subctx
TESTS += tests/unit/test_subctx
tests_unit_test_subctx_SOURCES = tests/unit/test_subctx.c
tests_unit_test_subctx_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_subctx_LDADD = $(WEBRTC_TEST_LIBS)
