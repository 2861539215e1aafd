/*
 * local_same_test.c - a client on the node's host reads the node's store
 * itself (issue 15), and every read call answers exactly as the node
 * does: range and revrange with every bound form, exclusive bounds,
 * limits and pages; iterators; length, stat and topics; empty, unknown,
 * deleted and badly named topics. Also: local reads really skip the node
 * (they answer while it is stopped), is_local_reads_off turns them off,
 * and a store the client may not open, or a --memory node, silently
 * leaves reads to the node.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "local_util.h"
#include "range_util.h"

#define NBATCH 40

/* Committed ids of topic "t": batches of 1..9 logs, each in its own ms. */
static pp_id  ids[NBATCH * 9];
static size_t nids;

static void
fill(pp_client *c)
{
	pp_record recs[20];
	pp_id     got[20];
	char      body[100 * 1024];
	int       b, i, n;

	nids = 0;
	for (b = 0; b < NBATCH; b++) {
		n = 1 + b % 9;
		range_commit_batch(c, "t", n, ids + nids, nids);
		nids += (size_t)n;
		range_next_millisecond(ids[nids - 1].ms);
	}
	/* 6 MB of bodies in "big": three pages of PPI_RANGE_PAGE_BYTES. */
	memset(body, 'x', sizeof(body));
	for (i = 0; i < 20; i++) {
		recs[i].topic = "big";
		recs[i].body  = body;
		recs[i].len   = sizeof(body) - (size_t)i;
	}
	for (b = 0; b < 3; b++) {
		PP_PASS(pp_commit(c, recs, 20, got));
	}
	pp_t_commit_str(c, "gone", "soon deleted");
	PP_PASS(pp_topic_delete(c, "gone", false));
	pp_t_commit_str(c, "empty", "soon collected");
	PP_PASS(pp_topic_config(c, "empty", 1, 0, 0));
	PP_WAIT_UNTIL(pp_t_length(c, "empty") == 0, 10000);
}

/* A random bound: open, T-S, T or :S around the committed ids. */
static const char *
rand_bound(uint64_t *rs, char *buf, size_t len)
{
	pp_id id = ids[pp_t_rand_below(rs, nids)];

	switch (pp_t_rand_below(rs, 6)) {
	case 0:
		return NULL;
	case 1:
		pp_t_format(buf, len, "%llu-%llu", (unsigned long long)id.ms,
		    (unsigned long long)(id.seq + pp_t_rand_below(rs, 2)));
		break;
	case 2:
		pp_t_format(buf, len, "%llu",
		    (unsigned long long)(id.ms + pp_t_rand_below(rs, 3) - 1));
		break;
	case 3:
		pp_t_format(buf, len, ":%llu",
		    (unsigned long long)pp_t_rand_below(rs, nids + 3));
		break;
	case 4:
		return "0";
	default:
		pp_t_format(buf, len, "%llu-0", (unsigned long long)id.ms);
		break;
	}
	return buf;
}

static void
test_same_answers(pp_tnode *n)
{
	static const char *topics[] = { "t", "big", "empty", "gone", "nope",
		"bad topic!" };
	static const uint64_t limits[] = { 0, 1, 3, 7, 50 };
	pp_client    *loc = local_connect(n, false);
	pp_client    *rem = local_connect(n, true);
	pp_range_opts o;
	uint64_t      rs = pp_t_seed();
	char          sb[64], eb[64];
	size_t        i, k;

	fill(n->client);
	PP_ASSERT_TRUE(local_reads_locally(n, loc, "t"));
	PP_ASSERT_TRUE(!local_reads_locally(n, rem, "t"));
	for (i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
		memset(&o, 0, sizeof(o));
		local_same_range(__LINE__, loc, rem, topics[i], &o, false);
		local_same_range(__LINE__, loc, rem, topics[i], &o, true);
		local_same_iter(__LINE__, loc, rem, topics[i], &o, false);
		local_same_iter(__LINE__, loc, rem, topics[i], &o, true);
		local_same_topic(__LINE__, loc, rem, topics[i]);
	}
	/* Pages of "big", forwards and backwards, and a bad bound. */
	memset(&o, 0, sizeof(o));
	o.start = ":20";
	local_same_range(__LINE__, loc, rem, "big", &o, false);
	local_same_range(__LINE__, loc, rem, "big", &o, true);
	o.start = "12-x";
	local_same_range(__LINE__, loc, rem, "t", &o, false);
	local_same_iter(__LINE__, loc, rem, "t", &o, false);
	for (k = 0; k < 400; k++) {
		memset(&o, 0, sizeof(o));
		o.start        = rand_bound(&rs, sb, sizeof(sb));
		o.end          = rand_bound(&rs, eb, sizeof(eb));
		o.is_exclusive = pp_t_rand_below(&rs, 2) == 1;
		o.limit        = limits[pp_t_rand_below(&rs, 5)];
		local_same_range(__LINE__, loc, rem, "t", &o, k % 2 == 1);
		if (k % 8 == 0) {
			local_same_iter(__LINE__, loc, rem, "t", &o, k % 16 == 8);
		}
	}
	local_same_topics(__LINE__, loc, rem);
	pp_close(loc);
	pp_close(rem);
}

