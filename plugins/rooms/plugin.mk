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
