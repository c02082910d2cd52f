/* test_plugin_semver.c -- semantic versions, ranges and dependency order (src/plugin/semver.c,
 * src/plugin/deps.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/deps.h"
#include "plugin/semver.h"

static struct lumen_semver V(const char *s) {
	struct lumen_semver v;
	cr_assert_eq(lumen_semver_parse(s, &v), 0, "%s should parse", s);
	return v;
}

Test(semver_parse, accepts_versions_with_prerelease_and_build)
{
	struct lumen_semver v = V("1.22.333-rc.1+build.7");
	cr_expect_eq(v.major, 1);
	cr_expect_eq(v.minor, 22);
	cr_expect_eq(v.patch, 333);
	cr_expect_str_eq(v.pre, "rc.1");
	v = V("0.0.0");
	cr_expect_eq(v.major + v.minor + v.patch, 0);
	cr_expect_str_eq(v.pre, "");
}

Test(semver_parse, rejects_malformed_versions)
{
	static const char *const bad[] = {
	    "",
	    "1",
	    "1.2",
	    "1.2.",
	    "v1.2.3",
	    "01.2.3",
	    "1.02.3",
	    "1.2.03",
	    "1.2.3-",
	    "1.2.3+",
	    "1.2.3-a..b",
	    "1.2.3-01",
	    "1.2.3 ",
	    " 1.2.3",
	    "1.2.3.4",
	    "1.2.-3",
	    "a.b.c",
	    "1.2.3-rc!",
	    "99999999999999999999999.0.0",
	};
	struct lumen_semver v;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(lumen_semver_parse(bad[i], &v), -EINVAL, "'%s' must be rejected",
		             bad[i]);
	cr_expect_eq(lumen_semver_parse(NULL, &v), -EINVAL);
}

Test(semver_cmp, follows_semver_precedence)
{
	/* semver.org section 11 example chain, each lower than the next */
	static const char *const chain[] = {
	    "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
	    "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
	    "1.0.1",        "1.1.0",         "1.10.0",           "2.0.0",
	};
	size_t n = sizeof(chain) / sizeof(chain[0]);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			struct lumen_semver a = V(chain[i]), b = V(chain[j]);
			int c = lumen_semver_cmp(&a, &b);
			int want = (i > j) - (i < j);
			cr_expect_eq(c, want, "%s vs %s: %d, want %d", chain[i], chain[j], c, want);
		}
	struct lumen_semver a = V("1.2.3+x"), b = V("1.2.3+y");
	cr_expect_eq(lumen_semver_cmp(&a, &b), 0, "build metadata is ignored");
}

static int sat(const char *range, const char *version)
{
	struct lumen_semver v = V(version);
	return lumen_semver_satisfies(range, &v);
}

