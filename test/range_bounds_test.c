/*
 * range_bounds_test.c - pp_range and pp_revrange bounds against a real
 * node: the peer's examples in one millisecond, every bound form of DESIGN
 * §4 (T-S, T, :S) on each side, exclusive, reversed and limited, and
 * invalid expressions refused before anything is sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "range_util.h"

/* ---- helpers --------------------------------------------------------------- */

/* Runs one query and compares the sequences (and has_more = false) with
 * want[0..nwant); also walks the same query with pp_iter. */
static void
expect_seqs(int line, pp_client *c, const char *topic, bool is_rev,
    const char *start, const char *end, bool is_excl, size_t limit,
    const uint64_t *want, size_t nwant)
{
	pp_range_opts o;
	pp_result    *res = NULL;
	pp_iter      *it  = NULL;
	const pp_log *log;
	size_t        i, n;
	int           rv;

	memset(&o, 0, sizeof(o));
	o.start        = start;
	o.end          = end;
	o.is_exclusive = is_excl;
	o.limit        = limit;
	rv = is_rev ? pp_revrange(c, topic, &o, &res) :
	              pp_range(c, topic, &o, &res);
	if (rv != 0) {
		pp_t_fail(__FILE__, line, "%s start=%s end=%s excl=%d: %s",
		    is_rev ? "revrange" : "range", start ? start : "-",
		    end ? end : "-", is_excl, pp_errname(rv));
	}
	n = pp_result_count(res);
	for (i = 0; i < n || i < nwant; i++) {
		log = pp_result_log(res, i);
		if (i >= n || i >= nwant || log == NULL ||
		    log->id.seq != want[i]) {
			pp_t_fail(__FILE__, line,
			    "%s start=%s end=%s excl=%d limit=%zu: got %zu "
			    "logs, want %zu; at %zu got seq %lld want %lld",
			    is_rev ? "revrange" : "range", start ? start : "-",
			    end ? end : "-", is_excl, limit, n, nwant, i,
			    (i < n && log) ? (long long)log->id.seq : -1LL,
			    i < nwant ? (long long)want[i] : -1LL);
		}
	}
	if (pp_result_has_more(res)) {
		pp_t_fail(__FILE__, line, "has_more on a small result");
	}
	PP_ASSERT_TRUE(pp_result_log(res, n) == NULL);
	pp_result_free(res);

	PP_PASS(pp_iter_open(c, topic, &o, is_rev, &it));
	for (i = 0; (rv = pp_iter_next(it, &log)) == 1; i++) {
		if (i >= nwant || log->id.seq != want[i]) {
			pp_t_fail(__FILE__, line,
			    "iter start=%s end=%s: step %zu gave seq %llu",
			    start ? start : "-", end ? end : "-", i,
			    (unsigned long long)log->id.seq);
		}
	}
	if (rv != 0 || i != nwant) {
		pp_t_fail(__FILE__, line, "iter ended with %d after %zu of %zu",
		    rv, i, nwant);
	}
	pp_iter_close(it);
}

#define SEQS(...) ((const uint64_t[]){ __VA_ARGS__ })

#define NSEQ(...) (sizeof((const uint64_t[]){ __VA_ARGS__ }) / sizeof(uint64_t))

#define EXPECT(c, t, rev, s, e, x, l, ...)                                     \
	expect_seqs(__LINE__, c, t, rev, s, e, x, l, SEQS(__VA_ARGS__),        \
	    NSEQ(__VA_ARGS__))

#define EXPECT_NONE(c, t, rev, s, e, x, l)                                     \
	expect_seqs(__LINE__, c, t, rev, s, e, x, l, NULL, 0)

/* ---- fixed cases ------------------------------------------------------------- */

