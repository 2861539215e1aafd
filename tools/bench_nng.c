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
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "bench.h"

#define REPLY_BYTES 32
#define REQUEST_BYTES_MAX 4096
#define RECV_TIMEOUT_MS 10000

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

/* Sends round trips for cfg->measure_s; returns the count or -1. */
static long
round_trips(const bench_cfg *cfg, nng_socket req, size_t request_bytes,
    double *elapsed_s)
{
	char   request[REQUEST_BYTES_MAX];
	char   reply[REPLY_BYTES * 2];
	size_t len;
	double start_s;
	long   n = 0;
	int    rv;

	memset(request, 'q', request_bytes);
	start_s = bench_now_s();
	do {
		if ((rv = nng_send(req, request, request_bytes, 0)) != 0) {
			return (nng_fail("send", rv));
		}
		len = sizeof(reply);
		if ((rv = nng_recv(req, reply, &len, 0)) != 0) {
			return (nng_fail("recv", rv));
		}
		n++;
		*elapsed_s = bench_now_s() - start_s;
	} while (*elapsed_s < cfg->measure_s);
	return (n);
}

int
bench_nng_round_trip_rate(const bench_cfg *cfg, int run,
    size_t request_bytes, double *ops_per_s)
{
	char       dir[PATH_MAX];
	char       address[PATH_MAX + 16];
	nng_socket rep;
	nng_socket req;
	pthread_t  echo;
	double     elapsed_s = 0;
	long       n         = -1;
	int        rv;

	if (request_bytes > REQUEST_BYTES_MAX) {
		fprintf(stderr, "bench: nng request too large\n");
		return (-1);
	}
	if (bench_dir_make(cfg, "nng", run, dir, sizeof(dir)) != 0) {
		return (-1);
	}
	snprintf(address, sizeof(address), "ipc://%s/nng.ipc", dir);

	if ((rv = nng_rep0_open(&rep)) != 0) {
		nng_fail("rep0_open", rv);
		goto fail_dir;
	}
	if ((rv = nng_listen(rep, address, NULL, 0)) != 0) {
		nng_fail("listen", rv);
		goto fail_rep;
	}
	if ((rv = pthread_create(&echo, NULL, echo_main, &rep)) != 0) {
		fprintf(stderr, "bench: pthread_create: %s\n", strerror(rv));
		goto fail_rep;
	}
	if ((rv = nng_req0_open(&req)) != 0) {
		nng_fail("req0_open", rv);
		goto fail_echo;
	}
	if ((rv = nng_socket_set_ms(req, NNG_OPT_RECVTIMEO,
	         RECV_TIMEOUT_MS)) != 0 ||
	    (rv = nng_dial(req, address, NULL, 0)) != 0) {
		nng_fail("dial", rv);
		goto fail_req;
	}
	n = round_trips(cfg, req, request_bytes, &elapsed_s);

fail_req:
	nng_close(req);
fail_echo:
	nng_close(rep); /* wakes the echo thread with NNG_ECLOSED */
	pthread_join(echo, NULL);
	bench_dir_remove(dir);
	if (n <= 0) {
		return (-1);
	}
	*ops_per_s = (double) n / elapsed_s;
	fprintf(stderr, "bench:   nng %zu B round trips: %.0f/s\n",
	    request_bytes, *ops_per_s);
	return (0);

fail_rep:
	nng_close(rep);
fail_dir:
	bench_dir_remove(dir);
	return (-1);
}
