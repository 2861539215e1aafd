/*
 * peers_util.c - what both sides of pipeproc-bench-peers share (peers.h):
 * the many-client runner and the p50 of a latency sample. Below
 * peers_pp.c and peers_redis.c, which peers.c calls.
 */
#include <pthread.h>
#include <stdlib.h>

#include "peers.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

double
peer_p50(double *samples, size_t n)
{
	qsort(samples, n, sizeof(*samples), cmp_double);
	return n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
}

int
peer_clients_run(int n, const void *target, double seconds,
    void *(*client_main)(void *), double *figure)
{
	pthread_t   *ts = calloc((size_t) n, sizeof(*ts));
	peer_client *cs = calloc((size_t) n, sizeof(*cs));
	double       start = bench_now_s();
	long         total = 0;
	int          i, rv = 0;

	if (ts == NULL || cs == NULL) {
		free(ts);
		free(cs);
		return -1;
	}
	for (i = 0; i < n; i++) {
		cs[i] = (peer_client){ target, seconds, 0, 0 };
		pthread_create(&ts[i], NULL, client_main, &cs[i]);
	}
	for (i = 0; i < n; i++) {
		pthread_join(ts[i], NULL);
		total += cs[i].count;
		rv = rv != 0 ? rv : cs[i].rv;
	}
	*figure = (double) total / (bench_now_s() - start);
	free(ts);
	free(cs);
	return rv;
}
