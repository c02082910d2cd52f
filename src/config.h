/* config.h -- lumen's configuration: libconfig files, described by tables of keys.
 *
 * Every key of the core is one row { section, name, type, offset, default, range, live, doc } in
 * config_keys.c; loading walks the file, rejects unknown keys, wrong types and out-of-range values
 * with one line "FILE:LINE: section.key: what is wrong", fills a struct lumen_config with defaults
 * and then values, and applies `--set section.key=value` overrides through the same validation.
 * Top-level groups that are not core sections are plugin sections: kept as JSON objects for the
 * plugin host to hand to the plugin that claims them (and to reject if none does).
 *
 * A struct lumen_config is immutable once loaded: reload builds a new one, validates it and swaps
 * it in whole (see lumen_config_diff), so readers on the control thread never see half a config.
 * Not thread-safe by itself: the control thread owns the current config; workers get copies of
 * what they need. */
#ifndef LUMEN_CONFIG_H
#define LUMEN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define LUMEN_EX_CONFIG 78 /* sysexits.h EX_CONFIG: exit code for any configuration error */

enum lumen_cfg_type {
	LUMEN_CFG_BOOL,     /* bool */
	LUMEN_CFG_INT,      /* int64_t, within [min, max] */
	LUMEN_CFG_STRING,   /* char * (malloc'd, never NULL: "" when empty); choices restrict it */
	LUMEN_CFG_HOSTPORT, /* char *, "HOST:PORT" or "[V6]:PORT", port 1..65535 ("" only if
			     * the row's empty_ok is set) */
	LUMEN_CFG_STRLIST,  /* char ** NULL-terminated (malloc'd); in files an array of strings,
			     * in --set a comma-separated list */
};

struct lumen_cfg_key {
	const char *section;         /* "general" */
	const char *name;            /* "log_level" */
	enum lumen_cfg_type type;
	size_t offset;               /* offsetof(struct lumen_config, ...) */
	const char *def;             /* default, in --set syntax */
	int64_t min, max;            /* LUMEN_CFG_INT range */
	const char *const *choices;  /* LUMEN_CFG_STRING: allowed values (NULL-terminated) or NULL */
	/* Extra validation of a parsed value, after type, range and choices; value points at it as
	 * stored in the struct (bool *, int64_t *, char **, char ***). Returns 0 or -EINVAL with
	 * *err malloc'd ("what is wrong", without file or key). May be NULL. */
	int (*check)(const void *value, char **err);
	bool live;                   /* takes effect on reload; otherwise needs a restart */
	const char *doc;             /* one line, for --help-config and docs */
	bool secret;                 /* never printed: diff shows "(changed)", JSON "********" */
	bool empty_ok;               /* LUMEN_CFG_HOSTPORT: "" means unset */
};

extern const struct lumen_cfg_key lumen_cfg_keys[];
extern const size_t lumen_cfg_n_keys;

struct lumen_config {
	char *path; /* file loaded, or "" when built from defaults and overrides only */

	struct {
		char *log_level;   /* error|warn|info|debug|trace, live */
		char *log_levels;  /* "cat:level,...", live */
		char *log_format;  /* text|json, live */
		int64_t workers;   /* media worker threads, 0 = one per core (not used yet) */
		char *state_dir;   /* recordings and other state ("/var/lib/lumen") */
	} general;

	struct {
		char *listen;          /* HOST:PORT of the client API (HTTP + WebSocket) */
		int64_t max_body;      /* bytes, default 65536 */
		int64_t keepalive_timeout; /* s a connection may idle between requests, 0 = close */
		char **cors_origins;   /* allowed Origin values, "*" for any */
		bool demo;             /* serve the demo page at / */
		char *demo_dir;        /* where the demo page files are */
	} http;

	struct {
		char *listen;          /* HOST:PORT of the admin API, default 127.0.0.1:7088 */
		char *token;           /* static bearer token ("" = none required on loopback) */
		char *jwt_secret;      /* HS256 key for admin JWTs with a role claim ("" = off) */
		char *metrics_token;   /* bearer token for /metrics, /healthz, /readyz ("" = open) */
	} admin;

