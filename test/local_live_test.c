/*
 * local_live_test.c - local reads (issue 15) while the node works: a
 * local reader never sees part of a commit, iterates through GC and
 * retention without errors or disorder, keeps reading while the node
 * grows its map (MDB_MAP_RESIZED), and a reader killed inside a read
 * transaction does not keep the node from reusing freed pages (the
 * node's mdb_reader_check).
 */
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "local_util.h"

/* ---- a committer thread ------------------------------------------------- */

typedef struct committer {
	pthread_t   thr;
	pp_client  *c;
	const char *topic2; /* NULL: one topic */
	size_t      n1, n2; /* logs per commit in "a" and topic2 */
	size_t      body_len;
	size_t      max_commits; /* 0: until stopped */
	bool        stop;        /* atomic */
	size_t      commits;     /* atomic: done so far */
	int         rv;
} committer;

static void *
committer_main(void *arg)
{
	committer *k = arg;
	pp_record  recs[64];
	pp_id      ids[64];
	char      *body = calloc(1, k->body_len + 1);
	size_t     i;

	PP_ASSERT_TRUE(body != NULL && k->n1 + k->n2 <= 64);
	memset(body, 'b', k->body_len);
	for (i = 0; i < k->n1 + k->n2; i++) {
		recs[i].topic = i < k->n1 ? "a" : k->topic2;
		recs[i].body  = body;
		recs[i].len   = k->body_len;
	}
	while (!__atomic_load_n(&k->stop, __ATOMIC_ACQUIRE) &&
	    (k->max_commits == 0 || k->commits < k->max_commits)) {
		if ((k->rv = pp_commit(k->c, recs, k->n1 + k->n2, ids)) != 0) {
			break;
		}
		__atomic_add_fetch(&k->commits, 1, __ATOMIC_RELEASE);
	}
	free(body);
	return NULL;
}

static void
committer_start(committer *k, const char *address)
{
	PP_PASS(pp_connect(address, NULL, &k->c));
	PP_ASSERT_INT_EQ(pthread_create(&k->thr, NULL, committer_main, k), 0);
}

static void
committer_stop(committer *k)
{
	__atomic_store_n(&k->stop, true, __ATOMIC_RELEASE);
	pthread_join(k->thr, NULL);
	PP_PASS(k->rv);
	pp_close(k->c);
}

/* ---- cases -------------------------------------------------------------- */

/* Checks one snapshot of "a" (7 logs a commit) and "b" (3). */
static void
check_whole_commits(pp_client *loc)
{
	pp_topic_list       *l = NULL;
	const pp_topic_info *t;
	pp_range_opts        o;
	pp_result           *r = NULL;
	uint64_t             na = 0, nb = 0, len;
	size_t               i;

	/* One pp_topics page is one transaction: both topics of a commit
	 * or neither. */
	PP_PASS(pp_topics(loc, &l));
	for (i = 0; i < pp_topic_list_count(l); i++) {
		t  = pp_topic_list_get(l, i);
		na = strcmp(t->name, "a") == 0 ? t->count : na;
		nb = strcmp(t->name, "b") == 0 ? t->count : nb;
	}
	pp_topic_list_free(l);
	PP_ASSERT_U64_EQ(na % 7, 0);
	PP_ASSERT_U64_EQ(na / 7, nb / 3);
	PP_ASSERT_U64_EQ(nb % 3, 0);
	PP_PASS(pp_length(loc, "a", &len));
	PP_ASSERT_U64_EQ(len % 7, 0);
	memset(&o, 0, sizeof(o));
	o.limit = 7;
	PP_PASS(pp_revrange(loc, "a", &o, &r));
	if (pp_result_count(r) > 0) {
		PP_ASSERT_U64_EQ(pp_result_count(r), 7);
		PP_ASSERT_U64_EQ(pp_result_log(r, 0)->id.seq % 7, 6);
		for (i = 1; i < 7; i++) {
			PP_ASSERT_U64_EQ(pp_result_log(r, i)->id.ms,
			    pp_result_log(r, 0)->id.ms);
			PP_ASSERT_U64_EQ(pp_result_log(r, i)->id.seq,
			    pp_result_log(r, 0)->id.seq - i);
		}
	}
	pp_result_free(r);
}

