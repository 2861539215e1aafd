/*
 * emitter.c - collects what a plugin emits during one process() call.
 *
 * Bodies are copied into one arena per thread, reused from claim to claim,
 * so a claim that emits thousands of small logs costs a few allocations,
 * not thousands. An emit() to several `to` topics copies its body once
 * and points one record per topic at it. Records keep arena offsets while
 * the arena may still move; emitter_records() turns them into pointers.
 *
 * Limits are checked at emit time, so the plugin learns of them from the
 * return value and may react (emit something smaller, or fail): a body
 * over the node's maximum is PP_ETOOBIG, and outputs that together would
 * not fit in one ack_commit request are PP_ETOOLARGE. Counting follows
 * the library's own check in pp_commit (body + topic + 16 per log).
 */
#include <stdlib.h>
#include <string.h>

#include "emitter.h"
#include "wire.h"

/* Room kept in a request for the ack itself (name, token, framing). */
#define ACK_OVERHEAD (64u << 10)
/* Buffers larger than these are freed between claims, not kept. */
#define KEEP_ARENA_BYTES (8u << 20)
#define KEEP_OUTS 65536

static emitter *
host(pp_plugin_emitter *em)
{
	return em->host;
}

/* Makes room for `n` more outputs and `len` more body bytes. */
static int
reserve(emitter *e, size_t n, size_t len)
{
	size_t       cap;
	void        *p;
	emitter_out *outs;
	pp_record   *recs;

	if (n > e->cap_outs - e->nouts) {
		cap = e->cap_outs == 0 ? 16 : e->cap_outs;
		while (cap - e->nouts < n) {
			cap *= 2;
		}
		if ((outs = realloc(e->outs, cap * sizeof(*outs))) == NULL) {
			return PP_ENOMEM;
		}
		e->outs = outs;
		if ((recs = realloc(e->recs, cap * sizeof(*recs))) == NULL) {
			return PP_ENOMEM;
		}
		e->recs     = recs;
		e->cap_outs = cap;
	}
	if (len > e->cap - e->used) {
		cap = e->cap == 0 ? 4096 : e->cap;
		while (cap - e->used < len) {
			if (cap > SIZE_MAX / 2) {
				return PP_ENOMEM;
			}
			cap *= 2;
		}
		if ((p = realloc(e->arena, cap)) == NULL) {
			return PP_ENOMEM;
		}
		e->arena = p;
		e->cap   = cap;
	}
	return 0;
}

/*
 * Adds one log of `len` bytes for each of `topics`, copying the body
 * once; all of them or, on error, none.
 */
static int
push(emitter *e, const void *body, size_t len, const char *const *topics,
    size_t ntopics)
{
	uint64_t add = 0;
	size_t   i, off;
	int      rv;

	if (!e->is_open || (body == NULL && len != 0)) {
		return PP_EINVAL;
	}
	if (len > e->max_body) {
		return PP_ETOOBIG;
	}
	for (i = 0; i < ntopics; i++) {
		add += (uint64_t) len + strlen(topics[i]) + 16;
	}
	if (add > e->max_total - e->total) {
		return PP_ETOOLARGE;
	}
	if (ntopics == 0) {
		return 0; /* a systemProc without `to` publishes nothing */
	}
	if ((rv = reserve(e, ntopics, len)) != 0) {
		return rv;
	}
	off = e->used;
	if (len > 0) {
		memcpy(e->arena + off, body, len);
	}
	e->used += len;
	e->total += add;
	for (i = 0; i < ntopics; i++) {
		e->outs[e->nouts++] = (emitter_out) { topics[i], off, len };
	}
	return 0;
}

static int
em_emit(pp_plugin_emitter *em, const void *body, size_t len)
{
	emitter *e = host(em);

	return push(e, body, len, (const char *const *) e->to, e->nto);
}

static int
em_emit_to(pp_plugin_emitter *em, const char *topic, const void *body,
    size_t len)
{
	emitter *e = host(em);
	size_t   i;

	for (i = 0; topic != NULL && i < e->nto; i++) {
		if (strcmp(e->to[i], topic) == 0) {
			break;
		}
	}
	if (topic == NULL || i == e->nto) {
		return e->is_open ? PP_EINVALID_TOPIC : PP_EINVAL;
	}
	topic = e->to[i]; /* ours: it outlives the plugin's string */
	return push(e, body, len, &topic, 1);
}

static void
em_fail(pp_plugin_emitter *em, const char *text)
{
	emitter *e = host(em);
	size_t   n;

	if (!e->is_open) {
		return;
	}
	if (text == NULL) {
		text = "";
	}
	n = strnlen(text, EMITTER_FAIL_MAX + 1);
	if (n > EMITTER_FAIL_MAX) {
		/* Cut before a UTF-8 sequence that would not fit whole. */
		n = EMITTER_FAIL_MAX;
		while (n > 0 && ((unsigned char) text[n] & 0xc0) == 0x80) {
			n--;
		}
	}
	memcpy(e->fail, text, n);
	e->fail[n]  = '\0';
	e->has_fail = true;
}

void
emitter_init(emitter *e, uint64_t max_body)
{
	memset(e, 0, sizeof(*e));
	e->pub.emit    = em_emit;
	e->pub.emit_to = em_emit_to;
	e->pub.fail    = em_fail;
	e->pub.host    = e;
	e->max_body    = max_body;
	e->max_total   = PPI_REQUEST_MAX(max_body) - ACK_OVERHEAD;
}

void
emitter_fini(emitter *e)
{
	free(e->outs);
	free(e->recs);
	free(e->arena);
	memset(e, 0, sizeof(*e));
}

void
emitter_begin(emitter *e, char *const *to, size_t nto)
{
	/* One huge claim should not pin its memory for the thread's life. */
	if (e->cap > KEEP_ARENA_BYTES) {
		free(e->arena);
		e->arena = NULL;
		e->cap   = 0;
	}
	if (e->cap_outs > KEEP_OUTS) {
		free(e->outs);
		free(e->recs);
		e->outs     = NULL;
		e->recs     = NULL;
		e->cap_outs = 0;
	}
	e->to       = to;
	e->nto      = nto;
	e->nouts    = 0;
	e->used     = 0;
	e->total    = 0;
	e->has_fail = false;
	e->fail[0]  = '\0';
	e->is_open  = true;
	/* A plugin may have scribbled on the table it was given. */
	e->pub.emit    = em_emit;
	e->pub.emit_to = em_emit_to;
	e->pub.fail    = em_fail;
	e->pub.host    = e;
}

void
emitter_end(emitter *e)
{
	e->is_open = false;
}

size_t
emitter_records(emitter *e, const pp_record **recs)
{
	size_t i;

	for (i = 0; i < e->nouts; i++) {
		e->recs[i].topic = e->outs[i].topic;
		e->recs[i].body  = e->arena + e->outs[i].off;
		e->recs[i].len   = e->outs[i].len;
	}
	*recs = e->recs;
	return e->nouts;
}

const char *
emitter_fail_text(const emitter *e)
{
	return e->has_fail ? e->fail : NULL;
}
