/*
 * source_lag.h - sources and their lag on the client side
 * (source_lag.c): the rows of the stats "sources" part, shared by
 * pp_sources() and pp_stats(), and the report a worker sends for a
 * source it runs.
 */
#ifndef PP_SOURCE_LAG_H
#define PP_SOURCE_LAG_H

#include "pipeproc.h"

/* A growing array of sources; every string is strdup'd. */
typedef struct ppi_source_rows {
	pp_source_info *items;
	size_t          n;
	size_t          cap;
} ppi_source_rows;

/*
 * ppi_source_rows_read - every page of the "sources" part into rows.
 * Returns 0 or the status of the failing page (its detail in msg);
 * PP_EPROTO is what a node older than the part answers.
 */
int ppi_source_rows_read(pp_client *c, ppi_source_rows *rows, char *msg,
    size_t msglen);

/* ppi_source_rows_fini - free what rows holds. */
void ppi_source_rows_fini(ppi_source_rows *rows);

/*
 * ppi_source_report - tell the node that source `name` commits as
 * producer `key` and that upstream is at `head` (a worker's call,
 * pipeproc_plugin(7) report()). Returns 0, or PP_EINVAL (bad key),
 * PP_EINVALID_NAME, PP_ENOSYSPROC (no such source), PP_ETIMEDOUT,
 * PP_ECLOSED, PP_ENOTCONN, PP_ENOMEM. Blocks for one round trip.
 */
int ppi_source_report(pp_client *c, const char *name, const char *key,
    uint64_t head);

#endif
