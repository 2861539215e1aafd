/*
 * range_test.c - pp_range, pp_revrange and pp_iter against a real node:
 * every bound form of DESIGN §4 (T-S, T, :S) on each side, exclusive,
 * revrange, limits, empty results, invalid expressions, pages, and a
 * model-based fuzz that compares thousands of random queries with an
 * in-memory array (the Redis "XRANGE fuzzing" idea).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

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

/* Commits n logs (bodies "b<seq>") to topic in one batch. */
static void
commit_batch(pp_client *c, const char *topic, int n, pp_id *ids,
    uint64_t first_seq)
{
	pp_record r[16];
	char      bodies[16][24];
	int       i;

	for (i = 0; i < n; i++) {
		r[i].topic = topic;
		r[i].len   = (size_t)snprintf(bodies[i], sizeof(bodies[i]),
                    "b%llu", (unsigned long long)first_seq + (unsigned)i);
		r[i].body  = bodies[i];
	}
	PP_PASS(pp_commit(c, r, (size_t)n, ids));
}

/* Waits until the wall clock has passed ms, so the next commit gets a
 * later millisecond (the node uses this machine's clock). */
static void
next_millisecond(uint64_t ms)
{
	PP_WAIT_UNTIL(pp_t_now_ms() > ms, 2000);
}

/* ---- fixed cases ------------------------------------------------------------- */

static void
test_one_millisecond(pp_tnode *n)
{
	pp_id    ids[3];
	char     i0[PP_ID_STRLEN], i1[PP_ID_STRLEN], i2[PP_ID_STRLEN];
	char     t[32];
	pp_client *c;

	c = n->client;
	commit_batch(c, "three", 3, ids, 0);
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
			next_millisecond(ids[3 * b - 1].ms);
		}
		commit_batch(c, "ms", 3, &ids[3 * b], (uint64_t)(3 * b));
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

/* ---- pages ---------------------------------------------------------------- */

#define PAGE_LOGS 3000
#define PAGE_BODY 1024

static void
page_body(char *buf, uint64_t seq)
{
	memset(buf, 'a' + (int)(seq % 26), PAGE_BODY);
	snprintf(buf, 24, "seq=%llu;", (unsigned long long)seq);
}

static void
check_page_log(const pp_log *log, uint64_t seq)
{
	char want[PAGE_BODY];

	PP_ASSERT_U64_EQ(log->id.seq, seq);
	page_body(want, seq);
	PP_ASSERT_MEM_EQ(log->body, log->len, want, PAGE_BODY);
}

/* Walks with pp_iter and checks seqs first, first+step, ... (n logs). */
static void
walk(pp_client *c, const pp_range_opts *o, bool is_rev, uint64_t first,
    size_t n)
{
	pp_iter      *it = NULL;
	const pp_log *log;
	size_t        i = 0;
	int           rv;

	PP_PASS(pp_iter_open(c, "pages", o, is_rev, &it));
	while ((rv = pp_iter_next(it, &log)) == 1) {
		if (i >= n) {
			PP_FAIL_AT("iter gave more than %zu logs", n);
		}
		check_page_log(log, is_rev ? first - i : first + i);
		i++;
	}
	PP_PASS(rv);
	PP_ASSERT_U64_EQ(i, n);
	pp_iter_close(it);
}

