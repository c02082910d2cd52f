# tools/ctl/ctl.mk -- build rules for tools/ctl (included by Makefile.am).
