/*
 * wire_reply.c - reply frames: encoded by the node, decoded by the
 * library (docs/DESIGN.md §5). Every reply is a map whose "st" is 0 or a
 * PP_E* code; errors add "msg".
 *
 *   commit  {"st":0, "res":[...]}                    (wire_call.c)
 *   range   {"st":0, "n":count, "batch":bin (record batch), "more":b}
 *   length  {"st":0, "count":u64}
 *   stat    {"st":0, "count", "bytes", "first":[ms,seq], "last":[ms,seq],
 *            "next", "created"}
 *   topics  {"st":0, "topics":[...], "more":b}         (wire_list.c)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "endian.h"
#include "wire_impl.h"

void
ppi_wire_reply_error(ppi_buf *b, int status, const char *msg)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 2);
	ppi_wire_pack_status(&pk, status);
	ppi_wire_pack_cstr(&pk, "msg");
	ppi_wire_pack_cstr(&pk, msg != NULL ? msg : "");
}

void
ppi_wire_reply_ok(ppi_buf *b)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 1);
	ppi_wire_pack_status(&pk, 0);
}

void
ppi_wire_reply_hello(ppi_buf *b, uint64_t max_body, uint64_t pid,
    const char *store_dir, const char *node_id)
{
	msgpack_packer pk;
	bool           has_store = store_dir != NULL && node_id != NULL;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, has_store ? 7 : 5);
	ppi_wire_pack_status(&pk, 0);
	ppi_wire_pack_cstr(&pk, "v");
	msgpack_pack_uint32(&pk, PPI_WIRE_VERSION);
	ppi_wire_pack_cstr(&pk, "node");
	ppi_wire_pack_cstr(&pk, pp_version());
	ppi_wire_pack_cstr(&pk, "max_body");
	msgpack_pack_uint64(&pk, max_body);
	ppi_wire_pack_cstr(&pk, "pid");
	msgpack_pack_uint64(&pk, pid);
	/* Appended for local reads (issue 15); older clients ignore them. */
	if (has_store) {
		ppi_wire_pack_cstr(&pk, "store");
		ppi_wire_pack_cstr(&pk, store_dir);
		ppi_wire_pack_cstr(&pk, "node_id");
		ppi_wire_pack_cstr(&pk, node_id);
	}
}

/*
 * A range page is a record batch: one bin holding, per log,
 *   +--------+---------+--------+------------+
 *   | ms:u64 | seq:u64 | len:u32| body (len) |   integers big-endian
 *   +--------+---------+--------+------------+
 * so the node writes each log with one copy and the client reads it with
 * no per-log msgpack object (as Kafka's record batches do).
 */
#define RECORD_HEADER 20

void
ppi_wire_pack_page(ppi_buf *b, const ppi_wire_entry *entries, size_t count,
    bool has_more, const uint64_t *token, uint64_t index)
{
	msgpack_packer pk;
	unsigned char  hdr[RECORD_HEADER];
	size_t         total = 0, i;

	for (i = 0; i < count; i++) {
		total += RECORD_HEADER + entries[i].len;
	}
	/* One allocation for the whole page. */
	ppi_buf_reserve(b, total + 64);
	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, token != NULL ? 6 : 4);
	ppi_wire_pack_status(&pk, 0);
	if (token != NULL) {
		ppi_wire_pack_cstr(&pk, "token");
		msgpack_pack_uint64(&pk, *token);
		ppi_wire_pack_cstr(&pk, "index");
		msgpack_pack_uint64(&pk, index);
	}
	ppi_wire_pack_cstr(&pk, "n");
	msgpack_pack_uint64(&pk, count);
	ppi_wire_pack_cstr(&pk, "batch");
	msgpack_pack_bin(&pk, total);
	for (i = 0; i < count; i++) {
		ppi_put_be64(hdr, entries[i].ms);
		ppi_put_be64(hdr + 8, entries[i].seq);
		ppi_put_be32(hdr + 16, (uint32_t) entries[i].len);
		ppi_buf_append(b, hdr, sizeof(hdr));
		ppi_buf_append(b, entries[i].body, entries[i].len);
	}
	ppi_wire_pack_cstr(&pk, "more");
	has_more ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
}

