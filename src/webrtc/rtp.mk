# src/webrtc/rtp.mk -- build rules for src/webrtc (included by Makefile.am).
# RTP/RTCP codecs, packet buffers, per-stream statistics, NACK and the retransmission cache.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/bytes.h src/webrtc/rtp.c src/webrtc/rtp.h \
	src/webrtc/rtcp.c src/webrtc/rtcp_tcc.c src/webrtc/rtcp.h src/webrtc/pktbuf.c src/webrtc/pktbuf.h \
	src/webrtc/rtp_stats.c src/webrtc/rtp_stats.h src/webrtc/nack.c src/webrtc/nack.h \
	src/webrtc/pktcache.c src/webrtc/pktcache.h

check_PROGRAMS += tests/unit/test_rtp tests/unit/test_rtcp tests/unit/test_pktbuf \
	tests/unit/test_rtp_stats tests/unit/test_nack tests/unit/test_pktcache
TESTS += tests/unit/test_rtp tests/unit/test_rtcp tests/unit/test_pktbuf tests/unit/test_rtp_stats \
	tests/unit/test_nack tests/unit/test_pktcache
tests_unit_test_rtp_SOURCES = tests/unit/test_rtp.c
tests_unit_test_rtp_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_rtp_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_rtcp_SOURCES = tests/unit/test_rtcp.c
tests_unit_test_rtcp_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_rtcp_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_pktbuf_SOURCES = tests/unit/test_pktbuf.c
tests_unit_test_pktbuf_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_pktbuf_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_rtp_stats_SOURCES = tests/unit/test_rtp_stats.c
tests_unit_test_rtp_stats_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_rtp_stats_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_nack_SOURCES = tests/unit/test_nack.c
tests_unit_test_nack_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_nack_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_pktcache_SOURCES = tests/unit/test_pktcache.c
tests_unit_test_pktcache_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_pktcache_LDADD = $(WEBRTC_TEST_LIBS)

# Fuzz targets (tests/fuzz/fuzz.mk) and the replay of their corpora in `make check`. The source
# lists are target-specific so that automake does not take them for a program's _SOURCES.
FUZZ_TARGETS += rtp rtcp
tests/fuzz/fuzz-rtp: FUZZ_rtp_SOURCES = src/webrtc/rtp.c
tests/fuzz/fuzz-rtcp: FUZZ_rtcp_SOURCES = src/webrtc/rtcp.c src/webrtc/rtcp_tcc.c
check_PROGRAMS += tests/fuzz/replay_rtp tests/fuzz/replay_rtcp
TESTS += tests/fuzz/replay_rtp tests/fuzz/replay_rtcp
tests_fuzz_replay_rtp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rtp.c
tests_fuzz_replay_rtp_LDADD = src/webrtc/libwebrtc.la
tests_fuzz_replay_rtcp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rtcp.c
tests_fuzz_replay_rtcp_LDADD = src/webrtc/libwebrtc.la
EXTRA_DIST += tests/fuzz/gen_rtp_seeds.py

# Micro-benchmark, run by hand: tests/perf/perf_rtp [iterations]
noinst_PROGRAMS += tests/perf/perf_rtp
tests_perf_perf_rtp_SOURCES = tests/perf/perf_rtp.c
tests_perf_perf_rtp_LDADD = src/webrtc/libwebrtc.la
