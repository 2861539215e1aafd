/*
 * json.h - the JSON of a topic's and a proc's state (json.c), one shape
 * shared by the CLI (`stat`, `inspect`, `range --json` strings) and the
 * node's HTTP state endpoints (GET /topics, /procs; DESIGN §9), so that
 * both print exactly the same objects.
 */
#ifndef PP_LIB_JSON_H
#define PP_LIB_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "pipeproc.h"

/*
 * ppi_json_string - append `len` bytes at `data` as a JSON string, quotes
 * included: '"', '\\' and control characters escaped, valid UTF-8 as it
 * is, every other byte as \u00XX (its Latin-1 reading).
 */
void ppi_json_string(ppi_buf *b, const void *data, size_t len);

/* ppi_json_topic - a topic's statistics as one object (`stat`). */
void ppi_json_topic(ppi_buf *b, const pp_topic_info *info);

/*
 * ppi_json_proc - a proc's state as one object (`inspect`); now_ms (the
 * wall clock) gives oldest_unacked_age_ms.
 */
void ppi_json_proc(ppi_buf *b, const pp_proc_info *info, uint64_t now_ms);

#endif
