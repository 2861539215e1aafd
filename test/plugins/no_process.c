/*
 * no_process.c - a descriptor without its one required function.
 */
#include <pipeproc_plugin.h>

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.name        = "no_process",
};
