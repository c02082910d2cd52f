/* test_ice.c -- two ICE agents on 127.0.0.1 in one process: lumen's lite agent (as a browser
 * would meet it) and a full controlling agent connect and exchange datagrams both ways; errors
 * for bad configuration and bad candidates. Real UDP sockets on loopback, bounded waits. */
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "webrtc/ice.h"
#include "webrtc/rxloop.h"
#include "webrtc/subctx.h"
#include "webrtc/rxsplit.h"

struct side {
	struct lumen_ice *ice;
	enum lumen_ice_state state;
	int64_t connected_us; /* when the state became CONNECTED */
	bool gathered;
	GPtrArray *cands;
	char last[256];
	int received;
	int64_t last_arrival_us; /* on_recv's arrival_us of the last datagram */
	struct lumen_rxloop *loop;
	int loop_conns_at_connected; /* the loop's connections when CONNECTED was reported, -1 */
};

static void on_cand(void *u, const char *c)
{
	struct side *s = u;
	g_ptr_array_add(s->cands, g_strdup(c));
}
static void on_done(void *u)
{
	((struct side *)u)->gathered = true;
}
static void on_state(void *u, enum lumen_ice_state st)
{
	struct side *s = u;

	s->state = st;
	if (st == LUMEN_ICE_CONNECTED && !s->connected_us)
		s->connected_us = g_get_monotonic_time();
	if (st == LUMEN_ICE_CONNECTED && s->loop) {
		struct lumen_rxloop_stats rs;

		lumen_rxloop_get_stats(s->loop, &rs);
		s->loop_conns_at_connected = (int)rs.conns;
	}
}
static void on_recv(void *u, uint8_t *buf, size_t len, int64_t arrival_us)
{
	struct side *s = u;
	size_t n = len < sizeof(s->last) - 1 ? len : sizeof(s->last) - 1;
	memcpy(s->last, buf, n);
	s->last[n] = '\0';
	s->last_arrival_us = arrival_us;
	s->received++;
}

static const char *const loopback[] = { "127.0.0.1", NULL };

static void side_init_cfg(struct side *s, const struct lumen_ice_config *cfg,
			  struct lumen_rxloop *loop)
{
	struct lumen_ice_callbacks cb = { on_cand, on_done, on_state, on_recv, s };
	char *err = NULL;

	memset(s, 0, sizeof(*s));
	s->loop = loop;
	s->loop_conns_at_connected = -1;
	s->cands = g_ptr_array_new_with_free_func(g_free);
	s->ice = lumen_ice_new(NULL, cfg, &cb, &err);
	cr_assert_not_null(s->ice, "lumen_ice_new: %s", err ? err : "?");
}

static void side_init_loop(struct side *s, bool lite, bool controlling,
			   struct lumen_rxloop *loop)
{
	struct lumen_ice_config cfg = { .lite = lite, .controlling = controlling,
					.enforce = loopback, .rxloop = loop };

	side_init_cfg(s, &cfg, loop);
}

static void side_init(struct side *s, bool lite, bool controlling)
{
	side_init_loop(s, lite, controlling, NULL);
}

static void side_fini(struct side *s)
{
	lumen_ice_free(s->ice);
	g_ptr_array_free(s->cands, TRUE);
}

/* Iterates the default context until cond holds or timeout_ms passes. */

static gboolean iterate(void)
{
	return g_main_context_iteration(NULL, FALSE);
}

static void pump_until(bool (*cond)(void *), void *arg, int timeout_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	while (!cond(arg) && g_get_monotonic_time() < end)
		if (!iterate())
			g_usleep(1000);
}

static bool both_gathered(void *a)
{
	struct side *s = a;
	return s[0].gathered && s[1].gathered;
}
static bool both_connected(void *a)
{
	struct side *s = a;
	return s[0].state == LUMEN_ICE_CONNECTED && s[1].state == LUMEN_ICE_CONNECTED;
}
static bool got_one(void *a)
{
	return ((struct side *)a)->received > 0;
}

/* s[0] lite, s[1] full controlling, both made: gathers, exchanges what each needs (only the
 * full agent needs the other's candidates: the lite one learns them from checks), waits. */
