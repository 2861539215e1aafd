/*
 * log.c - one-line messages on stderr. Each line goes out in a single
 * write(), so lines of several threads (and of several workers sharing
 * the node's stderr) never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static char prefix[48] = "pipeproc-worker: ";

void
log_init(uint32_t slot)
{
	snprintf(prefix, sizeof(prefix), "pipeproc-worker[%u]: ",
	    (unsigned) slot);
}

void
log_msg(const char *fmt, ...)
{
	char    line[1024];
	va_list ap;
	size_t  n;
	int     k;

	n = strlen(prefix);
	memcpy(line, prefix, n);
	va_start(ap, fmt);
	k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (k < 0) {
		return;
	}
	n += (size_t) k < sizeof(line) - n - 1 ? (size_t) k
	                                       : sizeof(line) - n - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere else to say it. */
	}
}
