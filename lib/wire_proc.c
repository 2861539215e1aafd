/*
 * wire_proc.c - the frames of procs (docs/DESIGN.md §5):
 *
 *   {"v":1, "op":"proc", "topic", "name", "offset"?, "count",
 *    "max_reclaims", "reclaim_timeout", "on_max", "wait", "ack"?,
 *    "exist"? (true: never create), "given"? (PP_PROC_GIVEN_* bits of
 *    the options to compare with a stored proc; absent: all)}
 *       -> {"st":0, "n", "batch" (record batch), "token"}
 *   {"v":1, "op":"pinspect"|"pdisable"|"presume"|"pdestroy", "name"}
 *   {"v":1, "op":"avail", "names":[str...], "wait"}
 *       -> as proc, "index" telling which name was claimed
 *   {"v":1, "op":"waitprocs", "names":[str...] (empty: all), "wait"}
 *       -> {"st":0} | PP_ETIMEDOUT
 *   {"v":1, "op":"procs", "after"?}
 *       -> {"st":0, "procs":[info...], "more"}
 *
 * Acks, ack-commits and reclaims are calls inside a commit request
 * (wire_call.c). A proc's state travels as one array, the item of a
 * procs list (wire_list.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_impl.h"

/* The three entries of a dedupe lane, when there is one. */
static void
pack_lane(msgpack_packer *pk, const ppi_wire_lane *lane)
{
	if (lane == NULL) {
		return;
	}
	ppi_wire_pack_cstr(pk, "cid");
	msgpack_pack_uint64(pk, lane->cid);
	ppi_wire_pack_cstr(pk, "rid");
	msgpack_pack_uint64(pk, lane->rid);
	ppi_wire_pack_cstr(pk, "floor");
	msgpack_pack_uint64(pk, lane->floor);
}

void
ppi_wire_proc(ppi_buf *b, const char *topic, const char *name,
    const pp_proc_opts *o, int64_t wait_ms, bool has_ack, uint64_t ack_token,
    bool must_exist, const ppi_wire_lane *lane, bool is_ephemeral)
{
	msgpack_packer pk;

	ppi_wire_begin_request(&pk, b, "proc",
	    8 + (o->offset != NULL ? 1 : 0) + (has_ack ? 1 : 0) +
	        (must_exist ? 1 : 0) + (lane != NULL ? 3 : 0) +
	        (is_ephemeral ? 1 : 0));
	pack_lane(&pk, lane);
	if (is_ephemeral) {
		ppi_wire_pack_cstr(&pk, "eph");
		msgpack_pack_true(&pk);
	}
	if (must_exist) {
		ppi_wire_pack_cstr(&pk, "exist");
		msgpack_pack_true(&pk);
	}
	if (has_ack) {
		ppi_wire_pack_cstr(&pk, "ack");
		msgpack_pack_uint64(&pk, ack_token);
	}
	ppi_wire_pack_cstr(&pk, "topic");
	ppi_wire_pack_cstr(&pk, topic);
	ppi_wire_pack_cstr(&pk, "name");
	ppi_wire_pack_cstr(&pk, name);
	if (o->offset != NULL) {
		ppi_wire_pack_cstr(&pk, "offset");
		ppi_wire_pack_cstr(&pk, o->offset);
	}
	ppi_wire_pack_cstr(&pk, "count");
	msgpack_pack_uint32(&pk, o->count);
	ppi_wire_pack_cstr(&pk, "max_reclaims");
	msgpack_pack_int64(&pk, o->max_reclaims);
	ppi_wire_pack_cstr(&pk, "reclaim_timeout");
	msgpack_pack_int64(&pk, o->reclaim_timeout_ms);
	ppi_wire_pack_cstr(&pk, "on_max");
	msgpack_pack_uint32(&pk, (uint32_t) o->on_max_reclaims);
	ppi_wire_pack_cstr(&pk, "wait");
	msgpack_pack_int64(&pk, wait_ms);
	ppi_wire_pack_cstr(&pk, "given");
	msgpack_pack_uint32(&pk, o->given);
}

void
ppi_wire_proc_admin(ppi_buf *b, enum ppi_op op, const char *name,
    const ppi_wire_lane *lane)
{
	msgpack_packer pk;
	const char    *ops[] = { "pinspect", "pdisable", "presume",
                   "pdestroy" };

	ppi_wire_begin_request(&pk, b, ops[op - PPI_OP_PINSPECT],
	    1 + (lane != NULL ? 3 : 0));
	pack_lane(&pk, lane);
	ppi_wire_pack_cstr(&pk, "name");
	ppi_wire_pack_cstr(&pk, name);
}

void
ppi_wire_procs(ppi_buf *b, const char *after)
{
	msgpack_packer pk;

	ppi_wire_begin_request(&pk, b, "procs", after != NULL ? 1 : 0);
	if (after != NULL) {
		ppi_wire_pack_cstr(&pk, "after");
		ppi_wire_pack_cstr(&pk, after);
	}
}

void
ppi_wire_names_op(ppi_buf *b, enum ppi_op op, const char *const *names,
    size_t count, int64_t wait_ms)
{
	msgpack_packer pk;
	size_t         i;

	ppi_wire_begin_request(
	    &pk, b, op == PPI_OP_AVAIL ? "avail" : "waitprocs", 2);
	ppi_wire_pack_cstr(&pk, "names");
	msgpack_pack_array(&pk, count);
	for (i = 0; i < count; i++) {
		ppi_wire_pack_cstr(&pk, names[i]);
	}
	ppi_wire_pack_cstr(&pk, "wait");
	msgpack_pack_int64(&pk, wait_ms);
}

/* ---- replies ------------------------------------------------------------ */

void
ppi_wire_reply_claim(ppi_buf *b, const ppi_wire_entry *entries, size_t count,
    uint64_t token, uint64_t index)
{
	ppi_wire_pack_page(b, entries, count, false, &token, index);
}

void
ppi_wire_deadletter(ppi_buf *b, const char *proc, const char *topic,
    pp_id id, uint32_t attempts, const char *error, const void *body,
    size_t len)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 6);
	ppi_wire_pack_cstr(&pk, "proc");
	ppi_wire_pack_cstr(&pk, proc);
	ppi_wire_pack_cstr(&pk, "topic");
	ppi_wire_pack_cstr(&pk, topic);
	ppi_wire_pack_cstr(&pk, "id");
	msgpack_pack_array(&pk, 2);
	msgpack_pack_uint64(&pk, id.ms);
	msgpack_pack_uint64(&pk, id.seq);
	ppi_wire_pack_cstr(&pk, "attempts");
	msgpack_pack_uint32(&pk, attempts);
	ppi_wire_pack_cstr(&pk, "error");
	ppi_wire_pack_cstr(&pk, error);
	ppi_wire_pack_cstr(&pk, "body");
	msgpack_pack_bin(&pk, len);
	msgpack_pack_bin_body(&pk, body, len);
}

/* ---- decoding (library side) ---------------------------------------- */
