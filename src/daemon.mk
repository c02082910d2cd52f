# src/daemon.mk -- the lumen daemon: command line, lifecycle, and the modules it links.
bin_PROGRAMS += src/lumen
src_lumen_SOURCES = src/main.c src/daemon.c src/daemon.h
src_lumen_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SYSTEMD_CFLAGS) $(JANSSON_CFLAGS) $(SOUP_CFLAGS)
src_lumen_LDADD = $(LUMEN_DAEMON_LIBS) src/libcore.la $(GLIB_LIBS) $(SYSTEMD_LIBS) $(JANSSON_LIBS) \
	$(SOUP_LIBS) $(JWT_LIBS) $(OPENSSL_LIBS) -ldl
# Plugins are dlopen'ed and call back only through struct lumen_core, so nothing is exported.

# systemd unit and the sample configuration.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = systemd/lumen.service
lumenconfdir = $(sysconfdir)/lumen
dist_lumenconf_DATA = conf/lumen.cfg
EXTRA_DIST += systemd/lumen.service.in systemd/lumen.sysusers
CLEANFILES += systemd/lumen.service
systemd/lumen.service: $(top_srcdir)/systemd/lumen.service.in Makefile
	$(AM_V_GEN)mkdir -p systemd && sed -e 's|@bindir[@]|$(bindir)|g' \
		-e 's|@sysconfdir[@]|$(sysconfdir)|g' $(top_srcdir)/systemd/lumen.service.in > $@

# The plugin directory exists after install even before any plugin is there.
install-data-local: install-lumen-dirs
install-lumen-dirs:
	$(MKDIR_P) $(DESTDIR)$(lumenplugindir)
.PHONY: install-lumen-dirs

# Integration tests of the daemon's lifecycle (TAP).
dist_check_SCRIPTS += tests/integration/daemon_lifecycle.py tests/integration/daemon_config.sh
TESTS += tests/integration/daemon_lifecycle.py tests/integration/daemon_config.sh
EXTRA_DIST += tests/integration/lib.sh tests/integration/lumentest.py
