/* pc_data.c -- data channels of a peer connection: the SCTP association carried in DTLS
 * application data, channels by label, messages to and from the owner.
 *
 * Runs on the pc's context. SCTP packets go out through DTLS (lumen_dtls_send) and come in from
 * DTLS's data callback; usrsctp's timers are driven by a GSource re-armed after each call. */
#include <errno.h>
#include <string.h>

#include "webrtc/dtls.h"
#include "webrtc/pc_internal.h"
#include "webrtc/sctp.h"

static struct pc_channel *channel_by_id(struct lumen_pc *pc, uint16_t id)
{
	for (unsigned i = 0; i < pc->n_channels; i++)
		if (pc->channels[i].id == id)
			return &pc->channels[i];
	return NULL;
}

static struct pc_channel *channel_by_label(struct lumen_pc *pc, const char *label)
{
	for (unsigned i = 0; i < pc->n_channels; i++)
		if (strcmp(pc->channels[i].label, label) == 0)
			return &pc->channels[i];
	return NULL;
}

static struct pc_channel *channel_add(struct lumen_pc *pc, uint16_t id, const char *label,
				      size_t label_len)
{
	struct pc_channel *c = channel_by_id(pc, id);

	if (!c) {
		if (pc->n_channels == PC_MAX_CHANNELS)
			return NULL;
		pc->channels = pc_table_grow(pc->channels, &pc->cap_channels, pc->n_channels + 1,
					     PC_MAX_CHANNELS, sizeof(*pc->channels));
		c = &pc->channels[pc->n_channels++];
	}
	memset(c, 0, sizeof(*c));
	c->id = id;
	if (label_len >= sizeof(c->label))
		label_len = sizeof(c->label) - 1;
	memcpy(c->label, label ? label : "", label ? label_len : 0);
	return c;
}

static void channel_remove(struct lumen_pc *pc, uint16_t id)
{
	for (unsigned i = 0; i < pc->n_channels; i++)
		if (pc->channels[i].id == id) {
			pc->channels[i] = pc->channels[--pc->n_channels];
			return;
		}
}

static void sctp_send_packet(void *user, const uint8_t *pkt, size_t len)
{
	struct lumen_pc *pc = user;

	if (pc->dtls)
		lumen_dtls_send(pc->dtls, pkt, len);
}

static void sctp_association(void *user, bool up, int reason)
{
	struct lumen_pc *pc = user;

	pc->data_up = up;
	if (!up)
		pc->n_channels = 0;
}

static void sctp_channel_open(void *user, const struct lumen_sctp_channel_info *info)
{
	struct lumen_pc *pc = user;
	struct pc_channel *c = channel_add(pc, info->id, info->label, info->label_len);

	if (c)
		c->open = true;
}

static void sctp_message(void *user, uint16_t id, bool binary, const uint8_t *data, size_t len)
{
	struct lumen_pc *pc = user;
	struct pc_channel *c = channel_by_id(pc, id);

	pc->stats.data_in++;
	if (pc->cb.on_data)
		pc->cb.on_data(pc->cb.user, c ? c->label : "", id, binary, data, len);
}

static void sctp_channel_close(void *user, uint16_t id, int reason)
{
	channel_remove(user, id);
}

static gboolean on_sctp_timer(gpointer data);

static void arm_timer(struct lumen_pc *pc)
{
	uint64_t next;
	int64_t now = g_get_monotonic_time(), delay_ms;

	if (pc->sctp_timer) {
		g_source_destroy(pc->sctp_timer);
		g_source_unref(pc->sctp_timer);
		pc->sctp_timer = NULL;
	}
	if (!pc->sctp || pc->closed)
		return;
	next = lumen_sctp_next_timeout(pc->sctp);
	if (next == UINT64_MAX)
		return;
	delay_ms = ((int64_t)next - now + 999) / 1000;
	pc->sctp_timer = g_timeout_source_new((guint)(delay_ms > 0 ? delay_ms : 0));
	g_source_set_callback(pc->sctp_timer, on_sctp_timer, pc, NULL);
	g_source_attach(pc->sctp_timer, pc->ctx);
}

