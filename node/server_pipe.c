/*
 * server_pipe.c - connections coming and going, as NNG notifies them:
 * the connection cap and the access deadline (auth.c), other local users
 * on ipc (peer.c), and the client that asked for the shutdown.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

#include <nng/nng.h>

#include "deadline.h"
#include "server_impl.h"

/*
 * The peer of an ipc pipe, when the node does not serve its user: 0 and
 * the reason in msg, else -1 (ours, allowed, or not ipc).
 */
int
server_foreign_reason(server *s, nng_pipe p, char *msg, size_t msglen)
{
	uint64_t uid, gid = (uint64_t) -1;

	/* Only ipc pipes know their peer's credentials (SO_PEERCRED). */
	if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) != 0) {
		return -1;
	}
	nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_GID, &gid);
	return peer_check(s->peers, uid, gid, msg, msglen) != 0 ? 0 : -1;
}

/*
 * A connection finished its handshakes and is about to be served:
 * count it against the cap (see auth_pipe_add) and note that its
 * listener still hands out pipes.
 */
void
server_pipe_adding(nng_pipe p, nng_pipe_ev ev, void *arg)
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
	if (server_foreign_reason(s, p, msg, sizeof(msg)) == 0) {
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
void
server_pipe_removed(nng_pipe p, nng_pipe_ev ev, void *arg)
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

