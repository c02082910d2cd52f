/* nominate.c -- the nominating check of an ICE-lite agent's peer, seen before libnice reads it
 * (see nominate.h). */
#include "webrtc/nominate.h"

#include <errno.h>
#include <string.h>

#include <stun/stunagent.h>
#include <stun/stunmessage.h>

/* Binding requests are small (Chromium's about 100 bytes); a longer datagram is not one. */
#define PEEK_MAX 1280

struct lumen_nominate {
	GSource *watch; /* peeks: G_PRIORITY_HIGH, one fd per socket */
	GSource *rearm; /* lower than libnice's sources: polls the sockets again */
	GMainContext *ctx;
	GPtrArray *socks; /* GSocket, referenced */
	GPtrArray *tags;  /* g_source_add_unix_fd tags, one per socket */
	char *ufrag, *pwd;
	size_t ufrag_len;
	lumen_nominate_fn fn;
	void *user;
	bool done; /* reported: polls no more */
};

struct watch_source {
	GSource src;
	struct lumen_nominate *n;
};

/* The attributes a check may carry that the validation must know (comprehension-required ones
 * outside this list make it invalid, as they do for libnice). */
static const uint16_t known_attributes[] = {
	STUN_ATTRIBUTE_USERNAME,       STUN_ATTRIBUTE_MESSAGE_INTEGRITY,
	STUN_ATTRIBUTE_FINGERPRINT,    STUN_ATTRIBUTE_PRIORITY,
	STUN_ATTRIBUTE_USE_CANDIDATE,  STUN_ATTRIBUTE_ICE_CONTROLLING,
	STUN_ATTRIBUTE_ICE_CONTROLLED, 0
};

struct creds {
	const char *ufrag, *pwd;
	size_t ufrag_len;
};

/* USERNAME is "<the receiver's ufrag>:<the sender's>" (RFC 8445 §7.2.2); the key of the
 * short-term credential is the receiver's password. */
static bool validater(StunAgent *agent, StunMessage *msg, uint8_t *username, uint16_t username_len,
		      uint8_t **password, size_t *password_len, void *user)
{
	const struct creds *c = user;

	(void)agent;
	(void)msg;
	if (!username || username_len <= c->ufrag_len ||
	    memcmp(username, c->ufrag, c->ufrag_len) != 0 || username[c->ufrag_len] != ':')
		return false;
	*password = (uint8_t *)c->pwd;
	*password_len = strlen(c->pwd);
	return true;
}

bool lumen_nominate_check(const uint8_t *buf, size_t len, const char *ufrag, const char *pwd)
{
	struct creds c = { ufrag, pwd, ufrag ? strlen(ufrag) : 0 };
	StunAgent agent;
	StunMessage msg;
	uint64_t tie;

	/* a Binding request's type is 0x0001; anything else is not worth the parse */
	if (!buf || len < 20 || len > PEEK_MAX || buf[0] != 0 || buf[1] != 1 || !c.ufrag_len ||
	    !pwd || !*pwd)
		return false;
	stun_agent_init(&agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
			STUN_AGENT_USAGE_SHORT_TERM_CREDENTIALS | STUN_AGENT_USAGE_USE_FINGERPRINT);
	if (stun_agent_validate(&agent, &msg, buf, len, validater, &c) != STUN_VALIDATION_SUCCESS)
		return false;
	if (stun_message_get_class(&msg) != STUN_REQUEST ||
	    stun_message_get_method(&msg) != STUN_BINDING)
		return false;
	return stun_message_find_flag(&msg, STUN_ATTRIBUTE_USE_CANDIDATE) ==
		       STUN_MESSAGE_RETURN_SUCCESS &&
	       stun_message_find64(&msg, STUN_ATTRIBUTE_ICE_CONTROLLING, &tie) ==
		       STUN_MESSAGE_RETURN_SUCCESS;
}

static void set_events(struct lumen_nominate *n, GIOCondition events)
{
	for (unsigned i = 0; i < n->tags->len; i++)
		g_source_modify_unix_fd(n->watch, n->tags->pdata[i], events);
}

static gboolean on_rearm(gpointer data)
{
	struct lumen_nominate *n = data;

	g_source_unref(n->rearm);
	n->rearm = NULL;
	if (!n->done)
		set_events(n, G_IO_IN);
	return G_SOURCE_REMOVE;
}

