/*
 * gc_test.c - collection of logs by a real node (issue 5 items 1 and 6;
 * SPEC §3, PEER §15 with the fixes of PEER §23.2): collection by age for
 * topics without procs, the floor of procs that never acked, hold a claim,
 * are disabled or start later, GC off by default and its node options, a
 * first run before any topic exists, hyphenated topic names, many logs in
 * several steps while commits go on, reads after GC and restarts.
 *
 * Conventions: topic logs are committed with the body "<topic>-<seq>", so
 * what remains can be checked by sequences and bodies alone. Nothing sleeps
 * for a fixed time. To show that a log is NOT collected, a case commits a
 * log to a fresh control topic without procs *after* it and waits until GC
 * has collected that control log by age (gc_passed): the run that did so
 * had a cutoff at or after the protected log's millisecond, and visited
 * every topic. Where a case needs logs of different ages it waits for the
 * wall clock, and every assertion that depends on timing is stated so that
 * it holds however slow the machine is (a log younger than the minimum
 * prune time when we look cannot have been collected).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "harness.h"
#include "proc_util.h"

#define BODY_MAX 96
#define INTERVAL_MS 100 /* gc_interval_ms of every GC node here */
#define PRUNE_MS 250    /* gc_min_prune_time_ms, before scaling */
#define WAIT_MS 5000    /* deadline of a wait for GC, before scaling */

/* ---- nodes ---------------------------------------------------------------- */

/* Options of a node with GC: interval INTERVAL_MS, the given prune time. */
static pp_spawn_opts
gc_opts(uint32_t prune_ms)
{
	pp_spawn_opts o;

	memset(&o, 0, sizeof(o));
	o.is_gc = true;
	o.gc_min_prune_time_ms = prune_ms;
	o.gc_interval_ms = INTERVAL_MS;
	return (o);
}

/* The minimum prune time of the cases, scaled like the timeouts so that a
 * slow (sanitized) run keeps the same margins. */
static uint32_t
prune_ms(void)
{
	return ((uint32_t)pp_t_scaled(PRUNE_MS));
}

static void
start_gc_node(pp_tnode *n, uint32_t prune)
{
	pp_spawn_opts o = gc_opts(prune);

	pp_t_node_init(n);
	pp_t_node_start(n, &o);
}

/* Body bytes of logs first..first+n-1 of `topic` ("<topic>-<seq>"). */
static uint64_t
bytes_of(const char *topic, uint64_t first, uint64_t n)
{
	char     body[BODY_MAX];
	uint64_t i, total = 0;

	for (i = 0; i < n; i++) {
		total += (uint64_t)snprintf(body, sizeof(body), "%s-%" PRIu64,
		    topic, first + i);
	}
	return (total);
}

static uint64_t
length_at(int line, pp_client *c, const char *topic)
{
	uint64_t n = 0;
	int      rv;

	if ((rv = pp_length(c, topic, &n)) != 0) {
		pp_t_fail(__FILE__, line, "pp_length(%s) returned %s", topic,
		    pp_errname(rv));
	}
	return (n);
}

static pp_topic_info
stat_at(int line, pp_client *c, const char *topic)
{
	pp_topic_info info;
	int           rv;

	memset(&info, 0, sizeof(info));
	if ((rv = pp_topic_stat(c, topic, &info)) != 0) {
		pp_t_fail(__FILE__, line, "pp_topic_stat(%s) returned %s",
		    topic, pp_errname(rv));
	}
	return (info);
}

/* Polls pp_length until it is `want`; fails with the last value after
 * timeout_ms (scaled). */
static void
wait_length_at(int line, pp_client *c, const char *topic, uint64_t want,
    int timeout_ms)
{
	uint64_t end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(timeout_ms);
	uint64_t got;

	while ((got = length_at(line, c, topic)) != want) {
		if (pp_t_mono_ms() > end) {
			pp_t_fail(__FILE__, line,
			    "length of %s is %" PRIu64 ", expected %" PRIu64
			    " within %d ms",
			    topic, got, want, timeout_ms);
		}
		pp_t_nap();
	}
}
#define WAIT_LENGTH(c, topic, want)                                            \
	wait_length_at(__LINE__, (c), (topic), (want), WAIT_MS)

/*
 * The topic holds exactly the logs first..first+n-1 with their bodies (read
 * with pp_iter, forward and backward), pp_length is n, and pp_topic_stat
 * reports n logs, their bytes, the first and last of them and next_seq.
 */
