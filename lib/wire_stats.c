/*
 * wire_stats.c - the frames of the "stats" op; wire_stats.h draws them.
 *
 * The node part is a flat map keyed by the names in ppi_stats_node_fields
 * and ppi_stats_rate_fields, plus two histograms, so adding a figure is
 * one table line on each side and an older client simply ignores it.
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

#define TOPIC_FIELDS 12
#define PROC_FIELDS 10

static const char *const part_names[] = { "node", "topics", "procs" };

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
	snprintf(msg, msglen, "stats: 'part' must be node, topics or procs");
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
	    &pk, 3 + ppi_stats_node_nfields + ppi_stats_rate_nfields);
	ppi_wire_pack_status(&pk, 0);
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

void
ppi_wire_reply_stats_begin(ppi_buf *b, size_t count)
{
	ppi_wire_reply_list_begin(b, "items", count);
}

void
ppi_wire_reply_stats_topic(ppi_buf *b, const pp_topic_stats *t)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_array(&pk, TOPIC_FIELDS);
	ppi_wire_pack_cstr(&pk, t->name);
	msgpack_pack_uint64(&pk, t->count);
	msgpack_pack_uint64(&pk, t->bytes);
	msgpack_pack_uint64(&pk, t->first.ms);
	msgpack_pack_uint64(&pk, t->first.seq);
	msgpack_pack_uint64(&pk, t->last.ms);
	msgpack_pack_uint64(&pk, t->last.seq);
	msgpack_pack_uint64(&pk, t->next_seq);
	msgpack_pack_uint64(&pk, t->created_ms);
	msgpack_pack_uint64(&pk, t->max_age_ms);
	msgpack_pack_uint64(&pk, t->max_count);
	msgpack_pack_uint64(&pk, t->max_bytes);
}

void
ppi_wire_reply_stats_proc(ppi_buf *b, const pp_proc_stats *p)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_array(&pk, PROC_FIELDS);
	ppi_wire_pack_cstr(&pk, p->name);
	ppi_wire_pack_cstr(&pk, p->topic);
	p->is_disabled ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	p->has_claim ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	msgpack_pack_uint64(&pk, p->lag);
	msgpack_pack_uint64(&pk, p->oldest_unacked_ms);
	msgpack_pack_uint64(&pk, p->oldest_unacked_age_ms);
	msgpack_pack_uint64(&pk, p->reclaims);
	msgpack_pack_uint64(&pk, p->lost);
	msgpack_pack_uint64(&pk, p->last_acked_ms);
}

/* ---- replies: library side ------------------------------------------------- */

static bool
as_double(const msgpack_object *o, double *v)
{
	if (o != NULL &&
	    (o->type == MSGPACK_OBJECT_FLOAT64 ||
	        o->type == MSGPACK_OBJECT_FLOAT32)) {
		*v = o->via.f64;
		return true;
	}
	return false;
}

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
	memset(&s, 0, sizeof(s));
	for (i = 0; i < ppi_stats_node_nfields; i++) {
		if (!ppi_wire_as_u64(
		        ppi_wire_get(root, ppi_stats_node_fields[i].name), &v)) {
			PROTO(&u);
		}
		memcpy((char *) &s + ppi_stats_node_fields[i].offset, &v,
		    sizeof(v));
	}
	for (i = 0; i < ppi_stats_rate_nfields; i++) {
		if (!as_double(
		        ppi_wire_get(root, ppi_stats_rate_fields[i].name), &d)) {
			PROTO(&u);
		}
		memcpy((char *) &s + ppi_stats_rate_fields[i].offset, &d,
		    sizeof(d));
	}
	if (!as_hist(ppi_wire_get(root, "group_sizes"), &s.group_sizes) ||
	    !as_hist(ppi_wire_get(root, "write_latency_us"),
	        &s.write_latency_us)) {
		PROTO(&u);
	}
	msgpack_unpacked_destroy(&u);
	*st = s;
	return 0;
}

