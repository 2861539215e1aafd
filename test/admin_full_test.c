/*
 * admin_full_test.c - a store that fills up, against real node processes
 * (issue 5 item 6): a full store refuses commits with PP_ESTORE_FULL but
 * serves reads, claims and acks, and after a forced delete commits succeed
 * again with nothing acknowledged lost.
 *
 * Conventions: the log of sequence S in topic T has the body "T-S",
 * optionally padded with '.' to a fixed size (proc_util.h), so what a
 * topic holds can be checked by sequences and bodies alone. Nothing sleeps
 * for a fixed time: every wait polls a condition until a deadline.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "proc_util.h"
#include "admin_util.h"

/* ---- store limit ----------------------------------------------------------- */

#define KIB 1024

#define SMALL_MAX 4096

/* A node with a 2 MiB store filled up with 1 KiB logs of "big". */
typedef struct full_store {
	pp_tnode      n;
	pp_spawn_opts so;
	uint64_t      nbig;   /* logs of "big" committed */
	uint64_t      nsmall; /* logs of "small" committed */
	pp_id         small[SMALL_MAX]; /* every id a small commit returned */
} full_store;

/*
 * Starts the node (max_store_bytes 2 MiB, sync none), creates the proc
 * "ps" on "small" at cursor 1, then commits 1 KiB logs to "big" (and now
 * and then a small log to "small") until a commit fails, which must be
 * with PP_ESTORE_FULL.
 */
static void
fill_store(full_store *f)
{
	pp_proc_opts o = admin_proc_opts(1);
	pp_record    r;
	char         body[BODY_MAX];
	uint64_t     token;
	pp_id        id;
	size_t       i;
	int          rv = 0;

	memset(f, 0, sizeof(*f));
	f->so.max_store_bytes = 2u << 20;
	f->so.sync_mode       = PP_SYNC_NONE;
	pp_t_node_init(&f->n);
	pp_t_node_start(&f->n, &f->so);
	f->small[f->nsmall++] = pp_t_commit_str(f->n.client, "small", "small-0");
	token = CLAIM_PADDED(f->n.client, "small", "ps", &o, 0, 1, 0);
	ACK(f->n.client, "ps", token);

	/* Bounded: 2 MiB hold fewer than 2048 logs of 1 KiB. */
	for (i = 0; i < 20000 && rv == 0; i++) {
		r.topic = "big";
		r.body  = body;
		r.len   = proc_body(body, sizeof(body), "big", f->nbig, KIB);
		if ((rv = pp_commit(f->n.client, &r, 1, &id)) == 0) {
			PP_ASSERT_U64_EQ(id.seq, f->nbig);
			f->nbig++;
		}
		if (rv != 0 || i % 8 != 0) {
			continue;
		}
		if (f->nsmall == SMALL_MAX) {
			PP_FAIL_AT("too many small logs");
		}
		r.topic = "small";
		r.len   = proc_body(body, sizeof(body), "small", f->nsmall, 0);
		rv      = pp_commit(f->n.client, &r, 1, &f->small[f->nsmall]);
		if (rv == 0) {
			PP_ASSERT_U64_EQ(f->small[f->nsmall].seq, f->nsmall);
			f->nsmall++;
		}
	}
	PP_FAIL(rv, PP_ESTORE_FULL);
	pp_t_diag("store full after %" PRIu64 " logs of 1 KiB: %s", f->nbig,
	    pp_client_errmsg(f->n.client));
	/* A clear message, and the limit is about what was asked for. */
	PP_ASSERT_TRUE(pp_client_errmsg(f->n.client)[0] != '\0');
	PP_ASSERT_U64_CMP(f->nbig, >, 256);
	PP_ASSERT_U64_CMP(f->nbig, <, 2048);
}

/* Every id a small commit returned is readable, with its body. */
static void
check_small_at(int line, const full_store *f)
{
	pp_t_logs logs;
	char      want[64];
	size_t    i;

	pp_t_read_all(f->n.client, "small", NULL, false, &logs);
	if (logs.count != f->nsmall) {
		pp_t_fail(__FILE__, line, "small holds %zu logs, %" PRIu64
		    " were acknowledged", logs.count, f->nsmall);
	}
	for (i = 0; i < logs.count; i++) {
		proc_body(want, sizeof(want), "small", i, 0);
		if (pp_t_id_cmp(logs.ids[i], f->small[i]) != 0
		    || strcmp(logs.bodies[i], want) != 0) {
			pp_t_fail(__FILE__, line,
			    "small log %zu is %" PRIu64 "-%" PRIu64 " \"%s\", "
			    "acknowledged as %" PRIu64 "-%" PRIu64 " \"%s\"",
			    i, logs.ids[i].ms, logs.ids[i].seq, logs.bodies[i],
			    f->small[i].ms, f->small[i].seq, want);
		}
	}
	pp_t_logs_free(&logs);
}

#define CHECK_SMALL(f) check_small_at(__LINE__, (f))

