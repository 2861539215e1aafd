/*
 * soak_node.c - starts the node as a plain child process (not through
 * pp_spawn, whose node follows its spawner's lifetime) so that the soak
 * can SIGKILL it and start it again on the same data directory.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "soak.h"

int
soak_node_start(soak_node *n)
{
	const char *argv[] = { n->path, "--data", n->dir, "--listen",
		n->address, "--sync", n->sync, "--ready-fd", "3", NULL };
	char        line[256];
	int         fds[2];
	ssize_t     got;
	size_t      len = 0;
	pid_t       pid;

	if (pipe(fds) != 0) {
		perror("soak: pipe");
		return -1;
	}
	if ((pid = fork()) < 0) {
		perror("soak: fork");
		return -1;
	}
	if (pid == 0) {
		/* The node says "ready ADDRESS" or "error CODE TEXT" on fd 3
		 * and closes it; nothing else of ours stays open in it. */
		close(fds[0]);
		if (fds[1] != 3) {
			dup2(fds[1], 3);
			close(fds[1]);
		}
		execv(argv[0], (char *const *) argv);
		_exit(127);
	}
	close(fds[1]);
	while (len < sizeof(line) - 1 &&
	    (got = read(fds[0], line + len, sizeof(line) - 1 - len)) != 0) {
		if (got < 0 && errno == EINTR) {
			continue;
		}
		if (got < 0) {
			break;
		}
		len += (size_t) got;
		if (memchr(line, '\n', len) != NULL) {
			break;
		}
	}
	close(fds[0]);
	if (len < 6 || memcmp(line, "ready ", 6) != 0) {
		line[len] = '\0';
		fprintf(stderr, "soak: %s did not become ready: %s\n", n->path,
		    len > 0 ? line : "(no answer)");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	n->pid = pid;
	return 0;
}

void
soak_node_kill(soak_node *n, int sig)
{
	if (n->pid <= 0) {
		return;
	}
	kill(n->pid, sig);
	while (waitpid(n->pid, NULL, 0) < 0 && errno == EINTR) {
	}
	n->pid = 0;
}
