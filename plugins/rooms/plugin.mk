# plugins/rooms/plugin.mk -- the rooms engine (janus.plugin.videoroom), installed as
# $(lumenplugindir)/rooms.so, with the SDP codec linked in statically (src/webrtc/libsdp.la).
# Its parts' own fragments: sdp.mk (room_sdp.c tests and fuzz target), layers.mk (layers.c,
# vp8.c, vp9.c tests and fuzz target).
lumenplugin_LTLIBRARIES += plugins/rooms/rooms.la
plugins_rooms_rooms_la_SOURCES = plugins/rooms/plugin.c plugins/rooms/room.c \
	plugins/rooms/requests.c plugins/rooms/publisher.c plugins/rooms/subscriber.c \
	plugins/rooms/forward.c plugins/rooms/admin.c plugins/rooms/room_sdp.c \
	plugins/rooms/layers.c plugins/rooms/vp8.c plugins/rooms/vp9.c plugins/rooms/tap.c \
	plugins/rooms/rooms.h
plugins_rooms_rooms_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rooms
plugins_rooms_rooms_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(GLIB_CFLAGS) -fvisibility=hidden
plugins_rooms_rooms_la_LDFLAGS = -module -avoid-version -shared $(AM_LDFLAGS)
plugins_rooms_rooms_la_LIBADD = src/webrtc/libsdp.la $(JANSSON_LIBS) $(GLIB_LIBS)
EXTRA_DIST += plugins/rooms/README.md plugins/rooms/rooms.cfg

include plugins/rooms/sdp.mk
include plugins/rooms/layers.mk

# The plugin through its descriptor against a fake core (what the fuzz target below found).
check_PROGRAMS += tests/unit/test_rooms_plugin
TESTS += tests/unit/test_rooms_plugin
tests_unit_test_rooms_plugin_SOURCES = tests/unit/test_rooms_plugin.c \
	$(plugins_rooms_rooms_la_SOURCES)
tests_unit_test_rooms_plugin_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rooms
tests_unit_test_rooms_plugin_CFLAGS = $(CRITERION_CFLAGS_ALL) $(JANSSON_CFLAGS) $(GLIB_CFLAGS)
tests_unit_test_rooms_plugin_LDADD = src/webrtc/libsdp.la $(JANSSON_LIBS) $(GLIB_LIBS) \
	$(CRITERION_LIBS_ALL)

# Fuzz target (tests/fuzz/fuzz.mk): the plugin's client-facing entry points (its descriptor's
# callbacks, with JSON bodies, jseps, media and timers from the input) against a fake core, and
# the replay of its corpus in `make check`. Both link the plugin's sources and the SDP codec.
FUZZ_TARGETS += rooms_msg
tests/fuzz/fuzz-rooms_msg: FUZZ_rooms_msg_SOURCES = $(filter %.c,$(plugins_rooms_rooms_la_SOURCES) \
	$(src_webrtc_libsdp_la_SOURCES))
tests/fuzz/fuzz-rooms_msg: FUZZ_CLANG_FLAGS += -I$(top_srcdir)/plugins/rooms
check_PROGRAMS += tests/fuzz/replay_rooms_msg
TESTS += tests/fuzz/replay_rooms_msg
tests_fuzz_replay_rooms_msg_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rooms_msg.c \
	$(plugins_rooms_rooms_la_SOURCES)
tests_fuzz_replay_rooms_msg_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/rooms
tests_fuzz_replay_rooms_msg_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(GLIB_CFLAGS)
tests_fuzz_replay_rooms_msg_LDADD = src/webrtc/libsdp.la $(JANSSON_LIBS) $(GLIB_LIBS)
