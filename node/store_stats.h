/*
 * store_stats.h - what the store knows for the metrics (store_stats.c):
 * its size, and pages of topics and procs as pp_topic_stats /
 * pp_proc_stats. Any thread; each page is one short read transaction.
 */
#ifndef PP_NODE_STORE_STATS_H
#define PP_NODE_STORE_STATS_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

/*
 * store_stats_size - file size, pages in use, map size, the size limit
 * and the collection counters into the store fields of *out.
 */
void store_stats_size(store *s, pp_node_stats *out);

/*
 * store_stats_topics - calls fn for at most `max` topics after `after`
 * (exclusive; ptr NULL: from the first) in name order. *has_more tells
 * that topics remain. The strings fn gets live only during the call.
 * Returns 0, fn's non-0 return, or a PP_E* code.
 */
int store_stats_topics(store *s, const ppi_str *after, size_t max,
    int (*fn)(void *arg, const pp_topic_stats *t), void *arg,
    bool *has_more);

/* store_stats_procs - the same for procs; ages count up to now_ms. */
int store_stats_procs(store *s, const ppi_str *after, size_t max,
    uint64_t now_ms, int (*fn)(void *arg, const pp_proc_stats *p),
    void *arg, bool *has_more);

#endif
