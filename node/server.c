/*
 * server.c - NNG rep server: receive, decode, dispatch, reply.
 *
 * Design notes: each of NCONN contexts receives in its aio callback
 * (decode the frame, then hand the request to the writer or a reader, or
 * answer it at once). Callbacks never block: the writer and readers
 * finish a request with request_done() from their own threads when the
 * answer is ready, which calls conn_reply() here (request.h). That thread
 * also sends the reply, frees the frames and receives again, all inline
 * (see send_is_over): no hop through NNG's task threads per reply. A
 * context carries one request at a time, so NCONN bounds the requests in
 * flight and the memory they hold.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "address.h"
#include "auth.h"
#include "peer.h"
#include "deadline.h"
#include "probe.h"
#include "server.h"
#include "tls.h"
#include "transport_close.h"

/* Contexts, so requests in flight at once. Up to PARK_MAX (writer.c) of
 * them may be claims waiting for logs; the rest keep serving. */
#define NCONN 256
/* TLS connections allowed beyond --max-connections: the watchdog's
 * probes of our own listeners (answers_hello) must get through. */
#define PROBE_SLACK 4
#define MAX_LISTENERS 9 /* 8 --listen, plus the workers' own */
#define IPC_MODE 0600   /* a new ipc socket file: owner only */
/* How long a close may take before NNG counts as wedged
 * (transport_close.h): the probe's, then the server's own. */
#define PROBE_CLOSE_MS 2000
#define SERVER_CLOSE_MS 5000

enum conn_state { CONN_RECV, CONN_SEND };

/* How often contexts whose reply waited behind another on its
 * connection are looked at when no other reply does it (see
 * drain_sweep): only when traffic stops, since every reply sweeps. NNG's
 * timer thread spins through the last millisecond of every sleep, so
 * this is one timer for all of them, and not a short one. */
#define DRAIN_POLL_MS 100

typedef struct conn {
	server         *srv;
	nng_ctx         ctx;
	nng_aio        *aio;
	/* Replies go through an aio without callback: NNG then completes
	 * it inline, in the sending thread, where a callback would cost a
	 * wake-up of one of its task threads per request. */
	nng_aio        *send_aio;
	struct conn    *drain_next; /* on srv->draining */
	enum conn_state state;
	nng_msg        *frame; /* the request; decoded fields point into it */
	nng_msg        *reply; /* holds req.reply's bytes (see reply_mem) */
	request         req;
} conn;

struct server {
	node           *node;
	nng_socket      sock;
	nng_listener    listeners[MAX_LISTENERS];
	const char     *addrs[MAX_LISTENERS];
	size_t          nlisteners;
	conn            conns[NCONN];
	int             nconns;
	atomic_bool     is_refusing;
	pthread_mutex_t mtx;
	pthread_cond_t  idle;
	/* Requests received and not yet answered. An atomic, so that the
	 * hot path takes no lock unless someone waits for it to fall
	 * (server_wait_idle sets has_idle_waiter under mtx). */
	atomic_int      inflight;
	atomic_bool     has_idle_waiter;
	/* Contexts whose reply was queued behind another reply on its
	 * connection: they receive again once it left (drain_sweep). */
	pthread_mutex_t drain_mtx;
	conn           *draining;
	atomic_int      ndraining;
	nng_aio        *drain_aio; /* the sweep's timer */
	bool            is_drain_armed;
	uint32_t        shutdown_pipe;    /* pipe of the shutdown request */
	bool            is_shutdown_gone; /* ... and it has disconnected */
	bool            is_writer_detached; /* the writer is stopping */
	/* Remote clients (issue 6): auth.c, listen_on(), pipe_adding(). */
	auth           *auth;
	nng_tls_config *tls;        /* server side, for tls+tcp listeners */
	nng_tls_config *tls_probe;  /* client side, for the watchdog */
	bool            is_exempt[MAX_LISTENERS]; /* the workers' listener */
	_Atomic uint64_t last_pipe_ms[MAX_LISTENERS]; /* last arrival */
	_Atomic uint64_t last_refusal_ms; /* cap reached: logged 1/s */
	const peer_config *peers; /* other users allowed on ipc (peer.h) */
	/* The mode an ipc listener gives its socket file: IPC_MODE at
	 * first, then what the file had when the watchdog listened again
	 * (keep_socket_file). */
	int             ipc_mode[MAX_LISTENERS];
	bool            is_stuck_reported; /* NNG wedged: logged once */
};

