/*
 * stats.c - the "stats" op in the node: one part per request (the node's
 * figures, or a page of topics, procs or sources; lib/wire_stats.h),
 * answered by a reader thread, so a request for metrics never waits for the writer.
 *
 * A page's items are encoded into a side buffer while the store is walked
 * and appended after the header, because the header carries the count.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "metrics.h"
#include "source_lag.h"
#include "stats.h"
#include "store/store.h"
#include "wire_stats.h"

void
stats_node(store *s, pp_node_stats *out)
{
	memset(out, 0, sizeof(*out));
	metrics_read(out);
	store_stats_size(s, out);
	snprintf(out->node_id, sizeof(out->node_id), "%s", store_node_id(s));
}

struct page_arg {
	ppi_buf items;
	size_t  n;
};

static int
add_topic(void *arg, const pp_topic_stats *t)
{
	struct page_arg *a = arg;

	ppi_wire_reply_stats_topic(&a->items, t);
	a->n++;
	return a->items.is_failed ? PP_ENOMEM : 0;
}

static int
add_proc(void *arg, const pp_proc_stats *p)
{
	struct page_arg *a = arg;

	ppi_wire_reply_stats_proc(&a->items, p);
	a->n++;
	return a->items.is_failed ? PP_ENOMEM : 0;
}

static int
add_source(void *arg, const pp_source_info *src)
{
	struct page_arg *a = arg;

	ppi_wire_reply_stats_source(&a->items, src);
	a->n++;
	return a->items.is_failed ? PP_ENOMEM : 0;
}

void
stats_reply(store *s, const ppi_request *req, ppi_buf *reply)
{
	struct page_arg a;
	pp_node_stats   st;
	bool            has_more = false;
	int             rv;

	if (req->part == PPI_STATS_NODE) {
		stats_node(s, &st);
		ppi_wire_reply_stats_node(reply, &st);
		return;
	}
	memset(&a, 0, sizeof(a));
	ppi_buf_init(&a.items);
	if (req->part == PPI_STATS_TOPICS) {
		rv = store_stats_topics(s, &req->after, PPI_STATS_TOPICS_PAGE,
		    add_topic, &a, &has_more);
	} else if (req->part == PPI_STATS_PROCS) {
		/* Ages count on the node's clock, not the client's. */
		rv = store_stats_procs(s, &req->after, PPI_STATS_PROCS_PAGE,
		    ppi_clock_ms(CLOCK_REALTIME), add_proc, &a, &has_more);
	} else {
		rv = store_stats_sources(s, &req->after,
		    PPI_STATS_SOURCES_PAGE, ppi_clock_ms(CLOCK_REALTIME),
		    &source_lag_reports, add_source, &a, &has_more);
	}
	if (rv != 0) {
		ppi_wire_reply_error(reply, rv, "cannot read the store for stats");
	} else {
		ppi_wire_reply_stats_begin(reply, a.n);
		ppi_buf_append(reply, a.items.data, a.items.len);
		ppi_wire_reply_list_end(reply, has_more);
	}
	ppi_buf_fini(&a.items);
}
