/*
 * server_impl.h - the request server's insides, shared by its files:
 * server.c (open, start, wait, close), server_listen.c (listeners, the
 * watchdog, socket files), server_pipe.c (connections coming and
 * going), server_recv.c (receive, decode, dispatch) and server_reply.c
 * (replies and the queued-reply sweep). The design notes for all of them
 * open server.c.
 */
#ifndef PP_NODE_SERVER_IMPL_H
#define PP_NODE_SERVER_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "auth.h"
#include "peer.h"
#include "server.h"

/* Contexts, so requests in flight at once. Up to PARK_MAX (writer.c) of
 * them may be claims waiting for logs; the rest keep serving. */
#define NCONN 256
#define MAX_LISTENERS 9 /* 8 --listen, plus the workers' own */

enum conn_state { CONN_RECV, CONN_SEND };

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
	nng_msg        *reply; /* holds req.reply's bytes (server_reply_mem) */
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
	/* Remote clients (issue 6): auth.c, server_listen_on(),
	 * server_pipe_adding(). */
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

/* server_reply.c */

/* server_inflight_add - count requests received and not yet answered;
 * wakes server_wait_idle. */
void server_inflight_add(server *s, int delta);

/* server_reply_mem - the allocator of a request's reply buffer (buf.h),
 * arg being its conn: the bytes live in an NNG message. */
void *server_reply_mem(void *arg, void *ptr, size_t size);

/* server_conn_reply - the request's completion (request_done): send its
 * reply and receive the next request on its context. */
void server_conn_reply(request *r);

/* server_drain_cb - the sweep timer's callback, arg being the server. */
void server_drain_cb(void *arg);

/* server_pipe.c */

/* server_foreign_reason - the peer of an ipc pipe, when the node does
 * not serve its user: 0 and the reason in msg, else -1. */
int server_foreign_reason(server *s, nng_pipe p, char *msg, size_t msglen);

/* The pipe notifications nng_pipe_notify() is given, arg being the
 * server: ADD_PRE and REM_POST. */
void server_pipe_adding(nng_pipe p, nng_pipe_ev ev, void *arg);
void server_pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg);

/* server_recv.c */

/* server_conn_cb - a context's receive completion, arg being its conn. */
void server_conn_cb(void *arg);

/* server_listen.c */

/* server_claim_path - refuse an ipc path a live node answers on, remove
 * a stale socket file; 0 or an NNG code with the reason in msg. */
int server_claim_path(const char *path, char *msg, size_t msglen);

/* server_listen_on - start listener i on s->addrs[i]; 0 or an NNG code
 * with the reason in msg. */
int server_listen_on(server *s, size_t i, char *msg, size_t msglen);

#endif
