/*
 * wire_stats.c - the frames of the "stats" op; wire_stats.h draws them.
 *
 * The node part is a flat map keyed by the names in ppi_stats_node_fields
 * and ppi_stats_rate_fields, plus two histograms, so adding a figure is
 * one table line on each side and an older client simply ignores it.
 * The topics and procs parts are list replies (wire_list.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_impl.h"
#include "wire_stats.h"

#define FIELD(f) { #f, offsetof(pp_node_stats, f) }

const ppi_stats_field ppi_stats_node_fields[] = {
	FIELD(now_ms),
	FIELD(started_ms),
	FIELD(write_requests),
	FIELD(commits),
	FIELD(logs),
	FIELD(bytes),
	FIELD(reclaims),
	FIELD(timer_reclaims),
	FIELD(dead_letters),
	FIELD(worker_restarts),
	FIELD(gc_runs),
	FIELD(gc_collected),
	FIELD(retention_dropped),
	FIELD(rate_window_ms),
	FIELD(store_file_bytes),
	FIELD(store_used_bytes),
	FIELD(map_bytes),
	FIELD(max_store_bytes),
	FIELD(waiting_requests),
};
const size_t ppi_stats_node_nfields =
    sizeof(ppi_stats_node_fields) / sizeof(ppi_stats_node_fields[0]);

const ppi_stats_field ppi_stats_rate_fields[] = {
	FIELD(commits_per_s),
	FIELD(logs_per_s),
	FIELD(bytes_per_s),
};
const size_t ppi_stats_rate_nfields =
    sizeof(ppi_stats_rate_fields) / sizeof(ppi_stats_rate_fields[0]);

static const char *const part_names[] = { "node", "topics", "procs",
	"sources" };

void
ppi_wire_stats(ppi_buf *b, enum ppi_stats_part part, const char *after)
{
	msgpack_packer pk;

	ppi_wire_begin_request(&pk, b, "stats", after != NULL ? 2 : 1);
	ppi_wire_pack_cstr(&pk, "part");
	ppi_wire_pack_cstr(&pk, part_names[part]);
	if (after != NULL) {
		ppi_wire_pack_cstr(&pk, "after");
		ppi_wire_pack_cstr(&pk, after);
	}
}

int
ppi_wire_decode_stats(const msgpack_object *root, ppi_request *req,
    char *msg, size_t msglen)
{
	const msgpack_object *after = ppi_wire_get(root, "after");
	ppi_str               part;
	size_t                i;

	if (after != NULL && !ppi_wire_as_str(after, &req->after)) {
		snprintf(msg, msglen, "stats: 'after' must be a string");
		return PP_EPROTO;
	}
	if (ppi_wire_as_str(ppi_wire_get(root, "part"), &part)) {
		for (i = 0; i < sizeof(part_names) / sizeof(part_names[0]);
		     i++) {
			if (strlen(part_names[i]) == part.len &&
			    memcmp(part_names[i], part.ptr, part.len) == 0) {
				req->part = i;
				return 0;
			}
		}
	}
	snprintf(msg, msglen,
	    "stats: 'part' must be node, topics, procs or sources");
	return PP_EPROTO;
}

/* ---- replies: node side ---------------------------------------------------- */

static void
pack_hist(msgpack_packer *pk, const pp_histogram *h)
{
	size_t i, n = h->nbuckets <= PP_HISTOGRAM_MAX ? h->nbuckets : 0;

	msgpack_pack_array(pk, 3);
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		msgpack_pack_uint64(pk, h->le[i]);
	}
	msgpack_pack_array(pk, n);
	for (i = 0; i < n; i++) {
		msgpack_pack_uint64(pk, h->counts[i]);
	}
	msgpack_pack_uint64(pk, h->sum);
}

