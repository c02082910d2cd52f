# src/webrtc/rxloop.mk -- the daemon's receive loop (established connections' media read with
# recvmmsg from one epoll set per main context), part of the WebRTC library, with its unit test.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/rxloop.c src/webrtc/rxloop.h
check_PROGRAMS += tests/unit/test_rxloop
TESTS += tests/unit/test_rxloop
tests_unit_test_rxloop_SOURCES = tests/unit/test_rxloop.c tests/unit/udp_loopback.c \
	tests/unit/udp_loopback.h
tests_unit_test_rxloop_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_rxloop_LDADD = $(WEBRTC_TEST_LIBS)