static void
test_store_full_serves(void)
{
	static full_store f;
	pp_proc_opts      o = admin_proc_opts(1);
	pp_range_opts     ro;
	pp_result        *res = NULL;
	pp_record         r;
	pinfo             s;
	char              body[BODY_MAX];
	uint64_t          token, len;
	pp_id             id;
	size_t            i;

	fill_store(&f);
	/* Still full, for any topic. */
	r.topic = "big";
	r.body  = body;
	r.len   = proc_body(body, sizeof(body), "big", f.nbig, KIB);
	PP_FAIL(pp_commit(f.n.client, &r, 1, &id), PP_ESTORE_FULL);
	r.topic = "fresh";
	PP_FAIL(pp_commit(f.n.client, &r, 1, &id), PP_ESTORE_FULL);
	PP_FAIL(pp_length(f.n.client, "fresh", &len), PP_ENOTOPIC);

	/* Reads work. */
	PP_PASS(pp_length(f.n.client, "big", &len));
	PP_ASSERT_U64_EQ(len, f.nbig);
	memset(&ro, 0, sizeof(ro));
	ro.limit = 3;
	PP_PASS(pp_range(f.n.client, "big", &ro, &res));
	PP_ASSERT_U64_EQ(pp_result_count(res), 3);
	for (i = 0; i < 3; i++) {
		proc_body(body, sizeof(body), "big", i, KIB);
		PP_ASSERT_U64_EQ(pp_result_log(res, i)->id.seq, i);
		PP_ASSERT_MEM_EQ(pp_result_log(res, i)->body,
		    pp_result_log(res, i)->len, body, (size_t)KIB);
	}
	pp_result_free(res);
	res = NULL;
	PP_PASS(pp_revrange(f.n.client, "big", &ro, &res));
	PP_ASSERT_U64_EQ(pp_result_log(res, 0)->id.seq, f.nbig - 1);
	pp_result_free(res);
	CHECK_TOPIC(f.n.client, "big", 0, f.nbig, KIB);
	CHECK_SMALL(&f);
	/* A claim and an ack work. */
	token = CLAIM_PADDED(f.n.client, "small", "ps", &o, 1, 1, 0);
	ACK(f.n.client, "ps", token);
	INSPECT(f.n.client, "ps", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	PP_ASSERT_TRUE(!s.i.has_claim);
	/* And everything is still there after a restart. */
	pp_t_node_stop(&f.n);
	pp_t_node_start(&f.n, &f.so);
	CHECK_TOPIC(f.n.client, "big", 0, f.nbig, KIB);
	CHECK_SMALL(&f);
	INSPECT(f.n.client, "ps", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	pp_t_node_stop(&f.n);
}

static void
test_store_full_recovers(void)
{
	static full_store f;
	pp_proc_opts      o = admin_proc_opts(1);
	pp_record         r;
	pinfo             s;
	char              body[BODY_MAX];
	uint64_t          token, len, end;
	pp_id             id;
	int               rv, attempts = 0;

	fill_store(&f);
	/* Deleting the big topic frees its space in the background:
	 * commits succeed again. */
	PP_PASS(pp_topic_delete(f.n.client, "big", true));
	PP_FAIL(pp_length(f.n.client, "big", &len), PP_ENOTOPIC);
	end     = pp_t_mono_ms() + (uint64_t)pp_t_scaled(WAIT_MS);
	r.topic = "after";
	r.body  = body;
	r.len   = proc_body(body, sizeof(body), "after", 0, KIB);
	while ((rv = pp_commit(f.n.client, &r, 1, &id)) != 0) {
		attempts++;
		if (rv != PP_ESTORE_FULL) {
			PP_FAIL_AT("commit after the delete: %s (%s)",
			    pp_errname(rv), pp_client_errmsg(f.n.client));
		}
		if (pp_t_mono_ms() > end) {
			PP_FAIL_AT("commits still fail with PP_ESTORE_FULL %d ms "
				   "after deleting %" PRIu64 " logs of 1 KiB "
				   "(%d attempts): %s",
			    pp_t_scaled(WAIT_MS), f.nbig, attempts,
			    pp_client_errmsg(f.n.client));
		}
		pp_t_nap();
	}
	PP_ASSERT_U64_EQ(id.seq, 0);
	/* Most of the space is back. */
	COMMIT_LOGS(f.n.client, "after", 1, (size_t)(f.nbig / 2), KIB, NULL);
	CHECK_TOPIC(f.n.client, "after", 0, (size_t)(f.nbig / 2 + 1), KIB);

	/* Nothing acknowledged before is lost; the proc carries on. */
	CHECK_SMALL(&f);
	token = CLAIM_PADDED(f.n.client, "small", "ps", &o, 1, 1, 0);
	ACK(f.n.client, "ps", token);
	INSPECT(f.n.client, "ps", &s);
	PP_ASSERT_U64_EQ(s.i.next_seq, 2);
	PP_ASSERT_U64_EQ(s.i.lost, 0);
	pp_t_node_stop(&f.n);
}

static const pp_test_case cases[] = {
	PP_CASE("a full store refuses commits with PP_ESTORE_FULL but serves "
	    "reads, claims and acks",
	    test_store_full_serves, 30),
	PP_CASE("after a forced delete of the topic that filled the store "
	    "commits succeed again and nothing acknowledged is lost",
	    test_store_full_recovers, 30),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
