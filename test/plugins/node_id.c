/*
 * node_id.c - a test plugin (node_id_test.c): every log becomes one log
 * holding the worker's PIPEPROC_NODE_ID environment variable, so a test
 * can see that workers inherit the node's id.
 */
#include <stdlib.h>
#include <string.h>

#include <pipeproc_plugin.h>

static int
node_id_init(const char *config, void **state, char *err, size_t errlen)
{
	(void) config;
	(void) err;
	(void) errlen;
	*state = NULL;
	return 0;
}

static void
node_id_fini(void *state)
{
	(void) state;
}

static int
node_id_process(void *state, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em)
{
	const char *id = getenv("PIPEPROC_NODE_ID");
	size_t      i;

	(void) state;
	(void) logs;
	if (id == NULL) {
		id = "(unset)";
	}
	for (i = 0; i < n; i++) {
		if (em->emit(em, id, strlen(id)) != 0) {
			return 1;
		}
	}
	return 0;
}

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.name        = "node_id",
	.init        = node_id_init,
	.fini        = node_id_fini,
	.process     = node_id_process,
};
