/*
 * wire_call.c - the call inside a commit request, and its result
 * (docs/DESIGN.md §5): encoded by the library, decoded by the node, the
 * result encoded by the node and decoded by the library. A call is one
 * pp_commit(), pp_ack(), pp_ack_commit() or pp_reclaim(), atomic on its
 * own; a worker's settle (wire_system.c) is a call too.
 *
 *   commit call:  [[topic:str, body:bin], ...]
 *   with options: {"k":"commit", "logs":[[topic, body], ...],
 *                  "pk":bin?, "ps":u64?, "exp":[[topic:str, next:u64]...]?}
 *   proc call:    {"k":"ack"|"ack_commit"|"reclaim", "name", "token",
 *                  "error"?, "logs"?: [[topic, body], ...]}
 *   reply:        {"st":0, "res":[result, ...]}, one result per call:
 *                  [0, ms, [seq...]] | [0, ms, [seq...], acked_ms,
 *                  acked_seq] (proc calls) | [code, msg]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_impl.h"

static const char *const call_kinds[] = { "commit", "ack", "ack_commit",
	"reclaim" };

/* ---- calls: encoded by the library --------------------------------------- */

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

bool
ppi_wire_producer_key_valid(const char *key, size_t len)
{
	size_t i;

	if (key == NULL || len == 0 || len > PP_PRODUCER_MAX) {
		return false;
	}
	for (i = 0; i < len; i++) {
		if (key[i] < 0x21 || key[i] > 0x7e) {
			return false;
		}
	}
	return true;
}

void
ppi_wire_commit_call_opts(ppi_buf *b, const pp_record *recs, size_t count,
    const pp_commit_opts *opts)
{
	msgpack_packer pk;
	size_t         i, n;

	if (opts == NULL || (opts->producer == NULL && opts->nexpects == 0)) {
		ppi_wire_commit_call(b, recs, count);
		return;
	}
	/* A map, so that an old node refuses it (PP_EPROTO) rather than
	 * apply it without its conditions. */
	n = 2 + (opts->producer != NULL ? 2 : 0) + (opts->nexpects > 0 ? 1 : 0);
	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, n);
	ppi_wire_pack_cstr(&pk, "k");
	ppi_wire_pack_cstr(&pk, call_kinds[PPI_CALL_COMMIT]);
	ppi_wire_pack_cstr(&pk, "logs");
	ppi_wire_commit_call(b, recs, count);
	if (opts->producer != NULL) {
		ppi_wire_pack_cstr(&pk, "pk");
		msgpack_pack_bin(&pk, strlen(opts->producer));
		msgpack_pack_bin_body(
		    &pk, opts->producer, strlen(opts->producer));
		ppi_wire_pack_cstr(&pk, "ps");
		msgpack_pack_uint64(&pk, opts->producer_seq);
	}
	if (opts->nexpects > 0) {
		ppi_wire_pack_cstr(&pk, "exp");
		msgpack_pack_array(&pk, opts->nexpects);
		for (i = 0; i < opts->nexpects; i++) {
			msgpack_pack_array(&pk, 2);
			ppi_wire_pack_cstr(&pk, opts->expects[i].topic);
			msgpack_pack_uint64(&pk, opts->expects[i].next_seq);
		}
	}
}

void
ppi_wire_proc_call(ppi_buf *b, enum ppi_call_kind kind, const char *name,
    uint64_t token, const char *error, const pp_record *recs, size_t count)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 3 + (error != NULL ? 1 : 0) +
	        (kind == PPI_CALL_ACK_COMMIT ? 1 : 0));
	ppi_wire_pack_cstr(&pk, "k");
	ppi_wire_pack_cstr(&pk, call_kinds[kind]);
	ppi_wire_pack_cstr(&pk, "name");
	ppi_wire_pack_cstr(&pk, name);
	ppi_wire_pack_cstr(&pk, "token");
	msgpack_pack_uint64(&pk, token);
	if (error != NULL) {
		ppi_wire_pack_cstr(&pk, "error");
		ppi_wire_pack_cstr(&pk, error);
	}
	if (kind == PPI_CALL_ACK_COMMIT) {
		ppi_wire_pack_cstr(&pk, "logs");
		ppi_wire_commit_call(b, recs, count);
	}
}

/* ---- calls: decoded by the node ------------------------------------------ */

#define FAIL(code, ...)                                                        \
	do {                                                                   \
		snprintf(msg, msglen, __VA_ARGS__);                            \
		return (code);                                                 \
	} while (0)

