/*
 * conn.h - connecting to NATS and checking a JetStream stream for the
 * jetstream plugins; every libnats error becomes one line of text.
 */
#ifndef PP_JETSTREAM_CONN_H
#define PP_JETSTREAM_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nats/nats.h>

#include "config.h"

/*
 * jsconn_open - connect to c's servers with its credentials and TLS
 * files. With is_strict (the creation check) a server that cannot be
 * reached is an error; otherwise the connection keeps trying in the
 * background and the call succeeds (a worker must start while NATS is
 * down, and fail claims until it is back). Reconnects never give up.
 * Returns 0 and sets *nc, or -1 with the reason in err.
 * On success *nc belongs to the caller: natsConnection_Destroy() it.
 */
int jsconn_open(const jsconf *c, bool is_strict, natsConnection **nc,
    char *err, size_t errlen);

/*
 * jsconn_dup_window - the duplicate window of `stream`, in ms.
 * Returns 0, 1 when the stream does not exist, or -1 when it could not be
 * asked (no server, time-out, permissions); the reason is in err.
 */
int jsconn_dup_window(natsConnection *nc, const char *stream,
    int64_t timeout_ms, int64_t *dup_ms, char *err, size_t errlen);

/* jsconn_reason - "what: <libnats' last error of this thread>". */
void jsconn_reason(char *err, size_t errlen, const char *what, natsStatus s);

#endif
