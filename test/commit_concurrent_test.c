/*
 * commit_concurrent_test.c - commits from several threads sharing a
 * client and from several processes against one real node (issue 2 item
 * 6): every sequence is handed out exactly once.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "commit_util.h"

/* ---- threads and processes ------------------------------------------------- */

#define THREADS 4

#define PER_THREAD 2000

struct thread_arg {
	pp_client *client;
	int        index;
	uint64_t   seqs[PER_THREAD];
	int        rv;
};

static void *
thread_main(void *p)
{
	struct thread_arg *a = p;
	char               body[32];
	pp_record          r;
	pp_id              id;
	int                i;

	r.topic = "shared";
	r.body  = body;
	for (i = 0; i < PER_THREAD; i++) {
		r.len = (size_t)snprintf(body, sizeof(body), "t%d-%d",
		    a->index, i);
		if ((a->rv = pp_commit(a->client, &r, 1, &id)) != 0) {
			return (NULL);
		}
		a->seqs[i] = id.seq;
	}
	return (NULL);
}

static void
test_threads(pp_tnode *n)
{
	static struct thread_arg args[THREADS];
	pthread_t                th[THREADS];
	unsigned char           *seen = calloc(THREADS * PER_THREAD, 1);
	int                      t, i;

	PP_ASSERT_TRUE(seen != NULL);
	for (t = 0; t < THREADS; t++) {
		args[t].client = n->client;
		args[t].index  = t;
		PP_ASSERT_INT_EQ(
		    pthread_create(&th[t], NULL, thread_main, &args[t]), 0);
	}
	for (t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
	}
	for (t = 0; t < THREADS; t++) {
		PP_PASS(args[t].rv);
		for (i = 0; i < PER_THREAD; i++) {
			uint64_t s = args[t].seqs[i];

			PP_ASSERT_U64_CMP(s, <, THREADS * PER_THREAD);
			PP_ASSERT_INT_EQ(seen[s], 0);
			seen[s] = 1;
			if (i > 0) {
				PP_ASSERT_U64_CMP(s, >, args[t].seqs[i - 1]);
			}
		}
	}
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "shared"), THREADS * PER_THREAD);
	free(seen);
}

#define PROCS 4

#define PER_PROC 5000

struct proc_arg {
	int index;
};

/* A helper process: read the address, connect, commit PER_PROC logs. */
static int
proc_main(void *p, int in_fd, int out_fd)
{
	struct proc_arg *a = p;
	char             addr[PP_T_PATH], body[32];
	pp_client       *c = NULL;
	pp_record        r;
	pp_id            id, prev = { 0, 0 };
	int              i, rv;

	(void)out_fd;
	if (pp_t_read_line(in_fd, addr, sizeof(addr), 60000) <= 0) {
		PP_FAIL_AT("helper %d got no address", a->index);
	}
	PP_PASS(pp_connect(addr, NULL, &c));
	r.topic = "procs";
	r.body  = body;
	for (i = 0; i < PER_PROC; i++) {
		r.len = (size_t)snprintf(body, sizeof(body), "p%d-%d",
		    a->index, i);
		if ((rv = pp_commit(c, &r, 1, &id)) != 0) {
			PP_FAIL_AT("helper %d commit %d: %s", a->index, i,
			    pp_errname(rv));
		}
		if (i > 0 && id.seq <= prev.seq) {
			PP_FAIL_AT("helper %d: seq %" PRIu64 " after %" PRIu64,
			    a->index, id.seq, prev.seq);
		}
		prev = id;
	}
	pp_close(c);
	return (0);
}

static void
test_processes(void)
{
	static struct proc_arg args[PROCS];
	pp_t_child             kids[PROCS];
	int                    last[PROCS], seen_per[PROCS];
	pp_tnode               n;
	pp_t_logs              logs;
	char                   line[PP_T_PATH + 1];
	size_t                 i;
	int                    k, p, j, st;

	/* Helpers are forked before this process uses NNG. */
	for (k = 0; k < PROCS; k++) {
		args[k].index = k;
		pp_t_child_fork(&kids[k], proc_main, &args[k]);
	}
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	snprintf(line, sizeof(line), "%s\n", n.address);
	for (k = 0; k < PROCS; k++) {
		pp_t_write_all(kids[k].to_fd, line, strlen(line));
	}
	for (k = 0; k < PROCS; k++) {
		st = pp_t_child_wait(&kids[k], 240000);
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			PP_FAIL_AT("helper %d failed (status %d)", k, st);
		}
		last[k]     = -1;
		seen_per[k] = 0;
	}
	pp_t_read_all(n.client, "procs", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, PROCS * PER_PROC);
	for (i = 0; i < logs.count; i++) {
		/* Sequences 0..19,999, each exactly once, in order. */
		PP_ASSERT_U64_EQ(logs.ids[i].seq, i);
		if (sscanf(logs.bodies[i], "p%d-%d", &p, &j) != 2 || p < 0 ||
		    p >= PROCS) {
			PP_FAIL_AT("unexpected body \"%s\"", logs.bodies[i]);
		}
		/* Each helper's logs appear once each, in its own order. */
		PP_ASSERT_INT_EQ(j, last[p] + 1);
		last[p] = j;
		seen_per[p]++;
	}
	for (k = 0; k < PROCS; k++) {
		PP_ASSERT_INT_EQ(seen_per[k], PER_PROC);
	}
	pp_t_logs_free(&logs);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("4 threads sharing a client get each sequence exactly once",
	    test_threads, 120),
	PP_CASE("4 processes x 5,000 commits get sequences 0..19,999 exactly "
	    "once",
	    test_processes, 300),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
