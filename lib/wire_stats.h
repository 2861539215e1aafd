/*
 * wire_stats.h - the frames of the "stats" op (docs/DESIGN.md §5,
 * Metrics), shared by the library (pp_stats) and the node (reader threads
 * and the HTTP exporter, which fill the same public structs).
 *
 * One request asks for one part, so every reply is bounded:
 *
 *   {"v":1, "op":"stats", "part":"node"}
 *       -> {"st":0, <name>: u64 | f64 ..., "group_sizes": hist,
 *           "write_latency_us": hist}
 *   {"v":1, "op":"stats", "part":"topics"|"procs"|"sources",
 *    "after":str?}
 *       -> {"st":0, "items":[item...], "more":bool}
 *
 *   hist       = [[le...], [cumulative count...], sum]   (le of +Inf is
 *                                                         UINT64_MAX)
 *   topic item = [name, count, bytes, first_ms, first_seq, last_ms,
 *                 last_seq, next, created, max_age, max_count, max_bytes]
 *   proc item  = [name, topic, disabled, has_claim, lag, oldest_ms,
 *                 oldest_age_ms, reclaims, lost, last_acked_ms]
 *   source item = [name, topic, plugin, producer, has_report,
 *                  upstream_seq, stored_seq, lag, reported_ms,
 *                  report_age_ms]
 *
 * A node older than the "sources" part answers it PP_EPROTO ('part'
 * must be node, topics or procs): the library reads that as no sources.
 *
 * Items are arrays so that a page of 1,000 costs little; decoders accept
 * longer arrays (fields are only ever appended) and ignore unknown keys,
 * and read keys and trailing fields an older node lacks as 0
 * (wire_compat.c; DESIGN §5, "Compatibility of replies").
 */
#ifndef PP_WIRE_STATS_H
#define PP_WIRE_STATS_H

#include <stddef.h>

#include "wire.h"

enum ppi_stats_part {
	PPI_STATS_NODE = 0,
	PPI_STATS_TOPICS,
	PPI_STATS_PROCS,
	PPI_STATS_SOURCES
};

/* Items per page of a topics / procs part. */
#define PPI_STATS_TOPICS_PAGE 1000
#define PPI_STATS_PROCS_PAGE 500
#define PPI_STATS_SOURCES_PAGE 500

/*
 * The unsigned figures of pp_node_stats by name: the keys of the node
 * part and of pp_stats_json(), so the two can never disagree.
 */
typedef struct ppi_stats_field {
	const char *name;
	size_t      offset; /* of a uint64_t in pp_node_stats */
} ppi_stats_field;

extern const ppi_stats_field ppi_stats_node_fields[];
extern const size_t          ppi_stats_node_nfields;

/* The rates of pp_node_stats by name (doubles). */
extern const ppi_stats_field ppi_stats_rate_fields[];
extern const size_t          ppi_stats_rate_nfields;

/* ---- requests ------------------------------------------------------------ */

/* ppi_wire_stats - ask for one part; after (NULL: from the first) pages
 * topics and procs by name. */
void ppi_wire_stats(ppi_buf *b, enum ppi_stats_part part, const char *after);

struct msgpack_object;

/* ppi_wire_decode_stats - the fields of a stats request (wire_request.c);
 * PP_EPROTO with a reason in msg for an unknown part. */
int ppi_wire_decode_stats(const struct msgpack_object *root,
    ppi_request *req, char *msg, size_t msglen);

/* ---- replies: encoded by the node ---------------------------------------- */

void ppi_wire_reply_stats_node(ppi_buf *b, const pp_node_stats *st);
/* A topics or procs page: begin with its count, the items, then
 * ppi_wire_reply_list_end(). */
void ppi_wire_reply_stats_begin(ppi_buf *b, size_t count);
void ppi_wire_reply_stats_topic(ppi_buf *b, const pp_topic_stats *t);
void ppi_wire_reply_stats_proc(ppi_buf *b, const pp_proc_stats *p);
void ppi_wire_reply_stats_source(ppi_buf *b, const pp_source_info *src);

/* ---- replies: decoded by the library --------------------------------------- */

/* Each returns the status as the decoders of wire.h do. */
int ppi_wire_decode_stats_node(const void *frame, size_t len,
    pp_node_stats *st, char *msg, size_t msglen);
/* Topics and procs pages: ppi_wire_decode_list() (wire.h). */

#endif
