/*
 * workers.c - start, watch and restart pipeproc-worker processes.
 *
 * Design notes: each worker gets one end of a socketpair as its fd 3
 * (--lifeline-fd 3); the node keeps the other. Either side sees a hang-up
 * when the other process is gone, whatever the way it died: the worker
 * exits when its node dies, and the supervisor thread learns of a dead
 * worker from poll(), without SIGCHLD (a signal handler would see every
 * child, plugin checks included) and without polling waitpid().
 * Each start gets a new id (the worker's "slot" on the wire), so the
 * claims of a dead worker can never be confused with its replacement's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "deadline.h"
#include "metrics.h"
#include "workers.h"

#define WORKERS_MAX 64
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000
#define HEALTHY_MS 10000 /* a worker that lived this long resets backoff */
#define STOP_GRACE_MS 5000

typedef struct proc_slot {
	pid_t    pid;       /* 0: not running */
	int      fd;        /* our end of its lifeline */
	uint32_t id;        /* this start's id */
	uint64_t started_ms;
	uint64_t restart_at_ms; /* when not running: start again then */
	uint32_t failures;      /* crashes in a row */
} proc_slot;

struct workers {
	workers_config  cfg;
	writer         *writer;
	proc_slot       slots[WORKERS_MAX];
	int             count;
	uint32_t        next_id;
	int             wake[2]; /* workers_stop -> thread */
	pthread_t       thread;
};

static void
start_one(workers *ws, proc_slot *p)
{
	char  id[16], conc[16], after[16];
	char *argv[] = { (char *) ws->cfg.path, "--address",
		(char *) ws->cfg.address, "--slot", id, "--concurrency", conc,
		"--restart-after", after, "--lifeline-fd", "3", NULL, NULL,
		NULL };
	int   sv[2], rc;

	/* The first slot runs the sources: one runner per node, and its
	 * successor starts only after it was reaped (worker/source.c). */
	if (p == &ws->slots[0]) {
		argv[11] = "--sources";
		argv[12] = "1";
	}
	p->id = ++ws->next_id;
	/* Before it can ask: claims of workers the node does not know
	 * as running are refused (its requests may outlive it). */
	writer_worker_started(ws->writer, p->id);
	snprintf(id, sizeof(id), "%u", p->id);
	snprintf(conc, sizeof(conc), "%u", ws->cfg.concurrency);
	snprintf(after, sizeof(after), "%u", ws->cfg.restart_after);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = errno;
	} else {
		rc = child_spawn(argv, sv[1], -1, &p->pid);
		close(sv[1]);
		if (rc != 0) {
			close(sv[0]);
		}
	}
	if (rc != 0) {
		fprintf(stderr, "pipeproc-node: cannot start %s: %s\n",
		    ws->cfg.path, strerror(rc));
		writer_worker_exited(ws->writer, p->id, true, "not started");
		p->pid           = 0;
		p->failures++;
		p->restart_at_ms = ppi_clock_ms(CLOCK_MONOTONIC) + BACKOFF_MAX_MS;
		return;
	}
	p->fd         = sv[0];
	p->started_ms = ppi_clock_ms(CLOCK_MONOTONIC);
}

/* Why a worker ended, for its claims' error and the log. */
static void
describe(const proc_slot *p, int status, char *why, size_t len)
{
	if (WIFSIGNALED(status)) {
		snprintf(why, len, "worker %u (pid %d) killed by signal %d (%s)",
		    p->id, (int) p->pid, WTERMSIG(status),
		    strsignal(WTERMSIG(status)));
	} else {
		snprintf(why, len, "worker %u (pid %d) exited with status %d",
		    p->id, (int) p->pid, WEXITSTATUS(status));
	}
}

/* Its lifeline hung up: reap it, release its claims, plan a restart. */
static void
ended(workers *ws, proc_slot *p)
{
	char     why[160];
	int      status = 0;
	uint64_t now = ppi_clock_ms(CLOCK_MONOTONIC), delay = 0;
	uint32_t i;

	close(p->fd);
	p->fd = -1;
	/* A worker closes its lifeline only by exiting; a plugin that
	 * closed it by mistake gets killed rather than waited for. */
	for (i = 0; waitpid(p->pid, &status, WNOHANG) == 0; i++) {
		struct timespec pause = { 0, 1000000 };

		if (i == 2000) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, &status, 0);
			break;
		}
		nanosleep(&pause, NULL);
	}
	describe(p, status, why, sizeof(why));
	writer_worker_exited(ws->writer, p->id,
	    WIFEXITED(status) && WEXITSTATUS(status) == 0, why);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		p->failures = 0; /* a planned replacement (restart_after) */
	} else {
		fprintf(stderr, "pipeproc-node: %s; restarting it\n", why);
		if (now - p->started_ms >= HEALTHY_MS) {
			p->failures = 0;
		}
		delay = (uint64_t) BACKOFF_MIN_MS << (p->failures < 6 ? p->failures : 6);
		delay = delay < BACKOFF_MAX_MS ? delay : BACKOFF_MAX_MS;
		p->failures++;
	}
	p->pid           = 0;
	p->restart_at_ms = now + delay;
	metrics_worker_restarted();
}

