/*
 * owners.c - the connections that own ephemeral procs (owners.h).
 *
 * A plain array: it holds one entry per liveProc or tail -f of the
 * clients connected now (and of those gone for less than the grace
 * period), a handful, scanned per claim that carries "eph" and per
 * closed connection.
 */
#include <stdlib.h>
#include <string.h>

#include "owners.h"

struct owner {
	char     name[PP_TOPIC_MAX + 1];
	uint32_t pipe;      /* 0: none (since orphan_ms) */
	uint64_t orphan_ms; /* 0: its connection is open */
};

static struct owner *
find(owners *o, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		if (strlen(o->v[i].name) == len &&
		    memcmp(o->v[i].name, name, len) == 0) {
			return &o->v[i];
		}
	}
	return NULL;
}

/* The entry of `name`, added when missing; NULL without memory (the
 * proc is then simply not collected: it stays, as before). */
static struct owner *
find_or_add(owners *o, const char *name, size_t len)
{
	struct owner *e, *v;

	if ((e = find(o, name, len)) != NULL || len > PP_TOPIC_MAX) {
		return e;
	}
	if (o->n == o->cap) {
		o->cap = o->cap != 0 ? 2 * o->cap : 16;
		if ((v = realloc(o->v, o->cap * sizeof(*v))) == NULL) {
			o->cap /= 2;
			return NULL;
		}
		o->v = v;
	}
	e = &o->v[o->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->name, name, len);
	return e;
}

void
owners_claimed(owners *o, const char *name, size_t len, uint32_t pipe)
{
	struct owner *e = find_or_add(o, name, len);

	if (e != NULL) {
		e->pipe      = pipe;
		e->orphan_ms = 0;
	}
}

void
owners_orphan(owners *o, const char *name, uint64_t now_ms)
{
	struct owner *e = find_or_add(o, name, strlen(name));

	if (e != NULL && e->orphan_ms == 0) {
		e->pipe      = 0;
		e->orphan_ms = now_ms != 0 ? now_ms : 1;
	}
}

void
owners_forget(owners *o, const char *name, size_t len)
{
	struct owner *e = find(o, name, len);

	if (e != NULL) {
		*e = o->v[--o->n];
	}
}

void
owners_pipe_closed(owners *o, uint32_t pipe, uint64_t now_ms)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		if (o->v[i].pipe == pipe && o->v[i].orphan_ms == 0) {
			o->v[i].pipe      = 0;
			o->v[i].orphan_ms = now_ms != 0 ? now_ms : 1;
		}
	}
}

size_t
owners_take_due(owners *o, uint64_t now_ms, uint64_t grace_ms,
    store_names *out)
{
	size_t i, k = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < o->n; i++) {
		if (o->v[i].orphan_ms != 0 && now_ms >= o->v[i].orphan_ms + grace_ms) {
			k++;
		}
	}
	if (k == 0 || (out->names = malloc(k * sizeof(*out->names))) == NULL) {
		return 0;
	}
	for (i = 0; i < o->n;) {
		if (o->v[i].orphan_ms != 0 && now_ms >= o->v[i].orphan_ms + grace_ms) {
			memcpy(out->names[out->count++], o->v[i].name,
			    sizeof(o->v[i].name));
			o->v[i] = o->v[--o->n];
		} else {
			i++;
		}
	}
	return out->count;
}

uint64_t
owners_next_ms(const owners *o, uint64_t grace_ms)
{
	uint64_t next = 0;
	size_t   i;

	for (i = 0; i < o->n; i++) {
		if (o->v[i].orphan_ms != 0 &&
		    (next == 0 || o->v[i].orphan_ms + grace_ms < next)) {
			next = o->v[i].orphan_ms + grace_ms;
		}
	}
	return next;
}

void
owners_fini(owners *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}
