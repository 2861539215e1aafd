/*
 * stdio_guard.h - keep descriptors 0, 1 and 2 open (stdio_guard.c).
 */
#ifndef PP_STDIO_GUARD_H
#define PP_STDIO_GUARD_H

/*
 * ppi_stdio_guard - open /dev/null on whichever of 0, 1 and 2 is closed
 * and clear close-on-exec on the others, so that no file opened later
 * lands there and an exec keeps them. Async-signal-safe (open, fcntl,
 * dup2, close), so a child may call it between fork and exec.
 */
void ppi_stdio_guard(void);

#endif
