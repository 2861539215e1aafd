/*
 * transport.h - the client side of the NNG req/rep connection. The only
 * library module that includes <nng/nng.h>.
 */
#ifndef PP_TRANSPORT_H
#define PP_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tls.h"
#include "token.h"

typedef struct ppi_transport ppi_transport;

/* How to reach the node; checked by the caller (client.c). */
typedef struct ppi_transport_opts {
	const ppi_tls_pem *pem;        /* tls+tcp: our material; else NULL */
	const ppi_token   *token;      /* sent in every frame; NULL: none */
	uint32_t           timeout_ms; /* for the first connection */
	bool               is_root_node_allowed; /* ipc: root's node too */
} ppi_transport_opts;

/*
 * ppi_transport_open - open a req socket and dial `address` once,
 * synchronously, for at most o->timeout_ms (a TLS handshake included).
 * Later the socket redials by itself. Over ipc, a node of another user
 * (by the socket's peer credentials) is hung up on at once: only our own
 * user's, or root's with o->is_root_node_allowed (issue 14 item 1).
 * Returns 0 or PP_EADDR / PP_ECONNREFUSED / PP_ETLS / PP_ETIMEDOUT /
 * PP_EPEER / PP_ENOMEM / PP_EIO with a reason in msg (a failed tcp or
 * TLS connection is diagnosed, see tls.h).
 * On success *t belongs to the caller.
 */
int ppi_transport_open(const char *address, const ppi_transport_opts *o,
    ppi_transport **t, char *msg, size_t msglen);

/*
 * ppi_transport_hangup - close the connection but keep the object, so
 * that concurrent calls fail with PP_ECLOSED instead of touching freed
 * memory. ppi_transport_close() still frees it.
 */
void ppi_transport_hangup(ppi_transport *t);

/* ppi_transport_close - close the socket; pending calls fail. Accepts NULL.
 * Returns within a few seconds even when NNG wedges (the transport then
 * stays allocated). */
void ppi_transport_close(ppi_transport *t);

/*
 * ppi_transport_map_nng - an NNG error as a PP_E* code (the boundary
 * rule: no NNG_ value leaves a module that includes <nng/nng.h>). For
 * the client's dialer and requests and for the node's listeners alike;
 * anything without a better code is PP_EIO.
 */
int ppi_transport_map_nng(int nng_rv);

/* A received reply. data/len stay valid until ppi_frame_free(). */
typedef struct ppi_frame {
	const char *data;
	size_t      len;
	void       *msg_; /* the NNG message that holds the bytes */
} ppi_frame;

/* ppi_frame_free - release a reply; accepts a zeroed frame. */
void ppi_frame_free(ppi_frame *f);

/* A request whose reply has not been collected yet. */
typedef struct ppi_call ppi_call;

/*
 * ppi_transport_begin - send one request frame and start waiting for its
 * reply in the background; collect it with ppi_transport_end(). Each call
 * has its own NNG context, so calls from several threads run
 * concurrently. Errors: PP_ETIMEDOUT, PP_ECLOSED, PP_ENOMEM, PP_EIO.
 */
int ppi_transport_begin(ppi_transport *t, const void *req, size_t len,
    uint32_t timeout_ms, ppi_call **call);

/*
 * ppi_transport_end - wait for the reply of a begun call and free the
 * call. On 0, *reply must be released with ppi_frame_free().
 */
int ppi_transport_end(ppi_call *call, ppi_frame *reply);

/*
 * ppi_transport_refusal - the node we hung up on for belonging to
 * another user, described in msg: PP_EPEER, or 0 when none was.
 */
int ppi_transport_refusal(ppi_transport *t, char *msg, size_t msglen);

/* ppi_transport_abandon - give up a begun call. Accepts NULL. */
void ppi_transport_abandon(ppi_call *call);

/* ppi_transport_call - ppi_transport_begin() then ppi_transport_end(). */
int ppi_transport_call(ppi_transport *t, const void *req, size_t len,
    uint32_t timeout_ms, ppi_frame *reply);

/*
 * ppi_transport_is_connected - whether the socket has a connection to the
 * node now (NNG redials by itself while it has none).
 */
bool ppi_transport_is_connected(ppi_transport *t);

/*
 * ppi_transport_link - a number for the connection the socket has now:
 * it changes whenever NNG has made a new one (a redial, a node that
 * restarted), and is 0 while there is none. Equal numbers at two times
 * mean the same connection stayed up in between, so the same node
 * process answered (local.c relies on it). Lock-free; never blocks.
 */
uint64_t ppi_transport_link(ppi_transport *t);

#endif
