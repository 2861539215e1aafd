/*
 * admin_retention_test.c - topic retention against real node processes
 * (issue 5 item 2; DESIGN "Collection, retention, deletion, backup"): by
 * count, bytes and age, with the lost counts of procs, limits that
 * survive a restart, and bad topics refused. Retention runs about once a second without
 * --gc; to show that it did NOT remove something, a case waits for a
 * "witness" topic limited to one log to be trimmed after its own commit:
 * that run started after the commit and visited every topic.
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

#define WITNESS "zz.witness"

/*
 * Waits for a retention run that starts after this call: commits two logs
 * to the witness topic, limited to one log, and waits until one is left.
 * That run visited every topic with limits.
 */
static void
retention_pass_at(int line, pp_client *c)
{
	uint64_t end = pp_t_mono_ms() + (uint64_t)pp_t_scaled(WAIT_MS);
	int      rv;

	pp_t_commit_str(c, WITNESS, "w");
	pp_t_commit_str(c, WITNESS, "w");
	if ((rv = pp_topic_config(c, WITNESS, 0, 1, 0)) != 0) {
		pp_t_fail(__FILE__, line, "pp_topic_config(witness): %s",
		    pp_errname(rv));
	}
	while (admin_length_of(c, WITNESS) != 1) {
		if (pp_t_mono_ms() > end) {
			pp_t_fail(__FILE__, line,
			    "no retention run within %d ms", WAIT_MS);
		}
		pp_t_nap();
	}
}

#define RETENTION_PASS(c) retention_pass_at(__LINE__, (c))

/* ---- retention ------------------------------------------------------------- */

static void
test_retention_count(pp_tnode *n)
{
	pp_proc_opts  o = admin_proc_opts(5);
	pp_topic_info before, after;
	pinfo         p;
	uint64_t      token;

	COMMIT_LOGS(n->client, "t", 0, 100, 0, NULL);
	/* The proc acks 0..4: its cursor is at 5. */
	token = CLAIM_PADDED(n->client, "t", "p", &o, 0, 5, 0);
	ACK(n->client, "p", token);
	STAT(n->client, "t", &before);
	PP_ASSERT_U64_EQ(before.count, 100);

	PP_PASS(pp_topic_config(n->client, "t", 0, 10, 0));
	PP_WAIT_UNTIL(admin_length_of(n->client, "t") == 10, WAIT_MS);
	/* The newest ten remain; next_seq does not move. */
	CHECK_TOPIC(n->client, "t", 90, 10, 0);
	STAT(n->client, "t", &after);
	PP_ASSERT_U64_EQ(after.count, 10);
	PP_ASSERT_U64_EQ(after.bytes, 10 * strlen("t-90"));
	PP_ASSERT_U64_EQ(after.first.seq, 90);
	PP_ASSERT_U64_EQ(after.last.seq, 99);
	PP_ASSERT_U64_EQ(after.last.ms, before.last.ms);
	PP_ASSERT_U64_EQ(after.next_seq, 100);
	PP_ASSERT_U64_EQ(after.created_ms, before.created_ms);

	/* 5..89 went before the proc acked them: 85 lost, never silent. */
	INSPECT(n->client, "p", &p);
	PP_ASSERT_U64_EQ(p.i.lost, 85);
	PP_ASSERT_U64_EQ(p.i.lag, 10);
	PP_ASSERT_TRUE(!p.i.has_claim);
	/* Its next claim starts at the first remaining log. */
	token = CLAIM_PADDED(n->client, "t", "p", &o, 90, 5, 0);
	ACK(n->client, "p", token);

	/* New commits continue the sequence and the limit holds. */
	COMMIT_LOGS(n->client, "t", 100, 5, 0, NULL);
	PP_WAIT_UNTIL(admin_first_seq_of(n->client, "t") == 95, WAIT_MS);
	CHECK_TOPIC(n->client, "t", 95, 10, 0);
	STAT(n->client, "t", &after);
	PP_ASSERT_U64_EQ(after.next_seq, 105);
	/* 90..94 were acked before they went: nothing more is lost. */
	INSPECT(n->client, "p", &p);
	PP_ASSERT_U64_EQ(p.i.lost, 85);
	PP_ASSERT_U64_EQ(p.i.next_seq, 95);
	CLAIM_PADDED(n->client, "t", "p", &o, 95, 5, 0);
}

