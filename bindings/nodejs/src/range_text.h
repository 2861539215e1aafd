/*
 * range_text.h - a range's logs as two texts built on a pool thread: the
 * ids "ms-seq,ms-seq,..." and the bodies as one JSON array "[b,b,...]".
 *
 * Why not one JSON text of {id, body} objects (json.h, as claims go): for
 * a range of a million logs the JS thread's JSON.parse is the cost, and
 * V8 parses the bodies alone and splits the ids, then pairs them in a
 * plain loop, about a third faster than it parses the objects whole
 * (bindings/nodejs/README.md has the figures).
 */
#ifndef PPN_RANGE_TEXT_H
#define PPN_RANGE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"

typedef struct ppn_range_text {
	ppn_json ids;    /* "id,id,..." (no brackets: JS splits it) */
	ppn_json bodies; /* "[body,body,...]" */
	size_t   count;
} ppn_range_text;

/* Starts both texts. */
void ppn_range_text_init(ppn_range_text *t);

/* Appends one log to both (a failure sticks; see ppn_range_text_finish). */
void ppn_range_text_add(ppn_range_text *t, const pp_log *log);

/* Closes the texts. 0, or -1 when they could not be built (out of memory,
 * past PPN_JSON_MAX): the caller then falls back to per-log values. */
int ppn_range_text_finish(ppn_range_text *t);

/* [count, ids text, bodies text] as a JS array (JS thread), or NULL. */
napi_value ppn_range_text_value(napi_env env, const ppn_range_text *t);

/* Frees both texts. */
void ppn_range_text_fini(ppn_range_text *t);

/* Writes id as "ms-seq" at p (at most PP_ID_STRLEN - 1 bytes, no NUL);
 * returns its length. */
size_t ppn_id_put(char *p, pp_id id);

#endif /* PPN_RANGE_TEXT_H */
