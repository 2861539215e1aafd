/*
 * metrics_stats_test.c - pp_stats() of a real node (issue 5 item 4):
 * counters, rates, histograms, store size, topics and procs; the reclaim
 * timer, dead letters, GC and retention counted; paging past one page of
 * topics and procs; pp_stats_json(); and the stats frames.
 *
 * Nothing sleeps for a fixed time: figures the node updates on its own
 * (the timer, GC) are polled with PP_WAIT_UNTIL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"
#include "wire_stats.h"
#include "metrics_util.h"

static const pp_topic_stats *
metrics_topic_of(const pp_stats_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < pp_stats_topic_count(r); i++) {
		if (strcmp(pp_stats_topic(r, i)->name, name) == 0) {
			return (pp_stats_topic(r, i));
		}
	}
	PP_FAIL_AT("no topic %s in pp_stats()", name);
}

static const pp_proc_stats *
metrics_proc_of(const pp_stats_report *r, const char *name)
{
	size_t i;

	for (i = 0; i < pp_stats_proc_count(r); i++) {
		if (strcmp(pp_stats_proc(r, i)->name, name) == 0) {
			return (pp_stats_proc(r, i));
		}
	}
	PP_FAIL_AT("no proc %s in pp_stats()", name);
}

/* ---- cases: pp_stats --------------------------------------------------------- */

static void
test_commit_counters(pp_tnode *n)
{
	pp_record              recs[3] = { { "orders", "aa", 2 },
                     { "orders", "bbb", 3 }, { "audit", "c", 1 } };
	pp_stats_report       *r;
	const pp_node_stats   *st;
	const pp_topic_stats  *t;
	pp_id                  ids[3];
	int                    i;

	r = metrics_stats_of(n->client);
	st = pp_stats_node(r);
	PP_ASSERT_U64_EQ(st->commits, 0);
	PP_ASSERT_U64_EQ(st->logs, 0);
	PP_ASSERT_U64_EQ(pp_stats_topic_count(r), 0);
	PP_ASSERT_U64_EQ(pp_stats_proc_count(r), 0);
	PP_ASSERT_TRUE(st->started_ms <= st->now_ms);
	PP_ASSERT_U64_CMP(st->store_file_bytes, >, 0);
	PP_ASSERT_U64_CMP(st->store_used_bytes, >, 0);
	PP_ASSERT_U64_CMP(st->map_bytes, >=, st->store_used_bytes);
	PP_ASSERT_U64_EQ(st->max_store_bytes, 0);
	pp_stats_free(r);

	/* Three commits of three logs (6 bytes), each awaited: three
	 * commit requests, each in its own group. */
	for (i = 0; i < 3; i++) {
		PP_PASS(pp_commit(n->client, recs, 3, ids));
	}
	r  = metrics_stats_of(n->client);
	st = pp_stats_node(r);
	PP_ASSERT_U64_EQ(st->commits, 3);
	PP_ASSERT_U64_EQ(st->logs, 9);
	PP_ASSERT_U64_EQ(st->bytes, 18);
	PP_ASSERT_U64_CMP(st->write_requests, >=, 3);
	PP_ASSERT_U64_EQ(st->write_latency_us.count, 3);
	PP_ASSERT_U64_CMP(st->write_latency_us.sum, >, 0);
	PP_ASSERT_U64_EQ(st->write_latency_us.le[st->write_latency_us.nbuckets - 1],
	    UINT64_MAX);
	PP_ASSERT_U64_CMP(st->group_sizes.count, >=, 1);
	PP_ASSERT_U64_EQ(st->group_sizes.sum, st->write_requests);
	/* Within the first 10 s the window reaches back to the start. */
	PP_ASSERT_TRUE(st->logs_per_s > 0 && st->commits_per_s > 0 &&
	    st->bytes_per_s > 0);
	PP_ASSERT_U64_CMP(st->rate_window_ms, <=, 10000);
	PP_ASSERT_U64_EQ(pp_stats_topic_count(r), 2);
	/* Name order: audit, orders. */
	PP_ASSERT_STR_EQ(pp_stats_topic(r, 0)->name, "audit");
	PP_ASSERT_TRUE(pp_stats_topic(r, 2) == NULL);
	t = metrics_topic_of(r, "orders");
	PP_ASSERT_U64_EQ(t->count, 6);
	PP_ASSERT_U64_EQ(t->bytes, 15);
	PP_ASSERT_U64_EQ(t->next_seq, 6);
	PP_ASSERT_U64_EQ(t->first.seq, 0);
	PP_ASSERT_U64_EQ(t->last.seq, 5);
	PP_ASSERT_U64_EQ(t->last.ms, ids[1].ms);
	PP_ASSERT_U64_EQ(t->max_count, 0);
	pp_stats_free(r);

	/* Retention limits show up. */
	PP_PASS(pp_topic_config(n->client, "orders", 0, 1000, 0));
	r = metrics_stats_of(n->client);
	PP_ASSERT_U64_EQ(metrics_topic_of(r, "orders")->max_count, 1000);
	pp_stats_free(r);
}

