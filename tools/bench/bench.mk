# tools/bench/bench.mk -- lumen-bench (included by Makefile.am): the load generator that measures
# lumen (and Janus) with real WebRTC clients of the project's engine. docs/bench.md.
bin_PROGRAMS += tools/bench/lumen-bench
tools_bench_lumen_bench_SOURCES = tools/bench/main.c tools/bench/bench.h \
	tools/bench/janus.c tools/bench/janus.h tools/bench/peer.c tools/bench/peer.h \
	tools/bench/peer_internal.h tools/bench/pub.c tools/bench/sub.c tools/bench/media.c \
	tools/bench/media.h tools/bench/stats.c tools/bench/stats.h tools/bench/scenario.c \
	tools/bench/scenario.h tools/bench/proc.c tools/bench/proc.h tools/bench/pacer.c \
	tools/bench/pacer.h tools/bench/rx.c tools/bench/rx.h tools/bench/srvdelay.c \
	tools/bench/srvdelay.h tools/bench/canary.c tools/bench/canary.h
tools_bench_lumen_bench_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(NICE_CFLAGS) $(OPENSSL_CFLAGS) \
	$(SRTP_CFLAGS) $(SOUP_CFLAGS) $(JANSSON_CFLAGS)
tools_bench_lumen_bench_LDADD = src/webrtc/libwebrtc.la $(SOUP_LIBS) $(JANSSON_LIBS) -lm

# The publishers' send pacer, on its own (Criterion).
check_PROGRAMS += tests/unit/test_bench_pacer
TESTS += tests/unit/test_bench_pacer
tests_unit_test_bench_pacer_SOURCES = tests/unit/test_bench_pacer.c tools/bench/pacer.c \
	tools/bench/pacer.h
tests_unit_test_bench_pacer_CFLAGS = $(CRITERION_CFLAGS_ALL) -I$(top_srcdir)/tools/bench
tests_unit_test_bench_pacer_LDADD = $(CRITERION_LIBS_ALL)

# Reading lumen's forwarding-delay histogram (Criterion).
check_PROGRAMS += tests/unit/test_bench_srvdelay
TESTS += tests/unit/test_bench_srvdelay
tests_unit_test_bench_srvdelay_SOURCES = tests/unit/test_bench_srvdelay.c tools/bench/srvdelay.c \
	tools/bench/srvdelay.h
tests_unit_test_bench_srvdelay_CFLAGS = $(CRITERION_CFLAGS_ALL) $(SOUP_CFLAGS) \
	-I$(top_srcdir)/tools/bench
tests_unit_test_bench_srvdelay_LDADD = $(CRITERION_LIBS_ALL) $(SOUP_LIBS) -lm

# The CPU-speed canary (Criterion).
check_PROGRAMS += tests/unit/test_bench_canary
TESTS += tests/unit/test_bench_canary
tests_unit_test_bench_canary_SOURCES = tests/unit/test_bench_canary.c tools/bench/canary.c \
	tools/bench/canary.h
tests_unit_test_bench_canary_CFLAGS = $(CRITERION_CFLAGS_ALL) $(GLIB_CFLAGS) $(OPENSSL_CFLAGS) \
	$(SRTP_CFLAGS) -I$(top_srcdir)/tools/bench
tests_unit_test_bench_canary_LDADD = src/webrtc/libwebrtc.la $(CRITERION_LIBS_ALL)

# A short fanout and join run of lumen-bench against lumen in a network namespace (TAP; root).
dist_check_SCRIPTS += tests/integration/bench_smoke.sh
TESTS += tests/integration/bench_smoke.sh

EXTRA_DIST += tools/bench/README.md
dist_doc_DATA += docs/bench.md
