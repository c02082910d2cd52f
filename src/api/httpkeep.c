/* httpkeep.c -- keep-alive for the client API's HTTP connections (see httpkeep.h for why). */
#include "api/httpkeep.h"

#include <errno.h>
#include <sys/socket.h>

/* One connection between two requests. */
struct idle_conn {
	struct api_httpkeep *k;
	SoupServerMessage *msg; /* ref: its last request, the handle it is stolen back by */
	GSocket *sock;          /* ref; the key in k->idle */
	GSource *arm;           /* until the next main-loop iteration, then NULL */
	GSource *watch;         /* end of stream, error or a new request */
	GSource *timer;         /* the idle timeout */
};

struct api_httpkeep {
	SoupServer *server;
	GMainContext *ctx;
	GHashTable *idle; /* GSocket * -> struct idle_conn * (owned) */
	unsigned timeout_s;
	gulong sig_read, sig_started, sig_finished, sig_aborted;
	uint64_t closed_by_client, closed_idle;
};

static void drop_source(GSource **s)
{
	if (*s) {
		g_source_destroy(*s);
		g_source_unref(*s);
		*s = NULL;
	}
}

static void idle_conn_free(gpointer data)
{
	struct idle_conn *c = data;

	drop_source(&c->arm);
	drop_source(&c->watch);
	drop_source(&c->timer);
	g_object_unref(c->msg);
	g_object_unref(c->sock);
	g_free(c);
}

enum peek { PEEK_NOTHING, PEEK_DATA, PEEK_CLOSED };

/* What waits on the socket, without taking it: a request's first byte, the end of the stream
 * (or an error: the client is gone either way), or nothing yet. */
static enum peek peek(GSocket *sock)
{
	char b;
	ssize_t n = recv(g_socket_get_fd(sock), &b, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n > 0)
		return PEEK_DATA;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return PEEK_NOTHING;
	return PEEK_CLOSED;
}

/* Takes the connection back from libsoup (which then forgets it: its connection object is
 * disconnected and released) and closes it. c is freed. */
static void close_idle(struct idle_conn *c)
{
	struct api_httpkeep *k = c->k;

	/* A socket libsoup has closed is no longer its to give: stealing would disconnect its
	 * connection object a second time. */
	if (!g_socket_is_closed(c->sock)) {
		GIOStream *s = soup_server_message_steal_connection(c->msg);

		if (s) {
			g_io_stream_close(s, NULL, NULL);
			g_object_unref(s);
		}
	}
	g_hash_table_remove(k->idle, c->sock);
}

static gboolean on_socket(GSocket *sock, GIOCondition cond, gpointer data)
{
	struct idle_conn *c = data;

	(void)sock;
	(void)cond;
	switch (peek(c->sock)) {
	case PEEK_NOTHING:
		return G_SOURCE_CONTINUE;
	case PEEK_DATA:
		/* The next request: libsoup's reader takes it from here. Our watch must go now, or
		 * at its higher priority it would keep libsoup's reader from ever running. */
		g_hash_table_remove(c->k->idle, c->sock);
		return G_SOURCE_REMOVE;
	case PEEK_CLOSED:
		break;
	}
	c->k->closed_by_client++;
	close_idle(c);
	return G_SOURCE_REMOVE;
}

static gboolean on_timeout(gpointer data)
{
	struct idle_conn *c = data;

	if (peek(c->sock) == PEEK_DATA) {
		g_hash_table_remove(c->k->idle, c->sock);
		return G_SOURCE_REMOVE;
	}
	c->k->closed_idle++;
	close_idle(c);
	return G_SOURCE_REMOVE;
}

/* One iteration after request-finished: libsoup has by now either disconnected the connection
 * (not kept alive: the socket is closed) or set up its reader for the next request. */
