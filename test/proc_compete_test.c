/*
 * proc_compete_test.c - two processes competing for one proc (issue 3 item
 * 4, SPEC §4): they never hold a claim at the same time and every log is
 * acked once. Each helper process records the times it held a claim, and
 * the parent checks that no two of those intervals overlap.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "harness.h"
#include "proc_crash_util.h"

/* ---- two processes competing for one proc
 * ------------------------------------------- */

#define SHARED_INPUTS 600

#define HELPERS       2

/* One claim as a helper saw it: held from claim_us (just after pp_proc
 * returned) to release_us (just before pp_ack or pp_reclaim was called),
 * which lies inside the time the node held it for that helper. */
typedef struct held {
	uint64_t claim_us;
	uint64_t release_us;
	uint64_t first;
	uint64_t last;
	int      helper;
	char     kind; /* 'A' acked, 'R' reclaimed */
} held;

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

static pp_proc_opts
shared_opts(void)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;

	o.count = 3;
	o.max_reclaims = -1;
	o.reclaim_timeout_ms = -1;
	return (o);
}

static void
held_path(char *buf, size_t len, int helper)
{
	pp_t_format(buf, len, "%s/helper%d.txt", pp_t_root(), helper);
}

/* A helper process: claims from the shared proc, reclaims every fifth of
 * its claims and acks the others, until every input is acked; writes one
 * line per claim to its file. */
static int
helper_main(void *p, int in_fd, int out_fd)
{
	int          index = *(int *)p;
	pp_proc_opts o = shared_opts();
	char         addr[PP_T_PATH], path[PP_T_PATH + 32];
	pp_client   *c;
	pp_claim    *cl;
	pp_proc_info i;
	held        *v = NULL;
	size_t       nv = 0, cap = 0, k;
	uint64_t     got, token;
	FILE        *f;
	int          rv, claims = 0;

	(void)out_fd;
	if (pp_t_read_line(in_fd, addr, sizeof(addr), 60000) <= 0) {
		PP_FAIL_AT("helper %d got no address", index);
	}
	c = proc_crash_connect(addr, 30000);
	for (;;) {
		cl = NULL;
		if ((rv = pp_proc(c, "in", "shared", &o, 100, &cl)) != 0) {
			PP_FAIL_AT(
			    "helper %d: pp_proc: %s", index, pp_errname(rv));
		}
		got = mono_us();
		if (pp_claim_count(cl) == 0) {
			pp_claim_free(cl);
			proc_crash_inspect(c, "shared", &i);
			if (i.next_seq >= SHARED_INPUTS && !i.has_claim) {
				break;
			}
			continue;
		}
		if (nv == cap) {
			cap = cap ? cap * 2 : 256;
			if ((v = realloc(v, cap * sizeof(*v))) == NULL) {
				PP_FAIL_AT("out of memory");
			}
		}
		v[nv].claim_us = got;
		v[nv].first = pp_claim_log(cl, 0)->id.seq;
		v[nv].last = pp_claim_log(cl, pp_claim_count(cl) - 1)->id.seq;
		v[nv].helper = index;
		token = pp_claim_token(cl);
		pp_claim_free(cl);
		v[nv].kind = (++claims % 5 == 0) ? 'R' : 'A';
		v[nv].release_us = mono_us();
		if (v[nv].kind == 'R') {
			rv = pp_reclaim(c, "shared", token, "give back");
		} else {
			rv = pp_ack(c, "shared", token, NULL);
		}
		if (rv != 0) {
			PP_FAIL_AT("helper %d: %s of %" PRIu64 "..%" PRIu64
			           ": %s",
			    index, v[nv].kind == 'R' ? "reclaim" : "ack",
			    v[nv].first, v[nv].last, pp_errname(rv));
		}
		nv++;
	}
	pp_close(c);
	held_path(path, sizeof(path), index);
	if ((f = fopen(path, "w")) == NULL) {
		PP_FAIL_AT("fopen %s", path);
	}
	for (k = 0; k < nv; k++) {
		fprintf(f,
		    "%c %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n",
		    v[k].kind, v[k].first, v[k].last, v[k].claim_us,
		    v[k].release_us);
	}
	fclose(f);
	free(v);
	return (0);
}

static int
held_cmp(const void *a, const void *b)
{
	const held *x = a, *y = b;

	if (x->claim_us != y->claim_us) {
		return (x->claim_us < y->claim_us ? -1 : 1);
	}
	return (0);
}

