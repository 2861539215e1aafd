/*
 * plugin_path.h - where a plugin given by name lives: a systemProc's
 * plugin without a '/' ("upper") is looked up in the plugin directories,
 * as a shell looks up a command in PATH (pipeproc(1), pp_system_proc(3)).
 */
#ifndef PP_WORKER_PLUGIN_PATH_H
#define PP_WORKER_PLUGIN_PATH_H

#include <stddef.h>

/*
 * plugin_path_find - the file of the plugin `name` (no '/'): NAME, else
 * NAME.so, in the first of these directories that has one:
 *   1. each directory of $PIPEPROC_PLUGIN_PATH (':'-separated);
 *   2. DIR/../lib/pipeproc/plugins, where DIR holds this program (an
 *      installed tree, also a staged one);
 *   3. DIR/../plugins (a build tree: build/bin next to build/plugins);
 *   4. PP_PLUGIN_INSTALL_DIR, the plugindir of `make install`.
 * Returns 0 with the path in out, or -1 with a one-line message in err
 * that lists every directory looked in.
 */
int plugin_path_find(const char *name, char *out, size_t outlen, char *err,
    size_t errlen);

#endif
