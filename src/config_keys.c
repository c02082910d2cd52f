/* config_keys.c -- the table of every core configuration key: one row per field of struct
 * lumen_config, with its type, default (in --set syntax), range, allowed values, extra check,
 * whether a reload applies it live, and its one-line doc.
 *
 * This table is the single source of truth: config.c loads, validates, diffs and prints from it,
 * conf/lumen.cfg and docs/configuration.md document it (tests/unit/test_config.c checks that the
 * sample lists exactly these keys with these defaults). Data only, plus small check functions. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "config.h"
#include "log.h"

#ifndef LUMEN_PLUGINDIR
#define LUMEN_PLUGINDIR "/usr/local/lib/lumen/plugins"
#endif
#ifndef LUMEN_DATADIR
#define LUMEN_DATADIR "/usr/local/share/lumen"
#endif

static int check_log_levels(const void *value, char **err)
{
	return lumen_log_levels_check(*(char *const *)value, err);
}

static int check_nonempty(const void *value, char **err)
{
	if (**(char *const *)value)
		return 0;
	*err = g_strdup("must not be empty");
	return -EINVAL;
}

/* "LO-HI", 1024 <= LO < HI <= 65535: the range RTP/RTCP sockets are bound in. */
static int check_port_range(const void *value, char **err)
{
	const char *s = *(char *const *)value;
	char *end;
	long lo, hi;

	if (!g_ascii_isdigit(*s))
		goto bad;
	lo = strtol(s, &end, 10);
	if (*end != '-' || !g_ascii_isdigit(end[1]))
		goto bad;
	hi = strtol(end + 1, &end, 10);
	if (*end)
		goto bad;
	if (lo < 1024 || hi > 65535 || lo >= hi) {
		*err = g_strdup_printf("\"%s\" must satisfy 1024 <= LO < HI <= 65535", s);
		return -EINVAL;
	}
	return 0;
bad:
	*err = g_strdup_printf("\"%s\" is not LO-HI (e.g. \"20000-40000\")", s);
	return -EINVAL;
}

static int check_ip_or_empty(const void *value, char **err)
{
	const char *s = *(char *const *)value;

	if (!*s || g_hostname_is_ip_address(s))
		return 0;
	*err = g_strdup_printf("\"%s\" is not an IP address", s);
	return -EINVAL;
}

/* Browsers send Origin as scheme://host[:port], without a path or trailing slash: an entry
 * with one would never match. */
static int check_origins(const void *value, char **err)
{
	char *const *list = *(char **const *)value;

	for (; *list; list++) {
		const char *o = *list, *sep = strstr(o, "://");
		if (strcmp(o, "*") == 0)
			continue;
		if (!sep || sep == o || !sep[3] || strchr(sep + 3, '/')) {
			*err = g_strdup_printf("\"%s\" is not an origin (\"*\" or "
			                       "scheme://host[:port], without a path)",
			                       o);
			return -EINVAL;
		}
	}
	return 0;
}

static const char *const log_level_choices[] = {"error", "warn", "info", "debug", "trace", NULL};
static const char *const log_format_choices[] = {"text", "json", NULL};

#define OFF(field) offsetof(struct lumen_config, field)

