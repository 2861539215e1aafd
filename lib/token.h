/*
 * token.h - access tokens (issue 6): reading one from a file or the
 * environment, comparing two in constant time, and carrying one in a
 * request frame.
 *
 * On the wire the token is the first entry of the request map, added by
 * the transport just before a frame is sent:
 *
 *   +-----------+------+-----+-----+-----+------+-----+------------+----
 *   | map hdr+1 | 0xa3 | 't' | 'o' | 'k' | 0xc4 | len | token      | the
 *   +-----------+------+-----+-----+-----+------+-----+------------+ rest
 *
 * so the node finds it without decoding the frame (docs/DESIGN.md §9).
 */
#ifndef PP_TOKEN_H
#define PP_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define PPI_TOKEN_MIN 16  /* bytes: a guessable token is no token */
#define PPI_TOKEN_MAX 255 /* fits a bin8 */

typedef struct ppi_token {
	size_t        len; /* 0: none */
	unsigned char bytes[PPI_TOKEN_MAX];
} ppi_token;

/*
 * ppi_token_set - take `s` (len bytes) as the token, after trimming
 * trailing white space. Returns 0 or PP_EINVAL (too short or too long)
 * with the reason in msg.
 */
int ppi_token_set(ppi_token *t, const char *s, size_t len, char *msg,
    size_t msglen);

/*
 * ppi_token_read_file - the token is the content of `path`, which must be
 * a regular file that neither group nor others may read (like an ssh
 * key). Returns 0, PP_EPERM, PP_EINVAL or PP_EIO with msg.
 */
int ppi_token_read_file(
    ppi_token *t, const char *path, char *msg, size_t msglen);

/*
 * ppi_token_read_env - the token is the value of environment variable
 * `name`. Returns 0, or PP_EINVAL when it is unset or malformed.
 */
int ppi_token_read_env(
    ppi_token *t, const char *name, char *msg, size_t msglen);

/* ppi_token_equal - constant-time comparison with `got` (glen bytes). */
bool ppi_token_equal(const ppi_token *want, const void *got, size_t glen);

/* ppi_token_wipe - overwrite the token. */
void ppi_token_wipe(ppi_token *t);

/* Bytes the token adds to a frame (header growth included). */
#define PPI_TOKEN_FRAME_EXTRA(t) ((t)->len + 9)

/*
 * ppi_token_frame - write `req` (a msgpack map of rlen bytes) into out
 * with t's entry first. out has room for rlen + PPI_TOKEN_FRAME_EXTRA.
 * Returns the bytes written, or 0 when req is not a map.
 */
size_t ppi_token_frame(const ppi_token *t, const void *req, size_t rlen,
    void *out);

/*
 * ppi_token_find - the token entry of a frame: 1 with *tok and *tlen set, or
 * 0 when the first entry is not a token.
 */
int ppi_token_find(
    const void *frame, size_t len, const void **tok, size_t *tlen);

#endif
