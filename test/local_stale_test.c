/*
 * local_stale_test.c - a client reading a node's store itself (local
 * reads, DESIGN §8) never reads a store that was replaced under it:
 * the node is killed or stopped, its directory
 * removed, and a new node starts at the same path and address with other
 * data. The old client, whose socket redials that address, must then get
 * the new data (through requests), and while no node serves the path,
 * an error, never the deleted store's logs. A client connecting anew
 * reads the new store locally again.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "local_util.h"

/* rm -rf of a data directory (two levels are enough for a store). */
static void
remove_tree(const char *dir)
{
	char cmd[PP_T_PATH + 32];

	pp_t_format(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	PP_ASSERT_INT_EQ(system(cmd), 0);
}

/*
 * pp_length of topic on c until it answers (the socket may still be
 * redialing): it must then be want. Errors before that are fine; an
 * answer from the old store is not.
 */
static void
length_becomes(int line, pp_client *c, const char *topic, uint64_t want)
{
	uint64_t end = pp_t_mono_ms() + (uint64_t) pp_t_scaled(15000);
	uint64_t count;
	int      rv;

	for (;;) {
		rv = pp_length(c, topic, &count);
		if (rv == 0) {
			if (count != want) {
				pp_t_fail(__FILE__, line,
				    "%s: length %llu, expected %llu (a stale "
				    "store?)",
				    topic, (unsigned long long) count,
				    (unsigned long long) want);
			}
			return;
		}
		if (rv != PP_ETIMEDOUT && rv != PP_ECLOSED &&
		    rv != PP_ENOTCONN && rv != PP_ECONNREFUSED) {
			pp_t_fail(__FILE__, line, "%s: %s", topic,
			    pp_errname(rv));
		}
		if (pp_t_mono_ms() > end) {
			pp_t_fail(__FILE__, line, "%s: no answer in time",
			    topic);
		}
	}
}

/* The bodies of topic on c, joined by ',', into buf. */
static void
bodies_of(pp_client *c, const char *topic, char *buf, size_t len)
{
	pp_result *r = NULL;
	size_t     i, at = 0;

	PP_PASS(pp_range(c, topic, NULL, &r));
	buf[0] = '\0';
	for (i = 0; i < pp_result_count(r); i++) {
		const pp_log *log = pp_result_log(r, i);

		at += (size_t) snprintf(buf + at, len - at, "%s%.*s",
		    i > 0 ? "," : "", (int) log->len, (const char *) log->body);
	}
	pp_result_free(r);
}

/* Kill (sig) or stop the node, remove its directory, and check that the
 * old client c, reading locally before, answers nothing from it. */
static void
replace_store(pp_tnode *n, pp_client *c, int sig)
{
	uint64_t count;
	int      rv;

	pp_t_node_kill(n, sig);
	if (sig != SIGKILL) {
		PP_ASSERT_TRUE(pp_t_node_wait(n, 10000) != -1);
	}
	remove_tree(n->dir);
	/* No node, no store: an error, not the deleted logs. */
	rv = pp_length(c, "t", &count);
	if (rv == 0) {
		PP_FAIL_AT("length %llu from a deleted store",
		    (unsigned long long) count);
	}
	PP_ASSERT_TRUE(rv == PP_ETIMEDOUT || rv == PP_ECLOSED ||
	    rv == PP_ENOTCONN || rv == PP_ECONNREFUSED);
}

static void
stale_after(int sig)
{
	pp_tnode   n;
	pp_client *c, *d;
	char       got[256];

	pp_t_node_init(&n);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, NULL), 0);
	c = local_connect(&n, false);
	pp_t_commit_str(c, "t", "old1");
	pp_t_commit_str(c, "t", "old2");
	pp_t_commit_str(c, "gone", "x");
	PP_ASSERT_U64_EQ(pp_t_length(c, "t"), 2);
	PP_ASSERT_TRUE(local_reads_locally(&n, c, "t"));

	replace_store(&n, c, sig);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, NULL), 0);
	d = local_connect(&n, false);
	pp_t_commit_str(d, "t", "new1");
	pp_t_commit_str(d, "fresh", "y");

	/* The old client sees the new store only. */
	length_becomes(__LINE__, c, "t", 1);
	bodies_of(c, "t", got, sizeof(got));
	PP_ASSERT_STR_EQ(got, "new1");
	PP_FAIL(pp_length(c, "gone", &(uint64_t) { 0 }), PP_ENOTOPIC);
	PP_ASSERT_U64_EQ(pp_t_length(c, "fresh"), 1);
	/* ... and a client connecting anew reads it locally. */
	PP_ASSERT_TRUE(local_reads_locally(&n, d, "t"));
	PP_ASSERT_U64_EQ(pp_t_length(d, "t"), 1);
	pp_close(d);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_TRUE(pp_t_node_wait(&n, 10000) != -1);
}

static void
test_after_kill9(void)
{
	stale_after(SIGKILL);
}

static void
test_after_stop(void)
{
	stale_after(SIGTERM);
}

static const pp_test_case cases[] = {
	PP_CASE("kill -9, directory removed, new node at the path: the old "
	        "client reads the new data, never the old",
	    test_after_kill9, 90),
	PP_CASE("stop, directory removed, new node at the path: the same",
	    test_after_stop, 90),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return pp_test_main(argc, argv, cases);
}