static void
test_procs(pp_tnode *n)
{
	pp_proc_opts         opts = PP_PROC_OPTS_INIT;
	pp_stats_report     *r;
	const pp_proc_stats *p;
	pp_claim            *cl;
	pp_id                first;
	int                  i;

	first = pp_t_commit_str(n->client, "jobs", "j0");
	for (i = 1; i < 5; i++) {
		pp_t_commit_str(n->client, "jobs", "jx");
	}
	opts.count = 2;
	cl         = metrics_claim(n->client, "jobs", "worker", &opts, 2);
	PP_PASS(pp_reclaim(n->client, "worker", pp_claim_token(cl), "boom"));
	pp_claim_free(cl);

	r = metrics_stats_of(n->client);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->reclaims, 1);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->timer_reclaims, 0);
	PP_ASSERT_U64_EQ(pp_stats_proc_count(r), 1);
	p = metrics_proc_of(r, "worker");
	PP_ASSERT_STR_EQ(p->topic, "jobs");
	PP_ASSERT_TRUE(!p->is_disabled && !p->has_claim);
	PP_ASSERT_U64_EQ(p->lag, 5);
	PP_ASSERT_U64_EQ(p->reclaims, 1);
	PP_ASSERT_U64_EQ(p->oldest_unacked_ms, first.ms);
	/* Measured on the node's clock, which is also ours. */
	PP_ASSERT_U64_CMP(p->oldest_unacked_age_ms, <=,
	    pp_t_now_ms() - first.ms + 1);
	pp_stats_free(r);

	/* Claim and ack: lag drops, the reclaims in a row reset. */
	cl = metrics_claim(n->client, "jobs", "worker", &opts, 2);
	PP_PASS(pp_ack(n->client, "worker", pp_claim_token(cl), NULL));
	pp_claim_free(cl);
	PP_PASS(pp_proc_disable(n->client, "worker", NULL));
	r = metrics_stats_of(n->client);
	p = metrics_proc_of(r, "worker");
	PP_ASSERT_U64_EQ(p->lag, 3);
	PP_ASSERT_U64_EQ(p->reclaims, 0);
	PP_ASSERT_TRUE(p->is_disabled);
	PP_ASSERT_U64_CMP(p->last_acked_ms, >, 0);
	pp_stats_free(r);
}

static void
test_timer_and_dead_letters(pp_tnode *n)
{
	pp_proc_opts     opts = PP_PROC_OPTS_INIT;
	pp_stats_report *r;
	pp_claim        *cl;

	pp_t_commit_str(n->client, "mail", "m0");
	pp_t_commit_str(n->client, "mail", "m1");
	opts.count              = 2;
	opts.max_reclaims       = 1;
	opts.reclaim_timeout_ms = 100;
	opts.on_max_reclaims    = PP_ON_MAX_DEADLETTER;
	cl = metrics_claim(n->client, "mail", "sender", &opts, 2);
	pp_claim_free(cl);
	/* The timer reclaims; max_reclaims 1: the logs go to mail.dead. */
	PP_WAIT_UNTIL(NODE_FIGURE(n->client, timer_reclaims) == 1, 5000);
	r = metrics_stats_of(n->client);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->reclaims, 1);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->dead_letters, 2);
	/* Two logs committed, two dead letters appended. */
	PP_ASSERT_U64_EQ(pp_stats_node(r)->logs, 4);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->commits, 2);
	PP_ASSERT_U64_EQ(metrics_topic_of(r, "mail.dead")->count, 2);
	PP_ASSERT_U64_EQ(metrics_proc_of(r, "sender")->lag, 0);
	pp_stats_free(r);
}

