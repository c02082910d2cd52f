/* plugin/deps.c -- dependency checks and topological order of plugins (Kahn's algorithm).
 *
 * Three passes: (1) refuse nodes whose dependency is absent or outside its version range,
 * repeated until nothing changes so that refusal propagates to dependents; (2) order the rest,
 * always taking the lowest-index ready node so the order is stable; (3) whatever could not be
 * ordered is on a cycle or depends on one: name the cycle in the reason. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <glib.h>

#include "deps.h"
#include "semver.h"

static ssize_t find(const struct lumen_dep_node *nodes, size_t n, const char *package)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i].package, package) == 0)
			return (ssize_t)i;
	return -1;
}

static size_t n_deps(const struct lumen_dep_node *node)
{
	size_t k = 0;
	while (node->deps && node->deps[k].package)
		k++;
	return k;
}

/* Why node cannot have dependency d (malloc'd), or NULL if it can for now. */
static char *check_dep(const struct lumen_dep_node *nodes, size_t n,
                       const struct lumen_plugin_dep *d)
{
	ssize_t j = find(nodes, n, d->package);
	struct lumen_semver v;
	const char *range = d->versions && *d->versions ? d->versions : "*";

	if (j < 0)
		return g_strdup_printf("missing dependency %s (%s)", d->package, range);
	if (nodes[j].refused)
		return g_strdup_printf("dependency %s was refused", d->package);
	if (lumen_semver_parse(nodes[j].version, &v) < 0 || lumen_semver_satisfies(range, &v) != 1)
		return g_strdup_printf("dependency %s is version %s, needs %s", d->package,
		                       nodes[j].version, range);
	return NULL;
}

static void refuse_unmet(struct lumen_dep_node *nodes, size_t n)
{
	bool changed = true;

	while (changed) {
		changed = false;
		for (size_t i = 0; i < n; i++) {
			size_t k = n_deps(&nodes[i]);
			for (size_t d = 0; d < k && !nodes[i].refused; d++) {
				nodes[i].refused = check_dep(nodes, n, &nodes[i].deps[d]);
				changed = changed || nodes[i].refused;
			}
		}
	}
}

/* First dependency of node i that is not ordered yet. Every unordered, unrefused node has one
 * (otherwise it would have been ordered), so the walk below always moves on. */
static size_t next_unordered(const struct lumen_dep_node *nodes, size_t n, const bool *done,
                             size_t i)
{
	for (size_t d = 0; d < n_deps(&nodes[i]); d++) {
		ssize_t j = find(nodes, n, nodes[i].deps[d].package);
		if (j >= 0 && !done[j])
			return (size_t)j;
	}
	return i;
}

/* Walks unordered dependencies from start until a node repeats, and names that cycle:
 * "dependency cycle: a -> b -> a" when start is on it, else "depends on a dependency cycle: ...".
 */
static char *describe_cycle(const struct lumen_dep_node *nodes, size_t n, const bool *done,
                            size_t start)
{
	size_t *path = g_new(size_t, n + 1);
	size_t len = 0, cur = start, first = 0;
	GString *s;

	for (;;) {
		bool seen = false;
		for (size_t k = 0; k < len && !seen; k++)
			if (path[k] == cur) {
				seen = true;
				first = k;
			}
		if (seen || len > n)
			break;
		path[len++] = cur;
		cur = next_unordered(nodes, n, done, cur);
	}
	s = g_string_new(first == 0 ? "dependency cycle: " : "depends on a dependency cycle: ");
	for (size_t k = first; k < len; k++)
		g_string_append_printf(s, "%s -> ", nodes[path[k]].package);
	g_string_append(s, nodes[cur].package);
	g_free(path);
	return g_string_free(s, FALSE);
}

size_t lumen_deps_resolve(struct lumen_dep_node *nodes, size_t n, size_t *order)
{
	bool *done = g_new0(bool, n);
	size_t n_order = 0;
	bool progress = true;

	refuse_unmet(nodes, n);
	for (size_t i = 0; i < n; i++)
		done[i] = nodes[i].refused != NULL;
	while (progress) {
		progress = false;
		for (size_t i = 0; i < n && !progress; i++) {
			bool ready = !done[i];
			for (size_t d = 0; ready && d < n_deps(&nodes[i]); d++) {
				ssize_t j = find(nodes, n, nodes[i].deps[d].package);
				ready = j >= 0 && done[j];
			}
			if (ready) {
				done[i] = true;
				order[n_order++] = i;
				progress = true;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		if (!done[i])
			nodes[i].refused = describe_cycle(nodes, n, done, i);
	g_free(done);
	return n_order;
}