/* Stop polling until libnice's sources had their turn (nominate.h). */
static void pause_until_libnice_read(struct lumen_nominate *n)
{
	set_events(n, 0);
	if (n->rearm)
		return;
	n->rearm = g_timeout_source_new(0);
	g_source_set_priority(n->rearm, G_PRIORITY_DEFAULT + 1);
	g_source_set_callback(n->rearm, on_rearm, n, NULL);
	g_source_attach(n->rearm, n->ctx);
}

/* Peeks at socket i's next datagram; true when it nominates (*from filled in). */
static bool peek_nomination(struct lumen_nominate *n, unsigned i, struct sockaddr_storage *from,
			    socklen_t *from_len)
{
	uint8_t buf[PEEK_MAX + 1];
	int fd = g_socket_get_fd(n->socks->pdata[i]);
	ssize_t got;

	*from_len = sizeof(*from);
	do
		got = recvfrom(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT,
			       (struct sockaddr *)from, from_len);
	while (got < 0 && errno == EINTR);
	return got > 0 && (size_t)got <= PEEK_MAX &&
	       lumen_nominate_check(buf, (size_t)got, n->ufrag, n->pwd);
}

static gboolean watch_dispatch(GSource *src, GSourceFunc cb, gpointer data)
{
	struct lumen_nominate *n = ((struct watch_source *)src)->n;
	unsigned ready[8], n_ready = 0;

	(void)cb;
	(void)data;
	for (unsigned i = 0; i < n->tags->len && n_ready < G_N_ELEMENTS(ready); i++)
		if (g_source_query_unix_fd(src, n->tags->pdata[i]) & G_IO_IN)
			ready[n_ready++] = i;
	/* first, whatever the peek finds: the datagram stays queued for libnice */
	pause_until_libnice_read(n);
	for (unsigned k = 0; k < n_ready && !n->done; k++) {
		struct sockaddr_storage from;
		socklen_t from_len;

		if (peek_nomination(n, ready[k], &from, &from_len)) {
			n->done = true; /* reports once */
			/* last: the callback may free the watch */
			n->fn(n->user, n->socks->pdata[ready[k]], (struct sockaddr *)&from,
			      from_len);
			return G_SOURCE_CONTINUE;
		}
	}
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs watch_funcs = { NULL, NULL, watch_dispatch, NULL, NULL, NULL };

struct lumen_nominate *lumen_nominate_new(GMainContext *ctx, GPtrArray *socks, const char *ufrag,
					  const char *pwd, lumen_nominate_fn fn, void *user)
{
	struct lumen_nominate *n;

	if (!socks || !ufrag || !*ufrag || !pwd || !*pwd || !fn)
		return NULL;
	n = g_new0(struct lumen_nominate, 1);
	/* NULL: the global default context, where libnice (g_source_attach) puts its sources too */
	n->ctx = g_main_context_ref(ctx ? ctx : g_main_context_default());
	n->socks = g_ptr_array_new_with_free_func(g_object_unref);
	n->tags = g_ptr_array_new();
	n->ufrag = g_strdup(ufrag);
	n->ufrag_len = strlen(ufrag);
	n->pwd = g_strdup(pwd);
	n->fn = fn;
	n->user = user;
	n->watch = g_source_new(&watch_funcs, sizeof(struct watch_source));
	((struct watch_source *)n->watch)->n = n;
	g_source_set_priority(n->watch, G_PRIORITY_HIGH);
	for (unsigned i = 0; i < socks->len; i++) {
		GSocket *s = socks->pdata[i];

		if (!G_IS_SOCKET(s) || g_socket_get_socket_type(s) != G_SOCKET_TYPE_DATAGRAM)
			continue;
		g_ptr_array_add(n->socks, g_object_ref(s));
		g_ptr_array_add(n->tags,
				g_source_add_unix_fd(n->watch, g_socket_get_fd(s), G_IO_IN));
	}
	if (!n->tags->len) {
		lumen_nominate_free(n);
		return NULL;
	}
	g_source_attach(n->watch, n->ctx);
	return n;
}

void lumen_nominate_free(struct lumen_nominate *n)
{
	if (!n)
		return;
	if (n->rearm) {
		g_source_destroy(n->rearm);
		g_source_unref(n->rearm);
	}
	g_source_destroy(n->watch);
	g_source_unref(n->watch);
	g_ptr_array_free(n->tags, TRUE);
	g_ptr_array_free(n->socks, TRUE);
	g_main_context_unref(n->ctx);
	g_free(n->ufrag);
	g_free(n->pwd);
	g_free(n);
}
