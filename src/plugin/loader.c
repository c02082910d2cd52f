/* plugin/loader.c -- dlopen of one plugin, ABI check and metadata validation.
 *
 * Objects are opened RTLD_NOW | RTLD_LOCAL: unresolved symbols are a refusal now rather than a
 * crash later, and plugins cannot interpose symbols on each other. Verified images go through
 * memfd_create so the bytes loaded are the bytes whose signature was checked. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include "loader.h"
#include "semver.h"

static const char *const core_sections[] = {"general", "http",  "admin", "api",
                                            "plugins", "media", NULL};

/* Writes image to an anonymous file; returns its fd or a negative errno. */
static int image_fd(const void *image, size_t len)
{
	int fd = memfd_create("lumen-plugin", MFD_CLOEXEC);
	const char *p = image;

	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? -errno : -EIO;
			close(fd);
			return e;
		}
		p += w;
		len -= (size_t)w;
	}
	return fd;
}

int lumen_plugin_so_open(const char *path, const void *image, size_t len, void **dl,
                         const struct lumen_plugin **desc, char **err)
{
	void *h = NULL;
	lumen_plugin_get_fn get;
	const struct lumen_plugin *d;
	int fd = -1, ret;

	if (image) {
		fd = image_fd(image, len);
		if (fd < 0) {
			*err = g_strdup_printf("cannot load: memfd: %s", g_strerror(-fd));
			return fd;
		}
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		h = dlopen(proc, RTLD_NOW | RTLD_LOCAL);
		close(fd);
	} else {
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	}
	if (!h) {
		const char *why = dlerror();
		*err = g_strdup_printf("cannot load: %s", why ? why : "unknown dlopen error");
		return -ENOEXEC;
	}
	dlerror();
	get = (lumen_plugin_get_fn)dlsym(h, LUMEN_PLUGIN_SYMBOL);
	if (!get) {
		*err = g_strdup("not a lumen plugin: no " LUMEN_PLUGIN_SYMBOL " symbol");
		ret = -ENOEXEC;
		goto fail;
	}
	d = get();
	if (!d) {
		*err = g_strdup(LUMEN_PLUGIN_SYMBOL " returned NULL");
		ret = -ENOEXEC;
		goto fail;
	}
	/* Only abi_version may be read before it matches: the rest of the layout depends on it. */
	if (d->abi_version != LUMEN_PLUGIN_ABI_VERSION) {
		*err = g_strdup_printf("bad ABI: plugin built for ABI %u, this lumen has ABI %u",
		                       d->abi_version, LUMEN_PLUGIN_ABI_VERSION);
		ret = -EPROTO;
		goto fail;
	}
	*dl = h;
	*desc = d;
	return 0;
fail:
	dlclose(h);
	return ret;
}

void lumen_plugin_so_close(void *dl)
{
	if (dl)
		dlclose(dl);
}

static bool nonempty(const char *s)
{
	return s && *s;
}

static bool valid_package(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 127 || !g_ascii_islower(s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_islower(s[i]) && !g_ascii_isdigit(s[i]) && !strchr("._-", s[i]))
			return false;
	return true;
}

static bool valid_section(const char *s)
{
	if (!g_ascii_isalpha(s[0]))
		return false;
	for (const char *p = s; *p; p++)
		if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-')
			return false;
	for (size_t i = 0; core_sections[i]; i++)
		if (strcmp(s, core_sections[i]) == 0)
			return false;
	return true;
}

/* Sets *err to "bad metadata: " + msg (formatted with what, which may be NULL). */
static int bad(char **err, const char *msg, const char *what)
{
	*err = g_strconcat("bad metadata: ", msg, " '", what ? what : "(null)", "'", NULL);
	return -EINVAL;
}

static int check_deps(const struct lumen_plugin *d, char **err)
{
	for (size_t i = 0; d->deps && d->deps[i].package; i++) {
		char *why = NULL;
		if (!valid_package(d->deps[i].package))
			return bad(err, "invalid dependency package name", d->deps[i].package);
		if (lumen_semver_range_check(d->deps[i].versions, &why) < 0) {
			*err = g_strdup_printf("bad metadata: dependency %s: %s",
			                       d->deps[i].package, why);
			g_free(why);
			return -EINVAL;
		}
	}
	return 0;
}

int lumen_plugin_check_desc(const struct lumen_plugin *d, char **err)
{
	struct lumen_semver v;

	if (!valid_package(d->package))
		return bad(err,
		           "package must be 1-127 characters of [a-z0-9._-] starting with a "
		           "letter, not",
		           d->package);
	if (!nonempty(d->name))
		return bad(err, "no name in", d->package);
	if (!nonempty(d->description))
		return bad(err, "no description in", d->package);
	if (!nonempty(d->author))
		return bad(err, "no author in", d->package);
	if (!d->version || lumen_semver_parse(d->version, &v) < 0)
		return bad(err, "version is not a semantic version MAJOR.MINOR.PATCH:", d->version);
	if (d->config_section && !valid_section(d->config_section))
		return bad(err, "config section is not an identifier, or is a core section:",
		           d->config_section);
	if (!d->attach || !d->message || !d->detach)
		return bad(err, "a required callback (attach, message, detach) is missing in",
		           d->package);
	return check_deps(d, err);
}