static void
test_pages(void)
{
	pp_tnode       n;
	pp_record      r[100];
	pp_id          ids[100];
	char          *bodies = malloc(100 * PAGE_BODY);
	pp_range_opts  o;
	pp_result     *res = NULL;
	char           from[PP_ID_STRLEN];
	size_t         i, k, cnt, total;
	int            pass;

	PP_ASSERT_TRUE(bodies != NULL);
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	for (k = 0; k < PAGE_LOGS / 100; k++) {
		for (i = 0; i < 100; i++) {
			page_body(bodies + i * PAGE_BODY, k * 100 + i);
			r[i].topic = "pages";
			r[i].body  = bodies + i * PAGE_BODY;
			r[i].len   = PAGE_BODY;
		}
		PP_PASS(pp_commit(n.client, r, 100, ids));
	}
	/* Page by page with pp_range, both directions. */
	for (pass = 0; pass < 2; pass++) {
		memset(&o, 0, sizeof(o));
		total = 0;
		for (;;) {
			if (pass == 0) {
				PP_PASS(pp_range(n.client, "pages", &o, &res));
			} else {
				PP_PASS(pp_revrange(n.client, "pages", &o,
				    &res));
			}
			cnt = pp_result_count(res);
			PP_ASSERT_U64_CMP(cnt, >=, 1);
			/* At most 2 MiB of bodies per page. */
			PP_ASSERT_U64_CMP(cnt * PAGE_BODY, <=, 2u << 20);
			for (i = 0; i < cnt; i++) {
				check_page_log(pp_result_log(res, i),
				    pass == 0 ? total + i :
				                PAGE_LOGS - 1 - total - i);
			}
			total += cnt;
			if (total == cnt) {
				/* The first page cannot hold 3 MiB. */
				PP_ASSERT_TRUE(pp_result_has_more(res));
			}
			if (!pp_result_has_more(res)) {
				pp_result_free(res);
				break;
			}
			pp_id_format(pp_result_log(res, cnt - 1)->id, from);
			o.start        = from;
			o.is_exclusive = true;
			pp_result_free(res);
			PP_ASSERT_U64_CMP(total, <, PAGE_LOGS);
		}
		PP_ASSERT_U64_EQ(total, PAGE_LOGS);
	}
	/* A limit inside one page ends the result: no more. */
	memset(&o, 0, sizeof(o));
	o.limit = 5;
	PP_PASS(pp_range(n.client, "pages", &o, &res));
	PP_ASSERT_U64_EQ(pp_result_count(res), 5);
	PP_ASSERT_TRUE(!pp_result_has_more(res));
	pp_result_free(res);
	/* A limit beyond one page: the page ends first. */
	o.limit = 2500;
	PP_PASS(pp_range(n.client, "pages", &o, &res));
	PP_ASSERT_U64_CMP(pp_result_count(res), <, 2500);
	PP_ASSERT_TRUE(pp_result_has_more(res));
	pp_result_free(res);

	/* pp_iter walks everything exactly once, in order. */
	walk(n.client, NULL, false, 0, PAGE_LOGS);
	walk(n.client, NULL, true, PAGE_LOGS - 1, PAGE_LOGS);
	memset(&o, 0, sizeof(o));
	o.limit = 2500;
	walk(n.client, &o, false, 0, 2500);
	walk(n.client, &o, true, PAGE_LOGS - 1, 2500);
	o.limit = 10;
	walk(n.client, &o, true, PAGE_LOGS - 1, 10);
	memset(&o, 0, sizeof(o));
	o.start = ":100";
	o.end   = ":2900";
	walk(n.client, &o, false, 100, 2801);
	o.is_exclusive = true;
	walk(n.client, &o, false, 101, 2799);
	o.is_exclusive = false;
	o.start        = ":2900";
	o.end          = ":100";
	walk(n.client, &o, true, 2900, 2801);
	free(bodies);
	pp_t_node_stop(&n);
}

static void
test_iter_sees_new_logs(void)
{
	pp_tnode      n;
	pp_record     r[100];
	pp_id         ids[100];
	char         *bodies = malloc(100 * PAGE_BODY);
	pp_iter      *it     = NULL;
	const pp_log *log;
	size_t        i, k, count = 0;
	int           rv;

	PP_ASSERT_TRUE(bodies != NULL);
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	for (k = 0; k < PAGE_LOGS / 100; k++) {
		for (i = 0; i < 100; i++) {
			page_body(bodies + i * PAGE_BODY, k * 100 + i);
			r[i].topic = "pages";
			r[i].body  = bodies + i * PAGE_BODY;
			r[i].len   = PAGE_BODY;
		}
		PP_PASS(pp_commit(n.client, r, 100, ids));
	}
	PP_PASS(pp_iter_open(n.client, "pages", NULL, false, &it));
	PP_ASSERT_INT_EQ(pp_iter_next(it, &log), 1);
	check_page_log(log, 0);
	count = 1;
	/* Logs committed during the walk fall inside its (open) bounds. */
	for (i = 0; i < 10; i++) {
		page_body(bodies, PAGE_LOGS + i);
		r[0].body = bodies;
		PP_PASS(pp_commit(n.client, r, 1, ids));
		PP_ASSERT_U64_EQ(ids[0].seq, PAGE_LOGS + i);
	}
	while ((rv = pp_iter_next(it, &log)) == 1) {
		check_page_log(log, count);
		count++;
	}
	PP_PASS(rv);
	PP_ASSERT_U64_EQ(count, PAGE_LOGS + 10);
	/* At the end it stays at the end. */
	PP_ASSERT_INT_EQ(pp_iter_next(it, &log), 0);
	pp_iter_close(it);
	free(bodies);
	pp_t_node_stop(&n);
}

