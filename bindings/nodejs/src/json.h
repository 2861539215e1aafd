/*
 * json.h - logs as one JSON text, [{"id":"ms-seq","body":<body>},...],
 * built on a pool thread from bodies that are JSON already (the wrapper
 * stores JSON), so that the JS thread makes one string and runs one
 * JSON.parse instead of a string, a parse and an object per log.
 */
#ifndef PPN_JSON_H
#define PPN_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime.h"

/* V8's strings are bounded: a larger result goes as per-log arrays. */
#define PPN_JSON_MAX (256u << 20)

typedef struct ppn_json {
	char  *s;
	size_t len;
	size_t cap;
	bool   is_failed; /* out of memory or past PPN_JSON_MAX */
	bool   is_ascii;  /* every byte < 0x80: a one-byte string */
} ppn_json;

/* Starts the array "[". */
void ppn_json_init(ppn_json *j);

/* Appends one log. Sets is_failed (and stops growing) on failure. */
void ppn_json_add(ppn_json *j, const pp_log *log);

/* Closes the array. Returns 0, or -1 when the text could not be built
 * (then the caller falls back to per-log values); frees nothing. */
int ppn_json_finish(ppn_json *j);

/* The text as a JS string (JS thread), or NULL. */
napi_value ppn_json_value(napi_env env, const ppn_json *j);

/* Room for `more` bytes past j->len (for other builders of texts, such
 * as range_text.c). false, and is_failed set, when there is none. */
bool ppn_json_reserve(ppn_json *j, size_t more);

/* Frees the text. */
void ppn_json_fini(ppn_json *j);

#endif /* PPN_JSON_H */
