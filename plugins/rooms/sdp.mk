# plugins/rooms/sdp.mk -- the rooms engine's SDP (room_sdp.c: answers to publishers, offers to
# subscribers), its unit tests and fuzz target. Included by plugins/rooms/plugin.mk, whose
# rooms.la lists plugins/rooms/room_sdp.c in its sources and src/webrtc/libsdp.la $(GLIB_LIBS)
# in its LIBADD (the SDP codec, linked statically into the plugin).
noinst_HEADERS += plugins/rooms/room_sdp.h

check_PROGRAMS += tests/unit/test_rooms_sdp
TESTS += tests/unit/test_rooms_sdp
tests_unit_test_rooms_sdp_SOURCES = tests/unit/test_rooms_sdp.c plugins/rooms/room_sdp.c
tests_unit_test_rooms_sdp_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rooms \
	-DLUMEN_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_rooms_sdp_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS)
tests_unit_test_rooms_sdp_LDADD = src/webrtc/libsdp.la $(GLIB_LIBS) $(CRITERION_LIBS_ALL)

# Fuzz target (tests/fuzz/fuzz.mk): a publisher's offer through rooms_sdp_answer_publisher, and
# the replay of its corpus in `make check`.
FUZZ_TARGETS += rooms_sdp
tests/fuzz/fuzz-rooms_sdp: FUZZ_rooms_sdp_SOURCES = plugins/rooms/room_sdp.c src/webrtc/sdp.c \
	src/webrtc/sdp_parse.c src/webrtc/sdp_write.c src/webrtc/sdp_candidate.c \
	src/webrtc/sdp_answer.c src/webrtc/sdp_attr.c
tests/fuzz/fuzz-rooms_sdp: FUZZ_CLANG_FLAGS += -I$(top_srcdir)/plugins/rooms
check_PROGRAMS += tests/fuzz/replay_rooms_sdp
TESTS += tests/fuzz/replay_rooms_sdp
tests_fuzz_replay_rooms_sdp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rooms_sdp.c \
	plugins/rooms/room_sdp.c
tests_fuzz_replay_rooms_sdp_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rooms
tests_fuzz_replay_rooms_sdp_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tests_fuzz_replay_rooms_sdp_LDADD = src/webrtc/libsdp.la $(GLIB_LIBS)
