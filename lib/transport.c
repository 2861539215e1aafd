/*
 * transport.c - NNG req client: one socket per pp_client, one context per
 * request.
 *
 * Design notes: the req protocol's timed resend is switched off (we have
 * our own request timeouts), but NNG still resends a request whose pipe
 * broke. That is safe because every write carries (cid, rid) and the node
 * applies each at most once (docs/DESIGN.md §5). NNG error numbers are
 * mapped to PP_E* codes here and go no further.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

#include "pipeproc.h"
#include "transport.h"

struct ppi_transport {
	nng_socket sock;
};

static int
map_nng(int rv)
{
	switch (rv) {
	case 0:
		return 0;
	case NNG_ETIMEDOUT:
		return PP_ETIMEDOUT;
	case NNG_ECLOSED:
	case NNG_ECANCELED:
		return PP_ECLOSED;
	case NNG_ENOMEM:
		return PP_ENOMEM;
	case NNG_ECONNREFUSED:
	case NNG_ENOENT:
	case NNG_ECONNRESET:
	case NNG_ECONNSHUT:
		return PP_ECONNREFUSED;
	case NNG_EADDRINVAL:
	case NNG_ENOTSUP:
	case NNG_EINVAL:
		return PP_EADDR;
	case NNG_EPERM:
		return PP_EPERM;
	case NNG_EMSGSIZE:
		return PP_ETOOLARGE;
	default:
		return PP_EIO;
	}
}

int
ppi_transport_open(
    const char *address, ppi_transport **tp, char *msg, size_t msglen)
{
	ppi_transport *t;
	int            rv;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		return PP_ENOMEM;
	}
	if ((rv = nng_req0_open(&t->sock)) != 0) {
		snprintf(msg, msglen, "nng_req0_open: %s", nng_strerror(rv));
		free(t);
		return map_nng(rv);
	}
	/* Replies are trusted (they come from our node); a range page plus
	 * framing stays far below this. */
	nng_socket_set_size(t->sock, NNG_OPT_RECVMAXSZ, 256u << 20);
	nng_socket_set_ms(t->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_ms(t->sock, NNG_OPT_RECONNMINT, 10);
	nng_socket_set_ms(t->sock, NNG_OPT_RECONNMAXT, 1000);
	if ((rv = nng_dial(t->sock, address, NULL, 0)) != 0) {
		snprintf(msg, msglen, "cannot connect to %s: %s", address,
		    nng_strerror(rv));
		nng_close(t->sock);
		free(t);
		return map_nng(rv);
	}
	*tp = t;
	return 0;
}

void
ppi_transport_hangup(ppi_transport *t)
{
	nng_close(t->sock);
}

void
ppi_transport_close(ppi_transport *t)
{
	if (t == NULL) {
		return;
	}
	nng_close(t->sock);
	free(t);
}

struct ppi_call {
	nng_ctx  ctx;
	nng_aio *aio;
};

static void
call_free(ppi_call *call)
{
	nng_aio_free(call->aio);
	nng_ctx_close(call->ctx);
	free(call);
}

int
ppi_transport_begin(ppi_transport *t, const void *req, size_t len,
    uint32_t timeout_ms, ppi_call **out)
{
	ppi_call *call;
	nng_msg  *msg;
	int       rv;

	if ((call = calloc(1, sizeof(*call))) == NULL) {
		return PP_ENOMEM;
	}
	if ((rv = nng_ctx_open(&call->ctx, t->sock)) != 0) {
		free(call);
		return map_nng(rv);
	}
	if ((rv = nng_aio_alloc(&call->aio, NULL, NULL)) != 0) {
		nng_ctx_close(call->ctx);
		free(call);
		return map_nng(rv);
	}
	if ((rv = nng_msg_alloc(&msg, len)) != 0) {
		call_free(call);
		return map_nng(rv);
	}
	memcpy(nng_msg_body(msg), req, len);
	nng_aio_set_timeout(call->aio, (nng_duration) timeout_ms);
	nng_aio_set_msg(call->aio, msg);
	nng_ctx_send(call->ctx, call->aio);
	nng_aio_wait(call->aio);
	if ((rv = nng_aio_result(call->aio)) != 0) {
		/* A failed send leaves the message with us. */
		nng_msg_free(msg);
		call_free(call);
		return map_nng(rv);
	}
	nng_ctx_recv(call->ctx, call->aio);
	*out = call;
	return 0;
}

int
ppi_transport_end(ppi_call *call, ppi_frame *reply)
{
	nng_msg *msg;
	int      rv;

	nng_aio_wait(call->aio);
	if ((rv = nng_aio_result(call->aio)) == 0) {
		msg         = nng_aio_get_msg(call->aio);
		reply->msg_ = msg;
		reply->data = nng_msg_body(msg);
		reply->len  = nng_msg_len(msg);
	}
	call_free(call);
	return map_nng(rv);
}

void
ppi_transport_abandon(ppi_call *call)
{
	if (call == NULL) {
		return;
	}
	nng_aio_stop(call->aio);
	if (nng_aio_result(call->aio) == 0) {
		nng_msg_free(nng_aio_get_msg(call->aio));
	}
	call_free(call);
}

int
ppi_transport_call(ppi_transport *t, const void *req, size_t len,
    uint32_t timeout_ms, ppi_frame *reply)
{
	ppi_call *call;
	int       rv;

	if ((rv = ppi_transport_begin(t, req, len, timeout_ms, &call)) != 0) {
		return rv;
	}
	return ppi_transport_end(call, reply);
}

void
ppi_frame_free(ppi_frame *f)
{
	if (f->msg_ != NULL) {
		nng_msg_free(f->msg_);
	}
	f->msg_ = NULL;
	f->data = NULL;
	f->len  = 0;
}