static void connect_pair(struct side s[2])
{
	pump_until(both_gathered, s, 5000);
	cr_assert(s[0].gathered && s[1].gathered, "gathering finished on both sides");
	cr_assert_eq(lumen_ice_set_remote_credentials(s[0].ice, lumen_ice_local_ufrag(s[1].ice),
						      lumen_ice_local_pwd(s[1].ice)), 0);
	cr_assert_eq(lumen_ice_set_remote_credentials(s[1].ice, lumen_ice_local_ufrag(s[0].ice),
						      lumen_ice_local_pwd(s[0].ice)), 0);
	for (guint i = 0; i < s[0].cands->len; i++)
		cr_assert_eq(lumen_ice_add_remote_candidate(s[1].ice,
							    g_ptr_array_index(s[0].cands, i)), 0);
	lumen_ice_remote_gathering_done(s[1].ice);
	pump_until(both_connected, s, 8000);
	cr_assert(both_connected(s), "both sides connected");
}

static bool got_ten(void *a)
{
	return ((struct side *)a)->received >= 10;
}

static bool loop_has_one(void *a)
{
	struct lumen_rxloop_stats st;

	lumen_rxloop_get_stats(a, &st);
	return st.conns == 1;
}

/* The daemon's agents: once connected, the pair's media comes through the receive loop
 * (rxloop.h) while STUN stays with libnice; a restart hands everything back to libnice. */
/* A lite agent on a new receive loop connected to a full controlling one, and the loop holding
 * the pair. Returns the loop (lumen_rxloop_free it after the sides). */
static struct lumen_rxloop *connect_pair_on_a_loop(struct side s[2])
{
	struct lumen_rxloop_stats st;
	char *err = NULL;
	struct lumen_rxloop *loop = lumen_rxloop_new(NULL, &err);

	cr_assert_not_null(loop, "%s", err ? err : "");
	side_init_loop(&s[0], true, false, loop);
	side_init(&s[1], false, true);
	connect_pair(s);
	/* connected at the nomination; the loop takes the pair at libnice's selection, which
	 * follows its own triggered check (nominate.h) */
	pump_until(loop_has_one, loop, 3000);
	lumen_rxloop_get_stats(loop, &st);
	cr_assert_eq(st.conns, 1, "the connected lite agent joined the loop");
	return loop;
}

Test(ice, with_a_receive_loop_media_goes_through_it)
{
	struct side s[2];
	struct lumen_rxloop_stats st;
	struct lumen_rxloop *loop = connect_pair_on_a_loop(s);

	/* The owner heard of the pair first (and started DTLS), the loop took the pair after. */
	cr_assert_eq(s[0].loop_conns_at_connected, 0);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(lumen_ice_send(s[1].ice, (const uint8_t *)"\x80media", 6), 6);
	pump_until(got_ten, &s[0], 3000);
	cr_assert_eq(s[0].received, 10);
	cr_assert_str_eq(s[0].last, "\x80media");
	lumen_rxloop_get_stats(loop, &st);
	cr_assert_geq(st.datagrams, 10, "the loop read them (%" G_GUINT64_FORMAT ")", st.datagrams);
	cr_assert_eq(lumen_ice_send(s[0].ice, (const uint8_t *)"\x80" "back", 5), 5);
	pump_until(got_one, &s[1], 3000);
	cr_assert_str_eq(s[1].last, "\x80" "back");
	cr_assert_eq(lumen_ice_restart(s[0].ice), 0);
	lumen_rxloop_get_stats(loop, &st);
	cr_assert_eq(st.conns, 0, "a restart leaves the loop");
	cr_assert_eq(st.add_failures, 0);
	cr_assert_eq(lumen_ice_rx_split(s[0].ice, NULL), -EBUSY);
	side_fini(&s[0]);
	side_fini(&s[1]);
	lumen_rxloop_free(loop);
}

static bool never(void *a)
{
	(void)a;
	return false;
}

/* The daemon's arrangement: the lite agent on a context run from the main one only when it has
 * work (subctx.h), its media through a receive loop on the main one. It connects as fast as on
 * the main context, and once media flows, the main loop's wake-ups for it leave the agents'
 * context alone. */
