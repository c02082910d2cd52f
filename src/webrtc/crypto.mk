# src/webrtc/crypto.mk -- build rules for src/webrtc (included by Makefile.am).
# RFC 7983 demux + STUN framing check, SRTP (libsrtp2), certificates, and their tests.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/demux.c src/webrtc/demux.h \
	src/webrtc/srtp.c src/webrtc/srtp.h src/webrtc/cert.c src/webrtc/cert.h \
	src/webrtc/dtls.c src/webrtc/dtls.h

check_PROGRAMS += tests/unit/test_demux tests/unit/test_srtp tests/unit/test_cert \
	tests/unit/test_dtls
TESTS += tests/unit/test_demux tests/unit/test_srtp tests/unit/test_cert tests/unit/test_dtls
tests_unit_test_demux_SOURCES = tests/unit/test_demux.c
tests_unit_test_demux_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_demux_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_srtp_SOURCES = tests/unit/test_srtp.c
tests_unit_test_srtp_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_srtp_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_cert_SOURCES = tests/unit/test_cert.c
tests_unit_test_cert_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_cert_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_dtls_SOURCES = tests/unit/test_dtls.c
tests_unit_test_dtls_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_dtls_LDADD = $(WEBRTC_TEST_LIBS)