void
ppi_wire_reply_range(
    ppi_buf *b, const ppi_wire_entry *entries, size_t count, bool has_more)
{
	ppi_wire_pack_page(b, entries, count, has_more, NULL, 0);
}

void
ppi_wire_reply_count(ppi_buf *b, uint64_t count)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 2);
	ppi_wire_pack_status(&pk, 0);
	ppi_wire_pack_cstr(&pk, "count");
	msgpack_pack_uint64(&pk, count);
}

static void
pack_id(msgpack_packer *pk, pp_id id)
{
	msgpack_pack_array(pk, 2);
	msgpack_pack_uint64(pk, id.ms);
	msgpack_pack_uint64(pk, id.seq);
}

void
ppi_wire_reply_stat(ppi_buf *b, const pp_topic_info *info)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 7);
	ppi_wire_pack_status(&pk, 0);
	ppi_wire_pack_cstr(&pk, "count");
	msgpack_pack_uint64(&pk, info->count);
	ppi_wire_pack_cstr(&pk, "bytes");
	msgpack_pack_uint64(&pk, info->bytes);
	ppi_wire_pack_cstr(&pk, "first");
	pack_id(&pk, info->first);
	ppi_wire_pack_cstr(&pk, "last");
	pack_id(&pk, info->last);
	ppi_wire_pack_cstr(&pk, "next");
	msgpack_pack_uint64(&pk, info->next_seq);
	ppi_wire_pack_cstr(&pk, "created");
	msgpack_pack_uint64(&pk, info->created_ms);
}


/* ---- decoding (library side) ---------------------------------------- */

#define PROTO(u)                                                               \
	do {                                                                   \
		msgpack_unpacked_destroy(u);                                   \
		snprintf(msg, msglen, "malformed reply from the node");        \
		return PP_EPROTO;                                              \
	} while (0)

int
ppi_wire_decode_status(const void *frame, size_t len, char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) ==
	    0) {
		msgpack_unpacked_destroy(&u);
	}
	return rv;
}

int
ppi_wire_decode_hello(const void *frame, size_t len, uint64_t *version,
    uint64_t *max_body, char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root;
	uint64_t              v, mb;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	if (!ppi_wire_as_u64(ppi_wire_get(root, "v"), &v) ||
	    !ppi_wire_as_u64(ppi_wire_get(root, "max_body"), &mb)) {
		PROTO(&u);
	}
	*version  = v;
	*max_body = mb;
	msgpack_unpacked_destroy(&u);
	return 0;
}

/* Copies a string field of a hello into out; false if absent or long. */
static bool
hello_str(const msgpack_object *root, const char *key, char *out,
    size_t outlen)
{
	ppi_str s;

	if (!ppi_wire_as_str(ppi_wire_get(root, key), &s) || s.len == 0 ||
	    s.len >= outlen || memchr(s.ptr, '\0', s.len) != NULL) {
		return false;
	}
	memcpy(out, s.ptr, s.len);
	out[s.len] = '\0';
	return true;
}

bool
ppi_wire_decode_hello_store(const void *frame, size_t len, char *dir,
    size_t dirlen, char *node_id, size_t idlen)
{
	msgpack_unpacked      u;
	const msgpack_object *root;
	char                  msg[16];
	bool                  ok;

	if (ppi_wire_reply_open(frame, len, &u, &root, msg, sizeof(msg)) !=
	    0) {
		return false;
	}
	ok = hello_str(root, "store", dir, dirlen) &&
	    hello_str(root, "node_id", node_id, idlen);
	msgpack_unpacked_destroy(&u);
	return ok;
}

