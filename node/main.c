/*
 * main.c - pipeproc-node: arguments, start-up and the stop sequence.
 *
 * Design notes: signals are blocked before any thread exists (NNG starts
 * its own) and read from a signalfd in the main thread, which otherwise
 * only waits in poll() for a reason to stop: SIGTERM/SIGINT, EOF on the
 * lifeline pipe (the spawner is gone) or a `shutdown` request. Start-up
 * failures are reported on the ready pipe as "error CODE MESSAGE" so that
 * pp_spawn() can return the right code (docs/DESIGN.md §1).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "address.h"
#include "attach_dir.h"
#include "datadir.h"
#include "metrics.h"
#include "metrics_http.h"
#include "node.h"
#include "number.h"
#include "remote.h"
#include "server.h"
#include "source_lag.h"
#include "stdio_guard.h"
#include "syncer.h"
#include "workers.h"

#define MAX_LISTEN 8
#define STOP_TIMEOUT_MS 10000

enum sync_mode { SYNC_ALWAYS, SYNC_INTERVAL, SYNC_NONE };

typedef struct options {
	const char    *data_dir;
	const char    *listen[MAX_LISTEN];
	size_t         nlisten;
	enum sync_mode sync;
	uint32_t       sync_ms;
	bool           is_memory;
	bool           is_print_ready;
	uint64_t       max_body;
	uint64_t       max_store_bytes; /* 0: grow until the disk is full */
	int            ready_fd;
	int            lifeline_fd;
	writer_gc      gc;
	const char    *metrics_address; /* --metrics: NULL for none */
	char           metrics_url[512]; /* ... as served, port bound */
	workers_config workers;
	char           worker_path[PATH_MAX];
	remote_config  remote; /* --tls-*, --token-*, ... (remote.c) */
	bool           is_attached; /* --attached: stop with the last lease */
} options;

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pipeproc-node [--data DIR] [--listen ADDRESS]...\n"
	    "         [--sync always|interval:MS|none] [--memory]\n"
	    "         [--max-body BYTES] [--print-ready]\n"
	    "         [--gc] [--gc-min-prune-time MS] [--gc-interval MS]\n"
	    "         [--max-store-size BYTES] [--metrics http://HOST:PORT]\n"
	    "         [--dedupe-window MS] [--ephemeral-grace MS]\n"
	    "         [--workers N] [--worker-concurrency N]\n"
	    "         [--worker-restart-after N] [--worker-path PATH]\n"
	    "         [--tls-ca FILE --tls-cert FILE --tls-key FILE]\n"
	    "         [--token-file FILE | --token-env NAME] [--insecure-tcp]\n"
	    "         [--max-connections N] [--auth-timeout MS]\n"
	    "         [--allow-uid UID[,...]] [--allow-gid GID[,...]]\n"
	    "         [--ready-fd N] [--lifeline-fd N] [--attached]\n");
}

static bool
parse_sync(const char *s, options *o)
{
	uint64_t ms;

	if (strcmp(s, "always") == 0) {
		o->sync = SYNC_ALWAYS;
	} else if (strcmp(s, "none") == 0) {
		o->sync = SYNC_NONE;
	} else if (strncmp(s, "interval:", 9) == 0 &&
	    ppi_parse_u64(s + 9, 3600000, &ms) && ms > 0) {
		o->sync    = SYNC_INTERVAL;
		o->sync_ms = (uint32_t) ms;
	} else {
		return false;
	}
	return true;
}

