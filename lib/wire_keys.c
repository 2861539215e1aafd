/*
 * wire_keys.c - refuses maps that name a key twice.
 *
 * msgpack allows a map to repeat a key, and ppi_wire_get() would then
 * answer with the first one. A frame that says "limit" twice means two
 * things at once; rather than pick one silently, every frame with such a
 * map, at any depth, is refused as malformed (request and reply alike).
 */
#include <stdlib.h>
#include <string.h>

#include "wire_impl.h"

/* Maps this small are checked pairwise; larger ones are sorted. */
#define PAIRWISE_MAX 8

/* Orders keys by type, then size, then bytes; only equality matters. */
static int
key_cmp(const msgpack_object *a, const msgpack_object *b)
{
	if (a->type != b->type) {
		return a->type < b->type ? -1 : 1;
	}
	switch (a->type) {
	case MSGPACK_OBJECT_STR:
	case MSGPACK_OBJECT_BIN:
		if (a->via.str.size != b->via.str.size) {
			return a->via.str.size < b->via.str.size ? -1 : 1;
		}
		/* An empty key may have no bytes at all (ptr NULL). */
		return a->via.str.size == 0
		    ? 0
		    : memcmp(a->via.str.ptr, b->via.str.ptr, a->via.str.size);
	default:
		/* Our maps are keyed by strings; any other key is compared
		 * by its whole object, which msgpack-c can do. */
		return msgpack_object_equal(*a, *b) ? 0 : (a < b ? -1 : 1);
	}
}

static int
key_ptr_cmp(const void *a, const void *b)
{
	return key_cmp(*(const msgpack_object *const *) a,
	    *(const msgpack_object *const *) b);
}

/* True when no two keys of `map` are equal. */
static bool
map_keys_unique(const msgpack_object_map *map)
{
	const msgpack_object **keys;
	uint32_t               i, j;
	bool                   is_unique = true;

	if (map->size <= PAIRWISE_MAX) {
		for (i = 0; i < map->size; i++) {
			for (j = i + 1; j < map->size; j++) {
				if (key_cmp(&map->ptr[i].key, &map->ptr[j].key) ==
				    0) {
					return false;
				}
			}
		}
		return true;
	}
	if ((keys = malloc(sizeof(*keys) * map->size)) == NULL) {
		return false; /* refused as malformed rather than unchecked */
	}
	for (i = 0; i < map->size; i++) {
		keys[i] = &map->ptr[i].key;
	}
	qsort(keys, map->size, sizeof(*keys), key_ptr_cmp);
	for (i = 1; i < map->size && is_unique; i++) {
		is_unique = key_cmp(keys[i - 1], keys[i]) != 0;
	}
	free(keys);
	return is_unique;
}

bool
ppi_wire_keys_unique(const msgpack_object *o)
{
	uint32_t i;

	/* Depth is bounded by ppi_wire_unpack (PPI_WIRE_MAX_DEPTH). */
	switch (o->type) {
	case MSGPACK_OBJECT_ARRAY:
		for (i = 0; i < o->via.array.size; i++) {
			if (!ppi_wire_keys_unique(&o->via.array.ptr[i])) {
				return false;
			}
		}
		return true;
	case MSGPACK_OBJECT_MAP:
		if (!map_keys_unique(&o->via.map)) {
			return false;
		}
		for (i = 0; i < o->via.map.size; i++) {
			if (!ppi_wire_keys_unique(&o->via.map.ptr[i].key) ||
			    !ppi_wire_keys_unique(&o->via.map.ptr[i].val)) {
				return false;
			}
		}
		return true;
	default:
		return true;
	}
}
