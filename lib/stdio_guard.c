/*
 * stdio_guard.c - file descriptors 0, 1 and 2 are always something.
 *
 * A program started with one of them closed (or marked close-on-exec by
 * its parent, as Node.js does with its own) gets the next file it opens
 * there. For the node that was LMDB's lock file at 1 and data.mdb at 2:
 * every line a worker or the node wrote to stderr went into the store,
 * and the store file changing size under the node's map killed it with
 * SIGBUS. So the spawner's child, the node and the worker make sure the
 * three are open (on /dev/null when they were not) before anything else.
 */
#include <fcntl.h>
#include <unistd.h>

#include "stdio_guard.h"

void
ppi_stdio_guard(void)
{
	int fd, flags, n;

	for (fd = 0; fd <= 2; fd++) {
		if ((flags = fcntl(fd, F_GETFD)) >= 0) {
			if (flags & FD_CLOEXEC) {
				fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
			}
			continue;
		}
		/* The lowest free descriptor: this one, as the lower ones
		 * are open by now. */
		if ((n = open("/dev/null", O_RDWR)) >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
}
