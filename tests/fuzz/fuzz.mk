# tests/fuzz/fuzz.mk -- build rules for tests/fuzz (included by Makefile.am).
