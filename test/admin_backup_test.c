/*
 * admin_backup_test.c - pp_backup against real node processes (issue 5
 * item 5; DESIGN "Collection, retention, deletion, backup"): a node started
 * on a backup serves the same logs and procs, a non-empty target is
 * refused, and a backup taken while commits go on is one consistent
 * moment.
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

	admin_stat_at(__FILE__, line, a, topic, &sa);
	admin_stat_at(__FILE__, line, b, topic, &sb);
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
	pp_proc_opts o = admin_proc_opts(7), od = admin_proc_opts(1), on = admin_proc_opts(2);
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
	PP_WAIT_UNTIL(admin_length_of(n.client, "b") == 40, WAIT_MS);

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
	PP_ASSERT_TRUE(!admin_is_listed(m.client, "c-deleted"));
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
	PP_WAIT_UNTIL(admin_first_seq_of(m.client, "b") == 15, WAIT_MS);
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
	before = admin_length_of(n.client, "c");
	PP_PASS(pp_backup(n.client, bdir));
	after = admin_length_of(n.client, "c");
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
	len = admin_length_of(m.client, "c");
	PP_ASSERT_U64_CMP(len, >=, before);
	PP_ASSERT_U64_CMP(len, <=, after);
	PP_ASSERT_U64_EQ(len % BATCH, 0);
	PP_ASSERT_U64_EQ(admin_length_of(m.client, "filler"), 20000);
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

static const pp_test_case cases[] = {
	PP_CASE("a node started on a backup serves the same logs and procs; a "
	    "non-empty target is PP_EEXIST",
	    test_backup_restore, 30),
	PP_CASE("a backup taken while another thread commits is one consistent "
	    "moment",
	    test_backup_while_committing, 30),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
