/*
 * group_commit_test.c - the writer's group commit with many clients
 * (docs/DESIGN.md §7, issue 15): clients that wait at once share one
 * transaction and its sync, which the node's own count of groups
 * (pp_stats' group_sizes) shows, and every commit acknowledged in a
 * shared group is stored exactly once, in each client's order.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define CLIENTS    8
#define PER_CLIENT 150

typedef struct committer {
	const char *address;
	int         index;
	pp_id       ids[PER_CLIENT];
	int         rv;
} committer;

static void *
committer_main(void *arg)
{
	committer *c = arg;
	pp_client *client;
	char       body[32];
	pp_record  r = { .topic = "grouped", .body = body };
	int        i;

	if ((c->rv = pp_connect(c->address, NULL, &client)) != 0) {
		return (NULL);
	}
	for (i = 0; i < PER_CLIENT && c->rv == 0; i++) {
		r.len = (size_t)snprintf(body, sizeof(body), "c%d-%d", c->index,
		    i);
		c->rv = pp_commit(client, &r, 1, &c->ids[i]);
	}
	pp_close(client);
	return (NULL);
}

/* The node's group commits so far, and the requests they held. */
static void
group_totals(pp_client *c, uint64_t *groups, uint64_t *requests)
{
	pp_stats_report     *st;
	const pp_node_stats *ns;

	PP_PASS(pp_stats(c, &st));
	ns        = pp_stats_node(st);
	*groups   = ns->group_sizes.count;
	*requests = ns->group_sizes.sum;
	pp_stats_free(st);
}

static void
test_clients_share_syncs(pp_tnode *n)
{
	static committer cs[CLIENTS];
	pthread_t        th[CLIENTS];
	pp_t_logs        logs;
	uint64_t         groups0, requests0, groups1, requests1;
	int              last[CLIENTS];
	int              k, j;
	size_t           m;

	group_totals(n->client, &groups0, &requests0);
	for (k = 0; k < CLIENTS; k++) {
		cs[k].address = n->address;
		cs[k].index   = k;
		PP_ASSERT_INT_EQ(
		    pthread_create(&th[k], NULL, committer_main, &cs[k]), 0);
	}
	for (k = 0; k < CLIENTS; k++) {
		pthread_join(th[k], NULL);
		PP_PASS(cs[k].rv);
		last[k] = -1;
	}
	group_totals(n->client, &groups1, &requests1);
	pp_t_diag("%" PRIu64 " commits in %" PRIu64 " groups",
	    requests1 - requests0, groups1 - groups0);
	/* Each commit was one request of one group (the count also holds a
	 * few of the node's own: waiting requests it retried)... */
	PP_ASSERT_U64_CMP(requests1 - requests0, >=, CLIENTS * PER_CLIENT);
	PP_ASSERT_U64_CMP(requests1 - requests0, <=, CLIENTS * PER_CLIENT + 8);
	/* ...and while one group synced, the others' requests queued up
	 * and went together: 1.5 requests a group at the very least (a
	 * sync costs tens of µs or more; a request arrives every few). */
	PP_ASSERT_U64_CMP((groups1 - groups0) * 3, <=,
	    (requests1 - requests0) * 2);

	/* Every acknowledged commit once, with its id, in client order. */
	pp_t_read_all(n->client, "grouped", NULL, false, &logs);
	PP_ASSERT_U64_EQ(logs.count, CLIENTS * PER_CLIENT);
	for (m = 0; m < logs.count; m++) {
		if (sscanf(logs.bodies[m], "c%d-%d", &k, &j) != 2 || k < 0 ||
		    k >= CLIENTS) {
			PP_FAIL_AT("unexpected body \"%s\"", logs.bodies[m]);
		}
		PP_ASSERT_INT_EQ(j, last[k] + 1);
		PP_ASSERT_INT_EQ(pp_t_id_cmp(logs.ids[m], cs[k].ids[j]), 0);
		last[k] = j;
	}
	for (k = 0; k < CLIENTS; k++) {
		PP_ASSERT_INT_EQ(last[k], PER_CLIENT - 1);
	}
	pp_t_logs_free(&logs);
}

static const pp_test_case cases[] = {
	PP_NODE_CASE("eight clients committing at once share their syncs, and "
	    "every acknowledged commit is stored once in client order",
	    test_clients_share_syncs, 120),
	PP_CASES_END,
};

int
main(int argc, char **argv)
{
	return (pp_test_main(argc, argv, cases));
}
