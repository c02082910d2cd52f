# src/admin/admin.mk -- build rules for src/admin (included by Makefile.am): the metric registry
# (src/libmetrics.la, also used by the API for the plugins' metric services), the admin REST API
# (src/admin/libadmin.la, linked by the daemon) and their tests.
noinst_LTLIBRARIES += src/libmetrics.la
src_libmetrics_la_SOURCES = src/metrics.c src/metrics.h
src_libmetrics_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JANSSON_CFLAGS)
src_libmetrics_la_LIBADD = $(GLIB_LIBS) -lm

check_PROGRAMS += tests/unit/test_metrics
TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c
tests_unit_test_metrics_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_metrics_LDADD = src/libmetrics.la $(CRITERION_LIBS_ALL) -lm
