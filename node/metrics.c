/*
 * metrics.c - the node-wide counters and histograms behind pp_stats() and
 * the HTTP exporter, and the sampler that turns counters into rates.
 *
 * Design notes:
 * - Counters and histogram buckets are C11 atomics bumped with relaxed
 *   order: each figure is exact on its own, but a reader may see one
 *   counter a moment ahead of another. Nothing here takes a lock on the
 *   writer's path.
 * - The writer bumps only after a transaction committed (and synced), so
 *   a failed or retried group counts nothing: the figures describe what
 *   is durable, as the store does.
 * - Rates: a sampler thread records the counters once a second in a ring
 *   of RING samples. A rate is the growth from the oldest sample at most
 *   RATE_WINDOW_MS old to the value read now, over the time between them;
 *   during the first RATE_WINDOW_MS the node's start (all zero) is that
 *   point. So a burst shows at once and fades out over ten seconds.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "metrics.h"

#define RATE_WINDOW_MS 10000
#define RING 11 /* one sample per second, RATE_WINDOW_MS and one more */

enum counter {
	C_WRITE_REQUESTS,
	C_COMMITS,
	C_LOGS,
	C_BYTES,
	C_RECLAIMS,
	C_TIMER_RECLAIMS,
	C_DEAD_LETTERS,
	C_WORKER_RESTARTS,
	C_GC_RUNS,
	C_WAITING, /* a gauge: set, not added to */
	C_COUNT
};

/* The counters that get a rate, in the order of sample.values. */
enum rated { R_COMMITS, R_LOGS, R_BYTES, R_COUNT };

typedef struct hist {
	const uint64_t  *le; /* bounds, the last UINT64_MAX */
	size_t           n;
	_Atomic uint64_t counts[PP_HISTOGRAM_MAX]; /* not cumulative */
	_Atomic uint64_t sum;
} hist;

typedef struct sample {
	uint64_t mono_ms;
	uint64_t values[R_COUNT];
} sample;

/* Requests per group: GROUP_MAX in writer.c is 4096. */
static const uint64_t group_le[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512,
	1024, 2048, 4096, UINT64_MAX };
/* Microseconds: a synced commit takes 100 us to tens of ms. */
static const uint64_t latency_le[] = { 50, 100, 250, 500, 1000, 2500, 5000,
	10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
	10000000, UINT64_MAX };

static struct {
	_Atomic uint64_t counters[C_COUNT];
	hist             groups;
	hist             latency;
	uint64_t         started_ms;      /* wall clock */
	uint64_t         started_mono_ms; /* monotonic */
	pthread_mutex_t  mtx;             /* ring and sampler state */
	pthread_cond_t   cond;
	pthread_t        sampler;
	bool             is_running;
	bool             is_stopping;
	sample           ring[RING];
	size_t           nsamples; /* up to RING */
	size_t           next;     /* where the next sample goes */
} m = {
	.groups  = { group_le, sizeof(group_le) / sizeof(group_le[0]), { 0 },
                 0 },
	.latency = { latency_le, sizeof(latency_le) / sizeof(latency_le[0]),
	    { 0 }, 0 },
	.mtx     = PTHREAD_MUTEX_INITIALIZER,
	.cond    = PTHREAD_COND_INITIALIZER,
};

