/*
 * source.h - the sources a worker runs (pp_source()): one thread per
 * source, calling the plugin's source() round after round.
 */
#ifndef PP_WORKER_SOURCE_H
#define PP_WORKER_SOURCE_H

#include "pipeproc.h"
#include "registry.h"

typedef struct sources sources;

/* sources_alloc - no source running yet. Returns 0 or PP_ENOMEM. A
 * worker without sources (not started with --sources 1) has none:
 * sources_sync(NULL) and sources_free(NULL) do nothing. */
int sources_alloc(pp_client *client, registry *reg, sources **out);

/*
 * sources_sync - start a thread for each source of the registry's
 * current table not running yet, and tell those no longer in it to
 * stop. Called by a claim thread after it installed a table; joins the
 * threads that stopped since (each within a round of its plugin).
 */
void sources_sync(sources *s);

/* sources_free - stop and join every thread (each within a round), then
 * free. Before registry_free(). Accepts NULL. */
void sources_free(sources *s);

#endif