Test(ice, an_agent_on_a_subcontext_connects_and_media_does_not_iterate_it)
{
	struct side s[2];
	struct lumen_rxloop_stats rs;
	struct lumen_subctx_stats before, after;
	struct lumen_subctx *sub = lumen_subctx_new(NULL, G_PRIORITY_DEFAULT);
	char *err = NULL;
	struct lumen_rxloop *loop = lumen_rxloop_new(NULL, &err);
	struct lumen_ice_config cfg = { .lite = true, .enforce = loopback, .rxloop = loop,
					.agent_ctx = lumen_subctx_context(sub) };
	int64_t t0;

	cr_assert_not_null(loop, "%s", err ? err : "");
	side_init_cfg(&s[0], &cfg, loop);
	side_init(&s[1], false, true);
	t0 = g_get_monotonic_time();
	connect_pair(s);
	cr_log_info("subcontext: connected %.2f ms after the exchange, lite %.2f ms after full",
		    (double)(s[0].connected_us - t0) / 1000,
		    (double)(s[0].connected_us - s[1].connected_us) / 1000);
	cr_assert_lt(s[0].connected_us - s[1].connected_us, 4000,
		     "the lite agent was connected %.1f ms after the full one",
		     (double)(s[0].connected_us - s[1].connected_us) / 1000);
	pump_until(loop_has_one, loop, 3000);
	/* Let the lite agent's check timer stop first (checks_done: libnice's 50 ms idle grace,
	 * and a margin for a loaded sanitizer build); until then it runs every 1 ms whatever the
	 * media does, and that is a_connected_lite_agent_stops_its_check_timer's subject. */
	pump_until(never, NULL, 300);
	lumen_subctx_get_stats(sub, &before);
	cr_assert_gt(before.runs, 0, "the agent's sources ran on the subcontext");
	for (int i = 0; i < 10; i++) {
		int want = s[0].received + 1;

		cr_assert_eq(lumen_ice_send(s[1].ice, (const uint8_t *)"\x80media", 6), 6);
		for (int k = 0; k < 3000 && s[0].received < want; k++)
			if (!iterate())
				g_usleep(1000);
		cr_assert_eq(s[0].received, want, "datagram %d arrived", i + 1);
	}
	lumen_subctx_get_stats(sub, &after);
	lumen_rxloop_get_stats(loop, &rs);
	cr_assert_geq(rs.datagrams, 10, "the loop read the media");
	/* The full agent's own timers (on the main context) may wake it; the lite agent's
	 * context runs only for a timer of its own that came due meanwhile, if any. */
	cr_assert_leq(after.runs - before.runs, 4,
		      "10 datagrams through the main loop iterated the agents' context %" G_GUINT64_FORMAT
		      " times", after.runs - before.runs);
	cr_assert_eq(lumen_ice_send(s[0].ice, (const uint8_t *)"\x80" "back", 5), 5);
	pump_until(got_one, &s[1], 3000);
	cr_assert_str_eq(s[1].last, "\x80" "back");
	side_fini(&s[0]);
	side_fini(&s[1]);
	lumen_rxloop_free(loop);
	lumen_subctx_free(sub);
}

/* Once connected, a lite agent's 1 ms check timer stops (ice.c checks_done): libnice would keep
 * it ticking 5 s, or for ever when the peer never says its candidates are complete, as here
 * (connect_pair tells only the full side). Its subcontext shows it: no run for half a
 * second. */
Test(ice, a_connected_lite_agent_stops_its_check_timer)
{
	struct side s[2];
	struct lumen_subctx_stats before, after;
	struct lumen_subctx *sub = lumen_subctx_new(NULL, G_PRIORITY_DEFAULT);
	struct lumen_ice_config cfg = { .lite = true, .enforce = loopback,
					.agent_ctx = lumen_subctx_context(sub) };

	side_init_cfg(&s[0], &cfg, NULL);
	side_init(&s[1], false, true);
	connect_pair(s);
	pump_until(never, NULL, 300); /* libnice's idle grace, 50 ms, and a margin */
	lumen_subctx_get_stats(sub, &before);
	pump_until(never, NULL, 500);
	lumen_subctx_get_stats(sub, &after);
	cr_log_info("agent context runs: %" G_GUINT64_FORMAT " by 0.3 s after connecting, %"
		    G_GUINT64_FORMAT " in the next 0.5 s", before.runs, after.runs - before.runs);
	cr_assert_leq(after.runs - before.runs, 5,
		      "the connected lite agent's context ran %" G_GUINT64_FORMAT " times in 0.5 s",
		      after.runs - before.runs);
	cr_assert_eq(s[0].state, LUMEN_ICE_CONNECTED);
	side_fini(&s[0]);
	side_fini(&s[1]);
	lumen_subctx_free(sub);
}

