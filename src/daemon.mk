# src/daemon.mk -- build rules for src (included by Makefile.am).
