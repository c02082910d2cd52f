# src/webrtc/rtp.mk -- build rules for src/webrtc (included by Makefile.am).
# RTP/RTCP codecs, packet buffers, per-stream statistics, NACK and the retransmission cache.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/bytes.h src/webrtc/rtp.c src/webrtc/rtp.h

check_PROGRAMS += tests/unit/test_rtp
TESTS += tests/unit/test_rtp
tests_unit_test_rtp_SOURCES = tests/unit/test_rtp.c
tests_unit_test_rtp_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_rtp_LDADD = $(WEBRTC_TEST_LIBS)
