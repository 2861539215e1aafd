/*
 * child.c - start a helper program (see child.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

#include "child.h"

extern char **environ;

int
child_spawn(char *const argv[], int fd3, int out, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t          attr;
	sigset_t                   none, all;
	int                        rc;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* The node blocks SIGTERM/SIGINT/SIGHUP for its signalfd and
	 * ignores SIGPIPE; a child must not inherit either. */
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(
	    &attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	/* dup2 clears close-on-exec on the copy only. */
	if (fd3 >= 0) {
		posix_spawn_file_actions_adddup2(&fa, fd3, 3);
	}
	if (out >= 0) {
		posix_spawn_file_actions_adddup2(&fa, out, 1);
	}
	rc = posix_spawn(pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}
