/* dependent.c -- depends on lumen.test.good >=1.2.0 <2.0.0; sorts before it by file name. */
#include "testplugin.h"

static const struct lumen_plugin_dep deps[] = { { "lumen.test.good", ">=1.2.0 <2.0.0" }, { NULL, NULL } };
TEST_PLUGIN(LUMEN_PLUGIN_ABI_VERSION, "lumen.test.dependent", "1.0.0", NULL, deps)
