# src/webrtc/sdp.mk -- build rules for src/webrtc (included by Makefile.am).