/* Copies a name of at most PP_TOPIC_MAX bytes into out (NUL-terminated). */
static bool
as_name(const msgpack_object *o, char *out)
{
	ppi_str s;

	if (!ppi_wire_as_str(o, &s) || s.len > PP_TOPIC_MAX) {
		return false;
	}
	memcpy(out, s.ptr, s.len);
	out[s.len] = '\0';
	return true;
}

int
ppi_wire_decode_stats_topics(const void *frame, size_t len,
    int (*item)(void *arg, const pp_topic_stats *t), void *arg,
    bool *has_more, char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root, *arr, *f;
	pp_topic_stats        t;
	char                  name[PP_TOPIC_MAX + 1];
	uint32_t              i;
	bool                  more;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	if ((arr = ppi_wire_list_items(root, "items", TOPIC_FIELDS, &more)) == NULL) {
		PROTO(&u);
	}
	for (i = 0; i < arr->via.array.size; i++) {
		f = arr->via.array.ptr[i].via.array.ptr;
		memset(&t, 0, sizeof(t));
		if (!as_name(&f[0], name) || !ppi_wire_as_u64(&f[1], &t.count) ||
		    !ppi_wire_as_u64(&f[2], &t.bytes) ||
		    !ppi_wire_as_u64(&f[3], &t.first.ms) ||
		    !ppi_wire_as_u64(&f[4], &t.first.seq) ||
		    !ppi_wire_as_u64(&f[5], &t.last.ms) ||
		    !ppi_wire_as_u64(&f[6], &t.last.seq) ||
		    !ppi_wire_as_u64(&f[7], &t.next_seq) ||
		    !ppi_wire_as_u64(&f[8], &t.created_ms) ||
		    !ppi_wire_as_u64(&f[9], &t.max_age_ms) ||
		    !ppi_wire_as_u64(&f[10], &t.max_count) ||
		    !ppi_wire_as_u64(&f[11], &t.max_bytes)) {
			PROTO(&u);
		}
		t.name = name;
		if ((rv = item(arg, &t)) != 0) {
			msgpack_unpacked_destroy(&u);
			return rv;
		}
	}
	msgpack_unpacked_destroy(&u);
	*has_more = more;
	return 0;
}

int
ppi_wire_decode_stats_procs(const void *frame, size_t len,
    int (*item)(void *arg, const pp_proc_stats *p), void *arg,
    bool *has_more, char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root, *arr, *f;
	pp_proc_stats         p;
	char                  name[PP_TOPIC_MAX + 1], topic[PP_TOPIC_MAX + 1];
	uint64_t              reclaims;
	uint32_t              i;
	bool                  more;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	if ((arr = ppi_wire_list_items(root, "items", PROC_FIELDS, &more)) == NULL) {
		PROTO(&u);
	}
	for (i = 0; i < arr->via.array.size; i++) {
		f = arr->via.array.ptr[i].via.array.ptr;
		memset(&p, 0, sizeof(p));
		if (!as_name(&f[0], name) || !as_name(&f[1], topic) ||
		    !ppi_wire_as_bool(&f[2], &p.is_disabled) ||
		    !ppi_wire_as_bool(&f[3], &p.has_claim) ||
		    !ppi_wire_as_u64(&f[4], &p.lag) ||
		    !ppi_wire_as_u64(&f[5], &p.oldest_unacked_ms) ||
		    !ppi_wire_as_u64(&f[6], &p.oldest_unacked_age_ms) ||
		    !ppi_wire_as_u64(&f[7], &reclaims) || reclaims > UINT32_MAX ||
		    !ppi_wire_as_u64(&f[8], &p.lost) ||
		    !ppi_wire_as_u64(&f[9], &p.last_acked_ms)) {
			PROTO(&u);
		}
		p.name     = name;
		p.topic    = topic;
		p.reclaims = (uint32_t) reclaims;
		if ((rv = item(arg, &p)) != 0) {
			msgpack_unpacked_destroy(&u);
			return rv;
		}
	}
	msgpack_unpacked_destroy(&u);
	*has_more = more;
	return 0;
}