static void
test_gc_and_retention(void)
{
	pp_spawn_opts    o;
	pp_stats_report *r;
	pp_tnode         n;
	int              i;

	memset(&o, 0, sizeof(o));
	o.is_gc                = true;
	o.gc_interval_ms       = 100;
	o.gc_min_prune_time_ms = 1; /* 0 would mean the default 30 s */
	pp_t_node_init(&n);
	pp_t_node_start(&n, &o);
	for (i = 0; i < 5; i++) {
		pp_t_commit_str(n.client, "scratch", "s");
	}
	/* No procs: GC collects them by age; each run is counted. */
	PP_WAIT_UNTIL(NODE_FIGURE(n.client, gc_collected) == 5, 5000);
	PP_WAIT_UNTIL(NODE_FIGURE(n.client, gc_runs) >= 2, 5000);
	PP_ASSERT_U64_EQ(NODE_FIGURE(n.client, retention_dropped), 0);
	pp_t_node_stop(&n);

	/* Without GC, retention alone drops what is over the limit. */
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	for (i = 0; i < 4; i++) {
		pp_t_commit_str(n.client, "capped", "c");
	}
	PP_PASS(pp_topic_config(n.client, "capped", 0, 1, 0));
	PP_WAIT_UNTIL(NODE_FIGURE(n.client, retention_dropped) == 3, 5000);
	r = metrics_stats_of(n.client);
	PP_ASSERT_U64_EQ(pp_stats_node(r)->gc_collected, 3);
	PP_ASSERT_U64_EQ(metrics_topic_of(r, "capped")->count, 1);
	PP_ASSERT_U64_EQ(metrics_topic_of(r, "capped")->next_seq, 4);
	pp_stats_free(r);
	pp_t_node_stop(&n);
}

#define MANY_TOPICS 1234

#define MANY_PROCS 520

static void
test_paging(void)
{
	pp_record       *recs = calloc(MANY_TOPICS, sizeof(*recs));
	char            (*names)[16] = calloc(MANY_TOPICS, sizeof(*names));
	pp_id           *ids = calloc(MANY_TOPICS, sizeof(*ids));
	pp_proc_opts     opts = PP_PROC_OPTS_INIT;
	pp_stats_report *r;
	pp_claim        *cl;
	pp_tnode         n;
	char             name[32];
	size_t           i;

	PP_ASSERT_TRUE(recs != NULL && names != NULL && ids != NULL);
	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	for (i = 0; i < MANY_TOPICS; i++) {
		pp_t_format(names[i], sizeof(names[i]), "t%05zu", i);
		recs[i].topic = names[i];
		recs[i].body  = "x";
		recs[i].len   = 1;
	}
	PP_PASS(pp_commit(n.client, recs, MANY_TOPICS, ids));
	for (i = 0; i < MANY_PROCS; i++) {
		pp_t_format(name, sizeof(name), "p%05zu", i);
		PP_PASS(pp_proc(n.client, "t00000", name, &opts, 0, &cl));
		pp_claim_free(cl);
	}
	r = metrics_stats_of(n.client);
	PP_ASSERT_U64_EQ(pp_stats_topic_count(r), MANY_TOPICS);
	PP_ASSERT_U64_EQ(pp_stats_proc_count(r), MANY_PROCS);
	for (i = 0; i < MANY_TOPICS; i++) {
		PP_ASSERT_STR_EQ(pp_stats_topic(r, i)->name, names[i]);
	}
	for (i = 0; i < MANY_PROCS; i++) {
		pp_t_format(name, sizeof(name), "p%05zu", i);
		PP_ASSERT_STR_EQ(pp_stats_proc(r, i)->name, name);
		PP_ASSERT_TRUE(pp_stats_proc(r, i)->has_claim);
	}
	pp_stats_free(r);
	pp_t_node_stop(&n);
	free(recs);
	free(names);
	free(ids);
}