/* A datagram that waits in the socket while the thread is busy keeps its arrival: sent, then
 * 150 ms without iterating the context, then read. on_recv's arrival_us must be the send's
 * time (the kernel's receive stamp), not the read's, whichever path reads it: libnice before
 * the receive loop takes the pair (and without a loop), the loop after. */
static void check_arrival_of_a_waiting_datagram(struct side s[2], const char *what)
{
	int before = s[0].received;
	int64_t sent, read_at;

	sent = g_get_monotonic_time();
	cr_assert_eq(lumen_ice_send(s[1].ice, (const uint8_t *)"\x80late", 5), 5);
	g_usleep(150 * 1000);
	read_at = g_get_monotonic_time();
	for (int i = 0; i < 3000 && s[0].received == before; i++)
		if (!iterate())
			g_usleep(1000);
	cr_assert_eq(s[0].received, before + 1, "%s: the datagram arrived", what);
	cr_assert_str_eq(s[0].last, "\x80late");
	cr_log_info("%s: arrival %.1f ms after the send, read %.1f ms after it", what,
		    (double)(s[0].last_arrival_us - sent) / 1000, (double)(read_at - sent) / 1000);
	cr_assert_geq(s[0].last_arrival_us, sent - 1000, "%s: not before the send", what);
	cr_assert_lt(s[0].last_arrival_us, sent + 50 * 1000,
		     "%s: arrival %.1f ms after the send: the read time, not the kernel's", what,
		     (double)(s[0].last_arrival_us - sent) / 1000);
}

Test(ice, a_datagram_read_late_keeps_its_kernel_arrival_time)
{
	struct side s[2];
	struct lumen_rxloop_stats st;
	struct lumen_rxloop *loop;

	side_init(&s[0], true, false);
	side_init(&s[1], false, true);
	connect_pair(s);
	check_arrival_of_a_waiting_datagram(s, "libnice");
	side_fini(&s[0]);
	side_fini(&s[1]);

	loop = connect_pair_on_a_loop(s);
	check_arrival_of_a_waiting_datagram(s, "receive loop");
	lumen_rxloop_get_stats(loop, &st);
	cr_assert_geq(st.datagrams, 1, "the loop read it");
	side_fini(&s[0]);
	side_fini(&s[1]);
	lumen_rxloop_free(loop);
}

Test(ice, lite_agent_connects_to_a_full_controlling_agent_and_carries_datagrams_both_ways)
{
	struct side s[2];
	ssize_t n;

	side_init(&s[0], true, false);  /* lumen: lite */
	side_init(&s[1], false, true);  /* the browser's role: full, controlling */
	pump_until(both_gathered, s, 5000);
	cr_assert(s[0].gathered && s[1].gathered, "gathering finished on both sides");
	cr_assert_gt(s[0].cands->len, 0, "the lite agent has a host candidate");
	cr_assert(strstr(g_ptr_array_index(s[0].cands, 0), "127.0.0.1") != NULL,
		  "candidate pinned to the enforced address: %s",
		  (char *)g_ptr_array_index(s[0].cands, 0));
	cr_assert(g_str_has_prefix(g_ptr_array_index(s[0].cands, 0), "candidate:"));
	connect_pair(s);
	cr_assert_eq(s[0].state, LUMEN_ICE_CONNECTED, "lite side connected");
	cr_assert_eq(s[1].state, LUMEN_ICE_CONNECTED, "full side connected");

	n = lumen_ice_send(s[1].ice, (const uint8_t *)"\x80hello", 6);
	cr_assert_eq(n, 6);
	pump_until(got_one, &s[0], 3000);
	cr_assert_str_eq(s[0].last, "\x80hello");

	n = lumen_ice_send(s[0].ice, (const uint8_t *)"\x80world", 6);
	cr_assert_eq(n, 6, "the lite agent sends on the pair the peer nominated");
	pump_until(got_one, &s[1], 3000);
	cr_assert_str_eq(s[1].last, "\x80world");

	char *pair = lumen_ice_selected_pair(s[0].ice);
	cr_assert_not_null(pair);
	cr_assert(strstr(pair, "127.0.0.1:") == pair, "selected pair %s", pair);
	g_free(pair);
	side_fini(&s[0]);
	side_fini(&s[1]);
}

