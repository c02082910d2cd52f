# tests/integration/rooms.mk -- signalling-level tests of the rooms engine (no media). Included by Makefile.am.
