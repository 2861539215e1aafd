/*
 * node_id_test.c - the node's stable id (issue 12 item 2): made at store
 * creation (32 lowercase hex digits), shown by pp_stats, unchanged across
 * a restart, a kill -9 and a backup restored into a new directory,
 * different for another store, and handed to workers and their plugins
 * as PIPEPROC_NODE_ID.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "system_util.h"

/* The node's id, from pp_stats, into id (33 bytes); checks its form. */
static void
node_id(pp_client *c, char *id)
{
	pp_stats_report     *st;
	const pp_node_stats *ns;
	size_t               i;
	char                *json;

	PP_PASS(pp_stats(c, &st));
	ns = pp_stats_node(st);
	PP_ASSERT_INT_EQ(strlen(ns->node_id), 32);
	for (i = 0; i < 32; i++) {
		if (strchr("0123456789abcdef", ns->node_id[i]) == NULL) {
			PP_FAIL_AT("node id '%s' is not hex", ns->node_id);
		}
	}
	memcpy(id, ns->node_id, 33);
	/* The JSON of `pipeproc stats` carries it too. */
	PP_PASS(pp_stats_json(st, &json));
	{
		char want[64];

		pp_t_format(want, sizeof(want), "\"node_id\":\"%s\"", id);
		PP_ASSERT_TRUE(strstr(json, want) != NULL);
	}
	free(json);
	pp_stats_free(st);
}

static void
test_stable(void)
{
	static const char *const extra[] = { "--workers", "0", NULL };
	pp_tnode    n, b, other;
	pp_client  *c;
	char        first[33], again[33], id[33];
	char        backup[PP_T_PATH];

	pp_t_node_init(&n);
	pp_t_node_start(&n, NULL);
	node_id(n.client, first);
	pp_t_commit_str(n.client, "t", "x");
	pp_t_format(backup, sizeof(backup), "%s/backup", pp_t_root());
	PP_PASS(pp_backup(n.client, backup));
	pp_t_node_stop(&n);

	/* A restart keeps it. */
	pp_t_node_start(&n, NULL);
	node_id(n.client, again);
	PP_ASSERT_STR_EQ(again, first);
	pp_t_node_stop(&n);

	/* So does a kill -9. */
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, extra), 0);
	c = pp_t_connect(n.address);
	node_id(c, again);
	PP_ASSERT_STR_EQ(again, first);
	pp_close(c);
	pp_t_node_kill(&n, SIGKILL);
	PP_ASSERT_INT_EQ(pp_t_node_exec(&n, extra), 0);
	c = pp_t_connect(n.address);
	node_id(c, again);
	PP_ASSERT_STR_EQ(again, first);
	pp_close(c);
	pp_t_node_kill(&n, SIGTERM);
	PP_ASSERT_TRUE(pp_t_node_wait(&n, 10000) != -1);

	/* A backup restored into another directory is the same node. */
	pp_t_node_init(&b);
	pp_t_format(b.dir, sizeof(b.dir), "%s", backup);
	pp_t_node_start(&b, NULL);
	node_id(b.client, id);
	PP_ASSERT_STR_EQ(id, first);
	PP_ASSERT_U64_EQ(pp_t_length(b.client, "t"), 1);
	pp_t_node_stop(&b);

	/* Another store is another node. */
	pp_t_node_init(&other);
	pp_t_node_start(&other, NULL);
	node_id(other.client, id);
	PP_ASSERT_TRUE(strcmp(id, first) != 0);
	pp_t_node_stop(&other);
}

static void
test_workers(void)
{
	static const char *const in[]  = { "in" };
	static const char *const out[] = { "out" };
	pp_spawn_opts            so    = system_spawn_opts(1, 1, 0);
	pp_system_proc_opts      o;
	const char              *plugin = system_test_plugin("node_id", 0);
	pp_tnode                 n;
	pp_t_logs                logs;
	char                     id[33];

	if (plugin == NULL) {
		PP_FAIL_AT("build/test/plugins/node_id.so is not built");
	}
	pp_t_node_init(&n);
	pp_t_node_start(&n, &so);
	node_id(n.client, id);
	o = system_opts(in, 1, out, 1, plugin, NULL);
	SYSTEM_CREATE(n.client, "ids", &o);
	pp_t_commit_str(n.client, "in", "x");
	SYSTEM_WAIT_LENGTH(n.client, "out", 1, 20000);
	pp_t_read_all(n.client, "out", NULL, false, &logs);
	PP_ASSERT_STR_EQ(logs.bodies[0], id);
	pp_t_logs_free(&logs);
	pp_t_node_stop(&n);
}

static const pp_test_case cases[] = {
	PP_CASE("the node id is made once and kept across restarts, kill -9 "
	    "and a restored backup",
	    test_stable, 60),
	PP_CASE("workers see the node id as PIPEPROC_NODE_ID",
	    test_workers, 60),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
