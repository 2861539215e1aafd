/*
 * range_text.c - a range's ids and bodies as two texts (range_text.h).
 *
 * Bodies are copied verbatim, as in json.c: the wrapper checks that the
 * parsed array has as many elements as logs were read, so a body that is
 * not JSON (written by another client) fails as PipeProc's malformed_log.
 */
#include <stdint.h>
#include <string.h>

#include "range_text.h"

/* Whether every byte of s[0..len) is below 0x80, eight at a time (a
 * range's bodies are ~100 MB per million logs; a byte loop shows). */
static bool
is_ascii(const unsigned char *s, size_t len)
{
	const uint64_t high = 0x8080808080808080ull;
	uint64_t       w, acc = 0;
	size_t         i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		acc |= w;
	}
	for (; i < len; i++) {
		acc |= s[i];
	}
	return ((acc & high) == 0);
}

/* Decimal digits of v at p (no NUL); returns how many. */
static size_t
put_u64(char *p, uint64_t v)
{
	char   tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++) {
		p[i] = tmp[n - 1 - i];
	}
	return (n);
}

void
ppn_range_text_init(ppn_range_text *t)
{
	t->count = 0;
	ppn_json_init(&t->bodies);
	ppn_json_init(&t->ids);
	t->ids.len = 0; /* a plain list: drop the "[" ppn_json_init wrote */
}

void
ppn_range_text_add(ppn_range_text *t, const pp_log *log)
{
	ppn_json            *b = &t->bodies, *d = &t->ids;

	/* ",ms-seq" is at most 1 + 20 + 1 + 20 bytes. */
	if (!ppn_json_reserve(b, log->len + 1) || !ppn_json_reserve(d, 42)) {
		return;
	}
	if (t->count > 0) {
		b->s[b->len++] = ',';
		d->s[d->len++] = ',';
	}
	memcpy(b->s + b->len, log->body, log->len);
	b->len += log->len;
	if (b->is_ascii) {
		b->is_ascii = is_ascii(log->body, log->len);
	}
	d->len += ppn_id_put(d->s + d->len, log->id);
	t->count++;
}

size_t
ppn_id_put(char *p, pp_id id)
{
	size_t n = put_u64(p, id.ms);

	p[n++] = '-';
	return (n + put_u64(p + n, id.seq));
}

int
ppn_range_text_finish(ppn_range_text *t)
{
	if (ppn_json_finish(&t->bodies) != 0 || t->ids.is_failed) {
		return (-1);
	}
	return (0);
}

napi_value
ppn_range_text_value(napi_env env, const ppn_range_text *t)
{
	napi_value out, v;

	if (napi_create_array_with_length(env, 3, &out) != napi_ok ||
	    napi_create_double(env, (double)t->count, &v) != napi_ok ||
	    napi_set_element(env, out, 0, v) != napi_ok ||
	    (v = ppn_json_value(env, &t->ids)) == NULL ||
	    napi_set_element(env, out, 1, v) != napi_ok ||
	    (v = ppn_json_value(env, &t->bodies)) == NULL ||
	    napi_set_element(env, out, 2, v) != napi_ok) {
		return (NULL);
	}
	return (out);
}

void
ppn_range_text_fini(ppn_range_text *t)
{
	ppn_json_fini(&t->ids);
	ppn_json_fini(&t->bodies);
}
