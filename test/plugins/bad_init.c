/*
 * bad_init.c - a plugin whose init() refuses its config, or misbehaves
 * in it, as the config says:
 *     ""        refuses with "bad_init: refusing config ''"
 *     "quiet"   refuses with status 7 and no message
 *     "crash"   SIGSEGV inside init()
 *     "abort"   abort() inside init()
 *     "hang"    never returns from init()
 *     "print"   writes to stdout, then succeeds (the worker's answer
 *               line must stay apart from the plugin's output)
 *     "fini-crash"  succeeds, and crashes in fini()
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pipeproc_plugin.h>

static int is_fini_crash;

static int
bad_init_init(const char *config, void **state, char *err, size_t errlen)
{
	(void) state;
	if (strcmp(config, "quiet") == 0) {
		return 7;
	}
	if (strcmp(config, "crash") == 0) {
		raise(SIGSEGV);
	}
	if (strcmp(config, "abort") == 0) {
		abort();
	}
	if (strcmp(config, "hang") == 0) {
		for (;;) {
			pause();
		}
	}
	if (strcmp(config, "print") == 0) {
		printf("ok fake-name\n");
		fflush(stdout);
		return 0;
	}
	if (strcmp(config, "fini-crash") == 0) {
		is_fini_crash = 1;
		return 0;
	}
	snprintf(err, errlen, "bad_init: refusing config '%s'", config);
	return 1;
}

static void
bad_init_fini(void *state)
{
	(void) state;
	if (is_fini_crash) {
		raise(SIGSEGV);
	}
}

static int
bad_init_process(void *state, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em)
{
	(void) state;
	(void) logs;
	(void) n;
	(void) em;
	return 0;
}

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.name        = "bad_init",
	.init        = bad_init_init,
	.fini        = bad_init_fini,
	.process     = bad_init_process,
};