static void
test_opt_out(pp_tnode *n)
{
	pp_client *loc = local_connect(n, false);
	pp_client *rem = local_connect(n, true);

	pp_t_commit_str(n->client, "t", "one");
	PP_ASSERT_TRUE(local_reads_locally(n, loc, "t"));
	PP_ASSERT_TRUE(!local_reads_locally(n, rem, "t"));
	/* Everything but reads still goes to the node. */
	pp_t_commit_str(loc, "t", "two");
	PP_ASSERT_U64_EQ(pp_t_length(loc, "t"), 2);
	PP_ASSERT_U64_EQ(pp_t_length(rem, "t"), 2);
	pp_close(loc);
	pp_close(rem);
}

static void
test_unreadable_store(pp_tnode *n)
{
	pp_client *c;

	pp_t_commit_str(n->client, "t", "one");
	/* Root may read anything: for it the store belongs to someone else,
	 * which a client refuses as well; others lose the permission. */
	if (geteuid() == 0) {
		PP_ASSERT_INT_EQ(chown(n->dir, 65534, 65534), 0);
	} else {
		PP_ASSERT_INT_EQ(chmod(n->dir, 0), 0);
	}
	c = local_connect(n, false);
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 1);
	PP_ASSERT_TRUE(!local_reads_locally(n, c, "t"));
	pp_close(c);
	if (geteuid() == 0) {
		PP_ASSERT_INT_EQ(chown(n->dir, 0, 0), 0);
	} else {
		PP_ASSERT_INT_EQ(chmod(n->dir, 0700), 0);
	}
	c = local_connect(n, false);
	PP_ASSERT_TRUE(local_reads_locally(n, c, "t"));
	pp_close(c);
}

static void
test_memory_node(void)
{
	const char *extra[] = { "--memory", NULL };
	pp_tnode    n;
	pp_client  *c;

	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, extra), 0);
	c = local_connect(&n, false);
	pp_t_commit_str(c, "t", "one");
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 1);
	PP_ASSERT_TRUE(!local_reads_locally(&n, c, "t"));
	pp_close(c);
	pp_t_node_kill(&n, SIGKILL);
}

/* Steps it to its end; returns the code it ended with. */
static int
drain(pp_iter *it, size_t *n)
{
	const pp_log *log;
	int           rv;

	while ((rv = pp_iter_next(it, &log)) == 1) {
		(*n)++;
	}
	return rv;
}

static void
test_deleted_during_walk(pp_tnode *n)
{
	pp_client    *loc = local_connect(n, false);
	pp_client    *rem = local_connect(n, true);
	pp_iter      *a = NULL, *b = NULL;
	const pp_log *log;
	pp_record     recs[10];
	pp_id         ids[10];
	static char   body[512 * 1024];
	size_t        na = 1, nb = 1;
	int           i;

	/* 5 MiB: three pages. */
	for (i = 0; i < 10; i++) {
		recs[i].topic = "d";
		recs[i].body  = body;
		recs[i].len   = sizeof(body);
	}
	PP_PASS(pp_commit(n->client, recs, 10, ids));
	PP_PASS(pp_iter_open(loc, "d", NULL, false, &a));
	PP_PASS(pp_iter_open(rem, "d", NULL, false, &b));
	PP_ASSERT_INT_EQ(pp_iter_next(a, &log), 1);
	PP_ASSERT_INT_EQ(pp_iter_next(b, &log), 1);
	PP_PASS(pp_topic_delete(n->client, "d", false));
	/* The node may have built the next page before the delete; both
	 * walks end at the first page asked for after it. */
	PP_ASSERT_INT_EQ(drain(a, &na), PP_ENOTOPIC);
	PP_ASSERT_INT_EQ(drain(b, &nb), PP_ENOTOPIC);
	PP_ASSERT_TRUE(na < 10 && nb < 10);
	pp_iter_close(a);
	pp_iter_close(b);
	pp_close(loc);
	pp_close(rem);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("every read call answers locally exactly as the node "
	    "does", test_same_answers, 120),
	PP_NODE_CASE("a topic deleted during a walk ends it with PP_ENOTOPIC, "
	    "locally as through the node", test_deleted_during_walk, 60),
	PP_NODE_CASE("is_local_reads_off sends every read to the node",
	    test_opt_out, 60),
	PP_NODE_CASE("a store the client may not open leaves reads to the "
	    "node", test_unreadable_store, 60),
	PP_CASE("a --memory node is read through requests",
	    test_memory_node, 60),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return pp_test_main(argc, argv, cases);
}