static void *
supervise(void *arg)
{
	workers      *ws = arg;
	struct pollfd fds[WORKERS_MAX + 1];
	proc_slot    *at[WORKERS_MAX + 1];
	uint64_t      now, next;
	int           n, i, timeout;

	for (;;) {
		now  = ppi_clock_ms(CLOCK_MONOTONIC);
		next = 0;
		n    = 0;
		fds[n++] = (struct pollfd) { ws->wake[0], POLLIN, 0 };
		for (i = 0; i < ws->count; i++) {
			proc_slot *p = &ws->slots[i];

			if (p->pid == 0 && p->restart_at_ms <= now) {
				start_one(ws, p);
			}
			if (p->pid != 0) {
				at[n]    = p;
				fds[n++] = (struct pollfd) { p->fd, POLLIN, 0 };
			} else if (next == 0 || p->restart_at_ms < next) {
				next = p->restart_at_ms;
			}
		}
		timeout = next == 0 ? -1 : (int) (next > now ? next - now : 0);
		if (poll(fds, (nfds_t) n, timeout) < 0 && errno != EINTR) {
			break;
		}
		if (fds[0].revents != 0) {
			break; /* workers_stop */
		}
		for (i = 1; i < n; i++) {
			/* Workers never write: any event is the hang-up. */
			if (fds[i].revents != 0) {
				ended(ws, at[i]);
			}
		}
	}
	return NULL;
}

int
workers_start(const workers_config *cfg, writer *w, workers **out)
{
	workers *ws;
	int      i;

	*out = NULL;
	if (cfg->count <= 0) {
		return 0;
	}
	if ((ws = calloc(1, sizeof(*ws))) == NULL) {
		return PP_ENOMEM;
	}
	ws->cfg    = *cfg;
	ws->writer = w;
	ws->count  = cfg->count < WORKERS_MAX ? cfg->count : WORKERS_MAX;
	for (i = 0; i < ws->count; i++) {
		ws->slots[i].fd = -1;
	}
	if (pipe2(ws->wake, O_CLOEXEC) < 0) {
		free(ws);
		return PP_ENOMEM;
	}
	if (pthread_create(&ws->thread, NULL, supervise, ws) != 0) {
		close(ws->wake[0]);
		close(ws->wake[1]);
		free(ws);
		return PP_ENOMEM;
	}
	*out = ws;
	return 0;
}

void
workers_stop(workers *ws)
{
	struct pollfd fds[WORKERS_MAX];
	proc_slot    *at[WORKERS_MAX];
	uint64_t      deadline, now;
	int           i, n, status;

	if (ws == NULL) {
		return;
	}
	if (write(ws->wake[1], "s", 1) < 0) {
		/* never full: one byte, once */
	}
	pthread_join(ws->thread, NULL);
	/* Waiting claims end with PP_ESHUTDOWN; then ask nicely. */
	writer_stop_workers(ws->writer);
	for (i = 0; i < ws->count; i++) {
		if (ws->slots[i].pid != 0) {
			kill(ws->slots[i].pid, SIGTERM);
		}
	}
	deadline = ppi_clock_ms(CLOCK_MONOTONIC) + STOP_GRACE_MS;
	for (;;) {
		for (n = 0, i = 0; i < ws->count; i++) {
			if (ws->slots[i].pid != 0) {
				at[n]    = &ws->slots[i];
				fds[n++] = (struct pollfd) { ws->slots[i].fd, POLLIN,
					0 };
			}
		}
		now = ppi_clock_ms(CLOCK_MONOTONIC);
		if (n == 0 || now >= deadline) {
			break;
		}
		if (poll(fds, (nfds_t) n, (int) (deadline - now)) < 0 &&
		    errno != EINTR) {
			break;
		}
		for (i = 0; i < n; i++) {
			if (fds[i].revents != 0) {
				close(at[i]->fd);
				waitpid(at[i]->pid, &status, 0);
				at[i]->pid = 0;
			}
		}
	}
	for (i = 0; i < ws->count; i++) {
		if (ws->slots[i].pid != 0) {
			fprintf(stderr, "pipeproc-node: worker %u did not stop "
			    "in %d ms; killing it\n", ws->slots[i].id,
			    STOP_GRACE_MS);
			kill(ws->slots[i].pid, SIGKILL);
			waitpid(ws->slots[i].pid, &status, 0);
			close(ws->slots[i].fd);
		}
	}
	close(ws->wake[0]);
	close(ws->wake[1]);
	free(ws);
}