static uint64_t
clock_ms(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

uint64_t
metrics_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void
add(enum counter c, uint64_t n)
{
	if (n != 0) {
		atomic_fetch_add_explicit(&m.counters[c], n,
		    memory_order_relaxed);
	}
}

static uint64_t
get(enum counter c)
{
	return atomic_load_explicit(&m.counters[c], memory_order_relaxed);
}

static void
observe(hist *h, uint64_t v)
{
	size_t i = 0;

	while (i + 1 < h->n && v > h->le[i]) {
		i++;
	}
	atomic_fetch_add_explicit(&h->counts[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum, v, memory_order_relaxed);
}

/* Cumulative counts, as Prometheus wants them; count is the +Inf one. */
static void
read_hist(hist *h, pp_histogram *out)
{
	uint64_t total = 0;
	size_t   i;

	memset(out, 0, sizeof(*out));
	out->nbuckets = h->n;
	for (i = 0; i < h->n; i++) {
		total += atomic_load_explicit(&h->counts[i],
		    memory_order_relaxed);
		out->le[i]     = h->le[i];
		out->counts[i] = total;
	}
	out->count = total;
	out->sum   = atomic_load_explicit(&h->sum, memory_order_relaxed);
}

static void
take_sample(sample *s)
{
	s->mono_ms           = clock_ms(CLOCK_MONOTONIC);
	s->values[R_COMMITS] = get(C_COMMITS);
	s->values[R_LOGS]    = get(C_LOGS);
	s->values[R_BYTES]   = get(C_BYTES);
}

/* Once a second, until metrics_stop(). */
static void *
sampler_main(void *arg)
{
	struct timespec deadline;

	(void) arg;
	pthread_mutex_lock(&m.mtx);
	while (!m.is_stopping) {
		deadline = ppi_deadline_after_us(CLOCK_REALTIME, 1000000);
		if (pthread_cond_timedwait(&m.cond, &m.mtx, &deadline) == 0) {
			continue; /* woken: stopping, or spurious */
		}
		take_sample(&m.ring[m.next]);
		m.next = (m.next + 1) % RING;
		if (m.nsamples < RING) {
			m.nsamples++;
		}
	}
	pthread_mutex_unlock(&m.mtx);
	return NULL;
}

int
metrics_start(void)
{
	m.started_ms      = clock_ms(CLOCK_REALTIME);
	m.started_mono_ms = clock_ms(CLOCK_MONOTONIC);
	if (pthread_create(&m.sampler, NULL, sampler_main, NULL) != 0) {
		return PP_ENOMEM;
	}
	m.is_running = true;
	return 0;
}

void
metrics_stop(void)
{
	if (!m.is_running) {
		return;
	}
	pthread_mutex_lock(&m.mtx);
	m.is_stopping = true;
	pthread_cond_broadcast(&m.cond);
	pthread_mutex_unlock(&m.mtx);
	pthread_join(m.sampler, NULL);
	m.is_running = false;
}

void
metrics_group(request *const *batch, size_t n, const store_tally *t)
{
	uint64_t now = metrics_now_us();
	size_t   i;

	observe(&m.groups, n);
	add(C_WRITE_REQUESTS, n);
	for (i = 0; i < n; i++) {
		if (batch[i]->req.op == PPI_OP_COMMIT && batch[i]->queued_us != 0) {
			observe(&m.latency, now - batch[i]->queued_us);
		}
	}
	metrics_tally(t);
}

void
metrics_tally(const store_tally *t)
{
	add(C_COMMITS, t->commits);
	add(C_LOGS, t->logs);
	add(C_BYTES, t->bytes);
	add(C_RECLAIMS, t->reclaims);
	add(C_TIMER_RECLAIMS, t->timer_reclaims);
	add(C_DEAD_LETTERS, t->dead_letters);
}

void
metrics_gc_run(void)
{
	add(C_GC_RUNS, 1);
}

void
metrics_worker_restarted(void)
{
	add(C_WORKER_RESTARTS, 1);
}

void
metrics_waiting(size_t n)
{
	atomic_store_explicit(&m.counters[C_WAITING], (uint64_t) n,
	    memory_order_relaxed);
}

/* The rates over the window (see the design notes). */
static void
read_rates(pp_node_stats *out)
{
	sample   now, from;
	uint64_t span_ms;
	size_t   i, k;

	take_sample(&now);
	memset(&from, 0, sizeof(from));
	from.mono_ms = m.started_mono_ms;
	pthread_mutex_lock(&m.mtx);
	/* Oldest first: the first sample inside the window wins; the
	 * start itself while it is inside. */
	for (i = 0; from.mono_ms + RATE_WINDOW_MS < now.mono_ms &&
	     i < m.nsamples;
	     i++) {
		k = (m.next + RING - m.nsamples + i) % RING;
		if (m.ring[k].mono_ms + RATE_WINDOW_MS >= now.mono_ms) {
			from = m.ring[k];
			break;
		}
	}
	pthread_mutex_unlock(&m.mtx);
	span_ms = now.mono_ms > from.mono_ms ? now.mono_ms - from.mono_ms : 0;
	out->rate_window_ms = span_ms;
	if (span_ms == 0) {
		return; /* rates stay 0 */
	}
	out->commits_per_s = (double) (now.values[R_COMMITS] -
	                         from.values[R_COMMITS]) * 1000.0 / span_ms;
	out->logs_per_s = (double) (now.values[R_LOGS] - from.values[R_LOGS]) *
	    1000.0 / span_ms;
	out->bytes_per_s = (double) (now.values[R_BYTES] -
	                       from.values[R_BYTES]) * 1000.0 / span_ms;
}

void
metrics_read(pp_node_stats *out)
{
	out->now_ms          = clock_ms(CLOCK_REALTIME);
	out->started_ms      = m.started_ms;
	out->write_requests  = get(C_WRITE_REQUESTS);
	out->commits         = get(C_COMMITS);
	out->logs            = get(C_LOGS);
	out->bytes           = get(C_BYTES);
	out->reclaims        = get(C_RECLAIMS);
	out->timer_reclaims  = get(C_TIMER_RECLAIMS);
	out->dead_letters    = get(C_DEAD_LETTERS);
	out->worker_restarts = get(C_WORKER_RESTARTS);
	out->waiting_requests = get(C_WAITING);
	out->gc_runs         = get(C_GC_RUNS);
	out->commits_per_s = out->logs_per_s = out->bytes_per_s = 0;
	read_rates(out);
	read_hist(&m.groups, &out->group_sizes);
	read_hist(&m.latency, &out->write_latency_us);
}
