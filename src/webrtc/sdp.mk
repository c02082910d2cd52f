# src/webrtc/sdp.mk -- the SDP codec (parse, write, candidates), its unit tests and fixtures.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/sdp.c src/webrtc/sdp_parse.c src/webrtc/sdp_write.c \
	src/webrtc/sdp_candidate.c
noinst_HEADERS += src/webrtc/sdp.h src/webrtc/sdp_internal.h

check_PROGRAMS += tests/unit/test_sdp
TESTS += tests/unit/test_sdp
tests_unit_test_sdp_SOURCES = tests/unit/test_sdp.c
tests_unit_test_sdp_CPPFLAGS = $(AM_CPPFLAGS) -DLUMEN_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_sdp_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_sdp_LDADD = $(WEBRTC_TEST_LIBS) $(GLIB_LIBS)

# Captured descriptions and the scripts that captured them (tests/fixtures/capture/).
EXTRA_DIST += tests/fixtures/sdp tests/fixtures/capture