static void
test_one_millisecond(pp_tnode *n)
{
	pp_id    ids[3];
	char     i0[PP_ID_STRLEN], i1[PP_ID_STRLEN], i2[PP_ID_STRLEN];
	char     t[32];
	pp_client *c;

	c = n->client;
	range_commit_batch(c, "three", 3, ids, 0);
	pp_id_format(ids[0], i0);
	pp_id_format(ids[1], i1);
	pp_id_format(ids[2], i2);
	snprintf(t, sizeof(t), "%llu", (unsigned long long)ids[0].ms);

	/* The peer's examples (PEER §6.3), with the :123 fix (DESIGN §4). */
	EXPECT(c, "three", false, NULL, NULL, false, 0, 0, 1, 2);
	EXPECT(c, "three", false, "", "", false, 0, 0, 1, 2);
	EXPECT(c, "three", false, NULL, NULL, false, 1, 0);
	EXPECT(c, "three", false, i1, NULL, false, 0, 1, 2);
	EXPECT(c, "three", false, NULL, i1, false, 0, 0, 1);
	EXPECT(c, "three", false, i0, i2, true, 0, 1);
	EXPECT(c, "three", false, ":2", NULL, false, 0, 2);
	EXPECT_NONE(c, "three", false, ":123", NULL, false, 0);
	EXPECT(c, "three", true, i2, NULL, false, 0, 2, 1, 0);
	EXPECT_NONE(c, "three", true, i0, i1, false, 0);
	EXPECT(c, "three", true, NULL, NULL, false, 1, 2);
	EXPECT(c, "three", false, i1, i1, false, 0, 1);
	EXPECT_NONE(c, "three", false, i1, i1, true, 0);
	EXPECT(c, "three", true, i1, i1, false, 0, 1);
	EXPECT_NONE(c, "three", true, i1, i1, true, 0);
	/* The whole millisecond is one bound; exclusive drops all of it. */
	EXPECT(c, "three", false, t, t, false, 0, 0, 1, 2);
	EXPECT_NONE(c, "three", false, t, NULL, true, 0);
	EXPECT_NONE(c, "three", false, NULL, t, true, 0);
	EXPECT(c, "three", true, t, t, false, 0, 2, 1, 0);
	EXPECT_NONE(c, "three", true, t, NULL, true, 0);
}