static void
expect_stored_at(int line, pp_client *c, const char *topic, uint64_t first,
    uint64_t n, uint64_t next_seq)
{
	char          body[BODY_MAX];
	pp_t_logs     fwd, rev;
	pp_topic_info info;
	uint64_t      i, len;

	pp_t_read_all(c, topic, NULL, false, &fwd);
	pp_t_read_all(c, topic, NULL, true, &rev);
	if (fwd.count != n || rev.count != n) {
		pp_t_fail(__FILE__, line,
		    "%s holds %zu logs (%zu backward) from seq %" PRIu64
		    ", expected %" PRIu64 " from %" PRIu64,
		    topic, fwd.count, rev.count,
		    fwd.count > 0 ? fwd.ids[0].seq : (uint64_t)0, n, first);
	}
	for (i = 0; i < n; i++) {
		snprintf(body, sizeof(body), "%s-%" PRIu64, topic, first + i);
		if (fwd.ids[i].seq != first + i ||
		    strcmp(fwd.bodies[i], body) != 0) {
			pp_t_fail(__FILE__, line,
			    "%s: log %" PRIu64 " is seq %" PRIu64
			    " \"%s\", expected \"%s\"",
			    topic, i, fwd.ids[i].seq, fwd.bodies[i], body);
		}
		if (pp_t_id_cmp(rev.ids[n - 1 - i], fwd.ids[i]) != 0) {
			pp_t_fail(__FILE__, line,
			    "%s: backward walk differs at seq %" PRIu64, topic,
			    first + i);
		}
	}
	len = length_at(line, c, topic);
	info = stat_at(line, c, topic);
	if (len != n || info.count != n) {
		pp_t_fail(__FILE__, line,
		    "%s: length %" PRIu64 ", stat count %" PRIu64
		    ", expected %" PRIu64,
		    topic, len, info.count, n);
	}
	if (info.bytes != bytes_of(topic, first, n)) {
		pp_t_fail(__FILE__, line,
		    "%s: stat bytes %" PRIu64 ", expected %" PRIu64, topic,
		    info.bytes, bytes_of(topic, first, n));
	}
	if (info.next_seq != next_seq) {
		pp_t_fail(__FILE__, line,
		    "%s: next_seq %" PRIu64 ", expected %" PRIu64, topic,
		    info.next_seq, next_seq);
	}
	if (n > 0 &&
	    (pp_t_id_cmp(info.first, fwd.ids[0]) != 0 ||
	        pp_t_id_cmp(info.last, fwd.ids[n - 1]) != 0)) {
		pp_t_fail(__FILE__, line,
		    "%s: stat first/last %" PRIu64 "-%" PRIu64 " / %" PRIu64
		    "-%" PRIu64 " are not the stored logs",
		    topic, info.first.ms, info.first.seq, info.last.ms,
		    info.last.seq);
	}
	pp_t_logs_free(&fwd);
	pp_t_logs_free(&rev);
}
#define EXPECT_STORED(c, topic, first, n, next_seq)                            \
	expect_stored_at(__LINE__, (c), (topic), (first), (n), (next_seq))

/*
 * Commits a log to a fresh control topic without procs and waits until GC
 * has collected it by age. Every log committed before this call was then
 * old enough for that run, and that run visited every topic: what is still
 * stored afterwards was kept by the rules, not by timing.
 */
static void
gc_passed_at(int line, pp_client *c)
{
	static int k;
	char       topic[32];

	snprintf(topic, sizeof(topic), "zz-control-%d", k++);
	proc_commit_at(__FILE__, line, c, topic, 0, 1, 0, 0, NULL);
	wait_length_at(line, c, topic, 0, WAIT_MS);
}
#define GC_PASSED(c) gc_passed_at(__LINE__, (c))

/* Waits until the wall clock (the clock of log ids) reaches `ms`. */
static void
wait_clock(uint64_t ms)
{
	PP_WAIT_UNTIL(pp_t_now_ms() >= ms, 60000);
}

/* ---- procs ----------------------------------------------------------------- */

static pp_proc_opts
proc_opts(const char *offset, uint32_t count)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;

	o.offset = offset;
	o.count = count;
	o.reclaim_timeout_ms = -1; /* claims stay until the case acks */
	return (o);
}

/* ---- cases ------------------------------------------------------------------- */

static void
test_age_without_procs(void)
{
	uint32_t      prune = prune_ms();
	pp_tnode      n;
	pp_id         old[3], fresh[2], more;
	pp_topic_info before, info;
	pp_t_logs     logs;
	uint64_t      len, t_after, t_done;

	start_gc_node(&n, prune);
	COMMIT_SEQS(n.client, "t", 0, 3, old);
	before = stat_at(__LINE__, n.client, "t");
	/* The second batch is younger by 3/4 of the prune time: GC takes the
	 * first batch at least that long before it may take the second. */
	wait_clock(old[2].ms + prune * 3 / 4);
	COMMIT_SEQS(n.client, "t", 3, 2, fresh);
	PP_ASSERT_U64_CMP(fresh[0].ms, >, old[2].ms);

	/* Nothing goes before it is older than the prune time. */
	for (;;) {
		len = length_at(__LINE__, n.client, "t");
		t_after = pp_t_now_ms();
		if (len != 5) {
			break;
		}
		if (t_after > old[2].ms + (uint64_t)pp_t_scaled(WAIT_MS)) {
			PP_FAIL_AT("the old logs were not collected");
		}
		pp_t_nap();
	}
	PP_ASSERT_U64_CMP(t_after, >=, old[0].ms + prune);

	/* The old batch went, the fresh one stayed: as long as the fresh
	 * logs are younger than the prune time, they must all be there. */
	info = stat_at(__LINE__, n.client, "t");
	pp_t_read_all(n.client, "t", NULL, false, &logs);
	t_done = pp_t_now_ms();
	if (t_done < fresh[0].ms + prune) {
		PP_ASSERT_U64_EQ(len, 2);
		PP_ASSERT_U64_EQ(info.count, 2);
		PP_ASSERT_U64_EQ(info.bytes, bytes_of("t", 3, 2));
		PP_ASSERT_INT_EQ(pp_t_id_cmp(info.first, fresh[0]), 0);
		PP_ASSERT_INT_EQ(pp_t_id_cmp(info.last, fresh[1]), 0);
		PP_ASSERT_U64_EQ(logs.count, 2);
		PP_ASSERT_INT_EQ(pp_t_id_cmp(logs.ids[0], fresh[0]), 0);
		PP_ASSERT_INT_EQ(pp_t_id_cmp(logs.ids[1], fresh[1]), 0);
		PP_ASSERT_STR_EQ(logs.bodies[0], "t-3");
		PP_ASSERT_STR_EQ(logs.bodies[1], "t-4");
	} else {
		pp_t_diag("too slow to look at the fresh logs before their "
		          "prune time (%" PRIu64 " ms late)",
		    t_done - fresh[0].ms - prune);
		PP_ASSERT_TRUE(len == 2 || len == 0);
	}
	pp_t_logs_free(&logs);
	PP_ASSERT_U64_EQ(info.next_seq, 5);
	PP_ASSERT_U64_EQ(info.created_ms, before.created_ms);

	/* Then the fresh batch goes too; the topic stays, empty. */
	WAIT_LENGTH(n.client, "t", 0);
	PP_ASSERT_U64_CMP(pp_t_now_ms(), >=, fresh[1].ms + prune);
	EXPECT_STORED(n.client, "t", 5, 0, 5);
	info = stat_at(__LINE__, n.client, "t");
	PP_ASSERT_U64_EQ(info.bytes, 0);
	PP_ASSERT_U64_EQ(info.created_ms, before.created_ms);
	{
		pp_topic_list *l = NULL;

		PP_PASS(pp_topics(n.client, &l));
		PP_ASSERT_U64_EQ(pp_topic_list_count(l), 1);
		PP_ASSERT_STR_EQ(pp_topic_list_get(l, 0)->name, "t");
		PP_ASSERT_U64_EQ(pp_topic_list_get(l, 0)->count, 0);
		PP_ASSERT_U64_EQ(pp_topic_list_get(l, 0)->next_seq, 5);
		pp_topic_list_free(l);
	}

	/* New commits continue the sequence. */
	COMMIT_SEQS(n.client, "t", 5, 1, &more);
	EXPECT_STORED(n.client, "t", 5, 1, 6);
	PP_ASSERT_U64_CMP(more.ms, >=, fresh[1].ms);
	WAIT_LENGTH(n.client, "t", 0);
	pp_t_node_stop(&n);
}