/* The IP_MTU_DISCOVER mode of this process's UDP socket bound to 127.0.0.1:port, other than the
 * receive loop's second socket on it (which never sends): -1 when there is none. */
static int pmtudisc_of_port(unsigned port)
{
	int found = -1;

	for (int fd = 3; fd < 1024; fd++) {
		struct sockaddr_in a;
		socklen_t l = sizeof(a);
		int v = -1, type = 0;
		socklen_t vl = sizeof(v), tl = sizeof(type);

		if (getsockname(fd, (struct sockaddr *)&a, &l) < 0 || a.sin_family != AF_INET ||
		    ntohs(a.sin_port) != port)
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_DGRAM)
			continue;
		if (getsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, &vl) == 0 && v > found)
			found = v;
	}
	return found;
}

Test(ice, the_selected_pair_sends_with_dont_fragment)
{
	struct side s[2];
	unsigned port = 0;
	char *pair;

	side_init(&s[0], true, false);
	side_init(&s[1], false, true);
	connect_pair(s);
	cr_assert_eq(s[0].state, LUMEN_ICE_CONNECTED);
	pair = lumen_ice_selected_pair(s[0].ice);
	cr_assert_not_null(pair);
	cr_assert_eq(sscanf(pair, "127.0.0.1:%u", &port), 1, "selected pair %s", pair);
	g_free(pair);
	/* The kernel's default is IP_PMTUDISC_WANT: DF only after path MTU discovery, an IP ID from
	 * the shared generator for every datagram (ice.c, set_dont_fragment). */
	cr_assert_eq(pmtudisc_of_port(port), IP_PMTUDISC_PROBE,
		     "the pair's socket on port %u sends with DF", port);
	cr_assert_eq(lumen_ice_send(s[0].ice, (const uint8_t *)"\x80" "df", 3), 3);
	pump_until(got_one, &s[1], 3000);
	cr_assert_str_eq(s[1].last, "\x80" "df", "media still flows");
	side_fini(&s[0]);
	side_fini(&s[1]);
}

/* A lite agent answers the peer's nominating check at once, but libnice selects the pair (the
 * component is connected, so DTLS can start) only at the agent's next Ta tick, after a
 * triggered check of its own paced by the same tick. lumen sets a lite agent's Ta to 1 ms: with
 * libnice's default 20 ms every join waited about 20 ms between the browser's ICE coming up and
 * the server's (lumen-bench's join scenario). Measured here: 1.2 ms with 1 ms, 4.8-5.3 ms with
 * 5 ms, so 4 ms tells them apart. Best of three connections, so a busy machine does not fail it. */
Test(ice, lite_agent_is_connected_within_a_few_ms_of_the_full_agent)
{
	int64_t best = G_MAXINT64;

	for (int k = 0; k < 3; k++) {
		struct side s[2];

		side_init(&s[0], true, false);
		side_init(&s[1], false, true);
		connect_pair(s);
		best = MIN(best, s[0].connected_us - s[1].connected_us);
		side_fini(&s[0]);
		side_fini(&s[1]);
	}
	cr_log_info("lite after full: %.2f ms", (double)best / 1000);
	cr_assert_lt(best, 4000, "the lite agent was connected %.1f ms after the full one",
		     (double)best / 1000);
}

Test(ice, sending_before_connectivity_is_eagain)
{
	struct side s;

	side_init(&s, true, false);
	cr_assert_eq(lumen_ice_send(s.ice, (const uint8_t *)"x", 1), -EAGAIN);
	side_fini(&s);
}

