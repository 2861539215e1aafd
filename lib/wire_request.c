/*
 * wire_request.c - request frames: encoded by the library, decoded and
 * validated by the node (docs/DESIGN.md §5).
 *
 *   {"v":1, "op":"commit", "cid":u64, "rid":u64, "floor":u64,
 *    "calls":[call, ...]}                      (calls: wire_call.c)
 *   {"v":1, "op":"range", "topic":str, "start":str?, "end":str?,
 *    "sx":bool, "ex":bool, "limit":u64, "rev":bool, "stream":bool}
 *   {"v":1, "op":"length"|"stat", "topic":str}
 *   {"v":1, "op":"topics", "after":str?}
 *   {"v":1, "op":"hello"|"shutdown"}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_impl.h"
#include "wire_stats.h"

static const struct {
	const char *name;
	enum ppi_op op;
} op_names[] = {
	{ "hello", PPI_OP_HELLO },
	{ "commit", PPI_OP_COMMIT },
	{ "range", PPI_OP_RANGE },
	{ "length", PPI_OP_LENGTH },
	{ "stat", PPI_OP_STAT },
	{ "topics", PPI_OP_TOPICS },
	{ "shutdown", PPI_OP_SHUTDOWN },
	{ "proc", PPI_OP_PROC },
	{ "pinspect", PPI_OP_PINSPECT },
	{ "pdisable", PPI_OP_PDISABLE },
	{ "presume", PPI_OP_PRESUME },
	{ "pdestroy", PPI_OP_PDESTROY },
	{ "procs", PPI_OP_PROCS },
	{ "avail", PPI_OP_AVAIL },
	{ "waitprocs", PPI_OP_WAITPROCS },
	{ "backup", PPI_OP_BACKUP },
	{ "tdelete", PPI_OP_TDELETE },
	{ "tconfig", PPI_OP_TCONFIG },
	{ "sysproc", PPI_OP_SYSPROC },
	{ "sysdestroy", PPI_OP_SYSDESTROY },
	{ "sysclaim", PPI_OP_SYSCLAIM },
	{ "stats", PPI_OP_STATS },
	{ "producer", PPI_OP_PRODUCER },
	{ "srcreport", PPI_OP_SRCREPORT },
};

static const char *
op_name(enum ppi_op op)
{
	size_t i;

	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (op_names[i].op == op) {
			return op_names[i].name;
		}
	}
	return "?";
}

/* Every request starts with the version and the operation. */
static void
begin(msgpack_packer *pk, ppi_buf *b, enum ppi_op op, size_t nfields)
{
	ppi_wire_begin_request(pk, b, op_name(op), nfields);
}

void
ppi_wire_hello(ppi_buf *b)
{
	msgpack_packer pk;

	begin(&pk, b, PPI_OP_HELLO, 0);
}

void
ppi_wire_shutdown(ppi_buf *b)
{
	msgpack_packer pk;

	begin(&pk, b, PPI_OP_SHUTDOWN, 0);
}

void
ppi_wire_commit_begin(
    ppi_buf *b, uint64_t cid, uint64_t rid, uint64_t floor, size_t ncalls)
{
	msgpack_packer pk;

	begin(&pk, b, PPI_OP_COMMIT, 4);
	ppi_wire_pack_cstr(&pk, "cid");
	msgpack_pack_uint64(&pk, cid);
	ppi_wire_pack_cstr(&pk, "rid");
	msgpack_pack_uint64(&pk, rid);
	ppi_wire_pack_cstr(&pk, "floor");
	msgpack_pack_uint64(&pk, floor);
	ppi_wire_pack_cstr(&pk, "calls");
	msgpack_pack_array(&pk, ncalls);
}

void
ppi_wire_range(ppi_buf *b, const ppi_range_args *a)
{
	msgpack_packer pk;

	begin(&pk, b, PPI_OP_RANGE,
	    6 + (a->start != NULL ? 1 : 0) + (a->end != NULL ? 1 : 0));
	ppi_wire_pack_cstr(&pk, "topic");
	ppi_wire_pack_cstr(&pk, a->topic);
	if (a->start != NULL) {
		ppi_wire_pack_cstr(&pk, "start");
		ppi_wire_pack_cstr(&pk, a->start);
	}
	if (a->end != NULL) {
		ppi_wire_pack_cstr(&pk, "end");
		ppi_wire_pack_cstr(&pk, a->end);
	}
	ppi_wire_pack_cstr(&pk, "sx");
	a->is_start_excl ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	ppi_wire_pack_cstr(&pk, "ex");
	a->is_end_excl ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	ppi_wire_pack_cstr(&pk, "limit");
	msgpack_pack_uint64(&pk, a->limit);
	ppi_wire_pack_cstr(&pk, "rev");
	a->is_reverse ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
	ppi_wire_pack_cstr(&pk, "stream");
	a->is_stream ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
}

