/*
 * bench_commit.c - the commit workloads: commit_batch, commit_seq,
 * commit_seq_nosync, commit_concurrent, commit_async and commit_threads.
 *
 * Every run spawns a fresh node (bench_node.c). The workloads with a
 * baseline of their own alternate slices of node commits with slices of
 * the baseline (bench.h): raw LMDB for the synced ones (bench_lmdb.c),
 * bare NNG round trips for commit_seq_nosync (bench_nng.c). The others
 * are compared with another workload's median by bench.c. The measured
 * figure is always logs committed (acknowledged) per second; every log is
 * 100 bytes in the topic "bench".
 *
 * Threads: the concurrent workloads start BENCH_THREADS workers that wait
 * on a barrier, then commit one log per call until a shared deadline. The
 * clock runs from the barrier to the last worker's return, so a commit in
 * flight at the deadline is counted and its time too.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define BATCH_LOGS        1000   /* logs per pp_commit in commit_batch */
#define NNG_REQUEST_BYTES 150    /* a 100 B log in a commit frame */
#define FLUSH_TIMEOUT_MS  120000 /* commit_async gives up after this */

typedef struct worker {
	pp_client         *client;
	pthread_barrier_t *barrier;
	const double      *deadline_s;
	long               count; /* acknowledged commits */
	int                rv;    /* first error, 0 if none */
} worker;

typedef struct async_state {
	atomic_long ok;
	atomic_long failed;
	atomic_int  first_error;
} async_state;

static int
commit_fail(pp_client *client, const char *what, int rv)
{
	fprintf(stderr, "bench: %s: %s: %s (%s)\n", what, pp_errname(rv),
	    pp_strerror(rv), pp_client_errmsg(client));
	return (-1);
}

/* Sends pp_commit calls of `logs_per_call` logs for commit_slice(). */
typedef struct committer {
	pp_client *client;
	pp_record *recs;
	pp_id     *ids;
	size_t     logs_per_call;
	char       body[BENCH_BODY_BYTES];
} committer;

static int
committer_init(committer *cm, pp_client *client, size_t logs_per_call)
{
	size_t i;

	cm->client = client;
	cm->logs_per_call = logs_per_call;
	cm->recs = calloc(logs_per_call, sizeof(*cm->recs));
	cm->ids = calloc(logs_per_call, sizeof(*cm->ids));
	if (cm->recs == NULL || cm->ids == NULL) {
		free(cm->recs);
		free(cm->ids);
		fprintf(stderr, "bench: out of memory\n");
		return (-1);
	}
	bench_body_fill(cm->body, sizeof(cm->body), 0);
	for (i = 0; i < logs_per_call; i++) {
		cm->recs[i].topic = BENCH_TOPIC;
		cm->recs[i].body = cm->body;
		cm->recs[i].len = sizeof(cm->body);
	}
	return (0);
}

static void
committer_fini(committer *cm)
{
	free(cm->recs);
	free(cm->ids);
}

/* A timed slice (bench.h) of awaited pp_commit calls; ops are logs. */
static int
commit_slice(committer *cm, double slice_s, double *ops, double *elapsed_s)
{
	double start_s = bench_now_s();
	double took_s;
	size_t n = cm->logs_per_call;
	size_t logs = 0;
	int    rv;

	do {
		rv = pp_commit(cm->client, cm->recs, n, cm->ids);
		if (rv != 0) {
			return (commit_fail(cm->client, "pp_commit", rv));
		}
		logs += n;
		took_s = bench_now_s() - start_s;
	} while (took_s < slice_s);
	*ops += (double)logs;
	*elapsed_s += took_s;
	return (0);
}

/*
 * One run of a workload with its own baseline: a fresh node committing
 * `logs_per_call` logs per call, alternating BENCH_SLICES times with the
 * baseline: raw LMDB with as many puts per synced txn, or, for a node that
 * does not sync, bare NNG round trips of a request of the same size.
 */
static int
paired_run(const bench_cfg *cfg, const char *tag, int run,
    enum pp_sync_mode sync_mode, size_t logs_per_call, bench_sample *sample)
{
	bench_node  node;
	committer   cm;
	bench_lmdb *db = NULL;
	bench_nng  *nng = NULL;
	double      slice_s = cfg->measure_s / BENCH_SLICES;
	double      ops = 0, elapsed_s = 0, base_ops = 0, base_elapsed_s = 0;
	int         rv;
	int         i;