static int
map_nng(int rv)
{
	switch (rv) {
	case NNG_EADDRINUSE:
		return PP_EADDRINUSE;
	case NNG_EADDRINVAL:
	case NNG_ENOTSUP:
	case NNG_EINVAL:
		return PP_EADDR;
	case NNG_EPERM:
		return PP_EPERM;
	case NNG_ENOMEM:
		return PP_ENOMEM;
	case NNG_ECRYPTO:
	case NNG_EPEERAUTH:
		return PP_ETLS;
	default:
		return PP_EIO;
	}
}

static void
inflight_add(server *s, int delta)
{
	/* Both sequentially consistent: either the waiter sees the new
	 * count, or we see the waiter and wake it. */
	atomic_fetch_add(&s->inflight, delta);
	if (atomic_load(&s->has_idle_waiter)) {
		pthread_mutex_lock(&s->mtx);
		pthread_cond_broadcast(&s->idle);
		pthread_mutex_unlock(&s->mtx);
	}
}

/*
 * The reply buffer of a request lives in an NNG message, so a reply (a
 * 2 MiB range page, say) is sent without being copied.
 */
static void *
reply_mem(void *arg, void *ptr, size_t size)
{
	conn *c = arg;

	(void) ptr;
	if (size == 0) {
		nng_msg_free(c->reply);
		c->reply = NULL;
		return NULL;
	}
	if (c->reply == NULL) {
		if (nng_msg_alloc(&c->reply, size) != 0) {
			c->reply = NULL;
			return NULL;
		}
	} else if (nng_msg_realloc(c->reply, size) != 0) {
		return NULL;
	}
	return nng_msg_body(c->reply);
}

/* Releases the finished request and receives the next one. */
static void
conn_recycle(conn *c)
{
	ppi_wire_request_fini(&c->req.req);
	ppi_buf_fini(&c->req.reply);
	nng_msg_free(c->frame);
	c->frame = NULL;
	inflight_add(c->srv, -1);
	c->state = CONN_RECV;
	nng_ctx_recv(c->ctx, c->aio);
}

/*
 * Whether the reply handed to send_aio has left the context (sent,
 * dropped, or failed). NNG 1.5.2 has no nng_aio_busy(): rep0 takes the
 * message off the aio when it passes the reply to the connection, and
 * leaves it there while the reply waits behind another one on a busy
 * connection (or when the send failed, with an error result). A message
 * taken off means the completion runs right now or ran, so waiting for
 * it is short.
 */
static bool
send_is_over(conn *c)
{
	nng_msg *msg;

	if (nng_aio_get_msg(c->send_aio) != NULL &&
	    nng_aio_result(c->send_aio) == 0) {
		return false; /* queued behind another reply */
	}
	nng_aio_wait(c->send_aio);
	if ((msg = nng_aio_get_msg(c->send_aio)) != NULL) {
		/* A failed send leaves the reply with us. */
		nng_aio_set_msg(c->send_aio, NULL);
		nng_msg_free(msg);
	}
	return true;
}

/*
 * Contexts may receive again once their reply has left: rep0 takes one
 * send at a time per context. Those still waiting (about 1% of replies
 * under load: the connection had not finished the previous one) are
 * looked at after every reply sent and by a timer while any remain.
 */
static void
drain_sweep(server *s)
{
	conn **pp, *c, *ready = NULL;

	if (atomic_load(&s->ndraining) == 0) {
		return;
	}
	pthread_mutex_lock(&s->drain_mtx);
	for (pp = &s->draining; (c = *pp) != NULL;) {
		if (send_is_over(c)) {
			*pp           = c->drain_next;
			c->drain_next = ready;
			ready         = c;
			atomic_fetch_sub(&s->ndraining, 1);
		} else {
			pp = &c->drain_next;
		}
	}
	pthread_mutex_unlock(&s->drain_mtx);
	while ((c = ready) != NULL) {
		ready = c->drain_next;
		conn_recycle(c);
	}
}

static void
drain_cb(void *arg)
{
	server *s = arg;

	if (nng_aio_result(s->drain_aio) != 0) {
		return; /* server_close; it frees what the contexts hold */
	}
	drain_sweep(s);
	pthread_mutex_lock(&s->drain_mtx);
	s->is_drain_armed = s->draining != NULL;
	if (s->is_drain_armed) {
		nng_sleep_aio(DRAIN_POLL_MS, s->drain_aio);
	}
	pthread_mutex_unlock(&s->drain_mtx);
}

