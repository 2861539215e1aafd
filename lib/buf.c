/*
 * buf.c - growable byte buffer (see buf.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
ppi_buf_init(ppi_buf *b)
{
	b->data      = NULL;
	b->len       = 0;
	b->cap       = 0;
	b->is_failed = false;
}

void
ppi_buf_fini(ppi_buf *b)
{
	free(b->data);
	ppi_buf_init(b);
}

void
ppi_buf_reset(ppi_buf *b)
{
	b->len       = 0;
	b->is_failed = false;
}

bool
ppi_buf_reserve(ppi_buf *b, size_t more)
{
	size_t cap;
	char  *p;

	if (b->is_failed) {
		return false;
	}
	if (more <= b->cap - b->len) {
		return true;
	}
	if (more > ((size_t) -1) / 2 - b->len) {
		b->is_failed = true;
		return false;
	}
	cap = b->cap != 0 ? b->cap : 256;
	while (cap - b->len < more) {
		cap *= 2;
	}
	if ((p = realloc(b->data, cap)) == NULL) {
		b->is_failed = true;
		return false;
	}
	b->data = p;
	b->cap  = cap;
	return true;
}

void
ppi_buf_append(ppi_buf *b, const void *p, size_t len)
{
	if (len == 0 || !ppi_buf_reserve(b, len)) {
		return;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
}

char *
ppi_buf_take(ppi_buf *b, size_t *len)
{
	char *p = b->data;

	*len = b->len;
	ppi_buf_init(b);
	return p;
}
