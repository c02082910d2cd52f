# src/webrtc/ice.mk -- build rules for src/webrtc (included by Makefile.am).
