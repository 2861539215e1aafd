/*
 * wire_proc.c - the frames of procs (docs/DESIGN.md §5):
 *
 *   {"v":1, "op":"proc", "topic", "name", "offset"?, "count",
 *    "max_reclaims", "reclaim_timeout", "on_max", "wait", "ack"?,
 *    "exist"? (true: never create)}
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
 * (wire_call.c). A proc's state travels as one array (see pack_info for the order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire_impl.h"

#define INFO_FIELDS 26

void
ppi_wire_proc(ppi_buf *b, const char *topic, const char *name,
    const pp_proc_opts *o, int64_t wait_ms, bool has_ack, uint64_t ack_token,
    bool must_exist)
{
	msgpack_packer pk;

	ppi_wire_begin_request(&pk, b, "proc",
	    7 + (o->offset != NULL ? 1 : 0) + (has_ack ? 1 : 0) +
	        (must_exist ? 1 : 0));
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
}

void
ppi_wire_proc_admin(ppi_buf *b, enum ppi_op op, const char *name)
{
	msgpack_packer pk;
	const char    *ops[] = { "pinspect", "pdisable", "presume",
                   "pdestroy" };

	ppi_wire_begin_request(&pk, b, ops[op - PPI_OP_PINSPECT], 1);
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

static void
pack_info(msgpack_packer *pk, const pp_proc_info *i)
{
	msgpack_pack_array(pk, INFO_FIELDS);
	ppi_wire_pack_cstr(pk, i->name);
	ppi_wire_pack_cstr(pk, i->topic);
	ppi_wire_pack_cstr(pk, i->offset);
	ppi_wire_pack_cstr(pk, i->last_error);
	msgpack_pack_uint32(pk, i->opts.count);
	msgpack_pack_int64(pk, i->opts.max_reclaims);
	msgpack_pack_int64(pk, i->opts.reclaim_timeout_ms);
	msgpack_pack_uint32(pk, (uint32_t) i->opts.on_max_reclaims);
	i->is_disabled ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	i->has_claim ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
	msgpack_pack_uint64(pk, i->claim_first.ms);
	msgpack_pack_uint64(pk, i->claim_first.seq);
	msgpack_pack_uint64(pk, i->claim_last.ms);
	msgpack_pack_uint64(pk, i->claim_last.seq);
	msgpack_pack_uint64(pk, i->claim_token);
	msgpack_pack_uint64(pk, i->claim_deadline_ms);
	msgpack_pack_uint64(pk, i->next_seq);
	msgpack_pack_uint32(pk, i->reclaims);
	msgpack_pack_uint64(pk, i->created_ms);
	msgpack_pack_uint64(pk, i->last_claimed_ms);
	msgpack_pack_uint64(pk, i->last_acked_ms);
	msgpack_pack_uint64(pk, i->lag);
	msgpack_pack_uint64(pk, i->oldest_unacked_ms);
	msgpack_pack_uint64(pk, i->lost);
	ppi_wire_pack_cstr(pk, i->system_proc != NULL ? i->system_proc : "");
	ppi_wire_pack_cstr(pk, i->plugin != NULL ? i->plugin : "");
}

void
ppi_wire_reply_procs_begin(ppi_buf *b, size_t count)
{
	ppi_wire_reply_list_begin(b, "procs", count);
}

void
ppi_wire_reply_procs_item(ppi_buf *b, const pp_proc_info *info)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	pack_info(&pk, info);
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

/* Copies a string field into scratch, NUL-terminated; false if too long. */
static bool
copy_str(const msgpack_object *o, char *scratch, size_t cap)
{
	ppi_str s;

	if (!ppi_wire_as_str(o, &s) || s.len >= cap) {
		return false;
	}
	memcpy(scratch, s.ptr, s.len);
	scratch[s.len] = '\0';
	return true;
}