void
ppi_wire_reply_stats_node(ppi_buf *b, const pp_node_stats *st)
{
	const char    *base = (const char *) st;
	msgpack_packer pk;
	uint64_t       u;
	double         d;
	size_t         i;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(
	    &pk, 4 + ppi_stats_node_nfields + ppi_stats_rate_nfields);
	ppi_wire_pack_status(&pk, 0);
	ppi_wire_pack_cstr(&pk, "node_id");
	ppi_wire_pack_cstr(&pk, st->node_id);
	for (i = 0; i < ppi_stats_node_nfields; i++) {
		memcpy(&u, base + ppi_stats_node_fields[i].offset, sizeof(u));
		ppi_wire_pack_cstr(&pk, ppi_stats_node_fields[i].name);
		msgpack_pack_uint64(&pk, u);
	}
	for (i = 0; i < ppi_stats_rate_nfields; i++) {
		memcpy(&d, base + ppi_stats_rate_fields[i].offset, sizeof(d));
		ppi_wire_pack_cstr(&pk, ppi_stats_rate_fields[i].name);
		msgpack_pack_double(&pk, d);
	}
	ppi_wire_pack_cstr(&pk, "group_sizes");
	pack_hist(&pk, &st->group_sizes);
	ppi_wire_pack_cstr(&pk, "write_latency_us");
	pack_hist(&pk, &st->write_latency_us);
}

/* ---- replies: library side ------------------------------------------------- */

/* A histogram of at most PP_HISTOGRAM_MAX buckets ending with +Inf. */
static bool
as_hist(const msgpack_object *o, pp_histogram *h)
{
	const msgpack_object *le, *counts;
	uint32_t              i, n;

	if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY ||
	    o->via.array.size < 3) {
		return false;
	}
	le     = &o->via.array.ptr[0];
	counts = &o->via.array.ptr[1];
	if (le->type != MSGPACK_OBJECT_ARRAY ||
	    counts->type != MSGPACK_OBJECT_ARRAY ||
	    (n = le->via.array.size) != counts->via.array.size || n == 0 ||
	    n > PP_HISTOGRAM_MAX ||
	    !ppi_wire_as_u64(&o->via.array.ptr[2], &h->sum)) {
		return false;
	}
	for (i = 0; i < n; i++) {
		if (!ppi_wire_as_u64(&le->via.array.ptr[i], &h->le[i]) ||
		    !ppi_wire_as_u64(&counts->via.array.ptr[i], &h->counts[i]) ||
		    (i > 0 && (h->le[i] <= h->le[i - 1] ||
		                  h->counts[i] < h->counts[i - 1]))) {
			return false;
		}
	}
	h->nbuckets = n;
	h->count    = h->counts[n - 1];
	return h->le[n - 1] == UINT64_MAX;
}

/* as_hist, where an absent histogram (an older node) stays empty. */
static bool
opt_hist(const msgpack_object *o, pp_histogram *h)
{
	return o == NULL || as_hist(o, h);
}

#define PROTO(u)                                                               \
	do {                                                                   \
		msgpack_unpacked_destroy(u);                                   \
		snprintf(msg, msglen, "malformed stats reply from the node");  \
		return PP_EPROTO;                                              \
	} while (0)

int
ppi_wire_decode_stats_node(const void *frame, size_t len, pp_node_stats *st,
    char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root;
	pp_node_stats         s;
	uint64_t              v;
	double                d;
	size_t                i;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	/* Every figure is optional: one an older node does not send reads
	 * as 0 (a histogram as empty), keys a newer node adds are ignored;
	 * a figure of the wrong type is a malformed reply (wire_compat.c). */
	memset(&s, 0, sizeof(s));
	for (i = 0; i < ppi_stats_node_nfields; i++) {
		v = 0;
		if (!ppi_wire_opt_u64(
		        ppi_wire_get(root, ppi_stats_node_fields[i].name), &v)) {
			PROTO(&u);
		}
		memcpy((char *) &s + ppi_stats_node_fields[i].offset, &v,
		    sizeof(v));
	}
	for (i = 0; i < ppi_stats_rate_nfields; i++) {
		d = 0;
		if (!ppi_wire_opt_double(
		        ppi_wire_get(root, ppi_stats_rate_fields[i].name), &d)) {
			PROTO(&u);
		}
		memcpy((char *) &s + ppi_stats_rate_fields[i].offset, &d,
		    sizeof(d));
	}
	if (!ppi_wire_opt_str(
	        ppi_wire_get(root, "node_id"), s.node_id, sizeof(s.node_id))) {
		PROTO(&u);
	}
	if (!opt_hist(ppi_wire_get(root, "group_sizes"), &s.group_sizes) ||
	    !opt_hist(ppi_wire_get(root, "write_latency_us"),
	        &s.write_latency_us)) {
		PROTO(&u);
	}
	msgpack_unpacked_destroy(&u);
	*st = s;
	return 0;
}
