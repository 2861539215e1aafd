/*
 * wire_source.c - the srcreport request (docs/DESIGN.md §5): the worker
 * running a source tells the node how far upstream is, so the node can
 * show the source's lag (pp_sources(), pp_stats()).
 *
 *   request: {"v":1, "op":"srcreport", "name":str, "key":bin,
 *             "head":u64}
 *   reply:   {"st":0}
 *
 * name is the source, key the producer key its plugin commits as, head
 * the newest sequence upstream in that key's units. The request is
 * decoded by wire_request.c with the others; its fields are decoded here.
 */
#include <stdio.h>
#include <string.h>

#include "wire_impl.h"

void
ppi_wire_srcreport(ppi_buf *b, const char *name, const char *key,
    uint64_t head)
{
	msgpack_packer pk;
	size_t         len = strlen(key);

	ppi_wire_begin_request(&pk, b, "srcreport", 3);
	ppi_wire_pack_cstr(&pk, "name");
	ppi_wire_pack_cstr(&pk, name);
	ppi_wire_pack_cstr(&pk, "key");
	msgpack_pack_bin(&pk, len);
	msgpack_pack_bin_body(&pk, key, len);
	ppi_wire_pack_cstr(&pk, "head");
	msgpack_pack_uint64(&pk, head);
}

int
ppi_wire_decode_srcreport_request(const msgpack_object *root,
    ppi_request *req, char *msg, size_t msglen)
{
	const msgpack_object *k = ppi_wire_get(root, "key");

	if (!ppi_wire_as_str(ppi_wire_get(root, "name"), &req->name) ||
	    k == NULL || k->type != MSGPACK_OBJECT_BIN ||
	    !ppi_wire_as_u64(ppi_wire_get(root, "head"), &req->head)) {
		snprintf(msg, msglen, "srcreport: needs name (str), key (bin) "
		    "and head (u64)");
		return PP_EPROTO;
	}
	req->key.ptr = k->via.bin.ptr != NULL ? k->via.bin.ptr : "";
	req->key.len = k->via.bin.size;
	return 0;
}
