/*
 * plugin.h - loading and checking one processor plugin
 * (include/pipeproc_plugin.h, pipeproc_plugin(7)).
 */
#ifndef PP_WORKER_PLUGIN_H
#define PP_WORKER_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "pipeproc_plugin.h"

/* Longest descriptor name accepted, bytes. */
#define PLUGIN_NAME_MAX 64
/* Room for any message plugin_open() writes. */
#define PLUGIN_ERR_MAX 1024

typedef struct plugin plugin;

/*
 * plugin_open - dlopen `path`, check its descriptor (symbol, abi_version
 * and size before anything else, then name and process) and run its
 * init(config). config: NULL means "".
 * Returns 0 and sets *out, or -1 with a one-line message in err that
 * names the path and what is wrong ("plugin /x/y.so: abi_version 2, this
 * worker speaks 1"). On error nothing stays loaded.
 * On success *out belongs to the caller: plugin_close() it.
 * Not thread-safe with itself (dlerror() is per process in practice).
 */
int plugin_open(const char *path, const char *config, plugin **out, char *err,
    size_t errlen);

/* plugin_close - fini(state) and unload. Accepts NULL. No process() call
 * may be in flight. */
void plugin_close(plugin *p);

/*
 * plugin_set_context - give the plugin the optional context of
 * pipeproc_plugin.h (its pipeproc_plugin_context(), when it exports one)
 * for systemProc `system_proc` on a node whose largest body is max_body.
 * Call once, after plugin_open(), before any plugin_process().
 */
void plugin_set_context(plugin *p, const char *system_proc, uint64_t max_body);

/* plugin_name - the descriptor's name; valid until plugin_close(). */
const char *plugin_name(const plugin *p);

/* plugin_process - the descriptor's process() with the plugin's state.
 * Thread-safe as far as the plugin is (pipeproc_plugin(7)). */
int plugin_process(plugin *p, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em);

/*
 * plugin_stage - what the calling process is doing with a plugin right
 * now ("loading", "init", "fini" or NULL), for the crash report of
 * `pipeproc-worker --check`. A plain pointer: read from a signal handler.
 */
extern const char *volatile plugin_stage;

#endif
