/*
 * main.c - pipeproc-worker: arguments, signals and exit statuses
 * (pipeproc-worker(8)). Two modes:
 *
 *   --check PLUGIN [--config STRING]
 *       load, check and init the plugin, fini it, and print one line:
 *       "ok NAME" (status 0) or "error MESSAGE" (status 1). The node runs
 *       this in a child process before it creates a systemProc, so a bad
 *       plugin is refused (PP_EPLUGIN) and can never crash the node.
 *   --address ADDR --slot N [--concurrency C] [--restart-after R]
 *   [--lifeline-fd FD]
 *       run the node's systemProcs (loop.c) until told to stop.
 *
 * Design notes: signals are blocked before any thread exists (NNG and the
 * claim threads start later) and read from a signalfd by the main thread,
 * which otherwise only waits in poll() for SIGTERM/SIGINT, EOF on the
 * lifeline (the node is gone: leave at once, the node's successor finds
 * the claims and reclaims them) or the loop settling. In --check mode the
 * answer goes to the original stdout while the plugin's own output is sent
 * to stderr, and a crash or a hang of the plugin still produces an
 * "error" line (from a signal handler, with async-signal-safe calls only).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "log.h"
#include "loop.h"
#include "number.h"
#include "plugin.h"
#include "stdio_guard.h"

/* --check gives up on a plugin whose load, init or fini takes longer;
 * the node waits 10 s in all, so our reason reaches it. */
#define CHECK_TIMEOUT_S 8
#define STR_(x) #x
#define STR(x) STR_(x)
#define CONCURRENCY_MAX 256

typedef struct options {
	const char *check;  /* --check PLUGIN */
	const char *config; /* --config STRING */
	const char *address;
	uint64_t    slot;
	bool        has_slot;
	uint64_t    concurrency;
	uint64_t    restart_after;
	int         lifeline_fd;
} options;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pipeproc-worker --check PLUGIN [--config STRING]\n"
	    "       pipeproc-worker --address ADDRESS --slot N "
	    "[--concurrency C]\n"
	    "         [--restart-after R] [--lifeline-fd FD]\n");
}

