/*
 * admin_test.c - keeping a long-running node in bounds, against real node
 * processes (issue 5 items 2, 3, 5 and 6; DESIGN "Collection, retention,
 * deletion, backup"): topic retention by count, bytes and age with the
 * lost counts of procs, pp_topic_delete with and without force, pp_backup
 * (also while commits go on) and a store that fills up and recovers.
 *
 * Conventions: the log of sequence S in topic T has the body "T-S",
 * optionally padded with '.' to a fixed size, so what a topic holds can be
 * checked by sequences and bodies alone. Nothing sleeps for a fixed time:
 * retention runs about once a second without --gc, so every wait polls a
 * condition until a deadline. To show that retention did NOT remove
 * something, a case waits for a "witness" topic limited to one log to be
 * trimmed after its own commit: that run started after the commit and
 * visited every topic.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"
#include "proc_util.h"

#define BODY_MAX 1100
#define WAIT_MS 5000 /* deadline of a wait for retention, before scaling */
#define WITNESS "zz.witness"

/* The topic holds exactly the logs first .. first+n-1, with their bodies. */
static void
check_topic_at(int line, pp_client *c, const char *topic, uint64_t first,
    size_t n, size_t pad)
{
	pp_t_logs logs;
	char      want[BODY_MAX];
	size_t    i, len;

	pp_t_read_all(c, topic, NULL, false, &logs);
	if (logs.count != n) {
		pp_t_fail(__FILE__, line,
		    "%s holds %zu logs (first seq %" PRIu64
		    "), expected %zu from seq %" PRIu64,
		    topic, logs.count,
		    logs.count > 0 ? logs.ids[0].seq : (uint64_t)0, n, first);
	}
	for (i = 0; i < n; i++) {
		if (logs.ids[i].seq != first + i) {
			pp_t_fail(__FILE__, line,
			    "%s: log %zu has seq %" PRIu64 ", expected %" PRIu64,
			    topic, i, logs.ids[i].seq, first + i);
		}
		len = proc_body(want, sizeof(want), topic, first + i, pad);
		if (logs.lens[i] != len
		    || memcmp(logs.bodies[i], want, len) != 0) {
			pp_t_fail(__FILE__, line,
			    "%s: log %" PRIu64 " has body \"%.40s\" (%zu bytes)"
			    ", expected \"%.40s\" (%zu bytes)",
			    topic, first + i, logs.bodies[i], logs.lens[i],
			    want, len);
		}
		if (i > 0 && pp_t_id_cmp(logs.ids[i - 1], logs.ids[i]) >= 0) {
			pp_t_fail(__FILE__, line, "%s: ids out of order at %zu",
			    topic, i);
		}
	}
	pp_t_logs_free(&logs);
}
#define CHECK_TOPIC(c, topic, first, n, pad)                                   \
	check_topic_at(__LINE__, (c), (topic), (first), (n), (pad))

static void
stat_at(int line, pp_client *c, const char *topic, pp_topic_info *info)
{
	int rv;

	memset(info, 0, sizeof(*info));
	if ((rv = pp_topic_stat(c, topic, info)) != 0) {
		pp_t_fail(__FILE__, line, "pp_topic_stat(%s) returned %s (%s)",
		    topic, pp_errname(rv), pp_client_errmsg(c));
	}
}
#define STAT(c, topic, info) stat_at(__LINE__, (c), (topic), (info))

static uint64_t
length_of(pp_client *c, const char *topic)
{
	return (pp_t_length(c, topic));
}

static uint64_t
first_seq_of(pp_client *c, const char *topic)
{
	pp_topic_info info;

	STAT(c, topic, &info);
	return (info.count > 0 ? info.first.seq : info.next_seq);
}

/* Is `topic` among pp_topics()? */
static bool
is_listed(pp_client *c, const char *topic)
{
	pp_topic_list       *l = NULL;
	const pp_topic_info *ti;
	size_t               i;
	bool                 found = false;

	PP_PASS(pp_topics(c, &l));
	for (i = 0; (ti = pp_topic_list_get(l, i)) != NULL; i++) {
		found = found || strcmp(ti->name, topic) == 0;
	}
	PP_ASSERT_U64_EQ(i, pp_topic_list_count(l));
	pp_topic_list_free(l);
	return (found);
}

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
	while (length_of(c, WITNESS) != 1) {
		if (pp_t_mono_ms() > end) {
			pp_t_fail(__FILE__, line,
			    "no retention run within %d ms", WAIT_MS);
		}
		pp_t_nap();
	}
}
#define RETENTION_PASS(c) retention_pass_at(__LINE__, (c))

