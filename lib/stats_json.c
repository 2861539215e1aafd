/*
 * stats_json.c - pp_stats_json(): a pp_stats_report as one JSON object, the
 * output of `pipeproc stats` (pp_stats(3) documents every key).
 *
 *   {<node figure>: number, ..., "map_usage": 0..1,
 *    "group_sizes": hist, "write_latency_us": hist,
 *    "topics": [{"name", "count", "bytes", "first", "last", ...}],
 *    "procs": [{"name", "topic", "status", "lag", ...}],
 *    "sources": [{"name", "topic", "plugin", "producer", "lag", ...}]}
 *   hist = {"le": [bound...], "counts": [cumulative...], "count", "sum"}
 *
 * Node figures use the names of the wire's node part
 * (ppi_stats_node_fields), so the library, the CLI and the node agree on
 * one vocabulary. A histogram's +Inf bucket is its "count".
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "stats_impl.h"
#include "wire_stats.h"

/* A JSON string; names are [A-Za-z0-9_.-], but escape what JSON needs. */
static void
put_str(ppi_buf *b, const char *s)
{
	ppi_buf_append(b, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			ppi_buf_printf(b, "\\%c", *s);
		} else if ((unsigned char) *s < 0x20) {
			ppi_buf_printf(
			    b, "\\u%04x", (unsigned)(unsigned char)*s);
		} else {
			ppi_buf_append(b, s, 1);
		}
	}
	ppi_buf_append(b, "\"", 1);
}

static void
put_key(ppi_buf *b, const char *key)
{
	ppi_buf_printf(b, ",\"%s\":", key);
}

static void
put_u64(ppi_buf *b, const char *key, uint64_t v)
{
	ppi_buf_printf(b, ",\"%s\":%" PRIu64, key, v);
}

static void
put_id(ppi_buf *b, const char *key, pp_id id)
{
	ppi_buf_printf(
	    b, ",\"%s\":\"%" PRIu64 "-%" PRIu64 "\"", key, id.ms, id.seq);
}

static void
put_hist(ppi_buf *b, const char *key, const pp_histogram *h)
{
	size_t i, n = h->nbuckets > 0 ? h->nbuckets - 1 : 0; /* no +Inf */

	put_key(b, key);
	ppi_buf_printf(b, "{\"le\":[");
	for (i = 0; i < n; i++) {
		ppi_buf_printf(b, "%s%" PRIu64, i > 0 ? "," : "", h->le[i]);
	}
	ppi_buf_printf(b, "],\"counts\":[");
	for (i = 0; i < n; i++) {
		ppi_buf_printf(b, "%s%" PRIu64, i > 0 ? "," : "", h->counts[i]);
	}
	ppi_buf_printf(b, "],\"count\":%" PRIu64 ",\"sum\":%" PRIu64 "}",
	    h->count, h->sum);
}

static void
put_node(ppi_buf *b, const pp_node_stats *st)
{
	const char *base = (const char *) st;
	uint64_t    u;
	double      d;
	size_t      i;

	ppi_buf_printf(b, "{\"v\":1,\"node_id\":");
	put_str(b, st->node_id);
	for (i = 0; i < ppi_stats_node_nfields; i++) {
		memcpy(&u, base + ppi_stats_node_fields[i].offset, sizeof(u));
		put_u64(b, ppi_stats_node_fields[i].name, u);
	}
	for (i = 0; i < ppi_stats_rate_nfields; i++) {
		memcpy(&d, base + ppi_stats_rate_fields[i].offset, sizeof(d));
		ppi_buf_printf(
		    b, ",\"%s\":%.3f", ppi_stats_rate_fields[i].name, d);
	}
	ppi_buf_printf(b, ",\"map_usage\":%.6f",
	    st->map_bytes > 0
	        ? (double)st->store_used_bytes / (double)st->map_bytes
	        : 0.0);
	put_hist(b, "group_sizes", &st->group_sizes);
	put_hist(b, "write_latency_us", &st->write_latency_us);
}

static void
put_topic(ppi_buf *b, const pp_topic_stats *t)
{
	ppi_buf_printf(b, "{\"name\":");
	put_str(b, t->name);
	put_u64(b, "count", t->count);
	put_u64(b, "bytes", t->bytes);
	if (t->count > 0) {
		put_id(b, "first", t->first);
		put_id(b, "last", t->last);
	}
	put_u64(b, "next_seq", t->next_seq);
	put_u64(b, "created_ms", t->created_ms);
	put_u64(b, "max_age_ms", t->max_age_ms);
	put_u64(b, "max_count", t->max_count);
	put_u64(b, "max_bytes", t->max_bytes);
	ppi_buf_printf(b, "}");
}

static void
put_proc(ppi_buf *b, const pp_proc_stats *p)
{
	ppi_buf_printf(b, "{\"name\":");
	put_str(b, p->name);
	ppi_buf_printf(b, ",\"topic\":");
	put_str(b, p->topic);
	ppi_buf_printf(b, ",\"status\":\"%s\",\"has_claim\":%s",
	    p->is_disabled ? "disabled" : "active",
	    p->has_claim ? "true" : "false");
	put_u64(b, "lag", p->lag);
	put_u64(b, "oldest_unacked_ms", p->oldest_unacked_ms);
	put_u64(b, "oldest_unacked_age_ms", p->oldest_unacked_age_ms);
	put_u64(b, "reclaims", p->reclaims);
	put_u64(b, "lost", p->lost);
	put_u64(b, "last_acked_ms", p->last_acked_ms);
	ppi_buf_printf(b, "}");
}

int
pp_stats_json(const pp_stats_report *s, char **json)
{
	ppi_buf b;
	size_t  i;

	if (s == NULL || json == NULL) {
		return PP_EINVAL;
	}
	ppi_buf_init(&b);
	put_node(&b, &s->node);
	ppi_buf_printf(&b, ",\"topics\":[");
	for (i = 0; i < s->ntopics; i++) {
		ppi_buf_printf(&b, "%s", i > 0 ? "," : "");
		put_topic(&b, &s->topics[i]);
	}
	ppi_buf_printf(&b, "],\"procs\":[");
	for (i = 0; i < s->nprocs; i++) {
		ppi_buf_printf(&b, "%s", i > 0 ? "," : "");
		put_proc(&b, &s->procs[i]);
	}
	ppi_buf_printf(&b, "],\"sources\":[");
	for (i = 0; i < s->sources.n; i++) {
		ppi_buf_printf(&b, "%s", i > 0 ? "," : "");
		ppi_json_source(&b, &s->sources.items[i]);
	}
	ppi_buf_printf(&b, "]}");
	ppi_buf_append(&b, "", 1); /* the NUL */
	if (b.is_failed) {
		ppi_buf_fini(&b);
		return PP_ENOMEM;
	}
	*json = b.data; /* a C-heap buffer: the caller free()s it */
	ppi_buf_forget(&b);
	return 0;
}
