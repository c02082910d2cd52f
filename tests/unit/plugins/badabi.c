/* badabi.c -- built for a plugin ABI this lumen does not have. */
#include "testplugin.h"

TEST_PLUGIN(LUMEN_PLUGIN_ABI_VERSION + 98u, "lumen.test.badabi", "1.0.0", NULL, NULL)
