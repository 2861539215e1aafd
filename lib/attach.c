/*
 * attach.c - pp_attach: a node shared by sibling processes, with host
 * takeover (the memsync model: no separate server; whoever is alive
 * starts the node when there is none).
 *
 * Design notes (docs/DESIGN.md §1, "Attached nodes"):
 * - Who starts the node is decided by the data directory's lock: any
 *   attaching process that finds no node starts one; when several do at
 *   once, all but one node fail with PP_ELOCKED and their processes
 *   connect to the winner, whose address is in DIR/node.addr.
 * - The node stays up while a lease exists (attach_dir.c): each client
 *   holds a locked file until pp_close, so a process killed by -9 ends its
 *   lease with it. The lease is taken before the node is looked for, so
 *   a node started for us never sees zero leases while we live.
 * - Re-spawn: a watcher thread per client looks at the connection every
 *   WATCH_MS. When it has been down for two looks and no node holds the
 *   lock, it starts one on the address derived from the directory, which
 *   the client's socket keeps redialing; NNG then resends the requests
 *   that were waiting, and the node applies a resent commit or ack once
 *   (its (cid, rid) reply is stored with it). Nothing in the request path
 *   changes, so every call (iterators and async commits too) carries on.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attach_dir.h"
#include "client.h"
#include "deadline.h"
#include "spawn_impl.h"

#define WATCH_MS 100
#define DEFAULT_ATTACH_TIMEOUT_MS 10000u
#define RETRY_NAP_MS 10

typedef struct attach_state {
	char            dir[PATH_MAX];
	char            address[PATH_MAX + 64]; /* where we start a node */
	char            lease_path[PATH_MAX + 64];
	int             lease_fd;
	pp_spawn_opts   node; /* strings below are our copies */
	char           *strs[4];
	pthread_t       watcher;
	bool            has_watcher;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	bool            is_stopping; /* guarded by mu */
} attach_state;

