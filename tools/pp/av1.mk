# tools/pp/av1.mk -- lumen-pp's own AV1 RTP depacketizer (Debian 12 has no rtpav1depay): its
# sources in lumen-pp, its unit test and its fuzz target. Included after tools/pp/pp.mk.
PP_AV1_SOURCES = tools/pp/pp_av1.c tools/pp/pp_av1.h
tools_pp_lumen_pp_SOURCES += $(PP_AV1_SOURCES) tools/pp/pp_av1depay.c tools/pp/pp_av1depay.h

check_PROGRAMS += tests/unit/test_pp_av1
TESTS += tests/unit/test_pp_av1
tests_unit_test_pp_av1_SOURCES = tests/unit/test_pp_av1.c $(PP_AV1_SOURCES)
tests_unit_test_pp_av1_CFLAGS = $(CRITERION_CFLAGS_ALL) -I$(top_srcdir)/tools/pp
tests_unit_test_pp_av1_LDADD = $(CRITERION_LIBS_ALL)

FUZZ_TARGETS += pp_av1
tests/fuzz/fuzz-pp_av1: FUZZ_pp_av1_SOURCES = tools/pp/pp_av1.c
tests/fuzz/fuzz-pp_av1: FUZZ_pp_av1_LIBS = -I$(top_srcdir)/tools/pp
check_PROGRAMS += tests/fuzz/replay_pp_av1
TESTS += tests/fuzz/replay_pp_av1
tests_fuzz_replay_pp_av1_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_pp_av1.c $(PP_AV1_SOURCES)
tests_fuzz_replay_pp_av1_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tools/pp

# End to end: libaom's output packetized as a WebRTC sender does, recorded, processed, decoded.
dist_check_SCRIPTS += tests/integration/pp_av1.py
TESTS += tests/integration/pp_av1.py
