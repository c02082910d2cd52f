# src/webrtc/sctp.mk -- data channels: the DCEP codec (RFC 8832), the SCTP association engine on
# usrsctp (AF_CONN, RFC 8831/8841), their unit tests and the DCEP fuzz target.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/dcep.c src/webrtc/dcep.h src/webrtc/sctp_internal.h \
	src/webrtc/sctp.c src/webrtc/sctp_channel.c src/webrtc/sctp.h

check_PROGRAMS += tests/unit/test_dcep tests/unit/test_sctp
TESTS += tests/unit/test_dcep tests/unit/test_sctp
tests_unit_test_dcep_SOURCES = tests/unit/test_dcep.c
tests_unit_test_dcep_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_dcep_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_sctp_SOURCES = tests/unit/test_sctp.c
tests_unit_test_sctp_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_sctp_LDADD = $(WEBRTC_TEST_LIBS)

# The fuzz target's library sources (tests/fuzz/fuzz.mk reads FUZZ_dcep_SOURCES). It is set as
# a target-specific variable because automake rejects a plain *_SOURCES variable that names no
# program ("possible typo").
FUZZ_TARGETS += dcep
tests/fuzz/fuzz-dcep: FUZZ_dcep_SOURCES = src/webrtc/dcep.c
check_PROGRAMS += tests/fuzz/replay_dcep
TESTS += tests/fuzz/replay_dcep
tests_fuzz_replay_dcep_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_dcep.c
tests_fuzz_replay_dcep_LDADD = src/webrtc/libwebrtc.la