static void
nap_ms(unsigned ms)
{
	struct timespec ts = { 0, (long) ms * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Copies the node options, with their strings, for later re-spawns. */
static int
copy_node_opts(attach_state *s, const pp_spawn_opts *o)
{
	const char **fields[] = { &s->node.node_path, &s->node.worker_path,
		&s->node.metrics_address, &s->node.token_file };
	size_t       i;

	memset(&s->node, 0, sizeof(s->node));
	if (o == NULL) {
		return 0;
	}
	s->node.sync_mode            = o->sync_mode;
	s->node.sync_interval_ms     = o->sync_interval_ms;
	s->node.start_timeout_ms     = o->start_timeout_ms;
	s->node.max_body_bytes       = o->max_body_bytes;
	s->node.is_gc                = o->is_gc;
	s->node.gc_min_prune_time_ms = o->gc_min_prune_time_ms;
	s->node.gc_interval_ms       = o->gc_interval_ms;
	s->node.max_store_bytes      = o->max_store_bytes;
	s->node.workers              = o->workers;
	s->node.worker_concurrency   = o->worker_concurrency;
	s->node.worker_restart_after = o->worker_restart_after;
	s->node.node_path            = o->node_path;
	s->node.worker_path          = o->worker_path;
	s->node.metrics_address      = o->metrics_address;
	s->node.token_file           = o->token_file;
	for (i = 0; i < 4; i++) {
		if (*fields[i] != NULL &&
		    (s->strs[i] = strdup(*fields[i])) == NULL) {
			return PP_ENOMEM;
		}
		*fields[i] = s->strs[i];
	}
	return 0;
}

static void
state_free(attach_state *s)
{
	size_t i;

	if (s == NULL) {
		return;
	}
	ppi_attach_dir_lease_close(s->lease_fd, s->lease_path);
	for (i = 0; i < 4; i++) {
		free(s->strs[i]);
	}
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/*
 * Starts a node unless one owns the directory. Returns 0 when a node owns
 * it now (ours, or a sibling's that won the lock), or the spawn's error.
 */
static int
ensure_node(attach_state *s)
{
	int rv;

	if (ppi_attach_dir_has_node(s->dir)) {
		return 0;
	}
	rv = ppi_spawn_attached(&s->node, s->dir, s->address);
	return rv == PP_ELOCKED ? 0 : rv;
}

/* The watcher: re-spawns the node when the connection stays down. */
static void *
watch_main(void *arg)
{
	pp_client      *c = arg;
	attach_state   *s = c->attach;
	struct timespec until;
	int             down = 0;

	pthread_mutex_lock(&s->mu);
	while (!s->is_stopping) {
		until = ppi_deadline_after_us(CLOCK_MONOTONIC, WATCH_MS * 1000);
		pthread_cond_timedwait(&s->cv, &s->mu, &until);
		if (s->is_stopping) {
			break;
		}
		if (ppi_transport_is_connected(c->transport)) {
			down = 0;
			continue;
		}
		/* Two looks: a pipe that is being replaced is not a death. */
		if (++down < 2) {
			continue;
		}
		pthread_mutex_unlock(&s->mu);
		if (ensure_node(s) != 0) {
			nap_ms(1000); /* cannot start one now: not in a loop */
		}
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void
attach_stop(pp_client *c)
{
	attach_state *s = c->attach;

	pthread_mutex_lock(&s->mu);
	s->is_stopping = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	if (s->has_watcher) {
		pthread_join(s->watcher, NULL);
		s->has_watcher = false;
	}
}

static void
attach_free(pp_client *c)
{
	state_free(c->attach);
	c->attach = NULL;
}

/* A failure that means "the node is stopping or gone": look again. */
static bool
is_transient(int rv)
{
	return rv == PP_ECONNREFUSED || rv == PP_ETIMEDOUT ||
	    rv == PP_ESHUTDOWN || rv == PP_ECLOSED;
}

/* Finds or starts the node and connects to it, until deadline_ms. */
static int
find_node(attach_state *s, const pp_connect_opts *co, uint64_t deadline_ms,
    pp_client **out, char *msg, size_t msglen)
{
	pp_connect_opts o = *co;
	char            addr[PATH_MAX + 64];
	uint64_t        now;
	int             rv;

	for (;;) {
		now = ppi_clock_ms(CLOCK_MONOTONIC);
		if (now >= deadline_ms) {
			snprintf(msg, msglen, "no node for %.256s within the attach "
			    "timeout", s->dir);
			return PP_ETIMEDOUT;
		}
		if (!ppi_attach_dir_has_node(s->dir)) {
			rv = ppi_spawn_attached(&s->node, s->dir, s->address);
			if (rv != 0 && rv != PP_ELOCKED) {
				snprintf(msg, msglen, "%s", pp_last_errmsg());
				return rv;
			}
			continue; /* ours or the winner's: connect to it */
		}
		if (ppi_attach_dir_read_address(s->dir, addr, sizeof(addr)) !=
		    0) {
			nap_ms(RETRY_NAP_MS); /* it is starting */
			continue;
		}
		o.timeout_ms = (uint32_t) (deadline_ms - now);
		if (o.timeout_ms > PPI_DEFAULT_CONNECT_TIMEOUT_MS) {
			o.timeout_ms = PPI_DEFAULT_CONNECT_TIMEOUT_MS;
		}
		rv = ppi_client_connect(addr, &o, out, msg, msglen);
		if (rv == 0 || !is_transient(rv)) {
			return rv;
		}
		nap_ms(RETRY_NAP_MS); /* it is stopping: wait for its end */
	}
}

/* Creates the directory (not its parents) and makes its path absolute. */
static int
prepare_dir(attach_state *s, const char *data_dir, char *msg, size_t msglen)
{
	struct stat sb;

	if (mkdir(data_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(msg, msglen, "cannot create data directory %s: %s",
		    data_dir, strerror(errno));
		return errno == EACCES || errno == EROFS ? PP_EPERM : PP_EIO;
	}
	if (stat(data_dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(msg, msglen, "%s is not a directory", data_dir);
		return PP_EIO;
	}
	if (realpath(data_dir, s->dir) == NULL) {
		snprintf(msg, msglen, "%s: %s", data_dir, strerror(errno));
		return PP_EIO;
	}
	if (ppi_attach_dir_address(s->dir, s->address, sizeof(s->address)) !=
	    0) {
		snprintf(msg, msglen, "no address fits %.256s", s->dir);
		return PP_EADDR;
	}
	return 0;
}

static int
check_args(const char *data_dir, const pp_attach_opts *o, pp_client **client,
    char *msg, size_t msglen)
{
	if (client == NULL || data_dir == NULL || data_dir[0] == '\0') {
		snprintf(msg, msglen, "pp_attach needs a data directory and "
		    "a place for the client");
		return PP_EINVAL;
	}
	if (o->node != NULL && o->node->is_memory) {
		snprintf(msg, msglen, "an attached node cannot be is_memory: "
		    "its data must outlive the process that starts it");
		return PP_EINVAL;
	}
	return 0;
}

int
pp_attach(const char *data_dir, const pp_attach_opts *opts,
    pp_client **client)
{
	pp_attach_opts  none;
	pp_connect_opts co;
	pthread_condattr_t ca;
	attach_state   *s;
	pp_client      *c   = NULL;
	char            msg[PPI_ERRMSG_MAX] = "";
	uint32_t        timeout_ms;
	int             rv;

	if (opts == NULL) {
		memset(&none, 0, sizeof(none));
		opts = &none;
	}
	if ((rv = check_args(data_dir, opts, client, msg, sizeof(msg))) != 0) {
		ppi_set_last_errmsg("%s", msg);
		return rv;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return PP_ENOMEM;
	}
	s->lease_fd = -1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	if ((rv = copy_node_opts(s, opts->node)) != 0 ||
	    (rv = prepare_dir(s, data_dir, msg, sizeof(msg))) != 0) {
		goto fail;
	}
	/* The lease first: a node we start must find it. */
	rv = ppi_attach_dir_lease_open(s->dir, s->lease_path,
	    sizeof(s->lease_path), msg, sizeof(msg));
	if (rv < 0) {
		goto fail;
	}
	s->lease_fd = rv;
	memset(&co, 0, sizeof(co));
	co.request_timeout_ms = opts->request_timeout_ms;
	co.token_file         = s->node.token_file;
	timeout_ms = opts->timeout_ms != 0 ? opts->timeout_ms
	                                   : DEFAULT_ATTACH_TIMEOUT_MS;
	rv = find_node(s, &co, ppi_clock_ms(CLOCK_MONOTONIC) + timeout_ms, &c,
	    msg, sizeof(msg));
	if (rv != 0) {
		goto fail;
	}
	c->attach      = s;
	c->attach_stop = attach_stop;
	c->attach_free = attach_free;
	if (pthread_create(&s->watcher, NULL, watch_main, c) != 0) {
		pp_close(c); /* frees s too */
		ppi_set_last_errmsg("cannot start the attach watcher thread");
		return PP_ENOMEM;
	}
	s->has_watcher = true;
	ppi_set_last_errmsg("%s", "");
	*client = c;
	return 0;
fail:
	ppi_set_last_errmsg("%s", msg);
	state_free(s);
	return rv;
}