/* ---- procs ----------------------------------------------------------------- */

static pp_proc_opts
proc_opts(uint32_t count)
{
	pp_proc_opts o = PP_PROC_OPTS_INIT;

	o.count              = count;
	o.reclaim_timeout_ms = -1;
	return (o);
}

/* A pp_proc_info with its own copies of the strings. */
typedef struct pinfo {
	pp_proc_info i;
	char         name[PP_TOPIC_MAX + 1];
	char         topic[PP_TOPIC_MAX + 1];
	char         offset[PP_ID_STRLEN + 8];
	char         error[512];
} pinfo;

static void
pinfo_set(pinfo *p, const pp_proc_info *i)
{
	memset(p, 0, sizeof(*p));
	p->i = *i;
	snprintf(p->name, sizeof(p->name), "%s", i->name ? i->name : "");
	snprintf(p->topic, sizeof(p->topic), "%s", i->topic ? i->topic : "");
	snprintf(p->offset, sizeof(p->offset), "%s", i->offset ? i->offset : "");
	snprintf(p->error, sizeof(p->error), "%s",
	    i->last_error ? i->last_error : "");
	p->i.name        = p->name;
	p->i.topic       = p->topic;
	p->i.offset      = p->offset;
	p->i.opts.offset = p->offset;
	p->i.last_error  = p->error;
}

static void
inspect_at(int line, pp_client *c, const char *name, pinfo *p)
{
	pp_proc_list *l = NULL;
	int           rv;

	if ((rv = pp_proc_inspect(c, name, &l)) != 0) {
		pp_t_fail(__FILE__, line, "pp_proc_inspect(%s) returned %s",
		    name, pp_errname(rv));
	}
	if (pp_proc_list_count(l) != 1) {
		pp_t_fail(__FILE__, line, "inspect of %s lists %zu procs", name,
		    pp_proc_list_count(l));
	}
	pinfo_set(p, pp_proc_list_get(l, 0));
	pp_proc_list_free(l);
	if (strcmp(p->name, name) != 0) {
		pp_t_fail(__FILE__, line, "inspect of %s returned %s", name,
		    p->name);
	}
}
#define INSPECT(c, name, p) inspect_at(__LINE__, (c), (name), (p))

/* pp_procs into out[0 .. max); returns the count. */
static size_t
procs_at(int line, pp_client *c, pinfo *out, size_t max)
{
	pp_proc_list *l = NULL;
	size_t        i, n;
	int           rv;

	if ((rv = pp_procs(c, &l)) != 0) {
		pp_t_fail(__FILE__, line, "pp_procs returned %s", pp_errname(rv));
	}
	if ((n = pp_proc_list_count(l)) > max) {
		pp_t_fail(__FILE__, line, "%zu procs, at most %zu expected", n,
		    max);
	}
	for (i = 0; i < n; i++) {
		pinfo_set(&out[i], pp_proc_list_get(l, i));
	}
	pp_proc_list_free(l);
	return (n);
}
#define PROCS(c, out, max) procs_at(__LINE__, (c), (out), (max))

/* Every field of two proc states is the same. */
static void
pinfo_eq_at(int line, const pinfo *a, const pinfo *b)
{
#define PI_STR(f)                                                              \
	if (strcmp(a->f, b->f) != 0) {                                         \
		pp_t_fail(__FILE__, line, "proc %s: " #f " \"%s\" vs \"%s\"",  \
		    a->name, a->f, b->f);                                      \
	}
#define PI_NUM(f)                                                              \
	if ((uint64_t)a->i.f != (uint64_t)b->i.f) {                            \
		pp_t_fail(__FILE__, line,                                      \
		    "proc %s: " #f " %" PRIu64 " vs %" PRIu64, a->name,        \
		    (uint64_t)a->i.f, (uint64_t)b->i.f);                       \
	}
	PI_STR(name);
	PI_STR(topic);
	PI_STR(offset);
	PI_STR(error);
	PI_NUM(opts.count);
	PI_NUM(opts.max_reclaims);
	PI_NUM(opts.reclaim_timeout_ms);
	PI_NUM(opts.on_max_reclaims);
	PI_NUM(is_disabled);
	PI_NUM(has_claim);
	if (a->i.has_claim) {
		PI_NUM(claim_first.ms);
		PI_NUM(claim_first.seq);
		PI_NUM(claim_last.ms);
		PI_NUM(claim_last.seq);
		PI_NUM(claim_token);
		PI_NUM(claim_deadline_ms);
	}
	PI_NUM(next_seq);
	PI_NUM(reclaims);
	PI_NUM(created_ms);
	PI_NUM(last_claimed_ms);
	PI_NUM(last_acked_ms);
	PI_NUM(lag);
	PI_NUM(oldest_unacked_ms);
	PI_NUM(lost);
#undef PI_STR
#undef PI_NUM
}
#define PINFO_EQ(a, b) pinfo_eq_at(__LINE__, (a), (b))

