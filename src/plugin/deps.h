/* plugin/deps.h -- dependency resolution between plugins: presence, version ranges, cycles, and
 * the order in which plugins are initialised.
 *
 * Pure: takes the candidate plugins' package names, versions and dependency lists, returns an
 * order and a reason for every candidate it refuses. Refusal propagates: a plugin that depends on
 * a refused one is refused too. No I/O, no logging, any thread. */
#ifndef LUMEN_PLUGIN_DEPS_H
#define LUMEN_PLUGIN_DEPS_H

#include <stddef.h>
#include <lumen/plugin.h>

struct lumen_dep_node {
	const char *package;                 /* borrowed */
	const char *version;                 /* borrowed, a valid semantic version */
	const struct lumen_plugin_dep *deps; /* borrowed, { NULL, NULL }-terminated, or NULL */
	char *refused;                       /* out: why the node was refused (malloc'd), or NULL */
};

/* Resolves nodes[0..n): sets nodes[i].refused for every refused node, and fills order[] with the
 * indices of the accepted ones, dependencies before dependents (ties keep input order).
 * Nodes that are refused on entry (refused != NULL) stay refused. Package names must be unique.
 * Returns the number of accepted nodes written to order (order has room for n). */
size_t lumen_deps_resolve(struct lumen_dep_node *nodes, size_t n, size_t *order);

#endif