/* Reads the record batch of a page reply (see ppi_wire_pack_page). */
static int
decode_page(msgpack_unpacked *u, const msgpack_object *root, pp_log **logs,
    size_t *count, bool *has_more, char *msg, size_t msglen)
{
	const msgpack_object *batch;
	const unsigned char  *p, *end;
	pp_log               *out;
	uint64_t              n, i, body_len;
	bool                  more;

	batch = ppi_wire_get(root, "batch");
	if (batch == NULL || batch->type != MSGPACK_OBJECT_BIN ||
	    !ppi_wire_as_u64(ppi_wire_get(root, "n"), &n) ||
	    !ppi_wire_as_bool(ppi_wire_get(root, "more"), &more) ||
	    n > batch->via.bin.size / RECORD_HEADER) {
		PROTO(u);
	}
	/* msgpack-c points bin objects into the frame, which the caller
	 * keeps alive; bodies are referenced in place. */
	p   = (const unsigned char *) batch->via.bin.ptr;
	end = p + batch->via.bin.size;
	if ((out = malloc(sizeof(*out) * (n + 1))) == NULL) {
		msgpack_unpacked_destroy(u);
		return PP_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		if ((size_t) (end - p) < RECORD_HEADER) {
			break;
		}
		out[i].id.ms  = ppi_get_be64(p);
		out[i].id.seq = ppi_get_be64(p + 8);
		body_len      = ppi_get_be32(p + 16);
		p += RECORD_HEADER;
		if (body_len > (size_t) (end - p)) {
			break;
		}
		out[i].body = p;
		out[i].len  = body_len;
		p += body_len;
	}
	if (i != n || p != end) {
		free(out);
		msgpack_unpacked_destroy(u);
		snprintf(msg, msglen, "malformed record batch from the node");
		return PP_EPROTO;
	}
	*logs     = out;
	*count    = n;
	*has_more = more;
	return 0;
}

int
ppi_wire_decode_range(const void *frame, size_t len, pp_log **logs,
    size_t *count, bool *has_more, char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	if ((rv = decode_page(&u, root, logs, count, has_more, msg, msglen)) ==
	    0) {
		msgpack_unpacked_destroy(&u);
	}
	return rv;
}

int
ppi_wire_decode_claim(const void *frame, size_t len, pp_log **logs,
    size_t *count, uint64_t *token, uint64_t *index, char *msg,
    size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root;
	bool                  more;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	if (!ppi_wire_as_u64(ppi_wire_get(root, "token"), token) ||
	    !ppi_wire_as_u64(ppi_wire_get(root, "index"), index)) {
		PROTO(&u);
	}
	if ((rv = decode_page(&u, root, logs, count, &more, msg, msglen)) ==
	    0) {
		msgpack_unpacked_destroy(&u);
	}
	return rv;
}

int
ppi_wire_decode_count(
    const void *frame, size_t len, uint64_t *count, char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	if (!ppi_wire_as_u64(ppi_wire_get(root, "count"), count)) {
		PROTO(&u);
	}
	msgpack_unpacked_destroy(&u);
	return 0;
}

static bool
as_id(const msgpack_object *o, pp_id *id)
{
	return o != NULL && o->type == MSGPACK_OBJECT_ARRAY &&
	    o->via.array.size == 2 &&
	    ppi_wire_as_u64(&o->via.array.ptr[0], &id->ms) &&
	    ppi_wire_as_u64(&o->via.array.ptr[1], &id->seq);
}

/* as_id, where an absent id (an older node) stays 0-0. */
static bool
opt_id(const msgpack_object *o, pp_id *id)
{
	return o == NULL || as_id(o, id);
}

int
ppi_wire_decode_stat(const void *frame, size_t len, pp_topic_info *info,
    char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root;
	pp_topic_info         t;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	/* count is the answer; the rest may be missing from an older node
	 * (read as 0) but never of the wrong type (wire_compat.c). */
	memset(&t, 0, sizeof(t));
	if (!ppi_wire_as_u64(ppi_wire_get(root, "count"), &t.count) ||
	    !ppi_wire_opt_u64(ppi_wire_get(root, "bytes"), &t.bytes) ||
	    !opt_id(ppi_wire_get(root, "first"), &t.first) ||
	    !opt_id(ppi_wire_get(root, "last"), &t.last) ||
	    !ppi_wire_opt_u64(ppi_wire_get(root, "next"), &t.next_seq) ||
	    !ppi_wire_opt_u64(ppi_wire_get(root, "created"), &t.created_ms)) {
		PROTO(&u);
	}
	msgpack_unpacked_destroy(&u);
	t.name = info->name;
	*info  = t;
	return 0;
}