	struct {
		int64_t session_timeout;        /* seconds without activity, 60 */
		int64_t long_poll_timeout;      /* seconds, 30 */
		char *api_secret;               /* "" = off */
		char *token_secret;             /* HS256 key for client JWTs ("" = off) */
		char *token_public_key;         /* PEM file for ES256 client JWTs ("" = off) */
		bool token_required;            /* refuse requests without a valid token */
		int64_t max_sessions;           /* total */
		int64_t max_sessions_per_ip;
		int64_t create_rate;            /* creates per second per IP (token bucket rate) */
		int64_t create_burst;           /* bucket size */
		int64_t max_handles_per_session;
		int64_t max_pending_events;     /* per session, beyond which the oldest are dropped */
	} api;

	struct {
		char *dir;             /* plugin .so directory */
		char **disabled;       /* package names not to load */
		bool require_signed;   /* refuse plugins without a valid NAME.so.sig */
		char **trusted_keys;   /* PEM files of Ed25519 public keys */
	} plugins;

	struct {
		char *rtp_port_range;  /* "20000-40000" */
		char **ice_enforce;    /* interfaces or addresses to gather on (empty = all) */
		char **ice_ignore;     /* interfaces or addresses never to gather on */
		bool ice_lite;         /* lite mode (default) or full */
		bool ice_lite_nominate; /* lite: the pair in use at the peer's nominating check */
		char *nat_1_1;         /* public address announced instead of the host one */
		char *stun_server;     /* HOST:PORT or "" */
		bool ipv6;             /* gather IPv6 candidates */
		char *dtls_cert;       /* PEM certificate ("" = generate ECDSA P-256 at start) */
		char *dtls_key;        /* PEM key matching dtls_cert */
		int64_t ice_timeout;   /* seconds without consent before a peer is hung up */
		int64_t nack_cache_ms; /* retransmission cache depth per outgoing stream */
		int64_t workers;       /* transmit worker threads; 1 = none, 0 = one per CPU */
	} media;

	/* Top-level groups that are not core sections: name -> JSON object, for plugins. Owned. */
	json_t *plugin_sections;
};

/* Loads path (NULL: defaults only) and applies overrides ("section.key=value", n of them).
 * Returns a new config, or NULL with *err set to one malloc'd line "FILE:LINE: section.key: why"
 * (or "--set section.key: why" for an override). Other error lines: "FILE:LINE: syntax error"
 * (or libconfig's text, e.g. "duplicate setting name"), "FILE: cannot read: REASON".
 * An integer beyond 32 bits written without libconfig's L suffix is read as written (libconfig
 * 1.5 alone would wrap it) when the number is on the same line as its name.
 * An override of a non-core section ("echotest.foo=bar", "echotest.a.b=1") sets that member of
 * the plugin section (created if absent): true/false become booleans, decimal numbers numbers,
 * a value starting with [ { or " is parsed as JSON, anything else is a string. */
struct lumen_config *lumen_config_load(const char *path, const char *const *overrides, size_t n,
				       char **err);

/* Frees a config; accepts NULL and half-built configs. */
void lumen_config_free(struct lumen_config *cfg);

/* Compares two configs key by key. Returns a malloc'd, newline-separated list of
 * "section.key: OLD -> NEW" lines ("" if equal), each ending in " (restart needed)" when the key
 * is not live. Values are written as in a file ("text", 42, true, ["a", "b"]). Secrets (rows
 * with .secret) are shown as "section.key: (changed)". Plugin sections follow, sorted by name, as
 * "NAME: (section added|removed|changed)" (the plugin host decides what a change means). */
char *lumen_config_diff(const struct lumen_config *old, const struct lumen_config *new);

/* The config as JSON {"general":{"log_level":"info",...},...,"plugin_sections":{...}}, secrets
 * replaced by "********" when set (for the admin API). Plugin sections are included as loaded. */
json_t *lumen_config_to_json(const struct lumen_config *cfg);

/* Prints every key: "section.key (TYPE[, live])", its default and its doc (lumen --help-config). */
void lumen_config_print_keys(FILE *out);

/* Finds the row of "section.key", or NULL. */
const struct lumen_cfg_key *lumen_config_find_key(const char *section, const char *name);

/* Splits "HOST:PORT" / "[V6]:PORT" into host (malloc'd, without brackets) and port 1..65535.
 * An IPv6 literal must be bracketed. Returns 0, or -EINVAL (then *host is NULL). */
int lumen_config_split_hostport(const char *s, char **host, uint16_t *port);

#endif