static void
drain_add(conn *c)
{
	server *s = c->srv;

	pthread_mutex_lock(&s->drain_mtx);
	c->drain_next = s->draining;
	s->draining   = c;
	atomic_fetch_add(&s->ndraining, 1);
	if (!s->is_drain_armed) {
		s->is_drain_armed = true;
		nng_sleep_aio(DRAIN_POLL_MS, s->drain_aio);
	}
	pthread_mutex_unlock(&s->drain_mtx);
}

/* The request's completion (request_done): send its reply on its
 * context; without memory for a reply, receive again at once. */
static void
conn_reply(request *r)
{
	conn    *c = r->conn;
	nng_msg *msg;

	if (r->reply.is_failed) {
		ppi_buf_reset(&r->reply);
		ppi_wire_reply_error(&r->reply, PP_ENOMEM, "out of memory");
	}
	if (r->reply.is_failed || c->reply == NULL) {
		/* Without memory for a reply the client times out; the
		 * context must still go back to receiving. */
		conn_recycle(c);
		return;
	}
	/* Trim the message to what was written and hand it to NNG. */
	msg      = c->reply;
	c->reply = NULL;
	nng_msg_realloc(msg, r->reply.len);
	ppi_buf_forget(&r->reply);
	nng_aio_set_msg(c->send_aio, msg);
	c->state = CONN_SEND;
	nng_ctx_send(c->ctx, c->send_aio);
	/* Usually the reply went in this thread: receive again from here
	 * too, without a hop through NNG's task threads. */
	if (send_is_over(c)) {
		conn_recycle(c);
	} else {
		drain_add(c);
	}
	drain_sweep(c->srv);
}

static void
answer_now(request *r, int status, const char *msg)
{
	ppi_wire_reply_error(&r->reply, status, msg);
	conn_reply(r);
}

static void
dispatch(server *s, request *r)
{
	node    *n = s->node;
	request *expected = NULL;

	switch (r->req.op) {
	case PPI_OP_HELLO:
		ppi_wire_reply_hello(&r->reply, n->max_body, (uint64_t) getpid(),
		    n->store_dir, store_node_id(n->store));
		conn_reply(r);
		return;
	case PPI_OP_COMMIT:
	case PPI_OP_PROC:
	case PPI_OP_PDISABLE:
	case PPI_OP_PRESUME:
	case PPI_OP_PDESTROY:
	case PPI_OP_AVAIL:
	case PPI_OP_WAITPROCS:
	case PPI_OP_TDELETE:
	case PPI_OP_TCONFIG:
	case PPI_OP_SYSDESTROY:
	case PPI_OP_SYSCLAIM:
		writer_submit(n->writer, r);
		return;
	case PPI_OP_SHUTDOWN:
		/* Answered by main once everything else is done. */
		if (__atomic_compare_exchange_n(&n->shutdown_req, &expected, r,
		        false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			pthread_mutex_lock(&s->mtx);
			s->shutdown_pipe = (uint32_t) nng_pipe_id(nng_msg_get_pipe(
			    ((conn *) r->conn)->frame));
			pthread_mutex_unlock(&s->mtx);
			/* Not refusing yet: main stops the workers first,
			 * and they settle their claims through us. */
			if (write(n->stop_pipe[1], "s", 1) < 0) {
				/* The pipe is never full: one byte per stop. */
			}
			return;
		}
		answer_now(r, PP_ESHUTDOWN, "node is already shutting down");
		return;
	default:
		reader_submit(n->reader, r);
		return;
	}
}

/*
 * The peer of an ipc pipe, when the node does not serve its user: 0 and
 * the reason in msg, else -1 (ours, allowed, or not ipc).
 */
static int
foreign_reason(server *s, nng_pipe p, char *msg, size_t msglen)
{
	uint64_t uid, gid = (uint64_t) -1;

	/* Only ipc pipes know their peer's credentials (SO_PEERCRED). */
	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) != 0) {
		return -1;
	}
	nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_GID, &gid);
	return peer_check(s->peers, uid, gid, msg, msglen) != 0 ? 0 : -1;
}

