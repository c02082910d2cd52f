/* test_httpkeep.c -- keep-alive of the client API's connections (src/api/httpkeep.c): a real
 * SoupServer on a loopback port in this process, and a client thread on plain blocking sockets,
 * while the test's thread runs the server's main loop.
 *
 * The leak it guards against is counted where it shows: this process's open descriptors. A
 * connection libsoup 3.2 forgets stays open (CLOSE_WAIT) after the client closed it. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "api/httpkeep.h"

static SoupServer *server;
static struct api_httpkeep *keep;
static guint16 port;
static int base_fds;

static void handler(SoupServer *s, SoupServerMessage *msg, const char *path, GHashTable *q,
		    gpointer u)
{
	(void)s;
	(void)q;
	(void)u;
	/* /fail: a server error, which libsoup reports as request-aborted, yet keeps the
	 * connection alive after. */
	soup_server_message_set_status(msg, strcmp(path, "/fail") ? 200 : 500, NULL);
	soup_server_message_set_response(msg, "text/plain", SOUP_MEMORY_STATIC, "ok", 2);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* A server with a keeper of idle_timeout_s (or none at all when with_keeper is false: libsoup's
 * own keep-alive, to show the leak this module exists for). */
static void start(bool with_keeper, unsigned idle_timeout_s)
{
	GError *err = NULL;
	GSList *uris;

	server = soup_server_new(NULL, NULL);
	soup_server_add_handler(server, NULL, handler, NULL, NULL);
	if (with_keeper)
		keep = api_httpkeep_attach(server, idle_timeout_s);
	cr_assert(soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &err), "%s",
		  err ? err->message : "");
	uris = soup_server_get_uris(server);
	port = (guint16)g_uri_get_port(uris->data);
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	base_fds = count_fds();
}

static void stop(void)
{
	api_httpkeep_free(keep);
	keep = NULL;
	if (server) {
		soup_server_disconnect(server);
		g_object_unref(server);
		server = NULL;
	}
}

TestSuite(httpkeep, .fini = stop, .timeout = 30);

/* ---- the client thread ---- */

static int client_connect(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* One GET on fd; returns 1 if answered 200 (and *closes set when the response said
 * "Connection: close"), 0 if the server had closed the connection, -1 on an error. */
static const char *req_path = "/x";

static int client_get(int fd, bool *closes)
{
	char req[128];
	char buf[2048];
	size_t got = 0;

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", req_path);
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req))
		return errno == EPIPE || errno == ECONNRESET ? 0 : -1;
	/* The response is small: headers plus "ok". */
	while (got < sizeof(buf) - 1) {
		ssize_t n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (n == 0)
			return got ? -1 : 0;
		if (n < 0)
			return errno == ECONNRESET && !got ? 0 : -1;
		got += (size_t)n;
		buf[got] = '\0';
		if (strstr(buf, "\r\n\r\nok"))
			break;
	}
	if (closes)
		*closes = strcasestr(buf, "Connection: close") != NULL;
	if (strncmp(buf, "HTTP/1.1 200", 12) == 0 || strncmp(buf, "HTTP/1.1 500", 12) == 0)
		return 1;
	return -1;
}

struct job {
	int conns, requests; /* requests per connection */
	bool keep_open;      /* leave the last connection open (its fd in *open_fd) */
	int answered, refused;
	bool any_close;
	int open_fd;
	volatile int done;
};

static gpointer client_thread(gpointer data)
{
	struct job *j = data;

	j->open_fd = -1;
	for (int c = 0; c < j->conns; c++) {
		int fd = client_connect();
		if (fd < 0)
			break;
		for (int r = 0; r < j->requests; r++) {
			bool closes = false;
			int rc = client_get(fd, &closes);
			if (rc == 1)
				j->answered++;
			else
				j->refused++;
			j->any_close |= closes;
			if (rc != 1)
				break;
		}
		if (j->keep_open && c == j->conns - 1)
			j->open_fd = fd;
		else
			close(fd);
	}
	g_atomic_int_set(&j->done, 1);
	return NULL;
}

static void spin(void)
{
	if (!g_main_context_iteration(NULL, FALSE))
		g_usleep(500);
}

/* Runs the server's loop until the client is done, then until cond() holds or ms pass. */
static void run_until(struct job *j, bool (*cond)(void), int ms)
{
	GThread *t = g_thread_new("client", client_thread, j);
	gint64 end;

	/* Never blocks in the loop: the client may finish without waking it. */
	while (!g_atomic_int_get(&j->done))
		spin();
	g_thread_join(t);
	end = g_get_monotonic_time() + ms * 1000;
	while (g_get_monotonic_time() < end && !(cond && cond()))
		spin();
}

static bool fds_back(void)
{
	return count_fds() <= base_fds;
}

/* ---- tests ---- */

