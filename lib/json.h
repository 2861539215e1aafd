/*
 * json.h - the JSON of a topic's, a proc's and a source's state (json.c),
 * one shape shared by the CLI (`stat`, `inspect`, `procs`, `range --json`
 * strings, `stats` sources) and the node's HTTP state endpoints (GET
 * /topics, /procs; DESIGN §9), so that all print the same objects.
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

/*
 * ppi_json_source - a source and its lag as one object (`procs --json`,
 * the "sources" of `stats`): lag, upstream_seq, stored_seq, reported_ms
 * and report_age_ms are null before the source's first report.
 */
void ppi_json_source(ppi_buf *b, const pp_source_info *info);

#endif
