/* httpkeep.h -- HTTP/1.1 keep-alive for the client API's SoupServer, without libsoup 3.2's leak of
 * idle connections.
 *
 * libsoup 3.2 (Debian 12's 3.2.3) waits for a kept-alive connection's next request with a fresh
 * message that has no completion callback, so when the client closes the idle connection nobody
 * disconnects it: the socket stays in CLOSE_WAIT, holding its descriptor and libsoup's connection
 * object, for the life of the process. Until this module the API answered every request with
 * "Connection: close", and each request paid a TCP handshake and a fresh libsoup connection.
 *
 * This module watches every connection libsoup keeps alive, from the end of one request to the
 * start of the next. When the client closes it (end of stream or an error on the socket) or it
 * stays idle for the timeout, the connection is taken back from libsoup with
 * soup_server_message_steal_connection() -- which disconnects libsoup's connection object the
 * normal way -- and closed. The watch runs at G_PRIORITY_HIGH so that it sees the end of stream
 * before libsoup's own reader (G_PRIORITY_DEFAULT) does; after libsoup had consumed it the
 * connection could no longer be stolen.
 *
 * Ownership: the keeper belongs to whoever attached it and is freed just before the server is
 * disconnected (freeing it stops the watches; the idle connections stay libsoup's, which closes
 * them when it disconnects). It keeps a reference to each idle connection's last message and
 * socket. Threads: the thread whose default main context the server runs on. */
#ifndef LUMEN_API_HTTPKEEP_H
#define LUMEN_API_HTTPKEEP_H

#include <stdint.h>

#include <libsoup/soup.h>

struct api_httpkeep;

/* A "request-read" handler for a server that keeps no connection alive (the admin API, and the
 * client API with http.keepalive_timeout = 0): every plain HTTP response asks to close its
 * connection. WebSocket upgrades are left alone (their 101 must say "Upgrade"). */
static inline void api_http_close_after_response(SoupServer *server, SoupServerMessage *msg,
						 gpointer user)
{
	(void)server;
	(void)user;
	if (!soup_message_headers_get_one(soup_server_message_get_request_headers(msg), "Upgrade"))
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
					     "Connection", "close");
}

/* Starts keeping connections of server alive for at most idle_timeout_s seconds between
 * requests (0: none are kept, every response asks to close its connection). */
struct api_httpkeep *api_httpkeep_attach(SoupServer *server, unsigned idle_timeout_s);

/* Stops watching, disconnects from the server's signals and frees. NULL is a no-op. */
void api_httpkeep_free(struct api_httpkeep *k);

/* Connections idle between two requests right now. */
unsigned api_httpkeep_idle(const struct api_httpkeep *k);

/* Connections this keeper closed: after the client had closed them, and at the idle timeout. */
uint64_t api_httpkeep_closed_by_client(const struct api_httpkeep *k);
uint64_t api_httpkeep_closed_idle(const struct api_httpkeep *k);

#endif
