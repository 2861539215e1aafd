/*
 * wire_request.c - request frames: encoded by the library, decoded and
 * validated by the node (docs/DESIGN.md §5).
 *
 *   {"v":1, "op":"commit", "cid":u64, "rid":u64, "floor":u64,
 *    "calls":[ [[topic, body], ...], ... ]}
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
ppi_wire_commit_call(ppi_buf *b, const pp_record *recs, size_t count)
{
	msgpack_packer pk;
	size_t         i;

	ppi_wire_packer(&pk, b);
	msgpack_pack_array(&pk, count);
	for (i = 0; i < count; i++) {
		msgpack_pack_array(&pk, 2);
		ppi_wire_pack_cstr(&pk, recs[i].topic);
		msgpack_pack_bin(&pk, recs[i].len);
		msgpack_pack_bin_body(&pk, recs[i].body, recs[i].len);
	}
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

/* Decodes an array of [topic:str, body:bin] into c->logs. */
static int
decode_logs(msgpack_zone *zone, const msgpack_object *call, ppi_wire_call *c,
    uint32_t i, char *msg, size_t msglen)
{
	uint32_t j;

	if (call == NULL || call->type != MSGPACK_OBJECT_ARRAY) {
		FAIL(PP_EPROTO, "commit: logs of call %u are not an array", i);
	}
	c->count = call->via.array.size;
	c->logs  = msgpack_zone_malloc(zone, sizeof(ppi_wire_log) * (c->count + 1));
	if (c->logs == NULL) {
		FAIL(PP_ENOMEM, "commit: out of memory");
	}
	for (j = 0; j < call->via.array.size; j++) {
		const msgpack_object *log = &call->via.array.ptr[j];
		const msgpack_object *body;

		if (log->type != MSGPACK_OBJECT_ARRAY ||
		    log->via.array.size != 2 ||
		    !ppi_wire_as_str(&log->via.array.ptr[0], &c->logs[j].topic)) {
			FAIL(PP_EPROTO,
			    "commit: log %u of call %u must be "
			    "[topic:str, body:bin]",
			    j, i);
		}
		body = &log->via.array.ptr[1];
		if (body->type != MSGPACK_OBJECT_BIN) {
			FAIL(PP_EPROTO,
			    "commit: body of log %u of call %u must be bin", j,
			    i);
		}
		c->logs[j].body = body->via.bin.ptr;
		c->logs[j].len  = body->via.bin.size;
	}
	return 0;
}

/* A proc call: {"k", "name", "token", "error"?, "logs"?}. */
int
ppi_wire_decode_proc_call(msgpack_zone *zone, const msgpack_object *o,
    ppi_wire_call *c, uint32_t i, char *msg, size_t msglen)
{
	ppi_str               kind;
	const msgpack_object *err;

	if (!ppi_wire_as_str(ppi_wire_get(o, "k"), &kind) ||
	    ppi_wire_call_kind(&kind, &c->kind) != 0 ||
	    c->kind == PPI_CALL_COMMIT ||
	    !ppi_wire_as_str(ppi_wire_get(o, "name"), &c->name) ||
	    !ppi_wire_as_u64(ppi_wire_get(o, "token"), &c->token)) {
		FAIL(PP_EPROTO,
		    "call %u: needs k (ack|ack_commit|reclaim), name and token",
		    i);
	}
	err = ppi_wire_get(o, "error");
	if (err != NULL && !ppi_wire_as_str(err, &c->error)) {
		FAIL(PP_EPROTO, "call %u: error must be a string", i);
	}
	if (c->kind == PPI_CALL_ACK_COMMIT) {
		return decode_logs(zone, ppi_wire_get(o, "logs"), c, i, msg,
		    msglen);
	}
	return 0;
}

static int
decode_calls(msgpack_zone *zone, const msgpack_object *o, ppi_request *req,
    char *msg, size_t msglen)
{
	uint32_t i;
	int      rv;

	if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY) {
		FAIL(PP_EPROTO, "commit: 'calls' must be an array");
	}
	req->ncalls = o->via.array.size;
	req->calls  = msgpack_zone_malloc(
            zone, sizeof(ppi_wire_call) * (req->ncalls + 1));
	if (req->calls == NULL) {
		FAIL(PP_ENOMEM, "commit: out of memory");
	}
	memset(req->calls, 0, sizeof(ppi_wire_call) * (req->ncalls + 1));
	for (i = 0; i < o->via.array.size; i++) {
		const msgpack_object *call = &o->via.array.ptr[i];

		/* A commit call is an array of logs; other calls are maps. */
		rv = call->type == MSGPACK_OBJECT_MAP
		    ? ppi_wire_decode_proc_call(zone, call, &req->calls[i], i, msg, msglen)
		    : decode_logs(zone, call, &req->calls[i], i, msg, msglen);
		if (rv != 0) {
			return rv;
		}
	}
	return 0;
}

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
	if (!opt_bool(root, "exist", &req->must_exist)) {
		FAIL(PP_EPROTO, "proc: 'exist' must be a boolean");
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
		return decode_calls(zone, ppi_wire_get(root, "calls"), req,
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
		FAIL(rv, "request is not one msgpack object");
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
