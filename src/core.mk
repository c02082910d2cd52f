# src/core.mk -- libcore: configuration and logging, shared by the daemon, tools and tests.
noinst_LTLIBRARIES += src/libcore.la
src_libcore_la_SOURCES = src/log.c src/log.h src/config.c src/config.h src/config_keys.c \
	src/config_view.c
src_libcore_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(LIBCONFIG_CFLAGS) $(JANSSON_CFLAGS)
src_libcore_la_LIBADD = $(GLIB_LIBS) $(LIBCONFIG_LIBS) $(JANSSON_LIBS)

check_PROGRAMS += tests/unit/test_config tests/unit/test_log
TESTS += tests/unit/test_config tests/unit/test_log
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS) $(JANSSON_CFLAGS) \
	-DLUMEN_TEST_SRCDIR=\"$(abs_top_srcdir)\"
tests_unit_test_config_LDADD = src/libcore.la $(CRITERION_LIBS_ALL) $(GLIB_LIBS) $(JANSSON_LIBS)
tests_unit_test_log_SOURCES = tests/unit/test_log.c
tests_unit_test_log_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_log_LDADD = src/libcore.la $(CRITERION_LIBS_ALL) $(GLIB_LIBS) $(JANSSON_LIBS)

# Config-file fixtures used by test_config (good and broken files).
EXTRA_DIST += tests/unit/config
dist_doc_DATA += docs/configuration.md
