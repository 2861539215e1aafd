/*
 * node.h - the node object that ties store, writer, readers and server
 * together (main.c builds it; the server answers hello and shutdown from
 * it).
 *
 *   server.c   NNG rep contexts: receive, decode, dispatch, reply
 *              (with server_listen.c, server_pipe.c, server_recv.c,
 *              server_reply.c; server_impl.h)
 *   writer.c   the writer thread: group commit (writer.h)
 *   reader.c   reader threads: range, length, stat, topics (reader.h)
 *   request.h  the request in flight and its completion
 *   queue.c    the request queue both of them sleep on
 *   store/     the LMDB store (store/store.h)
 *   syncer.c   --sync interval:MS
 *   workers.c  the supervisor of worker processes
 *   main.c     arguments, data directory lock, start and stop
 */
#ifndef PP_NODE_NODE_H
#define PP_NODE_NODE_H

#include <stdint.h>

#include "reader.h"
#include "request.h"
#include "store/store.h"
#include "writer.h"

typedef struct server server;

typedef struct node {
	store   *store;
	writer  *writer;
	reader  *reader;
	server  *server;
	uint64_t max_body;
	int      stop_pipe[2]; /* server -> main: a shutdown request came */
	request *shutdown_req; /* answered last, once everything stopped */
	/* The store's directory, absolute, told to clients in the hello so
	 * that one on this host can read it itself (lib/local.c); NULL for
	 * --memory. Points into main's options. */
	const char *store_dir;
} node;

#endif
