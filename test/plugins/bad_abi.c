/*
 * bad_abi.c - a plugin built for the next ABI version: the worker must
 * refuse it before reading anything past abi_version and size.
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
	.abi_version = PP_PLUGIN_ABI_VERSION + 1,
	.size        = sizeof(pp_plugin),
	.name        = "bad_abi",
	.process     = never,
};