Test(ice, restart_changes_local_credentials)
{
	struct side s;
	char *u, *p;

	side_init(&s, true, false);
	u = g_strdup(lumen_ice_local_ufrag(s.ice));
	p = g_strdup(lumen_ice_local_pwd(s.ice));
	cr_assert_eq(lumen_ice_restart(s.ice), 0);
	cr_assert_str_neq(u, lumen_ice_local_ufrag(s.ice));
	cr_assert_str_neq(p, lumen_ice_local_pwd(s.ice));
	g_free(u);
	g_free(p);
	side_fini(&s);
}

Test(ice, bad_remote_candidates_are_refused_not_crashed_on)
{
	static const char *const bad[] = {
		"", "candidate:", "candidate:1 1 udp", "hello world", "candidate:1 1 udp x y z typ host",
		"a=candidate:1 1 udp 2122260223 not-an-ip 9 typ host",
	};
	struct side s;

	side_init(&s, true, false);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(lumen_ice_add_remote_candidate(s.ice, bad[i]), -EINVAL, "\"%s\"", bad[i]);
	cr_assert_eq(lumen_ice_add_remote_candidate(s.ice, NULL), -EINVAL);
	cr_assert_eq(lumen_ice_add_remote_candidate(
			     s.ice, "candidate:1 1 udp 2122260223 3f2a9c1e-1b2c.local 50000 typ host"),
		     -ENOTSUP, "mDNS names are not usable but harmless");
	cr_assert_eq(lumen_ice_add_remote_candidate(
			     s.ice, "candidate:1 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active"),
		     -ENOTSUP);
	cr_assert_eq(lumen_ice_add_remote_candidate(
			     s.ice, "candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host"), 0);
	cr_assert_eq(lumen_ice_set_remote_credentials(s.ice, "", "x"), -EINVAL);
	side_fini(&s);
}

Test(ice, an_enforced_name_that_is_neither_address_nor_interface_is_a_clear_error)
{
	static const char *const bogus[] = { "no-such-if0", NULL };
	struct lumen_ice_config cfg = { .lite = true, .enforce = bogus };
	struct lumen_ice_callbacks cb = { 0 };
	char *err = NULL;

	cr_assert_null(lumen_ice_new(NULL, &cfg, &cb, &err));
	cr_assert_not_null(err);
	cr_assert(strstr(err, "no-such-if0") != NULL, "%s", err);
	free(err);
}

Test(ice, port_range_parsing)
{
	uint16_t lo, hi;

	cr_assert_eq(lumen_ice_parse_port_range("20000-40000", &lo, &hi), 0);
	cr_assert_eq(lo, 20000);
	cr_assert_eq(hi, 40000);
	cr_assert_eq(lumen_ice_parse_port_range("5000-5000", &lo, &hi), 0);
	static const char *const bad[] = { "", "1-2", "40000-20000", "20000-70000", "20000",
					   "20000-40000x", "a-b", "-1-5", NULL };
	for (int i = 0; bad[i]; i++)
		cr_assert_eq(lumen_ice_parse_port_range(bad[i], &lo, &hi), -EINVAL, "%s", bad[i]);
	cr_assert_eq(lumen_ice_parse_port_range(NULL, &lo, &hi), -EINVAL);
}

Test(ice, candidates_come_from_the_port_range)
{
	static const char *const lo_only[] = { "127.0.0.1", NULL };
	struct side s;
	struct lumen_ice_config cfg = { .lite = true, .enforce = lo_only, .port_min = 47000,
					.port_max = 47100 };
	struct lumen_ice_callbacks cb = { on_cand, on_done, on_state, on_recv, &s };
	char *err = NULL;

	memset(&s, 0, sizeof(s));
	s.cands = g_ptr_array_new_with_free_func(g_free);
	s.ice = lumen_ice_new(NULL, &cfg, &cb, &err);
	cr_assert_not_null(s.ice, "%s", err);
	pump_until(got_one, &s, 0); /* no wait: candidates for host addresses come at once */
	for (int i = 0; i < 100 && !s.gathered; i++)
		iterate();
	cr_assert_gt(s.cands->len, 0);
	gchar **f = g_strsplit(g_ptr_array_index(s.cands, 0), " ", -1);
	int port = atoi(f[5]);
	g_strfreev(f);
	cr_assert(port >= 47000 && port <= 47100, "port %d in range", port);
	side_fini(&s);
}

