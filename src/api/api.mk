# src/api/api.mk -- the client API (Janus protocol over HTTP and WebSocket): a static library the
# daemon links (src/api/libapi.la), its unit tests, and its integration tests against the daemon.
noinst_LTLIBRARIES += src/api/libapi.la
src_api_libapi_la_SOURCES = src/api/api.c src/api/api.h src/api/api_internal.h \
	src/api/admin_ext.c src/api/auth.c src/api/core.c src/api/events.c src/api/http.c \
	src/api/httpkeep.c src/api/httpkeep.h \
	src/api/limits.c src/api/notify.c src/api/protocol.c src/api/session.c src/api/ws.c \
	src/api/media.c src/api/media.h src/api/media_rx.c src/api/media_rx.h \
	src/api/media_metrics.c src/api/media_metrics.h
src_api_libapi_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SOUP_CFLAGS) $(JANSSON_CFLAGS) \
	$(JWT_CFLAGS) $(NICE_CFLAGS) $(OPENSSL_CFLAGS) $(SRTP_CFLAGS) $(USRSCTP_CFLAGS)
# The API owns each handle's peer connection: the WebRTC engine library comes with it.
src_api_libapi_la_LIBADD = src/webrtc/libwebrtc.la $(GLIB_LIBS) $(SOUP_LIBS) $(JANSSON_LIBS) \
	$(JWT_LIBS)

# Unit tests: the protocol core without sockets (a fake plugin behind a host test double).
check_PROGRAMS += tests/unit/test_api_protocol
TESTS += tests/unit/test_api_protocol
tests_unit_test_api_protocol_SOURCES = tests/unit/test_api_protocol.c
tests_unit_test_api_protocol_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS) $(SOUP_CFLAGS) \
	$(JANSSON_CFLAGS) $(JWT_CFLAGS) -DAPI_TEST_DIR=\"$(abs_top_srcdir)/tests/unit/api\"
# ES256 key pair used only by the tests (generated with openssl ecparam, never a real key).
EXTRA_DIST += tests/unit/api/es256-private.pem tests/unit/api/es256-public.pem
tests_unit_test_api_protocol_LDADD = src/api/libapi.la src/libmetrics.la src/libcore.la \
	$(CRITERION_LIBS_ALL) \
	$(GLIB_LIBS) $(SOUP_LIBS) $(JANSSON_LIBS) $(JWT_LIBS)

# The keep-alive keeper against a real SoupServer on loopback (no daemon).
check_PROGRAMS += tests/unit/test_httpkeep
TESTS += tests/unit/test_httpkeep
tests_unit_test_httpkeep_SOURCES = tests/unit/test_httpkeep.c
tests_unit_test_httpkeep_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS) $(SOUP_CFLAGS)
tests_unit_test_httpkeep_LDADD = src/api/libapi.la src/libmetrics.la src/libcore.la \
	$(CRITERION_LIBS_ALL) $(GLIB_LIBS) $(SOUP_LIBS) $(JANSSON_LIBS) $(JWT_LIBS)

# Integration tests: the real daemon over real HTTP and WebSocket (TAP, Debian's python3).
dist_check_SCRIPTS += tests/integration/api_client.py
TESTS += tests/integration/api_client.py
EXTRA_DIST += tests/integration/apitest.py
dist_check_SCRIPTS += tests/integration/api_load.py
TESTS += tests/integration/api_load.py
dist_doc_DATA += docs/client-api.md
