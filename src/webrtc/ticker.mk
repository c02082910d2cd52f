# src/webrtc/ticker.mk -- coalescing periodic ticks (included by Makefile.am).
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/ticker.c src/webrtc/ticker.h

check_PROGRAMS += tests/unit/test_ticker
TESTS += tests/unit/test_ticker
tests_unit_test_ticker_SOURCES = tests/unit/test_ticker.c
tests_unit_test_ticker_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_ticker_LDADD = $(WEBRTC_TEST_LIBS)
