/*
 * source.c - running sources in a worker (pp_source(),
 * pipeproc_plugin(7) "Sources").
 *
 * A source is a systemProc without `from` topics. The node's first
 * worker (started with --sources 1; only one at a time, its successor
 * starts after it was reaped) runs each source in a thread of its own,
 * so a source never races itself: the thread loads the plugin through the
 * registry (one instance per source and worker, init_info() with
 * is_source) and calls its source() again and again. Each round commits
 * through commit() below, as an idempotent producer, so a worker and its
 * successor never commit an outside message twice (the commit of a
 * worker killed with -9 reaches the node before the successor exists).
 * report() passes the plugin's view of upstream on to the node (the
 * srcreport op), which shows it against the producer table as the
 * source's lag.
 *
 * Design notes: the list of runs is changed only by sources_sync() and
 * sources_free(), one at a time (sync_mtx: several claim threads may
 * install tables), and under `mtx`; a run's thread reads only its copy of
 * the source and its is_stopping flag. A failed round is logged when its
 * reason changes and retried after a pause (100 ms doubling to 2 s),
 * which a stop interrupts.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "deadline.h"
#include "log.h"
#include "source.h"
#include "source_lag.h"
#include "wire.h"

#define PAUSE_MIN_MS 100
#define PAUSE_MAX_MS 2000
#define REASON_MAX 400
/* report(): a changed head goes to the node at most this often, the
 * same one this often (keeping its age fresh). */
#define REPORT_CHANGED_MS 100
#define REPORT_SAME_MS 5000

typedef struct run run;

/* One source running in this worker. */
struct run {
	run            *next;
	sources        *owner;
	ppi_sysproc     sp; /* a copy: name, plugin, config, to */
	pthread_t       thread;
	bool            is_stopping; /* under owner->mtx */
	bool            is_started;
	/* The last report sent to the node (run thread only). */
	bool            has_sent;
	bool            is_report_unknown; /* the node lacks the op */
	uint64_t        sent_head;
	uint64_t        sent_ms; /* CLOCK_MONOTONIC */
	char            sent_key[PP_PRODUCER_MAX + 1];
};

struct sources {
	pp_client      *client;
	registry       *reg;
	pthread_mutex_t sync_mtx; /* one sources_sync() at a time */
	pthread_mutex_t mtx;
	pthread_cond_t  wake; /* interrupts pauses on stop */
	run            *runs;
};

/* What commit() and fail() reach through pp_plugin_source.host. */
typedef struct source_round {
	run  *r;
	char  reason[REASON_MAX];
} source_round;

int
sources_alloc(pp_client *client, registry *reg, sources **out)
{
	sources *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		return PP_ENOMEM;
	}
	s->client = client;
	s->reg    = reg;
	pthread_mutex_init(&s->sync_mtx, NULL);
	pthread_mutex_init(&s->mtx, NULL);
	pthread_cond_init(&s->wake, NULL);
	*out = s;
	return 0;
}

static void
run_free(run *r)
{
	size_t i;

	for (i = 0; i < r->sp.nto; i++) {
		free(r->sp.to[i]);
	}
	free(r->sp.to);
	free(r->sp.name);
	free(r->sp.plugin);
	free(r->sp.config);
	free(r);
}

/* A copy of the source sp; NULL when out of memory. */
static run *
run_alloc(sources *s, const ppi_sysproc *sp)
{
	run   *r;
	size_t i;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		return NULL;
	}
	r->owner = s;
	if ((r->sp.name = strdup(sp->name)) == NULL ||
	    (r->sp.plugin = strdup(sp->plugin)) == NULL ||
	    (r->sp.config = strdup(sp->config)) == NULL ||
	    (r->sp.to = calloc(sp->nto + 1, sizeof(char *))) == NULL) {
		run_free(r);
		return NULL;
	}
	for (i = 0; i < sp->nto; i++, r->sp.nto++) {
		if ((r->sp.to[i] = strdup(sp->to[i])) == NULL) {
			run_free(r);
			return NULL;
		}
	}
	/* No `from`: the registry opens its plugin as a source. */
	r->sp.from  = r->sp.to + sp->nto; /* the NULL slot: an empty list */
	r->sp.procs = r->sp.from;
	r->sp.nfrom = 0;
	return r;
}

