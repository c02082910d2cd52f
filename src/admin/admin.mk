# src/admin/admin.mk -- build rules for src/admin (included by Makefile.am): the metric registry
# (src/libmetrics.la, also used by the API for the plugins' metric services), the admin REST API
# (src/admin/libadmin.la, linked by the daemon through LUMEN_DAEMON_LIBS) and their tests.
noinst_LTLIBRARIES += src/libmetrics.la
src_libmetrics_la_SOURCES = src/metrics.c src/metrics.h
src_libmetrics_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JANSSON_CFLAGS)
src_libmetrics_la_LIBADD = $(GLIB_LIBS) -lm
LUMEN_DAEMON_LIBS += src/libmetrics.la

noinst_LTLIBRARIES += src/admin/libadmin.la
src_admin_libadmin_la_SOURCES = src/admin/admin.c src/admin/admin.h src/admin/admin_internal.h \
	src/admin/auth.c src/admin/auth.h src/admin/routes.c src/admin/routes_v1.c \
	src/admin/routes_probe.c src/admin/routes_plugin.c
src_admin_libadmin_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SOUP_CFLAGS) $(JANSSON_CFLAGS) \
	$(JWT_CFLAGS) -DLUMEN_VERSION=\"$(PACKAGE_VERSION)\"
src_admin_libadmin_la_LIBADD = $(GLIB_LIBS) $(SOUP_LIBS) $(JANSSON_LIBS) $(JWT_LIBS)

ADMIN_TEST_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS) $(SOUP_CFLAGS) $(JANSSON_CFLAGS) \
	$(JWT_CFLAGS)
ADMIN_TEST_LIBS = src/admin/libadmin.la src/libmetrics.la src/libcore.la $(CRITERION_LIBS_ALL) \
	$(GLIB_LIBS) $(SOUP_LIBS) $(JANSSON_LIBS) $(JWT_LIBS) -lm
# The admin tests replace the client API and plugin host with doubles (tests/unit/admin_doubles.c).
ADMIN_TEST_SOURCES = tests/unit/admin_doubles.c tests/unit/admin_doubles.h

check_PROGRAMS += tests/unit/test_metrics tests/unit/test_admin_auth tests/unit/test_admin_server
TESTS += tests/unit/test_metrics tests/unit/test_admin_auth tests/unit/test_admin_server
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_metrics_LDADD = src/libmetrics.la $(CRITERION_LIBS_ALL) -lm
tests_unit_test_admin_auth_SOURCES = tests/unit/test_admin_auth.c $(ADMIN_TEST_SOURCES)
tests_unit_test_admin_auth_CFLAGS = $(ADMIN_TEST_CFLAGS)
tests_unit_test_admin_auth_LDADD = $(ADMIN_TEST_LIBS)
tests_unit_test_admin_server_SOURCES = tests/unit/test_admin_server.c $(ADMIN_TEST_SOURCES)
tests_unit_test_admin_server_CFLAGS = $(ADMIN_TEST_CFLAGS)
tests_unit_test_admin_server_LDADD = $(ADMIN_TEST_LIBS)
check_PROGRAMS += tests/unit/test_admin_plugin_routes
TESTS += tests/unit/test_admin_plugin_routes
tests_unit_test_admin_plugin_routes_SOURCES = tests/unit/test_admin_plugin_routes.c \
	$(ADMIN_TEST_SOURCES)
tests_unit_test_admin_plugin_routes_CFLAGS = $(ADMIN_TEST_CFLAGS)
tests_unit_test_admin_plugin_routes_LDADD = $(ADMIN_TEST_LIBS)

# Documentation: docs/admin-api.md and the OpenAPI file, validated by tools/openapi (npm, from
# its committed lock file; node_modules comes from `npm ci --prefix tools/openapi`).
dist_doc_DATA += docs/admin-api.md docs/openapi.yaml
EXTRA_DIST += tools/openapi/package.json tools/openapi/package-lock.json tools/openapi/validate.js
dist_check_SCRIPTS += tests/integration/admin_openapi.sh tests/integration/admin_api.py
TESTS += tests/integration/admin_openapi.sh tests/integration/admin_api.py

# Plugin collections end to end: a test plugin serving /admin/v1/stub-echo and a canned
# /admin/v1/rooms (tests/integration/admin_stub_plugin.c, never installed), loaded by the real
# daemon from a temporary plugin directory (TAP).
check_LTLIBRARIES += tests/integration/admin_stub.la
tests_integration_admin_stub_la_SOURCES = tests/integration/admin_stub_plugin.c
tests_integration_admin_stub_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_admin_stub_la_LDFLAGS = -module -avoid-version -shared -rpath /nowhere \
	$(AM_LDFLAGS)
tests_integration_admin_stub_la_LIBADD = $(JANSSON_LIBS)
dist_check_SCRIPTS += tests/integration/admin_plugin_ext.sh
TESTS += tests/integration/admin_plugin_ext.sh
