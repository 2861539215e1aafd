/*
 * server_listen.c - the server's listeners: claiming an ipc path,
 * starting a listener, and the watchdog that probes each one with a
 * hello and listens afresh when it stopped accepting (NNG 1.5.2 bug
 * #1518; docs/DESIGN.md section 6), keeping the socket file's mode and
 * group.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/tls/tls.h>

#include "address.h"
#include "deadline.h"
#include "probe.h"
#include "server_impl.h"
#include "transport_close.h"

#define IPC_MODE 0600   /* a new ipc socket file: owner only */
/* How long a close may take before NNG counts as wedged
 * (transport_close.h): the probe's, then the server's own. */
#define PROBE_CLOSE_MS 2000

/*
 * Refuses a path a live node answers on and removes a stale socket file,
 * before NNG sees either (its own check would trip NNG bug #1518).
 */
int
server_claim_path(const char *path, char *msg, size_t msglen)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		return 0;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(msg, msglen, "cannot listen on %s: not a socket", path);
		return NNG_EADDRINUSE;
	}
	if (probe_ipc(path, 1000) != PROBE_ABSENT) {
		snprintf(msg, msglen,
		    "cannot listen on ipc://%s: a live node serves it", path);
		return NNG_EADDRINUSE;
	}
	unlink(path);
	return 0;
}

/*
 * One listener. ipc sockets are owner-only (unless the watchdog listens
 * again on a file its owner opened to others, see keep_socket_file).
 * Remote listeners read at most one request (no slack for a
 * PP_ETOOLARGE answer: a peer that may not even hold the token must not
 * make us buffer 4x that), tls+tcp ones demand a client certificate
 * signed by our CA (mutual TLS). NNG 1.5.2 drops a connection whose TLS
 * and SP handshakes take over 10 s.
 */
int
server_listen_on(server *s, size_t i, char *msg, size_t msglen)
{
	nng_listener *l = &s->listeners[i];
	ppi_addr      a;
	int           rv;

	ppi_address_parse(s->addrs[i], &a);
	if ((rv = nng_listener_create(l, s->sock, s->addrs[i])) != 0) {
		goto fail;
	}
	if (a.kind == PPI_ADDR_IPC) {
		/* NNG applies it between bind() and listen(): nobody ever
		 * connects to the file with another mode. */
		rv = nng_listener_set_int(*l, NNG_OPT_IPC_PERMISSIONS,
		    s->ipc_mode[i] != 0 ? s->ipc_mode[i] : IPC_MODE);
	} else {
		rv = nng_listener_set_size(*l, NNG_OPT_RECVMAXSZ,
		    PPI_REQUEST_MAX(s->node->max_body));
		nng_listener_set_bool(*l, NNG_OPT_TCP_NODELAY, true);
		nng_listener_set_bool(*l, NNG_OPT_TCP_KEEPALIVE, true);
	}
	if (rv == 0 && a.kind == PPI_ADDR_TLS) {
		rv = nng_listener_set_ptr(*l, NNG_OPT_TLS_CONFIG, s->tls);
	}
	if (rv == 0) {
		rv = nng_listener_start(*l, 0);
	}
	if (rv != 0) {
		nng_listener_close(*l);
	}
fail:
	if (rv != 0) {
		snprintf(msg, msglen, "cannot listen on %s: %s", s->addrs[i],
		    nng_strerror(rv));
	}
	return rv;
}

/* Where the watchdog dials a listener: a wildcard host means this one. */
static void
probe_address(const char *addr, char *buf, size_t len)
{
	ppi_addr a;

	if (ppi_address_parse(addr, &a) != 0 || a.kind == PPI_ADDR_IPC ||
	    (strcmp(a.host, "*") != 0 && strcmp(a.host, "0.0.0.0") != 0 &&
	        strcmp(a.host, "::") != 0)) {
		snprintf(buf, len, "%s", addr);
		return;
	}
	snprintf(buf, len, "%s://%s:%u",
	    a.kind == PPI_ADDR_TLS ? "tls+tcp" : "tcp",
	    strcmp(a.host, "::") == 0 ? "[::1]" : "127.0.0.1", a.port);
}

/*
 * Sends a hello to our own address through a fresh connection, as a
 * client would. Under NNG bug #1518 a listener may still complete SP
 * handshakes yet never hand the new pipes to the socket, so only a full
 * request proves that new clients are served. Any answer will do (a
 * PP_EAUTH one too). A TLS listener is dialed with our own certificate;
 * when that cannot pass our own client check (a certificate issued for
 * servers only), the answer is "cannot tell".
 */
