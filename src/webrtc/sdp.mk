# src/webrtc/sdp.mk -- the SDP codec (parse, write, candidates, answer builder), its unit tests,
# captured fixtures and fuzz target.
#
# The codec is a libtool convenience library of its own, so that plugins that write SDP (rooms)
# link it statically into their -module .so without the rest of the engine; libwebrtc.la takes
# it whole. Objects are PIC (LT_INIT disable-static); -fvisibility=hidden keeps a plugin's copy
# of lumen_sdp_* private to it.
noinst_LTLIBRARIES += src/webrtc/libsdp.la
src_webrtc_libsdp_la_SOURCES = src/webrtc/sdp.c src/webrtc/sdp_parse.c src/webrtc/sdp_write.c \
	src/webrtc/sdp_candidate.c src/webrtc/sdp_answer.c src/webrtc/sdp_attr.c
src_webrtc_libsdp_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
src_webrtc_libsdp_la_LIBADD = $(GLIB_LIBS)
src_webrtc_libwebrtc_la_LIBADD += src/webrtc/libsdp.la
noinst_HEADERS += src/webrtc/sdp.h src/webrtc/sdp_internal.h

check_PROGRAMS += tests/unit/test_sdp
TESTS += tests/unit/test_sdp
tests_unit_test_sdp_SOURCES = tests/unit/test_sdp.c
tests_unit_test_sdp_CPPFLAGS = $(AM_CPPFLAGS) -DLUMEN_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_sdp_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_sdp_LDADD = $(WEBRTC_TEST_LIBS) $(GLIB_LIBS)

# Captured descriptions and the scripts that captured them (tests/fixtures/capture/).
EXTRA_DIST += tests/fixtures/sdp tests/fixtures/capture

# Fuzz target (tests/fuzz/fuzz.mk) and the replay of its corpus in `make check`. The source list is
# target-specific so that automake does not take it for a program's _SOURCES.
FUZZ_TARGETS += sdp
tests/fuzz/fuzz-sdp: FUZZ_sdp_SOURCES = src/webrtc/sdp.c src/webrtc/sdp_parse.c \
	src/webrtc/sdp_write.c src/webrtc/sdp_candidate.c src/webrtc/sdp_answer.c src/webrtc/sdp_attr.c
check_PROGRAMS += tests/fuzz/replay_sdp
TESTS += tests/fuzz/replay_sdp
tests_fuzz_replay_sdp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_sdp.c
tests_fuzz_replay_sdp_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_fuzz_replay_sdp_LDADD = src/webrtc/libwebrtc.la $(GLIB_LIBS)