static void
test_json_and_arguments(pp_tnode *n)
{
	pp_proc_opts     opts = PP_PROC_OPTS_INIT;
	pp_stats_report *r;
	pp_claim        *cl;
	char            *json = NULL;

	PP_FAIL(pp_stats(NULL, &r), PP_ENOTCONN);
	PP_FAIL(pp_stats_json(NULL, &json), PP_EINVAL);
	pp_stats_free(NULL);
	PP_ASSERT_TRUE(pp_stats_node(NULL) == NULL);
	PP_ASSERT_U64_EQ(pp_stats_topic_count(NULL), 0);
	PP_ASSERT_TRUE(pp_stats_proc(NULL, 0) == NULL);

	PP_FAIL(pp_stats(n->client, NULL), PP_EINVAL);
	pp_t_commit_str(n->client, "orders", "hello");
	cl = metrics_claim(n->client, "orders", "billing", &opts, 1);
	pp_claim_free(cl);
	r = metrics_stats_of(n->client);
	PP_FAIL(pp_stats_json(r, NULL), PP_EINVAL);
	PP_PASS(pp_stats_json(r, &json));
	PP_ASSERT_TRUE(json[0] == '{' && json[strlen(json) - 1] == '}');
	PP_ASSERT_TRUE(strstr(json, "\"logs\":1,") != NULL);
	PP_ASSERT_TRUE(strstr(json, "\"bytes\":5,") != NULL);
	PP_ASSERT_TRUE(strstr(json, "\"topics\":[{\"name\":\"orders\","
	    "\"count\":1,\"bytes\":5,") != NULL);
	PP_ASSERT_TRUE(strstr(json, "\"procs\":[{\"name\":\"billing\","
	    "\"topic\":\"orders\",\"status\":\"active\",\"has_claim\":true,"
	    "\"lag\":1,") != NULL);
	PP_ASSERT_TRUE(strstr(json, "\"write_latency_us\":{\"le\":[") != NULL);
	free(json);
	pp_stats_free(r);
}

static void
test_frames(void)
{
	ppi_request req;
	ppi_buf     b;
	char        msg[256];

	/* A request with an unknown part is a protocol error. */
	ppi_buf_init(&b);
	ppi_wire_stats(&b, PPI_STATS_PROCS, "p1");
	PP_PASS(ppi_wire_request_decode(b.data, b.len, &req, msg, sizeof(msg)));
	PP_ASSERT_INT_EQ(req.op, PPI_OP_STATS);
	PP_ASSERT_U64_EQ(req.part, PPI_STATS_PROCS);
	PP_ASSERT_MEM_EQ(req.after.ptr, req.after.len, "p1", 2);
	ppi_wire_request_fini(&req);
	ppi_buf_fini(&b);
	/* {"v":1, "op":"stats", "part":"nodes"} */
	PP_FAIL(ppi_wire_request_decode("\x83\xa1v\x01\xa2op\xa5stats\xa4part"
	                                "\xa5nodes",
	            29, &req, msg, sizeof(msg)),
	    PP_EPROTO);
	ppi_wire_request_fini(&req);
	/* ... and without a part. */
	PP_FAIL(ppi_wire_request_decode("\x82\xa1v\x01\xa2op\xa5stats", 13,
	            &req, msg, sizeof(msg)),
	    PP_EPROTO);
	ppi_wire_request_fini(&req);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("pp_stats counts commits, logs, bytes, group commits and "
	    "write latency, and describes the store and every topic",
	    test_commit_counters, 0),
	PP_NODE_CASE("pp_stats reports each proc's lag, oldest unacked log, "
	    "reclaims in a row and state",
	    test_procs, 0),
	PP_NODE_CASE("the reclaim timer and dead letters are counted",
	    test_timer_and_dead_letters, 0),
	PP_CASE("GC runs, collected logs and retention drops are counted",
	    test_gc_and_retention, 0),
	PP_CASE("pp_stats pages through 1,234 topics and 520 procs in name "
	    "order",
	    test_paging, 120),
	PP_NODE_CASE("pp_stats_json writes one JSON object and bad arguments "
	    "are refused",
	    test_json_and_arguments, 0),
	PP_CASE("stats requests round-trip and an unknown part is PP_EPROTO",
	    test_frames, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
