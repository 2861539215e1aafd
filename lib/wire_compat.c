/*
 * wire_compat.c - tolerant reads of reply fields, so that a library and a
 * node of different ages understand each other (docs/DESIGN.md §5,
 * "Compatibility of replies").
 *
 * Replies only ever grow: a newer node appends keys to a map and fields to
 * an item array, an older one sends fewer. A decoder therefore reads every
 * field that is not what identifies the reply or item with these helpers:
 * an absent field (a NULL object: ppi_wire_get found no key, or the item
 * array ended before it) leaves the destination at the zero the caller
 * put there and is fine; a present field of another type is a malformed
 * reply (the caller answers PP_EPROTO). Unknown keys and extra trailing
 * fields are never looked at.
 */
#include <string.h>

#include "wire_impl.h"

const msgpack_object *
ppi_wire_field(const msgpack_object *items, uint32_t count, uint32_t i)
{
	return i < count ? &items[i] : NULL;
}

bool
ppi_wire_opt_u64(const msgpack_object *o, uint64_t *v)
{
	return o == NULL || ppi_wire_as_u64(o, v);
}

bool
ppi_wire_opt_int(const msgpack_object *o, int64_t *v)
{
	return o == NULL || ppi_wire_as_int(o, v);
}

bool
ppi_wire_opt_bool(const msgpack_object *o, bool *v)
{
	return o == NULL || ppi_wire_as_bool(o, v);
}

bool
ppi_wire_opt_double(const msgpack_object *o, double *v)
{
	if (o == NULL) {
		return true;
	}
	switch (o->type) {
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		*v = o->via.f64;
		return true;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		/* A whole number is a number: a packer may shorten 0.0. */
		*v = (double) o->via.u64;
		return true;
	default:
		return false;
	}
}

bool
ppi_wire_opt_str(const msgpack_object *o, char *dst, size_t cap)
{
	ppi_str s;

	if (o == NULL) {
		if (cap > 0) {
			dst[0] = '\0';
		}
		return true;
	}
	if (!ppi_wire_as_str(o, &s) || s.len >= cap) {
		return false;
	}
	memcpy(dst, s.ptr, s.len);
	dst[s.len] = '\0';
	return true;
}