static bool
unpack_info(const msgpack_object *o, pp_proc_info *i, char (*scratch)[600],
    char *plugin, size_t plugin_cap)
{
	const msgpack_object *f;
	int64_t               maxr, rto;
	uint64_t              count, on_max, reclaims;

	if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != INFO_FIELDS) {
		return false;
	}
	f = o->via.array.ptr;
	memset(i, 0, sizeof(*i));
	if (!copy_str(&f[0], scratch[0], sizeof(scratch[0])) ||
	    !copy_str(&f[1], scratch[1], sizeof(scratch[1])) ||
	    !copy_str(&f[2], scratch[2], sizeof(scratch[2])) ||
	    !copy_str(&f[3], scratch[3], sizeof(scratch[3])) ||
	    !ppi_wire_as_u64(&f[4], &count) || !ppi_wire_as_int(&f[5], &maxr) ||
	    !ppi_wire_as_int(&f[6], &rto) || !ppi_wire_as_u64(&f[7], &on_max) ||
	    !ppi_wire_as_bool(&f[8], &i->is_disabled) ||
	    !ppi_wire_as_bool(&f[9], &i->has_claim) ||
	    !ppi_wire_as_u64(&f[10], &i->claim_first.ms) ||
	    !ppi_wire_as_u64(&f[11], &i->claim_first.seq) ||
	    !ppi_wire_as_u64(&f[12], &i->claim_last.ms) ||
	    !ppi_wire_as_u64(&f[13], &i->claim_last.seq) ||
	    !ppi_wire_as_u64(&f[14], &i->claim_token) ||
	    !ppi_wire_as_u64(&f[15], &i->claim_deadline_ms) ||
	    !ppi_wire_as_u64(&f[16], &i->next_seq) ||
	    !ppi_wire_as_u64(&f[17], &reclaims) ||
	    !ppi_wire_as_u64(&f[18], &i->created_ms) ||
	    !ppi_wire_as_u64(&f[19], &i->last_claimed_ms) ||
	    !ppi_wire_as_u64(&f[20], &i->last_acked_ms) ||
	    !ppi_wire_as_u64(&f[21], &i->lag) ||
	    !ppi_wire_as_u64(&f[22], &i->oldest_unacked_ms) ||
	    !ppi_wire_as_u64(&f[23], &i->lost) ||
	    !copy_str(&f[24], scratch[4], sizeof(scratch[4])) ||
	    !copy_str(&f[25], plugin, plugin_cap)) {
		return false;
	}
	i->system_proc             = scratch[4];
	i->plugin                  = plugin;
	i->name                    = scratch[0];
	i->topic                   = scratch[1];
	i->offset                  = scratch[2];
	i->last_error              = scratch[3];
	i->opts.offset             = scratch[2];
	i->opts.count              = (uint32_t) count;
	i->opts.max_reclaims       = (int32_t) maxr;
	i->opts.reclaim_timeout_ms = rto;
	i->opts.on_max_reclaims    = (enum pp_on_max_reclaims) on_max;
	i->reclaims                = (uint32_t) reclaims;
	return true;
}

int
ppi_wire_decode_procs(const void *frame, size_t len,
    int (*item)(void *arg, const pp_proc_info *info), void *arg,
    bool *has_more, char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root, *arr;
	pp_proc_info          info;
	char                  scratch[5][600];
	char                  plugin[4097];
	bool                  more = false;
	uint32_t              i;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	if ((arr = ppi_wire_list_items(root, "procs", INFO_FIELDS, &more)) ==
	    NULL) {
		msgpack_unpacked_destroy(&u);
		snprintf(msg, msglen, "malformed reply from the node");
		return PP_EPROTO;
	}
	for (i = 0; i < arr->via.array.size; i++) {
		if (!unpack_info(&arr->via.array.ptr[i], &info, scratch, plugin,
		        sizeof(plugin))) {
			msgpack_unpacked_destroy(&u);
			snprintf(msg, msglen, "malformed reply from the node");
			return PP_EPROTO;
		}
		if ((rv = item(arg, &info)) != 0) {
			msgpack_unpacked_destroy(&u);
			return rv;
		}
	}
	msgpack_unpacked_destroy(&u);
	*has_more = more;
	return 0;
}
