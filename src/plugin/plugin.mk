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

# The host proper (loader, signatures, lifecycle) joins the library built above.
src_plugin_libpluginhost_la_SOURCES += src/plugin/host.c src/plugin/host.h \
	src/plugin/loader.c src/plugin/loader.h src/plugin/sign.c src/plugin/sign.h

# Test plugins: check-only libtool modules (-rpath makes them shared objects), loaded by
# test_plugin_host from tests/unit/plugins/.libs.
PLUGIN_TEST_MODULES = tests/unit/plugins/good.la tests/unit/plugins/dependent.la \
	tests/unit/plugins/mismatch.la tests/unit/plugins/missingdep.la \
	tests/unit/plugins/badabi.la tests/unit/plugins/badmeta.la \
	tests/unit/plugins/cycle_a.la tests/unit/plugins/cycle_b.la
check_LTLIBRARIES += $(PLUGIN_TEST_MODULES)
noinst_HEADERS += tests/unit/plugins/testplugin.h
PLUGIN_TEST_LDFLAGS = -module -avoid-version -shared -rpath /nowhere $(AM_LDFLAGS)
PLUGIN_TEST_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_plugins_good_la_SOURCES = tests/unit/plugins/good.c
tests_unit_plugins_good_la_CFLAGS = $(PLUGIN_TEST_CFLAGS)
tests_unit_plugins_good_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)
tests_unit_plugins_dependent_la_SOURCES = tests/unit/plugins/dependent.c
tests_unit_plugins_dependent_la_CFLAGS = $(PLUGIN_TEST_CFLAGS)
tests_unit_plugins_dependent_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)
tests_unit_plugins_mismatch_la_SOURCES = tests/unit/plugins/mismatch.c
tests_unit_plugins_mismatch_la_CFLAGS = $(PLUGIN_TEST_CFLAGS)
tests_unit_plugins_mismatch_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)
tests_unit_plugins_missingdep_la_SOURCES = tests/unit/plugins/missingdep.c
tests_unit_plugins_missingdep_la_CFLAGS = $(PLUGIN_TEST_CFLAGS)
tests_unit_plugins_missingdep_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)
tests_unit_plugins_badabi_la_SOURCES = tests/unit/plugins/badabi.c
tests_unit_plugins_badabi_la_CFLAGS = $(PLUGIN_TEST_CFLAGS)
tests_unit_plugins_badabi_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)
tests_unit_plugins_badmeta_la_SOURCES = tests/unit/plugins/badmeta.c
tests_unit_plugins_badmeta_la_CFLAGS = $(PLUGIN_TEST_CFLAGS)
tests_unit_plugins_badmeta_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)
tests_unit_plugins_cycle_a_la_SOURCES = tests/unit/plugins/cycle_a.c
tests_unit_plugins_cycle_a_la_CFLAGS = $(PLUGIN_TEST_CFLAGS)
tests_unit_plugins_cycle_a_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)
tests_unit_plugins_cycle_b_la_SOURCES = tests/unit/plugins/cycle_b.c
tests_unit_plugins_cycle_b_la_CFLAGS = $(PLUGIN_TEST_CFLAGS)
tests_unit_plugins_cycle_b_la_LDFLAGS = $(PLUGIN_TEST_LDFLAGS)

check_PROGRAMS += tests/unit/test_plugin_host
TESTS += tests/unit/test_plugin_host
tests_unit_test_plugin_host_SOURCES = tests/unit/test_plugin_host.c
tests_unit_test_plugin_host_CPPFLAGS = $(AM_CPPFLAGS) \
	-DTEST_PLUGINS_DIR=\"$(abs_top_builddir)/tests/unit/plugins/.libs\"
tests_unit_test_plugin_host_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS) $(OPENSSL_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_unit_test_plugin_host_LDADD = src/plugin/libpluginhost.la src/libcore.la $(OPENSSL_LIBS) \
	$(CRITERION_LIBS_ALL)
EXTRA_tests_unit_test_plugin_host_DEPENDENCIES = $(PLUGIN_TEST_MODULES)

# The public header and a pkg-config file for out-of-tree plugins (docs/plugin-guide.md).
# The .pc is generated here with sed rather than by configure, so that configure.ac stays as is.
lumeninclude_HEADERS += include/lumen/plugin.h include/lumen/rooms_tap.h
lumenpcdir = $(libdir)/pkgconfig
lumenpc_DATA = src/plugin/lumen-plugin.pc
EXTRA_DIST += src/plugin/lumen-plugin.pc.in
CLEANFILES += src/plugin/lumen-plugin.pc
src/plugin/lumen-plugin.pc: $(srcdir)/src/plugin/lumen-plugin.pc.in $(top_srcdir)/include/lumen/plugin.h Makefile
	$(AM_V_GEN)$(MKDIR_P) src/plugin && \
	abi=`sed -n 's/^#define LUMEN_PLUGIN_ABI_VERSION \([0-9]*\)u*$$/\1/p' $(top_srcdir)/include/lumen/plugin.h` && \
	sed -e 's|[@]prefix[@]|$(prefix)|g' -e 's|[@]exec_prefix[@]|$(exec_prefix)|g' \
	    -e 's|[@]libdir[@]|$(libdir)|g' -e 's|[@]includedir[@]|$(includedir)|g' \
	    -e 's|[@]lumenplugindir[@]|$(lumenplugindir)|g' -e 's|[@]VERSION[@]|$(VERSION)|g' \
	    -e "s|[@]abi_version[@]|$$abi|g" $(srcdir)/src/plugin/lumen-plugin.pc.in > $@.tmp && mv $@.tmp $@

# Out-of-tree build, signing and loading, as docs/plugin-guide.md describes them.
check_PROGRAMS += tests/integration/plugin_probe
tests_integration_plugin_probe_SOURCES = tests/integration/plugin_probe.c
tests_integration_plugin_probe_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JANSSON_CFLAGS)
tests_integration_plugin_probe_LDADD = src/plugin/libpluginhost.la src/libcore.la
dist_check_SCRIPTS += tests/integration/plugin_out_of_tree.sh
TESTS += tests/integration/plugin_out_of_tree.sh
EXTRA_DIST += docs/examples/hello-plugin/hello.c docs/examples/hello-plugin/Makefile \
	docs/examples/hello-plugin/README.md
dist_doc_DATA += docs/plugin-guide.md