/* "ack" etc. to its kind; PP_EPROTO if unknown. */
static int
call_kind(const ppi_str *s, enum ppi_call_kind *kind)
{
	size_t i;

	for (i = 0; i < sizeof(call_kinds) / sizeof(call_kinds[0]); i++) {
		if (strlen(call_kinds[i]) == s->len &&
		    memcmp(call_kinds[i], s->ptr, s->len) == 0) {
			*kind = (enum ppi_call_kind) i;
			return 0;
		}
	}
	return PP_EPROTO;
}

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
	c->logs  = msgpack_zone_malloc(
	     zone, sizeof(ppi_wire_log) * (c->count + 1));
	if (c->logs == NULL) {
		FAIL(PP_ENOMEM, "commit: out of memory");
	}
	for (j = 0; j < call->via.array.size; j++) {
		const msgpack_object *log = &call->via.array.ptr[j];
		const msgpack_object *body;

		if (log->type != MSGPACK_OBJECT_ARRAY ||
		    log->via.array.size != 2 ||
		    !ppi_wire_as_str(
		        &log->via.array.ptr[0], &c->logs[j].topic)) {
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

/*
 * A commit call with options: {"k":"commit", "logs", "pk"?, "ps"?,
 * "exp"?}. Only the shapes are checked here; the node checks the key's
 * and the topics' rules and answers the call alone.
 */
static int
decode_commit_opts(msgpack_zone *zone, const msgpack_object *o,
    ppi_wire_call *c, uint32_t i, char *msg, size_t msglen)
{
	const msgpack_object *pk, *ps, *exp;
	uint32_t              j;
	int                   rv;

	if ((rv = decode_logs(zone, ppi_wire_get(o, "logs"), c, i, msg,
	         msglen)) != 0) {
		return rv;
	}
	pk = ppi_wire_get(o, "pk");
	ps = ppi_wire_get(o, "ps");
	if ((pk == NULL) != (ps == NULL) ||
	    (pk != NULL &&
	        (pk->type != MSGPACK_OBJECT_BIN ||
	            !ppi_wire_as_u64(ps, &c->producer_seq)))) {
		FAIL(PP_EPROTO,
		    "commit: call %u needs both pk (bin) and ps (uint)", i);
	}
	if (pk != NULL) {
		c->producer.ptr = pk->via.bin.ptr;
		c->producer.len = pk->via.bin.size;
		if (c->producer.ptr == NULL) {
			c->producer.ptr = ""; /* present, if empty */
		}
	}
	if ((exp = ppi_wire_get(o, "exp")) == NULL) {
		return 0;
	}
	if (exp->type != MSGPACK_OBJECT_ARRAY ||
	    exp->via.array.size > PPI_EXPECTS_MAX) {
		FAIL(PP_EPROTO, "commit: exp of call %u must be an array of "
		                "at most %d", i, PPI_EXPECTS_MAX);
	}
	c->nexpects = exp->via.array.size;
	c->expects  = msgpack_zone_malloc(
            zone, sizeof(ppi_wire_expect) * (c->nexpects + 1));
	if (c->expects == NULL) {
		FAIL(PP_ENOMEM, "commit: out of memory");
	}
	for (j = 0; j < exp->via.array.size; j++) {
		const msgpack_object *e = &exp->via.array.ptr[j];

		if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 2 ||
		    !ppi_wire_as_str(&e->via.array.ptr[0],
		        &c->expects[j].topic) ||
		    !ppi_wire_as_u64(&e->via.array.ptr[1],
		        &c->expects[j].next_seq)) {
			FAIL(PP_EPROTO,
			    "commit: exp %u of call %u must be "
			    "[topic:str, next:uint]",
			    j, i);
		}
	}
	return 0;
}

/* A proc call: {"k", "name", "token", "error"?, "logs"?}, or a commit
 * call with options. */
int
ppi_wire_decode_proc_call(msgpack_zone *zone, const msgpack_object *o,
    ppi_wire_call *c, uint32_t i, char *msg, size_t msglen)
{
	ppi_str               kind;
	const msgpack_object *err;

	if (ppi_wire_as_str(ppi_wire_get(o, "k"), &kind) &&
	    call_kind(&kind, &c->kind) == 0 && c->kind == PPI_CALL_COMMIT) {
		return decode_commit_opts(zone, o, c, i, msg, msglen);
	}
	if (!ppi_wire_as_str(ppi_wire_get(o, "k"), &kind) ||
	    call_kind(&kind, &c->kind) != 0 ||
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

int
ppi_wire_decode_calls(msgpack_zone *zone, const msgpack_object *o,
    ppi_request *req, char *msg, size_t msglen)
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
		    ? ppi_wire_decode_proc_call(
		          zone, call, &req->calls[i], i, msg, msglen)
		    : decode_logs(zone, call, &req->calls[i], i, msg, msglen);
		if (rv != 0) {
			return rv;
		}
	}
	return 0;
}

/* ---- results: encoded by the node ---------------------------------------- */

void
ppi_wire_reply_commit_begin(ppi_buf *b, size_t ncalls)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 2);
	ppi_wire_pack_status(&pk, 0);
	ppi_wire_pack_cstr(&pk, "res");
	msgpack_pack_array(&pk, ncalls);
}

