# plugins/echotest/plugin.mk -- the echo test plugin (janus.plugin.echotest), installed as
# $(lumenplugindir)/echotest.so.
#
# PLUGIN DIRECTORY FOR TESTS: `make all` (and so `make check`) fills
#     $(abs_top_builddir)/tests/plugins-dir/
# with a symlink NAME.so -> plugins/NAME/.libs/NAME.so for every module in lumenplugin_LTLIBRARIES.
# Tests that run the daemon pass:   --set plugins.dir=$(abs_top_builddir)/tests/plugins-dir
# (in a test script: "$top_builddir/tests/plugins-dir"; `make lumen-plugins-dir` refreshes it).
lumenplugin_LTLIBRARIES += plugins/echotest/echotest.la
plugins_echotest_echotest_la_SOURCES = plugins/echotest/echotest.c plugins/echotest/answer.c \
	plugins/echotest/answer.h plugins/echotest/ssrc_swap.c plugins/echotest/ssrc_swap.h
plugins_echotest_echotest_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
plugins_echotest_echotest_la_LDFLAGS = -module -avoid-version -shared $(AM_LDFLAGS)
plugins_echotest_echotest_la_LIBADD = $(JANSSON_LIBS)
EXTRA_DIST += plugins/echotest/README.md plugins/echotest/echotest.cfg

# The build-tree plugin directory (see the comment at the top).
all-local: lumen-plugins-dir
lumen-plugins-dir: $(lumenplugin_LTLIBRARIES)
	@$(MKDIR_P) tests/plugins-dir
	@for la in $(lumenplugin_LTLIBRARIES); do \
	  d=`dirname $$la`; n=`basename $$la .la`; \
	  ln -sf "$(abs_top_builddir)/$$d/.libs/$$n.so" "tests/plugins-dir/$$n.so" || exit 1; \
	done
.PHONY: lumen-plugins-dir
clean-local: clean-lumen-plugins-dir
clean-lumen-plugins-dir:
	-rm -rf tests/plugins-dir
.PHONY: clean-lumen-plugins-dir

check_PROGRAMS += tests/unit/test_plugin_echotest
TESTS += tests/unit/test_plugin_echotest
tests_unit_test_plugin_echotest_SOURCES = tests/unit/test_plugin_echotest.c \
	plugins/echotest/echotest.c plugins/echotest/answer.c plugins/echotest/ssrc_swap.c
tests_unit_test_plugin_echotest_CFLAGS = $(CRITERION_CFLAGS_ALL) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/plugins/echotest
tests_unit_test_plugin_echotest_LDADD = $(JANSSON_LIBS) $(CRITERION_LIBS_ALL)

check_PROGRAMS += tests/unit/test_echotest_ssrc
TESTS += tests/unit/test_echotest_ssrc
tests_unit_test_echotest_ssrc_SOURCES = tests/unit/test_echotest_ssrc.c plugins/echotest/ssrc_swap.c
tests_unit_test_echotest_ssrc_CFLAGS = $(CRITERION_CFLAGS_ALL) -I$(top_srcdir)/plugins/echotest
tests_unit_test_echotest_ssrc_LDADD = $(CRITERION_LIBS_ALL)

# Fuzz target of the echotest's RTCP SSRC swap (it reads RTCP from clients).
FUZZ_TARGETS += echo_rtcp
tests/fuzz/fuzz-echo_rtcp: FUZZ_echo_rtcp_SOURCES = plugins/echotest/ssrc_swap.c
tests/fuzz/fuzz-echo_rtcp: FUZZ_CLANG_FLAGS += -I$(top_srcdir)/plugins/echotest
check_PROGRAMS += tests/fuzz/replay_echo_rtcp
TESTS += tests/fuzz/replay_echo_rtcp
tests_fuzz_replay_echo_rtcp_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_echo_rtcp.c \
	plugins/echotest/ssrc_swap.c
tests_fuzz_replay_echo_rtcp_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/plugins/echotest
