/*
 * wire.c - msgpack primitives for the codec: a packer writing into a
 * ppi_buf, strict unpacking of one frame, and typed field access.
 *
 * Decoding is strict on purpose: a frame must be exactly one object, and
 * a field of the wrong type is a protocol error, never a guess (PEER §6.1:
 * the peer crashed on a number where it expected a string).
 */
#include <stdio.h>
#include <string.h>

#include "wire_impl.h"

static int
buf_write(void *data, const char *p, size_t len)
{
	ppi_buf_append(data, p, len);
	return 0;
}

void
ppi_wire_packer(msgpack_packer *pk, ppi_buf *b)
{
	msgpack_packer_init(pk, b, buf_write);
}

void
ppi_wire_pack_str(msgpack_packer *pk, const char *s, size_t len)
{
	msgpack_pack_str(pk, len);
	msgpack_pack_str_body(pk, s, len);
}

void
ppi_wire_pack_cstr(msgpack_packer *pk, const char *s)
{
	ppi_wire_pack_str(pk, s, strlen(s));
}

void
ppi_wire_pack_status(msgpack_packer *pk, int status)
{
	ppi_wire_pack_cstr(pk, "st");
	msgpack_pack_int(pk, status);
}

int
ppi_wire_unpack(const void *frame, size_t len, msgpack_unpacked *u)
{
	size_t                off = 0;
	msgpack_unpack_return ret;

	msgpack_unpacked_init(u);
	ret = msgpack_unpack_next(u, frame, len, &off);
	if (ret == MSGPACK_UNPACK_SUCCESS && off == len) {
		return 0;
	}
	msgpack_unpacked_destroy(u);
	return ret == MSGPACK_UNPACK_NOMEM_ERROR ? PP_ENOMEM : PP_EPROTO;
}

const msgpack_object *
ppi_wire_get(const msgpack_object *map, const char *key)
{
	size_t   klen = strlen(key);
	uint32_t i;

	if (map->type != MSGPACK_OBJECT_MAP) {
		return NULL;
	}
	for (i = 0; i < map->via.map.size; i++) {
		const msgpack_object *k = &map->via.map.ptr[i].key;
		if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == klen &&
		    memcmp(k->via.str.ptr, key, klen) == 0) {
			return &map->via.map.ptr[i].val;
		}
	}
	return NULL;
}

bool
ppi_wire_as_u64(const msgpack_object *o, uint64_t *v)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		return false;
	}
	*v = o->via.u64;
	return true;
}

bool
ppi_wire_as_int(const msgpack_object *o, int64_t *v)
{
	if (o == NULL) {
		return false;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*v = o->via.i64;
		return true;
	}
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->via.u64 <= INT64_MAX) {
		*v = (int64_t) o->via.u64;
		return true;
	}
	return false;
}

bool
ppi_wire_as_str(const msgpack_object *o, ppi_str *s)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_STR) {
		return false;
	}
	s->ptr = o->via.str.size != 0 ? o->via.str.ptr : "";
	s->len = o->via.str.size;
	return true;
}

bool
ppi_wire_as_bool(const msgpack_object *o, bool *v)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_BOOLEAN) {
		return false;
	}
	*v = o->via.boolean;
	return true;
}

int
ppi_wire_reply_open(const void *frame, size_t len, msgpack_unpacked *u,
    const msgpack_object **root, char *msg, size_t msglen)
{
	int64_t st;
	ppi_str detail;
	int     rv;

	if ((rv = ppi_wire_unpack(frame, len, u)) != 0) {
		snprintf(msg, msglen, "malformed reply from the node");
		return rv;
	}
	if (!ppi_wire_as_int(ppi_wire_get(&u->data, "st"), &st) || st > 0 ||
	    st < INT32_MIN) {
		msgpack_unpacked_destroy(u);
		snprintf(msg, msglen, "reply without a valid status");
		return PP_EPROTO;
	}
	if (st != 0) {
		if (ppi_wire_as_str(ppi_wire_get(&u->data, "msg"), &detail)) {
			snprintf(msg, msglen, "%.*s", (int) detail.len,
			    detail.ptr);
		} else if (msglen > 0) {
			msg[0] = '\0';
		}
		msgpack_unpacked_destroy(u);
		return (int) st;
	}
	*root = &u->data;
	return 0;
}
