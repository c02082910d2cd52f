# plugins/echotest/plugin.mk -- build rules for plugins/echotest (included by Makefile.am).
