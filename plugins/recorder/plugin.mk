# plugins/recorder/plugin.mk -- the recorder plugin (lumen.plugin.recorder), installed as
# $(lumenplugindir)/recorder.so (and linked into tests/plugins-dir by echotest's plugin.mk), with
# the storage library (recstore.mk: librecstore.la, rec_store.h) linked in statically.
# pp_path defaults to the installed lumen-pp.
lumenplugin_LTLIBRARIES += plugins/recorder/recorder.la
plugins_recorder_recorder_la_SOURCES = plugins/recorder/plugin.c plugins/recorder/session.c \
	plugins/recorder/admin.c plugins/recorder/jobs.c plugins/recorder/recorder.h
plugins_recorder_recorder_la_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/plugins/recorder \
	-DLUMEN_PP_PATH=\"$(bindir)/lumen-pp\"
plugins_recorder_recorder_la_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) $(GLIB_CFLAGS) -fvisibility=hidden
plugins_recorder_recorder_la_LDFLAGS = -module -avoid-version -shared $(AM_LDFLAGS)
plugins_recorder_recorder_la_LIBADD = plugins/recorder/librecstore.la $(JANSSON_LIBS) $(GLIB_LIBS)
EXTRA_DIST += plugins/recorder/README.md plugins/recorder/recorder.cfg

# The admin API, control through the rooms engine, state transitions, kill -9 and SIGTERM, on a
# real daemon with rooms.so and recorder.so from tests/plugins-dir (no media).
dist_check_SCRIPTS += tests/integration/recorder_admin.py
TESTS += tests/integration/recorder_admin.py
