/*
 * buf.c - growable byte buffer (see buf.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
ppi_buf_init_with(ppi_buf *b, ppi_buf_realloc_fn fn, void *arg)
{
	b->data        = NULL;
	b->len         = 0;
	b->cap         = 0;
	b->is_failed   = false;
	b->realloc_fn  = fn;
	b->realloc_arg = arg;
}

void
ppi_buf_init(ppi_buf *b)
{
	ppi_buf_init_with(b, NULL, NULL);
}

void
ppi_buf_forget(ppi_buf *b)
{
	ppi_buf_init_with(b, b->realloc_fn, b->realloc_arg);
}

void
ppi_buf_fini(ppi_buf *b)
{
	if (b->realloc_fn != NULL) {
		if (b->data != NULL) {
			b->realloc_fn(b->realloc_arg, b->data, 0);
		}
	} else {
		free(b->data);
	}
	ppi_buf_forget(b);
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
	p = b->realloc_fn != NULL ? b->realloc_fn(b->realloc_arg, b->data, cap)
	                          : realloc(b->data, cap);
	if (p == NULL) {
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


void
ppi_buf_printf(ppi_buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t  room;
	int     n;

	if (b->is_failed) {
		return;
	}
	/* Most pieces fit in the room already there: format once. */
	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n <= 0) {
		return;
	}
	if ((size_t) n >= room) {
		if (!ppi_buf_reserve(b, (size_t) n + 1)) {
			return;
		}
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t) n;
}
