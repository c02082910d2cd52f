# tools/bench/floor.mk -- lumen-floor (the per-packet cost floor: SRTP protect per profile, UDP
# send on loopback), its smoke test, and `make bench` (tools/bench/compare-janus.sh: lumen
# against Debian's Janus, writes docs/performance.md; needs root, not part of `make check`).
# Included by Makefile.am.
bin_PROGRAMS += tools/bench/lumen-floor
tools_bench_lumen_floor_SOURCES = tools/bench/floor.c tools/bench/floor.h tools/bench/floor_rig.c tools/bench/floor_rig.h
tools_bench_lumen_floor_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tools_bench_lumen_floor_LDADD = src/webrtc/libwebrtc.la $(JANSSON_LIBS)

dist_check_SCRIPTS += tests/integration/floor_smoke.sh
TESTS += tests/integration/floor_smoke.sh
# scaling_fit.py: tools/bench/scaling.py's fit on made-up results (scaling.sh itself needs root,
# Janus and minutes).
dist_check_SCRIPTS += tests/integration/scaling_fit.py
TESTS += tests/integration/scaling_fit.py
# quiet_rounds.py: tools/bench/quiet.py's rule for the rounds compare-janus.sh judges CPU on.
dist_check_SCRIPTS += tests/integration/quiet_rounds.py
TESTS += tests/integration/quiet_rounds.py
# bench_report.py: compare-janus.sh --report-only on made-up results (the canary and half-load
# rows' arithmetic, the header from run.env).
dist_check_SCRIPTS += tests/integration/bench_report.py
TESTS += tests/integration/bench_report.py
EXTRA_DIST += tools/bench/compare-janus.sh tools/bench/profile.sh tools/bench/record-cost.sh tools/bench/ab.sh \
	tools/bench/callgrind.sh tools/bench/join-trace.sh tools/bench/join-trace.py tools/bench/scaling.sh tools/bench/scaling.py \
	tools/bench/quiet.py \
	tools/bench/bench-lib.sh tools/bench/janus/janus.jcfg.in \
	tools/bench/janus/janus.transport.http.jcfg.in tools/bench/janus/janus.plugin.videoroom.jcfg \
	docs/performance.md

# make bench: the lumen/Janus comparison (root: it makes a network namespace and may apt-get
# install janus). BENCH_ARGS passes options to the script (e.g. BENCH_ARGS=--quick).
bench: all
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  $(SHELL) $(abs_top_srcdir)/tools/bench/compare-janus.sh $(BENCH_ARGS)
# make bench-profile: perf record of lumen's forwarding path under fanout N=20.
bench-profile: all
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  $(SHELL) $(abs_top_srcdir)/tools/bench/profile.sh $(BENCH_ARGS)
# make bench-callgrind: lumen's user-space instructions per forwarded packet (valgrind).
bench-callgrind: all
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  $(SHELL) $(abs_top_srcdir)/tools/bench/callgrind.sh $(BENCH_ARGS)
# make bench-scaling: lumen's and Janus's CPU per received packet split into a fixed part and a
# part per subscriber (fanout at several N).
bench-scaling: all
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' \
	  $(SHELL) $(abs_top_srcdir)/tools/bench/scaling.sh $(BENCH_ARGS)
.PHONY: bench bench-profile bench-callgrind bench-scaling