static gboolean on_arm(gpointer data)
{
	struct idle_conn *c = data;
	struct api_httpkeep *k = c->k;

	g_source_unref(c->arm);
	c->arm = NULL;
	if (g_socket_is_closed(c->sock)) {
		g_hash_table_remove(k->idle, c->sock);
		return G_SOURCE_REMOVE;
	}
	c->watch = g_socket_create_source(c->sock, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_priority(c->watch, G_PRIORITY_HIGH);
	g_source_set_callback(c->watch, G_SOURCE_FUNC(on_socket), c, NULL);
	g_source_attach(c->watch, k->ctx);
	c->timer = g_timeout_source_new(k->timeout_s * 1000u);
	g_source_set_priority(c->timer, G_PRIORITY_HIGH);
	g_source_set_callback(c->timer, on_timeout, c, NULL);
	g_source_attach(c->timer, k->ctx);
	return G_SOURCE_REMOVE;
}

static void on_request_started(SoupServer *server, SoupServerMessage *msg, gpointer data)
{
	struct api_httpkeep *k = data;
	GSocket *sock = soup_server_message_get_socket(msg);

	(void)server;
	if (sock)
		g_hash_table_remove(k->idle, sock);
}

static void on_request_finished(SoupServer *server, SoupServerMessage *msg, gpointer data)
{
	struct api_httpkeep *k = data;
	GSocket *sock = soup_server_message_get_socket(msg);
	struct idle_conn *c;

	(void)server;
	if (!sock || g_socket_is_closed(sock))
		return;
	/* libsoup decides whether the connection stays after this signal returns, and sets up its
	 * reader for the next request after that: look again in the next iteration. */
	c = g_new0(struct idle_conn, 1);
	c->k = k;
	c->msg = g_object_ref(msg);
	c->sock = g_object_ref(sock);
	c->arm = g_idle_source_new();
	g_source_set_priority(c->arm, G_PRIORITY_HIGH);
	g_source_set_callback(c->arm, on_arm, c, NULL);
	g_source_attach(c->arm, k->ctx);
	g_hash_table_replace(k->idle, c->sock, c);
}

struct api_httpkeep *api_httpkeep_attach(SoupServer *server, unsigned idle_timeout_s)
{
	struct api_httpkeep *k = g_new0(struct api_httpkeep, 1);

	k->server = server;
	k->ctx = g_main_context_ref_thread_default();
	k->timeout_s = idle_timeout_s;
	k->idle = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, idle_conn_free);
	if (idle_timeout_s == 0) {
		k->sig_read = g_signal_connect(server, "request-read",
					       G_CALLBACK(api_http_close_after_response), NULL);
		return k;
	}
	k->sig_started = g_signal_connect(server, "request-started",
					  G_CALLBACK(on_request_started), k);
	k->sig_finished = g_signal_connect(server, "request-finished",
					   G_CALLBACK(on_request_finished), k);
	/* A request libsoup counts as aborted (an error status, a broken connection) may still
	 * leave its connection kept alive; on_arm sees which. */
	k->sig_aborted = g_signal_connect(server, "request-aborted",
					  G_CALLBACK(on_request_finished), k);
	return k;
}

void api_httpkeep_free(struct api_httpkeep *k)
{
	if (!k)
		return;
	if (k->sig_read)
		g_signal_handler_disconnect(k->server, k->sig_read);
	if (k->sig_started)
		g_signal_handler_disconnect(k->server, k->sig_started);
	if (k->sig_finished)
		g_signal_handler_disconnect(k->server, k->sig_finished);
	if (k->sig_aborted)
		g_signal_handler_disconnect(k->server, k->sig_aborted);
	g_hash_table_destroy(k->idle);
	g_main_context_unref(k->ctx);
	g_free(k);
}

unsigned api_httpkeep_idle(const struct api_httpkeep *k)
{
	return g_hash_table_size(k->idle);
}

uint64_t api_httpkeep_closed_by_client(const struct api_httpkeep *k)
{
	return k->closed_by_client;
}

uint64_t api_httpkeep_closed_idle(const struct api_httpkeep *k)
{
	return k->closed_idle;
}