Test(httpkeep, requests_share_one_connection_and_it_is_released_when_the_client_closes_it)
{
	struct job j = { .conns = 1, .requests = 3 };

	start(true, 15);
	run_until(&j, fds_back, 2000);
	cr_assert_eq(j.answered, 3, "answered %d of 3 on one connection", j.answered);
	cr_assert_not(j.any_close, "a response asked to close the connection");
	cr_assert_eq(count_fds(), base_fds, "descriptors: %d, %d before", count_fds(), base_fds);
	cr_assert_eq(api_httpkeep_closed_by_client(keep), 1);
	cr_assert_eq(api_httpkeep_idle(keep), 0);
}

Test(httpkeep, many_closed_connections_leave_no_descriptor_behind)
{
	struct job j = { .conns = 60, .requests = 2 };

	start(true, 15);
	run_until(&j, fds_back, 3000);
	cr_assert_eq(j.answered, 120);
	cr_assert_eq(count_fds(), base_fds, "descriptors: %d, %d before", count_fds(), base_fds);
	cr_assert_eq(api_httpkeep_closed_by_client(keep), 60);
}

static bool server_closed_idle(void)
{
	return keep && api_httpkeep_closed_idle(keep) == 1;
}

Test(httpkeep, an_idle_connection_is_closed_at_the_timeout)
{
	struct job j = { .conns = 1, .requests = 1, .keep_open = true };
	gint64 t0;
	char b;

	start(true, 1);
	t0 = g_get_monotonic_time();
	run_until(&j, server_closed_idle, 4000);
	cr_assert_eq(j.answered, 1);
	cr_assert_geq(j.open_fd, 0);
	cr_assert_eq(api_httpkeep_closed_idle(keep), 1, "not closed after %.1f s",
		     (double)(g_get_monotonic_time() - t0) / 1e6);
	cr_assert_geq(g_get_monotonic_time() - t0, 900000, "closed before its timeout");
	/* The client sees the end of the stream, and the server holds nothing. */
	cr_assert_eq(recv(j.open_fd, &b, 1, 0), 0);
	close(j.open_fd);
	run_until(&(struct job){ .conns = 0 }, fds_back, 1000);
	cr_assert_eq(count_fds(), base_fds);
}

Test(httpkeep, timeout_zero_closes_after_every_response)
{
	struct job j = { .conns = 2, .requests = 2 };

	start(true, 0);
	run_until(&j, fds_back, 2000);
	cr_assert(j.any_close, "no response asked to close");
	cr_assert_eq(j.answered, 2, "answered %d: one per connection", j.answered);
	cr_assert_eq(j.refused, 2, "the second request of each connection found it closed");
	cr_assert_eq(count_fds(), base_fds);
}

Test(httpkeep, a_request_cut_off_midway_leaves_no_descriptor_behind)
{
	struct job j = { .conns = 1, .requests = 1, .keep_open = true };
	static const char half[] = "GET /x HTTP/1.1\r\nHo";

	start(true, 15);
	run_until(&j, NULL, 0);
	cr_assert_eq(j.answered, 1);
	/* The start of a second request, then the client is gone. */
	cr_assert_eq(send(j.open_fd, half, sizeof(half) - 1, 0), (ssize_t)(sizeof(half) - 1));
	for (int i = 0; i < 100; i++)
		spin();
	close(j.open_fd);
	run_until(&(struct job){ .conns = 0 }, fds_back, 2000);
	cr_assert_eq(count_fds(), base_fds, "descriptors: %d, %d before", count_fds(), base_fds);
	cr_assert_eq(api_httpkeep_idle(keep), 0);
}

Test(httpkeep, a_connection_kept_after_a_server_error_is_released_too)
{
	struct job j = { .conns = 4, .requests = 2 };

	req_path = "/fail";
	start(true, 15);
	run_until(&j, fds_back, 2000);
	req_path = "/x";
	cr_assert_eq(j.answered, 8, "answered %d of 8 (two per connection)", j.answered);
	cr_assert_not(j.any_close);
	cr_assert_eq(count_fds(), base_fds, "descriptors: %d, %d before", count_fds(), base_fds);
	cr_assert_eq(api_httpkeep_closed_by_client(keep), 4);
}

/* Why the module exists: libsoup's own keep-alive loses a connection the client closes while
 * idle. When a libsoup update fixes that, this is skipped and says so. */
Test(httpkeep, without_the_keeper_libsoup_leaks_a_closed_idle_connection)
{
	struct job j = { .conns = 3, .requests = 1 };

	start(false, 0);
	run_until(&j, fds_back, 1000);
	cr_assert_eq(j.answered, 3);
	if (count_fds() == base_fds)
		cr_skip_test("this libsoup releases closed idle connections itself: httpkeep.c's "
			     "watch is no longer needed for that");
	cr_assert_eq(count_fds(), base_fds + 3, "descriptors: %d, %d before", count_fds(),
		     base_fds);
}
