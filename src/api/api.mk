# src/api/api.mk -- the client API (Janus protocol over HTTP and WebSocket): a static library the
# daemon links (src/api/libapi.la), its unit tests, and its integration tests against the daemon.
noinst_LTLIBRARIES += src/api/libapi.la
src_api_libapi_la_SOURCES = src/api/api.c src/api/api.h src/api/api_internal.h \
	src/api/auth.c src/api/core.c src/api/events.c src/api/http.c src/api/limits.c \
	src/api/notify.c src/api/protocol.c src/api/session.c src/api/ws.c
src_api_libapi_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SOUP_CFLAGS) $(JANSSON_CFLAGS) \
	$(JWT_CFLAGS)
src_api_libapi_la_LIBADD = $(GLIB_LIBS) $(SOUP_LIBS) $(JANSSON_LIBS) $(JWT_LIBS)