static void
test_off_by_default(void)
{
	static const char *const no_gc_flag[] = { "--gc-min-prune-time", "0",
		"--gc-interval", "50", NULL };
	pp_spawn_opts fields_only, ref_opts;
	pp_tnode      spawned, direct, ref;
	pp_client    *dc;
	int           i, st;

	/* GC fields without is_gc, and the node's GC values without --gc. */
	memset(&fields_only, 0, sizeof(fields_only));
	fields_only.gc_min_prune_time_ms = 1;
	fields_only.gc_interval_ms = 50;
	pp_t_node_init(&spawned);
	pp_t_node_start(&spawned, &fields_only);
	pp_t_node_init(&direct);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&direct, no_gc_flag), 0);
	dc = pp_t_connect(direct.address);
	/* A node with GC, as a clock of GC runs. */
	memset(&ref_opts, 0, sizeof(ref_opts));
	ref_opts.is_gc = true;
	ref_opts.gc_min_prune_time_ms = 1;
	ref_opts.gc_interval_ms = 50;
	pp_t_node_init(&ref);
	pp_t_node_start(&ref, &ref_opts);

	COMMIT_SEQS(spawned.client, "t", 0, 3, NULL);
	COMMIT_SEQS(dc, "t", 0, 3, NULL);
	COMMIT_SEQS(ref.client, "t", 0, 3, NULL);
	/* Several runs of the reference node, each an interval apart. */
	WAIT_LENGTH(ref.client, "t", 0);
	for (i = 0; i < 4; i++) {
		GC_PASSED(ref.client);
	}
	EXPECT_STORED(spawned.client, "t", 0, 3, 3);
	EXPECT_STORED(dc, "t", 0, 3, 3);

	PP_PASS(pp_shutdown(dc));
	pp_close(dc);
	st = pp_t_node_wait(&direct, 10000);
	PP_ASSERT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	pp_t_node_stop(&spawned);
	pp_t_node_stop(&ref);
}

