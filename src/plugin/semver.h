/* plugin/semver.h -- semantic versions (semver.org 2.0.0) and version ranges for plugin
 * dependencies.
 *
 * A range is a space-separated list of comparisons that must all hold: ">=1.2.0 <2.0.0", "=1.4.2",
 * "1.4.2" (same as "="), "^1.2.0" (>=1.2.0, same major; for 0.x same minor), "~1.2.0" (>=1.2.0,
 * same major and minor), "*" or "" (any). Pure functions, no allocation except error strings,
 * any thread. */
#ifndef LUMEN_PLUGIN_SEMVER_H
#define LUMEN_PLUGIN_SEMVER_H

#include <stdbool.h>
#include <stdint.h>

#define LUMEN_SEMVER_PRE_MAX 64

struct lumen_semver {
	uint64_t major, minor, patch;
	char pre[LUMEN_SEMVER_PRE_MAX]; /* pre-release identifiers ("rc.1"), "" if none */
};

/* Parses "MAJOR.MINOR.PATCH[-PRE][+BUILD]" (no leading zeros, no "v" prefix, numbers below 2^64,
 * PRE at most 63 bytes; build metadata is accepted and ignored). Returns 0 or -EINVAL. */
int lumen_semver_parse(const char *s, struct lumen_semver *out);

/* Precedence as semver.org section 11: <0, 0 or >0. */
int lumen_semver_cmp(const struct lumen_semver *a, const struct lumen_semver *b);

/* Checks that range is well formed. Returns 0, or -EINVAL with *err (malloc'd, if err != NULL)
 * naming the bad comparison. NULL is the empty range. */
int lumen_semver_range_check(const char *range, char **err);

/* Whether v satisfies range. Returns 1 (yes), 0 (no) or -EINVAL (malformed range). */
int lumen_semver_satisfies(const char *range, const struct lumen_semver *v);

#endif
