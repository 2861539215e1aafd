/*
 * wire_deadletter.c - reading the envelope the node wraps a dead letter
 * in (the writer side is ppi_wire_deadletter in wire_proc.c):
 *
 *     {"proc": str, "topic": str, "id": [ms, seq], "attempts": uint,
 *      "error": str, "body": bin}
 *
 * The decoder checks every field's type, so any other body (a log that
 * someone committed to a ".dead" topic by hand) is refused, never
 * misread.
 */
#include <msgpack.h>
#include <string.h>

#include "wire.h"
#include "wire_impl.h"

/* A bin (or, leniently, str) field as bytes. */
static bool
as_bytes(const msgpack_object *o, const void **data, size_t *len)
{
	if (o == NULL) {
		return false;
	}
	if (o->type == MSGPACK_OBJECT_BIN) {
		*data = o->via.bin.size != 0 ? o->via.bin.ptr : "";
		*len  = o->via.bin.size;
		return true;
	}
	if (o->type == MSGPACK_OBJECT_STR) {
		*data = o->via.str.size != 0 ? o->via.str.ptr : "";
		*len  = o->via.str.size;
		return true;
	}
	return false;
}

int
ppi_wire_deadletter_decode(
    const void *data, size_t len, ppi_wire_deadletter_view *v)
{
	msgpack_unpacked      u;
	const msgpack_object *root, *id;
	uint64_t              attempts = 0;
	bool                  ok;
	int                   rv;

	if ((rv = ppi_wire_unpack(data, len, &u)) != 0) {
		return rv == PP_ENOMEM ? PP_ENOMEM : PP_EINVALID_BODY;
	}
	root = &u.data;
	id   = ppi_wire_get(root, "id");
	ok   = root->type == MSGPACK_OBJECT_MAP &&
	    ppi_wire_as_str(ppi_wire_get(root, "proc"), &v->proc) &&
	    ppi_wire_as_str(ppi_wire_get(root, "topic"), &v->topic) &&
	    ppi_wire_as_str(ppi_wire_get(root, "error"), &v->error) &&
	    ppi_wire_as_u64(ppi_wire_get(root, "attempts"), &attempts) &&
	    attempts <= UINT32_MAX &&
	    as_bytes(ppi_wire_get(root, "body"), &v->body, &v->len) &&
	    id != NULL && id->type == MSGPACK_OBJECT_ARRAY &&
	    id->via.array.size == 2 &&
	    ppi_wire_as_u64(&id->via.array.ptr[0], &v->id.ms) &&
	    ppi_wire_as_u64(&id->via.array.ptr[1], &v->id.seq);
	v->attempts = (uint32_t) attempts;
	/* The views point into `data` (msgpack references str and bin), so
	 * they outlive the unpacked object. */
	msgpack_unpacked_destroy(&u);
	return ok ? 0 : PP_EINVALID_BODY;
}