static void
test_bound_forms(pp_tnode *n)
{
	pp_id      ids[9];
	char       t0[32], t1[32], t2[32], t2p[32], t1_4[48], t1_0[48],
	    t1_100[48], t0_1[48], t2_7[48];
	pp_client *c;
	int        b;

	c = n->client;
	/* Three batches of three logs, each in its own millisecond. */
	for (b = 0; b < 3; b++) {
		if (b > 0) {
			range_next_millisecond(ids[3 * b - 1].ms);
		}
		range_commit_batch(c, "ms", 3, &ids[3 * b], (uint64_t)(3 * b));
	}
	PP_ASSERT_U64_CMP(ids[0].ms, <, ids[3].ms);
	PP_ASSERT_U64_CMP(ids[3].ms, <, ids[6].ms);
	snprintf(t0, sizeof(t0), "%llu", (unsigned long long)ids[0].ms);
	snprintf(t1, sizeof(t1), "%llu", (unsigned long long)ids[3].ms);
	snprintf(t2, sizeof(t2), "%llu", (unsigned long long)ids[6].ms);
	snprintf(t2p, sizeof(t2p), "%llu", (unsigned long long)ids[6].ms + 1);
	snprintf(t1_4, sizeof(t1_4), "%s-4", t1);
	snprintf(t1_0, sizeof(t1_0), "%s-0", t1);
	snprintf(t1_100, sizeof(t1_100), "%s-100", t1);
	snprintf(t0_1, sizeof(t0_1), "%s-1", t0);
	snprintf(t2_7, sizeof(t2_7), "%s-7", t2);

	/* T: the whole millisecond. */
	EXPECT(c, "ms", false, t1, NULL, false, 0, 3, 4, 5, 6, 7, 8);
	EXPECT(c, "ms", false, t1, NULL, true, 0, 6, 7, 8);
	EXPECT(c, "ms", false, NULL, t1, false, 0, 0, 1, 2, 3, 4, 5);
	EXPECT(c, "ms", false, NULL, t1, true, 0, 0, 1, 2);
	EXPECT(c, "ms", false, t1, t1, false, 0, 3, 4, 5);
	EXPECT_NONE(c, "ms", false, t1, t1, true, 0);
	EXPECT_NONE(c, "ms", false, t2p, NULL, false, 0);
	EXPECT(c, "ms", false, "0", NULL, false, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8);
	EXPECT_NONE(c, "ms", false, NULL, "0", false, 0);
	EXPECT(c, "ms", false, NULL, "18446744073709551615", false, 0, 0, 1, 2,
	    3, 4, 5, 6, 7, 8);
	/* T-S: a point in id order; the log need not exist. */
	EXPECT(c, "ms", false, t1_4, NULL, false, 0, 4, 5, 6, 7, 8);
	EXPECT(c, "ms", false, t1_4, NULL, true, 0, 5, 6, 7, 8);
	EXPECT(c, "ms", false, NULL, t1_4, false, 0, 0, 1, 2, 3, 4);
	EXPECT(c, "ms", false, NULL, t1_4, true, 0, 0, 1, 2, 3);
	EXPECT(c, "ms", false, t1_0, NULL, false, 0, 3, 4, 5, 6, 7, 8);
	EXPECT(c, "ms", false, t1_0, NULL, true, 0, 3, 4, 5, 6, 7, 8);
	EXPECT(c, "ms", false, t1_100, NULL, false, 0, 6, 7, 8);
	EXPECT(c, "ms", false, NULL, t1_0, false, 0, 0, 1, 2);
	EXPECT(c, "ms", false, NULL, t1_100, false, 0, 0, 1, 2, 3, 4, 5);
	EXPECT(c, "ms", false, "0-0", NULL, false, 0, 0, 1, 2, 3, 4, 5, 6, 7,
	    8);
	EXPECT_NONE(c, "ms", false, NULL, "0-0", false, 0);
	EXPECT_NONE(c, "ms", false,
	    "18446744073709551615-18446744073709551615", NULL, false, 0);
	/* :S: a sequence. */
	EXPECT(c, "ms", false, ":4", NULL, false, 0, 4, 5, 6, 7, 8);
	EXPECT(c, "ms", false, ":4", NULL, true, 0, 5, 6, 7, 8);
	EXPECT(c, "ms", false, NULL, ":4", false, 0, 0, 1, 2, 3, 4);
	EXPECT(c, "ms", false, NULL, ":4", true, 0, 0, 1, 2, 3);
	EXPECT(c, "ms", false, NULL, ":0", false, 0, 0);
	EXPECT_NONE(c, "ms", false, NULL, ":0", true, 0);
	EXPECT(c, "ms", false, ":8", NULL, false, 0, 8);
	EXPECT_NONE(c, "ms", false, ":9", NULL, false, 0);
	EXPECT_NONE(c, "ms", false, ":100", NULL, false, 0);
	EXPECT(c, "ms", false, NULL, ":100", false, 0, 0, 1, 2, 3, 4, 5, 6, 7,
	    8);
	EXPECT_NONE(c, "ms", false, ":18446744073709551615", NULL, true, 0);
	/* Mixed forms. */
	EXPECT(c, "ms", false, ":2", t1, false, 0, 2, 3, 4, 5);
	EXPECT(c, "ms", false, t0, ":7", true, 0, 3, 4, 5, 6);
	EXPECT(c, "ms", false, t0_1, t2_7, false, 0, 1, 2, 3, 4, 5, 6, 7);
	EXPECT(c, "ms", false, t0_1, t2_7, true, 0, 2, 3, 4, 5, 6);
	/* start > end is empty, not an error. */
	EXPECT_NONE(c, "ms", false, ":5", ":2", false, 0);
	EXPECT_NONE(c, "ms", false, t2, t0, false, 0);
	EXPECT_NONE(c, "ms", false, t1_4, ":3", false, 0);

	/* revrange: start is the upper bound, end the lower. */
	EXPECT(c, "ms", true, t1, NULL, false, 0, 5, 4, 3, 2, 1, 0);
	EXPECT(c, "ms", true, t1, NULL, true, 0, 2, 1, 0);
	EXPECT(c, "ms", true, NULL, t1, false, 0, 8, 7, 6, 5, 4, 3);
	EXPECT(c, "ms", true, NULL, t1, true, 0, 8, 7, 6);
	EXPECT(c, "ms", true, t1_4, NULL, false, 0, 4, 3, 2, 1, 0);
	EXPECT(c, "ms", true, t1_4, NULL, true, 0, 3, 2, 1, 0);
	EXPECT(c, "ms", true, NULL, t1_4, false, 0, 8, 7, 6, 5, 4);
	EXPECT(c, "ms", true, NULL, t1_4, true, 0, 8, 7, 6, 5);
	EXPECT(c, "ms", true, ":4", ":2", false, 0, 4, 3, 2);
	EXPECT(c, "ms", true, ":4", ":2", true, 0, 3);
	EXPECT_NONE(c, "ms", true, t2, t1, true, 0);
	EXPECT(c, "ms", true, t2, t0, true, 0, 5, 4, 3);
	EXPECT_NONE(c, "ms", true, ":2", ":4", false, 0);
	EXPECT_NONE(c, "ms", true, t0, t2, false, 0);
	EXPECT(c, "ms", true, ":100", ":7", false, 0, 8, 7);
	EXPECT_NONE(c, "ms", true, NULL, ":9", false, 0);

	/* Limits. */
	EXPECT(c, "ms", false, NULL, NULL, false, 4, 0, 1, 2, 3);
	EXPECT(c, "ms", false, NULL, NULL, false, 100, 0, 1, 2, 3, 4, 5, 6, 7,
	    8);
	EXPECT(c, "ms", false, t1, NULL, false, 2, 3, 4);
	EXPECT(c, "ms", true, NULL, NULL, false, 4, 8, 7, 6, 5);
	EXPECT(c, "ms", true, t1, NULL, false, 2, 5, 4);
	EXPECT(c, "ms", true, NULL, NULL, false, 1, 8);
}