static void
on_receive(conn *c)
{
	server *s = c->srv;
	char    msg[256];
	size_t  len;
	int     rv;

	c->frame = nng_aio_get_msg(c->aio);
	len      = nng_msg_len(c->frame);
	memset(&c->req, 0, sizeof(c->req));
	ppi_buf_init_with(&c->req.reply, reply_mem, c);
	c->req.conn    = c;
	c->req.done    = conn_reply;
	c->req.pipe_id = (uint32_t) nng_pipe_id(nng_msg_get_pipe(c->frame));
	inflight_add(s, 1);
	if (atomic_load(&s->is_refusing)) {
		answer_now(&c->req, PP_ESHUTDOWN, "node is shutting down");
		return;
	}
	/* Before anything else looks at the frame (auth.c). */
	if ((rv = auth_check(s->auth,
	         (uint32_t) nng_pipe_id(nng_msg_get_pipe(c->frame)),
	         nng_msg_body(c->frame), len, msg, sizeof(msg))) != 0) {
		if (rv == PP_EPEER) {
			foreign_reason(s, nng_msg_get_pipe(c->frame), msg,
			    sizeof(msg));
		}
		answer_now(&c->req, rv, msg);
		return;
	}
	if (len > PPI_REQUEST_MAX(s->node->max_body)) {
		snprintf(msg, sizeof(msg),
		    "request of %zu bytes exceeds the limit of %llu", len,
		    (unsigned long long) PPI_REQUEST_MAX(s->node->max_body));
		answer_now(&c->req, PP_ETOOLARGE, msg);
		return;
	}
	rv = ppi_wire_request_decode(
	    nng_msg_body(c->frame), len, &c->req.req, msg, sizeof(msg));
	if (rv != 0) {
		answer_now(&c->req, rv, msg);
		return;
	}
	dispatch(s, &c->req);
}

static void
conn_cb(void *arg)
{
	conn *c  = arg;
	int   rv = nng_aio_result(c->aio);

	/* Only receives complete here: replies go through send_aio. */
	if (rv == NNG_ECLOSED) {
		return;
	}
	if (rv == 0) {
		on_receive(c);
		return;
	}
	c->state = CONN_RECV;
	nng_ctx_recv(c->ctx, c->aio);
}

/*
 * A connection finished its handshakes and is about to be served:
 * count it against the cap (see auth_pipe_add) and note that its
 * listener still hands out pipes.
 */
static void
pipe_adding(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	server      *s = arg;
	nng_listener l = nng_pipe_listener(p);
	uint64_t     now = ppi_clock_ms(CLOCK_MONOTONIC), last;
	bool         is_exempt = false;
	size_t       i;
	int          rv;
	char         msg[512];

	(void) ev;
	for (i = 0; i < s->nlisteners; i++) {
		if (nng_listener_id(s->listeners[i]) == nng_listener_id(l)) {
			is_exempt = s->is_exempt[i];
			atomic_store(&s->last_pipe_ms[i], now);
		}
	}
	/* Another local user (issue 14 item 1): told why, then closed. */
	if (foreign_reason(s, p, msg, sizeof(msg)) == 0) {
		if (auth_pipe_add_foreign(s->auth, (uint32_t) nng_pipe_id(p)) <
		    0) {
			nng_pipe_close(p);
		}
		return;
	}
	if (nng_listener_id(l) <= 0) {
		is_exempt = true; /* not ours to cap (never happens: rep) */
	}
	if ((rv = auth_pipe_add(s->auth, (uint32_t) nng_pipe_id(p),
	         is_exempt)) == 0) {
		return;
	}
	last = atomic_load(&s->last_refusal_ms);
	if (now - last >= 10000 &&
	    atomic_compare_exchange_strong(&s->last_refusal_ms, &last, now)) {
		fprintf(stderr, "pipeproc-node: connection limit of %u "
		    "reached; refusing new connections\n",
		    auth_count(s->auth));
	}
	if (rv < 0) {
		nng_pipe_close(p);
	}
}

/* Notes when the client that asked for the shutdown hangs up. */
static void
pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	server *s = arg;

	(void) ev;
	auth_pipe_remove(s->auth, (uint32_t) nng_pipe_id(p));
	pthread_mutex_lock(&s->mtx);
	/* Its waiting claims must not take logs nobody will receive. */
	if (!s->is_writer_detached) {
		writer_pipe_closed(s->node->writer, (uint32_t) nng_pipe_id(p));
	}
	if (s->shutdown_pipe != 0 &&
	    (uint32_t) nng_pipe_id(p) == s->shutdown_pipe) {
		s->is_shutdown_gone = true;
		pthread_cond_broadcast(&s->idle);
	}
	pthread_mutex_unlock(&s->mtx);
}

/*
 * Refuses a path a live node answers on and removes a stale socket file,
 * before NNG sees either (its own check would trip NNG bug #1518).
 */