static void
test_log_bigger_than_page(void)
{
	size_t         big_len = 3u << 20;
	char          *big     = malloc(big_len);
	pp_tnode       n;
	pp_record      r;
	pp_id          id;
	pp_t_logs      logs;
	pp_result     *res = NULL;
	size_t         i;

	PP_ASSERT_TRUE(big != NULL);
	for (i = 0; i < big_len; i++) {
		big[i] = (char)(i * 7 + 3);
	}
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	pp_t_commit_str(n.client, "huge", "s0");
	r.topic = "huge";
	r.body  = big;
	r.len   = big_len;
	PP_PASS(pp_commit(n.client, &r, 1, &id));
	pp_t_commit_str(n.client, "huge", "s2");
	PP_PASS(pp_range(n.client, "huge", NULL, &res));
	PP_ASSERT_U64_CMP(pp_result_count(res), >=, 1);
	PP_ASSERT_MEM_EQ(pp_result_log(res, 0)->body,
	    pp_result_log(res, 0)->len, "s0", 2);
	pp_result_free(res);
	pp_t_read_all(n.client, "huge", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 3);
	PP_ASSERT_MEM_EQ(logs.bodies[0], logs.lens[0], "s0", 2);
	PP_ASSERT_MEM_EQ(logs.bodies[1], logs.lens[1], big, big_len);
	PP_ASSERT_MEM_EQ(logs.bodies[2], logs.lens[2], "s2", 2);
	pp_t_logs_free(&logs);
	pp_t_read_all(n.client, "huge", NULL, true, &logs);
	PP_ASSERT_U64_EQ(logs.count, 3);
	PP_ASSERT_MEM_EQ(logs.bodies[0], logs.lens[0], "s2", 2);
	PP_ASSERT_MEM_EQ(logs.bodies[1], logs.lens[1], big, big_len);
	pp_t_logs_free(&logs);
	free(big);
	pp_t_node_stop(&n);
}

/* ---- model-based fuzz ---------------------------------------------------------- */

#define FUZZ_BATCHES 60
#define FUZZ_QUERIES 3000

typedef struct model_log {
	pp_id id;
	char  body[24];
} model_log;

typedef struct bound {
	int      kind; /* 0 open, 1 T, 2 T-S, 3 :S */
	uint64_t t, s;
	char     text[48];
} bound;

static model_log g_model[FUZZ_BATCHES * 6];
static size_t    g_nmodel;

static uint64_t
pick_ms(uint64_t *st)
{
	uint64_t base;

	switch (pp_t_rand_below(st, 10)) {
	case 0:
		return (0);
	case 1:
		return (UINT64_MAX);
	case 2:
		return (g_model[0].id.ms - 1 - pp_t_rand_below(st, 3));
	case 3:
		return (g_model[g_nmodel - 1].id.ms + 1 +
		    pp_t_rand_below(st, 3));
	default:
		base = g_model[pp_t_rand_below(st, g_nmodel)].id.ms;
		return (base + pp_t_rand_below(st, 3) - 1);
	}
}

