# src/webrtc/ice.mk -- ICE (libnice) and the peer connection that joins the engine's parts.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/ice.c src/webrtc/ice.h src/webrtc/ice_addr.c src/webrtc/ice_addr.h src/webrtc/sendpath.h \
	src/webrtc/nominate.c src/webrtc/nominate.h src/webrtc/rxstamp.c src/webrtc/rxstamp.h \
	src/webrtc/txbatch.c src/webrtc/txbatch.h src/webrtc/latency.c src/webrtc/latency.h
check_PROGRAMS += tests/unit/test_txbatch
TESTS += tests/unit/test_txbatch
tests_unit_test_txbatch_SOURCES = tests/unit/test_txbatch.c
tests_unit_test_txbatch_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_txbatch_LDADD = $(WEBRTC_TEST_LIBS)
check_PROGRAMS += tests/unit/test_latency
TESTS += tests/unit/test_latency
tests_unit_test_latency_SOURCES = tests/unit/test_latency.c
tests_unit_test_latency_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_latency_LDADD = $(WEBRTC_TEST_LIBS)

check_PROGRAMS += tests/unit/test_sendpath
TESTS += tests/unit/test_sendpath
tests_unit_test_sendpath_SOURCES = tests/unit/test_sendpath.c
tests_unit_test_sendpath_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_sendpath_LDADD = $(WEBRTC_TEST_LIBS)

check_PROGRAMS += tests/unit/test_ice
TESTS += tests/unit/test_ice
tests_unit_test_ice_SOURCES = tests/unit/test_ice.c
tests_unit_test_ice_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_ice_LDADD = $(WEBRTC_TEST_LIBS)

src_webrtc_libwebrtc_la_SOURCES += src/webrtc/keyframe.c src/webrtc/keyframe.h
check_PROGRAMS += tests/unit/test_keyframe
TESTS += tests/unit/test_keyframe
tests_unit_test_keyframe_SOURCES = tests/unit/test_keyframe.c
tests_unit_test_keyframe_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_keyframe_LDADD = $(WEBRTC_TEST_LIBS)

src_webrtc_libwebrtc_la_SOURCES += src/webrtc/pc.c src/webrtc/pc.h src/webrtc/pc_internal.h \
	src/webrtc/pc_media.c src/webrtc/pc_data.c src/webrtc/pc_rtcp.c
# The pc's tests, one program per concern, over the two-pc helper tests/unit/pc_pair.{c,h}.
PC_TESTS = tests/unit/test_pc_connect tests/unit/test_pc_video tests/unit/test_pc_tcc \
	tests/unit/test_pc_tables
PC_PAIR_SOURCES = tests/unit/pc_pair.c tests/unit/pc_pair.h
check_PROGRAMS += $(PC_TESTS)
TESTS += $(PC_TESTS)
tests_unit_test_pc_connect_SOURCES = tests/unit/test_pc_connect.c $(PC_PAIR_SOURCES)
tests_unit_test_pc_connect_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_pc_connect_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_pc_video_SOURCES = tests/unit/test_pc_video.c $(PC_PAIR_SOURCES)
tests_unit_test_pc_video_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_pc_video_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_pc_tcc_SOURCES = tests/unit/test_pc_tcc.c $(PC_PAIR_SOURCES)
tests_unit_test_pc_tcc_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_pc_tcc_LDADD = $(WEBRTC_TEST_LIBS)
tests_unit_test_pc_tables_SOURCES = tests/unit/test_pc_tables.c $(PC_PAIR_SOURCES)
tests_unit_test_pc_tables_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_pc_tables_LDADD = $(WEBRTC_TEST_LIBS)

# Fuzz target of the keyframe detector (tests/fuzz/fuzz.mk), corpus replayed in `make check`.
FUZZ_TARGETS += keyframe
tests/fuzz/fuzz-keyframe: FUZZ_keyframe_SOURCES = src/webrtc/keyframe.c
check_PROGRAMS += tests/fuzz/replay_keyframe
TESTS += tests/fuzz/replay_keyframe
tests_fuzz_replay_keyframe_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_keyframe.c
tests_fuzz_replay_keyframe_LDADD = src/webrtc/libwebrtc.la

# A pc's datagrams read by its owner (lumen-bench): a second socket on the pair's port for all
# but STUN (SO_REUSEPORT + BPF), recvmmsg batches with kernel timestamps.
src_webrtc_libwebrtc_la_SOURCES += src/webrtc/rxsplit.c src/webrtc/rxsplit.h \
	src/webrtc/pc_rawrx.c src/webrtc/pc_rawrx.h
check_PROGRAMS += tests/unit/test_rxsplit
TESTS += tests/unit/test_rxsplit
tests_unit_test_rxsplit_SOURCES = tests/unit/test_rxsplit.c tests/unit/udp_loopback.c \
	tests/unit/udp_loopback.h
tests_unit_test_rxsplit_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_rxsplit_LDADD = $(WEBRTC_TEST_LIBS)

# A lite agent's pair in use at the peer's nominating check (nominate.h).
check_PROGRAMS += tests/unit/test_nominate
TESTS += tests/unit/test_nominate
tests_unit_test_nominate_SOURCES = tests/unit/test_nominate.c
tests_unit_test_nominate_CFLAGS = $(WEBRTC_TEST_CFLAGS)
tests_unit_test_nominate_LDADD = $(WEBRTC_TEST_LIBS) $(NICE_LIBS)

# Fuzz target of the nominating-check test, corpus replayed in `make check`
# (seeds: tests/fuzz/gen_nominate_seeds.py).
FUZZ_TARGETS += nominate
tests/fuzz/fuzz-nominate: FUZZ_nominate_SOURCES = src/webrtc/nominate.c
tests/fuzz/fuzz-nominate: FUZZ_nominate_LIBS = $(NICE_CFLAGS) $(NICE_LIBS)
check_PROGRAMS += tests/fuzz/replay_nominate
TESTS += tests/fuzz/replay_nominate
tests_fuzz_replay_nominate_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_nominate.c
tests_fuzz_replay_nominate_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(NICE_CFLAGS)
tests_fuzz_replay_nominate_LDADD = src/webrtc/libwebrtc.la
EXTRA_DIST += tests/fuzz/gen_nominate_seeds.py
