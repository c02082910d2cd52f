# tests/fuzz/fuzz.mk -- libFuzzer targets and the replay of their committed corpora.
#
# For each NAME in FUZZ_TARGETS (appended by the module fragments):
#   tests/fuzz/fuzz_NAME.c          defines LLVMFuzzerTestOneInput
#   tests/fuzz/corpus/NAME/         seeds, crash reproducers (committed)
#   FUZZ_NAME_SOURCES               library sources the target needs (relative to top_srcdir),
#                                   set as a target-specific variable, because automake takes a
#                                   plain FUZZ_x_SOURCES for a program that does not exist:
#                                     tests/fuzz/fuzz-rtp: FUZZ_rtp_SOURCES = src/webrtc/rtp.c
#   FUZZ_NAME_LIBS                  extra libraries (optional, same form)
# `make check` replays every corpus under the regular compiler (and ASan/UBSan when configured
# with --enable-sanitizers) through tests/fuzz/replay.c, one TAP line per corpus file.
# `make fuzz` builds real libFuzzer binaries with clang as tests/fuzz/fuzz-NAME; run one with
#   tests/fuzz/fuzz-NAME -max_total_time=60 $(top_srcdir)/tests/fuzz/corpus/NAME
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/replay.c tests/fuzz/README.md

# -fno-sanitize-recover: undefined behaviour stops the run and leaves a reproducer, as a memory
# error does (clang's UBSan would otherwise report and go on, and the input was lost).
FUZZ_CLANG_FLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I$(top_srcdir)/include \
	-I$(top_srcdir)/src -I$(top_builddir) $(GLIB_CFLAGS) $(OPENSSL_CFLAGS) $(SRTP_CFLAGS) \
	$(USRSCTP_CFLAGS) $(JANSSON_CFLAGS)
FUZZ_CLANG_LIBS = $(GLIB_LIBS) $(OPENSSL_LIBS) $(SRTP_LIBS) $(USRSCTP_LIBS) $(JANSSON_LIBS)

# The client API's request entry point (api_process_text, src/api/protocol.c), registered here
# rather than in src/api/api.mk. It needs the whole API with the engine beneath it, so the clang
# build compiles every C source of the libraries the unit test links (the API, the engine and its
# SDP codec, metrics, config and logging); the plugin host is the fake one in fuzz_api.c.
FUZZ_TARGETS += api
tests/fuzz/fuzz-api: FUZZ_api_SOURCES = $(filter %.c,$(src_api_libapi_la_SOURCES) \
	$(src_webrtc_libwebrtc_la_SOURCES) $(src_webrtc_libsdp_la_SOURCES) \
	$(src_libmetrics_la_SOURCES) $(src_libcore_la_SOURCES))
tests/fuzz/fuzz-api: FUZZ_api_LIBS = $(SOUP_LIBS) $(JWT_LIBS) $(NICE_LIBS) $(URING_LIBS) \
	$(LIBCONFIG_LIBS) -lm
tests/fuzz/fuzz-api: FUZZ_CLANG_FLAGS += $(DEFS) $(AM_CPPFLAGS) $(SOUP_CFLAGS) $(JWT_CFLAGS) \
	$(NICE_CFLAGS) $(URING_CFLAGS) $(LIBCONFIG_CFLAGS)
check_PROGRAMS += tests/fuzz/replay_api
TESTS += tests/fuzz/replay_api
tests_fuzz_replay_api_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_api.c
tests_fuzz_replay_api_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SOUP_CFLAGS) $(JANSSON_CFLAGS) \
	$(JWT_CFLAGS)
tests_fuzz_replay_api_LDADD = src/api/libapi.la src/libmetrics.la src/libcore.la \
	$(GLIB_LIBS) $(SOUP_LIBS) $(JANSSON_LIBS) $(JWT_LIBS)

fuzz: $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%)
# Every target is rebuilt when any C source or header of the tree changes: its own list
# (FUZZ_NAME_SOURCES) is a target-specific variable, which prerequisites cannot see, and with the
# target's file alone a campaign ran a binary older than the code it meant to test.
FUZZ_DEPS = $(wildcard $(top_srcdir)/include/lumen/*.h $(top_srcdir)/src/*.[ch] \
	$(top_srcdir)/src/*/*.[ch] $(top_srcdir)/plugins/*/*.[ch] $(top_srcdir)/tools/pp/*.[ch])
tests/fuzz/fuzz-%: $(top_srcdir)/tests/fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p tests/fuzz
	$(AM_V_CCLD)$(CLANG) $(FUZZ_CLANG_FLAGS) -o $@ $< \
		$(addprefix $(top_srcdir)/,$(FUZZ_$*_SOURCES)) $(FUZZ_$*_LIBS) $(FUZZ_CLANG_LIBS)
CLEANFILES += $(FUZZ_TARGETS:%=tests/fuzz/fuzz-%)
.PHONY: fuzz
