/*
 * peer.h - which local users may use the node's ipc listeners (issue 14
 * item 1): the node's own user always, others only when --allow-uid or
 * --allow-gid names them. The server asks about every new ipc connection
 * (server_pipe.c; the peer's uid and gid come from the socket,
 * SO_PEERCRED through NNG); tcp connections are guarded by TLS and
 * tokens instead.
 */
#ifndef PP_NODE_PEER_H
#define PP_NODE_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER_ALLOW_MAX 32

typedef struct peer_config {
	uint32_t uids[PEER_ALLOW_MAX];
	size_t   nuids;
	uint32_t gids[PEER_ALLOW_MAX];
	size_t   ngids;
} peer_config;

/*
 * peer_option - take --allow-uid / --allow-gid `val`: a comma-separated
 * list of numbers or user (group) names. Returns 0, or -1 after printing
 * why the value is bad.
 */
int peer_option(peer_config *c, const char *name, const char *val);

/*
 * peer_check - may a process of uid/gid use the node? 0 when it is the
 * node's own user or allowed; PP_EPEER with a message naming both users
 * otherwise. c may be NULL (only our own user).
 */
int peer_check(const peer_config *c, uint64_t uid, uint64_t gid, char *msg,
    size_t msglen);

#endif
