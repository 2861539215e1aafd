/*
 * probe.h - is a node answering on an ipc socket path?
 *
 * Needed because of NNG 1.5.2's bug #1518: a peer that disconnects
 * before the SP handshake completes leaves the listener no longer
 * accepting. NNG's own stale-socket check is such a peer, and so is any
 * careless local process. This probe always completes the handshake, so
 * probing never harms the node it probes.
 */
#ifndef PP_NODE_PROBE_H
#define PP_NODE_PROBE_H

enum probe_result {
	PROBE_ABSENT,  /* nothing listens (no file, or connection refused) */
	PROBE_LIVE,    /* a node completed the handshake */
	PROBE_STUCK    /* the socket accepted but never answered */
};

/*
 * probe_ipc - connect to `path`, exchange SP headers as a req0 peer and
 * hang up; wait at most timeout_ms for the answer.
 */
enum probe_result probe_ipc(const char *path, int timeout_ms);

#endif
