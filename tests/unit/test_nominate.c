/* test_nominate.c -- specifications of nominate.c: which datagrams are a nominating check of a
 * lite agent, and an ICE-lite agent (ice.c) that puts the pair in use at that check, before
 * libnice's own triggered check has been answered. The peer here is a plain UDP socket that
 * sends one check built with libnice's STUN library and never answers anything. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <stun/stunagent.h>
#include <stun/usages/ice.h>

#include "webrtc/ice.h"
#include "webrtc/nominate.h"

#define UFRAG "lite"
#define PWD "0123456789abcdefghijkl" /* 22 characters, as RFC 8839 wants at least */

struct check_opts {
	const char *username, *pwd;
	bool use_candidate, controlling;
};

/* A Binding request as a browser's agent builds it; returns its length. */
static size_t build_check(uint8_t *buf, size_t size, const struct check_opts *o)
{
	static const uint16_t known[] = { STUN_ATTRIBUTE_USERNAME, STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
					  STUN_ATTRIBUTE_FINGERPRINT, STUN_ATTRIBUTE_PRIORITY,
					  STUN_ATTRIBUTE_USE_CANDIDATE, STUN_ATTRIBUTE_ICE_CONTROLLING,
					  STUN_ATTRIBUTE_ICE_CONTROLLED, 0 };
	StunAgent agent;
	StunMessage msg;
	size_t len;

	stun_agent_init(&agent, known, STUN_COMPATIBILITY_RFC5389,
			STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
	len = stun_usage_ice_conncheck_create(&agent, &msg, buf, size,
					      (const uint8_t *)o->username, strlen(o->username),
					      (const uint8_t *)o->pwd, strlen(o->pwd),
					      o->use_candidate, o->controlling, 0x6e7f00ff,
					      0x0102030405060708ULL, NULL,
					      STUN_USAGE_ICE_COMPATIBILITY_RFC5245);
	cr_assert_gt(len, 20, "the check was built");
	return len;
}

static const struct check_opts good = { UFRAG ":peer", PWD, true, true };

Test(nominate, a_browsers_nominating_check_is_one)
{
	uint8_t buf[512];
	size_t len = build_check(buf, sizeof(buf), &good);

	cr_assert(lumen_nominate_check(buf, len, UFRAG, PWD));
}

Test(nominate, checks_that_do_not_nominate_us_are_not)
{
	uint8_t buf[512];
	struct check_opts o;
	size_t len;

	o = good, o.use_candidate = false;
	len = build_check(buf, sizeof(buf), &o);
	cr_assert_not(lumen_nominate_check(buf, len, UFRAG, PWD), "no USE-CANDIDATE");
	o = good, o.controlling = false;
	len = build_check(buf, sizeof(buf), &o);
	cr_assert_not(lumen_nominate_check(buf, len, UFRAG, PWD), "from a controlled agent");
	o = good, o.pwd = "another-password-of-22";
	len = build_check(buf, sizeof(buf), &o);
	cr_assert_not(lumen_nominate_check(buf, len, UFRAG, PWD), "integrity of another key");
	o = good, o.username = "other:peer";
	len = build_check(buf, sizeof(buf), &o);
	cr_assert_not(lumen_nominate_check(buf, len, UFRAG, PWD), "someone else's ufrag");
	o = good, o.username = UFRAG "x:peer";
	len = build_check(buf, sizeof(buf), &o);
	cr_assert_not(lumen_nominate_check(buf, len, UFRAG, PWD), "ufrag with a suffix");
}

Test(nominate, every_truncation_and_every_flipped_bit_is_refused)
{
	uint8_t buf[512];
	size_t len = build_check(buf, sizeof(buf), &good);

	for (size_t n = 0; n < len; n++)
		cr_assert_not(lumen_nominate_check(buf, n, UFRAG, PWD), "first %zu bytes", n);
	for (size_t i = 0; i < len; i++)
		for (int bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			cr_assert_not(lumen_nominate_check(buf, len, UFRAG, PWD),
				      "byte %zu bit %d flipped", i, bit);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	cr_assert(lumen_nominate_check(buf, len, UFRAG, PWD), "restored");
	cr_assert_not(lumen_nominate_check(NULL, 0, UFRAG, PWD));
	cr_assert_not(lumen_nominate_check(buf, len, "", PWD));
	cr_assert_not(lumen_nominate_check(buf, len, UFRAG, ""));
}

/* ---- an ICE-lite agent and a peer that only sends its nominating check ---- */

struct lite {
	struct lumen_ice *ice;
	char *cand;
	bool gathered;
	enum lumen_ice_state state;
};

static void on_cand(void *u, const char *c)
{
	struct lite *l = u;

	if (!l->cand)
		l->cand = g_strdup(c);
}

static void on_done(void *u)
{
	((struct lite *)u)->gathered = true;
}

static void on_state(void *u, enum lumen_ice_state st)
{
	((struct lite *)u)->state = st;
}

static void on_recv(void *u, uint8_t *buf, size_t len, int64_t arrival_us)
{
	(void)u, (void)buf, (void)len, (void)arrival_us;
}

static void pump(struct lite *l, bool (*done)(struct lite *), int ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

	while (!done(l) && g_get_monotonic_time() < end)
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(500);
}

static bool gathered(struct lite *l)
{
	return l->gathered;
}

static bool connected(struct lite *l)
{
	return l->state == LUMEN_ICE_CONNECTED;
}

/* A lite agent on 127.0.0.1 with the test's credentials as its remote ones; its port. */
static unsigned lite_up(struct lite *l, bool no_early)
{
	static const char *const loopback[] = { "127.0.0.1", NULL };
	struct lumen_ice_config cfg = { .lite = true, .enforce = loopback,
					.no_early_nominate = no_early };
	struct lumen_ice_callbacks cb = { on_cand, on_done, on_state, on_recv, l };
	char *err = NULL;
	unsigned port = 0;
	const char *p;

	memset(l, 0, sizeof(*l));
	l->ice = lumen_ice_new(NULL, &cfg, &cb, &err);
	cr_assert_not_null(l->ice, "%s", err ? err : "");
	pump(l, gathered, 3000);
	cr_assert_not_null(l->cand, "a host candidate");
	cr_assert_eq(lumen_ice_set_remote_credentials(l->ice, "peer", "peer-password-0123456789"),
		     0);
	p = strstr(l->cand, "127.0.0.1 ");
	cr_assert(p && sscanf(p, "127.0.0.1 %u", &port) == 1, "port of %s", l->cand);
	return port;
}

static void lite_down(struct lite *l)
{
	lumen_ice_free(l->ice);
	g_free(l->cand);
}

static int peer_socket(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 1 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* o's flags, with the agent's credentials where o has the test's (UFRAG, PWD). */
static void send_check(int fd, unsigned port, const struct lite *l, const struct check_opts *o)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char *user = g_strdup_printf("%s:peer", lumen_ice_local_ufrag(l->ice));
	struct check_opts real = *o;
	uint8_t buf[512];
	size_t len;

	if (strcmp(o->username, UFRAG ":peer") == 0)
		real.username = user;
	if (strcmp(o->pwd, PWD) == 0)
		real.pwd = lumen_ice_local_pwd(l->ice);
	len = build_check(buf, sizeof(buf), &real);
	g_free(user);

	cr_assert_eq(sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof(to)), (ssize_t)len);
}

/* The first datagram the peer gets that is not STUN (the agent's answer and triggered check
 * are), or "" after a second. */
static void recv_media(int fd, char *out, size_t size)
{
	uint8_t buf[1500];
	ssize_t n;

	out[0] = '\0';
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		if (buf[0] > 3) {
			snprintf(out, size, "%.*s", (int)n, (const char *)buf);
			return;
		}
}

Test(nominate, a_lite_agent_uses_the_pair_at_the_nominating_check)
{
	struct lite l;
	unsigned port = lite_up(&l, false);
	int fd = peer_socket();
	char got[64], *pair;

	send_check(fd, port, &l, &good);
	/* The peer never answers libnice's triggered check: only the check itself can connect. */
	pump(&l, connected, 2000);
	cr_assert_eq(l.state, LUMEN_ICE_CONNECTED, "connected at the nominating check");
	pair = lumen_ice_selected_pair(l.ice);
	cr_assert_not_null(pair, "the pair in use is reported");
	cr_assert(strstr(pair, "127.0.0.1:") == pair, "local side first: %s", pair);
	g_free(pair);
	cr_assert_eq(lumen_ice_send(l.ice, (const uint8_t *)"\x80media", 6), 6);
	recv_media(fd, got, sizeof(got));
	cr_assert_str_eq(got, "\x80media", "sent to the nominating peer");
	close(fd);
	lite_down(&l);
}

static bool never(struct lite *l)
{
	(void)l;
	return false;
}

Test(nominate, without_a_valid_nomination_nothing_is_in_use)
{
	static const struct check_opts bad[] = {
		{ UFRAG ":peer", "wrong-password-0123456", true, true },
		{ UFRAG ":peer", PWD, false, true },
		{ UFRAG ":peer", PWD, true, false },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct lite l;
		unsigned port = lite_up(&l, false);
		int fd = peer_socket();

		send_check(fd, port, &l, &bad[i]);
		pump(&l, never, 300);
		cr_assert_neq(l.state, LUMEN_ICE_CONNECTED, "check %zu connected nothing", i);
		cr_assert_eq(lumen_ice_send(l.ice, (const uint8_t *)"\x80x", 2), -EAGAIN);
		close(fd);
		lite_down(&l);
	}
}

/* media.ice_lite_nominate = false: libnice's behaviour, the pair only once its own triggered
 * check is answered, which this peer never does. */
Test(nominate, switched_off_the_agent_waits_for_its_own_check)
{
	struct lite l;
	unsigned port = lite_up(&l, true);
	int fd = peer_socket();

	send_check(fd, port, &l, &good);
	pump(&l, never, 300);
	cr_assert_neq(l.state, LUMEN_ICE_CONNECTED);
	close(fd);
	lite_down(&l);
}
