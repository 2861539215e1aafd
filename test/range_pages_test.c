/*
 * range_pages_test.c - paged reads against a real node: pages hold at
 * most 2 MiB and pp_iter walks everything once, an iterator includes logs
 * committed during the walk, and a log bigger than a page is returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "range_util.h"

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
test_pages(pp_tnode *n)
{
	pp_record      r[100];
	pp_id          ids[100];
	char          *bodies = malloc(100 * PAGE_BODY);
	pp_range_opts  o;
	pp_result     *res = NULL;
	char           from[PP_ID_STRLEN];
	size_t         i, k, cnt, total;
	int            pass;

	PP_ASSERT_TRUE(bodies != NULL);
	for (k = 0; k < PAGE_LOGS / 100; k++) {
		for (i = 0; i < 100; i++) {
			page_body(bodies + i * PAGE_BODY, k * 100 + i);
			r[i].topic = "pages";
			r[i].body  = bodies + i * PAGE_BODY;
			r[i].len   = PAGE_BODY;
		}
		PP_PASS(pp_commit(n->client, r, 100, ids));
	}
	/* Page by page with pp_range, both directions. */
	for (pass = 0; pass < 2; pass++) {
		memset(&o, 0, sizeof(o));
		total = 0;
		for (;;) {
			if (pass == 0) {
				PP_PASS(pp_range(n->client, "pages", &o, &res));
			} else {
				PP_PASS(pp_revrange(n->client, "pages", &o,
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
	PP_PASS(pp_range(n->client, "pages", &o, &res));
	PP_ASSERT_U64_EQ(pp_result_count(res), 5);
	PP_ASSERT_TRUE(!pp_result_has_more(res));
	pp_result_free(res);
	/* A limit beyond one page: the page ends first. */
	o.limit = 2500;
	PP_PASS(pp_range(n->client, "pages", &o, &res));
	PP_ASSERT_U64_CMP(pp_result_count(res), <, 2500);
	PP_ASSERT_TRUE(pp_result_has_more(res));
	pp_result_free(res);

	/* pp_iter walks everything exactly once, in order. */
	walk(n->client, NULL, false, 0, PAGE_LOGS);
	walk(n->client, NULL, true, PAGE_LOGS - 1, PAGE_LOGS);
	memset(&o, 0, sizeof(o));
	o.limit = 2500;
	walk(n->client, &o, false, 0, 2500);
	walk(n->client, &o, true, PAGE_LOGS - 1, 2500);
	o.limit = 10;
	walk(n->client, &o, true, PAGE_LOGS - 1, 10);
	memset(&o, 0, sizeof(o));
	o.start = ":100";
	o.end   = ":2900";
	walk(n->client, &o, false, 100, 2801);
	o.is_exclusive = true;
	walk(n->client, &o, false, 101, 2799);
	o.is_exclusive = false;
	o.start        = ":2900";
	o.end          = ":100";
	walk(n->client, &o, true, 2900, 2801);
	free(bodies);
}

static void
test_iter_sees_new_logs(pp_tnode *n)
{
	pp_record     r[100];
	pp_id         ids[100];
	char         *bodies = malloc(100 * PAGE_BODY);
	pp_iter      *it     = NULL;
	const pp_log *log;
	size_t        i, k, count = 0;
	int           rv;

	PP_ASSERT_TRUE(bodies != NULL);
	for (k = 0; k < PAGE_LOGS / 100; k++) {
		for (i = 0; i < 100; i++) {
			page_body(bodies + i * PAGE_BODY, k * 100 + i);
			r[i].topic = "pages";
			r[i].body  = bodies + i * PAGE_BODY;
			r[i].len   = PAGE_BODY;
		}
		PP_PASS(pp_commit(n->client, r, 100, ids));
	}
	PP_PASS(pp_iter_open(n->client, "pages", NULL, false, &it));
	PP_ASSERT_INT_EQ(pp_iter_next(it, &log), 1);
	check_page_log(log, 0);
	count = 1;
	/* Logs committed during the walk fall inside its (open) bounds. */
	for (i = 0; i < 10; i++) {
		page_body(bodies, PAGE_LOGS + i);
		r[0].body = bodies;
		PP_PASS(pp_commit(n->client, r, 1, ids));
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
}

static void
test_log_bigger_than_page(pp_tnode *n)
{
	size_t         big_len = 3u << 20;
	char          *big     = malloc(big_len);
	pp_record      r;
	pp_id          id;
	pp_t_logs      logs;
	pp_result     *res = NULL;
	size_t         i;

	PP_ASSERT_TRUE(big != NULL);
	for (i = 0; i < big_len; i++) {
		big[i] = (char)(i * 7 + 3);
	}
	pp_t_commit_str(n->client, "huge", "s0");
	r.topic = "huge";
	r.body  = big;
	r.len   = big_len;
	PP_PASS(pp_commit(n->client, &r, 1, &id));
	pp_t_commit_str(n->client, "huge", "s2");
	PP_PASS(pp_range(n->client, "huge", NULL, &res));
	PP_ASSERT_U64_CMP(pp_result_count(res), >=, 1);
	PP_ASSERT_MEM_EQ(pp_result_log(res, 0)->body,
	    pp_result_log(res, 0)->len, "s0", 2);
	pp_result_free(res);
	pp_t_read_all(n->client, "huge", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 3);
	PP_ASSERT_MEM_EQ(logs.bodies[0], logs.lens[0], "s0", 2);
	PP_ASSERT_MEM_EQ(logs.bodies[1], logs.lens[1], big, big_len);
	PP_ASSERT_MEM_EQ(logs.bodies[2], logs.lens[2], "s2", 2);
	pp_t_logs_free(&logs);
	pp_t_read_all(n->client, "huge", NULL, true, &logs);
	PP_ASSERT_U64_EQ(logs.count, 3);
	PP_ASSERT_MEM_EQ(logs.bodies[0], logs.lens[0], "s2", 2);
	PP_ASSERT_MEM_EQ(logs.bodies[1], logs.lens[1], big, big_len);
	pp_t_logs_free(&logs);
	free(big);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("pages hold at most 2 MiB and pp_iter walks everything "
	    "once",
	    test_pages, 120),
	PP_NODE_CASE("an iterator includes logs committed during the walk",
	    test_iter_sees_new_logs, 0),
	PP_NODE_CASE("a log bigger than a page is still returned",
	    test_log_bigger_than_page, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