/* Fills o from argv; returns 0, or -1 after printing why. */
static int
parse_args(int argc, char **argv, options *o)
{
	uint64_t v;
	int      i;

	memset(o, 0, sizeof(*o));
	o->concurrency = 1;
	o->lifeline_fd = -1;
	for (i = 1; i < argc; i++) {
		const char *a   = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(a, "--version") == 0) {
			printf("pipeproc-worker %s\n", pp_version());
			exit(0);
		}
		if (val == NULL) {
			fprintf(stderr, "pipeproc-worker: %s needs a value\n",
			    a);
			return -1;
		}
		i++;
		if (strcmp(a, "--check") == 0) {
			o->check = val;
		} else if (strcmp(a, "--config") == 0) {
			o->config = val;
		} else if (strcmp(a, "--address") == 0) {
			o->address = val;
		} else if (strcmp(a, "--slot") == 0 &&
		    ppi_parse_u64(val, UINT32_MAX, &o->slot)) {
			o->has_slot = true;
		} else if (strcmp(a, "--concurrency") == 0 &&
		    ppi_parse_u64(val, CONCURRENCY_MAX, &o->concurrency) &&
		    o->concurrency > 0) {
			continue;
		} else if (strcmp(a, "--restart-after") == 0 &&
		    ppi_parse_u64(val, UINT64_MAX, &o->restart_after)) {
			continue;
		} else if (strcmp(a, "--lifeline-fd") == 0 &&
		    ppi_parse_u64(val, INT_MAX, &v)) {
			o->lifeline_fd = (int) v;
		} else {
			fprintf(stderr, "pipeproc-worker: bad option %s %s\n",
			    a, val);
			usage(stderr);
			return -1;
		}
	}
	if (o->check != NULL) {
		if (o->address != NULL || o->has_slot) {
			fprintf(stderr, "pipeproc-worker: --check takes no "
			    "--address or --slot\n");
			return -1;
		}
		return 0;
	}
	if (o->config != NULL) {
		fprintf(stderr, "pipeproc-worker: --config goes with "
		    "--check (a running worker gets each systemProc's "
		    "config from the node)\n");
		return -1;
	}
	if (o->address == NULL || !o->has_slot) {
		fprintf(stderr, "pipeproc-worker: --address and --slot are "
		    "required\n");
		usage(stderr);
		return -1;
	}
	if (o->lifeline_fd >= 0 && fcntl(o->lifeline_fd, F_GETFD) < 0) {
		fprintf(stderr, "pipeproc-worker: --lifeline-fd %d: %s\n",
		    o->lifeline_fd, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- --check ----------------------------------------------------------- */

/* Where the answer goes, and its start when a signal ends the check. */
static int  check_out_fd = STDOUT_FILENO;
static char check_prefix[512];

/* Appends s to buf at *n, within len; async-signal-safe. */
static void
append(char *buf, size_t len, size_t *n, const char *s)
{
	while (*s != '\0' && *n + 1 < len) {
		buf[(*n)++] = *s++;
	}
}

/* Prints "error plugin PATH: ..." for a crash or a hang and exits. Only
 * async-signal-safe calls: it runs in the middle of the plugin. */
static void
check_signal(int sig)
{
	const char *stage = plugin_stage != NULL ? plugin_stage : "check";
	char        line[768], num[12];
	size_t      n = 0, k = sizeof(num);
	int         v = sig;

	num[--k] = '\0';
	do {
		num[--k] = (char) ('0' + v % 10);
		v /= 10;
	} while (v > 0 && k > 0);
	append(line, sizeof(line), &n, check_prefix);
	if (sig == SIGALRM) {
		append(line, sizeof(line), &n,
		    "no answer within " STR(CHECK_TIMEOUT_S) " s (");
		append(line, sizeof(line), &n, stage);
		append(line, sizeof(line), &n, ")");
	} else {
		append(line, sizeof(line), &n, "crashed with signal ");
		append(line, sizeof(line), &n, num + k);
		append(line, sizeof(line), &n, " during ");
		append(line, sizeof(line), &n, stage);
	}
	line[n++] = '\n';
	if (write(check_out_fd, line, n) < 0) {
		/* The node sees the status. */
	}
	_exit(1);
}

/* Keeps the answer line apart from whatever the plugin prints. */
static void
check_guard(const char *path)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT,
		SIGALRM };
	struct sigaction sa;
	size_t           i, n = 0;
	int              fd;

	fflush(stdout);
	if ((fd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) >= 0 &&
	    dup2(STDERR_FILENO, STDOUT_FILENO) >= 0) {
		check_out_fd = fd;
	}
	append(check_prefix, sizeof(check_prefix), &n, "error plugin ");
	append(check_prefix, sizeof(check_prefix), &n, path);
	append(check_prefix, sizeof(check_prefix), &n, ": ");
	for (i = 0; i < n; i++) {
		if ((unsigned char) check_prefix[i] < 0x20) {
			check_prefix[i] = ' ';
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = check_signal;
	sa.sa_flags   = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaction(sigs[i], &sa, NULL);
	}
	alarm(CHECK_TIMEOUT_S);
}

static int
check_answer(const char *word, const char *text)
{
	char   line[PLUGIN_ERR_MAX + 16];
	int    n;
	size_t len;

	n   = snprintf(line, sizeof(line), "%s %s\n", word, text);
	len = n < 0 ? 0 : (size_t) n < sizeof(line) ? (size_t) n
	                                            : sizeof(line) - 1;
	if (len > 0 && line[len - 1] != '\n') {
		line[len - 1] = '\n';
	}
	if (write(check_out_fd, line, len) < 0) {
		return 1;
	}
	return word[0] == 'o' ? 0 : 1;
}

/* --check: load + check + init + fini here, answer on one line. */
static int
check_main(const options *o)
{
	plugin *p;
	char    err[PLUGIN_ERR_MAX], name[PLUGIN_NAME_MAX + 1];

	check_guard(o->check);
	if (plugin_open(o->check, o->config, &p, err, sizeof(err)) != 0) {
		alarm(0);
		return check_answer("error", err);
	}
	/* The name lives in the plugin, which fini may unload. */
	snprintf(name, sizeof(name), "%s", plugin_name(p));
	plugin_close(p);
	alarm(0);
	return check_answer("ok", name);
}

/* ---- run ---------------------------------------------------------------- */

/* Waits until the loop settles; leaves at once if the node dies. */
static int
wait_settled(loop *l, int sigfd, int lifeline_fd)
{
	struct pollfd           fds[3];
	struct signalfd_siginfo si;
	char                    drain[64];
	nfds_t                  n = 0;
	bool                    is_stop_asked = false;
	int                     status;

	fds[n++] = (struct pollfd) { loop_fd(l), POLLIN, 0 };
	fds[n++] = (struct pollfd) { sigfd, POLLIN, 0 };
	if (lifeline_fd >= 0) {
		fds[n++] = (struct pollfd) { lifeline_fd, POLLIN, 0 };
	}
	while (!loop_settled(l, &status)) {
		if (poll(fds, n, -1) < 0) {
			if (errno == EINTR) {
				continue;
			}
			log_msg("poll: %s", strerror(errno));
			_exit(1);
		}
		if (n == 3 && fds[2].revents != 0) {
			/* EOF (or anything) on the lifeline: the node is gone
			 * and so is everyone who could use our outputs. */
			_exit(0);
		}
		if (fds[1].revents != 0 &&
		    read(sigfd, &si, sizeof(si)) == sizeof(si) &&
		    si.ssi_signo != SIGHUP) {
			if (is_stop_asked) {
				log_msg("second signal: leaving now");
				_exit(1);
			}
			is_stop_asked = true;
			loop_stop(l);
		}
		while (fds[0].revents != 0 &&
		    read(loop_fd(l), drain, sizeof(drain)) > 0) {
		}
	}
	return status;
}

static int
run_main(const options *o, sigset_t *sigs)
{
	loop_opts       lo;
	pp_client      *client;
	loop           *l;
	int             sigfd, rv, status;

	log_init((uint32_t) o->slot);
	if ((sigfd = signalfd(-1, sigs, SFD_CLOEXEC)) < 0) {
		log_msg("signalfd: %s", strerror(errno));
		return 1;
	}
	if (o->lifeline_fd >= 0) {
		/* Not for the plugins' children. */
		fcntl(o->lifeline_fd, F_SETFD, FD_CLOEXEC);
	}
	if ((rv = pp_connect(o->address, NULL, &client)) != 0) {
		log_msg("%s: %s", pp_errname(rv), pp_last_errmsg()[0] != '\0'
		        ? pp_last_errmsg()
		        : o->address);
		return 1;
	}
	lo.slot          = (uint32_t) o->slot;
	lo.concurrency   = (uint32_t) o->concurrency;
	lo.restart_after = o->restart_after;
	if ((rv = loop_start(client, &lo, &l)) != 0) {
		log_msg("cannot start: %s", pp_errname(rv));
		pp_close(client);
		return 1;
	}
	status = wait_settled(l, sigfd, o->lifeline_fd);
	if (loop_finish(l)) {
		pp_close(client);
		close(sigfd);
		return status;
	}
	/* A thread is parked in a claim that cannot be cancelled: leave
	 * without waiting for it (the node reclaims what it may get). */
	fflush(stdout);
	fflush(stderr);
	_exit(status);
}

int
main(int argc, char **argv)
{
	options  o;
	sigset_t sigs;

	/* First of all: no file we open may become our stdout or stderr. */
	ppi_stdio_guard();
	if (parse_args(argc, argv, &o) != 0) {
		return 1;
	}
	if (o.check != NULL) {
		return check_main(&o);
	}
	/* Before any thread exists, so every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	return run_main(&o, &sigs);
}