static void
test_no_partial_commit(pp_tnode *n)
{
	committer  k;
	pp_client *loc = local_connect(n, false);
	uint64_t   end = pp_t_mono_ms() + 1500;
	size_t     checks = 0;

	memset(&k, 0, sizeof(k));
	k.topic2   = "b";
	k.n1       = 7;
	k.n2       = 3;
	k.body_len = 100;
	committer_start(&k, n->address);
	PP_WAIT_UNTIL(__atomic_load_n(&k.commits, __ATOMIC_ACQUIRE) > 0, 5000);
	while (pp_t_mono_ms() < end) {
		check_whole_commits(loc);
		checks++;
	}
	committer_stop(&k);
	check_whole_commits(loc);
	pp_t_diag("%zu checks during %zu commits", checks, k.commits);
	PP_ASSERT_TRUE(k.commits > 10);
	PP_ASSERT_TRUE(local_reads_locally(n, loc, "a"));
	pp_close(loc);
}

/* Walks "a" with an iterator while logs come and go; ids only grow. */
static size_t
walk_in_order(pp_client *loc)
{
	pp_iter      *it = NULL;
	const pp_log *log;
	pp_id         prev = { 0, 0 };
	size_t        n    = 0;
	int           rv;

	PP_PASS(pp_iter_open(loc, "a", NULL, false, &it));
	while ((rv = pp_iter_next(it, &log)) == 1) {
		if (n > 0 && pp_t_id_cmp(log->id, prev) <= 0) {
			PP_FAIL_AT("iterator went from %llu-%llu to %llu-%llu",
			    (unsigned long long)prev.ms,
			    (unsigned long long)prev.seq,
			    (unsigned long long)log->id.ms,
			    (unsigned long long)log->id.seq);
		}
		prev = log->id;
		if (++n % 16 == 0) {
			pp_t_nap(); /* GC runs between our pages */
		}
	}
	PP_PASS(rv);
	pp_iter_close(it);
	return n;
}

static void
test_gc_while_iterating(pp_tnode *n)
{
	pp_spawn_opts o;
	committer     k;
	pp_tnode      m;
	pp_client    *loc;
	uint64_t      end, first_seq = 0;
	size_t        walks = 0, seen = 0;
	pp_topic_info info;

	(void)n;
	memset(&o, 0, sizeof(o));
	o.is_gc                = true;
	o.gc_interval_ms       = 20;
	o.gc_min_prune_time_ms = 300;
	pp_t_node_init(&m);
	pp_t_node_start(&m, &o);
	loc = local_connect(&m, false);
	memset(&k, 0, sizeof(k));
	k.n1       = 4;
	k.body_len = 64 * 1024; /* about 32 logs a page */
	committer_start(&k, m.address);
	PP_WAIT_UNTIL(__atomic_load_n(&k.commits, __ATOMIC_ACQUIRE) > 0, 5000);
	/* Retention on top of GC: at most 200 logs. */
	PP_PASS(pp_topic_config(m.client, "a", 0, 200, 0));
	end = pp_t_mono_ms() + 2000;
	while (pp_t_mono_ms() < end) {
		seen += walk_in_order(loc);
		walks++;
	}
	committer_stop(&k);
	PP_PASS(pp_topic_stat(loc, "a", &info));
	first_seq = info.first.seq;
	pp_t_diag("%zu walks saw %zu logs; first stored seq %llu", walks,
	    seen, (unsigned long long)first_seq);
	PP_ASSERT_TRUE(first_seq > 0); /* something was collected */
	PP_ASSERT_TRUE(local_reads_locally(&m, loc, "a"));
	pp_close(loc);
	pp_t_node_stop(&m);
}

