# src/webrtc/sctp.mk -- data channels: the DCEP codec (RFC 8832) and its tests and fuzz target.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/dcep.c src/webrtc/dcep.h

check_PROGRAMS += tests/unit/test_dcep
TESTS += tests/unit/test_dcep
tests_unit_test_dcep_SOURCES = tests/unit/test_dcep.c
tests_unit_test_dcep_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_dcep_LDADD = $(WEBRTC_TEST_LIBS)

FUZZ_TARGETS += dcep
tests/fuzz/fuzz-dcep: FUZZ_dcep_SOURCES = src/webrtc/dcep.c
check_PROGRAMS += tests/fuzz/replay_dcep
TESTS += tests/fuzz/replay_dcep
tests_fuzz_replay_dcep_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_dcep.c
tests_fuzz_replay_dcep_LDADD = src/webrtc/libwebrtc.la
