# src/webrtc/sctp.mk -- build rules for src/webrtc (included by Makefile.am).