static void
test_retention_bytes(pp_tnode *n)
{
	pp_proc_opts  o = admin_proc_opts(15);
	pp_topic_info info;
	pinfo         p;
	uint64_t      token;

	/* 20 logs of exactly 100 bytes; the proc acks 0..14. */
	COMMIT_LOGS(n->client, "b", 0, 20, 100, NULL);
	token = CLAIM_PADDED(n->client, "b", "q", &o, 0, 15, 100);
	ACK(n->client, "q", token);

	/* At most 1000 bytes: the newest ten (exactly 1000) remain. */
	PP_PASS(pp_topic_config(n->client, "b", 0, 0, 1000));
	PP_WAIT_UNTIL(admin_length_of(n->client, "b") == 10, WAIT_MS);
	CHECK_TOPIC(n->client, "b", 10, 10, 100);
	STAT(n->client, "b", &info);
	PP_ASSERT_U64_EQ(info.bytes, 1000);
	PP_ASSERT_U64_EQ(info.next_seq, 20);
	/* The proc had acked everything that went. */
	INSPECT(n->client, "q", &p);
	PP_ASSERT_U64_EQ(p.i.lost, 0);
	PP_ASSERT_U64_EQ(p.i.next_seq, 15);
	PP_ASSERT_U64_EQ(p.i.lag, 5);

	/* 950 bytes leave nine. */
	PP_PASS(pp_topic_config(n->client, "b", 0, 0, 950));
	PP_WAIT_UNTIL(admin_length_of(n->client, "b") == 9, WAIT_MS);
	CHECK_TOPIC(n->client, "b", 11, 9, 100);
	STAT(n->client, "b", &info);
	PP_ASSERT_U64_EQ(info.bytes, 900);
	INSPECT(n->client, "q", &p);
	PP_ASSERT_U64_EQ(p.i.lost, 0);

	/* 0 means no limit: trimming stops. */
	PP_PASS(pp_topic_config(n->client, "b", 0, 0, 0));
	COMMIT_LOGS(n->client, "b", 20, 10, 100, NULL);
	RETENTION_PASS(n->client);
	CHECK_TOPIC(n->client, "b", 11, 19, 100);
	STAT(n->client, "b", &info);
	PP_ASSERT_U64_EQ(info.bytes, 1900);
	INSPECT(n->client, "q", &p);
	PP_ASSERT_U64_EQ(p.i.lost, 0);
	CLAIM_PADDED(n->client, "b", "q", &o, 15, 15, 100);
}

#define AGE_MS 300

#define AGE_MAX_FRESH 4096

static void
test_retention_age(pp_tnode *n)
{
	static pp_id  fresh[AGE_MAX_FRESH];
	pp_topic_info info;
	pp_t_logs     logs;
	pp_id         old[10];
	char          body[64];
	uint64_t      end, last_ms, after_ms, seq;
	size_t        nfresh = 0, i, j, nyoung = 0;
	pp_record     r;

	COMMIT_LOGS(n->client, "a", 0, 10, 0, old);
	PP_PASS(pp_topic_config(n->client, "a", AGE_MS, 0, 0));
	/*
	 * Commit a fresh log every few milliseconds until the old ones are
	 * gone, so that there are always logs younger than the limit.
	 */
	end     = pp_t_mono_ms() + (uint64_t)pp_t_scaled(WAIT_MS);
	last_ms = 0;
	while (admin_first_seq_of(n->client, "a") < 10) {
		if (pp_t_mono_ms() > end) {
			PP_FAIL_AT("logs older than %d ms still there after %d ms",
			    AGE_MS, WAIT_MS);
		}
		if (nfresh == AGE_MAX_FRESH) {
			PP_FAIL_AT("too many fresh logs");
		}
		PP_WAIT_UNTIL(pp_t_now_ms() >= last_ms + 5, 1000);
		last_ms = pp_t_now_ms();
		seq     = 10 + nfresh;
		r.topic = "a";
		r.body  = body;
		r.len   = proc_body(body, sizeof(body), "a", seq, 0);
		PP_PASS(pp_commit(n->client, &r, 1, &fresh[nfresh]));
		PP_ASSERT_U64_EQ(fresh[nfresh].seq, seq);
		nfresh++;
	}
	PP_ASSERT_U64_CMP(pp_t_now_ms(), >, old[9].ms + AGE_MS);
	pp_t_read_all(n->client, "a", NULL, false, &logs);
	after_ms = pp_t_now_ms();
	/*
	 * None of the old logs is left, what is left is the newest part of
	 * the topic, and every log younger than the limit when the read
	 * ended (so at every run before it) is there.
	 */
	if (logs.count > 0) {
		/* Removed from the front only: the newest log is last. */
		PP_ASSERT_U64_CMP(logs.ids[0].seq, >=, 10);
		PP_ASSERT_U64_EQ(logs.ids[logs.count - 1].seq, 10 + nfresh - 1);
	}
	for (i = 0; i < logs.count; i++) {
		PP_ASSERT_U64_EQ(logs.ids[i].seq, logs.ids[0].seq + i);
	}
	for (j = 0; j < nfresh; j++) {
		if (fresh[j].ms + AGE_MS < after_ms) {
			continue;
		}
		nyoung++;
		PP_ASSERT_TRUE(logs.count > 0);
		PP_ASSERT_U64_CMP(fresh[j].seq, >=, logs.ids[0].seq);
		i = (size_t)(fresh[j].seq - logs.ids[0].seq);
		PP_ASSERT_U64_EQ(logs.ids[i].ms, fresh[j].ms);
		proc_body(body, sizeof(body), "a", fresh[j].seq, 0);
		PP_ASSERT_STR_EQ(logs.bodies[i], body);
	}
	/* The check means something: some logs were that young. */
	PP_ASSERT_TRUE(nyoung > 0);
	pp_t_logs_free(&logs);
	/* Left alone, every log ages out; the topic and next_seq stay. */
	PP_WAIT_UNTIL(admin_length_of(n->client, "a") == 0, WAIT_MS);
	STAT(n->client, "a", &info);
	PP_ASSERT_U64_EQ(info.count, 0);
	PP_ASSERT_U64_EQ(info.bytes, 0);
	PP_ASSERT_U64_EQ(info.next_seq, 10 + nfresh);
	PP_ASSERT_U64_EQ(pp_t_commit_str(n->client, "a", "again").seq,
	    10 + nfresh);
}

