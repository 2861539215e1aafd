/*
 * soak_audit.c - after the last cycle: reads the whole topic back and
 * holds the ledger of acknowledged logs against it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak.h"

/* One stored log, indexed by its sequence (the topic never loses any:
 * no retention, no GC in the soak). */
typedef struct stored {
	uint64_t ms;
	uint64_t key;
	bool     is_set;
} stored;

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

	return x < y ? -1 : x > y;
}

/* Reads the topic into a table by sequence; counts disorder. */
static int
read_topic(pp_client *c, stored **out, uint64_t *count, soak_audit *a)
{
	pp_range_opts o;
	pp_iter      *it;
	const pp_log *log;
	stored       *v   = NULL;
	size_t        cap = 0;
	uint64_t      n   = 0, key;
	pp_id         prev = { 0, 0 };
	int           rv;

	memset(&o, 0, sizeof(o));
	if ((rv = pp_iter_open(c, SOAK_TOPIC, &o, false, &it)) != 0) {
		return rv;
	}
	while ((rv = pp_iter_next(it, &log)) == 1) {
		if (n > 0 && (log->id.ms < prev.ms ||
		        (log->id.ms == prev.ms && log->id.seq <= prev.seq))) {
			a->disorder++;
		}
		if (log->id.seq != n) {
			a->disorder++; /* a gap, or a sequence used twice */
		}
		prev = log->id;
		if (log->id.seq >= cap) {
			size_t  ncap = cap ? cap * 2 : 65536;
			stored *nv;

			while (ncap <= log->id.seq) {
				ncap *= 2;
			}
			if ((nv = realloc(v, ncap * sizeof(*v))) == NULL) {
				rv = PP_ENOMEM;
				break;
			}
			memset(nv + cap, 0, (ncap - cap) * sizeof(*v));
			v   = nv;
			cap = ncap;
		}
		if (!soak_body_key(log->body, log->len, &key)) {
			a->disorder++;
			key = UINT64_MAX;
		}
		v[log->id.seq] = (stored){ log->id.ms, key, true };
		n++;
	}
	pp_iter_close(it);
	if (rv < 0) {
		free(v);
		return rv;
	}
	*out   = v;
	*count = n;
	return 0;
}

int
soak_audit_run(const char *address, soak_ledger *l, soak_audit *a)
{
	pp_client *c;
	stored    *v = NULL;
	uint64_t  *keys, n = 0, i;
	int        rv;

	memset(a, 0, sizeof(*a));
	if ((rv = pp_connect(address, NULL, &c)) != 0) {
		return rv;
	}
	rv = read_topic(c, &v, &n, a);
	pp_close(c);
	if (rv != 0) {
		return rv;
	}
	a->stored = n;
	/* Every acknowledged log is at its id, with its body. */
	for (i = 0; i < l->count; i++) {
		const soak_ack *k = &l->v[i];

		if (k->seq >= n || !v[k->seq].is_set || v[k->seq].ms != k->ms ||
		    v[k->seq].key != k->key) {
			a->lost++;
		}
	}
	/* No body twice: bodies are unique per commit attempt, so a repeat
	 * is a request applied twice. */
	if ((keys = malloc((n ? n : 1) * sizeof(*keys))) == NULL) {
		free(v);
		return PP_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		keys[i] = v[i].key;
	}
	qsort(keys, n, sizeof(*keys), cmp_u64);
	for (i = 1; i < n; i++) {
		if (keys[i] == keys[i - 1]) {
			a->doubled++;
		}
	}
	free(keys);
	free(v);
	return 0;
}
