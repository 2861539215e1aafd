/*
 * child.c - starting, stopping and reaping one child program of the exec
 * plugin.
 *
 * Design notes:
 * - The worker is multithreaded, so between fork() and execve() the
 *   child makes only async-signal-safe calls: dup2, close, fcntl,
 *   sigprocmask, sigaction, setpgid, prctl, getppid, execve, _exit.
 *   Everything it needs (argv, envp) is built before the fork.
 * - Orphans: the child gets SIGKILL when the worker thread that started
 *   it dies (PR_SET_PDEATHSIG; exec.c starts them all from its spawner
 *   thread, which lives until fini, see spawner.h); it checks getppid()
 *   after prctl() in case the worker died first. Grandchildren (a
 *   `sh -c 'a | b'`) do not get that signal, but they share the pipes:
 *   the protocol requires a child to leave at EOF on stdin, which comes
 *   when the worker dies.
 * - The child has a process group of its own, so child_stop() signals
 *   every process the command line started, and a Ctrl-C meant for the
 *   worker's terminal does not reach it directly.
 * - The worker ignores SIGPIPE (a write to a dead child is EPIPE) and
 *   blocks SIGTERM/SIGINT/SIGHUP in its threads; the child gets both back
 *   to their defaults.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"

/* Puts fd on `target` without close-on-exec; in the child only. */
static int
place(int fd, int target)
{
	if (fd == target) {
		return fcntl(fd, F_SETFD, 0);
	}
	return dup2(fd, target) < 0 ? -1 : 0;
}

/* The child side of the fork: never returns. */
static void
run_child(int in_r, int out_w, pid_t parent, char *const *argv,
    char *const *env)
{
	sigset_t         none;
	struct sigaction dfl;
	int              sig;

	/* out_w first: in_r may be fd 1 and would be overwritten. */
	if (in_r == STDOUT_FILENO) {
		if ((in_r = fcntl(in_r, F_DUPFD_CLOEXEC, 3)) < 0) {
			_exit(126);
		}
	}
	if (place(out_w, STDOUT_FILENO) != 0 ||
	    place(in_r, STDIN_FILENO) != 0) {
		_exit(126);
	}
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++) {
		if (sig != SIGKILL && sig != SIGSTOP) {
			sigaction(sig, &dfl, NULL);
		}
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) {
		_exit(126);
	}
	execve("/bin/sh", argv, env);
	_exit(127);
}

int
child_start(child *c, const char *command, char *const *env, char *err,
    size_t errlen)
{
	char *argv[] = { "sh", "-c", (char *) command, NULL };
	int   in[2] = { -1, -1 }, out[2] = { -1, -1 };
	pid_t parent = getpid(), pid;

	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		run_child(in[0], out[1], parent, argv, env);
	}
	close(in[0]);
	close(out[1]);
	/* Our ends never block: one poll() loop feeds and drains the
	 * child at once (exec.c), so a child that writes while we write
	 * cannot deadlock us. */
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	c->pid    = pid;
	c->in_fd  = in[1];
	c->out_fd = out[0];
	return 0;

fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0) {
			close(in[i]);
		}
		if (out[i] >= 0) {
			close(out[i]);
		}
	}
	return -1;
}

void
child_describe(int status, char *out, size_t outlen)
{
	const char *name;

	if (WIFEXITED(status)) {
		snprintf(out, outlen, "exited with status %d%s",
		    WEXITSTATUS(status), WEXITSTATUS(status) == 127
		        ? " (command not found?)"
		        : "");
	} else if (WIFSIGNALED(status)) {
		name = sigabbrev_np(WTERMSIG(status));
		snprintf(out, outlen, "killed by signal %d (%s)",
		    WTERMSIG(status), name != NULL ? name : "?");
	} else {
		snprintf(out, outlen, "ended with wait status %d", status);
	}
}

/* Waits up to ms for the child to end, without reaping it: while it is
 * a zombie its pid, and so its process group id, cannot be reused. */
static bool
ended_within(pid_t pid, int ms)
{
	struct timespec nap = { 0, 5 * 1000 * 1000 };
	siginfo_t       si;
	int             waited;

	for (waited = 0;; waited += 5) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, (id_t) pid, &si,
		        WEXITED | WNOHANG | WNOWAIT) == 0 &&
		    si.si_pid == pid) {
			return true;
		}
		if (waited >= ms) {
			return false;
		}
		nanosleep(&nap, NULL);
	}
}

void
child_stop(child *c, bool is_kill, char *why, size_t whylen)
{
	int status = 0;

	if (c->pid <= 0) {
		return;
	}
	if (c->in_fd >= 0) {
		close(c->in_fd);
		c->in_fd = -1;
	}
	if (is_kill) {
		kill(-c->pid, SIGTERM);
	}
	if (!ended_within(c->pid, CHILD_GRACE_MS)) {
		kill(c->pid, SIGKILL);
	}
	/* Whatever else the command line started goes with it; the group
	 * id is still ours while the leader is unreaped. */
	kill(-c->pid, SIGKILL);
	while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {
	}
	if (why != NULL) {
		child_describe(status, why, whylen);
	}
	close(c->out_fd);
	c->out_fd = -1;
	c->pid    = 0;
}
