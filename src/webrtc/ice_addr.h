/* ice_addr.h -- the local addresses an ICE agent gathers on (internal to ice.c).
 *
 * We pick them ourselves (getifaddrs, or the configured media.ice_enforce list) instead of letting
 * libnice enumerate, because libnice silently skips interfaces named veth*, docker* and virbr*,
 * and because media.ice_ignore and the IPv6 switch need a say. */
#ifndef LUMEN_WEBRTC_ICE_ADDR_H
#define LUMEN_WEBRTC_ICE_ADDR_H

#include <nice/agent.h>

#include "webrtc/ice.h"

/* Adds cfg's addresses to agent (nice_agent_add_local_address): each media.ice_enforce entry (an
 * IP literal, or an interface name: all its usable addresses), or with no such list every up,
 * non-loopback interface's, minus media.ice_ignore (names or addresses); IPv6 only with
 * cfg->ipv6, never link-local. Returns 0, or a negative errno with *err (g_malloc'd) saying
 * what is wrong: an entry that is neither, no usable address at all, getifaddrs failing. */
int lumen_ice_add_local_addresses(NiceAgent *agent, const struct lumen_ice_config *cfg,
				  char **err);

#endif
