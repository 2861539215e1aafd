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

/*
 * Memory behind a buffer: realloc semantics, size 0 frees. NULL means
 * the C library. The node plugs in NNG messages so that a reply is built
 * where it will be sent from, without a copy.
 */
typedef void *(*ppi_buf_realloc_fn)(void *arg, void *ptr, size_t size);

typedef struct ppi_buf {
	char              *data;
	size_t             len;
	size_t             cap;
	bool               is_failed;
	ppi_buf_realloc_fn realloc_fn;
	void              *realloc_arg;
} ppi_buf;

/* ppi_buf_init - an empty buffer on the C heap (no allocation yet). */
void ppi_buf_init(ppi_buf *b);

/* ppi_buf_init_with - an empty buffer whose memory comes from fn. */
void ppi_buf_init_with(ppi_buf *b, ppi_buf_realloc_fn fn, void *arg);

/* ppi_buf_fini - release the memory. Accepts an initialised empty buf. */
void ppi_buf_fini(ppi_buf *b);

/* ppi_buf_reset - forget the contents, keep the memory. */
void ppi_buf_reset(ppi_buf *b);

/* ppi_buf_reserve - make room for `more` bytes; false when out of memory. */
bool ppi_buf_reserve(ppi_buf *b, size_t more);

/* ppi_buf_append - append `len` bytes (sticky failure, see above). */
void ppi_buf_append(ppi_buf *b, const void *p, size_t len);

/*
 * ppi_buf_printf - append printf-formatted text, without its NUL, however
 * long (sticky failure, see above).
 */
void ppi_buf_printf(ppi_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * ppi_buf_forget - the memory now belongs to someone else (it was handed
 * over whole); b becomes empty without freeing it.
 */
void ppi_buf_forget(ppi_buf *b);

#endif
