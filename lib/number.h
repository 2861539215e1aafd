/*
 * number.h - reading a number from a command line, shared by
 * pipeproc-node and pipeproc-worker: plain decimal digits only (no sign,
 * no spaces, nothing after), so "-1" or "10ms" is an error, never a
 * surprise.
 */
#ifndef PP_NUMBER_H
#define PP_NUMBER_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* ppi_parse_u64 - s as a number no larger than max, into *out (left
 * alone on failure). */
static inline bool
ppi_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char              *end;
	unsigned long long v;

	if (s == NULL || s[0] < '0' || s[0] > '9') {
		return false;
	}
	errno = 0;
	v     = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max) {
		return false;
	}
	*out = v;
	return true;
}

#endif