static int
claim_path(const char *path, char *msg, size_t msglen)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		return 0;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(msg, msglen, "cannot listen on %s: not a socket", path);
		return NNG_EADDRINUSE;
	}
	if (probe_ipc(path, 1000) != PROBE_ABSENT) {
		snprintf(msg, msglen,
		    "cannot listen on ipc://%s: a live node serves it", path);
		return NNG_EADDRINUSE;
	}
	unlink(path);
	return 0;
}

/*
 * One listener. ipc sockets are owner-only (unless the watchdog listens
 * again on a file its owner opened to others, see keep_socket_file).
 * Remote listeners read at most one request (no slack for a
 * PP_ETOOLARGE answer: a peer that may not even hold the token must not
 * make us buffer 4x that), tls+tcp ones demand a client certificate
 * signed by our CA (mutual TLS). NNG 1.5.2 drops a connection whose TLS
 * and SP handshakes take over 10 s.
 */
static int
listen_on(server *s, size_t i, char *msg, size_t msglen)
{
	nng_listener *l = &s->listeners[i];
	ppi_addr      a;
	int           rv;

	ppi_address_parse(s->addrs[i], &a);
	if ((rv = nng_listener_create(l, s->sock, s->addrs[i])) != 0) {
		goto fail;
	}
	if (a.kind == PPI_ADDR_IPC) {
		/* NNG applies it between bind() and listen(): nobody ever
		 * connects to the file with another mode. */
		rv = nng_listener_set_int(*l, NNG_OPT_IPC_PERMISSIONS,
		    s->ipc_mode[i] != 0 ? s->ipc_mode[i] : IPC_MODE);
	} else {
		rv = nng_listener_set_size(*l, NNG_OPT_RECVMAXSZ,
		    PPI_REQUEST_MAX(s->node->max_body));
		nng_listener_set_bool(*l, NNG_OPT_TCP_NODELAY, true);
		nng_listener_set_bool(*l, NNG_OPT_TCP_KEEPALIVE, true);
	}
	if (rv == 0 && a.kind == PPI_ADDR_TLS) {
		rv = nng_listener_set_ptr(*l, NNG_OPT_TLS_CONFIG, s->tls);
	}
	if (rv == 0) {
		rv = nng_listener_start(*l, 0);
	}
	if (rv != 0) {
		nng_listener_close(*l);
	}
fail:
	if (rv != 0) {
		snprintf(msg, msglen, "cannot listen on %s: %s", s->addrs[i],
		    nng_strerror(rv));
	}
	return rv;
}

/*
 * The TLS configurations: the listeners' (our certificate, clients must
 * present one signed by our CA) and the watchdog's (the same material as
 * a client; see answers_hello).
 */
static int
tls_configs(server *s, const ppi_tls_pem *pem, const server_security *sec,
    char *msg, size_t msglen)
{
	int rv;

	/* Our engine (lib/tls_engine.c) bounds what the listeners accept:
	 * connections still in their handshake count toward
	 * --max-connections (plus room for the watchdog's own probes), and
	 * a handshake must end within --auth-timeout. */
	if ((rv = ppi_tls_engine_use()) != 0) {
		snprintf(msg, msglen, "TLS engine: %s", nng_strerror(rv));
		return rv;
	}
	ppi_tls_engine_limits(sec->max_conns + PROBE_SLACK, sec->auth_timeout_ms);
	if ((rv = nng_tls_config_alloc(&s->tls, NNG_TLS_MODE_SERVER)) != 0 ||
	    (rv = nng_tls_config_auth_mode(s->tls,
	         NNG_TLS_AUTH_MODE_REQUIRED)) != 0 ||
	    (rv = nng_tls_config_ca_chain(s->tls, pem->ca, NULL)) != 0 ||
	    (rv = nng_tls_config_own_cert(s->tls, pem->cert, pem->key,
	         NULL)) != 0 ||
	    (rv = nng_tls_config_alloc(&s->tls_probe, NNG_TLS_MODE_CLIENT)) !=
	        0 ||
	    (rv = nng_tls_config_auth_mode(s->tls_probe,
	         NNG_TLS_AUTH_MODE_NONE)) != 0 ||
	    (rv = nng_tls_config_own_cert(s->tls_probe, pem->cert, pem->key,
	         NULL)) != 0) {
		snprintf(msg, msglen, "TLS set-up: %s", nng_strerror(rv));
	}
	return rv;
}