static void
test_retention_restart_and_errors(void)
{
	char     long_name[PP_TOPIC_MAX + 2];
	pp_tnode n;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_LOGS(n.client, "t", 0, 30, 0, NULL);
	PP_PASS(pp_topic_config(n.client, "t", 0, 5, 0));
	/* A limit set back to 0 is persisted as no limit (one log, so the
	 * limit of 5 never applies in between). */
	COMMIT_LOGS(n.client, "u", 0, 1, 0, NULL);
	PP_PASS(pp_topic_config(n.client, "u", 0, 5, 0));
	PP_PASS(pp_topic_config(n.client, "u", 0, 0, 0));
	/* Restart at once: the limit is enforced by the next node. */
	pp_t_node_stop(&n);
	pp_t_node_start(&n, NULL);
	PP_WAIT_UNTIL(admin_length_of(n.client, "t") == 5, WAIT_MS);
	CHECK_TOPIC(n.client, "t", 25, 5, 0);
	COMMIT_LOGS(n.client, "t", 30, 10, 0, NULL);
	COMMIT_LOGS(n.client, "u", 1, 29, 0, NULL);
	PP_WAIT_UNTIL(admin_first_seq_of(n.client, "t") == 35, WAIT_MS);
	CHECK_TOPIC(n.client, "t", 35, 5, 0);
	RETENTION_PASS(n.client);
	CHECK_TOPIC(n.client, "u", 0, 30, 0);

	/* Errors. */
	PP_FAIL(pp_topic_config(n.client, "missing", 0, 1, 0), PP_ENOTOPIC);
	PP_FAIL(pp_topic_config(n.client, "bad topic", 0, 1, 0),
	    PP_EINVALID_TOPIC);
	PP_FAIL(pp_topic_config(n.client, "", 0, 1, 0), PP_EINVALID_TOPIC);
	PP_FAIL(pp_topic_config(n.client, "t/u", 0, 1, 0), PP_EINVALID_TOPIC);
	memset(long_name, 'x', PP_TOPIC_MAX + 1);
	long_name[PP_TOPIC_MAX + 1] = '\0';
	PP_FAIL(pp_topic_config(n.client, long_name, 0, 1, 0),
	    PP_EINVALID_TOPIC);
	/* A refused call changed nothing. */
	RETENTION_PASS(n.client);
	CHECK_TOPIC(n.client, "u", 0, 30, 0);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("retention by count keeps the newest logs, continues the "
	    "sequence and counts what a proc lost",
	    test_retention_count, 30),
	PP_NODE_CASE("retention by bytes trims from the front, a proc that "
	    "acked past the removed logs loses nothing, and 0 stops trimming",
	    test_retention_bytes, 30),
	PP_NODE_CASE("retention by age removes old logs and keeps fresh ones",
	    test_retention_age, 30),
	PP_CASE("retention limits survive a restart and bad topics are refused",
	    test_retention_restart_and_errors, 30),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
