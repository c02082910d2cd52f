/* pc_rawrx.c -- the owner reads the pc's datagrams itself (see pc_rawrx.h): a thin layer over
 * the pc's ICE object, kept out of pc.c. */
#include "webrtc/pc_rawrx.h"

#include <errno.h>

#include "webrtc/pc_internal.h"

int lumen_pc_rawrx_open(struct lumen_pc *pc, GMainContext *stun_ctx)
{
	if (!pc->up || pc->closed || !pc->ice)
		return -EAGAIN;
	return lumen_ice_rx_split(pc->ice, stun_ctx);
}

int lumen_pc_rawrx_take(struct lumen_pc *pc, GMainContext *park_ctx)
{
	if (!pc->up || pc->closed || !pc->ice)
		return -EAGAIN;
	return lumen_ice_rx_take(pc->ice, park_ctx);
}

void lumen_pc_rawrx_input(struct lumen_pc *pc, uint8_t *buf, size_t len, int64_t rx_ns)
{
	if (!pc->closed && pc->ice)
		lumen_ice_rx_input(pc->ice, buf, len, rx_ns);
}