static void
test_invalid_expressions(pp_tnode *n)
{
	static const char *bad[] = { "abc", " ", "1.5", ":abc", "-5", "1-",
		"1-2-3", ":-1", "99999999999999999999", ":", "::1", "1:2", "+1",
		":+1", ": 1", " 1", "1 ", "0x10", "1-a", "-", "1--2",
		":18446744073709551616", "18446744073709551616",
		"18446744073709551616-0", "1-18446744073709551616", "1e3",
		NULL };
	pp_range_opts  o;
	pp_result     *res = NULL;
	pp_iter       *it  = NULL;
	int            i, side;

	pp_t_commit_str(n->client, "t", "x");
	for (i = 0; bad[i] != NULL; i++) {
		for (side = 0; side < 2; side++) {
			memset(&o, 0, sizeof(o));
			if (side == 0) {
				o.start = bad[i];
			} else {
				o.end = bad[i];
			}
#define BAD_ID(expr)                                                           \
	do {                                                                   \
		int rv_ = (expr);                                              \
		if (rv_ != PP_EINVALID_ID) {                                   \
			PP_FAIL_AT("%s with %s \"%s\": %d %s", #expr,          \
			    side ? "end" : "start", bad[i], rv_,               \
			    pp_errname(rv_));                                  \
		}                                                              \
	} while (0)
			BAD_ID(pp_range(n->client, "t", &o, &res));
			BAD_ID(pp_revrange(n->client, "t", &o, &res));
			/* Checked before the topic is looked up. */
			BAD_ID(pp_range(n->client, "missing", &o, &res));
			BAD_ID(pp_iter_open(n->client, "t", &o, false, &it));
			BAD_ID(pp_iter_open(n->client, "t", &o, true, &it));
#undef BAD_ID
			PP_ASSERT_TRUE(res == NULL && it == NULL);
		}
	}
	PP_ASSERT_U64_EQ(pp_t_length(n->client, "t"), 1);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("three logs of one millisecond answer the peer's examples",
	    test_one_millisecond, 0),
	PP_NODE_CASE("every bound form works on each side, exclusive, reversed "
	    "and limited",
	    test_bound_forms, 0),
	PP_NODE_CASE("invalid id expressions are PP_EINVALID_ID before "
	    "anything is sent",
	    test_invalid_expressions, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
