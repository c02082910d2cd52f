/* cycle_a.c -- depends on cycle_b, which depends on cycle_a. */
#include "testplugin.h"

static const struct lumen_plugin_dep deps[] = { { "lumen.test.cycle-b", NULL }, { NULL, NULL } };
TEST_PLUGIN(LUMEN_PLUGIN_ABI_VERSION, "lumen.test.cycle-a", "1.0.0", NULL, deps)
