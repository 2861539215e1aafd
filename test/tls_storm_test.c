/*
 * tls_storm_test.c - a commit storm across a kill -9 and restart of a TLS
 * node (issue 6): the same clients carry on, and every acked commit is
 * stored exactly once.
 *
 * Certificates come from pipeproc-gen-certs into the case's own directory;
 * nodes run as real processes on a free TCP port of 127.0.0.1
 * (tls_util.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "tls_util.h"

/* ---- item 5: reconnection across a restart ---------------------------------------- */

#define STORM_MAX 200000

typedef struct storm {
	pp_client      *c;
	atomic_bool     is_stopping;
	atomic_int      n_errors;
	atomic_int      last_error; /* the latest failed call's code, for diagnosis */
	pthread_mutex_t mu;
	pp_id          *ids;
	char          (*bodies)[24];
	size_t          count;
	int             index;
} storm;

static void *
storm_main(void *p)
{
	storm    *s = p;
	pp_record r;
	pp_id     id;
	char      body[24];
	int       i;

	for (i = 0; !atomic_load(&s->is_stopping) && s->count < STORM_MAX;
	     i++) {
		r.topic = "storm";
		r.len   = (size_t)snprintf(body, sizeof(body), "c%d-%d",
                    s->index, i);
		r.body  = body;
		int rv;

		if ((rv = pp_commit(s->c, &r, 1, &id)) != 0) {
			atomic_fetch_add(&s->n_errors, 1);
			atomic_store(&s->last_error, rv);
			continue;
		}
		pthread_mutex_lock(&s->mu);
		s->ids[s->count] = id;
		memcpy(s->bodies[s->count], body, sizeof(body));
		s->count++;
		pthread_mutex_unlock(&s->mu);
	}
	return (NULL);
}

static size_t
storm_count(storm *s)
{
	size_t n;

	pthread_mutex_lock(&s->mu);
	n = s->count;
	pthread_mutex_unlock(&s->mu);
	return (n);
}

/* Says where both storms are, so that a wait that runs out tells why. */
static void
storm_diag(storm st[2], const char *when)
{
	int k;

	for (k = 0; k < 2; k++) {
		pp_t_diag("%s: client %d acked %zu, failed calls %d (last %s)",
		    when, k, storm_count(&st[k]), atomic_load(&st[k].n_errors),
		    atomic_load(&st[k].last_error) == 0 ? "none" :
		        pp_errname(atomic_load(&st[k].last_error)));
	}
}

static int
cmp_body(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

static void
test_reconnect_storm(void)
{
	static const char *const sync_always[] = { "--sync", "always", NULL };
	certs           c;
	pp_tnode        n;
	pp_connect_opts o;
	storm           st[2];
	pthread_t       th[2];
	pp_t_logs       logs;
	char          **sorted;
	size_t          i, k, found, before;

	tls_gen_certs(&c, "certs", "127.0.0.1", NULL);
	start_tls_node(&n, &c, sync_always);
	o                    = tls_opts(c.ca, c.cert, c.key);
	/* A request caught by the kill on a connection that then goes mute
	 * waits out this timeout before the client dials afresh (transport
	 * "redial if stuck"); the waits below leave room for several. */
	o.request_timeout_ms = (uint32_t)pp_t_scaled(8000);
	for (k = 0; k < 2; k++) {
		memset(&st[k], 0, sizeof(st[k]));
		pthread_mutex_init(&st[k].mu, NULL);
		st[k].index  = (int)k;
		st[k].ids    = calloc(STORM_MAX, sizeof(pp_id));
		st[k].bodies = calloc(STORM_MAX, 24);
		PP_PASS(pp_connect(n.address, &o, &st[k].c));
		PP_ASSERT_INT_EQ(
		    pthread_create(&th[k], NULL, storm_main, &st[k]), 0);
	}
	for (i = 0; i < 2; i++) {
		uint64_t end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(45000);

		while (storm_count(&st[0]) <= 300 * (i + 1) ||
		    storm_count(&st[1]) <= 300 * (i + 1)) {
			if (pp_t_mono_ms() > end) {
				storm_diag(st, "stalled");
				PP_FAIL_AT("round %zu: each client should have "
				           "more than %zu acks within 30 s",
				    i, 300 * (i + 1));
			}
			pp_t_nap();
		}
		/* kill -9 mid-storm, then the same address and data. */
		{
			char saved[PP_T_PATH];

			memcpy(saved, n.address, sizeof(saved));
			pp_t_node_kill(&n, SIGKILL);
			memcpy(n.address, saved, sizeof(saved));
		}
		{
			const char *args[] = { "--workers", "0", "--tls-ca",
				c.ca, "--tls-cert", c.node_cert, "--tls-key",
				c.node_key, "--sync", "always", NULL };

			PP_ASSERT_INT_EQ(pp_t_node_exec(&n, args), 0);
		}
		/* The same clients carry on: new acks arrive. */
		before = storm_count(&st[0]) + storm_count(&st[1]);
		PP_WAIT_UNTIL(storm_count(&st[0]) + storm_count(&st[1]) >
		        before + 200,
		    45000);
	}
	for (k = 0; k < 2; k++) {
		atomic_store(&st[k].is_stopping, true);
		pthread_join(th[k], NULL);
	}
	pp_t_diag("acked %zu + %zu, failed calls %d + %d", st[0].count,
	    st[1].count, atomic_load(&st[0].n_errors),
	    atomic_load(&st[1].n_errors));
	pp_t_read_all(st[0].c, "storm", NULL, false, &logs);
	/* No body twice. */
	sorted = calloc(logs.count + 1, sizeof(char *));
	for (i = 0; i < logs.count; i++) {
		sorted[i] = logs.bodies[i];
	}
	qsort(sorted, logs.count, sizeof(char *), cmp_body);
	for (i = 1; i < logs.count; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			PP_FAIL_AT("log \"%s\" is stored twice", sorted[i]);
		}
	}
	/* Every acknowledged id holds its body. Ids ascend in the topic. */
	for (k = 0; k < 2; k++) {
		for (i = 0; i < st[k].count; i++) {
			found = st[k].ids[i].seq;
			if (found >= logs.count ||
			    pp_t_id_cmp(logs.ids[found], st[k].ids[i]) != 0 ||
			    strcmp(logs.bodies[found], st[k].bodies[i]) != 0) {
				PP_FAIL_AT("acked log %s (seq %zu) is missing",
				    st[k].bodies[i], found);
			}
		}
		pp_close(st[k].c);
		free(st[k].ids);
		free(st[k].bodies);
	}
	free(sorted);
	pp_t_logs_free(&logs);
	pp_t_node_kill(&n, SIGKILL);
}

static const pp_test_case cases[] = {
	PP_CASE("clients carry on across kill -9 and restart of a TLS node, "
	    "and every acked commit is stored exactly once",
	    test_reconnect_storm, 240),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
