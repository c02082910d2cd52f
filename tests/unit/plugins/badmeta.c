/* badmeta.c -- right ABI, but its version is not a semantic version. */
#include "testplugin.h"

TEST_PLUGIN(LUMEN_PLUGIN_ABI_VERSION, "lumen.test.badmeta", "1.2", NULL, NULL)