static void
test_competing_processes(void)
{
	static int   index[HELPERS];
	pp_proc_opts o = shared_opts();
	pp_t_child   kids[HELPERS];
	pp_tnode     n;
	pp_claim    *cl = NULL;
	pp_proc_info info;
	pp_id       *ids = calloc(SHARED_INPUTS, sizeof(pp_id));
	held        *v = NULL;
	size_t       nv = 0, cap = 0, j;
	char         line[PP_T_PATH + 2], path[PP_T_PATH + 32], kind;
	uint64_t     expect = 0, acked_claims[HELPERS] = { 0, 0 };
	FILE        *f;
	int          k, st;

	PP_ASSERT_TRUE(ids != NULL);
	/* Helpers are forked before this process uses NNG. */
	for (k = 0; k < HELPERS; k++) {
		index[k] = k;
		pp_t_child_fork(&kids[k], helper_main, &index[k]);
	}
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	/* The proc exists before its topic does: nothing is claimed here. */
	PP_PASS(pp_proc(n.client, "in", "shared", &o, 0, &cl));
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
	pp_claim_free(cl);
	proc_crash_commit_seqs(n.client, "in", 0, SHARED_INPUTS, ids);
	snprintf(line, sizeof(line), "%s\n", n.address);
	for (k = 0; k < HELPERS; k++) {
		pp_t_write_all(kids[k].to_fd, line, strlen(line));
	}
	for (k = 0; k < HELPERS; k++) {
		st = pp_t_child_wait(&kids[k], 120000);
		if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			PP_FAIL_AT("helper %d failed (status %d)", k, st);
		}
	}
	proc_crash_inspect(n.client, "shared", &info);
	PP_ASSERT_U64_EQ(info.next_seq, SHARED_INPUTS);
	PP_ASSERT_TRUE(!info.has_claim);

	for (k = 0; k < HELPERS; k++) {
		held_path(path, sizeof(path), k);
		if ((f = fopen(path, "r")) == NULL) {
			PP_FAIL_AT("helper %d wrote no %s", k, path);
		}
		for (;;) {
			if (nv == cap) {
				cap = cap ? cap * 2 : 512;
				v = realloc(v, cap * sizeof(*v));
				PP_ASSERT_TRUE(v != NULL);
			}
			if (fscanf(f,
			        " %c %" SCNu64 " %" SCNu64 " %" SCNu64
			        " %" SCNu64,
			        &kind, &v[nv].first, &v[nv].last,
			        &v[nv].claim_us, &v[nv].release_us)
			    != 5) {
				break;
			}
			v[nv].kind = kind;
			v[nv].helper = k;
			if (kind == 'A') {
				acked_claims[k]++;
			}
			nv++;
		}
		fclose(f);
	}
	pp_t_diag("%zu claims; helper 0 acked %" PRIu64 ", helper 1 acked "
	          "%" PRIu64,
	    nv, acked_claims[0], acked_claims[1]);
	/* In claim order, each claim starts at the cursor, which only an ack
	 * moves: no log is handed out twice unless it was reclaimed, and
	 * every log is acked exactly once. */
	qsort(v, nv, sizeof(*v), held_cmp);
	for (j = 0; j < nv; j++) {
		if (v[j].first != expect || v[j].last < v[j].first
		    || v[j].last - v[j].first >= o.count) {
			PP_FAIL_AT("claim %zu of helper %d holds %" PRIu64
			           "..%" PRIu64
			           ", expected it to start at %" PRIu64,
			    j, v[j].helper, v[j].first, v[j].last, expect);
		}
		if (v[j].kind == 'A') {
			expect = v[j].last + 1;
		}
		/* Never two holders at once: this claim was given back
		 * before the next one was handed out. */
		if (j + 1 < nv && v[j].release_us > v[j + 1].claim_us) {
			PP_FAIL_AT("helper %d held %" PRIu64 "..%" PRIu64
			           " until %" PRIu64 " us, but helper %d got "
			           "%" PRIu64 "..%" PRIu64 " at %" PRIu64 " us",
			    v[j].helper, v[j].first, v[j].last, v[j].release_us,
			    v[j + 1].helper, v[j + 1].first, v[j + 1].last,
			    v[j + 1].claim_us);
		}
	}
	PP_ASSERT_U64_EQ(expect, SHARED_INPUTS);
	free(v);
	free(ids);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("two processes competing for one proc never hold a claim at "
	    "the same time and every log is acked once",
	    test_competing_processes, 180),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