static uint64_t
pick_seq(uint64_t *st)
{
	switch (pp_t_rand_below(st, 12)) {
	case 0:
		return (UINT64_MAX);
	case 1:
		return (g_nmodel + pp_t_rand_below(st, 5));
	default:
		return (pp_t_rand_below(st, g_nmodel + 1));
	}
}

static void
pick_bound(uint64_t *st, bound *b)
{
	b->kind = (int)pp_t_rand_below(st, 4);
	switch (b->kind) {
	case 1:
		b->t = pick_ms(st);
		snprintf(b->text, sizeof(b->text), "%llu",
		    (unsigned long long)b->t);
		break;
	case 2:
		if (pp_t_rand_below(st, 2)) {
			/* Often an existing id, or a neighbour of one. */
			model_log *m = &g_model[pp_t_rand_below(st, g_nmodel)];

			b->t = m->id.ms;
			b->s = m->id.seq + pp_t_rand_below(st, 3) - 1;
			if (m->id.seq == 0 && b->s == UINT64_MAX) {
				b->s = 0;
			}
		} else {
			b->t = pick_ms(st);
			b->s = pick_seq(st);
		}
		snprintf(b->text, sizeof(b->text), "%llu-%llu",
		    (unsigned long long)b->t, (unsigned long long)b->s);
		break;
	case 3:
		b->s = pick_seq(st);
		snprintf(b->text, sizeof(b->text), ":%llu",
		    (unsigned long long)b->s);
		break;
	default:
		b->text[0] = '\0';
		break;
	}
}

/* The model of DESIGN §4: is log m inside bound b on the lower (or upper)
 * side? */
static bool
model_in(const model_log *m, const bound *b, bool is_lower, bool is_excl)
{
	pp_id p;
	int   cmp;

	switch (b->kind) {
	case 1:
		cmp = m->id.ms < b->t ? -1 : m->id.ms > b->t ? 1 : 0;
		break;
	case 2:
		p.ms  = b->t;
		p.seq = b->s;
		cmp   = pp_t_id_cmp(m->id, p);
		break;
	case 3:
		cmp = m->id.seq < b->s ? -1 : m->id.seq > b->s ? 1 : 0;
		break;
	default:
		return (true);
	}
	if (is_lower) {
		return (is_excl ? cmp > 0 : cmp >= 0);
	}
	return (is_excl ? cmp < 0 : cmp <= 0);
}

/* The same query walked with pp_iter gives the same logs. */
static void
fuzz_iter(pp_client *c, const pp_range_opts *o, bool is_rev,
    const size_t *want, size_t nwant, int q)
{
	pp_iter      *it = NULL;
	const pp_log *log;
	size_t        i = 0;
	int           rv;

	PP_PASS(pp_iter_open(c, "fz", o, is_rev, &it));
	while ((rv = pp_iter_next(it, &log)) == 1) {
		if (i >= nwant || log->id.seq != g_model[want[i]].id.seq ||
		    log->id.ms != g_model[want[i]].id.ms) {
			PP_FAIL_AT("query %d: iter step %zu differs from the "
			           "model (%zu logs)",
			    q, i, nwant);
		}
		i++;
	}
	PP_PASS(rv);
	PP_ASSERT_U64_EQ(i, nwant);
	pp_iter_close(it);
}

