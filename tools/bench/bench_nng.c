/*
 * bench_nng.c - the bare NNG baseline: synchronous req/rep round trips
 * over ipc between two threads of this process, with no encoding, no
 * storage and no library in between.
 *
 * This is the floor under commit_seq_nosync: one pp_commit of a 100-byte
 * log is one request of about 150 bytes and a small reply, so a node that
 * does not sync can at best match this rate (issue 2 item 7: "throughput
 * must come from batching and coalescing, never from more round trips").
 *
 * Threads: the calling thread owns the req socket and measures; one echo
 * thread owns the rep socket and answers every request with a 32-byte
 * reply until the socket is closed under it (nng_recv then fails with
 * NNG_ECLOSED and the thread returns).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "bench.h"

#define REPLY_BYTES       32
#define REQUEST_BYTES_MAX 4096
#define RECV_TIMEOUT_MS   10000

static int
nng_fail(const char *what, int rv)
{
	fprintf(stderr, "bench: nng %s: %s\n", what, nng_strerror(rv));
	return (-1);
}

/* Echo thread: a small reply to each request until the socket closes. */
static void *
echo_main(void *arg)
{
	nng_socket *rep = arg;
	char        reply[REPLY_BYTES];
	void       *buf;
	size_t      len;
	int         rv;

	memset(reply, 'r', sizeof(reply));
	for (;;) {
		if ((rv = nng_recv(*rep, &buf, &len, NNG_FLAG_ALLOC)) != 0) {
			break;
		}
		nng_free(buf, len);
		if ((rv = nng_send(*rep, reply, sizeof(reply), 0)) != 0) {
			break;
		}
	}
	if (rv != NNG_ECLOSED) {
		nng_fail("echo", rv);
	}
	return (NULL);
}

struct bench_nng {
	char       dir[PATH_MAX];
	nng_socket rep;
	nng_socket req;
	pthread_t  echo;
	bool       has_rep;
	bool       has_req;
	bool       has_echo;
};

int
bench_nng_open(const bench_cfg *cfg, int run, bench_nng **nngp)
{
	bench_nng *b;
	char       address[PATH_MAX + 16];
	int        rv;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		fprintf(stderr, "bench: out of memory\n");
		return (-1);
	}
	if (bench_dir_make(cfg, "nng", run, b->dir, sizeof(b->dir)) != 0) {
		free(b);
		return (-1);
	}
	snprintf(address, sizeof(address), "ipc://%s/nng.ipc", b->dir);

	if ((rv = nng_rep0_open(&b->rep)) != 0) {
		nng_fail("rep0_open", rv);
		goto fail;
	}
	b->has_rep = true;
	if ((rv = nng_listen(b->rep, address, NULL, 0)) != 0) {
		nng_fail("listen", rv);
		goto fail;
	}
	if ((rv = pthread_create(&b->echo, NULL, echo_main, &b->rep)) != 0) {
		fprintf(stderr, "bench: pthread_create: %s\n", strerror(rv));
		goto fail;
	}
	b->has_echo = true;
	if ((rv = nng_req0_open(&b->req)) != 0) {
		nng_fail("req0_open", rv);
		goto fail;
	}
	b->has_req = true;
	rv = nng_socket_set_ms(b->req, NNG_OPT_RECVTIMEO, RECV_TIMEOUT_MS);
	if (rv != 0) {
		nng_fail("set RECVTIMEO", rv);
		goto fail;
	}
	if ((rv = nng_dial(b->req, address, NULL, 0)) != 0) {
		nng_fail("dial", rv);
		goto fail;
	}
	*nngp = b;
	return (0);

fail:
	bench_nng_close(b);
	return (-1);
}

int
bench_nng_round_trip_slice(bench_nng *b, size_t request_bytes, double slice_s,
    double *ops, double *elapsed_s)
{
	char   request[REQUEST_BYTES_MAX];
	char   reply[REPLY_BYTES * 2];
	size_t len;
	double start_s;
	double took_s;
	long   n = 0;
	int    rv;

	if (request_bytes > sizeof(request)) {
		fprintf(stderr, "bench: nng request too large\n");
		return (-1);
	}
	memset(request, 'q', request_bytes);
	start_s = bench_now_s();
	do {
		if ((rv = nng_send(b->req, request, request_bytes, 0)) != 0) {
			return (nng_fail("send", rv));
		}
		len = sizeof(reply);
		if ((rv = nng_recv(b->req, reply, &len, 0)) != 0) {
			return (nng_fail("recv", rv));
		}
		n++;
		took_s = bench_now_s() - start_s;
	} while (took_s < slice_s);
	*ops += (double)n;
	*elapsed_s += took_s;
	return (0);
}

void
bench_nng_close(bench_nng *b)
{
	if (b == NULL) {
		return;
	}
	if (b->has_req) {
		nng_close(b->req);
	}
	if (b->has_rep) {
		nng_close(b->rep); /* wakes the echo thread: NNG_ECLOSED */
	}
	if (b->has_echo) {
		pthread_join(b->echo, NULL);
	}
	bench_dir_remove(b->dir);
	free(b);
}
