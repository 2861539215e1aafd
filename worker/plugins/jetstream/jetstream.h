/*
 * jetstream.h - the two halves of the `jetstream` plugin (plugin.c holds
 * the descriptor): the sink (sink.c, a systemProc's logs into a stream)
 * and the source (source.c, a stream's messages into topics). Each state
 * starts with its kind, so fini() knows which half built it.
 */
#ifndef PP_JETSTREAM_H
#define PP_JETSTREAM_H

#include <pipeproc_plugin.h>

enum js_kind { JS_SINK = 1, JS_SOURCE = 2 };

int  jsink_init(const pp_plugin_info *info, void **state, char *err,
    size_t errlen);
void jsink_fini(void *state);
int  jsink_process(void *state, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em);

int  jsource_init(const pp_plugin_info *info, void **state, char *err,
    size_t errlen);
void jsource_fini(void *state);
int  jsource_round(void *state, pp_plugin_source *src);

#endif