	if (bench_node_start(cfg, tag, run, sync_mode, &node) != 0) {
		return (-1);
	}
	if (committer_init(&cm, node.client, logs_per_call) != 0) {
		bench_node_stop(&node);
		return (-1);
	}
	if (sync_mode == PP_SYNC_NONE) {
		rv = bench_nng_open(cfg, run, &nng);
	} else {
		rv = bench_lmdb_open(cfg, "lmdb", run, &db);
	}
	for (i = 0; rv == 0 && i < BENCH_SLICES; i++) {
		if ((rv = commit_slice(&cm, slice_s, &ops, &elapsed_s)) != 0) {
			break;
		}
		if (nng != NULL) {
			rv = bench_nng_round_trip_slice(nng, NNG_REQUEST_BYTES,
			    slice_s, &base_ops, &base_elapsed_s);
		} else {
			rv = bench_lmdb_put_slice(db, logs_per_call, slice_s,
			    &base_ops, &base_elapsed_s);
		}
	}
	bench_nng_close(nng);
	bench_lmdb_close(db);
	committer_fini(&cm);
	bench_node_stop(&node);
	if (rv != 0) {
		return (-1);
	}
	sample->value = ops / elapsed_s;
	sample->baseline = base_ops / base_elapsed_s;
	fprintf(stderr, "bench:   %zu logs/commit: %.0f logs/s, %s %.0f/s\n",
	    logs_per_call, sample->value,
	    sync_mode == PP_SYNC_NONE ? "bare NNG round trips"
	                              : "raw LMDB puts",
	    sample->baseline);
	return (0);
}

int
bench_commit_batch(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (
	    paired_run(cfg, "batch", run, PP_SYNC_ALWAYS, BATCH_LOGS, sample));
}

int
bench_commit_seq(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (paired_run(cfg, "seq", run, PP_SYNC_ALWAYS, 1, sample));
}

int
bench_commit_seq_nosync(const bench_cfg *cfg, int run, bench_sample *sample)
{
	return (paired_run(cfg, "seq-nosync", run, PP_SYNC_NONE, 1, sample));
}

/* Worker thread: one log per pp_commit until the deadline. */
static void *
worker_main(void *arg)
{
	worker   *w = arg;
	pp_record rec;
	pp_id     id;
	char      body[BENCH_BODY_BYTES];
	int       rv;

	bench_body_fill(body, sizeof(body), 1);
	rec.topic = BENCH_TOPIC;
	rec.body = body;
	rec.len = sizeof(body);
	pthread_barrier_wait(w->barrier);
	while (bench_now_s() < *w->deadline_s) {
		if ((rv = pp_commit(w->client, &rec, 1, &id)) != 0) {
			w->rv = rv;
			commit_fail(w->client, "pp_commit (thread)", rv);
			break;
		}
		w->count++;
	}
	return (NULL);
}

/*
 * Runs BENCH_THREADS workers, worker i on clients[i], for cfg->measure_s.
 * *ops_per_s gets the acknowledged logs of all of them per second.
 */
static int
run_workers(const bench_cfg *cfg, pp_client **clients, double *ops_per_s)
{
	pthread_barrier_t barrier;
	pthread_t         threads[BENCH_THREADS];
	worker            workers[BENCH_THREADS];
	double            deadline_s;
	double            elapsed_s;
	long              total = 0;
	int               started;
	int               rv = 0;
	int               i;

	pthread_barrier_init(&barrier, NULL, BENCH_THREADS + 1);
	for (started = 0; started < BENCH_THREADS; started++) {
		worker *w = &workers[started];

		memset(w, 0, sizeof(*w));
		w->client = clients[started];
		w->barrier = &barrier;
		w->deadline_s = &deadline_s;
		rv = pthread_create(&threads[started], NULL, worker_main, w);
		if (rv != 0) {
			/* The barrier cannot release now; give up loudly. */
			fprintf(stderr, "bench: pthread_create failed\n");
			abort();
		}
	}
	deadline_s = bench_now_s() + cfg->measure_s;
	pthread_barrier_wait(&barrier);
	for (i = 0; i < BENCH_THREADS; i++) {
		pthread_join(threads[i], NULL);
		total += workers[i].count;
		if (workers[i].rv != 0) {
			rv = -1;
		}
	}
	elapsed_s = bench_now_s() - (deadline_s - cfg->measure_s);
	pthread_barrier_destroy(&barrier);
	if (rv != 0) {
		return (-1);
	}
	*ops_per_s = (double)total / elapsed_s;
	fprintf(stderr, "bench:   %d threads, 1 log/commit: %.0f logs/s\n",
	    BENCH_THREADS, *ops_per_s);
	return (0);
}

