/*
 * soak.c - pipeproc-soak: N cycles of load, kill -9 of the node at a
 * random moment and restart on the same data directory; then the audit
 * (soak.h). Prints one JSON line and exits 1 on any finding.
 *
 *   pipeproc-soak [--cycles N] [--clients K] [--seed S] [--sync MODE]
 *                 [--node PATH] [--dir DIR] [--min-ms MS] [--max-ms MS]
 */
#include <ftw.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "soak.h"

typedef struct options {
	long        cycles, clients, min_ms, max_ms;
	uint64_t    seed;
	const char *sync, *node, *dir;
} options;

static int
usage(void)
{
	fprintf(stderr,
	    "usage: pipeproc-soak [--cycles N] [--clients K] [--seed S]\n"
	    "         [--sync always|interval:MS|none] [--node PATH] "
	    "[--dir DIR]\n"
	    "         [--min-ms MS] [--max-ms MS]\n");
	return 2;
}

static int
parse(int argc, char **argv, options *o)
{
	int i;

	*o = (options){ .cycles = 20, .clients = 4, .min_ms = 50,
		.max_ms = 500, .seed = (uint64_t) time(NULL), .sync = "always",
		.node = getenv("PIPEPROC_NODE"), .dir = NULL };
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v == NULL) {
			return -1;
		}
		if (strcmp(a, "--cycles") == 0) {
			o->cycles = strtol(v, NULL, 10);
		} else if (strcmp(a, "--clients") == 0) {
			o->clients = strtol(v, NULL, 10);
		} else if (strcmp(a, "--seed") == 0) {
			o->seed = strtoull(v, NULL, 10);
		} else if (strcmp(a, "--sync") == 0) {
			o->sync = v;
		} else if (strcmp(a, "--node") == 0) {
			o->node = v;
		} else if (strcmp(a, "--dir") == 0) {
			o->dir = v;
		} else if (strcmp(a, "--min-ms") == 0) {
			o->min_ms = strtol(v, NULL, 10);
		} else if (strcmp(a, "--max-ms") == 0) {
			o->max_ms = strtol(v, NULL, 10);
		} else {
			return -1;
		}
		i++;
	}
	if (o->cycles < 0 || o->min_ms < 1 || o->max_ms < o->min_ms ||
	    o->node == NULL) {
		return -1;
	}
	return 0;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void) st;
	(void) flag;
	(void) f;
	return remove(path);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0) {
	}
}

int
main(int argc, char **argv)
{
	char       tmpl[4096];
	bool       is_own_dir = false;
	options    o;
	soak_node  node;
	soak_run   run;
	soak_audit audit;
	uint64_t   rng;
	long       cycle;
	int        rv;

	if (parse(argc, argv, &o) != 0) {
		return usage();
	}
	signal(SIGPIPE, SIG_IGN);
	if (o.dir == NULL) {
		snprintf(tmpl, sizeof(tmpl), "%s/pp-soak.XXXXXX",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if ((o.dir = mkdtemp(tmpl)) == NULL) {
			perror("soak: mkdtemp");
			return 1;
		}
		is_own_dir = true;
	}
	memset(&node, 0, sizeof(node));
	node.path = o.node;
	node.dir  = o.dir;
	node.sync = o.sync;
	snprintf(node.address, sizeof(node.address), "ipc://%s/node.sock",
	    o.dir);
	memset(&run, 0, sizeof(run));
	pthread_mutex_init(&run.ledger.mu, NULL);
	run.address = node.address;
	run.clients = (int) o.clients;
	run.seed    = o.seed;
	rng         = o.seed;
	if (soak_node_start(&node) != 0 || soak_clients_start(&run) != 0) {
		soak_node_kill(&node, SIGKILL);
		return 1;
	}
	for (cycle = 0; cycle < o.cycles; cycle++) {
		sleep_ms(o.min_ms +
		    (long)(soak_rand(&rng) % (uint64_t)(o.max_ms - o.min_ms + 1)));
		soak_node_kill(&node, SIGKILL);
		if (soak_node_start(&node) != 0) {
			fprintf(stderr, "soak: restart %ld failed\n", cycle + 1);
			return 1;
		}
	}
	/* Let the clients catch up with the last restart, then stop. */
	sleep_ms(o.max_ms);
	soak_clients_stop(&run);
	rv = soak_audit_run(node.address, &run.ledger, &audit);
	soak_node_kill(&node, SIGTERM);
	if (rv != 0) {
		fprintf(stderr, "soak: audit: %s\n", pp_errname(rv));
		return 1;
	}
	printf("{\"cycles\":%ld,\"clients\":%ld,\"sync\":\"%s\",\"seed\":%" PRIu64
	       ",\"acked_logs\":%zu,\"stored_logs\":%" PRIu64
	       ",\"failed_calls\":%llu,\"acks\":%llu,\"lost\":%" PRIu64
	       ",\"doubled\":%" PRIu64 ",\"disorder\":%" PRIu64
	       ",\"ack_backwards\":%llu}\n",
	    o.cycles, o.clients, o.sync, o.seed, run.ledger.count, audit.stored,
	    (unsigned long long) atomic_load(&run.calls_failed),
	    (unsigned long long) atomic_load(&run.acks), audit.lost,
	    audit.doubled, audit.disorder,
	    (unsigned long long) atomic_load(&run.ack_backwards));
	free(run.ledger.v);
	if (is_own_dir) {
		nftw(o.dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	}
	return audit.lost || audit.doubled || audit.disorder ||
	    atomic_load(&run.ack_backwards) || run.ledger.count == 0;
}
