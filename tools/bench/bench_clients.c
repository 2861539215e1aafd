/*
 * bench_clients.c - many small requests from many clients (issue 15):
 * commit_clients_1, _8 and _50, each with --sync always and with
 * --sync none. N threads, each with its own pp_client, commit one
 * 100-byte log per call, each awaited, as `redis-benchmark -c N -P 1
 * XADD` does. The baseline, in alternating slices of the same run, is
 * bench_echo.c: N bare NNG req sockets against 64 rep contexts, the
 * transport's own ceiling for that shape.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct committer {
	pp_client         *client;
	pthread_barrier_t *barrier;
	const double      *deadline_s;
	long               count;
	int                rv;
} committer;

static void *
committer_main(void *arg)
{
	committer *c = arg;
	char       body[BENCH_BODY_BYTES];
	pp_record  rec = { .topic = BENCH_TOPIC, .body = body,
		 .len = sizeof(body) };
	pp_id      id;

	bench_body_fill(body, sizeof(body), (uint64_t)(uintptr_t) c);
	pthread_barrier_wait(c->barrier);
	while (bench_now_s() < *c->deadline_s) {
		if ((c->rv = pp_commit(c->client, &rec, 1, &id)) != 0) {
			fprintf(stderr, "bench: pp_commit: %s (%s)\n",
			    pp_errname(c->rv), pp_client_errmsg(c->client));
			break;
		}
		c->count++;
	}
	return (NULL);
}

/* One slice of N committing clients (connected once per run). */
static int
commit_slice(committer *cs, int n, double slice_s, double *ops,
    double *elapsed_s)
{
	pthread_barrier_t barrier;
	pthread_t        *ts = calloc((size_t) n, sizeof(*ts));
	double            deadline_s, start_s;
	int               i, rv = 0;

	if (ts == NULL) {
		return (-1);
	}
	pthread_barrier_init(&barrier, NULL, (unsigned) n + 1);
	for (i = 0; i < n; i++) {
		cs[i].barrier    = &barrier;
		cs[i].deadline_s = &deadline_s;
		cs[i].count      = 0;
		pthread_create(&ts[i], NULL, committer_main, &cs[i]);
	}
	start_s    = bench_now_s();
	deadline_s = start_s + slice_s;
	pthread_barrier_wait(&barrier);
	for (i = 0; i < n; i++) {
		pthread_join(ts[i], NULL);
		*ops += (double) cs[i].count;
		rv = rv != 0 ? rv : cs[i].rv;
	}
	*elapsed_s += bench_now_s() - start_s;
	pthread_barrier_destroy(&barrier);
	free(ts);
	return (rv == 0 ? 0 : -1);
}

static int
clients_run(const bench_cfg *cfg, int run, int n, enum pp_sync_mode mode,
    bench_sample *sample)
{
	char        tag[32];
	bench_node  node;
	bench_echo *echo = NULL;
	committer  *cs = calloc((size_t) n, sizeof(*cs));
	double      slice_s = cfg->measure_s / BENCH_SLICES;
	double      ops = 0, elapsed_s = 0, base_ops = 0, base_elapsed_s = 0;
	int         i, connected = 0, rv = -1;

	snprintf(tag, sizeof(tag), "clients%d%s", n,
	    mode == PP_SYNC_NONE ? "-nosync" : "");
	if (cs == NULL || bench_node_start(cfg, tag, run, mode, &node) != 0) {
		free(cs);
		return (-1);
	}
	for (; connected < n; connected++) {
		int err = pp_connect(node.address, NULL, &cs[connected].client);

		if (err != 0) {
			fprintf(stderr, "bench: pp_connect: %s\n", pp_errname(err));
			break;
		}
	}
	if (connected == n && bench_echo_open(cfg, run, &echo) == 0) {
		for (i = 0, rv = 0; rv == 0 && i < BENCH_SLICES; i++) {
			rv = commit_slice(cs, n, slice_s, &ops, &elapsed_s);
			if (rv == 0) {
				rv = bench_echo_clients_slice(echo, n, slice_s,
				    &base_ops, &base_elapsed_s);
			}
		}
	}
	bench_echo_close(echo);
	while (connected > 0) {
		pp_close(cs[--connected].client);
	}
	bench_node_stop(&node);
	free(cs);
	if (rv != 0) {
		return (-1);
	}
	sample->value    = ops / elapsed_s;
	sample->baseline = base_ops / base_elapsed_s;
	fprintf(stderr, "bench:   %d clients, --sync %s: %.0f commits/s, bare "
	    "NNG %.0f round trips/s\n", n,
	    mode == PP_SYNC_NONE ? "none" : "always", sample->value,
	    sample->baseline);
	return (0);
}

int
bench_clients_1(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 1, PP_SYNC_ALWAYS, sample));
}

int
bench_clients_8(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 8, PP_SYNC_ALWAYS, sample));
}

int
bench_clients_50(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 50, PP_SYNC_ALWAYS, sample));
}

int
bench_clients_1_nosync(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 1, PP_SYNC_NONE, sample));
}

int
bench_clients_8_nosync(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 8, PP_SYNC_NONE, sample));
}

int
bench_clients_50_nosync(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (clients_run(cfg, run, 50, PP_SYNC_NONE, sample));
}
