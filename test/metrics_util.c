/*
 * metrics_util.c - stats reports, node figures and claims of the metrics
 * tests. See metrics_util.h.
 */
#include "metrics_util.h"

pp_stats_report *
metrics_stats_of(pp_client *c)
{
	pp_stats_report *r = NULL;

	PP_PASS(pp_stats(c, &r));
	PP_ASSERT_TRUE(r != NULL);
	return (r);
}

uint64_t
metrics_node_figure(pp_client *c, size_t offset)
{
	pp_stats_report *r = metrics_stats_of(c);
	uint64_t         v;

	memcpy(&v, (const char *)pp_stats_node(r) + offset, sizeof(v));
	pp_stats_free(r);
	return (v);
}

pp_claim *
metrics_claim(pp_client *c, const char *topic, const char *name,
    const pp_proc_opts *opts, size_t expect)
{
	pp_claim *cl = NULL;

	PP_PASS(pp_proc(c, topic, name, opts, 0, &cl));
	PP_ASSERT_U64_EQ(pp_claim_count(cl), expect);
	return (cl);
}
