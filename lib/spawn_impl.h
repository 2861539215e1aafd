/*
 * spawn_impl.h - starting a node without a client: what pp_attach (attach.c)
 * needs of spawn.c besides pp_spawn itself.
 */
#ifndef PP_SPAWN_IMPL_H
#define PP_SPAWN_IMPL_H

#include "pipeproc.h"

/*
 * ppi_spawn_attached - start a detached node with --attached on data_dir,
 * listening on address, and wait until it is ready (opts->start_timeout_ms).
 * Other fields of opts as for pp_spawn; is_detached and is_memory are
 * overridden. Returns 0 or a pp_spawn code (PP_ELOCKED: another node owns
 * the directory) with the detail in pp_last_errmsg(). Leaves no process
 * behind on error.
 */
int ppi_spawn_attached(const pp_spawn_opts *opts, const char *data_dir,
    const char *address);

#endif
