/*
 * plugin_check.c - run `pipeproc-worker --check PLUGIN --config C` and
 * read its one-line verdict: "ok NAME" or "error MESSAGE".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "deadline.h"
#include "plugin_check.h"
#include "pipeproc.h"

#define CHECK_TIMEOUT_MS 10000

/* Reaps pid by the deadline; false (and it is killed) when it would not
 * end. Short sleeps: the child has closed its output and is exiting. */
static bool
reap(pid_t pid, int *status, uint64_t deadline)
{
	struct timespec pause = { 0, 1000000 };

	while (waitpid(pid, status, WNOHANG) == 0) {
		if (ppi_clock_ms(CLOCK_MONOTONIC) >= deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return false;
		}
		nanosleep(&pause, NULL);
	}
	return true;
}

/* Reads the child's output until EOF or the deadline; NUL-terminated. */
static size_t
read_verdict(int fd, char *buf, size_t cap, uint64_t deadline)
{
	struct pollfd p = { fd, POLLIN, 0 };
	size_t        len = 0;
	ssize_t       n;
	uint64_t      now;

	while (len + 1 < cap &&
	    (now = ppi_clock_ms(CLOCK_MONOTONIC)) < deadline) {
		if (poll(&p, 1, (int) (deadline - now)) <= 0) {
			break;
		}
		if ((n = read(fd, buf + len, cap - 1 - len)) <= 0) {
			break;
		}
		len += (size_t) n;
	}
	buf[len] = '\0';
	return len;
}

int
plugin_check(const char *worker_path, const char *plugin,
    const plugin_check_for *sp, char *msg, size_t msglen)
{
	char   mr[24], rt[24];
	char  *argv[] = { (char *) worker_path, "--check", (char *) plugin,
		 "--config", (char *) sp->config, "--system-proc",
		 (char *) sp->name, "--max-reclaims", mr,
		 "--reclaim-timeout-ms", rt, NULL, NULL, NULL };
	char   out[1024], *nl;
	int      fds[2], status = 0, rc;
	pid_t    pid;
	uint64_t deadline;

	if (sp->is_source) {
		argv[11] = "--source";
		argv[12] = "1";
	}
	snprintf(mr, sizeof(mr), "%lld", (long long) sp->max_reclaims);
	snprintf(rt, sizeof(rt), "%lld", (long long) sp->reclaim_timeout_ms);
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(msg, msglen, "cannot check plugin %s: %s", plugin,
		    strerror(errno));
		return PP_EPLUGIN;
	}
	rc = child_spawn(argv, -1, fds[1], &pid);
	close(fds[1]);
	if (rc != 0) {
		close(fds[0]);
		snprintf(msg, msglen, "cannot run %s to check plugin %s: %s",
		    worker_path, plugin, strerror(rc));
		return PP_EPLUGIN;
	}
	deadline = ppi_clock_ms(CLOCK_MONOTONIC) + CHECK_TIMEOUT_MS;
	read_verdict(fds[0], out, sizeof(out), deadline);
	close(fds[0]);
	if (!reap(pid, &status, deadline)) {
		snprintf(msg, msglen, "plugin %s: check did not finish "
		    "within %d ms (init() hangs?)", plugin, CHECK_TIMEOUT_MS);
		return PP_EPLUGIN;
	}
	if ((nl = strchr(out, '\n')) != NULL) {
		*nl = '\0';
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	    strncmp(out, "ok", 2) == 0) {
		return 0;
	}
	if (strncmp(out, "error ", 6) == 0) {
		snprintf(msg, msglen, "%s", out + 6);
	} else if (WIFSIGNALED(status)) {
		snprintf(msg, msglen, "plugin %s: the check crashed with "
		    "signal %d (%s)", plugin, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	} else {
		snprintf(msg, msglen, "plugin %s: check failed (exit %d)",
		    plugin, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	return PP_EPLUGIN;
}