static void
test_node_options(void)
{
	static const char *const zero_interval[] = { "--gc", "--gc-interval",
		"0", NULL };
	static const char *const bad_prune[] = { "--gc",
		"--gc-min-prune-time", "soon", NULL };
	static const char *const no_value[] = { "--gc", "--gc-interval", NULL };
	static const char *const zero_prune[] = { "--gc",
		"--gc-min-prune-time", "0", "--gc-interval", "50", NULL };
	pp_tnode   n;
	pp_client *c;
	int        st;

	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, zero_interval), -1);
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, bad_prune), -1);
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, no_value), -1);

	/* A minimum prune time of 0 collects whatever a run finds. */
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, zero_prune), 0);
	c = pp_t_connect(n.address);
	COMMIT_SEQS(c, "t", 0, 4, NULL);
	WAIT_LENGTH(c, "t", 0);
	EXPECT_STORED(c, "t", 4, 0, 4);
	PP_PASS(pp_shutdown(c));
	pp_close(c);
	st = pp_t_node_wait(&n, 10000);
	PP_ASSERT_TRUE(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
test_first_run_without_topics(void)
{
	pp_tnode n;
	uint64_t started;

	started = pp_t_now_ms();
	start_gc_node(&n, prune_ms());
	/* Let the first runs find an empty store (PEER §15.1: the peer's GC
	 * never ran again after that). */
	wait_clock(started + 3 * INTERVAL_MS);
	{
		pp_topic_list *l = NULL;

		PP_PASS(pp_topics(n.client, &l));
		PP_ASSERT_U64_EQ(pp_topic_list_count(l), 0);
		pp_topic_list_free(l);
	}
	COMMIT_SEQS(n.client, "t", 0, 3, NULL);
	WAIT_LENGTH(n.client, "t", 0);
	/* And it keeps running. */
	COMMIT_SEQS(n.client, "t", 3, 2, NULL);
	COMMIT_SEQS(n.client, "u", 0, 1, NULL);
	WAIT_LENGTH(n.client, "t", 0);
	WAIT_LENGTH(n.client, "u", 0);
	EXPECT_STORED(n.client, "t", 5, 0, 5);
	pp_t_node_stop(&n);
}

static void
test_never_acked_and_claims(void)
{
	pp_proc_opts one = proc_opts(">", 1);
	pp_proc_opts two = proc_opts(">", 2);
	pp_proc_opts all = proc_opts(">", 10);
	pp_tnode     n;
	uint64_t     tok, tok_c;

	/* Procs are created before their topics' logs, so a minimum prune
	 * time of 1 ms cannot race with their creation. */
	start_gc_node(&n, 1);
	/* "never" never claimed a log and never acked. */
	CLAIM_EXPECT(n.client, "a", "never", &one, 0, 0);
	COMMIT_SEQS(n.client, "a", 0, 4, NULL);
	/* "p" acked its first claim and holds a second one. */
	CLAIM_EXPECT(n.client, "b", "p", &two, 0, 0);
	COMMIT_SEQS(n.client, "b", 0, 6, NULL);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "b", "p", &two, 0, 2));
	tok = CLAIM_EXPECT(n.client, "b", "p", &two, 2, 2);
	/* "held" holds the first log of its topic and never acked, while
	 * "ahead" has read everything (PEER §15.4 lost logs here). */
	CLAIM_EXPECT(n.client, "c", "held", &one, 0, 0);
	CLAIM_EXPECT(n.client, "c", "ahead", &all, 0, 0);
	COMMIT_SEQS(n.client, "c", 0, 3, NULL);
	tok_c = CLAIM_EXPECT(n.client, "c", "held", &one, 0, 1);
	ACK(n.client, "ahead", CLAIM_EXPECT(n.client, "c", "ahead", &all, 0, 3));
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "a", 0, 4, 4);
	EXPECT_STORED(n.client, "b", 2, 4, 6);
	EXPECT_STORED(n.client, "c", 0, 3, 3);

	/* After the ack the logs before the cursor go, the rest stays. */
	ACK(n.client, "p", tok);
	WAIT_LENGTH(n.client, "b", 2);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "b", 4, 2, 6);
	ACK(n.client, "held", tok_c);
	WAIT_LENGTH(n.client, "c", 2);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "c", 1, 2, 3);
	/* The next claim pins its logs again until acked. */
	tok = CLAIM_EXPECT(n.client, "b", "p", &two, 4, 2);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "b", 4, 2, 6);
	ACK(n.client, "p", tok);
	WAIT_LENGTH(n.client, "b", 0);
	EXPECT_STORED(n.client, "b", 6, 0, 6);
	/* "never" still pins all of "a" ... */
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "a", 0, 4, 4);
	/* ... until it acks. */
	ACK(n.client, "never", CLAIM_EXPECT(n.client, "a", "never", &one, 0, 1));
	WAIT_LENGTH(n.client, "a", 3);
	EXPECT_STORED(n.client, "a", 1, 3, 4);
	pp_t_node_stop(&n);
}

static void
test_disabled_proc(void)
{
	pp_proc_opts two = proc_opts(">", 2);
	pp_tnode     n;
	uint64_t     tok;

	start_gc_node(&n, 1);
	/* "d" acked two logs, then was disabled without a claim. */
	CLAIM_EXPECT(n.client, "t", "d", &two, 0, 0);
	COMMIT_SEQS(n.client, "t", 0, 6, NULL);
	ACK(n.client, "d", CLAIM_EXPECT(n.client, "t", "d", &two, 0, 2));
	PP_PASS(pp_proc_disable(n.client, "d", NULL));
	/* "e" never acked and was disabled holding its first claim. */
	CLAIM_EXPECT(n.client, "u", "e", &two, 0, 0);
	COMMIT_SEQS(n.client, "u", 0, 3, NULL);
	tok = CLAIM_EXPECT(n.client, "u", "e", &two, 0, 2);
	PP_PASS(pp_proc_disable(n.client, "e", NULL));
	GC_PASSED(n.client);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "t", 2, 4, 6);
	EXPECT_STORED(n.client, "u", 0, 3, 3);

	/* Resumed and acked, "e" releases what it read. */
	PP_PASS(pp_proc_resume(n.client, "e", NULL));
	ACK(n.client, "e", tok);
	WAIT_LENGTH(n.client, "u", 1);
	EXPECT_STORED(n.client, "u", 2, 1, 3);
	/* Destroyed, "d" pins nothing: "t" is a topic without procs. */
	PP_PASS(pp_proc_destroy(n.client, "d", NULL));
	WAIT_LENGTH(n.client, "t", 0);
	EXPECT_STORED(n.client, "t", 6, 0, 6);
	pp_t_node_stop(&n);
}

