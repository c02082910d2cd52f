# tests/e2e/e2e.mk -- build rules for tests/e2e (included by Makefile.am).
