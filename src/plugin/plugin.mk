# src/plugin/plugin.mk -- build rules for src/plugin (included by Makefile.am).
