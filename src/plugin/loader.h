/* plugin/loader.h -- opens one plugin shared object and checks its descriptor.
 *
 * Opening runs the object's constructors, so signature checks (sign.h) come first; when the
 * bytes were verified, they are loaded from an anonymous memory file holding exactly those bytes,
 * so the file cannot be swapped between check and load. Reasons are returned, not logged: the
 * host logs one line per refusal. Control thread only (dlerror is not reentrant). */
#ifndef LUMEN_PLUGIN_LOADER_H
#define LUMEN_PLUGIN_LOADER_H

#include <stddef.h>
#include <lumen/plugin.h>

/* Opens path (or, if image != NULL, the len bytes of image, naming them path in messages),
 * finds lumen_plugin_get and checks the ABI version. Returns 0 with *dl and *desc set, or a
 * negative errno with *err (malloc'd reason: "cannot load: ...", "no lumen_plugin_get symbol",
 * "plugin ABI 7, this lumen has ABI 1"). */
int lumen_plugin_so_open(const char *path, const void *image, size_t len, void **dl,
                         const struct lumen_plugin **desc, char **err);
void lumen_plugin_so_close(void *dl); /* NULL ok */

/* Checks a descriptor of the right ABI (see struct lumen_plugin's comment for the rules).
 * Returns 0 or -EINVAL with *err ("bad metadata: ..."). */
int lumen_plugin_check_desc(const struct lumen_plugin *d, char **err);

#endif
