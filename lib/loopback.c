/*
 * loopback.c - generated tokens for loopback tcp:// (loopback.h).
 *
 * Why a token at all on loopback: every local user can connect to a
 * loopback port, so without one any of them could read and write our
 * logs. Why in a file: PipeProc programs dial tcp://127.0.0.1:PORT with
 * no credentials (PEER §2), and the runtime directory, which only its
 * owner may enter, is how the same user's programs share a secret with
 * no configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeproc.h"
#include "loopback.h"
#include "user.h"

#define TOKEN_RANDOM_BYTES 32 /* written as 64 hex digits */

bool
ppi_loopback_is(const ppi_addr *a)
{
	if (a->kind != PPI_ADDR_TCP) {
		return false;
	}
	return strcmp(a->host, "localhost") == 0 ||
	    strcmp(a->host, "::1") == 0 ||
	    strncmp(a->host, "127.", 4) == 0;
}

int
ppi_loopback_token_path(const ppi_addr *a, bool is_create, char *buf,
    size_t len, char *msg, size_t msglen)
{
	char dir[900];
	int  rv, n;

	if ((rv = ppi_user_rundir(is_create, dir, sizeof(dir), msg,
	         msglen)) != 0) {
		return rv;
	}
	n = snprintf(buf, len, "%s/tcp-%s-%u.token", dir,
	    strcmp(a->host, "localhost") == 0 ? "127.0.0.1" : a->host,
	    a->port);
	if (n < 0 || (size_t) n >= len) {
		snprintf(msg, msglen, "token file path too long");
		return PP_EADDR;
	}
	return 0;
}

int
ppi_loopback_token_load(const ppi_addr *a, ppi_token *t, char *msg,
    size_t msglen)
{
	struct stat st;
	char        path[1024];
	int         rv;

	t->len = 0;
	if ((rv = ppi_loopback_token_path(a, false, path, sizeof(path), msg,
	         msglen)) != 0) {
		return rv;
	}
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		return 0; /* no node of ours made one: dial without */
	}
	return ppi_token_read_file(t, path, msg, msglen);
}

/* A fresh random token, as hex digits. */
static int
random_token(ppi_token *t, char *msg, size_t msglen)
{
	unsigned char raw[TOKEN_RANDOM_BYTES];
	char          hex[2 * TOKEN_RANDOM_BYTES + 1];
	size_t        i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t) sizeof(raw)) {
		snprintf(msg, msglen, "no randomness for a token: %s",
		    strerror(errno));
		return PP_EIO;
	}
	for (i = 0; i < sizeof(raw); i++) {
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	}
	memset(raw, 0, sizeof(raw));
	return ppi_token_set(t, hex, 2 * sizeof(raw), msg, msglen);
}

int
ppi_loopback_token_make(const ppi_addr *a, ppi_token *t, char *msg,
    size_t msglen)
{
	ppi_token old;
	char      path[1024], tmp[1100];
	ssize_t   n;
	int       fd, rv;

	if ((rv = ppi_loopback_token_path(a, true, path, sizeof(path), msg,
	         msglen)) != 0) {
		return rv;
	}
	memset(&old, 0, sizeof(old));
	if (t->len == 0 && ppi_token_read_file(&old, path, msg, msglen) == 0) {
		/* Kept: clients that hold it go on after a restart. */
		*t = old;
		ppi_token_wipe(&old);
		return 0;
	}
	if (t->len == 0 && (rv = random_token(t, msg, msglen)) != 0) {
		return rv;
	}
	/* Written beside it and renamed, so a reader never sees half. */
	snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long) getpid());
	unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	              O_NOFOLLOW, 0600)) < 0) {
		snprintf(msg, msglen, "cannot write %s: %s", tmp,
		    strerror(errno));
		return PP_EIO;
	}
	n  = write(fd, t->bytes, t->len);
	rv = n == (ssize_t) t->len && fsync(fd) == 0 ? 0 : -1;
	if (close(fd) != 0) {
		rv = -1;
	}
	if (rv == 0 && rename(tmp, path) != 0) {
		rv = -1;
	}
	if (rv != 0) {
		snprintf(msg, msglen, "cannot write %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		return PP_EIO;
	}
	return 0;
}
