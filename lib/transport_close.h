/*
 * transport_close.h - closing an NNG socket without waiting forever for
 * NNG 1.5.2 (transport_close.c; docs/DESIGN.md section 6.1). Used by the
 * client's transport and by the node's server.
 */
#ifndef PP_TRANSPORT_CLOSE_H
#define PP_TRANSPORT_CLOSE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * ppi_transport_close_socket - nng_close() of the socket with this id,
 * on a thread of its own, waited for at most timeout_ms. Returns true
 * when it returned; false when it is still stuck: then whatever NNG may
 * touch on behalf of that socket (callback arguments, aios, contexts)
 * must stay allocated. Thread-safe.
 */
bool ppi_transport_close_socket(uint32_t sock_id, uint32_t timeout_ms);

/* ppi_transport_close_is_stuck - whether some close above did not
 * return in time: NNG's reaper is then wedged for the process. */
bool ppi_transport_close_is_stuck(void);

#endif
