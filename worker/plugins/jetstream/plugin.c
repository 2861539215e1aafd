/*
 * plugin.c - the descriptor of the `jetstream` plugin
 * (pipeproc-jetstream(7)): as a systemProc it is the sink (sink.c), as a
 * source (pp_source(), `pipeproc source`) it is the source (source.c).
 * init_info() tells the two apart by info->is_source.
 */
#include "jetstream.h"

static int
js_init(const pp_plugin_info *info, void **state, char *err, size_t errlen)
{
	if (info->is_source) {
		return jsource_init(info, state, err, errlen);
	}
	return jsink_init(info, state, err, errlen);
}

static void
js_fini(void *state)
{
	if (state != NULL && *(const int *) state == JS_SOURCE) {
		jsource_fini(state);
	} else {
		jsink_fini(state);
	}
}

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.name        = "jetstream",
	.init_info   = js_init,
	.fini        = js_fini,
	.process     = jsink_process,
	.source      = jsource_round,
};
