/*
 * source_lag.h - what the node knows of each source's upstream
 * (source_lag.c): the reports of the workers that run sources, kept in
 * memory, and the answers built from them with the store (the srcreport
 * op and the stats "sources" part; docs/DESIGN.md, "Sources").
 */
#ifndef PP_NODE_SOURCE_LAG_H
#define PP_NODE_SOURCE_LAG_H

#include "store/store.h"

/* source_lag_answer - a srcreport request: remember the report when its
 * source exists (a reader thread). */
void source_lag_answer(store *s, const ppi_request *req, ppi_buf *reply);

/* source_lag_reports - the reports for store_stats_sources (any
 * thread). */
extern const store_source_reports source_lag_reports;

/* source_lag_clear - forget every report (the node, at its end). */
void source_lag_clear(void);

#endif
