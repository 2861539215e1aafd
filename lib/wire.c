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
ppi_wire_begin_request(
    msgpack_packer *pk, ppi_buf *b, const char *op, size_t nfields)
{
	ppi_wire_packer(pk, b);
	msgpack_pack_map(pk, nfields + 2);
	ppi_wire_pack_cstr(pk, "v");
	msgpack_pack_uint32(pk, PPI_WIRE_VERSION);
	ppi_wire_pack_cstr(pk, "op");
	ppi_wire_pack_cstr(pk, op);
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

/*
 * Container and string sizes of the msgpack header byte at p: *n gets the
 * element count (containers, maps counting keys and values) or payload
 * length, *hdr the bytes of the header itself. False for 0xc1 or a
 * truncated header.
 */
static bool
header_size(const unsigned char *p, size_t left, bool *is_container,
    uint64_t *n, size_t *hdr)
{
	static const unsigned char fixed[] = {
		/* 0xc0 .. 0xdf: header bytes beyond the type byte, payload
		 * implied (0xff: variable, decoded below) */
		0, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 4, 8, 1, 2,
		4, 8, 1, 2, 4, 8, 2, 3, 5, 9, 17, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff
	};
	unsigned char b = p[0];
	unsigned      width, i;

	*is_container = false;
	*n            = 0;
	*hdr          = 1;
	if (b <= 0x7f || b >= 0xe0) {
		return true;
	}
	if (b <= 0x9f) {
		*is_container = true;
		*n            = (b & 0x0f) * (b <= 0x8f ? 2u : 1u);
		return true;
	}
	if (b <= 0xbf) {
		*n = b & 0x1f;
		return true;
	}
	if (fixed[b - 0xc0] != 0xff) {
		*hdr = 1 + fixed[b - 0xc0];
		return true;
	}
	/* bin, ext, str, array and map with a 1, 2 or 4 byte size */
	if (b == 0xc4 || b == 0xc7 || b == 0xd9) {
		width = 1;
	} else if (b == 0xc5 || b == 0xc8 || b == 0xda || b == 0xdc ||
	    b == 0xde) {
		width = 2;
	} else if (b == 0xc6 || b == 0xc9 || b == 0xdb || b == 0xdd ||
	    b == 0xdf) {
		width = 4;
	} else {
		return false; /* 0xc1 is never used */
	}
	if (left < 1 + width) {
		return false;
	}
	for (i = 0; i < width; i++) {
		*n = (*n << 8) | p[1 + i];
	}
	*hdr = 1 + width + (b >= 0xc7 && b <= 0xc9 ? 1 : 0); /* ext type */
	if (b >= 0xdc) {
		*is_container = true;
		*n *= b >= 0xde ? 2u : 1u;
	}
	return true;
}

/*
 * Walks the frame's structure before msgpack-c sees it: msgpack-c
 * allocates count x 24 bytes for a container before reading a single
 * element, so a 6-byte frame claiming 4 billion elements would ask for
 * 96 GiB. Every count must fit in the bytes that are left, and nesting
 * stays within msgpack-c's own limit.
 */
static bool
frame_is_bounded(const unsigned char *p, size_t len)
{
	uint64_t pending[PPI_WIRE_MAX_DEPTH + 1];
	int      depth = 0;
	size_t   pos = 0, hdr;
	uint64_t n;
	bool     is_container;

	pending[0] = 1;
	while (depth >= 0) {
		if (pending[depth] == 0) {
			depth--;
			continue;
		}
		pending[depth]--;
		if (pos >= len ||
		    !header_size(p + pos, len - pos, &is_container, &n, &hdr) ||
		    hdr > len - pos) {
			return false;
		}
		pos += hdr;
		if (n > len - pos) {
			return false; /* each element needs a byte at least */
		}
		if (!is_container) {
			pos += (size_t) n;
		} else if (n > 0) {
			if (depth == PPI_WIRE_MAX_DEPTH) {
				return false;
			}
			pending[++depth] = n;
		}
	}
	return pos == len;
}

int
ppi_wire_unpack(const void *frame, size_t len, msgpack_unpacked *u)
{
	size_t                off = 0;
	msgpack_unpack_return ret;

	if (!frame_is_bounded(frame, len)) {
		return PP_EPROTO;
	}
	msgpack_unpacked_init(u);
	ret = msgpack_unpack_next(u, frame, len, &off);
	if (ret == MSGPACK_UNPACK_SUCCESS && off == len &&
	    ppi_wire_keys_unique(&u->data)) {
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
