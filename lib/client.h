/*
 * client.h - the pp_client object shared by the library's modules:
 * client.c (connect, requests, errors), commit.c (the commit queue),
 * close.c (shutdown, close), read.c (reads) and spawn.c (starting a
 * node).
 */
#ifndef PP_CLIENT_H
#define PP_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "lane.h"
#include "local.h"
#include "pipeproc.h"
#include "transport.h"
#include "wire.h"

#define PPI_ERRMSG_MAX 512
#define PPI_DEFAULT_REQUEST_TIMEOUT_MS 60000u
#define PPI_DEFAULT_CONNECT_TIMEOUT_MS 5000u

typedef struct ppi_commitq ppi_commitq;

struct pp_client {
	ppi_transport *transport;
	char          *address;
	uint32_t       request_timeout_ms;
	uint64_t       max_body;  /* from the node's hello */
	uint64_t       cid;       /* random id for write dedupe */
	bool           is_closed; /* set by pp_shutdown; guarded by commitq */
	ppi_commitq   *commitq;   /* lazily started senders; see commit.c */
	/* Only for a client that spawned its node: */
	pid_t node_pid;    /* our child, reaped by shutdown/close */
	int   lifeline_fd; /* write end; closing it stops the node; -1 */
	bool  is_detached;
	/* Only for a client of pp_attach (attach.c); NULL otherwise. Hooks,
	 * so that close.c needs no symbol of attach.c (which is above it). */
	void *attach;                     /* its state */
	void (*attach_stop)(pp_client *); /* stop starting nodes again */
	void (*attach_free)(pp_client *); /* end the lease, free attach */
	ppi_lane *lane; /* dedupe of proc calls and proc admin (lane.h) */
	/* The node's store, read directly (local.c); NULL: requests. */
	ppi_local *local;
};

/*
 * ppi_client_connect - allocate a client and attach it to `address`
 * (checks, dial + hello), as pp_connect() documents. Used by pp_connect
 * and pp_spawn.
 */
int ppi_client_connect(const char *address, const pp_connect_opts *opts,
    pp_client **client, char *msg, size_t msglen);

/*
 * ppi_client_fail - remember `fmt` as the calling thread's detail for
 * `client` and return rv (so callers can `return ppi_client_fail(...)`).
 */
int ppi_client_fail(const pp_client *client, int rv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * ppi_client_check_producer_key - 0 when key is 1..PP_PRODUCER_MAX
 * visible ASCII bytes, else PP_EINVAL with the client's detail set
 * (producer.c; every call that takes a producer key checks it so).
 */
int ppi_client_check_producer_key(const pp_client *client, const char *key);

/* ppi_set_last_errmsg - the detail pp_last_errmsg() returns. */
void ppi_set_last_errmsg(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * ppi_client_call - one request/reply round trip. On 0, release *reply
 * with ppi_frame_free(). Fails fast with PP_ECLOSED after pp_shutdown.
 */
int ppi_client_call(pp_client *client, const ppi_buf *req, ppi_frame *reply);

/*
 * ppi_client_call_wait - as ppi_client_call, for a request the node may
 * hold for wait_ms (-1: forever) before answering.
 */
int ppi_client_call_wait(
    pp_client *client, const ppi_buf *req, int wait_ms, ppi_frame *reply);

/* ppi_client_begin - send a request; collect with ppi_transport_end(). */
int ppi_client_begin(pp_client *client, const ppi_buf *req, ppi_call **call);

/*
 * ppi_client_proc_call - an ack, ack_commit or reclaim, sent through the
 * commit queue so that it is ordered with the client's commits and
 * applied once (docs/DESIGN.md §5). Strings are borrowed for the call.
 */
int ppi_client_proc_call(pp_client *client, enum ppi_call_kind kind,
    const char *name, uint64_t token, const char *error,
    const pp_record *recs, size_t count, pp_id *ids, pp_id *acked);

/* ppi_commitq_stop - drain and stop the commit senders (close.c). */
void ppi_commitq_stop(pp_client *client);

#endif
