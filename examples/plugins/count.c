/*
 * count.c - an example processor plugin that summarises: each claim (up
 * to the systemProc's count logs) becomes one log, emitted to every `to`
 * topic:
 *
 *     logs=N bytes=B first=MS-SEQ last=MS-SEQ
 *
 * With config "total", the summary adds " total=T": the logs this plugin
 * instance has seen since the worker loaded it. That count is state
 * shared by the worker's threads, so it is kept under a mutex; it starts
 * again from 0 in every worker process (a restarted worker, or another
 * worker), which is why a plugin should keep nothing it cannot lose in
 * memory. Two-stage pipelines (`upper` into `count`) use it in the demo.
 *
 * Build: cc -shared -fPIC -pthread -o count.so count.c
 * (pipeproc_plugin(7)).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pipeproc_plugin.h>

typedef struct counter {
	bool            has_total;
	pthread_mutex_t mtx; /* guards total */
	uint64_t        total;
} counter;

static int
count_init(const char *config, void **state, char *err, size_t errlen)
{
	counter *c;

	if (config[0] != '\0' && strcmp(config, "total") != 0) {
		snprintf(err, errlen, "count: unknown config '%s' (expected "
		    "\"total\" or nothing)", config);
		return 1;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "count: out of memory");
		return 1;
	}
	c->has_total = config[0] != '\0';
	pthread_mutex_init(&c->mtx, NULL);
	*state = c;
	return 0;
}

static void
count_fini(void *state)
{
	counter *c = state;

	pthread_mutex_destroy(&c->mtx);
	free(c);
}

static int
count_process(void *state, const pp_plugin_log *logs, size_t n,
    pp_plugin_emitter *em)
{
	counter *c = state;
	char     out[200];
	uint64_t bytes = 0, total = 0;
	size_t   i;
	int      len;

	for (i = 0; i < n; i++) {
		bytes += logs[i].len;
	}
	if (c->has_total) {
		pthread_mutex_lock(&c->mtx);
		c->total += n;
		total = c->total;
		pthread_mutex_unlock(&c->mtx);
	}
	len = snprintf(out, sizeof(out),
	    "logs=%zu bytes=%" PRIu64 " first=%" PRIu64 "-%" PRIu64
	    " last=%" PRIu64 "-%" PRIu64, n, bytes, logs[0].ms, logs[0].seq,
	    logs[n - 1].ms, logs[n - 1].seq);
	if (c->has_total) {
		len += snprintf(out + len, sizeof(out) - (size_t) len,
		    " total=%" PRIu64, total);
	}
	return em->emit(em, out, (size_t) len);
}

const pp_plugin pipeproc_plugin = {
	.abi_version = PP_PLUGIN_ABI_VERSION,
	.size        = sizeof(pp_plugin),
	.name        = "count",
	.init        = count_init,
	.fini        = count_fini,
	.process     = count_process,
};
