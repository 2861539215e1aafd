/*
 * metrics_prom.c - the node's metrics in the Prometheus text exposition
 * format (version 0.0.4), for GET /metrics (metrics_http.c).
 *
 *   # HELP pipeproc_logs_total Logs appended since the node started.
 *   # TYPE pipeproc_logs_total counter
 *   pipeproc_logs_total 1200
 *   pipeproc_topic_logs{topic="orders"} 1200
 *   pipeproc_write_latency_seconds_bucket{le="0.00025"} 17
 *   pipeproc_source_lag{source="in",topic="imported"} 40
 *
 * The figures are those of pp_stats() (stats_node(), store_stats_*()),
 * under names that follow Prometheus's conventions: base units (seconds,
 * bytes), _total on counters, one family per name. Every sample of a
 * family must be written together, so the per-topic and per-proc samples
 * are gathered family by family into side buffers during one paged walk
 * of the store, and appended after it.
 *
 * Bounded: one scrape writes the samples of at
 * most METRICS_SERIES_MAX topics, as many procs and as many sources, the
 * first in name order, and says so in pipeproc_metrics_truncated; a node with a
 * million topics is not a million-series scrape taking seconds on the
 * one scrape thread (metrics_http.c). /topics and /procs page through
 * all of them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "metrics_prom.h"
#include "source_lag.h"
#include "stats.h"
#include "store/store.h"

/* Per-topic and per-proc families, in output order. */
enum family {
	F_TOPIC_LOGS,
	F_TOPIC_BYTES,
	F_TOPIC_APPENDED,
	F_TOPIC_LAST,
	F_PROC_LAG,
	F_PROC_AGE,
	F_PROC_RECLAIMS,
	F_PROC_DISABLED,
	F_PROC_LOST,
	F_SOURCE_LAG,
	F_SOURCE_UPSTREAM,
	F_SOURCE_AGE,
	F_COUNT
};

static const struct {
	const char *name;
	const char *type;
	const char *help;
} families[F_COUNT] = {
	{ "pipeproc_topic_logs", "gauge", "Logs stored in the topic now." },
	{ "pipeproc_topic_bytes", "gauge",
	    "Body bytes stored in the topic now." },
	{ "pipeproc_topic_appended_logs_total", "counter",
	    "Logs ever appended to the topic (its next sequence number)." },
	{ "pipeproc_topic_last_log_timestamp_seconds", "gauge",
	    "Time of the newest stored log of the topic." },
	{ "pipeproc_proc_lag_logs", "gauge",
	    "Logs stored from the proc's cursor on." },
	{ "pipeproc_proc_oldest_unacked_age_seconds", "gauge",
	    "Age of the proc's first unacked log; 0 when there is none." },
	{ "pipeproc_proc_reclaims", "gauge",
	    "Reclaims of the proc in a row, since its last ack." },
	{ "pipeproc_proc_disabled", "gauge", "1 when the proc is disabled." },
	{ "pipeproc_proc_lost_logs_total", "counter",
	    "Logs retention removed before the proc acked them." },
	{ "pipeproc_source_lag", "gauge",
	    "Upstream sequences the source has not stored yet (sources "
	    "that have not reported since the node started are left "
	    "out)." },
	{ "pipeproc_source_upstream_sequence", "gauge",
	    "The newest upstream sequence the source reported." },
	{ "pipeproc_source_report_age_seconds", "gauge",
	    "How long ago the source reported upstream." },
};

/* Topics, and procs, whose samples one scrape writes at most. */
#define METRICS_SERIES_MAX 10000

typedef struct walk {
	ppi_buf fam[F_COUNT];
	char    name[PP_TOPIC_MAX + 1]; /* the last item, for paging */
	size_t  n;                      /* items in the current page */
	size_t  total;                  /* items of this kind so far */
	bool    is_truncated;           /* some were left out */
} walk;

/* Row callbacks return this once METRICS_SERIES_MAX items are in. */
#define WALK_FULL 1

/* A label value, escaped as the format requires: \\, \" and \n. */
static void
put_label(ppi_buf *b, const char *key, const char *value)
{
	ppi_buf_printf(b, "%s=\"", key);
	for (; *value != '\0'; value++) {
		if (*value == '\\' || *value == '"') {
			ppi_buf_printf(b, "\\%c", *value);
		} else if (*value == '\n') {
			ppi_buf_printf(b, "\\n");
		} else {
			ppi_buf_append(b, value, 1);
		}
	}
	ppi_buf_printf(b, "\"");
}

