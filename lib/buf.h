/*
 * buf.h - a growable byte buffer, the unit in which frames are built.
 *
 * Allocation failure is sticky: once an append fails, every later append
 * is a no-op and ppi_buf_failed() stays true, so an encoder can append a
 * whole frame and check once at the end.
 */
#ifndef PP_BUF_H
#define PP_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ppi_buf {
	char  *data;
	size_t len;
	size_t cap;
	bool   is_failed;
} ppi_buf;

/* ppi_buf_init - an empty buffer (no allocation). */
void ppi_buf_init(ppi_buf *b);

/* ppi_buf_fini - release the memory. Accepts an initialised empty buf. */
void ppi_buf_fini(ppi_buf *b);

/* ppi_buf_reset - forget the contents, keep the memory. */
void ppi_buf_reset(ppi_buf *b);

/* ppi_buf_reserve - make room for `more` bytes; false when out of memory. */
bool ppi_buf_reserve(ppi_buf *b, size_t more);

/* ppi_buf_append - append `len` bytes (sticky failure, see above). */
void ppi_buf_append(ppi_buf *b, const void *p, size_t len);

/* ppi_buf_take - hand the memory to the caller (free() it) and reset b. */
char *ppi_buf_take(ppi_buf *b, size_t *len);

#endif