void
ppi_wire_topic_op(ppi_buf *b, enum ppi_op op, const char *topic)
{
	msgpack_packer pk;

	begin(&pk, b, op, 1);
	ppi_wire_pack_cstr(&pk, "topic");
	ppi_wire_pack_cstr(&pk, topic);
}

void
ppi_wire_backup(ppi_buf *b, const char *dir)
{
	msgpack_packer pk;

	begin(&pk, b, PPI_OP_BACKUP, 1);
	ppi_wire_pack_cstr(&pk, "dir");
	ppi_wire_pack_cstr(&pk, dir);
}

void
ppi_wire_topic_config(ppi_buf *b, const char *topic, uint64_t max_age_ms,
    uint64_t max_count, uint64_t max_bytes)
{
	msgpack_packer pk;

	begin(&pk, b, PPI_OP_TCONFIG, 4);
	ppi_wire_pack_cstr(&pk, "topic");
	ppi_wire_pack_cstr(&pk, topic);
	ppi_wire_pack_cstr(&pk, "max_age");
	msgpack_pack_uint64(&pk, max_age_ms);
	ppi_wire_pack_cstr(&pk, "max_count");
	msgpack_pack_uint64(&pk, max_count);
	ppi_wire_pack_cstr(&pk, "max_bytes");
	msgpack_pack_uint64(&pk, max_bytes);
}

void
ppi_wire_topic_delete(ppi_buf *b, const char *topic, bool is_force)
{
	msgpack_packer pk;

	begin(&pk, b, PPI_OP_TDELETE, 2);
	ppi_wire_pack_cstr(&pk, "topic");
	ppi_wire_pack_cstr(&pk, topic);
	ppi_wire_pack_cstr(&pk, "force");
	is_force ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
}

void
ppi_wire_topics(ppi_buf *b, const char *after)
{
	msgpack_packer pk;

	begin(&pk, b, PPI_OP_TOPICS, after != NULL ? 1 : 0);
	if (after != NULL) {
		ppi_wire_pack_cstr(&pk, "after");
		ppi_wire_pack_cstr(&pk, after);
	}
}

/* ---- decoding (node side) ---------------------------------------------- */

#define FAIL(code, ...)                                                        \
	do {                                                                   \
		snprintf(msg, msglen, __VA_ARGS__);                            \
		return (code);                                                 \
	} while (0)

/* An optional string field: absent is fine, another type is not. */
static bool
opt_str(const msgpack_object *root, const char *key, ppi_str *out)
{
	const msgpack_object *o = ppi_wire_get(root, key);

	out->ptr = NULL;
	out->len = 0;
	return o == NULL || ppi_wire_as_str(o, out);
}

static bool
opt_bool(const msgpack_object *root, const char *key, bool *out)
{
	const msgpack_object *o = ppi_wire_get(root, key);

	*out = false;
	return o == NULL || ppi_wire_as_bool(o, out);
}

/* The optional dedupe lane of proc requests (lane.h): all three or none. */
static bool
opt_lane(const msgpack_object *root, ppi_request *req)
{
	if (ppi_wire_get(root, "cid") == NULL) {
		return ppi_wire_get(root, "rid") == NULL &&
		    ppi_wire_get(root, "floor") == NULL;
	}
	return ppi_wire_as_u64(ppi_wire_get(root, "cid"), &req->cid) &&
	    ppi_wire_as_u64(ppi_wire_get(root, "rid"), &req->rid) &&
	    ppi_wire_as_u64(ppi_wire_get(root, "floor"), &req->floor);
}

/* proc: every option must be present and typed; values are the node's
 * to judge. */
