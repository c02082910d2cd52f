/* plugin/semver.c -- semantic version parsing, precedence and range matching.
 *
 * Only what plugin dependencies need: versions as semver.org 2.0.0 defines them and ranges as
 * AND-lists of comparisons (see semver.h). Pre-release versions compare by the semver precedence
 * rules; there is no npm-style special casing of pre-releases inside ranges. No I/O, no logging. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "semver.h"

/* Parses a numeric identifier without leading zeros at *p, advancing *p. */
static int parse_num(const char **p, uint64_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	*p = s;
	return 0;
}

/* Dot-separated identifiers of [0-9A-Za-z-], none empty; numeric ones without leading zeros
 * (only checked when numeric_rules, i.e. for pre-release, not build metadata). */
static int check_idents(const char *s, size_t len, bool numeric_rules)
{
	size_t start = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!isalnum((unsigned char)s[i]) && s[i] != '-')
				return -EINVAL;
			continue;
		}
		size_t n = i - start;
		if (n == 0)
			return -EINVAL;
		bool numeric = true;
		for (size_t k = start; k < i; k++)
			numeric = numeric && isdigit((unsigned char)s[k]);
		if (numeric_rules && numeric && n > 1 && s[start] == '0')
			return -EINVAL;
		start = i + 1;
	}
	return 0;
}

int lumen_semver_parse(const char *s, struct lumen_semver *out)
{
	const char *p = s;
	struct lumen_semver v = {0};

	if (!s)
		return -EINVAL;
	if (parse_num(&p, &v.major) < 0 || *p++ != '.' || parse_num(&p, &v.minor) < 0 ||
	    *p++ != '.' || parse_num(&p, &v.patch) < 0)
		return -EINVAL;
	if (*p == '-') {
		const char *pre = ++p;
		size_t n = strcspn(pre, "+");
		if (check_idents(pre, n, true) < 0 || n >= sizeof(v.pre))
			return -EINVAL;
		memcpy(v.pre, pre, n);
		v.pre[n] = '\0';
		p = pre + n;
	}
	if (*p == '+') {
		p++;
		if (check_idents(p, strlen(p), false) < 0)
			return -EINVAL;
		p += strlen(p);
	}
	if (*p != '\0')
		return -EINVAL;
	*out = v;
	return 0;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Compares pre-release strings by semver rules: none > some; identifier by identifier, numeric
 * ones numerically and below alphanumeric ones, a shorter list first when all else is equal. */
static int cmp_pre(const char *a, const char *b)
{
	if (!*a || !*b)
		return (!*a) - (!*b);
	while (*a && *b) {
		size_t na = strcspn(a, "."), nb = strcspn(b, ".");
		bool da = all_digits(a, na), db = all_digits(b, nb);
		int c;
		if (da && db)
			c = na != nb ? (na < nb ? -1 : 1) : strncmp(a, b, na);
		else if (da || db)
			c = da ? -1 : 1;
		else {
			c = strncmp(a, b, na < nb ? na : nb);
			if (c == 0 && na != nb)
				c = na < nb ? -1 : 1;
		}
		if (c)
			return c < 0 ? -1 : 1;
		a += na + (a[na] == '.');
		b += nb + (b[nb] == '.');
	}
	return (*a != '\0') - (*b != '\0');
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

int lumen_semver_cmp(const struct lumen_semver *a, const struct lumen_semver *b)
{
	int c = cmp_u64(a->major, b->major);
	if (!c)
		c = cmp_u64(a->minor, b->minor);
	if (!c)
		c = cmp_u64(a->patch, b->patch);
	if (!c)
		c = cmp_pre(a->pre, b->pre);
	return c;
}

enum op { OP_EQ, OP_GT, OP_GE, OP_LT, OP_LE, OP_CARET, OP_TILDE, OP_ANY };

/* Splits one comparison ("<=1.2.3") into operator and version. */
static int parse_cmp(const char *tok, enum op *op, struct lumen_semver *v)
{
	static const struct {
		const char *s;
		enum op op;
	} ops[] = {
	    {">=", OP_GE}, {"<=", OP_LE}, {"==", OP_EQ},   {">", OP_GT},
	    {"<", OP_LT},  {"=", OP_EQ},  {"^", OP_CARET}, {"~", OP_TILDE},
	};
	if (strcmp(tok, "*") == 0) {
		*op = OP_ANY;
		return 0;
	}
	*op = OP_EQ;
	for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
		size_t n = strlen(ops[i].s);
		if (strncmp(tok, ops[i].s, n) == 0) {
			*op = ops[i].op;
			tok += n;
			break;
		}
	}
	return lumen_semver_parse(tok, v);
}

/* v < top, where a pre-release of top itself (2.0.0-rc.1 for top 2.0.0) also counts as top:
 * ^1.2.0 must not accept 2.0.0-rc.1. */
static bool below(const struct lumen_semver *v, const struct lumen_semver *top)
{
	if (v->pre[0] && v->major == top->major && v->minor == top->minor && v->patch == top->patch)
		return false;
	return lumen_semver_cmp(v, top) < 0;
}

static bool eval(enum op op, const struct lumen_semver *want, const struct lumen_semver *v)
{
	int c = lumen_semver_cmp(v, want);
	struct lumen_semver top = {0};

	switch (op) {
	case OP_ANY:
		return true;
	case OP_EQ:
		return c == 0;
	case OP_GT:
		return c > 0;
	case OP_GE:
		return c >= 0;
	case OP_LT:
		return c < 0;
	case OP_LE:
		return c <= 0;
	case OP_CARET:
		/* ^1.2.3 := <2.0.0, ^0.2.3 := <0.3.0, ^0.0.3 := <0.0.4 */
		if (want->major > 0)
			top.major = want->major + 1;
		else if (want->minor > 0)
			top.minor = want->minor + 1;
		else
			top.patch = want->patch + 1;
		return c >= 0 && below(v, &top);
	case OP_TILDE:
		top.major = want->major;
		top.minor = want->minor + 1;
		return c >= 0 && below(v, &top);
	}
	return false;
}

/* Walks the comparisons of range; with v == NULL only checks them. */
static int walk(const char *range, const struct lumen_semver *v, char **err)
{
	char **toks = g_strsplit_set(range ? range : "", " \t", -1);
	int ret = 1;

	for (char **t = toks; *t; t++) {
		enum op op;
		struct lumen_semver want;
		if (!**t)
			continue;
		if (parse_cmp(*t, &op, &want) < 0) {
			if (err)
				*err = g_strdup_printf("bad version comparison '%s' in range '%s'",
				                       *t, range);
			ret = -EINVAL;
			break;
		}
		if (v && ret == 1 && !eval(op, &want, v))
			ret = 0;
	}
	g_strfreev(toks);
	return ret;
}

int lumen_semver_range_check(const char *range, char **err)
{
	return walk(range, NULL, err) < 0 ? -EINVAL : 0;
}

int lumen_semver_satisfies(const char *range, const struct lumen_semver *v)
{
	return walk(range, v, NULL);
}