static bool
answers_hello(server *s, size_t i)
{
	nng_socket sock;
	nng_dialer d;
	nng_msg   *msg = NULL;
	ppi_buf    req;
	ppi_addr   a;
	char       addr[300];
	bool       is_ok = false;
	int        rv;

	probe_address(s->addrs[i], addr, sizeof(addr));
	ppi_address_parse(addr, &a);
	if (nng_req0_open(&sock) != 0) {
		return true; /* cannot tell; do not disturb the listener */
	}
	nng_socket_set_ms(sock, NNG_OPT_SENDTIMEO, 1000);
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, 1000);
	ppi_buf_init(&req);
	ppi_wire_hello(&req);
	if ((rv = nng_dialer_create(&d, sock, addr)) == 0 &&
	    a.kind == PPI_ADDR_TLS) {
		rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, s->tls_probe);
	}
	if (rv == 0) {
		rv = nng_dialer_start(d, 0);
	}
	if (rv == NNG_ECRYPTO || rv == NNG_EPEERAUTH || rv == NNG_ECONNSHUT) {
		is_ok = true; /* the handshake ran: accepting works */
	} else if (!req.is_failed && rv == 0 &&
	    nng_send(sock, req.data, req.len, 0) == 0 &&
	    nng_recvmsg(sock, &msg, 0) == 0) {
		is_ok = true;
		nng_msg_free(msg);
	}
	ppi_buf_fini(&req);
	if (!ppi_transport_close_socket(sock.id, PROBE_CLOSE_MS)) {
		return true; /* cannot tell; server_check_listeners says why */
	}
	return is_ok;
}

/*
 * Before the watchdog listens again on an ipc path: what the owner made
 * of the socket file (a chmod, a chgrp that lets other users in, with
 * --allow-uid/--allow-gid) must survive the new file, or those users are
 * locked out by a listener restart they never caused. The mode goes to
 * the new listener (ipc_mode); the group is returned for keep_group.
 */
static void
keep_socket_file(server *s, size_t i, gid_t *gid)
{
	struct stat st;

	*gid = (gid_t) -1;
	if (lstat(s->addrs[i] + 6, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_uid == geteuid()) {
		s->ipc_mode[i] = (int) (st.st_mode & 0777);
		*gid           = st.st_gid;
	}
}

/* The group of the fresh socket file, as the old one had it. */
static void
keep_group(const char *path, gid_t gid)
{
	struct stat st;

	if (gid != (gid_t) -1 && lstat(path, &st) == 0 && st.st_gid != gid &&
	    lchown(path, (uid_t) -1, gid) != 0) {
		fprintf(stderr, "pipeproc-node: cannot give %s its group %u "
		    "again: %s\n", path, (unsigned) gid, strerror(errno));
	}
}

void
server_check_listeners(server *s)
{
	char     msg[256];
	uint32_t stale[64];
	nng_pipe p;
	uint64_t start;
	size_t   i, n;
	gid_t    gid;
	bool     is_ipc;

	/* Connections that never showed the token in time go first. */
	n = auth_expired(s->auth, stale, sizeof(stale) / sizeof(stale[0]));
	for (i = 0; i < n; i++) {
		p.id = stale[i];
		nng_pipe_close(p);
	}
	/* Once NNG is wedged, no socket can be closed any more: a probe
	 * would only leave another one behind. Say so, once. */
	if (ppi_transport_close_is_stuck()) {
		if (!s->is_stuck_reported) {
			s->is_stuck_reported = true;
			fprintf(stderr, "pipeproc-node: NNG 1.5.2 is wedged "
			    "(a connection closed as a message arrived on it; "
			    "see docs/DESIGN.md section 6): connections are "
			    "still served, but closed ones are never freed and "
			    "the listeners are no longer checked; restart "
			    "this node\n");
		}
		return;
	}
	for (i = 0; i < s->nlisteners; i++) {
		start = ppi_clock_ms(CLOCK_MONOTONIC);
		if (answers_hello(s, i) ||
		    atomic_load(&s->last_pipe_ms[i]) >= start) {
			/* Served, or refused only by the connection cap
			 * after the listener handed the pipe over. */
			continue;
		}
		/* Closing the listener also drops its pipes; their clients
		 * redial and NNG resends what was in flight, which the
		 * request table makes safe. */
		fprintf(stderr, "pipeproc-node: %s stopped accepting; "
		    "listening again\n", s->addrs[i]);
		is_ipc = strncmp(s->addrs[i], "ipc://", 6) == 0;
		if (is_ipc) {
			keep_socket_file(s, i, &gid);
		}
		nng_listener_close(s->listeners[i]);
		if (is_ipc) {
			unlink(s->addrs[i] + 6);
		}
		if (server_listen_on(s, i, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "pipeproc-node: %s\n", msg);
		} else if (is_ipc) {
			keep_group(s->addrs[i] + 6, gid);
		}
	}
}