/* The bodies into every `to` topic, one transaction, as the producer. */
static int
host_commit(pp_plugin_source *src, const pp_plugin_body *bodies, size_t n,
    const char *producer, uint64_t producer_seq)
{
	source_round  *rd = src->host;
	run           *r  = rd->r;
	pp_commit_opts o;
	pp_record     *recs;
	pp_id         *ids;
	size_t         i, t, k = 0;
	int            rv;

	if (n == 0) {
		return 0;
	}
	if (producer == NULL || producer_seq == 0 ||
	    (bodies == NULL && n > 0)) {
		return PP_EINVAL;
	}
	recs = calloc(n * r->sp.nto, sizeof(*recs));
	ids  = calloc(n * r->sp.nto, sizeof(*ids));
	if (recs == NULL || ids == NULL) {
		free(recs);
		free(ids);
		return PP_ENOMEM;
	}
	for (t = 0; t < r->sp.nto; t++) {
		for (i = 0; i < n; i++, k++) {
			recs[k].topic = r->sp.to[t];
			recs[k].body  = bodies[i].body;
			recs[k].len   = bodies[i].len;
		}
	}
	memset(&o, 0, sizeof(o));
	o.producer     = producer;
	o.producer_seq = producer_seq;
	rv = pp_commit_with(r->owner->client, recs, k, &o, ids);
	free(recs);
	free(ids);
	return rv;
}

static int
host_last_seq(pp_plugin_source *src, const char *producer, uint64_t *seq)
{
	source_round    *rd = src->host;
	pp_producer_info info;
	int              rv;

	if ((rv = pp_producer(rd->r->owner->client, producer, &info)) == 0) {
		*seq = info.last_seq;
	}
	return rv;
}

/*
 * Tells the node how far upstream is, so it can show the source's lag;
 * rate-limited, so a plugin may call it after every batch. A node
 * without the op (older) is not asked again by this run.
 */
static int
host_report(pp_plugin_source *src, const char *producer,
    uint64_t upstream_seq)
{
	source_round *rd = src->host;
	run          *r  = rd->r;
	uint64_t      now = ppi_clock_ms(CLOCK_MONOTONIC), since;
	bool          is_same;
	int           rv;

	if (producer == NULL ||
	    !ppi_wire_producer_key_valid(
	        producer, strnlen(producer, PP_PRODUCER_MAX + 1))) {
		return PP_EINVAL;
	}
	if (r->is_report_unknown) {
		return 0;
	}
	since   = now - r->sent_ms;
	is_same = r->has_sent && r->sent_head == upstream_seq &&
	    strcmp(r->sent_key, producer) == 0;
	if (r->has_sent &&
	    since < (is_same ? REPORT_SAME_MS : REPORT_CHANGED_MS)) {
		return 0;
	}
	rv = ppi_source_report(r->owner->client, r->sp.name, producer,
	    upstream_seq);
	if (rv == PP_EUNKNOWN_OP) {
		r->is_report_unknown = true;
		log_msg("source %s: the node does not take lag reports (an "
		    "older node); not sending them", r->sp.name);
		return 0;
	}
	if (rv == 0) {
		r->has_sent  = true;
		r->sent_head = upstream_seq;
		r->sent_ms   = now;
		snprintf(r->sent_key, sizeof(r->sent_key), "%s", producer);
	}
	return rv;
}

static void
host_fail(pp_plugin_source *src, const char *text)
{
	source_round *rd = src->host;

	snprintf(rd->reason, sizeof(rd->reason), "%s",
	    text != NULL ? text : "");
}

/* Sleeps up to ms unless the run is told to stop. */
static void
pause_ms(run *r, unsigned ms)
{
	sources        *s  = r->owner;
	struct timespec ts =
	    ppi_deadline_after_us(CLOCK_REALTIME, (long long) ms * 1000);

	pthread_mutex_lock(&s->mtx);
	while (!r->is_stopping &&
	    pthread_cond_timedwait(&s->wake, &s->mtx, &ts) != ETIMEDOUT) {
	}
	pthread_mutex_unlock(&s->mtx);
}

static bool
stopping(run *r)
{
	bool is;

	pthread_mutex_lock(&r->owner->mtx);
	is = r->is_stopping;
	pthread_mutex_unlock(&r->owner->mtx);
	return is;
}

