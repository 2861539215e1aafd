/*
 * no_name.c - a descriptor without a name.
 */
#include <stddef.h>

#include <pipeproc_plugin.h>

static int
never(void *state, const pp_plugin_log *logs, size_t n, pp_plugin_emitter *em)
{
	(void) state;
	(void) logs;
	(void) n;
	(void) em;
	return 1;
}

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.process     = never,
};