static gboolean on_sctp_timer(gpointer data)
{
	struct lumen_pc *pc = data;

	lumen_sctp_on_timeout(pc->sctp, (uint64_t)g_get_monotonic_time());
	arm_timer(pc);
	return G_SOURCE_REMOVE;
}

int pc_data_start(struct lumen_pc *pc, int64_t now_us)
{
	struct lumen_sctp_config cfg = {
		.dtls_client = pc->dtls_client,
		.remote_port = pc->remote_sctp_port > 0 ? (uint16_t)pc->remote_sctp_port : 0,
	};
	static const struct lumen_sctp_callbacks cb = {
		sctp_send_packet, sctp_association, sctp_channel_open, sctp_message,
		sctp_channel_close,
	};

	if (pc->sctp)
		return -EALREADY;
	pc->sctp = lumen_sctp_new(&cfg, &cb, pc);
	if (!pc->sctp)
		return -EIO;
	if (pc->remote_max_message >= 0)
		lumen_sctp_set_peer_max_message_size(pc->sctp, (size_t)pc->remote_max_message);
	if (lumen_sctp_start(pc->sctp, (uint64_t)now_us) < 0)
		return -EIO;
	arm_timer(pc);
	return 0;
}

void pc_data_input(struct lumen_pc *pc, const uint8_t *buf, size_t len)
{
	if (!pc->sctp)
		return;
	lumen_sctp_input(pc->sctp, buf, len);
	arm_timer(pc);
}

int lumen_pc_send_data(struct lumen_pc *pc, const char *label, bool binary, const uint8_t *data,
		       size_t len)
{
	struct pc_channel *c;
	int rc;

	if (pc->closed || !pc->sctp || !pc->data_up)
		return -EAGAIN;
	if (!label)
		label = "";
	c = channel_by_label(pc, label);
	if (!c) {
		struct lumen_sctp_channel_params p = { .label = label };
		rc = lumen_sctp_open(pc->sctp, &p);
		if (rc < 0)
			return rc;
		c = channel_add(pc, (uint16_t)rc, label, strlen(label));
		if (!c)
			return -ENOSPC;
	}
	rc = lumen_sctp_send(pc->sctp, c->id, binary, data, len);
	arm_timer(pc);
	if (rc == 0)
		pc->stats.data_out++;
	return rc;
}

void pc_data_free(struct lumen_pc *pc)
{
	if (pc->sctp_timer) {
		g_source_destroy(pc->sctp_timer);
		g_source_unref(pc->sctp_timer);
		pc->sctp_timer = NULL;
	}
	lumen_sctp_free(pc->sctp);
	pc->sctp = NULL;
}

bool lumen_pc_data_ready(const struct lumen_pc *pc)
{
	return pc->data_up && !pc->closed;
}

int lumen_pc_open_data(struct lumen_pc *pc, const char *label, const char *protocol, bool ordered,
		       int max_retransmits)
{
	struct lumen_sctp_channel_params p = {
		.label = label ? label : "",
		.protocol = protocol,
		.unordered = !ordered,
		.reliability = max_retransmits < 0 ? LUMEN_SCTP_RELIABLE : LUMEN_SCTP_MAX_RETRANSMITS,
		.reliability_param = max_retransmits < 0 ? 0 : (uint32_t)max_retransmits,
	};
	int rc;

	if (pc->closed || !pc->sctp || !pc->data_up)
		return -EAGAIN;
	if (channel_by_label(pc, p.label))
		return -EEXIST;
	rc = lumen_sctp_open(pc->sctp, &p);
	if (rc < 0)
		return rc;
	if (!channel_add(pc, (uint16_t)rc, p.label, strlen(p.label)))
		return -ENOSPC;
	arm_timer(pc);
	return rc;
}
