/*
 * stats_impl.h - the pp_stats_report object, shared by stats.c (gathering and
 * accessors) and stats_json.c (the JSON form).
 */
#ifndef PP_STATS_IMPL_H
#define PP_STATS_IMPL_H

#include "pipeproc.h"
#include "source_lag.h"

struct pp_stats_report {
	pp_node_stats   node;
	pp_topic_stats *topics; /* names are strdup'd */
	size_t          ntopics;
	size_t          topics_cap;
	pp_proc_stats  *procs; /* names and topics are strdup'd */
	size_t          nprocs;
	size_t          procs_cap;
	ppi_source_rows sources; /* empty from a node older than them */
};

#endif