static void
test_later_start(void)
{
	pp_proc_opts newest = proc_opts("$>", 10);
	pp_proc_opts at_ms;
	pp_tnode     n;
	pp_id        ids[2];
	char         offset[PP_ID_STRLEN];
	uint64_t     t;

	start_gc_node(&n, 1);
	/* "$>": the logs before its creation are not needed by it (GC may
	 * take them even before it exists). */
	COMMIT_SEQS(n.client, "t", 0, 3, NULL);
	CLAIM_EXPECT(n.client, "t", "new", &newest, 0, 0);
	COMMIT_SEQS(n.client, "t", 3, 3, NULL);
	/* "T": starts at the first log of millisecond T, after a first
	 * batch; it never acked and is resolved against the topic. */
	COMMIT_SEQS(n.client, "u", 0, 2, ids);
	t = ids[1].ms + 1;
	snprintf(offset, sizeof(offset), "%" PRIu64, t);
	at_ms = proc_opts(offset, 1);
	CLAIM_EXPECT(n.client, "u", "at", &at_ms, 0, 0);
	wait_clock(t);
	COMMIT_SEQS(n.client, "u", 2, 3, NULL);

	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "t", 3, 3, 6);
	EXPECT_STORED(n.client, "u", 2, 3, 5);
	/* Claimed, they are still pinned; acked, they go. */
	CLAIM_EXPECT(n.client, "u", "at", &at_ms, 2, 1);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "u", 2, 3, 5);
	ACK(n.client, "new", CLAIM_EXPECT(n.client, "t", "new", &newest, 3, 3));
	WAIT_LENGTH(n.client, "t", 0);
	ACK(n.client, "at", 0);
	WAIT_LENGTH(n.client, "u", 2);
	EXPECT_STORED(n.client, "u", 3, 2, 5);
	pp_t_node_stop(&n);
}

static void
test_slowest_proc_is_the_floor(void)
{
	pp_proc_opts all = proc_opts(">", 10);
	pp_proc_opts three = proc_opts(">", 3);
	pp_proc_opts one = proc_opts(">", 1);
	pp_tnode     n;

	start_gc_node(&n, 1);
	CLAIM_EXPECT(n.client, "t", "fast", &all, 0, 0);
	CLAIM_EXPECT(n.client, "t", "slow", &three, 0, 0);
	/* A proc of another topic is no floor for "t". */
	CLAIM_EXPECT(n.client, "u", "elsewhere", &one, 0, 0);
	COMMIT_SEQS(n.client, "t", 0, 10, NULL);
	COMMIT_SEQS(n.client, "u", 0, 2, NULL);
	ACK(n.client, "fast", CLAIM_EXPECT(n.client, "t", "fast", &all, 0, 10));
	ACK(n.client, "slow", CLAIM_EXPECT(n.client, "t", "slow", &three, 0, 3));
	WAIT_LENGTH(n.client, "t", 7);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "t", 3, 7, 10);
	EXPECT_STORED(n.client, "u", 0, 2, 2);

	ACK(n.client, "slow", CLAIM_EXPECT(n.client, "t", "slow", &three, 3, 3));
	WAIT_LENGTH(n.client, "t", 4);
	EXPECT_STORED(n.client, "t", 6, 4, 10);
	/* Now "fast" lags behind on new logs: it is the floor. */
	COMMIT_SEQS(n.client, "t", 10, 2, NULL);
	ACK(n.client, "slow", CLAIM_EXPECT(n.client, "t", "slow", &three, 6, 3));
	ACK(n.client, "slow", CLAIM_EXPECT(n.client, "t", "slow", &three, 9, 3));
	WAIT_LENGTH(n.client, "t", 2);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "t", 10, 2, 12);
	ACK(n.client, "fast", CLAIM_EXPECT(n.client, "t", "fast", &all, 10, 2));
	WAIT_LENGTH(n.client, "t", 0);
	EXPECT_STORED(n.client, "u", 0, 2, 2);
	pp_t_node_stop(&n);
}

static void
test_acked_logs_wait_for_age(void)
{
	pp_proc_opts all = proc_opts(">", 10);
	uint32_t     prune = prune_ms();
	pp_tnode     n;
	pp_id        ids[3];
	uint64_t     len, t_after;

	start_gc_node(&n, prune);
	CLAIM_EXPECT(n.client, "t", "p", &all, 0, 0);
	COMMIT_SEQS(n.client, "t", 0, 3, ids);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &all, 0, 3));
	/* Every proc is past them at once; they still go only once they are
	 * older than the minimum prune time. */
	for (;;) {
		len = length_at(__LINE__, n.client, "t");
		t_after = pp_t_now_ms();
		if (len != 3) {
			break;
		}
		if (t_after > ids[0].ms + (uint64_t)pp_t_scaled(WAIT_MS)) {
			PP_FAIL_AT("the acked logs were not collected");
		}
		pp_t_nap();
	}
	PP_ASSERT_U64_EQ(len, 0);
	PP_ASSERT_U64_CMP(t_after, >=, ids[0].ms + prune);
	EXPECT_STORED(n.client, "t", 3, 0, 3);
	pp_t_node_stop(&n);
}

static void
test_hyphenated_topics(void)
{
	static const char *const free_topics[] = { "-lead", "a-b-c", "x.y-z",
		"9-9" };
	pp_proc_opts one = proc_opts(">", 1);
	pp_proc_opts two = proc_opts(">", 2);
	pp_tnode     n;
	size_t       i;

	start_gc_node(&n, 1);
	/* "a" and "a-b" share a prefix; each has its own proc. */
	CLAIM_EXPECT(n.client, "a", "on-a", &one, 0, 0);
	CLAIM_EXPECT(n.client, "a-b", "on-a-b", &two, 0, 0);
	COMMIT_SEQS(n.client, "a", 0, 3, NULL);
	COMMIT_SEQS(n.client, "a-b", 0, 4, NULL);
	ACK(n.client, "on-a-b", CLAIM_EXPECT(n.client, "a-b", "on-a-b", &two, 0, 2));
	for (i = 0; i < sizeof(free_topics) / sizeof(free_topics[0]); i++) {
		COMMIT_SEQS(n.client, free_topics[i], 0, 3, NULL);
	}
	for (i = 0; i < sizeof(free_topics) / sizeof(free_topics[0]); i++) {
		WAIT_LENGTH(n.client, free_topics[i], 0);
		EXPECT_STORED(n.client, free_topics[i], 3, 0, 3);
	}
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "a", 0, 3, 3);
	EXPECT_STORED(n.client, "a-b", 2, 2, 4);
	ACK(n.client, "on-a", CLAIM_EXPECT(n.client, "a", "on-a", &one, 0, 1));
	WAIT_LENGTH(n.client, "a", 2);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "a", 1, 2, 3);
	EXPECT_STORED(n.client, "a-b", 2, 2, 4);
	pp_t_node_stop(&n);
}

