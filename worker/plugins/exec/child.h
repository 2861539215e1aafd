/*
 * child.h - one child program of the exec plugin: started with
 * /bin/sh -c COMMAND, talked to over two pipes, stopped and reaped.
 */
#ifndef PP_EXEC_CHILD_H
#define PP_EXEC_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* How long a child gets to leave after its stdin closes, or after
 * SIGTERM, before SIGKILL, ms. */
#define CHILD_GRACE_MS 200

typedef struct child {
	pid_t pid; /* 0: not running */
	int   in_fd;  /* the child's stdin, our write end; -1 when closed */
	int   out_fd; /* the child's stdout, our read end */
} child;

/*
 * child_start - run `/bin/sh -c command` with `env` (a NULL-terminated
 * array) as its environment, its stdin and stdout pipes to us
 * (non-blocking on our side, close-on-exec), its stderr ours, in a
 * process group of its own, and with SIGKILL as its parent-death
 * signal. Returns 0, or -1 with a message in err.
 * Only async-signal-safe calls run between fork() and exec, so it may be
 * called from any thread of a multithreaded worker.
 */
int child_start(child *c, const char *command, char *const *env, char *err,
    size_t errlen);

/*
 * child_stop - end the child and reap it: close its stdin (a child that
 * follows the protocol leaves on EOF), SIGTERM to its process group when
 * is_kill (a child that hangs does not read), SIGKILL after
 * CHILD_GRACE_MS. Writes how it ended into why ("exited with status 3",
 * "killed by signal 9 (KILL)"), when why is not NULL. Leaves no zombie.
 * Idempotent.
 */
void child_stop(child *c, bool is_kill, char *why, size_t whylen);

/*
 * child_describe - a wait status as text: "exited with status N",
 * "killed by signal N (NAME)".
 */
void child_describe(int status, char *out, size_t outlen);

#endif
