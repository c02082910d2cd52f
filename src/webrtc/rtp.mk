# src/webrtc/rtp.mk -- build rules for src/webrtc (included by Makefile.am).
