/*
 * bad_size.c - the right abi_version with a descriptor size that does
 * not match it (a plugin compiled against a corrupted header).
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
	.size        = PP_PLUGIN_SIZE_1 - sizeof(void *),
	.name        = "bad_size",
	.process     = never,
};
