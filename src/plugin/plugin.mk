# src/plugin/plugin.mk -- the plugin host (src/plugin) and its tests.
#
# src/plugin/libpluginhost.la is a convenience library for the daemon and the tests; it does not
# include src/libcore.la (logging), which the final program links once.
noinst_LTLIBRARIES += src/plugin/libpluginhost.la
src_plugin_libpluginhost_la_SOURCES = src/plugin/semver.c src/plugin/semver.h \
	src/plugin/deps.c src/plugin/deps.h
src_plugin_libpluginhost_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(OPENSSL_CFLAGS) $(JANSSON_CFLAGS)
src_plugin_libpluginhost_la_LIBADD = $(GLIB_LIBS) $(OPENSSL_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/unit/test_plugin_semver
TESTS += tests/unit/test_plugin_semver
tests_unit_test_plugin_semver_SOURCES = tests/unit/test_plugin_semver.c
tests_unit_test_plugin_semver_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_plugin_semver_LDADD = src/plugin/libpluginhost.la $(CRITERION_LIBS_ALL)