int
bench_commit_concurrent(const bench_cfg *cfg, int run, bench_sample *sample)
{
	bench_node node;
	pp_client *clients[BENCH_THREADS];
	int        connected;
	int        rv = -1;
	int        err;

	err = bench_node_start(cfg, "concurrent", run, PP_SYNC_ALWAYS, &node);
	if (err != 0) {
		return (-1);
	}
	for (connected = 0; connected < BENCH_THREADS; connected++) {
		err = pp_connect(node.address, NULL, &clients[connected]);
		if (err != 0) {
			fprintf(stderr, "bench: pp_connect %s: %s: %s (%s)\n",
			    node.address, pp_errname(err), pp_strerror(err),
			    pp_last_errmsg());
			break;
		}
	}
	if (connected == BENCH_THREADS) {
		rv = run_workers(cfg, clients, &sample->value);
	}
	while (connected > 0) {
		pp_close(clients[--connected]);
	}
	bench_node_stop(&node);
	return (rv);
}

int
bench_commit_threads(const bench_cfg *cfg, int run, bench_sample *sample)
{
	bench_node node;
	pp_client *clients[BENCH_THREADS];
	int        rv;
	int        i;

	if (bench_node_start(cfg, "threads", run, PP_SYNC_ALWAYS, &node) != 0) {
		return (-1);
	}
	for (i = 0; i < BENCH_THREADS; i++) {
		clients[i] = node.client; /* one client shared by all */
	}
	rv = run_workers(cfg, clients, &sample->value);
	bench_node_stop(&node);
	return (rv);
}

/* pp_commit_async() completion: counts outcomes. */
static void
async_done(void *arg, int status, const pp_id *ids, size_t count)
{
	async_state *st = arg;
	int          expected = 0;

	(void)ids;
	(void)count;
	if (status == 0) {
		atomic_fetch_add(&st->ok, 1);
		return;
	}
	atomic_fetch_add(&st->failed, 1);
	atomic_compare_exchange_strong(&st->first_error, &expected, status);
}

int
bench_commit_async(const bench_cfg *cfg, int run, bench_sample *sample)
{
	bench_node  node;
	async_state st;
	pp_record   rec;
	char        body[BENCH_BODY_BYTES];
	double      start_s;
	double      elapsed_s;
	size_t      sent;
	int         rv = 0;

	atomic_init(&st.ok, 0);
	atomic_init(&st.failed, 0);
	atomic_init(&st.first_error, 0);
	bench_body_fill(body, sizeof(body), 2);
	rec.topic = BENCH_TOPIC;
	rec.body = body;
	rec.len = sizeof(body);
	if (bench_node_start(cfg, "async", run, PP_SYNC_ALWAYS, &node) != 0) {
		return (-1);
	}
	start_s = bench_now_s();
	for (sent = 0; sent < cfg->async_logs; sent++) {
		rv = pp_commit_async(node.client, &rec, 1, async_done, &st);
		if (rv != 0) {
			commit_fail(node.client, "pp_commit_async", rv);
			break;
		}
	}
	if ((rv = pp_flush(node.client, FLUSH_TIMEOUT_MS)) != 0) {
		commit_fail(node.client, "pp_flush", rv);
	}
	elapsed_s = bench_now_s() - start_s;
	bench_node_stop(&node);

	if (atomic_load(&st.failed) != 0) {
		rv = atomic_load(&st.first_error);
		fprintf(stderr, "bench: %ld async commits failed, first: %s\n",
		    atomic_load(&st.failed), pp_errname(rv));
		return (-1);
	}
	if (rv != 0 || (size_t)atomic_load(&st.ok) != cfg->async_logs) {
		fprintf(stderr, "bench: %ld of %zu async commits acked\n",
		    atomic_load(&st.ok), cfg->async_logs);
		return (-1);
	}
	sample->value = (double)cfg->async_logs / elapsed_s;
	fprintf(stderr, "bench:   async %zu logs: %.0f logs/s\n",
	    cfg->async_logs, sample->value);
	return (0);
}