static void
test_fuzz(pp_tnode *n)
{
	uint64_t       st = pp_t_seed() ^ 0xf022;
	pp_id          ids[6];
	size_t         want[FUZZ_BATCHES * 6], nwant, i, k, limit, got;
	pp_range_opts  o;
	pp_result     *res = NULL;
	const pp_log  *log;
	bound          s, e;
	bool           is_rev, is_excl;
	int            b, q, size, n_nonempty = 0;
	const bound   *lo, *hi;

	for (b = 0; b < FUZZ_BATCHES; b++) {
		size = 1 + (int)pp_t_rand_below(&st, 6);
		if (b > 0 && pp_t_rand_below(&st, 2)) {
			next_millisecond(g_model[g_nmodel - 1].id.ms);
		}
		commit_batch(n->client, "fz", size, ids, g_nmodel);
		for (k = 0; k < (size_t)size; k++) {
			g_model[g_nmodel].id = ids[k];
			snprintf(g_model[g_nmodel].body,
			    sizeof(g_model[g_nmodel].body), "b%zu", g_nmodel);
			PP_ASSERT_U64_EQ(ids[k].seq, g_nmodel);
			g_nmodel++;
		}
	}
	for (q = 0; q < FUZZ_QUERIES; q++) {
		is_rev  = pp_t_rand_below(&st, 2) != 0;
		is_excl = pp_t_rand_below(&st, 3) == 0;
		limit   = pp_t_rand_below(&st, 2) ?
		      0 : 1 + pp_t_rand_below(&st, g_nmodel + 2);
		pick_bound(&st, &s);
		pick_bound(&st, &e);
		/* range: start is the lower bound; revrange: the upper. */
		lo    = is_rev ? &e : &s;
		hi    = is_rev ? &s : &e;
		nwant = 0;
		for (i = 0; i < g_nmodel; i++) {
			k = is_rev ? g_nmodel - 1 - i : i;
			if (model_in(&g_model[k], lo, true, is_excl) &&
			    model_in(&g_model[k], hi, false, is_excl) &&
			    (limit == 0 || nwant < limit)) {
				want[nwant++] = k;
			}
		}
		memset(&o, 0, sizeof(o));
		o.start        = s.kind ? s.text : NULL;
		o.end          = e.kind ? e.text : NULL;
		o.is_exclusive = is_excl;
		o.limit        = limit;
		if (is_rev) {
			PP_PASS(pp_revrange(n->client, "fz", &o, &res));
		} else {
			PP_PASS(pp_range(n->client, "fz", &o, &res));
		}
		got = pp_result_count(res);
		for (i = 0; i < got || i < nwant; i++) {
			log = pp_result_log(res, i);
			if (i >= got || i >= nwant || log == NULL ||
			    log->id.ms != g_model[want[i]].id.ms ||
			    log->id.seq != g_model[want[i]].id.seq ||
			    log->len != strlen(g_model[want[i]].body) ||
			    memcmp(log->body, g_model[want[i]].body,
				log->len) != 0) {
				PP_FAIL_AT("query %d: %s start=\"%s\" end=\"%s\" "
				           "excl=%d limit=%zu: got %zu logs, "
				           "model %zu; first difference at %zu "
				           "(got seq %lld, model seq %lld)",
				    q, is_rev ? "revrange" : "range", s.text,
				    e.text, is_excl, limit, got, nwant, i,
				    (i < got && log) ? (long long)log->id.seq :
				                       -1LL,
				    i < nwant ?
				        (long long)g_model[want[i]].id.seq :
				        -1LL);
			}
		}
		PP_ASSERT_TRUE(!pp_result_has_more(res));
		pp_result_free(res);
		if (q % 7 == 0) {
			fuzz_iter(n->client, &o, is_rev, want, nwant, q);
		}
		if (nwant > 0) {
			n_nonempty++;
		}
	}
	/* The generator must exercise both outcomes. */
	PP_ASSERT_INT_CMP(n_nonempty, >, FUZZ_QUERIES / 5);
	PP_ASSERT_INT_CMP(n_nonempty, <, FUZZ_QUERIES);
	pp_t_diag("%zu logs, %d queries, %d non-empty", g_nmodel, FUZZ_QUERIES,
	    n_nonempty);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("three logs of one millisecond answer the peer's examples",
	    test_one_millisecond, 0),
	PP_NODE_CASE("every bound form works on each side, exclusive, reversed and "
	  "limited",
	    test_bound_forms, 0),
	PP_NODE_CASE("invalid id expressions are PP_EINVALID_ID before anything is sent",
	    test_invalid_expressions, 0),
	PP_CASE("pages hold at most 2 MiB and pp_iter walks everything once",
	    test_pages, 120),
	PP_CASE("an iterator includes logs committed during the walk",
	    test_iter_sees_new_logs, 0),
	PP_CASE("a log bigger than a page is still returned",
	    test_log_bigger_than_page, 0),
	PP_NODE_CASE("random range and revrange queries agree with an array model",
	    test_fuzz, 180),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