static void
header(ppi_buf *b, const char *name, const char *type, const char *help)
{
	ppi_buf_printf(
	    b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
scalar(ppi_buf *b, const char *name, const char *type, const char *help,
    uint64_t v)
{
	header(b, name, type, help);
	ppi_buf_printf(b, "%s %" PRIu64 "\n", name, v);
}

static void
real(ppi_buf *b, const char *name, const char *help, double v)
{
	header(b, name, "gauge", help);
	ppi_buf_printf(b, "%s %.6g\n", name, v);
}

/* A histogram; `scale` divides bounds and sum (1e6: us to seconds). */
static void
histogram(ppi_buf *b, const char *name, const char *help,
    const pp_histogram *h, double scale)
{
	size_t i;

	header(b, name, "histogram", help);
	for (i = 0; i < h->nbuckets; i++) {
		if (h->le[i] == UINT64_MAX) {
			ppi_buf_printf(b,
			    "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name,
			    h->counts[i]);
		} else {
			ppi_buf_printf(b,
			    "%s_bucket{le=\"%.6g\"} %" PRIu64 "\n", name,
			    (double)h->le[i] / scale, h->counts[i]);
		}
	}
	ppi_buf_printf(b, "%s_sum %.6g\n%s_count %" PRIu64 "\n", name,
	    (double)h->sum / scale, name, h->count);
}

static void
node_figures(ppi_buf *b, const pp_node_stats *st)
{
	scalar(b, "pipeproc_start_time_seconds", "gauge",
	    "When the node started, seconds since the epoch.",
	    st->started_ms / 1000);
	/* The id is hex digits: nothing to escape in the label. */
	header(b, "pipeproc_node_info", "gauge",
	    "The store's stable node id (made at store creation).");
	ppi_buf_printf(
	    b, "pipeproc_node_info{node_id=\"%s\"} 1\n", st->node_id);
	scalar(b, "pipeproc_write_requests_total", "counter",
	    "Requests applied by the writer (commits, claims, admin).",
	    st->write_requests);
	scalar(b, "pipeproc_commits_total", "counter",
	    "Commit and ack_commit calls applied.", st->commits);
	scalar(b, "pipeproc_logs_total", "counter",
	    "Logs appended, dead letters included.", st->logs);
	scalar(b, "pipeproc_bytes_total", "counter",
	    "Body bytes appended.", st->bytes);
	real(b, "pipeproc_commits_per_second",
	    "Commit calls per second over the last 10 s.",
	    st->commits_per_s);
	real(b, "pipeproc_logs_per_second",
	    "Logs appended per second over the last 10 s.", st->logs_per_s);
	real(b, "pipeproc_bytes_per_second",
	    "Body bytes appended per second over the last 10 s.",
	    st->bytes_per_s);
	histogram(b, "pipeproc_group_commit_size",
	    "Write requests per group commit (one transaction, one sync).",
	    &st->group_sizes, 1.0);
	histogram(b, "pipeproc_write_latency_seconds",
	    "Commit requests from the writer's queue to durable.",
	    &st->write_latency_us, 1e6);
	scalar(b, "pipeproc_reclaims_total", "counter",
	    "Claims given back: reclaim calls, the timer, dead workers.",
	    st->reclaims);
	scalar(b, "pipeproc_timer_reclaims_total", "counter",
	    "Claims the reclaim timer gave back.", st->timer_reclaims);
	scalar(b, "pipeproc_dead_letters_total", "counter",
	    "Logs moved to dead-letter topics.", st->dead_letters);
	scalar(b, "pipeproc_worker_restarts_total", "counter",
	    "Worker processes replaced.", st->worker_restarts);
	scalar(b, "pipeproc_waiting_requests", "gauge",
	    "Claims and waits parked until logs arrive.",
	    st->waiting_requests);
	scalar(b, "pipeproc_gc_runs_total", "counter",
	    "Completed collection runs (GC and retention).", st->gc_runs);
	scalar(b, "pipeproc_gc_collected_logs_total", "counter",
	    "Logs removed by collection, retention included.",
	    st->gc_collected);
	scalar(b, "pipeproc_retention_dropped_logs_total", "counter",
	    "Logs removed for being over a topic's retention limit.",
	    st->retention_dropped);
	scalar(b, "pipeproc_store_file_bytes", "gauge",
	    "Size of the LMDB data file.", st->store_file_bytes);
	scalar(b, "pipeproc_store_used_bytes", "gauge",
	    "LMDB pages up to the high-water mark.", st->store_used_bytes);
	scalar(b, "pipeproc_store_map_bytes", "gauge",
	    "LMDB map size now (it grows on demand).", st->map_bytes);
	scalar(b, "pipeproc_store_max_bytes", "gauge",
	    "The store size limit (--max-store-size); 0: none.",
	    st->max_store_bytes);
	real(b, "pipeproc_store_map_usage_ratio",
	    "Used bytes over the map size.",
	    st->map_bytes > 0
	        ? (double) st->store_used_bytes / (double) st->map_bytes
	        : 0.0);
}

/* One sample of family f with the labels of a topic or a proc. */
static void
sample(walk *w, enum family f, const char *topic, const char *proc)
{
	ppi_buf *b = &w->fam[f];

	ppi_buf_printf(b, "%s{", families[f].name);
	if (proc != NULL) {
		put_label(b, "proc", proc);
		ppi_buf_printf(b, ",");
	}
	put_label(b, "topic", topic);
	ppi_buf_printf(b, "} ");
}

static int
add_topic(void *arg, const pp_topic_stats *t)
{
	walk *w = arg;

	if (w->total == METRICS_SERIES_MAX) {
		w->is_truncated = true;
		return WALK_FULL;
	}
	w->total++;
	sample(w, F_TOPIC_LOGS, t->name, NULL);
	ppi_buf_printf(&w->fam[F_TOPIC_LOGS], "%" PRIu64 "\n", t->count);
	sample(w, F_TOPIC_BYTES, t->name, NULL);
	ppi_buf_printf(&w->fam[F_TOPIC_BYTES], "%" PRIu64 "\n", t->bytes);
	sample(w, F_TOPIC_APPENDED, t->name, NULL);
	ppi_buf_printf(&w->fam[F_TOPIC_APPENDED], "%" PRIu64 "\n", t->next_seq);
	if (t->count > 0) {
		sample(w, F_TOPIC_LAST, t->name, NULL);
		ppi_buf_printf(
		    &w->fam[F_TOPIC_LAST], "%.3f\n", t->last.ms / 1000.0);
	}
	snprintf(w->name, sizeof(w->name), "%s", t->name);
	w->n++;
	return 0;
}

static int
add_proc(void *arg, const pp_proc_stats *p)
{
	walk *w = arg;

	if (w->total == METRICS_SERIES_MAX) {
		w->is_truncated = true;
		return WALK_FULL;
	}
	w->total++;
	sample(w, F_PROC_LAG, p->topic, p->name);
	ppi_buf_printf(&w->fam[F_PROC_LAG], "%" PRIu64 "\n", p->lag);
	sample(w, F_PROC_AGE, p->topic, p->name);
	ppi_buf_printf(
	    &w->fam[F_PROC_AGE], "%.3f\n", p->oldest_unacked_age_ms / 1000.0);
	sample(w, F_PROC_RECLAIMS, p->topic, p->name);
	ppi_buf_printf(&w->fam[F_PROC_RECLAIMS], "%" PRIu32 "\n", p->reclaims);
	sample(w, F_PROC_DISABLED, p->topic, p->name);
	ppi_buf_printf(
	    &w->fam[F_PROC_DISABLED], "%d\n", p->is_disabled ? 1 : 0);
	sample(w, F_PROC_LOST, p->topic, p->name);
	ppi_buf_printf(&w->fam[F_PROC_LOST], "%" PRIu64 "\n", p->lost);
	snprintf(w->name, sizeof(w->name), "%s", p->name);
	w->n++;
	return 0;
}

/* A source's samples; one that never reported has none (unknown). */
static int
add_source(void *arg, const pp_source_info *src)
{
	walk *w = arg;

	if (w->total == METRICS_SERIES_MAX) {
		w->is_truncated = true;
		return WALK_FULL;
	}
	w->total++;
	snprintf(w->name, sizeof(w->name), "%s", src->name);
	w->n++;
	if (!src->has_report) {
		return 0;
	}
	ppi_buf_printf(&w->fam[F_SOURCE_LAG], "%s{",
	    families[F_SOURCE_LAG].name);
	put_label(&w->fam[F_SOURCE_LAG], "source", src->name);
	ppi_buf_printf(&w->fam[F_SOURCE_LAG], ",");
	put_label(&w->fam[F_SOURCE_LAG], "topic", src->topic);
	ppi_buf_printf(&w->fam[F_SOURCE_LAG], "} %" PRIu64 "\n", src->lag);
	ppi_buf_printf(&w->fam[F_SOURCE_UPSTREAM], "%s{",
	    families[F_SOURCE_UPSTREAM].name);
	put_label(&w->fam[F_SOURCE_UPSTREAM], "source", src->name);
	ppi_buf_printf(&w->fam[F_SOURCE_UPSTREAM], "} %" PRIu64 "\n",
	    src->upstream_seq);
	ppi_buf_printf(&w->fam[F_SOURCE_AGE], "%s{",
	    families[F_SOURCE_AGE].name);
	put_label(&w->fam[F_SOURCE_AGE], "source", src->name);
	ppi_buf_printf(&w->fam[F_SOURCE_AGE], "} %.3f\n",
	    src->report_age_ms / 1000.0);
	return 0;
}

/* Walks the pages of topics, then of procs, then of sources, into the
 * side buffers, up to METRICS_SERIES_MAX of each. */
static int
walk_store(store *s, walk *w, uint64_t now_ms)
{
	ppi_str after;
	bool    has_more = true;
	int     rv = 0;

	w->total = 0;
	for (after.ptr = NULL, after.len = 0; has_more && rv == 0;) {
		w->n = 0;
		rv   = store_stats_topics(s, &after, 1000, add_topic, w, &has_more);
		after.ptr = w->name;
		after.len = strlen(w->name);
		has_more  = has_more && w->n > 0;
	}
	rv = rv == WALK_FULL ? 0 : rv;
	w->total = 0;
	for (after.ptr = NULL, after.len = 0, has_more = true;
	     has_more && rv == 0;) {
		w->n = 0;
		rv   = store_stats_procs(
                    s, &after, 500, now_ms, add_proc, w, &has_more);
		after.ptr = w->name;
		after.len = strlen(w->name);
		has_more  = has_more && w->n > 0;
	}
	rv = rv == WALK_FULL ? 0 : rv;
	w->total = 0;
	for (after.ptr = NULL, after.len = 0, has_more = true;
	     has_more && rv == 0;) {
		w->n = 0;
		rv   = store_stats_sources(s, &after, 500, now_ms,
		      &source_lag_reports, add_source, w, &has_more);
		after.ptr = w->name;
		after.len = strlen(w->name);
		has_more  = has_more && w->n > 0;
	}
	return rv == WALK_FULL ? 0 : rv;
}

int
metrics_prom_write(store *s, ppi_buf *out)
{
	pp_node_stats st;
	walk          w;
	size_t        f;
	int           rv;

	memset(&w, 0, sizeof(w));
	for (f = 0; f < F_COUNT; f++) {
		ppi_buf_init(&w.fam[f]);
	}
	stats_node(s, &st);
	node_figures(out, &st);
	if ((rv = walk_store(s, &w, st.now_ms)) == 0) {
		scalar(out, "pipeproc_metrics_truncated", "gauge",
		    "1 when this scrape left out the topics, procs or sources "
		    "past the first 10000 of each in name order (GET /topics "
		    "and /procs page through all).",
		    w.is_truncated ? 1 : 0);
		for (f = 0; f < F_COUNT; f++) {
			header(out, families[f].name, families[f].type,
			    families[f].help);
			ppi_buf_append(out, w.fam[f].data, w.fam[f].len);
			rv = w.fam[f].is_failed ? PP_ENOMEM : rv;
		}
	}
	for (f = 0; f < F_COUNT; f++) {
		ppi_buf_fini(&w.fam[f]);
	}
	return rv != 0 ? rv : out->is_failed ? PP_ENOMEM : 0;
}