/* ---- retention ------------------------------------------------------------- */

static void
test_retention_count(pp_tnode *n)
{
	pp_proc_opts  o = proc_opts(5);
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
	PP_WAIT_UNTIL(length_of(n->client, "t") == 10, WAIT_MS);
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
	PP_WAIT_UNTIL(first_seq_of(n->client, "t") == 95, WAIT_MS);
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
	pp_proc_opts  o = proc_opts(15);
	pp_topic_info info;
	pinfo         p;
	uint64_t      token;

	/* 20 logs of exactly 100 bytes; the proc acks 0..14. */
	COMMIT_LOGS(n->client, "b", 0, 20, 100, NULL);
	token = CLAIM_PADDED(n->client, "b", "q", &o, 0, 15, 100);
	ACK(n->client, "q", token);

	/* At most 1000 bytes: the newest ten (exactly 1000) remain. */
	PP_PASS(pp_topic_config(n->client, "b", 0, 0, 1000));
	PP_WAIT_UNTIL(length_of(n->client, "b") == 10, WAIT_MS);
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
	PP_WAIT_UNTIL(length_of(n->client, "b") == 9, WAIT_MS);
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
	while (first_seq_of(n->client, "a") < 10) {
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
	PP_WAIT_UNTIL(length_of(n->client, "a") == 0, WAIT_MS);
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
	PP_WAIT_UNTIL(length_of(n.client, "t") == 5, WAIT_MS);
	CHECK_TOPIC(n.client, "t", 25, 5, 0);
	COMMIT_LOGS(n.client, "t", 30, 10, 0, NULL);
	COMMIT_LOGS(n.client, "u", 1, 29, 0, NULL);
	PP_WAIT_UNTIL(first_seq_of(n.client, "t") == 35, WAIT_MS);
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

/* ---- topic delete ---------------------------------------------------------- */

static void
test_delete_procs(pp_tnode *n)
{
	pp_proc_opts  o = proc_opts(3);
	pp_topic_info tb, ta;
	pinfo         p0, p1, q0, s, list[4];
	uint64_t      token;
	pp_result    *res = NULL;
	pp_claim     *cl = NULL;
	pp_id         id;

	COMMIT_LOGS(n->client, "t", 0, 10, 0, NULL);
	COMMIT_LOGS(n->client, "u", 0, 5, 0, NULL);
	PP_FAIL(pp_topic_delete(n->client, "nope", false), PP_ENOTOPIC);
	PP_FAIL(pp_topic_delete(n->client, "nope", true), PP_ENOTOPIC);
	PP_FAIL(pp_topic_delete(n->client, "bad topic", false),
	    PP_EINVALID_TOPIC);
	PP_FAIL(pp_topic_delete(n->client, "", true), PP_EINVALID_TOPIC);

	/* Two procs read t (one acked, one holds a claim), one reads u. */
	token = CLAIM_PADDED(n->client, "t", "p0", &o, 0, 3, 0);
	ACK(n->client, "p0", token);
	CLAIM_PADDED(n->client, "t", "p1", &o, 0, 3, 0);
	token = CLAIM_PADDED(n->client, "u", "q0", &o, 0, 3, 0);
	ACK(n->client, "q0", token);
	INSPECT(n->client, "p0", &p0);
	INSPECT(n->client, "p1", &p1);
	INSPECT(n->client, "q0", &q0);
	STAT(n->client, "t", &tb);

	/* In use: refused, and nothing changes. */
	PP_FAIL(pp_topic_delete(n->client, "t", false), PP_ETOPIC_IN_USE);
	STAT(n->client, "t", &ta);
	PP_ASSERT_U64_EQ(ta.count, tb.count);
	PP_ASSERT_U64_EQ(ta.next_seq, tb.next_seq);
	PP_ASSERT_U64_EQ(ta.created_ms, tb.created_ms);
	CHECK_TOPIC(n->client, "t", 0, 10, 0);
	PP_ASSERT_TRUE(is_listed(n->client, "t"));
	INSPECT(n->client, "p0", &s);
	PINFO_EQ(&s, &p0);
	INSPECT(n->client, "p1", &s);
	PINFO_EQ(&s, &p1);
	token = CLAIM_PADDED(n->client, "t", "p0", &o, 3, 3, 0);
	ACK(n->client, "p0", token);

	/* Forced: the topic and its procs go; the other proc stays. */
	PP_PASS(pp_topic_delete(n->client, "t", true));
	PP_FAIL(pp_proc_inspect(n->client, "p0", NULL), PP_ENOPROC);
	PP_FAIL(pp_proc_inspect(n->client, "p1", NULL), PP_ENOPROC);
	PP_FAIL(pp_ack(n->client, "p1", 0, NULL), PP_ENOPROC);
	PP_ASSERT_U64_EQ(PROCS(n->client, list, 4), 1);
	PINFO_EQ(&list[0], &q0);

	/* Reads of the deleted topic fail; it is not listed any more. */
	PP_FAIL(pp_length(n->client, "t", &token), PP_ENOTOPIC);
	PP_FAIL(pp_range(n->client, "t", NULL, &res), PP_ENOTOPIC);
	PP_ASSERT_TRUE(res == NULL);
	PP_FAIL(pp_revrange(n->client, "t", NULL, &res), PP_ENOTOPIC);
	PP_FAIL(pp_topic_stat(n->client, "t", &ta), PP_ENOTOPIC);
	PP_FAIL(pp_topic_config(n->client, "t", 0, 1, 0), PP_ENOTOPIC);
	PP_FAIL(pp_topic_delete(n->client, "t", true), PP_ENOTOPIC);
	PP_ASSERT_TRUE(!is_listed(n->client, "t"));
	PP_ASSERT_TRUE(is_listed(n->client, "u"));

	/* A new commit starts the topic afresh at 0, without old logs. */
	id = pp_t_commit_str(n->client, "t", "t-0");
	PP_ASSERT_U64_EQ(id.seq, 0);
	CHECK_TOPIC(n->client, "t", 0, 1, 0);
	STAT(n->client, "t", &ta);
	PP_ASSERT_U64_EQ(ta.count, 1);
	PP_ASSERT_U64_EQ(ta.next_seq, 1);
	PP_ASSERT_U64_EQ(ta.bytes, 3);
	PP_ASSERT_TRUE(is_listed(n->client, "t"));
	/* A proc of the old name is a new proc: it sees only the new log. */
	CLAIM_PADDED(n->client, "t", "p0", &o, 0, 1, 0);
	INSPECT(n->client, "p0", &s);
	PP_ASSERT_U64_EQ(s.i.lost, 0);
	PP_ASSERT_U64_EQ(s.i.reclaims, 0);
	PP_PASS(pp_proc_destroy(n->client, "p0", NULL));

	/* A disabled proc reads its topic too. */
	PP_PASS(pp_proc_disable(n->client, "q0", NULL));
	PP_FAIL(pp_topic_delete(n->client, "u", false), PP_ETOPIC_IN_USE);
	CHECK_TOPIC(n->client, "u", 0, 5, 0);
	INSPECT(n->client, "q0", &s);
	PP_ASSERT_TRUE(s.i.is_disabled);
	PP_ASSERT_U64_EQ(s.i.next_seq, 3);

	/* A topic nobody reads is deleted without force. */
	PP_PASS(pp_proc_destroy(n->client, "q0", NULL));
	PP_PASS(pp_topic_delete(n->client, "u", false));
	PP_FAIL(pp_length(n->client, "u", &token), PP_ENOTOPIC);
	PP_PASS(pp_proc(n->client, "u", "q0", &o, 0, &cl));
	PP_ASSERT_U64_EQ(pp_claim_count(cl), 0);
	pp_claim_free(cl);
	CHECK_TOPIC(n->client, "t", 0, 1, 0);
}

static void
test_delete_many(void)
{
	pp_proc_opts o = proc_opts(10);
	pp_tnode     n;
	pinfo        before, s;
	uint64_t     token, len;
	int          round;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_LOGS(n.client, "big", 0, 5000, 0, NULL);
	COMMIT_LOGS(n.client, "keep", 0, 300, 0, NULL);
	COMMIT_LOGS(n.client, "keep2", 0, 50, 20, NULL);
	token = CLAIM_PADDED(n.client, "keep", "k", &o, 0, 10, 0);
	ACK(n.client, "k", token);
	INSPECT(n.client, "k", &before);

	PP_PASS(pp_topic_delete(n.client, "big", false));
	/* Gone at once, although its logs are purged in the background. */
	PP_FAIL(pp_length(n.client, "big", &len), PP_ENOTOPIC);
	PP_ASSERT_TRUE(!is_listed(n.client, "big"));
	/* A new topic of the same name, at 0, while the purge may run. */
	COMMIT_LOGS(n.client, "big", 0, 3, 7, NULL);
	CHECK_TOPIC(n.client, "big", 0, 3, 7);
	CHECK_TOPIC(n.client, "keep", 0, 300, 0);
	CHECK_TOPIC(n.client, "keep2", 0, 50, 20);

	/* Restart at once (a purge may be cut short) and twice more. */
	for (round = 0; round < 2; round++) {
		pp_t_node_stop(&n);
		pp_t_node_start(&n, NULL);
		PP_ASSERT_U64_EQ(length_of(n.client, "big"), 3);
		CHECK_TOPIC(n.client, "big", 0, 3, 7);
		CHECK_TOPIC(n.client, "keep", 0, 300, 0);
		CHECK_TOPIC(n.client, "keep2", 0, 50, 20);
		INSPECT(n.client, "k", &s);
		PINFO_EQ(&s, &before);
	}
	COMMIT_LOGS(n.client, "big", 3, 1, 7, NULL);
	CHECK_TOPIC(n.client, "big", 0, 4, 7);
	/* Deleted again, with nothing new: still gone after a restart. */
	PP_PASS(pp_topic_delete(n.client, "big", false));
	pp_t_node_stop(&n);
	pp_t_node_start(&n, NULL);
	PP_FAIL(pp_length(n.client, "big", &len), PP_ENOTOPIC);
	PP_ASSERT_TRUE(!is_listed(n.client, "big"));
	CHECK_TOPIC(n.client, "keep", 0, 300, 0);
	CHECK_TOPIC(n.client, "keep2", 0, 50, 20);
	CLAIM_PADDED(n.client, "keep", "k", &o, 10, 10, 0);
	PP_ASSERT_U64_EQ(pp_t_commit_str(n.client, "big", "big-0").seq, 0);
	CHECK_TOPIC(n.client, "big", 0, 1, 0);
	pp_t_node_stop(&n);
}

/* ---- backup ---------------------------------------------------------------- */

/* A node on an existing data directory (a backup), on its own address. */
static void
node_on_dir(pp_tnode *m, const char *dir)
{
	memset(m, 0, sizeof(*m));
	pp_t_format(m->dir, sizeof(m->dir), "%s", dir);
	pp_t_format(m->sock, sizeof(m->sock), "%s/sock", pp_t_mkdir("addr"));
	pp_t_format(m->address, sizeof(m->address), "ipc://%s", m->sock);
	m->pid    = -1;
	m->out_fd = -1;
	pp_t_node_start(m, NULL);
}

static bool
file_exists(const char *dir, const char *name)
{
	char        path[PP_T_PATH + 32];
	struct stat st;

	pp_t_format(path, sizeof(path), "%s/%s", dir, name);
	return (stat(path, &st) == 0);
}

/* Both nodes hold the same logs in `topic` (ids, bodies, statistics). */
static void
same_topic_at(int line, pp_client *a, pp_client *b, const char *topic)
{
	pp_topic_info sa, sb;
	pp_t_logs     la, lb;
	size_t        i;

	stat_at(line, a, topic, &sa);
	stat_at(line, b, topic, &sb);
	if (sa.count != sb.count || sa.bytes != sb.bytes
	    || sa.next_seq != sb.next_seq || sa.created_ms != sb.created_ms
	    || (sa.count > 0
		&& (pp_t_id_cmp(sa.first, sb.first) != 0
		    || pp_t_id_cmp(sa.last, sb.last) != 0))) {
		pp_t_fail(__FILE__, line,
		    "%s: stat differs (count %" PRIu64 "/%" PRIu64
		    ", next_seq %" PRIu64 "/%" PRIu64 ")",
		    topic, sa.count, sb.count, sa.next_seq, sb.next_seq);
	}
	pp_t_read_all(a, topic, NULL, false, &la);
	pp_t_read_all(b, topic, NULL, false, &lb);
	if (la.count != lb.count || la.count != sa.count) {
		pp_t_fail(__FILE__, line, "%s: %zu logs vs %zu", topic,
		    la.count, lb.count);
	}
	for (i = 0; i < la.count; i++) {
		if (pp_t_id_cmp(la.ids[i], lb.ids[i]) != 0) {
			pp_t_fail(__FILE__, line, "%s: log %zu has another id",
			    topic, i);
		}
		pp_t_mem_eq(__FILE__, line, "original", la.bodies[i],
		    la.lens[i], "copy", lb.bodies[i], lb.lens[i]);
	}
	pp_t_logs_free(&la);
	pp_t_logs_free(&lb);
}
#define SAME_TOPIC(a, b, topic) same_topic_at(__LINE__, (a), (b), (topic))

static void
test_backup_restore(void)
{
	pp_proc_opts o = proc_opts(7), od = proc_opts(1), on = proc_opts(2);
	pinfo        pa[8], pb[8], s;
	pp_tnode     n, m;
	char         bdir[PP_T_PATH], file[PP_T_PATH + 16];
	const char  *empty;
	uint64_t     token, hold;
	pp_id        acked;
	size_t       na, nb, i;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	COMMIT_LOGS(n.client, "a", 0, 200, 0, NULL);
	COMMIT_LOGS(n.client, "a", 200, 100, 900, NULL);
	COMMIT_LOGS(n.client, "b", 0, 50, 0, NULL);
	COMMIT_LOGS(n.client, "c-deleted", 0, 20, 0, NULL);
	PP_PASS(pp_topic_delete(n.client, "c-deleted", false));
	/* b keeps 40 logs; the limit must travel with the copy. */
	PP_PASS(pp_topic_config(n.client, "b", 0, 40, 0));
	PP_WAIT_UNTIL(length_of(n.client, "b") == 40, WAIT_MS);

	/* Procs in several states: acked, holding a reclaimed claim with an
	 * error, disabled, and never claimed anything. */
	o.offset          = ":4";
	o.max_reclaims    = 3;
	o.on_max_reclaims = PP_ON_MAX_DEADLETTER;
	token = CLAIM_PADDED(n.client, "a", "p", &o, 5, 7, 0);
	ACK(n.client, "p", token);
	CLAIM_PADDED(n.client, "a", "p", &o, 12, 7, 0);
	PP_PASS(pp_reclaim(n.client, "p", 0, "boom"));
	hold = CLAIM_PADDED(n.client, "a", "p", &o, 12, 7, 0);
	token = CLAIM_PADDED(n.client, "b", "q", &od, 10, 1, 0);
	ACK(n.client, "q", token);
	PP_PASS(pp_proc_disable(n.client, "q", NULL));
	on.offset = "$>";
	CLAIM_PADDED(n.client, "a", "r", &on, 0, 0, 0);

	/* Into a directory that does not exist yet. */
	pp_t_format(bdir, sizeof(bdir), "%s/backup", pp_t_root());
	PP_PASS(pp_backup(n.client, bdir));
	PP_ASSERT_TRUE(file_exists(bdir, "data.mdb"));
	/* Into a directory that holds files: refused. */
	PP_FAIL(pp_backup(n.client, bdir), PP_EEXIST);
	PP_FAIL(pp_backup(n.client, n.dir), PP_EEXIST);
	pp_t_format(file, sizeof(file), "%s/data.mdb", bdir);
	PP_FAIL(pp_backup(n.client, file), PP_EEXIST);
	/* Into an empty directory that exists. */
	empty = pp_t_mkdir("empty");
	PP_PASS(pp_backup(n.client, empty));
	PP_ASSERT_TRUE(file_exists(empty, "data.mdb"));

	/* A node on the copy, next to the original, serves the same. */
	node_on_dir(&m, bdir);
	SAME_TOPIC(n.client, m.client, "a");
	SAME_TOPIC(n.client, m.client, "b");
	PP_FAIL(pp_length(m.client, "c-deleted", &token), PP_ENOTOPIC);
	PP_ASSERT_TRUE(!is_listed(m.client, "c-deleted"));
	na = PROCS(n.client, pa, 8);
	nb = PROCS(m.client, pb, 8);
	PP_ASSERT_U64_EQ(na, 3);
	PP_ASSERT_U64_EQ(nb, na);
	for (i = 0; i < na; i++) {
		PINFO_EQ(&pb[i], &pa[i]);
	}
	INSPECT(m.client, "p", &s);
	PP_ASSERT_TRUE(s.i.has_claim);
	PP_ASSERT_U64_EQ(s.i.claim_token, hold);
	PP_ASSERT_U64_EQ(s.i.claim_first.seq, 12);
	PP_ASSERT_U64_EQ(s.i.next_seq, 12);
	PP_ASSERT_U64_EQ(s.i.reclaims, 1);
	PP_ASSERT_STR_EQ(s.error, "boom");
	PP_ASSERT_STR_EQ(s.offset, ":4");
	PP_ASSERT_U64_EQ(s.i.opts.count, 7);
	PP_ASSERT_U64_EQ(s.i.opts.on_max_reclaims, PP_ON_MAX_DEADLETTER);
	INSPECT(m.client, "q", &s);
	PP_ASSERT_TRUE(s.i.is_disabled);

	/* The copy lives on its own: the claim is acked there only, and
	 * b's limit is enforced there. */
	PP_PASS(pp_ack(m.client, "p", hold, &acked));
	PP_ASSERT_U64_EQ(acked.seq, 18);
	CLAIM_PADDED(m.client, "a", "p", &o, 19, 7, 0);
	INSPECT(n.client, "p", &s);
	PINFO_EQ(&s, &pa[0]);
	COMMIT_LOGS(m.client, "b", 50, 5, 0, NULL);
	PP_WAIT_UNTIL(first_seq_of(m.client, "b") == 15, WAIT_MS);
	CHECK_TOPIC(m.client, "b", 15, 40, 0);
	CHECK_TOPIC(n.client, "b", 10, 40, 0);
	pp_t_node_stop(&m);

	/* The second copy too. */
	node_on_dir(&m, empty);
	SAME_TOPIC(n.client, m.client, "a");
	pp_t_node_stop(&m);
	pp_t_node_stop(&n);
}

#define BATCH 7

typedef struct committer {
	pp_client  *c;
	atomic_bool is_stopping;
	atomic_uint_fast64_t logs; /* acknowledged so far */
	int          rv;           /* first error */
	char         why[256];
} committer;

/* Commits batches of BATCH logs "c-<seq>" until told to stop. */
static void *
committer_main(void *arg)
{
	committer *w = arg;
	pp_record  recs[BATCH];
	char       bodies[BATCH][64];
	pp_id      ids[BATCH];
	uint64_t   next = atomic_load(&w->logs);
	size_t     i;
	int        rv;

	while (!atomic_load(&w->is_stopping)) {
		for (i = 0; i < BATCH; i++) {
			recs[i].topic = "c";
			recs[i].body  = bodies[i];
			recs[i].len   = proc_body(bodies[i], sizeof(bodies[i]), "c",
			      next + i, 0);
		}
		if ((rv = pp_commit(w->c, recs, BATCH, ids)) != 0) {
			w->rv = rv;
			snprintf(w->why, sizeof(w->why), "commit: %s",
			    pp_errname(rv));
			break;
		}
		if (ids[0].seq != next || ids[BATCH - 1].seq != next + BATCH - 1) {
			w->rv = PP_EINTERNAL;
			snprintf(w->why, sizeof(w->why),
			    "got seq %" PRIu64 ", expected %" PRIu64,
			    ids[0].seq, next);
			break;
		}
		next += BATCH;
		atomic_store(&w->logs, next);
	}
	return (NULL);
}

static void
test_backup_while_committing(void)
{
	committer  w;
	pthread_t  th;
	pp_tnode   n, m;
	pp_t_logs  orig, copy;
	char       bdir[PP_T_PATH];
	uint64_t   before, after, len, mark;
	size_t     i;

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	/* Enough data that the copy takes a while. */
	COMMIT_LOGS(n.client, "filler", 0, 20000, 200, NULL);
	COMMIT_LOGS(n.client, "c", 0, 7 * BATCH, 0, NULL);

	memset(&w, 0, sizeof(w));
	w.c = n.client;
	atomic_init(&w.is_stopping, false);
	atomic_init(&w.logs, 7 * BATCH);
	if (pthread_create(&th, NULL, committer_main, &w) != 0) {
		PP_FAIL_AT("pthread_create failed");
	}
	mark = atomic_load(&w.logs) + 100 * BATCH;
	PP_WAIT_UNTIL(atomic_load(&w.logs) >= mark || w.rv != 0, 10000);
	pp_t_format(bdir, sizeof(bdir), "%s/backup", pp_t_root());
	before = length_of(n.client, "c");
	PP_PASS(pp_backup(n.client, bdir));
	after = length_of(n.client, "c");
	/* The committer goes on a while after the copy. */
	mark = atomic_load(&w.logs) + 50 * BATCH;
	PP_WAIT_UNTIL(atomic_load(&w.logs) >= mark || w.rv != 0, 10000);
	atomic_store(&w.is_stopping, true);
	pthread_join(th, NULL);
	if (w.rv != 0) {
		PP_FAIL_AT("committer: %s", w.why);
	}
	pp_t_diag("backup saw c between %" PRIu64 " and %" PRIu64 " logs",
	    before, after);

	node_on_dir(&m, bdir);
	/* One moment: a length the topic had, whole batches only. */
	len = length_of(m.client, "c");
	PP_ASSERT_U64_CMP(len, >=, before);
	PP_ASSERT_U64_CMP(len, <=, after);
	PP_ASSERT_U64_EQ(len % BATCH, 0);
	PP_ASSERT_U64_EQ(length_of(m.client, "filler"), 20000);
	/* ... and the copy is a prefix of the original. */
	pp_t_read_all(n.client, "c", NULL, false, &orig);
	pp_t_read_all(m.client, "c", NULL, false, &copy);
	PP_ASSERT_U64_EQ(copy.count, len);
	PP_ASSERT_U64_CMP(orig.count, >, copy.count);
	for (i = 0; i < copy.count; i++) {
		PP_ASSERT_U64_EQ(pp_t_id_cmp(orig.ids[i], copy.ids[i]), 0);
		PP_ASSERT_MEM_EQ(orig.bodies[i], orig.lens[i], copy.bodies[i],
		    copy.lens[i]);
	}
	pp_t_logs_free(&orig);
	pp_t_logs_free(&copy);
	pp_t_node_stop(&m);
	pp_t_node_stop(&n);
}

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
	pp_proc_opts o = proc_opts(1);
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
	pp_proc_opts      o = proc_opts(1);
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
	pp_proc_opts      o = proc_opts(1);
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
	PP_NODE_CASE("retention by count keeps the newest logs, continues the sequence "
	  "and counts what a proc lost",
	    test_retention_count, 30),
	PP_NODE_CASE("retention by bytes trims from the front, a proc that acked past "
	  "the removed logs loses nothing, and 0 stops trimming",
	    test_retention_bytes, 30),
	PP_NODE_CASE("retention by age removes old logs and keeps fresh ones",
	    test_retention_age, 30),
	PP_CASE("retention limits survive a restart and bad topics are refused",
	    test_retention_restart_and_errors, 30),
	PP_NODE_CASE("topic delete is refused while procs read it unless forced, and "
	  "the name starts afresh at 0",
	    test_delete_procs, 30),
	PP_CASE("deleting a topic of 5,000 logs leaves other topics alone, also "
	  "across restarts",
	    test_delete_many, 30),
	PP_CASE("a node started on a backup serves the same logs and procs; a "
	  "non-empty target is PP_EEXIST",
	    test_backup_restore, 30),
	PP_CASE("a backup taken while another thread commits is one consistent "
	  "moment",
	    test_backup_while_committing, 30),
	PP_CASE("a full store refuses commits with PP_ESTORE_FULL but serves "
	  "reads, claims and acks",
	    test_store_full_serves, 30),
	PP_CASE("after a forced delete of the topic that filled the store commits "
	  "succeed again and nothing acknowledged is lost",
	    test_store_full_recovers, 30),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
