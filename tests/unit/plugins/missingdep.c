/* missingdep.c -- depends on a package that does not exist. */
#include "testplugin.h"

static const struct lumen_plugin_dep deps[] = { { "lumen.test.ghost", "" }, { NULL, NULL } };
TEST_PLUGIN(LUMEN_PLUGIN_ABI_VERSION, "lumen.test.missingdep", "1.0.0", NULL, deps)
