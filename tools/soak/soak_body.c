/*
 * soak_body.c - the soak's bodies and its random numbers, below every
 * other file of the tool.
 *
 * A body is "c<client>.<n>": unique per commit attempt, so the audit can
 * map each stored log back to the one attempt that wrote it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "soak.h"

uint64_t
soak_rand(uint64_t *s)
{
	/* splitmix64: reproducible from --seed */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int
soak_body(char *buf, size_t len, uint64_t key)
{
	return snprintf(buf, len, "c%" PRIu64 ".%" PRIu64, key >> 40,
	    key & (((uint64_t) 1 << 40) - 1));
}

bool
soak_body_key(const void *body, size_t len, uint64_t *key)
{
	char     text[64];
	uint64_t c, n;
	int      used = 0;

	if (len == 0 || len >= sizeof(text)) {
		return false;
	}
	memcpy(text, body, len);
	text[len] = '\0';
	if (sscanf(text, "c%" SCNu64 ".%" SCNu64 "%n", &c, &n, &used) != 2 ||
	    (size_t) used != len) {
		return false;
	}
	*key = (c << 40) | n;
	return true;
}
