# src/webrtc/crypto.mk -- build rules for src/webrtc (included by Makefile.am).
# RFC 7983 demux + STUN framing check, SRTP (libsrtp2), certificates, and their tests.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/demux.c src/webrtc/demux.h \
	src/webrtc/srtp.c src/webrtc/srtp.h src/webrtc/srtp_gcm.c src/webrtc/srtp_gcm.h \
	src/webrtc/cert.c src/webrtc/cert.h \
	src/webrtc/dtls.c src/webrtc/dtls.h

check_PROGRAMS += tests/unit/test_demux tests/unit/test_srtp tests/unit/test_srtp_gcm \
	tests/unit/test_cert tests/unit/test_dtls
TESTS += tests/unit/test_demux tests/unit/test_srtp tests/unit/test_srtp_gcm tests/unit/test_cert \
	tests/unit/test_dtls
tests_unit_test_demux_SOURCES = tests/unit/test_demux.c
tests_unit_test_demux_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_demux_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_srtp_SOURCES = tests/unit/test_srtp.c
tests_unit_test_srtp_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_srtp_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_srtp_gcm_SOURCES = tests/unit/test_srtp_gcm.c
tests_unit_test_srtp_gcm_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_srtp_gcm_LDADD = $(WEBRTC_TEST_LIBS) $(SRTP_LIBS) $(OPENSSL_LIBS)
tests_unit_test_cert_SOURCES = tests/unit/test_cert.c
tests_unit_test_cert_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_cert_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_dtls_SOURCES = tests/unit/test_dtls.c
tests_unit_test_dtls_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_dtls_LDADD = $(WEBRTC_TEST_LIBS)

# Fuzz targets (tests/fuzz/fuzz.mk): the demux/STUN check and the DTLS engine. Their library
# sources are target-specific variables (automake rejects *_SOURCES that name no program).
FUZZ_TARGETS += demux dtls srtp
tests/fuzz/fuzz-demux: FUZZ_demux_SOURCES = src/webrtc/demux.c
tests/fuzz/fuzz-srtp: FUZZ_srtp_SOURCES = src/webrtc/srtp_gcm.c
tests/fuzz/fuzz-dtls: FUZZ_dtls_SOURCES = src/webrtc/dtls.c src/webrtc/cert.c src/webrtc/srtp.c \
	src/webrtc/srtp_gcm.c
check_PROGRAMS += tests/fuzz/replay_demux tests/fuzz/replay_dtls tests/fuzz/replay_srtp
TESTS += tests/fuzz/replay_demux tests/fuzz/replay_dtls tests/fuzz/replay_srtp
tests_fuzz_replay_srtp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_srtp.c
tests_fuzz_replay_srtp_LDADD = src/webrtc/libwebrtc.la
tests_fuzz_replay_demux_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_demux.c
tests_fuzz_replay_demux_LDADD = src/webrtc/libwebrtc.la
tests_fuzz_replay_dtls_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_dtls.c
tests_fuzz_replay_dtls_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(OPENSSL_CFLAGS) $(SRTP_CFLAGS)
tests_fuzz_replay_dtls_LDADD = src/webrtc/libwebrtc.la
EXTRA_DIST += tests/fuzz/gen_dtls_seeds.c

# SRTP micro-benchmark, run by hand: tests/perf/perf_srtp [packets]
noinst_PROGRAMS += tests/perf/perf_srtp
tests_perf_perf_srtp_SOURCES = tests/perf/perf_srtp.c
tests_perf_perf_srtp_LDADD = src/webrtc/libwebrtc.la

# DTLS handshake CPU per side and flight, run by hand: tests/perf/perf_dtls [handshakes]
noinst_PROGRAMS += tests/perf/perf_dtls
tests_perf_perf_dtls_SOURCES = tests/perf/perf_dtls.c
tests_perf_perf_dtls_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(OPENSSL_CFLAGS)
tests_perf_perf_dtls_LDADD = src/webrtc/libwebrtc.la $(GLIB_LIBS)
