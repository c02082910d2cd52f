# src/webrtc/rtp.mk -- build rules for src/webrtc (included by Makefile.am).
# RTP/RTCP codecs, packet buffers, per-stream statistics, NACK and the retransmission cache.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/bytes.h src/webrtc/rtp.c src/webrtc/rtp.h \
	src/webrtc/rtcp.c src/webrtc/rtcp_tcc.c src/webrtc/rtcp.h

check_PROGRAMS += tests/unit/test_rtp tests/unit/test_rtcp
TESTS += tests/unit/test_rtp tests/unit/test_rtcp
tests_unit_test_rtp_SOURCES = tests/unit/test_rtp.c
tests_unit_test_rtp_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_rtp_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_rtcp_SOURCES = tests/unit/test_rtcp.c
tests_unit_test_rtcp_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_rtcp_LDADD = $(WEBRTC_TEST_LIBS)