Test(ice, nat_1_1_replaces_the_host_address_in_candidates)
{
	static const char *const lo_only[] = { "127.0.0.1", NULL };
	struct side s;
	struct lumen_ice_config cfg = { .lite = true, .enforce = lo_only, .nat_1_1 = "203.0.113.7" };
	struct lumen_ice_callbacks cb = { on_cand, on_done, on_state, on_recv, &s };
	char *err = NULL;

	memset(&s, 0, sizeof(s));
	s.cands = g_ptr_array_new_with_free_func(g_free);
	s.ice = lumen_ice_new(NULL, &cfg, &cb, &err);
	cr_assert_not_null(s.ice, "%s", err);
	for (int i = 0; i < 100 && !s.gathered; i++)
		iterate();
	cr_assert_gt(s.cands->len, 0);
	cr_assert(strstr(g_ptr_array_index(s.cands, 0), " 203.0.113.7 ") != NULL, "%s",
		  (char *)g_ptr_array_index(s.cands, 0));
	side_fini(&s);
}

/* lumen-bench's subscribers (--rx batch): a full agent without consent freshness whose owner takes
 * the pair's own socket once connected. What the peer sends is then read by the owner (with
 * kernel timestamps) and reaches the callback only through lumen_ice_rx_input, STUN dropped;
 * libnice reads the socket no more. */
Test(ice, a_taken_socket_is_read_by_its_owner_only)
{
	struct side s[2];
	struct lumen_ice_config full = { .controlling = true, .enforce = loopback,
					 .consent_off = true };
	GMainContext *park = g_main_context_new();
	struct lumen_rxbatch *b = g_new0(struct lumen_rxbatch, 1);
	uint8_t stun[20] = { 0x00, 0x01 };
	int fd, n = 0;

	side_init(&s[0], true, false);
	side_init_cfg(&s[1], &full, NULL);
	cr_assert_eq(lumen_ice_rx_take(s[1].ice, park), -EAGAIN, "not before a pair");
	connect_pair(s);
	fd = lumen_ice_rx_take(s[1].ice, park);
	cr_assert_geq(fd, 0, "take: %s", g_strerror(-fd));
	cr_assert_eq(lumen_ice_rx_take(s[1].ice, park), fd, "taking again gives the same fd");
	cr_assert_eq(lumen_ice_rx_split(s[1].ice, NULL), -EBUSY);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(lumen_ice_send(s[0].ice, (const uint8_t *)"\x80media", 6), 6);
	/* libnice's sources for the socket are on park, never iterated: nothing arrives this way. */
	pump_until(got_one, &s[1], 300);
	cr_assert_eq(s[1].received, 0, "libnice read the taken socket");
	for (int tries = 0; n < 10 && tries < 300; tries++) {
		int k = lumen_rxbatch_read(b, fd, LUMEN_RXBATCH_MAX);

		cr_assert_geq(k, 0, "read: %s", g_strerror(-k));
		for (int i = 0; i < k; i++) {
			cr_assert_gt(b->rx_ns[i], 0, "a kernel receive time with every datagram");
			/* Media only: the lite side may still answer our agent's checks. */
			n += b->buf[i][0] == 0x80;
			lumen_ice_rx_input(s[1].ice, b->buf[i], b->msg[i].msg_len, b->rx_ns[i]);
		}
		if (n < 10)
			g_usleep(1000);
	}
	cr_assert_eq(n, 10, "the owner read %d of the 10", n);
	cr_assert_eq(s[1].received, 10);
	cr_assert_str_eq(s[1].last, "\x80media");
	lumen_ice_rx_input(s[1].ice, stun, sizeof(stun), 0);
	cr_assert_eq(s[1].received, 10, "STUN from a taken socket is dropped");
	/* Sending still works from the taken socket's side. */
	cr_assert_eq(lumen_ice_send(s[1].ice, (const uint8_t *)"\x80" "back", 5), 5);
	pump_until(got_one, &s[0], 3000);
	cr_assert_str_eq(s[0].last, "\x80" "back");
	side_fini(&s[0]);
	side_fini(&s[1]);
	g_main_context_unref(park);
	g_free(b);
}
