# plugins/rooms/layers.mk -- the rooms engine's layer selector and continuity rewrite (layers.c)
# and VP8 / VP9 payload descriptors (vp8.c, vp9.c): unit tests and fuzz target. Included by
# plugins/rooms/plugin.mk, whose rooms.la lists layers.c, vp8.c and vp9.c in its sources. All
# are pure (no GLib, no I/O), so the tests link nothing but Criterion.
noinst_HEADERS += plugins/rooms/layers.h tests/unit/rtp_header.h

check_PROGRAMS += tests/unit/test_rooms_layers tests/unit/test_rooms_vp9 tests/unit/test_rooms_memo
TESTS += tests/unit/test_rooms_layers tests/unit/test_rooms_vp9 tests/unit/test_rooms_memo
tests_unit_test_rooms_layers_SOURCES = tests/unit/test_rooms_layers.c plugins/rooms/layers.c \
	plugins/rooms/vp8.c plugins/rooms/vp9.c
tests_unit_test_rooms_layers_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rooms
tests_unit_test_rooms_layers_CFLAGS = $(CRITERION_CFLAGS_ALL) $(JANSSON_CFLAGS)
tests_unit_test_rooms_layers_LDADD = $(CRITERION_LIBS_ALL)
tests_unit_test_rooms_vp9_SOURCES = tests/unit/test_rooms_vp9.c plugins/rooms/layers.c \
	plugins/rooms/vp8.c plugins/rooms/vp9.c
tests_unit_test_rooms_vp9_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rooms
tests_unit_test_rooms_vp9_CFLAGS = $(CRITERION_CFLAGS_ALL) $(JANSSON_CFLAGS)
tests_unit_test_rooms_vp9_LDADD = $(CRITERION_LIBS_ALL)
tests_unit_test_rooms_memo_SOURCES = tests/unit/test_rooms_memo.c plugins/rooms/layers.c \
	plugins/rooms/vp8.c plugins/rooms/vp9.c
tests_unit_test_rooms_memo_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rooms
tests_unit_test_rooms_memo_CFLAGS = $(CRITERION_CFLAGS_ALL) $(JANSSON_CFLAGS)
tests_unit_test_rooms_memo_LDADD = $(CRITERION_LIBS_ALL)

# Fuzz target (tests/fuzz/fuzz.mk): rooms_vp8_parse and rooms_vp9_parse, and packet sequences
# (VP8, VP9 or other codecs) with requests, estimates, pauses and clock steps through
# rooms_layer_packet; its corpus replays in `make check`.
FUZZ_TARGETS += rooms_vp8
tests/fuzz/fuzz-rooms_vp8: FUZZ_rooms_vp8_SOURCES = plugins/rooms/layers.c plugins/rooms/vp8.c \
	plugins/rooms/vp9.c
tests/fuzz/fuzz-rooms_vp8: FUZZ_CLANG_FLAGS += -I$(top_srcdir)/plugins/rooms
check_PROGRAMS += tests/fuzz/replay_rooms_vp8
TESTS += tests/fuzz/replay_rooms_vp8
tests_fuzz_replay_rooms_vp8_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rooms_vp8.c \
	plugins/rooms/layers.c plugins/rooms/vp8.c plugins/rooms/vp9.c
tests_fuzz_replay_rooms_vp8_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rooms
tests_fuzz_replay_rooms_vp8_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
