/*
 * registry.h - the worker's copy of the node's systemProc table and the
 * plugins loaded for it, shared by the worker's threads.
 */
#ifndef PP_WORKER_REGISTRY_H
#define PP_WORKER_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "plugin.h"
#include "system.h"

typedef struct registry       registry;
typedef struct registry_table registry_table;
typedef struct registry_inst  registry_inst;

/* registry_alloc - an empty registry (table version 0). */
int registry_alloc(registry **out);

/* registry_set_max_body - the node's largest body, for the plugins'
 * context (plugin_set_context()); before the first registry_acquire(). */
void registry_set_max_body(registry *r, uint64_t max_body);

/*
 * registry_free - fini and unload every plugin and free every table.
 * No thread may use the registry any more. Accepts NULL.
 */
void registry_free(registry *r);

/*
 * registry_hold - the current table, held until registry_drop(): claims
 * name its version and come back with indexes into it, so it must stay
 * even when another thread installs a newer one meanwhile.
 * *table is NULL while no table has arrived (version 0).
 */
registry_table *registry_hold(
    registry *r, uint64_t *version, const ppi_systable **table);

/* registry_drop - release a table from registry_hold(). */
void registry_drop(registry *r, registry_table *held);

/*
 * registry_install - make t, which the node sent in answer to a claim
 * naming version `known`, the current table; takes t. Ignored (t freed)
 * when another thread installed a table since `known`: that one is at
 * least as recent. Plugins of systemProcs no longer in the table are
 * fini'd and unloaded once no thread runs them.
 */
void registry_install(registry *r, uint64_t known, ppi_systable *t);

/*
 * registry_acquire - the plugin of systemProc `sp` (of a held table),
 * loaded and init'd on first use; one instance per (name, plugin path,
 * config), shared by the threads. Returns 0 and sets *inst, or -1 with a
 * message in err: the plugin cannot be loaded now, or the systemProc was
 * removed from the table since the claim was made.
 * Release with registry_release() when process() has returned.
 */
int registry_acquire(registry *r, const ppi_sysproc *sp, registry_inst **inst,
    char *err, size_t errlen);

/* registry_plugin - the loaded plugin of an acquired instance. */
plugin *registry_plugin(registry_inst *inst);

/* registry_release - done with an instance from registry_acquire(). */
void registry_release(registry *r, registry_inst *inst);

#endif
