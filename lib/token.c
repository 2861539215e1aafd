/*
 * token.c - access tokens: sources, comparison and framing (token.h).
 *
 * Why a token in every frame rather than once per connection: NNG
 * reconnects by itself and resends a request on the new pipe before the
 * library could know that a new pipe exists, so per-pipe state would
 * need a hello that can lose that race. A token in each frame makes
 * every request self-contained, costs 36 bytes and one comparison, and
 * survives reconnection and node restarts untouched (docs/DESIGN.md §9).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeproc.h"
#include "token.h"

int
ppi_token_set(ppi_token *t, const char *s, size_t len, char *msg,
    size_t msglen)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
	                      s[len - 1] == ' ' || s[len - 1] == '\t')) {
		len--;
	}
	if (len < PPI_TOKEN_MIN || len > PPI_TOKEN_MAX) {
		snprintf(msg, msglen, "an access token has %d to %d bytes, "
		    "not %zu", PPI_TOKEN_MIN, PPI_TOKEN_MAX, len);
		return PP_EINVAL;
	}
	memcpy(t->bytes, s, len);
	t->len = len;
	return 0;
}

int
ppi_token_read_file(ppi_token *t, const char *path, char *msg, size_t msglen)
{
	struct stat st;
	char        buf[PPI_TOKEN_MAX + 64];
	ssize_t     n;
	int         fd, rv;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		snprintf(msg, msglen, "cannot read token file %s: %s", path,
		    strerror(errno));
		return errno == EACCES ? PP_EPERM : PP_EIO;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "token file %s is not a regular file",
		    path);
		close(fd);
		return PP_EINVAL;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(msg, msglen, "token file %s may be read by others "
		    "(mode %03o); chmod 600 it", path,
		    (unsigned) (st.st_mode & 0777));
		close(fd);
		return PP_EPERM;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(msg, msglen, "cannot read token file %s: %s", path,
		    strerror(errno));
		return PP_EIO;
	}
	rv = ppi_token_set(t, buf, (size_t) n, msg, msglen);
	memset(buf, 0, sizeof(buf));
	return rv;
}

int
ppi_token_read_env(ppi_token *t, const char *name, char *msg, size_t msglen)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		snprintf(msg, msglen, "environment variable %s is not set",
		    name);
		return PP_EINVAL;
	}
	return ppi_token_set(t, v, strlen(v), msg, msglen);
}

bool
ppi_token_equal(const ppi_token *want, const void *got, size_t glen)
{
	const volatile unsigned char *g = got;
	unsigned                      diff = 0;
	size_t                        i;

	/* The time depends on the length of the token we hold, never on
	 * where the first difference is. */
	diff |= (unsigned) (glen != want->len);
	for (i = 0; i < want->len; i++) {
		diff |= (unsigned) (want->bytes[i] ^ (i < glen ? g[i] : 0));
	}
	return want->len > 0 && diff == 0;
}

void
ppi_token_wipe(ppi_token *t)
{
	volatile unsigned char *p = t->bytes;
	size_t                  i;

	for (i = 0; i < sizeof(t->bytes); i++) {
		p[i] = 0;
	}
	t->len = 0;
}

/* The number of entries and the header size of a msgpack map. */
static int
map_header(const unsigned char *p, size_t len, uint32_t *n, size_t *hlen)
{
	if (len >= 1 && (p[0] & 0xf0) == 0x80) {
		*n    = p[0] & 0x0f;
		*hlen = 1;
	} else if (len >= 3 && p[0] == 0xde) {
		*n    = ((uint32_t) p[1] << 8) | p[2];
		*hlen = 3;
	} else if (len >= 5 && p[0] == 0xdf) {
		*n = ((uint32_t) p[1] << 24) | ((uint32_t) p[2] << 16) |
		    ((uint32_t) p[3] << 8) | p[4];
		*hlen = 5;
	} else {
		return -1;
	}
	return 0;
}

size_t
ppi_token_frame(const ppi_token *t, const void *req, size_t rlen, void *out)
{
	const unsigned char *r = req;
	unsigned char       *o = out;
	uint32_t             n;
	size_t               hlen, w = 0;

	if (map_header(r, rlen, &n, &hlen) != 0 || n == UINT32_MAX) {
		return 0;
	}
	n++;
	if (n < 16) {
		o[w++] = (unsigned char) (0x80 | n);
	} else if (n < 65536) {
		o[w++] = 0xde;
		o[w++] = (unsigned char) (n >> 8);
		o[w++] = (unsigned char) n;
	} else {
		o[w++] = 0xdf;
		o[w++] = (unsigned char) (n >> 24);
		o[w++] = (unsigned char) (n >> 16);
		o[w++] = (unsigned char) (n >> 8);
		o[w++] = (unsigned char) n;
	}
	memcpy(o + w, "\xa3tok\xc4", 5);
	w += 5;
	o[w++] = (unsigned char) t->len;
	memcpy(o + w, t->bytes, t->len);
	w += t->len;
	memcpy(o + w, r + hlen, rlen - hlen);
	return w + rlen - hlen;
}

int
ppi_token_find(const void *frame, size_t len, const void **tok, size_t *tlen)
{
	const unsigned char *p = frame;
	uint32_t             n;
	size_t               hlen;

	if (map_header(p, len, &n, &hlen) != 0 || n == 0 ||
	    len < hlen + 6 || memcmp(p + hlen, "\xa3tok\xc4", 5) != 0 ||
	    len < hlen + 6 + p[hlen + 5]) {
		return 0;
	}
	*tlen = p[hlen + 5];
	*tok  = p + hlen + 6;
	return 1;
}
