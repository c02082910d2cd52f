# src/webrtc/crypto.mk -- build rules for src/webrtc (included by Makefile.am).