int
server_open(node *n, const char *const *addrs, size_t naddrs,
    const server_security *sec, server **out, char *msg, size_t msglen)
{
	server  *s;
	ppi_addr a;
	size_t   i;
	int      rv;

	if (naddrs > MAX_LISTENERS) {
		snprintf(msg, msglen, "at most %d listeners", MAX_LISTENERS);
		return PP_EINVAL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return PP_ENOMEM;
	}
	s->node  = n;
	s->peers = sec->peers;
	pthread_mutex_init(&s->mtx, NULL);
	pthread_mutex_init(&s->drain_mtx, NULL);
	pthread_cond_init(&s->idle, NULL);
	if ((rv = auth_alloc(sec->token, sec->max_conns, sec->auth_timeout_ms,
	         &s->auth)) != 0) {
		pthread_mutex_destroy(&s->drain_mtx);
		pthread_mutex_destroy(&s->mtx);
		pthread_cond_destroy(&s->idle);
		free(s);
		return rv;
	}
	if (sec->pem != NULL &&
	    (rv = tls_configs(s, sec->pem, sec, msg, msglen)) != 0) {
		goto fail;
	}
	if ((rv = nng_rep0_open(&s->sock)) != 0) {
		snprintf(msg, msglen, "nng_rep0_open: %s", nng_strerror(rv));
		goto fail;
	}
	nng_pipe_notify(s->sock, NNG_PIPE_EV_ADD_PRE, pipe_adding, s);
	nng_pipe_notify(s->sock, NNG_PIPE_EV_REM_POST, pipe_removed, s);
	/* Frames up to 4x the request limit are read so that they can be
	 * refused with PP_ETOOLARGE; larger ones make NNG drop the pipe. */
	nng_socket_set_size(
	    s->sock, NNG_OPT_RECVMAXSZ, 4 * PPI_REQUEST_MAX(n->max_body));
	for (i = 0; i < naddrs; i++) {
		s->addrs[i]     = addrs[i];
		s->is_exempt[i] = sec->worker_addr != NULL &&
		    strcmp(addrs[i], sec->worker_addr) == 0;
		if (ppi_address_parse(addrs[i], &a) != 0) {
			snprintf(msg, msglen,
			    "cannot listen on '%s': expected ipc://PATH, "
			    "tls+tcp://HOST:PORT or tcp://HOST:PORT",
			    addrs[i]);
			rv = NNG_EADDRINVAL;
		} else if (a.kind == PPI_ADDR_TLS && s->tls == NULL) {
			snprintf(msg, msglen, "cannot listen on %s: no TLS "
			    "material", addrs[i]);
			rv = NNG_EINVAL;
		} else if (a.kind != PPI_ADDR_IPC ||
		    (rv = claim_path(addrs[i] + 6, msg, msglen)) == 0) {
			rv = listen_on(s, i, msg, msglen);
		}
		if (rv != 0) {
			nng_close(s->sock);
			goto fail;
		}
		s->nlisteners++;
	}
	*out = s;
	return 0;
fail:
	if (s->tls != NULL) {
		nng_tls_config_free(s->tls);
	}
	if (s->tls_probe != NULL) {
		nng_tls_config_free(s->tls_probe);
	}
	auth_free(s->auth);
	pthread_mutex_destroy(&s->drain_mtx);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->idle);
	free(s);
	return map_nng(rv);
}

/* Where the watchdog dials a listener: a wildcard host means this one. */
static void
probe_address(const char *addr, char *buf, size_t len)
{
	ppi_addr a;

	if (ppi_address_parse(addr, &a) != 0 || a.kind == PPI_ADDR_IPC ||
	    (strcmp(a.host, "*") != 0 && strcmp(a.host, "0.0.0.0") != 0 &&
	        strcmp(a.host, "::") != 0)) {
		snprintf(buf, len, "%s", addr);
		return;
	}
	snprintf(buf, len, "%s://%s:%u",
	    a.kind == PPI_ADDR_TLS ? "tls+tcp" : "tcp",
	    strcmp(a.host, "::") == 0 ? "[::1]" : "127.0.0.1", a.port);
}

/*
 * Sends a hello to our own address through a fresh connection, as a
 * client would. Under NNG bug #1518 a listener may still complete SP
 * handshakes yet never hand the new pipes to the socket, so only a full
 * request proves that new clients are served. Any answer will do (a
 * PP_EAUTH one too). A TLS listener is dialed with our own certificate;
 * when that cannot pass our own client check (a certificate issued for
 * servers only), the answer is "cannot tell".
 */