static int
decode_proc(const msgpack_object *root, ppi_request *req, char *msg,
    size_t msglen)
{
	const msgpack_object *ack;

	if (!ppi_wire_as_str(ppi_wire_get(root, "topic"), &req->topic) ||
	    !ppi_wire_as_str(ppi_wire_get(root, "name"), &req->name) ||
	    !opt_str(root, "offset", &req->offset) ||
	    !ppi_wire_as_u64(ppi_wire_get(root, "count"), &req->count) ||
	    !ppi_wire_as_int(
	        ppi_wire_get(root, "max_reclaims"), &req->max_reclaims) ||
	    !ppi_wire_as_int(
	        ppi_wire_get(root, "reclaim_timeout"), &req->reclaim_timeout) ||
	    !ppi_wire_as_u64(ppi_wire_get(root, "on_max"), &req->on_max) ||
	    !ppi_wire_as_int(ppi_wire_get(root, "wait"), &req->wait_ms)) {
		FAIL(PP_EPROTO,
		    "proc: needs topic, name, count, max_reclaims, "
		    "reclaim_timeout, on_max and wait of the right types");
	}
	ack = ppi_wire_get(root, "ack");
	if (ack != NULL && !ppi_wire_as_u64(ack, &req->ack_token)) {
		FAIL(PP_EPROTO, "proc: 'ack' must be an unsigned token");
	}
	if (!opt_bool(root, "exist", &req->must_exist) ||
	    !opt_bool(root, "eph", &req->is_ephemeral)) {
		FAIL(PP_EPROTO, "proc: 'exist' and 'eph' must be booleans");
	}
	if (!opt_lane(root, req)) {
		FAIL(PP_EPROTO, "proc: 'cid', 'rid' and 'floor' must be "
		    "unsigned integers, all three or none");
	}
	req->given = PP_PROC_GIVEN_ALL; /* an older library gives all */
	if (ppi_wire_get(root, "given") != NULL &&
	    !ppi_wire_as_u64(ppi_wire_get(root, "given"), &req->given)) {
		FAIL(PP_EPROTO, "proc: 'given' must be an unsigned mask");
	}
	req->has_ack = ack != NULL;
	return 0;
}

/* avail and waitprocs: {"names": [str...], "wait": int}. */
static int
decode_names(msgpack_zone *zone, const msgpack_object *root,
    ppi_request *req, char *msg, size_t msglen)
{
	const msgpack_object *o = ppi_wire_get(root, "names");
	uint32_t              i;

	if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY ||
	    o->via.array.size > 64 ||
	    !ppi_wire_as_int(ppi_wire_get(root, "wait"), &req->wait_ms)) {
		FAIL(PP_EPROTO, "needs names (at most 64 strings) and wait");
	}
	req->nnames = o->via.array.size;
	req->names  = msgpack_zone_malloc(zone, sizeof(ppi_str) * (req->nnames + 1));
	if (req->names == NULL) {
		FAIL(PP_ENOMEM, "out of memory");
	}
	for (i = 0; i < o->via.array.size; i++) {
		if (!ppi_wire_as_str(&o->via.array.ptr[i], &req->names[i])) {
			FAIL(PP_EPROTO, "names must be strings");
		}
	}
	return 0;
}

