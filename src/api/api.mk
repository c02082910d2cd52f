# src/api/api.mk -- build rules for src/api (included by Makefile.am).
