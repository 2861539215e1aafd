/*
 * plugin_check.h - is a plugin loadable, of our ABI, and does its init()
 * accept the config? Asked of `pipeproc-worker --check` in a child
 * process, so a plugin that crashes can never take the node down.
 */
#ifndef PP_NODE_PLUGIN_CHECK_H
#define PP_NODE_PLUGIN_CHECK_H

#include <stddef.h>

#include <stdbool.h>
#include <stdint.h>

/* The systemProc a plugin is checked for: what its init_info() gets. */
typedef struct plugin_check_for {
	const char *name;
	const char *config;
	int64_t     max_reclaims;
	int64_t     reclaim_timeout_ms;
	bool        is_source; /* no `from`: a source (pp_source()) */
} plugin_check_for;

/*
 * plugin_check - 0 when the plugin is fine, else PP_EPLUGIN with the
 * reason in msg (from the worker, or why the check could not run).
 * Blocks up to a few seconds: readers call it, never the writer.
 */
int plugin_check(const char *worker_path, const char *plugin,
    const plugin_check_for *sp, char *msg, size_t msglen);

#endif