static bool
answers_hello(server *s, size_t i)
{
	nng_socket sock;
	nng_dialer d;
	nng_msg   *msg = NULL;
	ppi_buf    req;
	ppi_addr   a;
	char       addr[300];
	bool       is_ok = false;
	int        rv;

	probe_address(s->addrs[i], addr, sizeof(addr));
	ppi_address_parse(addr, &a);
	if (nng_req0_open(&sock) != 0) {
		return true; /* cannot tell; do not disturb the listener */
	}
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, 1000);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 1000);
	ppi_buf_init(&req);
	ppi_wire_hello(&req);
	if ((rv = nng_dialer_create(&d, sock, addr)) == 0 &&
	    a.kind == PPI_ADDR_TLS) {
		rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, s->tls_probe);
	}
	if (rv == 0) {
		rv = nng_dialer_start(d, 0);
	}
	if (rv == NNG_ECRYPTO || rv == NNG_EPEERAUTH || rv == NNG_ECONNSHUT) {
		is_ok = true; /* the handshake ran: accepting works */
	} else if (!req.is_failed && rv == 0 &&
	    nng_send(sock, req.data, req.len, 0) == 0 &&
	    nng_recvmsg(sock, &msg, 0) == 0) {
		is_ok = true;
		nng_msg_free(msg);
	}
	ppi_buf_fini(&req);
	if (!ppi_transport_close_socket(sock.id, PROBE_CLOSE_MS)) {
		return true; /* cannot tell; server_check_listeners says why */
	}
	return is_ok;
}

/*
 * Before the watchdog listens again on an ipc path: what the owner made
 * of the socket file (a chmod, a chgrp that lets other users in, with
 * --allow-uid/--allow-gid) must survive the new file, or those users are
 * locked out by a listener restart they never caused. The mode goes to
 * the new listener (ipc_mode); the group is returned for keep_group.
 */
