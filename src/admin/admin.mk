# src/admin/admin.mk -- build rules for src/admin (included by Makefile.am).