const struct lumen_cfg_key lumen_cfg_keys[] = {
    /* general */
    {"general", "log_level", LUMEN_CFG_STRING, OFF(general.log_level), "info",
     .choices = log_level_choices, .live = true,
     .doc = "level of every log category without its own entry in log_levels"},
    {"general", "log_levels", LUMEN_CFG_STRING, OFF(general.log_levels), "",
     .check = check_log_levels, .live = true,
     .doc = "per-category levels, \"CATEGORY:LEVEL,...\" (e.g. \"ice:debug,dtls:trace\")"},
    {"general", "log_format", LUMEN_CFG_STRING, OFF(general.log_format), "text",
     .choices = log_format_choices, .live = true,
     .doc = "log line format on stderr: text, or json (one object per line)"},
    {"general", "workers", LUMEN_CFG_INT, OFF(general.workers), "0", 0, 256,
     .doc = "reserved for whole rooms on media workers (not used yet; see media.workers)"},
    {"general", "state_dir", LUMEN_CFG_STRING, OFF(general.state_dir), "/var/lib/lumen",
     .check = check_nonempty,
     .doc = "directory for recordings and other state (systemd's StateDirectory)"},

    /* http: the client API listener */
    {"http", "listen", LUMEN_CFG_HOSTPORT, OFF(http.listen), "127.0.0.1:8088",
     .doc = "HOST:PORT of the client API (HTTP long-poll and WebSocket); [V6]:PORT for IPv6"},
    {"http", "max_body", LUMEN_CFG_INT, OFF(http.max_body), "65536", 1024, 16777216, .live = true,
     .doc = "largest request body accepted, in bytes"},
    {"http", "keepalive_timeout", LUMEN_CFG_INT, OFF(http.keepalive_timeout), "15", 0, 3600,
     .doc = "seconds a client's HTTP connection may stay open, idle, between two requests; "
            "0 = close it after every response"},
    {"http", "cors_origins", LUMEN_CFG_STRLIST, OFF(http.cors_origins), "", .check = check_origins,
     .live = true,
     .doc = "Origin values allowed by CORS (\"*\" for any); empty = same origin only"},
    {"http", "demo", LUMEN_CFG_BOOL, OFF(http.demo), "true",
     .doc = "serve the demo page at / (turn off in production)"},
    {"http", "demo_dir", LUMEN_CFG_STRING, OFF(http.demo_dir), LUMEN_DATADIR "/demo",
     .check = check_nonempty, .doc = "directory holding the demo page files"},

    /* admin: the admin API listener */
    {"admin", "listen", LUMEN_CFG_HOSTPORT, OFF(admin.listen), "127.0.0.1:7088",
     .doc = "HOST:PORT of the admin API, /metrics, /healthz and /readyz"},
    {"admin", "token", LUMEN_CFG_STRING, OFF(admin.token), "", .live = true, .secret = true,
     .doc = "static bearer token for the admin API; \"\" = none (loopback only)"},
    {"admin", "jwt_secret", LUMEN_CFG_STRING, OFF(admin.jwt_secret), "", .live = true,
     .secret = true, .doc = "HS256 key for admin JWTs carrying a role claim; \"\" = off"},
    {"admin", "metrics_token", LUMEN_CFG_STRING, OFF(admin.metrics_token), "", .live = true,
     .secret = true, .doc = "bearer token for /metrics, /healthz, /readyz; \"\" = open"},

    /* api: the Janus protocol */
    {"api", "session_timeout", LUMEN_CFG_INT, OFF(api.session_timeout), "60", 1, 86400,
     .live = true, .doc = "seconds without a request or keepalive before a session ends"},
    {"api", "long_poll_timeout", LUMEN_CFG_INT, OFF(api.long_poll_timeout), "30", 1, 300,
     .live = true, .doc = "seconds a long-poll GET waits for events before answering empty"},
    {"api", "api_secret", LUMEN_CFG_STRING, OFF(api.api_secret), "", .live = true, .secret = true,
     .doc = "shared secret every request must carry as \"apisecret\"; \"\" = off"},
    {"api", "token_secret", LUMEN_CFG_STRING, OFF(api.token_secret), "", .live = true,
     .secret = true, .doc = "HS256 key for client join tokens (JWT); \"\" = off"},
    {"api", "token_public_key", LUMEN_CFG_STRING, OFF(api.token_public_key), "", .live = true,
     .doc = "PEM file of the ES256 public key for client join tokens; \"\" = off"},
    {"api", "token_required", LUMEN_CFG_BOOL, OFF(api.token_required), "false", .live = true,
     .doc = "refuse requests without a valid join token"},
    {"api", "max_sessions", LUMEN_CFG_INT, OFF(api.max_sessions), "10000", 1, 1000000, .live = true,
     .doc = "sessions in total"},
    {"api", "max_sessions_per_ip", LUMEN_CFG_INT, OFF(api.max_sessions_per_ip), "100", 1, 1000000,
     .live = true, .doc = "sessions per client IP address"},
    {"api", "create_rate", LUMEN_CFG_INT, OFF(api.create_rate), "10", 1, 100000, .live = true,
     .doc = "session creations per second per IP (token bucket rate)"},
    {"api", "create_burst", LUMEN_CFG_INT, OFF(api.create_burst), "20", 1, 100000, .live = true,
     .doc = "session creations per IP allowed in a burst (token bucket size)"},
    {"api", "max_handles_per_session", LUMEN_CFG_INT, OFF(api.max_handles_per_session), "32", 1,
     1024, .live = true, .doc = "plugin handles one session may attach"},
    {"api", "max_pending_events", LUMEN_CFG_INT, OFF(api.max_pending_events), "1000", 16, 1000000,
     .live = true,
     .doc = "events queued per session for its client; beyond it the oldest are dropped"},

    /* plugins */
    {"plugins", "dir", LUMEN_CFG_STRING, OFF(plugins.dir), LUMEN_PLUGINDIR, .check = check_nonempty,
     .doc = "directory of plugin shared objects (NAME.so)"},
    {"plugins", "disabled", LUMEN_CFG_STRLIST, OFF(plugins.disabled), "",
     .doc = "package names of plugins not to load (e.g. \"janus.plugin.echotest\")"},
    {"plugins", "require_signed", LUMEN_CFG_BOOL, OFF(plugins.require_signed), "false",
     .doc = "refuse plugins without a valid detached Ed25519 signature NAME.so.sig"},
    {"plugins", "trusted_keys", LUMEN_CFG_STRLIST, OFF(plugins.trusted_keys), "",
     .doc = "PEM files of the Ed25519 public keys plugin signatures may come from"},

    /* media: ICE, DTLS, RTP */
    {"media", "rtp_port_range", LUMEN_CFG_STRING, OFF(media.rtp_port_range), "20000-40000",
     .check = check_port_range, .doc = "UDP ports for media, \"LO-HI\", 1024 <= LO < HI <= 65535"},
    {"media", "ice_enforce", LUMEN_CFG_STRLIST, OFF(media.ice_enforce), "",
     .doc = "interfaces or addresses to gather candidates on; empty = all"},
    {"media", "ice_ignore", LUMEN_CFG_STRLIST, OFF(media.ice_ignore), "",
     .doc = "interfaces or addresses never to gather candidates on"},
    {"media", "ice_lite", LUMEN_CFG_BOOL, OFF(media.ice_lite), "true",
     .doc = "ICE lite (a server with a public address); false = full ICE"},
    {"media", "ice_lite_nominate", LUMEN_CFG_BOOL, OFF(media.ice_lite_nominate), "true",
     .doc = "lite mode: use a pair as soon as the peer's check nominates it (RFC 8445 7.3.2); "
            "false = after libnice's own check of it, a round trip later"},
    {"media", "nat_1_1", LUMEN_CFG_STRING, OFF(media.nat_1_1), "", .check = check_ip_or_empty,
     .doc = "public IP address announced instead of the host's (1:1 NAT); \"\" = off"},
    {"media", "stun_server", LUMEN_CFG_HOSTPORT, OFF(media.stun_server), "", .empty_ok = true,
     .doc = "STUN server HOST:PORT for server-reflexive candidates; \"\" = none"},
    {"media", "ipv6", LUMEN_CFG_BOOL, OFF(media.ipv6), "false",
     .doc = "gather IPv6 candidates too"},
    {"media", "dtls_cert", LUMEN_CFG_STRING, OFF(media.dtls_cert), "",
     .doc = "PEM certificate for DTLS; \"\" = generate an ECDSA P-256 one at start"},
    {"media", "dtls_key", LUMEN_CFG_STRING, OFF(media.dtls_key), "",
     .doc = "PEM private key of dtls_cert (set both or neither)"},
    {"media", "ice_timeout", LUMEN_CFG_INT, OFF(media.ice_timeout), "30", 5, 3600,
     .doc = "seconds without ICE consent before a peer connection is hung up"},
    {"media", "nack_cache_ms", LUMEN_CFG_INT, OFF(media.nack_cache_ms), "1000", 0, 10000,
     .doc = "milliseconds of sent packets kept per stream for retransmission; 0 = off"},
    {"media", "workers", LUMEN_CFG_INT, OFF(media.workers), "0", 0, 256,
     .doc = "transmit worker threads for relayed RTP (broadcast viewers, large sfu rooms); "
	    "0 = one per CPU, 1 = none (all sends on the control thread)"},
};

const size_t lumen_cfg_n_keys = G_N_ELEMENTS(lumen_cfg_keys);
