/* ice_addr.c -- the local addresses an ICE agent gathers on (see ice_addr.h). */
#include "webrtc/ice_addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static bool in_list(const char *const *list, const char *a, const char *b)
{
	for (; list && *list; list++)
		if ((a && strcmp(*list, a) == 0) || (b && strcmp(*list, b) == 0))
			return true;
	return false;
}

/* Adds one configured entry: an IP literal, or an interface name (all its usable addresses). */
static int add_enforced(NiceAgent *agent, const char *entry, bool ipv6, char **err)
{
	struct ifaddrs *ifs, *i;
	NiceAddress addr;
	int added = 0;

	if (nice_address_set_from_string(&addr, entry)) {
		nice_agent_add_local_address(agent, &addr);
		return 0;
	}
	if (getifaddrs(&ifs) < 0) {
		*err = g_strdup_printf("media.ice_enforce: cannot list interfaces: %s", strerror(errno));
		return -errno;
	}
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || strcmp(i->ifa_name, entry) != 0)
			continue;
		if (i->ifa_addr->sa_family != AF_INET && !(ipv6 && i->ifa_addr->sa_family == AF_INET6))
			continue;
		nice_address_set_from_sockaddr(&addr, i->ifa_addr);
		if (i->ifa_addr->sa_family == AF_INET6 &&
		    IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			continue;
		nice_agent_add_local_address(agent, &addr);
		added++;
	}
	freeifaddrs(ifs);
	if (!added) {
		*err = g_strdup_printf("media.ice_enforce: \"%s\" is neither an IP address nor an "
				       "interface with a usable address",
				       entry);
		return -EADDRNOTAVAIL;
	}
	return 0;
}

/* No enforce list: every up, non-loopback interface, minus ice_ignore. */
static int add_automatic(NiceAgent *agent, const struct lumen_ice_config *cfg, char **err)
{
	struct ifaddrs *ifs, *i;
	int added = 0;

	if (getifaddrs(&ifs) < 0) {
		*err = g_strdup_printf("cannot list interfaces: %s", strerror(errno));
		return -errno;
	}
	for (i = ifs; i; i = i->ifa_next) {
		char ip[INET6_ADDRSTRLEN];
		NiceAddress addr;
		int fam;

		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		fam = i->ifa_addr->sa_family;
		if (fam != AF_INET && !(cfg->ipv6 && fam == AF_INET6))
			continue;
		if (fam == AF_INET6 &&
		    IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr))
			continue;
		nice_address_set_from_sockaddr(&addr, i->ifa_addr);
		nice_address_to_string(&addr, ip);
		if (in_list(cfg->ignore, i->ifa_name, ip))
			continue;
		nice_agent_add_local_address(agent, &addr);
		added++;
	}
	freeifaddrs(ifs);
	if (!added) {
		*err = g_strdup("no usable network address for ICE (all interfaces down, loopback or "
				"ignored; set media.ice_enforce)");
		return -EADDRNOTAVAIL;
	}
	return 0;
}

int lumen_ice_add_local_addresses(NiceAgent *agent, const struct lumen_ice_config *cfg,
				  char **err)
{
	if (!(cfg->enforce && cfg->enforce[0]))
		return add_automatic(agent, cfg, err);
	for (const char *const *e = cfg->enforce; *e; e++) {
		int rc = add_enforced(agent, *e, cfg->ipv6, err);

		if (rc < 0)
			return rc;
	}
	return 0;
}
