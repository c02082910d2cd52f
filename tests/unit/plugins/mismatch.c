/* mismatch.c -- needs lumen.test.good >=2.0.0, which the tests never provide. */
#include "testplugin.h"

static const struct lumen_plugin_dep deps[] = { { "lumen.test.good", ">=2.0.0" }, { NULL, NULL } };
TEST_PLUGIN(LUMEN_PLUGIN_ABI_VERSION, "lumen.test.mismatch", "1.0.0", NULL, deps)