void
ppi_wire_reply_commit_ok(
    ppi_buf *b, uint64_t ms, const uint64_t *seqs, size_t count)
{
	msgpack_packer pk;
	size_t         i;

	ppi_wire_packer(&pk, b);
	msgpack_pack_array(&pk, 3);
	msgpack_pack_int(&pk, 0);
	msgpack_pack_uint64(&pk, ms);
	msgpack_pack_array(&pk, count);
	for (i = 0; i < count; i++) {
		msgpack_pack_uint64(&pk, seqs[i]);
	}
}

void
ppi_wire_reply_commit_err(ppi_buf *b, int status, const char *msg)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_array(&pk, 2);
	msgpack_pack_int(&pk, status);
	ppi_wire_pack_cstr(&pk, msg != NULL ? msg : "");
}

void
ppi_wire_reply_call(ppi_buf *b, uint64_t ms, const uint64_t *seqs,
    size_t count, bool has_acked, pp_id acked)
{
	msgpack_packer pk;
	size_t         i;

	ppi_wire_packer(&pk, b);
	msgpack_pack_array(&pk, has_acked ? 5 : 3);
	msgpack_pack_int(&pk, 0);
	msgpack_pack_uint64(&pk, ms);
	msgpack_pack_array(&pk, count);
	for (i = 0; i < count; i++) {
		msgpack_pack_uint64(&pk, seqs[i]);
	}
	if (has_acked) {
		msgpack_pack_uint64(&pk, acked.ms);
		msgpack_pack_uint64(&pk, acked.seq);
	}
}

/* ---- results: decoded by the library ------------------------------------- */

#define PROTO(u)                                                               \
	do {                                                                   \
		msgpack_unpacked_destroy(u);                                   \
		snprintf(msg, msglen, "malformed reply from the node");        \
		return PP_EPROTO;                                              \
	} while (0)

/* Decodes one call's entry of a commit reply into ids (count of them). */
static int
decode_call(const msgpack_object *o, size_t count, pp_id *ids, pp_id *acked,
    int *status, char *msg, size_t msglen)
{
	int64_t  st;
	uint64_t ms, seq;
	ppi_str  detail;
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 2 ||
	    !ppi_wire_as_int(&o->via.array.ptr[0], &st) || st > 0) {
		return PP_EPROTO;
	}
	if (st != 0) {
		*status = (int) st;
		if (ppi_wire_as_str(&o->via.array.ptr[1], &detail)) {
			snprintf(msg, msglen, "%.*s", (int) detail.len,
			    detail.ptr);
		}
		return 0;
	}
	if ((o->via.array.size != 3 && o->via.array.size != 5) ||
	    !ppi_wire_as_u64(&o->via.array.ptr[1], &ms) ||
	    o->via.array.ptr[2].type != MSGPACK_OBJECT_ARRAY ||
	    o->via.array.ptr[2].via.array.size != count) {
		return PP_EPROTO;
	}
	for (i = 0; i < count; i++) {
		if (!ppi_wire_as_u64(&o->via.array.ptr[2].via.array.ptr[i],
		        &seq)) {
			return PP_EPROTO;
		}
		ids[i].ms  = ms;
		ids[i].seq = seq;
	}
	if (o->via.array.size == 5 && acked != NULL &&
	    (!ppi_wire_as_u64(&o->via.array.ptr[3], &acked->ms) ||
	        !ppi_wire_as_u64(&o->via.array.ptr[4], &acked->seq))) {
		return PP_EPROTO;
	}
	*status = 0;
	return 0;
}

int
ppi_wire_decode_commit(const void *frame, size_t len, size_t ncalls,
    const size_t *counts, pp_id *const *ids, pp_id *const *acked,
    int *status, char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root, *res;
	size_t                i;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	res = ppi_wire_get(root, "res");
	if (res == NULL || res->type != MSGPACK_OBJECT_ARRAY ||
	    res->via.array.size != ncalls) {
		PROTO(&u);
	}
	for (i = 0; i < ncalls; i++) {
		if (decode_call(&res->via.array.ptr[i], counts[i], ids[i],
		        acked != NULL ? acked[i] : NULL, &status[i], msg,
		        msglen) != 0) {
			PROTO(&u);
		}
	}
	msgpack_unpacked_destroy(&u);
	return 0;
}
