# tools/pp/pp.mk -- build rules for tools/pp (included by Makefile.am): lumen-pp, the recording
# post-processor (docs/lumen-pp.md), its reader's fuzz target and its integration tests.
bin_PROGRAMS += tools/pp/lumen-pp
PP_READER_SOURCES = tools/pp/pp_reader.h tools/pp/pp_pcap.c tools/pp/pp_manifest.c \
	tools/pp/pp_track.h tools/pp/pp_track.c tools/pp/pp_clock.h tools/pp/pp_clock.c
tools_pp_lumen_pp_SOURCES = $(PP_READER_SOURCES) tools/pp/pp_main.c tools/pp/pp_out.h \
	tools/pp/pp_out.c tools/pp/pp_audio.c tools/pp/pp_video.c tools/pp/pp_chapters.c tools/pp/pp_report.c
tools_pp_lumen_pp_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JANSSON_CFLAGS) $(GST_CFLAGS) \
	$(GSTAPP_CFLAGS) $(OPUS_CFLAGS)
tools_pp_lumen_pp_LDADD = $(GST_LIBS) $(GSTAPP_LIBS) $(JANSSON_LIBS) $(GLIB_LIBS) $(OPUS_LIBS) -lm

# The reader's fuzz target (tests/fuzz/fuzz.mk builds it with clang) and the replay of its corpus.
FUZZ_TARGETS += pp_reader
tests/fuzz/fuzz-pp_reader: FUZZ_pp_reader_SOURCES = tools/pp/pp_pcap.c tools/pp/pp_manifest.c \
	tools/pp/pp_track.c tools/pp/pp_clock.c
tests/fuzz/fuzz-pp_reader: FUZZ_pp_reader_LIBS = -I$(top_srcdir)/tools/pp -lm
check_PROGRAMS += tests/fuzz/replay_pp_reader
TESTS += tests/fuzz/replay_pp_reader
tests_fuzz_replay_pp_reader_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_pp_reader.c \
	$(PP_READER_SOURCES)
tests_fuzz_replay_pp_reader_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tools/pp $(GLIB_CFLAGS) \
	$(JANSSON_CFLAGS)
tests_fuzz_replay_pp_reader_LDADD = $(JANSSON_LIBS) $(GLIB_LIBS) -lm
EXTRA_DIST += tests/integration/pp_gen.py tests/integration/pp_lsan.supp tests/perf/pp_speed.sh

# Real recordings made by tests/integration/pp_gen.py, processed and checked (TAP).
dist_check_SCRIPTS += tests/integration/pp_outputs.py
TESTS += tests/integration/pp_outputs.py
dist_doc_DATA += docs/lumen-pp.md

# The track model and clock mapping, in memory (Criterion).
check_PROGRAMS += tests/unit/test_pp_track
TESTS += tests/unit/test_pp_track
tests_unit_test_pp_track_SOURCES = tests/unit/test_pp_track.c tools/pp/pp_track.c \
	tools/pp/pp_clock.c tools/pp/pp_track.h tools/pp/pp_clock.h tools/pp/pp_reader.h
tests_unit_test_pp_track_CFLAGS = $(CRITERION_CFLAGS_ALL) -I$(top_srcdir)/tools/pp $(GLIB_CFLAGS)
tests_unit_test_pp_track_LDADD = $(CRITERION_LIBS_ALL) $(GLIB_LIBS) -lm

# Interop: pp_outputs.py replays a generated recording through the recorder's own writer
# (librecstore) with this helper and checks lumen-pp's sync on the result.
check_PROGRAMS += tests/integration/pp_rerecord
tests_integration_pp_rerecord_SOURCES = tests/integration/pp_rerecord.c tools/pp/pp_pcap.c \
	tools/pp/pp_manifest.c tools/pp/pp_reader.h
tests_integration_pp_rerecord_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tools/pp \
	-I$(top_srcdir)/plugins/recorder
tests_integration_pp_rerecord_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(GLIB_CFLAGS)
tests_integration_pp_rerecord_LDADD = plugins/recorder/librecstore.la $(JANSSON_LIBS) $(GLIB_LIBS)
