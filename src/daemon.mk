# src/daemon.mk
