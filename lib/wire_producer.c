/*
 * wire_producer.c - the producer request of pp_producer() (docs/DESIGN.md
 * §5): what the node remembers of an idempotent producer's key.
 *
 *   request: {"v":1, "op":"producer", "key":bin}
 *   reply:   {"st":0, "seq":u64, "ms":u64}     (seq 0: key unknown)
 *
 * The request is decoded by wire_request.c with the others; its fields
 * are decoded here (ppi_wire_decode_producer_request).
 */
#include <stdio.h>
#include <string.h>

#include "wire_impl.h"

void
ppi_wire_producer(ppi_buf *b, const char *key)
{
	msgpack_packer pk;
	size_t         len = strlen(key);

	ppi_wire_begin_request(&pk, b, "producer", 1);
	ppi_wire_pack_cstr(&pk, "key");
	msgpack_pack_bin(&pk, len);
	msgpack_pack_bin_body(&pk, key, len);
}

int
ppi_wire_decode_producer_request(const msgpack_object *root,
    ppi_request *req, char *msg, size_t msglen)
{
	const msgpack_object *o = ppi_wire_get(root, "key");

	if (o == NULL || o->type != MSGPACK_OBJECT_BIN) {
		snprintf(msg, msglen, "producer: 'key' must be bin");
		return PP_EPROTO;
	}
	req->key.ptr = o->via.bin.ptr != NULL ? o->via.bin.ptr : "";
	req->key.len = o->via.bin.size;
	return 0;
}

void
ppi_wire_reply_producer(ppi_buf *b, uint64_t seq, uint64_t ms)
{
	msgpack_packer pk;

	ppi_wire_packer(&pk, b);
	msgpack_pack_map(&pk, 3);
	ppi_wire_pack_status(&pk, 0);
	ppi_wire_pack_cstr(&pk, "seq");
	msgpack_pack_uint64(&pk, seq);
	ppi_wire_pack_cstr(&pk, "ms");
	msgpack_pack_uint64(&pk, ms);
}

int
ppi_wire_decode_producer(const void *frame, size_t len,
    pp_producer_info *info, char *msg, size_t msglen)
{
	msgpack_unpacked      u;
	const msgpack_object *root;
	pp_producer_info      out;
	int                   rv;

	if ((rv = ppi_wire_reply_open(frame, len, &u, &root, msg, msglen)) !=
	    0) {
		return rv;
	}
	/* seq is the answer; ms may be missing from an older node. */
	out.updated_ms = 0;
	if (!ppi_wire_as_u64(ppi_wire_get(root, "seq"), &out.last_seq) ||
	    !ppi_wire_opt_u64(ppi_wire_get(root, "ms"), &out.updated_ms)) {
		msgpack_unpacked_destroy(&u);
		snprintf(msg, msglen, "malformed reply from the node");
		return PP_EPROTO;
	}
	msgpack_unpacked_destroy(&u);
	*info = out;
	return 0;
}