static void *
run_main(void *arg)
{
	run             *r = arg;
	source_round     rd;
	pp_plugin_source src;
	registry_inst   *inst;
	char             last[REASON_MAX] = "";
	unsigned         pause = PAUSE_MIN_MS;
	int              rv;

	memset(&src, 0, sizeof(src));
	src.commit = host_commit;
	src.fail   = host_fail;
	src.last_seq = host_last_seq;
	src.report = host_report;
	src.host   = &rd;
	rd.r       = r;
	while (!stopping(r)) {
		rd.reason[0] = '\0';
		if (registry_acquire(r->owner->reg, &r->sp, &inst, rd.reason,
		        sizeof(rd.reason)) != 0) {
			rv = -1;
		} else {
			rv = plugin_source(registry_plugin(inst), &src);
			registry_release(r->owner->reg, inst);
		}
		if (rv == 0) {
			pause   = PAUSE_MIN_MS;
			last[0] = '\0';
			continue;
		}
		if (rd.reason[0] == '\0') {
			snprintf(rd.reason, sizeof(rd.reason),
			    "source() returned %d", rv);
		}
		if (strcmp(rd.reason, last) != 0) {
			log_msg("source %s: %s; retrying", r->sp.name,
			    rd.reason);
			memcpy(last, rd.reason, sizeof(last));
		}
		pause_ms(r, pause);
		if (pause < PAUSE_MAX_MS) {
			pause *= 2;
		}
	}
	return NULL;
}

/* Joins and frees the runs told to stop; called with sync_mtx held. */
static void
reap(sources *s, bool is_all)
{
	run **at = &s->runs, *r, *dead = NULL;

	pthread_mutex_lock(&s->mtx);
	while ((r = *at) != NULL) {
		if (is_all) {
			r->is_stopping = true;
		}
		if (r->is_stopping) {
			*at     = r->next;
			r->next = dead;
			dead    = r;
		} else {
			at = &r->next;
		}
	}
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->mtx);
	while ((r = dead) != NULL) {
		dead = r->next;
		if (r->is_started) {
			pthread_join(r->thread, NULL);
		}
		run_free(r);
	}
}

/* True when the table holds the source r, unchanged. */
static bool
still_there(const ppi_systable *t, const run *r)
{
	size_t i;

	for (i = 0; t != NULL && i < t->count; i++) {
		if (t->items[i].nfrom == 0 &&
		    strcmp(t->items[i].name, r->sp.name) == 0 &&
		    strcmp(t->items[i].plugin, r->sp.plugin) == 0 &&
		    strcmp(t->items[i].config, r->sp.config) == 0) {
			return true;
		}
	}
	return false;
}

void
sources_sync(sources *s)
{
	const ppi_systable *t;
	registry_table     *held;
	uint64_t            version;
	run                *r;
	size_t              i;
	int                 rv;

	if (s == NULL) {
		return; /* not the worker that runs the sources */
	}
	pthread_mutex_lock(&s->sync_mtx);
	held = registry_hold(s->reg, &version, &t);
	pthread_mutex_lock(&s->mtx);
	for (r = s->runs; r != NULL; r = r->next) {
		if (!still_there(t, r)) {
			r->is_stopping = true;
		}
	}
	pthread_mutex_unlock(&s->mtx);
	reap(s, false);
	for (i = 0; t != NULL && i < t->count; i++) {
		if (t->items[i].nfrom != 0) {
			continue;
		}
		for (r = s->runs; r != NULL; r = r->next) {
			if (strcmp(r->sp.name, t->items[i].name) == 0) {
				break;
			}
		}
		if (r != NULL) {
			continue;
		}
		if ((r = run_alloc(s, &t->items[i])) == NULL) {
			log_msg("source %s: out of memory", t->items[i].name);
			continue;
		}
		if ((rv = pthread_create(&r->thread, NULL, run_main, r)) !=
		    0) {
			log_msg("source %s: cannot start a thread: %s",
			    r->sp.name, strerror(rv));
			run_free(r);
			continue;
		}
		r->is_started = true;
		pthread_mutex_lock(&s->mtx);
		r->next = s->runs;
		s->runs = r;
		pthread_mutex_unlock(&s->mtx);
	}
	registry_drop(s->reg, held);
	pthread_mutex_unlock(&s->sync_mtx);
}

void
sources_free(sources *s)
{
	if (s == NULL) {
		return;
	}
	pthread_mutex_lock(&s->sync_mtx);
	reap(s, true);
	pthread_mutex_unlock(&s->sync_mtx);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->mtx);
	pthread_mutex_destroy(&s->sync_mtx);
	free(s);
}