Test(semver_range, all_comparisons_must_hold)
{
	static const struct {
		const char *range, *version;
		int want;
	} rows[] = {
	    {">=1.2.0 <2.0.0", "1.2.0", 1},
	    {">=1.2.0 <2.0.0", "1.9.9", 1},
	    {">=1.2.0 <2.0.0", "2.0.0", 0},
	    {">=1.2.0 <2.0.0", "1.1.9", 0},
	    {">1.2.0", "1.2.0", 0},
	    {">1.2.0", "1.2.1", 1},
	    {"<=1.2.0", "1.2.0", 1},
	    {"<1.2.0", "1.2.0", 0},
	    {"=1.2.0", "1.2.0", 1},
	    {"==1.2.0", "1.2.1", 0},
	    {"1.2.0", "1.2.0", 1},
	    {"1.2.0", "1.2.0-rc.1", 0},
	    {"^1.2.0", "1.9.0", 1},
	    {"^1.2.0", "2.0.0", 0},
	    {"^1.2.0", "2.0.0-rc.1", 0},
	    {"^1.2.0", "1.1.0", 0},
	    {"^0.2.3", "0.2.9", 1},
	    {"^0.2.3", "0.3.0", 0},
	    {"^0.0.3", "0.0.3", 1},
	    {"^0.0.3", "0.0.4", 0},
	    {"~1.2.0", "1.2.7", 1},
	    {"~1.2.0", "1.3.0", 0},
	    {"*", "0.0.1", 1},
	    {"", "7.0.0", 1},
	    {NULL, "7.0.0", 1},
	    {"  >=1.0.0   <1.5.0 ", "1.4.0", 1},
	    {">=1.0.0 bogus", "1.4.0", -EINVAL},
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		cr_expect_eq(sat(rows[i].range, rows[i].version), rows[i].want, "'%s' vs %s",
		             rows[i].range ? rows[i].range : "(null)", rows[i].version);
}

Test(semver_range, check_names_the_bad_comparison)
{
	char *err = NULL;
	cr_expect_eq(lumen_semver_range_check(">=1.0.0 <2.0", &err), -EINVAL);
	cr_assert_not_null(err);
	cr_expect(strstr(err, "'<2.0'") != NULL, "got: %s", err);
	free(err);
	err = NULL;
	cr_expect_eq(lumen_semver_range_check(">=1.0.0 <2.0.0", &err), 0);
	cr_expect_null(err);
	cr_expect_eq(lumen_semver_range_check("=>1.0.0", NULL), -EINVAL);
	cr_expect_eq(lumen_semver_range_check(">= 1.0.0", NULL), -EINVAL,
	             "no space after operator");
}

/* ---- dependency resolution ---- */

static const struct lumen_plugin_dep dep_base_1[] = {{"base", ">=1.0.0 <2.0.0"}, {NULL, NULL}};
static const struct lumen_plugin_dep dep_base_2[] = {{"base", ">=2.0.0"}, {NULL, NULL}};
static const struct lumen_plugin_dep dep_mid[] = {{"mid", NULL}, {NULL, NULL}};
static const struct lumen_plugin_dep dep_ghost[] = {{"ghost", ""}, {NULL, NULL}};
static const struct lumen_plugin_dep dep_a[] = {{"a", NULL}, {NULL, NULL}};
static const struct lumen_plugin_dep dep_b[] = {{"b", NULL}, {NULL, NULL}};
static const struct lumen_plugin_dep dep_self[] = {{"self", NULL}, {NULL, NULL}};

static void free_nodes(struct lumen_dep_node *nodes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(nodes[i].refused);
}

Test(deps_resolve, orders_dependencies_before_dependents)
{
	struct lumen_dep_node nodes[] = {
	    {"top", "1.0.0", dep_mid, NULL},
	    {"mid", "1.0.0", dep_base_1, NULL},
	    {"free", "3.0.0", NULL, NULL},
	    {"base", "1.4.0", NULL, NULL},
	};
	size_t order[4];
	size_t n = lumen_deps_resolve(nodes, 4, order);
	cr_assert_eq(n, 4);
	/* lowest ready index first: free (2) and base (3) are ready, then mid, then top */
	cr_expect_eq(order[0], 2);
	cr_expect_eq(order[1], 3);
	cr_expect_eq(order[2], 1);
	cr_expect_eq(order[3], 0);
	for (size_t i = 0; i < 4; i++)
		cr_expect_null(nodes[i].refused);
}

Test(deps_resolve, refuses_missing_and_mismatched_dependencies_and_their_dependents)
{
	struct lumen_dep_node nodes[] = {
	    {"needs-ghost", "1.0.0", dep_ghost, NULL},
	    {"needs-base2", "1.0.0", dep_base_2, NULL},
	    {"base", "1.4.0", NULL, NULL},
	    {"mid", "1.0.0", dep_base_2, NULL},
	    {"top", "1.0.0", dep_mid, NULL},
	    {"ok", "1.0.0", dep_base_1, NULL},
	};
	size_t order[6];
	size_t n = lumen_deps_resolve(nodes, 6, order);
	cr_assert_eq(n, 2);
	cr_expect_eq(order[0], 2);
	cr_expect_eq(order[1], 5);
	cr_assert_not_null(nodes[0].refused);
	cr_expect_str_eq(nodes[0].refused, "missing dependency ghost (*)");
	cr_assert_not_null(nodes[1].refused);
	cr_expect_str_eq(nodes[1].refused, "dependency base is version 1.4.0, needs >=2.0.0");
	cr_assert_not_null(nodes[4].refused);
	cr_expect_str_eq(nodes[4].refused, "dependency mid was refused");
	free_nodes(nodes, 6);
}

Test(deps_resolve, refuses_cycles_and_names_them)
{
	struct lumen_dep_node nodes[] = {
	    {"a", "1.0.0", dep_b, NULL}, {"b", "1.0.0", dep_a, NULL},
	    {"c", "1.0.0", dep_a, NULL}, {"self", "1.0.0", dep_self, NULL},
	    {"ok", "1.0.0", NULL, NULL},
	};
	size_t order[5];
	size_t n = lumen_deps_resolve(nodes, 5, order);
	cr_assert_eq(n, 1);
	cr_expect_eq(order[0], 4);
	cr_assert_not_null(nodes[0].refused);
	cr_expect_str_eq(nodes[0].refused, "dependency cycle: a -> b -> a");
	cr_expect_str_eq(nodes[1].refused, "dependency cycle: b -> a -> b");
	cr_expect_str_eq(nodes[2].refused, "depends on a dependency cycle: a -> b -> a");
	cr_expect_str_eq(nodes[3].refused, "dependency cycle: self -> self");
	cr_expect_null(nodes[4].refused);
	free_nodes(nodes, 5);
}

Test(deps_resolve, keeps_nodes_refused_on_entry_refused)
{
	struct lumen_dep_node nodes[] = {
	    {"base", "1.0.0", NULL, strdup("bad signature")},
	    {"ok", "1.0.0", dep_base_1, NULL},
	};
	size_t order[2];
	cr_expect_eq(lumen_deps_resolve(nodes, 2, order), 0);
	cr_expect_str_eq(nodes[0].refused, "bad signature");
	cr_expect_str_eq(nodes[1].refused, "dependency base was refused");
	free_nodes(nodes, 2);
}
