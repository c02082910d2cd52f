/* good.c -- a well-formed test plugin with a config section "good". */
#include "testplugin.h"

TEST_PLUGIN(LUMEN_PLUGIN_ABI_VERSION, "lumen.test.good", "1.2.3", "good", NULL)