static void
keep_socket_file(server *s, size_t i, gid_t *gid)
{
	struct stat st;

	*gid = (gid_t) -1;
	if (lstat(s->addrs[i] + 6, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_uid == geteuid()) {
		s->ipc_mode[i] = (int) (st.st_mode & 0777);
		*gid           = st.st_gid;
	}
}

/* The group of the fresh socket file, as the old one had it. */
static void
keep_group(const char *path, gid_t gid)
{
	struct stat st;

	if (gid != (gid_t) -1 && lstat(path, &st) == 0 && st.st_gid != gid &&
	    lchown(path, (uid_t) -1, gid) != 0) {
		fprintf(stderr, "pipeproc-node: cannot give %s its group %u "
		    "again: %s\n", path, (unsigned) gid, strerror(errno));
	}
}

void
server_check_listeners(server *s)
{
	char     msg[256];
	uint32_t stale[64];
	nng_pipe p;
	uint64_t start;
	size_t   i, n;
	gid_t    gid;
	bool     is_ipc;

	/* Connections that never showed the token in time go first. */
	n = auth_expired(s->auth, stale, sizeof(stale) / sizeof(stale[0]));
	for (i = 0; i < n; i++) {
		p.id = stale[i];
		nng_pipe_close(p);
	}
	/* Once NNG is wedged, no socket can be closed any more: a probe
	 * would only leave another one behind. Say so, once. */
	if (ppi_transport_close_is_stuck()) {
		if (!s->is_stuck_reported) {
			s->is_stuck_reported = true;
			fprintf(stderr, "pipeproc-node: NNG 1.5.2 is wedged "
			    "(a connection closed as a message arrived on it; "
			    "see docs/DESIGN.md section 6): connections are "
			    "still served, but closed ones are never freed and "
			    "the listeners are no longer checked; restart "
			    "this node\n");
		}
		return;
	}
	for (i = 0; i < s->nlisteners; i++) {
		start = ppi_clock_ms(CLOCK_MONOTONIC);
		if (answers_hello(s, i) ||
		    atomic_load(&s->last_pipe_ms[i]) >= start) {
			/* Served, or refused only by the connection cap
			 * after the listener handed the pipe over. */
			continue;
		}
		/* Closing the listener also drops its pipes; their clients
		 * redial and NNG resends what was in flight, which the
		 * request table makes safe. */
		fprintf(stderr, "pipeproc-node: %s stopped accepting; "
		    "listening again\n", s->addrs[i]);
		is_ipc = strncmp(s->addrs[i], "ipc://", 6) == 0;
		if (is_ipc) {
			keep_socket_file(s, i, &gid);
		}
		nng_listener_close(s->listeners[i]);
		if (is_ipc) {
			unlink(s->addrs[i] + 6);
		}
		if (listen_on(s, i, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "pipeproc-node: %s\n", msg);
		} else if (is_ipc) {
			keep_group(s->addrs[i] + 6, gid);
		}
	}
}

int
server_start(server *s)
{
	conn *c;
	int   rv;

	if ((rv = nng_aio_alloc(&s->drain_aio, drain_cb, s)) != 0) {
		return map_nng(rv);
	}
	for (s->nconns = 0; s->nconns < NCONN; s->nconns++) {
		c      = &s->conns[s->nconns];
		c->srv = s;
		if ((rv = nng_aio_alloc(&c->aio, conn_cb, c)) != 0) {
			return map_nng(rv);
		}
		if ((rv = nng_aio_alloc(&c->send_aio, NULL, NULL)) != 0) {
			nng_aio_free(c->aio);
			return map_nng(rv);
		}
		if ((rv = nng_ctx_open(&c->ctx, s->sock)) != 0) {
			nng_aio_free(c->send_aio);
			nng_aio_free(c->aio);
			return map_nng(rv);
		}
		c->state = CONN_RECV;
		nng_ctx_recv(c->ctx, c->aio);
	}
	return 0;
}

void
server_detach_writer(server *s)
{
	pthread_mutex_lock(&s->mtx);
	s->is_writer_detached = true;
	pthread_mutex_unlock(&s->mtx);
}

void
server_refuse_new(server *s)
{
	atomic_store(&s->is_refusing, true);
}

void
server_wait_idle(server *s, int allowed, int timeout_ms)
{
	struct timespec deadline =
	    ppi_deadline_after_us(CLOCK_REALTIME, timeout_ms * 1000LL);

	pthread_mutex_lock(&s->mtx);
	atomic_store(&s->has_idle_waiter, true);
	while (atomic_load(&s->inflight) > allowed &&
	    pthread_cond_timedwait(&s->idle, &s->mtx, &deadline) == 0) {
	}
	atomic_store(&s->has_idle_waiter, false);
	pthread_mutex_unlock(&s->mtx);
}

void
server_wait_shutdown_peer(server *s, int timeout_ms)
{
	struct timespec deadline =
	    ppi_deadline_after_us(CLOCK_REALTIME, timeout_ms * 1000LL);

	pthread_mutex_lock(&s->mtx);
	while (s->shutdown_pipe != 0 && !s->is_shutdown_gone &&
	    pthread_cond_timedwait(&s->idle, &s->mtx, &deadline) == 0) {
	}
	pthread_mutex_unlock(&s->mtx);
}

void
server_unlink_sockets(server *s)
{
	size_t i;

	for (i = 0; s != NULL && i < s->nlisteners; i++) {
		/* claim_path made sure the file is this node's own. */
		if (strncmp(s->addrs[i], "ipc://", 6) == 0) {
			unlink(s->addrs[i] + 6);
		}
	}
}

void
server_close(server *s)
{
	int i;

	if (s == NULL) {
		return;
	}
	if (ppi_transport_close_is_stuck() ||
	    !ppi_transport_close_socket(s->sock.id, SERVER_CLOSE_MS)) {
		/* NNG is wedged: the contexts may still be in use; they
		 * stay, and go with the process, which is about to exit. */
		fprintf(stderr, "pipeproc-node: NNG did not close the "
		    "socket in time; leaving it\n");
		return;
	}
	/* No callback runs after these: none can rearm a context (a sweep
	 * of the draining ones included) while they are freed. */
	nng_aio_free(s->drain_aio);
	for (i = 0; i < s->nconns; i++) {
		nng_aio_stop(s->conns[i].aio);
	}
	for (i = 0; i < s->nconns; i++) {
		/* nng_aio_free waits for a running callback to finish. */
		nng_aio_free(s->conns[i].aio);
		nng_aio_stop(s->conns[i].send_aio);
		if (nng_aio_get_msg(s->conns[i].send_aio) != NULL) {
			nng_msg_free(nng_aio_get_msg(s->conns[i].send_aio));
		}
		nng_aio_free(s->conns[i].send_aio);
		nng_ctx_close(s->conns[i].ctx);
		if (s->conns[i].frame != NULL) {
			ppi_wire_request_fini(&s->conns[i].req.req);
			ppi_buf_fini(&s->conns[i].req.reply);
			nng_msg_free(s->conns[i].frame);
		}
	}
	if (s->tls != NULL) {
		nng_tls_config_free(s->tls);
	}
	if (s->tls_probe != NULL) {
		nng_tls_config_free(s->tls_probe);
	}
	auth_free(s->auth);
	pthread_mutex_destroy(&s->drain_mtx);
	pthread_mutex_destroy(&s->mtx);
	pthread_cond_destroy(&s->idle);
	free(s);
}
