/*
 * transport.h - the client side of the NNG req/rep connection. The only
 * library module that includes <nng/nng.h>.
 */
#ifndef PP_TRANSPORT_H
#define PP_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct ppi_transport ppi_transport;

/*
 * ppi_transport_open - open a req socket and dial `address` once,
 * synchronously. Returns 0 or PP_EADDR / PP_ECONNREFUSED / PP_ENOMEM /
 * PP_EIO with a reason in msg. On success *t belongs to the caller.
 */
int ppi_transport_open(
    const char *address, ppi_transport **t, char *msg, size_t msglen);

/*
 * ppi_transport_hangup - close the connection but keep the object, so
 * that concurrent calls fail with PP_ECLOSED instead of touching freed
 * memory. ppi_transport_close() still frees it.
 */
void ppi_transport_hangup(ppi_transport *t);

/* ppi_transport_close - close the socket; pending calls fail. Accepts NULL. */
void ppi_transport_close(ppi_transport *t);

/*
 * ppi_transport_call - send one request frame and wait for its reply.
 * Each call uses its own NNG context, so calls from several threads run
 * concurrently. On 0, *reply is malloc'd (the caller frees it). Errors:
 * PP_ETIMEDOUT, PP_ECLOSED, PP_ENOMEM, PP_EIO.
 */
int ppi_transport_call(ppi_transport *t, const void *req, size_t len,
    uint32_t timeout_ms, char **reply, size_t *reply_len);

#endif
