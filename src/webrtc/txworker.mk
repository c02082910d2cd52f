# src/webrtc/txworker.mk -- media transmit workers (broadcast fan-out, DESIGN.md decision 3): part
# of the WebRTC library, with its unit test.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/txworker.c src/webrtc/txworker.h
check_PROGRAMS += tests/unit/test_txworker
TESTS += tests/unit/test_txworker
tests_unit_test_txworker_SOURCES = tests/unit/test_txworker.c $(PC_PAIR_SOURCES)
tests_unit_test_txworker_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_txworker_LDADD = $(WEBRTC_TEST_LIBS)