static int
decode_fields(msgpack_zone *zone, const msgpack_object *root, ppi_request *req,
    char *msg, size_t msglen)
{
	const msgpack_object *o;

	switch (req->op) {
	case PPI_OP_COMMIT:
		if (!ppi_wire_as_u64(ppi_wire_get(root, "cid"), &req->cid) ||
		    !ppi_wire_as_u64(ppi_wire_get(root, "rid"), &req->rid) ||
		    !ppi_wire_as_u64(
		        ppi_wire_get(root, "floor"), &req->floor)) {
			FAIL(PP_EPROTO,
			    "commit: 'cid', 'rid' and 'floor' must be "
			    "unsigned integers");
		}
		return ppi_wire_decode_calls(zone, ppi_wire_get(root, "calls"), req,
		    msg, msglen);
	case PPI_OP_RANGE:
		o = ppi_wire_get(root, "limit");
		if (o != NULL && !ppi_wire_as_u64(o, &req->limit)) {
			FAIL(PP_EPROTO, "range: 'limit' must be unsigned");
		}
		if (!opt_str(root, "start", &req->start) ||
		    !opt_str(root, "end", &req->end)) {
			FAIL(PP_EPROTO, "range: bounds must be strings");
		}
		if (!opt_bool(root, "sx", &req->is_start_excl) ||
		    !opt_bool(root, "ex", &req->is_end_excl) ||
		    !opt_bool(root, "rev", &req->is_reverse) ||
		    !opt_bool(root, "stream", &req->is_stream)) {
			FAIL(PP_EPROTO, "range: flags must be booleans");
		}
		/* range needs a topic too */
		__attribute__((fallthrough));
	case PPI_OP_LENGTH:
	case PPI_OP_STAT:
		if (!ppi_wire_as_str(ppi_wire_get(root, "topic"), &req->topic)) {
			FAIL(PP_EPROTO, "'topic' must be a string");
		}
		return 0;
	case PPI_OP_TOPICS:
		if (!opt_str(root, "after", &req->after)) {
			FAIL(PP_EPROTO, "topics: 'after' must be a string");
		}
		return 0;
	case PPI_OP_PROC:
		return decode_proc(root, req, msg, msglen);
	case PPI_OP_PINSPECT:
	case PPI_OP_PDISABLE:
	case PPI_OP_PRESUME:
	case PPI_OP_PDESTROY:
		if (!ppi_wire_as_str(ppi_wire_get(root, "name"), &req->name)) {
			FAIL(PP_EPROTO, "'name' must be a string");
		}
		if (!opt_lane(root, req)) {
			FAIL(PP_EPROTO, "'cid', 'rid' and 'floor' must be "
			    "unsigned integers, all three or none");
		}
		return 0;
	case PPI_OP_AVAIL:
	case PPI_OP_WAITPROCS:
		return decode_names(zone, root, req, msg, msglen);
	case PPI_OP_BACKUP:
		if (!ppi_wire_as_str(ppi_wire_get(root, "dir"), &req->dir) ||
		    req->dir.len == 0 || req->dir.len > 4000) {
			FAIL(PP_EPROTO, "backup: 'dir' must be a path");
		}
		return 0;
	case PPI_OP_SYSPROC:
	case PPI_OP_SYSDESTROY:
	case PPI_OP_SYSCLAIM:
		return ppi_wire_decode_system(zone, root, req, msg, msglen);
	case PPI_OP_STATS:
		return ppi_wire_decode_stats(root, req, msg, msglen);
	case PPI_OP_TCONFIG:
		if (!ppi_wire_as_str(ppi_wire_get(root, "topic"), &req->topic) ||
		    !ppi_wire_as_u64(ppi_wire_get(root, "max_age"),
		        &req->max_age_ms) ||
		    !ppi_wire_as_u64(ppi_wire_get(root, "max_count"),
		        &req->max_count) ||
		    !ppi_wire_as_u64(ppi_wire_get(root, "max_bytes"),
		        &req->max_bytes)) {
			FAIL(PP_EPROTO,
			    "tconfig: needs topic, max_age, max_count, max_bytes");
		}
		return 0;
	case PPI_OP_TDELETE:
		if (!ppi_wire_as_str(ppi_wire_get(root, "topic"), &req->topic) ||
		    !opt_bool(root, "force", &req->is_force)) {
			FAIL(PP_EPROTO, "tdelete: needs topic and force");
		}
		return 0;
	case PPI_OP_PROCS:
		if (!opt_str(root, "after", &req->after)) {
			FAIL(PP_EPROTO, "procs: 'after' must be a string");
		}
		return 0;
	case PPI_OP_PRODUCER:
		return ppi_wire_decode_producer_request(root, req, msg, msglen);
	case PPI_OP_SRCREPORT:
		return ppi_wire_decode_srcreport_request(
		    root, req, msg, msglen);
	case PPI_OP_HELLO:
	case PPI_OP_SHUTDOWN:
		return 0;
	}
	FAIL(PP_EUNKNOWN_OP, "unknown operation");
}

int
ppi_wire_request_decode(const void *frame, size_t len, ppi_request *req,
    char *msg, size_t msglen)
{
	msgpack_unpacked *u;
	uint64_t          v;
	ppi_str           op;
	size_t            i;
	int               rv;

	memset(req, 0, sizeof(*req));
	if ((u = malloc(sizeof(*u))) == NULL) {
		FAIL(PP_ENOMEM, "out of memory");
	}
	if ((rv = ppi_wire_unpack(frame, len, u)) != 0) {
		free(u);
		FAIL(rv, "request is not one msgpack object, or a map in it "
		    "repeats a key");
	}
	req->unpacked_ = u;
	if (u->data.type != MSGPACK_OBJECT_MAP) {
		FAIL(PP_EPROTO, "request must be a msgpack map");
	}
	if (!ppi_wire_as_u64(ppi_wire_get(&u->data, "v"), &v)) {
		FAIL(PP_EPROTO, "request lacks the protocol version 'v'");
	}
	if (v != PPI_WIRE_VERSION) {
		FAIL(PP_EVERSION, "node speaks protocol %d, request has %llu",
		    PPI_WIRE_VERSION, (unsigned long long) v);
	}
	if (!ppi_wire_as_str(ppi_wire_get(&u->data, "op"), &op)) {
		FAIL(PP_EPROTO, "request lacks the operation 'op'");
	}
	for (i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++) {
		if (strlen(op_names[i].name) == op.len &&
		    memcmp(op_names[i].name, op.ptr, op.len) == 0) {
			req->op = op_names[i].op;
			return decode_fields(u->zone, &u->data, req, msg, msglen);
		}
	}
	FAIL(PP_EUNKNOWN_OP, "unknown operation '%.*s'",
	    (int) (op.len > 64 ? 64 : op.len), op.ptr);
}

void
ppi_wire_request_fini(ppi_request *req)
{
	if (req->unpacked_ != NULL) {
		msgpack_unpacked_destroy(req->unpacked_);
		free(req->unpacked_);
		req->unpacked_ = NULL;
	}
}
