/*
 * child.h - start a helper program from the node: workers and plugin
 * checks (posix_spawn, which is safe in a threaded process).
 */
#ifndef PP_NODE_CHILD_H
#define PP_NODE_CHILD_H

#include <sys/types.h>

/*
 * child_spawn - run argv[0] with argv. The child gets default signal
 * dispositions and an empty signal mask (the node blocks and ignores
 * some), stdin from /dev/null, `fd3` (if >= 0) as its descriptor 3 and
 * `out` (if >= 0) as its standard output. Returns 0 and sets *pid, or an
 * errno value.
 */
int child_spawn(char *const argv[], int fd3, int out, pid_t *pid);

#endif