/* A client committing one log at a time to "live" until told to stop. */
typedef struct committer {
	const char *address;
	pthread_t   th;
	atomic_bool is_stopping;
	atomic_bool is_done;
	uint64_t    count;
	uint64_t    max_ms;
	int         rv;
	uint64_t    bad_seq; /* 0, or 1 + the first out-of-order seq */
} committer;

static void *
committer_main(void *arg)
{
	committer *w = arg;
	pp_client *c = NULL;
	pp_record  r;
	pp_id      id;
	char       body[BODY_MAX];
	uint64_t   t0, dt;

	if ((w->rv = pp_connect(w->address, NULL, &c)) != 0) {
		atomic_store(&w->is_done, true);
		return (NULL);
	}
	r.topic = "live";
	r.body = body;
	while (!atomic_load(&w->is_stopping)) {
		r.len = (size_t)snprintf(body, sizeof(body), "live-%" PRIu64,
		    w->count);
		t0 = pp_t_mono_ms();
		if ((w->rv = pp_commit(c, &r, 1, &id)) != 0) {
			break;
		}
		dt = pp_t_mono_ms() - t0;
		w->max_ms = dt > w->max_ms ? dt : w->max_ms;
		if (id.seq != w->count && w->bad_seq == 0) {
			w->bad_seq = 1 + id.seq;
		}
		w->count++;
	}
	pp_close(c);
	atomic_store(&w->is_done, true);
	return (NULL);
}

static void
test_many_logs(void)
{
	static const char *const topics[] = { "big-1", "big-2", "big-3" };
	enum { PER_TOPIC = 5000 };
	pp_proc_opts  one = proc_opts(">", 1);
	pp_tnode      n;
	committer     w;
	uint64_t      total, deadline;
	size_t        i;

	start_gc_node(&n, prune_ms());
	/* The live topic is read by a proc that never acks, so it keeps
	 * every commit made during the run. */
	CLAIM_EXPECT(n.client, "live", "reader", &one, 0, 0);
	memset(&w, 0, sizeof(w));
	w.address = n.address;
	PP_ASSERT_INT_EQ(pthread_create(&w.th, NULL, committer_main, &w), 0);
	for (i = 0; i < 3; i++) {
		COMMIT_SEQS(n.client, topics[i], 0, PER_TOPIC, NULL);
	}
	/* 15,000 logs take at least 30 steps of 500; commits go on. */
	deadline = pp_t_mono_ms() + (uint64_t)pp_t_scaled(20000);
	for (;;) {
		total = 0;
		for (i = 0; i < 3; i++) {
			total += length_at(__LINE__, n.client, topics[i]);
		}
		if (total == 0 || atomic_load(&w.is_done)) {
			break;
		}
		if (pp_t_mono_ms() > deadline) {
			PP_FAIL_AT("%" PRIu64 " logs still stored", total);
		}
		pp_t_nap();
	}
	atomic_store(&w.is_stopping, true);
	PP_WAIT_UNTIL(atomic_load(&w.is_done), 30000);
	pthread_join(w.th, NULL);
	if (w.rv != 0) {
		PP_FAIL_AT("commit %" PRIu64 " to live failed: %s", w.count,
		    pp_errname(w.rv));
	}
	PP_ASSERT_U64_EQ(w.bad_seq, 0);
	PP_ASSERT_U64_CMP(w.count, >, 0);
	pp_t_diag("%" PRIu64 " commits during the run, slowest %" PRIu64 " ms",
	    w.count, w.max_ms);
	for (i = 0; i < 3; i++) {
		EXPECT_STORED(n.client, topics[i], PER_TOPIC, 0, PER_TOPIC);
	}
	/* "reader" never acked: every live log is there. */
	EXPECT_STORED(n.client, "live", 0, w.count, w.count);
	/* And the big topics take new logs where they left off. */
	COMMIT_SEQS(n.client, "big-2", PER_TOPIC, 1, NULL);
	EXPECT_STORED(n.client, "big-2", PER_TOPIC, 1, PER_TOPIC + 1);
	pp_t_node_stop(&n);
}

/*
 * GC reads proc positions once per run and again only after a proc record
 * was written (store_gc.c): a proc created while a run is collecting its
 * topic must pin what is left from the next step on (issue 5 item 1).
 */