static int
parse_args(int argc, char **argv, options *o)
{
	uint64_t v;
	int      i;

	memset(o, 0, sizeof(*o));
	o->data_dir    = "./pipeproc_data";
	o->max_body    = PP_BODY_MAX_DEFAULT;
	o->ready_fd    = -1;
	o->lifeline_fd = -1;
	/* The peer's defaults (PEER §15), used when --gc is given. */
	o->gc.min_prune_ms = 30000;
	o->gc.interval_ms  = 30000;
	o->workers.count       = 1;
	o->workers.concurrency = 1;
	for (i = 1; i < argc; i++) {
		const char *a   = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--memory") == 0) {
			o->is_memory = true;
			continue;
		}
		if (strcmp(a, "--insecure-tcp") == 0) {
			o->remote.is_insecure_tcp = true;
			continue;
		}
		if (strcmp(a, "--print-ready") == 0) {
			o->is_print_ready = true;
			continue;
		}
		if (strcmp(a, "--gc") == 0) {
			o->gc.is_enabled = true;
			continue;
		}
		if (strcmp(a, "--attached") == 0) {
			o->is_attached = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(a, "--version") == 0) {
			printf("pipeproc-node %s\n", pp_version());
			exit(0);
		}
		if (val == NULL) {
			fprintf(stderr, "pipeproc-node: PP_EINVAL: %s needs a value\n", a);
			return -1;
		}
		i++;
		if (strcmp(a, "--data") == 0) {
			o->data_dir = val;
		} else if (strcmp(a, "--listen") == 0) {
			if (o->nlisten == MAX_LISTEN) {
				fprintf(stderr, "pipeproc-node: PP_EINVAL: at most %d "
				    "--listen\n", MAX_LISTEN);
				return -1;
			}
			o->listen[o->nlisten++] = val;
		} else if (strcmp(a, "--sync") == 0) {
			if (!parse_sync(val, o)) {
				fprintf(stderr, "pipeproc-node: PP_EINVAL: bad --sync "
				    "'%s'\n", val);
				return -1;
			}
		} else if (strcmp(a, "--max-body") == 0) {
			if (!ppi_parse_u64(val, 1u << 30, &o->max_body)) {
				fprintf(stderr, "pipeproc-node: PP_EINVAL: bad --max-body "
				    "'%s' (at most 1 GiB)\n", val);
				return -1;
			}
		} else if (strcmp(a, "--max-store-size") == 0) {
			/* Whole pages, at least 1 MiB. */
			if (!ppi_parse_u64(val, UINT64_MAX / 2, &v) ||
			    v < (1u << 20)) {
				fprintf(stderr, "pipeproc-node: PP_EINVAL: bad "
				    "--max-store-size '%s' (at least 1 MiB)\n",
				    val);
				return -1;
			}
			o->max_store_bytes = v - v % 4096;
		} else if (strcmp(a, "--gc-min-prune-time") == 0 ||
		    strcmp(a, "--gc-interval") == 0) {
			if (!ppi_parse_u64(val, 86400000ull * 365, &v) ||
			    (v == 0 && a[5] == 'i')) {
				fprintf(stderr, "pipeproc-node: PP_EINVAL: bad %s '%s'\n", a,
				    val);
				return -1;
			}
			*(a[5] == 'i' ? &o->gc.interval_ms
			              : &o->gc.min_prune_ms) = v;
		} else if (strcmp(a, "--workers") == 0 ||
		    strcmp(a, "--worker-concurrency") == 0 ||
		    strcmp(a, "--worker-restart-after") == 0) {
			bool is_after = strcmp(a, "--worker-restart-after") == 0;
			bool is_conc  = strcmp(a, "--worker-concurrency") == 0;

			if (!ppi_parse_u64(val, is_after ? UINT32_MAX : 64, &v) ||
			    (is_conc && v == 0)) {
				fprintf(stderr, "pipeproc-node: PP_EINVAL: bad %s '%s'\n", a,
				    val);
				return -1;
			}
			if (is_after) {
				o->workers.restart_after = (uint32_t) v;
			} else if (is_conc) {
				o->workers.concurrency = (uint32_t) v;
			} else {
				o->workers.count = (int) v;
			}
		} else if (strncmp(a, "--tls-", 6) == 0 ||
		    strncmp(a, "--token-", 8) == 0 ||
		    strcmp(a, "--max-connections") == 0 ||
		    strcmp(a, "--auth-timeout") == 0 ||
		    strcmp(a, "--allow-uid") == 0 ||
		    strcmp(a, "--allow-gid") == 0) {
			if (remote_option(&o->remote, a, val) != 0) {
				return -1;
			}
		} else if (strcmp(a, "--dedupe-window") == 0) {
			/* At least a second: resends come within the
			 * request timeout, never sooner. */
			if (!ppi_parse_u64(val, 86400000ull * 365, &v) ||
			    v < 1000) {
				fprintf(stderr, "pipeproc-node: PP_EINVAL: bad "
				    "--dedupe-window '%s' (at least 1000 ms)\n",
				    val);
				return -1;
			}
			o->gc.dedupe_window_ms = v;
		} else if (strcmp(a, "--ephemeral-grace") == 0) {
			/* How long a liveProc's or tail -f's proc outlives
			 * its connection (issue 14 item 7). */
			if (!ppi_parse_u64(val, 86400000ull, &v) || v < 100) {
				fprintf(stderr, "pipeproc-node: bad "
				    "--ephemeral-grace '%s' (100 ms to a day)\n",
				    val);
				return -1;
			}
			o->gc.ephemeral_grace_ms = v;
		} else if (strcmp(a, "--metrics") == 0) {
			o->metrics_address = val; /* checked when served */
		} else if (strcmp(a, "--worker-path") == 0) {
			snprintf(o->worker_path, sizeof(o->worker_path), "%s",
			    val);
		} else if (strcmp(a, "--ready-fd") == 0 &&
		    ppi_parse_u64(val, INT_MAX, &v)) {
			o->ready_fd = (int) v;
		} else if (strcmp(a, "--lifeline-fd") == 0 &&
		    ppi_parse_u64(val, INT_MAX, &v)) {
			o->lifeline_fd = (int) v;
		} else {
			fprintf(stderr, "pipeproc-node: PP_EINVAL: unknown option %s\n", a);
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

/* Tells the spawner (and stderr) why we could not start. */
static int
fail_start(const options *o, int rv, const char *msg)
{
	char line[1200];
	int  n;

	/* An attached node that lost the race for the lock is expected:
	 * its spawner connects to the winner (pp_attach). */
	if (!(o->is_attached && rv == PP_ELOCKED)) {
		fprintf(stderr, "pipeproc-node: %s: %s\n", pp_errname(rv),
		    msg);
	}
	if (o->ready_fd >= 0) {
		n = snprintf(line, sizeof(line), "error %d %s\n", rv, msg);
		if (write(o->ready_fd, line, (size_t) n) < 0) {
			/* The spawner is gone; stderr has it. */
		}
		close(o->ready_fd);
	}
	return 1;
}

/* fail_start for a node that already listens: its socket files go, so a
 * failed start leaves none behind (a stale one would mislead clients). */
static int
fail_listening(const options *o, server *srv, int rv, const char *msg)
{
	server_unlink_sockets(srv);
	return fail_start(o, rv, msg);
}

static void
announce_ready(const options *o)
{
	char   line[1200];
	size_t i;
	int    n;

	for (i = 0; i < o->nlisten; i++) {
		if (o->is_print_ready) {
			printf("ready %s\n", o->listen[i]);
		}
	}
	if (o->is_print_ready && o->metrics_url[0] != '\0') {
		printf("metrics %s\n", o->metrics_url);
	}
	fflush(stdout);
	if (o->ready_fd >= 0) {
		n = snprintf(line, sizeof(line), "ready %s\n", o->listen[0]);
		if (write(o->ready_fd, line, (size_t) n) < 0) {
			/* The spawner is gone; the lifeline will tell. */
		}
		close(o->ready_fd);
	}
}

/* How often the listeners are probed (see server_check_listeners). */
#define LISTENER_CHECK_MS 1000

/*
 * Waits for a reason to stop, checking the listeners meanwhile, and, with
 * lease_dir (--attached), whether any attached process still lives.
 */
static void
wait_for_stop(server *srv, int sigfd, int lifeline_fd, int stop_fd,
    const char *lease_dir)
{
	struct pollfd           fds[3];
	struct signalfd_siginfo si;
	nfds_t                  n = 0;
	int                     rv;

	fds[n++] = (struct pollfd) { sigfd, POLLIN, 0 };
	fds[n++] = (struct pollfd) { stop_fd, POLLIN, 0 };
	if (lifeline_fd >= 0) {
		fds[n++] = (struct pollfd) { lifeline_fd, POLLIN, 0 };
	}
	for (;;) {
		rv = poll(fds, n, LISTENER_CHECK_MS);
		if (rv < 0 && errno == EINTR) {
			continue;
		}
		if (rv < 0) {
			return;
		}
		if (rv == 0) {
			if (lease_dir != NULL &&
			    ppi_attach_dir_count_leases(lease_dir) == 0) {
				return; /* the last attached process is gone */
			}
			server_check_listeners(srv);
			continue;
		}
		if (fds[0].revents != 0) {
			if (read(sigfd, &si, sizeof(si)) == sizeof(si) &&
			    si.ssi_signo == SIGHUP) {
				continue; /* not a stop request */
			}
			return;
		}
		if (fds[1].revents != 0) {
			return;
		}
		/* Any event on the lifeline (data, EOF, error) means the
		 * spawner closed it or died. */
		if (n == 3 && fds[2].revents != 0) {
			return;
		}
	}
}

/* pipeproc-worker lives next to pipeproc-node, installed or built. */
static void
default_worker_path(options *o)
{
	char   *slash;
	ssize_t n;

	if (o->worker_path[0] != '\0') {
		return;
	}
	n = readlink("/proc/self/exe", o->worker_path,
	    sizeof(o->worker_path) - sizeof("pipeproc-worker"));
	if (n <= 0) {
		snprintf(o->worker_path, sizeof(o->worker_path),
		    "pipeproc-worker");
		return;
	}
	o->worker_path[n] = '\0';
	if ((slash = strrchr(o->worker_path, '/')) != NULL) {
		strcpy(slash + 1, "pipeproc-worker");
	}
}

/* Workers connect over ipc even when the node also listens on tcp. */
static const char *
worker_address(const options *o)
{
	size_t i;

	for (i = 0; i < o->nlisten; i++) {
		if (strncmp(o->listen[i], "ipc://", 6) == 0) {
			return o->listen[i];
		}
	}
	return o->listen[0];
}

static int
run(options *o, sigset_t *sigs)
{
	workers     *ws = NULL;
	metrics_http *mh = NULL;
	node         n;
	store_config cfg;
	syncer      *sy = NULL;
	char         msg[1024] = "", memdir[4096], store_dir[PATH_MAX];
	int          lock_fd, sigfd, rv;
	remote       rem;
	const char  *addrs[MAX_LISTEN + 1];
	const char  *env;
	size_t       naddrs;

	memset(&n, 0, sizeof(n));
	n.max_body = o->max_body;
	/* Remote-client options fail before anything is opened. */
	if ((rv = remote_prepare(&o->remote, o->listen, o->nlisten, &rem, msg,
	         sizeof(msg))) != 0) {
		remote_cleanup(&rem);
		return fail_start(o, rv, msg);
	}
	if (o->is_memory) {
		if ((rv = datadir_make_temp(memdir, sizeof(memdir), msg,
		         sizeof(msg))) != 0) {
			return fail_start(o, rv, msg);
		}
		o->data_dir = memdir;
		o->sync     = SYNC_NONE;
	}
	if ((lock_fd = datadir_lock(o->data_dir, msg, sizeof(msg))) < 0) {
		return fail_start(o, lock_fd, msg);
	}
	/* A killed node's address is not ours; ours comes once we listen. */
	ppi_attach_dir_withdraw(o->data_dir);
	if ((rv = remote_worker_listener(&rem, o->data_dir, msg,
	         sizeof(msg))) != 0) {
		remote_cleanup(&rem);
		return fail_start(o, rv, msg);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.dir       = o->data_dir;
	cfg.is_nosync = o->sync != SYNC_ALWAYS;
	cfg.max_body     = o->max_body;
	cfg.map_size_max = o->max_store_bytes;
	/* Tests start with a small map to see it grow under readers. */
	if ((env = getenv("PIPEPROC_MAP_INITIAL_BYTES")) != NULL &&
	    !ppi_parse_u64(env, UINT64_MAX, &cfg.map_size_initial)) {
		return fail_start(o, PP_EINVAL,
		    "PIPEPROC_MAP_INITIAL_BYTES must be a number of bytes");
	}
	if ((rv = store_open(&cfg, &n.store, msg, sizeof(msg))) != 0) {
		return fail_start(o, rv, msg);
	}
	/* Workers and their plugins inherit the store's id (a JetStream
	 * sink names its messages with it). Set before the node's own
	 * threads start, so no getenv() can race it. */
	/* A --memory store is the node's own business: not advertised. */
	if (!o->is_memory &&
	    realpath(o->data_dir, store_dir) == store_dir) {
		n.store_dir = store_dir;
	}
	if (setenv("PIPEPROC_NODE_ID", store_node_id(n.store), 1) != 0) {
		return fail_start(o, PP_ENOMEM, "cannot set PIPEPROC_NODE_ID");
	}
	if (metrics_start() != 0) {
		return fail_start(o, PP_ENOMEM, "cannot start the metrics");
	}
	if (pipe2(n.stop_pipe, O_CLOEXEC) < 0 ||
	    (sigfd = signalfd(-1, sigs, SFD_CLOEXEC)) < 0) {
		snprintf(msg, sizeof(msg), "%s", strerror(errno));
		return fail_start(o, PP_EIO, msg);
	}
	if ((rv = writer_start(n.store, &o->gc, &n.writer)) != 0 ||
	    (rv = reader_start(n.store, 4, &n.reader)) != 0 ||
	    (o->sync == SYNC_INTERVAL &&
	        (rv = syncer_start(n.store, o->sync_ms, &sy)) != 0)) {
		return fail_start(o, rv, "cannot start threads");
	}
	default_worker_path(o);
	reader_set_system(n.reader, n.writer, o->worker_path);
	memcpy(addrs, o->listen, o->nlisten * sizeof(addrs[0]));
	naddrs = o->nlisten;
	if (rem.worker_addr[0] != '\0') {
		addrs[naddrs++] = rem.worker_addr; /* private, for workers */
	}
	if ((rv = server_open(&n, addrs, naddrs, &rem.sec, &n.server, msg,
	         sizeof(msg))) != 0) {
		/* Its listeners were closed, which removed their files. */
		return fail_start(o, rv, msg[0] != '\0' ? msg : "server");
	}
	if ((rv = server_start(n.server)) != 0) {
		return fail_listening(o, n.server, rv, "server");
	}
	if (o->metrics_address != NULL &&
	    (rv = metrics_http_start(n.store, o->metrics_address, &mh,
	         o->metrics_url, sizeof(o->metrics_url), msg,
	         sizeof(msg))) != 0) {
		return fail_listening(o, n.server, rv, msg);
	}
	o->workers.path    = o->worker_path;
	o->workers.address = rem.sec.worker_addr != NULL
	    ? rem.sec.worker_addr
	    : worker_address(o);
	if ((rv = workers_start(&o->workers, n.writer, &ws)) != 0) {
		metrics_http_stop(mh);
		return fail_listening(
		    o, n.server, rv, "cannot start the worker supervisor");
	}
	/* Attached processes find us by the data directory (pp_attach). */
	if (!o->is_memory &&
	    ppi_attach_dir_publish(o->data_dir, worker_address(o)) != 0) {
		fprintf(stderr, "pipeproc-node: cannot write %s/%s\n",
		    o->data_dir, PPI_ATTACH_ADDR_FILE);
	}
	announce_ready(o);

	wait_for_stop(n.server, sigfd, o->lifeline_fd, n.stop_pipe[0],
	    o->is_attached ? o->data_dir : NULL);
	/* First, so that nobody attaching connects to a stopping node. */
	ppi_attach_dir_withdraw(o->data_dir);
	metrics_http_stop(mh); /* scrapes read the store: before it closes */

	/* Stop: workers first (they settle their claims through the
	 * server), then refuse new work, answer what was accepted, sync. */
	workers_stop(ws);
	server_refuse_new(n.server);
	server_detach_writer(n.server);
	writer_stop(n.writer);
	reader_stop(n.reader);
	syncer_stop(sy);
	rv = store_sync(n.store);
	if (n.shutdown_req != NULL) {
		if (rv != 0) {
			ppi_wire_reply_error(&n.shutdown_req->reply, rv,
			    "final sync failed");
		} else {
			ppi_wire_reply_ok(&n.shutdown_req->reply);
		}
		request_done(n.shutdown_req);
	}
	server_wait_idle(n.server, 0, STOP_TIMEOUT_MS);
	server_wait_shutdown_peer(n.server, 2000);
	server_close(n.server);
	store_close(n.store);
	metrics_stop();
	source_lag_clear();
	if (o->is_memory) {
		datadir_remove_temp(o->data_dir);
	}
	close(lock_fd);
	remote_cleanup(&rem);
	return rv == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	options  o;
	sigset_t sigs;
	char     def[512];

	/* First of all: no store file may become our stdout or stderr. */
	ppi_stdio_guard();
	/* Before any thread exists, so every thread inherits the mask. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Range pages are a few MiB each: serve them from a heap that is
	 * reused rather than mapped and faulted in afresh every time, and
	 * keep the threads from growing an arena each (RssAnon). */
	mallopt(M_MMAP_THRESHOLD, 16 << 20);
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	mallopt(M_ARENA_MAX, 2);

	if (parse_args(argc, argv, &o) != 0) {
		return 2;
	}
	if (o.nlisten == 0) {
		if (ppi_address_default(NULL, def, sizeof(def)) != 0) {
			return fail_start(&o, PP_EADDR, "no default address");
		}
		o.listen[o.nlisten++] = def;
	}
	return run(&o, &sigs);
}
