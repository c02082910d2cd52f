# tools/ctl/ctl.mk -- build rules for tools/ctl (included by Makefile.am): lumenctl, the admin
# API's command-line client.
bin_PROGRAMS += tools/ctl/lumenctl
tools_ctl_lumenctl_SOURCES = tools/ctl/lumenctl.c tools/ctl/ctl.h tools/ctl/rooms.c \
	tools/ctl/ctl_recordings.c
tools_ctl_lumenctl_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(SOUP_CFLAGS) $(JANSSON_CFLAGS)
tools_ctl_lumenctl_LDADD = $(GLIB_LIBS) $(SOUP_LIBS) $(JANSSON_LIBS)

# Every command against the real daemon, and the exit codes (TAP).
dist_check_SCRIPTS += tests/integration/lumenctl_cli.sh
TESTS += tests/integration/lumenctl_cli.sh
# The rooms commands' tables, --json and errors against canned replies of the admin stub plugin
# (tests/integration/admin_stub_plugin.c, built by src/admin/admin.mk).
dist_check_SCRIPTS += tests/integration/lumenctl_rooms.sh
TESTS += tests/integration/lumenctl_rooms.sh

dist_man_MANS += tools/ctl/lumenctl.1