static void
test_map_growth(pp_tnode *n)
{
	pp_tnode      m;
	committer     k;
	pp_client    *loc, *rem;
	pp_range_opts o;
	pp_result    *r = NULL;
	uint64_t      len, last = 0, rlen;
	size_t        reads = 0;
	struct stat   st;
	char          path[PP_T_PATH + 16];

	(void)n;
	/* The node starts with a 1 MiB map and doubles it as it fills. */
	PP_ASSERT_INT_EQ(setenv("PIPEPROC_MAP_INITIAL_BYTES", "1048576", 1), 0);
	pp_t_node_init(&m);
	pp_t_node_start(&m, NULL);
	loc = local_connect(&m, false);
	rem = local_connect(&m, true);
	pp_t_commit_str(m.client, "a", "first");
	PP_ASSERT_TRUE(local_reads_locally(&m, loc, "a")); /* map opened */
	memset(&k, 0, sizeof(k));
	k.n1          = 8;
	k.body_len    = 64 * 1024;
	k.max_commits = 24; /* 12 MiB: the map grows four times */
	committer_start(&k, m.address);
	memset(&o, 0, sizeof(o));
	o.limit = 1;
	while (__atomic_load_n(&k.commits, __ATOMIC_ACQUIRE) < k.max_commits) {
		PP_PASS(pp_length(loc, "a", &len));
		PP_ASSERT_TRUE(len >= last);
		last = len;
		PP_PASS(pp_revrange(loc, "a", &o, &r));
		PP_ASSERT_U64_EQ(pp_result_count(r), 1);
		pp_result_free(r);
		reads++;
	}
	committer_stop(&k);
	PP_PASS(pp_length(loc, "a", &len));
	PP_PASS(pp_length(rem, "a", &rlen));
	PP_ASSERT_U64_EQ(len, rlen);
	PP_ASSERT_U64_EQ(len, 1 + 8 * 24);
	local_same_iter(__LINE__, loc, rem, "a", NULL, true);
	pp_t_format(path, sizeof(path), "%s/data.mdb", m.dir);
	PP_ASSERT_INT_EQ(stat(path, &st), 0);
	pp_t_diag("%zu local reads while the store grew to %lld bytes", reads,
	    (long long)st.st_size);
	PP_ASSERT_TRUE(st.st_size > 4 * 1048576);
	/* Still reading the store itself, not falling back. */
	PP_ASSERT_TRUE(local_reads_locally(&m, loc, "a"));
	pp_close(loc);
	pp_close(rem);
	pp_t_node_stop(&m);
}

/* A reader that takes a snapshot, says so, and waits to be killed. */
static int
pinning_reader(void *arg, int in_fd, int out_fd)
{
	const char *dir = arg;
	MDB_env    *env;
	MDB_txn    *txn;
	char        c;

	if (mdb_env_create(&env) != 0 || mdb_env_set_maxdbs(env, 8) != 0 ||
	    mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600) != 0 ||
	    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) != 0) {
		return 1;
	}
	pp_t_write_all(out_fd, "ready\n", 6);
	while (read(in_fd, &c, 1) != 0) {
	}
	return 0;
}

static void
test_crashed_reader(void)
{
	const char *extra[] = { "--gc", "--gc-interval", "20",
		"--gc-min-prune-time", "1", NULL };
	pp_tnode    n;
	pp_t_child  kid;
	pp_client  *c;
	pp_record   recs[16];
	pp_id       ids[16];
	static char body[64 * 1024];
	char        line[32], path[PP_T_PATH + 16];
	struct stat st;
	int         round, i;

	/* The node and the reader are forked before this process uses
	 * NNG. */
	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, extra), 0);
	pp_t_child_fork(&kid, pinning_reader, n.dir);
	PP_ASSERT_TRUE(
	    pp_t_read_line(kid.from_fd, line, sizeof(line), 10000) > 0);
	kill(kid.pid, SIGKILL);
	PP_ASSERT_TRUE(pp_t_child_wait(&kid, 10000) != -1);
	/* 40 MiB go through a store that GC keeps empty: with the dead
	 * reader's snapshot pinned, none of the freed pages could be
	 * reused and the file would grow past 40 MiB. */
	c = local_connect(&n, false);
	memset(body, 'p', sizeof(body));
	for (i = 0; i < 16; i++) {
		recs[i].topic = "p";
		recs[i].body  = body;
		recs[i].len   = sizeof(body);
	}
	for (round = 0; round < 40; round++) {
		PP_PASS(pp_commit(c, recs, 16, ids));
		PP_WAIT_UNTIL(pp_t_length(c, "p") == 0, 10000);
	}
	pp_t_format(path, sizeof(path), "%s/data.mdb", n.dir);
	PP_ASSERT_INT_EQ(stat(path, &st), 0);
	pp_t_diag("store after 40 MiB collected: %lld bytes",
	    (long long)st.st_size);
	PP_ASSERT_TRUE(st.st_size < 16 * 1048576);
	pp_close(c);
	pp_t_node_kill(&n, SIGKILL);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("a local reader never sees part of a commit",
	    test_no_partial_commit, 60),
	PP_NODE_CASE("iterating locally through GC and retention keeps id "
	    "order and never fails", test_gc_while_iterating, 60),
	PP_NODE_CASE("local reads go on while the node grows its map",
	    test_map_growth, 60),
	PP_CASE("a reader killed inside a read transaction does not pin "
	    "the store", test_crashed_reader, 90),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return pp_test_main(argc, argv, cases);
}
