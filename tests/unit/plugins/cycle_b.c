/* cycle_b.c -- depends on cycle_a, which depends on cycle_b. */
#include "testplugin.h"

static const struct lumen_plugin_dep deps[] = { { "lumen.test.cycle-a", NULL }, { NULL, NULL } };
TEST_PLUGIN(LUMEN_PLUGIN_ABI_VERSION, "lumen.test.cycle-b", "1.0.0", NULL, deps)