static void
test_proc_created_during_a_run(void)
{
	enum { TOTAL = 100000, BATCH = 10000 };
	pp_proc_opts one = proc_opts(">", 1);
	pp_claim    *cl = NULL;
	pp_tnode     n;
	uint64_t     left, deadline;
	size_t       i;

	start_gc_node(&n, 1);
	/* "hold" keeps GC off every log while they are committed. */
	CLAIM_EXPECT(n.client, "big", "hold", &one, 0, 0);
	for (i = 0; i < TOTAL / BATCH; i++) {
		COMMIT_SEQS(n.client, "big", i * BATCH, BATCH, NULL);
	}
	PP_PASS(pp_proc_destroy(n.client, "hold", NULL));
	/* Wait until GC has begun on them, then pin the rest. */
	deadline = pp_t_mono_ms() + (uint64_t)pp_t_scaled(WAIT_MS);
	while (length_at(__LINE__, n.client, "big") == TOTAL) {
		if (pp_t_mono_ms() > deadline) {
			PP_FAIL_AT("GC did not start on \"big\"");
		}
		pp_t_nap();
	}
	PP_PASS(pp_proc(n.client, "big", "late", &one, 0, &cl));
	pp_claim_free(cl);
	left = length_at(__LINE__, n.client, "big");
	pp_t_diag("\"late\" pinned %" PRIu64 " of %d logs", left, TOTAL);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "big", TOTAL - left, left, TOTAL);
	pp_t_node_stop(&n);
}

/* pp_range (or pp_revrange) from start to end returns exactly the logs
 * from..to of `topic`, in that order (from > to walks backward). */
static void
range_is_at(int line, pp_client *c, const char *topic, bool is_rev,
    const char *start, const char *end, bool is_excl, size_t limit,
    int64_t from, int64_t to)
{
	pp_range_opts o;
	pp_result    *res = NULL;
	const pp_log *log;
	char          body[BODY_MAX];
	size_t        i, want;
	int64_t       seq;
	int           rv;

	memset(&o, 0, sizeof(o));
	o.start = start;
	o.end = end;
	o.is_exclusive = is_excl;
	o.limit = limit;
	rv = is_rev ? pp_revrange(c, topic, &o, &res)
	            : pp_range(c, topic, &o, &res);
	if (rv != 0) {
		pp_t_fail(__FILE__, line, "%s(%s, %s, %s) returned %s",
		    is_rev ? "pp_revrange" : "pp_range", topic,
		    start ? start : "-", end ? end : "-", pp_errname(rv));
	}
	want = from < 0 ? 0 : (size_t)(from <= to ? to - from : from - to) + 1;
	if (pp_result_count(res) != want || pp_result_has_more(res)) {
		pp_t_fail(__FILE__, line,
		    "range [%s, %s] of %s: %zu logs (first seq %" PRIu64
		    "), expected %zu",
		    start ? start : "-", end ? end : "-", topic,
		    pp_result_count(res),
		    pp_result_count(res) > 0 ? pp_result_log(res, 0)->id.seq
		                             : (uint64_t)0,
		    want);
	}
	for (i = 0; i < want; i++) {
		seq = from <= to ? from + (int64_t)i : from - (int64_t)i;
		log = pp_result_log(res, i);
		snprintf(body, sizeof(body), "%s-%" PRId64, topic, seq);
		if (log->id.seq != (uint64_t)seq || log->len != strlen(body) ||
		    memcmp(log->body, body, log->len) != 0) {
			pp_t_fail(__FILE__, line,
			    "range of %s: log %zu is seq %" PRIu64
			    ", expected %" PRId64,
			    topic, i, log->id.seq, seq);
		}
	}
	pp_result_free(res);
}
#define RANGE_IS(c, topic, start, end, excl, limit, from, to)                  \
	range_is_at(__LINE__, (c), (topic), false, (start), (end), (excl),     \
	    (limit), (from), (to))
#define REVRANGE_IS(c, topic, start, end, excl, limit, from, to)               \
	range_is_at(__LINE__, (c), (topic), true, (start), (end), (excl),      \
	    (limit), (from), (to))

static void
test_reads_after_gc(void)
{
	pp_proc_opts   ten = proc_opts(">", 10);
	pp_proc_opts   late = proc_opts(":2", 1);
	pp_range_opts  o;
	pp_tnode       n;
	pp_id          ids[15];
	pp_t_logs      logs;
	char           t_old[PP_ID_STRLEN], id_old[PP_ID_STRLEN];
	char           t_new[PP_ID_STRLEN];
	size_t         i;

	start_gc_node(&n, 1);
	CLAIM_EXPECT(n.client, "t", "keep", &ten, 0, 0);
	COMMIT_SEQS(n.client, "t", 0, 10, ids);
	wait_clock(ids[9].ms + 1);
	COMMIT_SEQS(n.client, "t", 10, 5, &ids[10]);
	/* "keep" read the first batch: GC takes exactly that. */
	ACK(n.client, "keep", CLAIM_EXPECT(n.client, "t", "keep", &ten, 0, 10));
	WAIT_LENGTH(n.client, "t", 5);
	EXPECT_STORED(n.client, "t", 10, 5, 15);

	snprintf(t_old, sizeof(t_old), "%" PRIu64, ids[0].ms);
	snprintf(t_new, sizeof(t_new), "%" PRIu64, ids[10].ms);
	pp_id_format(ids[3], id_old);
	RANGE_IS(n.client, "t", NULL, NULL, false, 0, 10, 14);
	REVRANGE_IS(n.client, "t", NULL, NULL, false, 0, 14, 10);
	/* A collected log as the start is not an error: the range starts at
	 * the first remaining log. */
	RANGE_IS(n.client, "t", ":0", NULL, false, 0, 10, 14);
	RANGE_IS(n.client, "t", ":3", ":11", false, 0, 10, 11);
	RANGE_IS(n.client, "t", ":9", NULL, true, 0, 10, 14);
	RANGE_IS(n.client, "t", id_old, NULL, false, 0, 10, 14);
	RANGE_IS(n.client, "t", t_old, NULL, false, 2, 10, 11);
	RANGE_IS(n.client, "t", t_new, ":12", false, 0, 10, 12);
	REVRANGE_IS(n.client, "t", ":12", ":0", false, 0, 12, 10);
	REVRANGE_IS(n.client, "t", NULL, ":3", false, 0, 14, 10);
	/* Ranges wholly inside the collected logs are empty. */
	RANGE_IS(n.client, "t", NULL, ":5", false, 0, -1, -1);
	RANGE_IS(n.client, "t", ":1", ":9", false, 0, -1, -1);
	RANGE_IS(n.client, "t", t_old, t_old, false, 0, -1, -1);
	REVRANGE_IS(n.client, "t", ":9", NULL, false, 0, -1, -1);
	/* pp_iter walks exactly the remaining logs, both ways. */
	memset(&o, 0, sizeof(o));
	o.start = ":2";
	pp_t_read_all(n.client, "t", &o, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, 5);
	for (i = 0; i < 5; i++) {
		PP_ASSERT_INT_EQ(pp_t_id_cmp(logs.ids[i], ids[10 + i]), 0);
	}
	pp_t_logs_free(&logs);
	memset(&o, 0, sizeof(o));
	o.end = id_old;
	pp_t_read_all(n.client, "t", &o, true, &logs);
	PP_ASSERT_U64_EQ(logs.count, 5);
	for (i = 0; i < 5; i++) {
		PP_ASSERT_INT_EQ(pp_t_id_cmp(logs.ids[i], ids[14 - i]), 0);
	}
	pp_t_logs_free(&logs);
	/* A new proc whose offset names a collected log starts at the first
	 * remaining one. */
	CLAIM_EXPECT(n.client, "t", "late", &late, 10, 1);
	pp_t_node_stop(&n);
}

