# plugins/recorder/recstore.mk -- librecstore (rec_store.h: a recording's folder, pcap per track,
# manifest.json, the writer thread), a convenience library of PIC objects the recorder plugin's
# .so links statically (as rooms.la links src/webrtc/libsdp.la), its unit tests and the fuzz
# target of the manifest reader.
noinst_LTLIBRARIES += plugins/recorder/librecstore.la
plugins_recorder_librecstore_la_SOURCES = plugins/recorder/rec_writer.c plugins/recorder/rec_pcap.c \
	plugins/recorder/rec_manifest.c plugins/recorder/rec_store.c plugins/recorder/rec_disk.c \
	plugins/recorder/rec_io.c
plugins_recorder_librecstore_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/recorder
plugins_recorder_librecstore_la_CFLAGS = $(AM_CFLAGS) -fPIC $(JANSSON_CFLAGS) $(GLIB_CFLAGS)
plugins_recorder_librecstore_la_LIBADD = $(JANSSON_LIBS) $(GLIB_LIBS)
noinst_HEADERS += plugins/recorder/rec_store.h plugins/recorder/rec_internal.h

check_PROGRAMS += tests/unit/test_rec_store
TESTS += tests/unit/test_rec_store
tests_unit_test_rec_store_SOURCES = tests/unit/test_rec_store.c
tests_unit_test_rec_store_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/recorder
tests_unit_test_rec_store_CFLAGS = $(CRITERION_CFLAGS_ALL) $(JANSSON_CFLAGS) $(GLIB_CFLAGS)
tests_unit_test_rec_store_LDADD = plugins/recorder/librecstore.la $(JANSSON_LIBS) $(GLIB_LIBS) \
	$(CRITERION_LIBS_ALL)

# Fuzz target (tests/fuzz/fuzz.mk): manifest.json bytes as read from disk (rec_read_manifest's
# parser, the recovery edit), and the replay of its corpus in `make check`.
FUZZ_TARGETS += rec_manifest
tests/fuzz/fuzz-rec_manifest: FUZZ_rec_manifest_SOURCES = plugins/recorder/rec_manifest.c \
	plugins/recorder/rec_io.c
tests/fuzz/fuzz-rec_manifest: FUZZ_CLANG_FLAGS += -I$(top_srcdir)/plugins/recorder $(JANSSON_CFLAGS)
check_PROGRAMS += tests/fuzz/replay_rec_manifest
TESTS += tests/fuzz/replay_rec_manifest
tests_fuzz_replay_rec_manifest_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_rec_manifest.c
tests_fuzz_replay_rec_manifest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/recorder
tests_fuzz_replay_rec_manifest_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(GLIB_CFLAGS)
tests_fuzz_replay_rec_manifest_LDADD = plugins/recorder/librecstore.la $(JANSSON_LIBS) $(GLIB_LIBS)