static void
test_restart(void)
{
	pp_proc_opts  two = proc_opts(">", 2);
	pp_spawn_opts o = gc_opts(prune_ms());
	pp_tnode      n;
	pp_topic_info info;
	pp_proc_list *l = NULL;

	start_gc_node(&n, prune_ms());
	CLAIM_EXPECT(n.client, "t", "p", &two, 0, 0);
	COMMIT_SEQS(n.client, "t", 0, 4, NULL);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &two, 0, 2));
	COMMIT_SEQS(n.client, "free", 0, 3, NULL);
	WAIT_LENGTH(n.client, "t", 2);
	WAIT_LENGTH(n.client, "free", 0);
	COMMIT_SEQS(n.client, "later", 0, 3, NULL);
	pp_t_node_stop(&n);

	/* Counts, first logs and sequences are what GC left. */
	pp_t_node_start(&n, &o);
	EXPECT_STORED(n.client, "t", 2, 2, 4);
	EXPECT_STORED(n.client, "free", 3, 0, 3);
	info = stat_at(__LINE__, n.client, "later");
	PP_ASSERT_U64_EQ(info.next_seq, 3);
	PP_ASSERT_TRUE(info.count == 3 || info.count == 0);
	PP_PASS(pp_proc_inspect(n.client, "p", &l));
	PP_ASSERT_U64_EQ(pp_proc_list_get(l, 0)->next_seq, 2);
	pp_proc_list_free(l);

	/* Collection goes on. */
	WAIT_LENGTH(n.client, "later", 0);
	EXPECT_STORED(n.client, "later", 3, 0, 3);
	GC_PASSED(n.client);
	EXPECT_STORED(n.client, "t", 2, 2, 4);
	ACK(n.client, "p", CLAIM_EXPECT(n.client, "t", "p", &two, 2, 2));
	WAIT_LENGTH(n.client, "t", 0);
	COMMIT_SEQS(n.client, "t", 4, 1, NULL);
	EXPECT_STORED(n.client, "t", 4, 1, 5);
	pp_t_node_stop(&n);

	/* Without GC, nothing more is collected. */
	pp_t_node_start(&n, NULL);
	EXPECT_STORED(n.client, "t", 4, 1, 5);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("a topic without procs is collected by age: older logs go, fresher "
	  "ones stay, and length and stat follow",
	    test_age_without_procs, 0),
	PP_CASE("GC is off by default: nothing is collected without is_gc or --gc",
	    test_off_by_default, 0),
	PP_CASE("the node refuses a zero or malformed GC interval and accepts a "
	  "zero minimum prune time",
	    test_node_options, 0),
	PP_CASE("the first GC run finds no topic and collection still works "
	  "afterwards",
	    test_first_run_without_topics, 0),
	PP_CASE("a proc that never acked pins every log, a claim pins its logs, and "
	  "an ack releases what is before the cursor",
	    test_never_acked_and_claims, 0),
	PP_CASE("a disabled proc pins its position until resumed and acked or "
	  "destroyed",
	    test_disabled_proc, 0),
	PP_CASE("a proc starting with $> or at a later millisecond does not pin "
	  "the logs before its start",
	    test_later_start, 0),
	PP_CASE("the slowest proc of a topic is the floor and procs of other topics "
	  "are not",
	    test_slowest_proc_is_the_floor, 0),
	PP_CASE("logs every proc is past still wait for the minimum prune time",
	    test_acked_logs_wait_for_age, 0),
	PP_CASE("hyphenated topic names are collected and pinned like any other",
	    test_hyphenated_topics, 0),
	PP_CASE("15,000 logs in three topics are all collected while commits go on",
	    test_many_logs, 0),
	PP_CASE("a proc created while GC collects its topic pins what is left from "
	  "the next step on",
	    test_proc_created_during_a_run, 0),
	PP_CASE("range, revrange and pp_iter after GC return exactly the remaining "
	  "logs and a collected start is no error",
	    test_reads_after_gc, 0),
	PP_CASE("after a restart counts are what GC left and collection goes on",
	    test_restart, 0),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
