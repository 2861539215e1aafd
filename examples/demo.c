/*
 * demo.c - an end-to-end tour of pipeproc; `make demo` runs it.
 *
 * It runs a small two-stage stream-processing pipeline on a private node:
 *
 *   1. spawn a log node with two worker processes on a fresh temporary
 *      directory (pp_spawn, pp_spawn_opts.workers = 2);
 *   2. create three systemProcs, which the workers run with the example
 *      plugins (pp_system_proc):
 *
 *        input --[shout: upper]--> stage1 --[split: fanout]--> archive
 *                                         |                 \-> sizes
 *                                         \--[tally: count]--> summaries
 *
 *      "shout" upper-cases each event; "split" copies each one to
 *      "archive" and writes its length to "sizes"; "tally" writes one
 *      summary line per claim of up to 1,000 logs to "summaries";
 *   3. commit 100,000 click-stream events of about 100 bytes to "input",
 *      in batches of 1,000 (pp_commit_async), while the pipeline already
 *      runs;
 *   4. wait until every proc has acked everything (pp_wait_for_procs),
 *      then print the count of each topic, the end-to-end throughput and
 *      a sample of each topic;
 *   5. read every topic back and check that each stage produced exactly
 *      one output per input, in order (the exit status says whether it
 *      did);
 *   6. stop the node (pp_shutdown; it stops its workers first) and remove
 *      the directory.
 *
 * Programs and plugins: the node is $PIPEPROC_NODE, else pipeproc-node
 * next to this program, else the installed one; the node finds
 * pipeproc-worker through $PIPEPROC_WORKER, else next to itself. The
 * plugins are in $PIPEPROC_PLUGINS, else in the build tree's plugins
 * directory beside this program's bin directory (build/plugins for
 * build/bin/pipeproc-demo). `make demo` sets all three variables.
 *
 * Any error ends the demo with its PP_E* name and exit status 1.
 */
#include <ctype.h>
#include <ftw.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeproc.h"

#define EVENTS  100000
#define BATCH   1000
#define WAIT_MS 120000 /* the whole pipeline, on a slow machine */

/* The topics, in pipeline order. */
static const char *const topics[]
    = { "input", "stage1", "archive", "sizes", "summaries" };
#define NTOPICS (sizeof(topics) / sizeof(topics[0]))

/* The systemProcs (each has one proc of the same name). */
static const char *const stage1_procs[] = { "shout" };
static const char *const all_procs[] = { "shout", "split", "tally" };

/* What the commit callbacks have seen. */
struct tally {
	uint64_t acked;  /* logs the node acknowledged */
	int      status; /* first failure, or 0 */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Report a failed call with its error name and the library's detail. */
static int
fail(const char *what, int rv, pp_client *client)
{
	const char *detail
	    = client != NULL ? pp_client_errmsg(client) : pp_last_errmsg();

	fprintf(stderr, "pipeproc-demo: %s: %s: %s%s%s\n", what, pp_errname(rv),
	    pp_strerror(rv), detail[0] != '\0' ? ": " : "", detail);
	return 1;
}

/* Report a check that did not hold; returns the exit status 1. */
static int
wrong(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pipeproc-demo: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

/*
 * Called once per pp_commit_async(), on a library thread, in call order.
 * pp_flush() returns only after every callback has returned, so the main
 * thread may read the tally after flushing.
 */
static void
on_commit(void *arg, int status, const pp_id *ids, size_t count)
{
	struct tally *tally = arg;

	(void)ids;
	if (status != 0 && tally->status == 0) {
		tally->status = status;
	}
	if (status == 0) {
		tally->acked += count;
	}
}

/* Event n: a deterministic mix of 70% clicks, 25% views, 5% purchases. */
static int
make_event(uint64_t n, char *buf, size_t len)
{
	uint64_t    h = (n + 1) * 0x9E3779B97F4A7C15u; /* a cheap hash */
	unsigned    pick = (unsigned)(h >> 40) % 100;
	const char *kind = pick < 70 ? "click"
	    : pick < 95              ? "view"
	                             : "purchase";

	return snprintf(buf, len,
	    "{\"n\":%" PRIu64 ",\"kind\":\"%s\",\"user\":\"u%04u\","
	    "\"session\":\"%08x\",\"page\":\"/products/%05u\"}",
	    n, kind, (unsigned)(h >> 12) % 5000, (unsigned)(h >> 24),
	    (unsigned)(h >> 30) % 20000);
}

/*
 * The directory that holds the example plugins: $PIPEPROC_PLUGINS, else
 * DIR/../plugins or DIR/plugins where DIR holds this program. Returns
 * false when none has upper.so.
 */
static bool
find_plugins(char *dir, size_t len)
{
	static const char *const rel[] = { "/../plugins", "/plugins" };
	const char              *env = getenv("PIPEPROC_PLUGINS");
	char                     exe[PATH_MAX];
	char                     probe[PATH_MAX + 32];
	char                    *slash;
	ssize_t                  n;
	size_t                   k;

	if (env != NULL && env[0] != '\0') {
		snprintf(dir, len, "%s", env);
		return true;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		return false;
	}
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL) {
		return false;
	}
	*slash = '\0';
	for (k = 0; k < sizeof(rel) / sizeof(rel[0]); k++) {
		snprintf(probe, sizeof(probe), "%s%s/upper.so", exe, rel[k]);
		if (access(probe, R_OK) == 0) {
			*strrchr(probe, '/') = '\0';
			if (strlen(probe) >= len) {
				return false;
			}
			strcpy(dir, probe);
			return true;
		}
	}
	return false;
}

/* pipeproc-node next to this program when $PIPEPROC_NODE is unset (a
 * build tree); NULL (the library's own lookup) otherwise. */
static const char *
find_node(char *buf, size_t len)
{
	const char *env = getenv("PIPEPROC_NODE");
	char       *slash;
	ssize_t     n;

	if (env != NULL && env[0] != '\0') {
		return NULL;
	}
	n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0) {
		return NULL;
	}
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL
	    || (size_t)(slash - buf) + sizeof("/pipeproc-node") > len) {
		return NULL;
	}
	strcpy(slash, "/pipeproc-node");
	return access(buf, X_OK) == 0 ? buf : NULL;
}

/* Create the systemProc `name` reading `from`, writing `to`. */
static int
make_system_proc(pp_client *client, const char *name, const char *from,
    const char *const *to, size_t nto, const char *plugins, const char *plugin,
    const char *config, uint32_t count)
{
	pp_system_proc_opts opts = { .proc = PP_PROC_OPTS_INIT };
	char                path[PATH_MAX];
	int                 rv;

	snprintf(path, sizeof(path), "%s/%s.so", plugins, plugin);
	opts.from = &from;
	opts.nfrom = 1;
	opts.to = to;
	opts.nto = nto;
	opts.plugin = path;
	opts.config = config;
	opts.proc.count = count;
	if ((rv = pp_system_proc(client, name, &opts, NULL)) != 0) {
		return fail("pp_system_proc", rv, client);
	}
	printf("  %-6s %-7s -> %-16s %-10s %u logs per call%s%s\n", name, from,
	    nto == 2 ? "archive, sizes" : to[0], plugin, count,
	    config[0] != '\0' ? ", config " : "", config);
	return 0;
}

/* 2. The pipeline: three systemProcs on two stages. */
static int
create_pipeline(pp_client *client, const char *plugins)
{
	static const char *const to1[] = { "stage1" };
	static const char *const to2[] = { "archive", "sizes" };
	static const char *const to3[] = { "summaries" };

	printf("pipeline (plugins from %s):\n", plugins);
	if (make_system_proc(
	        client, "shout", "input", to1, 1, plugins, "upper", "", 100)
	        != 0
	    || make_system_proc(client, "split", "stage1", to2, 2, plugins,
	           "fanout", "archive=copy,sizes=length", 100)
	        != 0
	    || make_system_proc(client, "tally", "stage1", to3, 1, plugins,
	           "count", "", 1000)
	        != 0) {
		return 1;
	}
	return 0;
}

/* 3. Commit the events, BATCH per call, and wait for every answer. */
static int
commit_input(pp_client *client)
{
	static pp_record recs[BATCH];
	static char      bodies[BATCH][128];
	struct tally     tally = { 0, 0 };
	uint64_t         n = 0;
	size_t           k;
	int              rv;

	while (n < EVENTS) {
		for (k = 0; k < BATCH && n < EVENTS; k++, n++) {
			recs[k].topic = "input";
			recs[k].body = bodies[k];
			recs[k].len = (size_t)make_event(
			    n, bodies[k], sizeof(bodies[k]));
		}
		/* The library copies the records: the buffers are reused. */
		rv = pp_commit_async(client, recs, k, on_commit, &tally);
		if (rv != 0) {
			return fail("pp_commit_async", rv, client);
		}
	}
	if ((rv = pp_flush(client, -1)) != 0) {
		return fail("pp_flush", rv, client);
	}
	if (tally.status != 0) {
		return fail("commit callback", tally.status, client);
	}
	if (tally.acked != EVENTS) {
		return wrong("input: %" PRIu64 " logs acknowledged, not %d",
		    tally.acked, EVENTS);
	}
	return 0;
}

/* Print each topic's count, checked against what the pipeline must give;
 * summaries hold one line per claim, so their count varies. */
static int
print_counts(pp_client *client)
{
	pp_topic_info info;
	size_t        k;
	int           rv;
	int           status = 0;

	printf("topics:\n");
	for (k = 0; k < NTOPICS; k++) {
		if ((rv = pp_topic_stat(client, topics[k], &info)) != 0) {
			return fail("pp_topic_stat", rv, client);
		}
		printf("  %-10s %7" PRIu64 " logs %10" PRIu64 " bytes\n",
		    info.name, info.count, info.bytes);
		if (strcmp(topics[k], "summaries") != 0
		    && info.count != EVENTS) {
			status = wrong("%s holds %" PRIu64 " logs, not %d",
			    topics[k], info.count, EVENTS);
		}
	}
	return status;
}

/* Print two logs from the middle of each topic. */
static int
print_samples(pp_client *client)
{
	pp_range_opts opts = { .start = ":50000", .limit = 2 };
	pp_range_opts first = { .limit = 2 };
	pp_result    *res;
	const pp_log *log;
	char          id[PP_ID_STRLEN];
	size_t        k, i;
	int           rv;

	printf("samples (two logs of each topic from seq 50000; summaries "
	       "from the start):\n");
	for (k = 0; k < NTOPICS; k++) {
		rv = pp_range(client, topics[k],
		    strcmp(topics[k], "summaries") == 0 ? &first : &opts, &res);
		if (rv != 0) {
			return fail("pp_range", rv, client);
		}
		for (i = 0; i < pp_result_count(res); i++) {
			log = pp_result_log(res, i);
			printf("  %-10s %s  %.*s\n", i == 0 ? topics[k] : "",
			    pp_id_format(log->id, id), (int)log->len,
			    (const char *)log->body);
		}
		pp_result_free(res);
	}
	return 0;
}

/* True when b is a in upper case. */
static bool
is_upper_of(const pp_log *a, const pp_log *b)
{
	const unsigned char *x = a->body;
	const unsigned char *y = b->body;
	size_t               i;

	if (a->len != b->len) {
		return false;
	}
	for (i = 0; i < a->len; i++) {
		if (toupper(x[i]) != y[i]) {
			return false;
		}
	}
	return true;
}

/*
 * 5. Walk input, stage1, archive and sizes side by side: log i of each
 * must derive from input log i. Then add up the summaries' logs= counts.
 */
static int
verify(pp_client *client, uint64_t *summaries_logs)
{
	pp_iter      *it[4] = { NULL, NULL, NULL, NULL };
	const pp_log *log[4];
	char          len_text[32];
	char          text[128];
	const char   *p;
	uint64_t      n = 0;
	int           got[4];
	int           k, rv = 0, status = 0;

	for (k = 0; k < 4 && rv == 0; k++) {
		rv = pp_iter_open(client, topics[k], NULL, false, &it[k]);
	}
	while (rv == 0 && status == 0) {
		for (k = 0; k < 4; k++) {
			got[k] = pp_iter_next(it[k], &log[k]);
			if (got[k] < 0) {
				rv = got[k];
			}
		}
		if (rv != 0 || (got[0] | got[1] | got[2] | got[3]) == 0) {
			break;
		}
		snprintf(len_text, sizeof(len_text), "%zu", log[1]->len);
		if ((got[0] & got[1] & got[2] & got[3]) != 1
		    || !is_upper_of(log[0], log[1])
		    || log[2]->len != log[1]->len
		    || memcmp(log[2]->body, log[1]->body, log[1]->len) != 0
		    || log[3]->len != strlen(len_text)
		    || memcmp(log[3]->body, len_text, log[3]->len) != 0) {
			status = wrong(
			    "log %" PRIu64 " of stage1, archive or "
			    "sizes does not derive from input log %" PRIu64,
			    n, n);
		}
		n++;
	}
	for (k = 0; k < 4; k++) {
		pp_iter_close(it[k]);
	}
	if (rv != 0) {
		return fail("pp_iter", rv, client);
	}
	if (status == 0 && n != EVENTS) {
		status = wrong(
		    "walked %" PRIu64 " logs of each topic, not %d", n, EVENTS);
	}

	*summaries_logs = 0;
	if ((rv = pp_iter_open(client, "summaries", NULL, false, &it[0]))
	    != 0) {
		return fail("pp_iter_open", rv, client);
	}
	while ((rv = pp_iter_next(it[0], &log[0])) == 1) {
		snprintf(text, sizeof(text), "%.*s",
		    (int)(log[0]->len < 127 ? log[0]->len : 127),
		    (const char *)log[0]->body);
		if ((p = strstr(text, "logs=")) != NULL) {
			*summaries_logs += strtoull(p + 5, NULL, 10);
		}
	}
	pp_iter_close(it[0]);
	if (rv != 0) {
		return fail("pp_iter_next", rv, client);
	}
	if (*summaries_logs != EVENTS) {
		status = wrong("the summaries count %" PRIu64 " logs, not %d",
		    *summaries_logs, EVENTS);
	}
	return status;
}

/* Everything between the spawn and the shutdown; the exit status. */
static int
run(pp_client *client, const char *plugins)
{
	double   t0, t_commit, t_stage1, t_done;
	uint64_t summed = 0;
	int      status;
	int      rv;

	if ((status = create_pipeline(client, plugins)) != 0) {
		return status;
	}

	t0 = now_s();
	if ((status = commit_input(client)) != 0) {
		return status;
	}
	t_commit = now_s() - t0;
	printf("committed %d events to input in %.3f s (%.0f logs/s), in "
	       "batches of %d\n",
	    EVENTS, t_commit, EVENTS / t_commit, BATCH);

	/* 4. Stage 1 first, then everything: woken by the acks. */
	if ((rv = pp_wait_for_procs(client, stage1_procs, 1, WAIT_MS)) != 0) {
		return fail("pp_wait_for_procs (stage 1)", rv, client);
	}
	t_stage1 = now_s() - t0;
	if ((rv = pp_wait_for_procs(client, all_procs, 3, WAIT_MS)) != 0) {
		return fail("pp_wait_for_procs", rv, client);
	}
	t_done = now_s() - t0;
	printf("stage 1 done after %.3f s, both stages after %.3f s\n",
	    t_stage1, t_done);
	printf("end to end: %d events through both stages (3 outputs each, "
	       "plus the summaries) in %.3f s = %.0f events/s\n",
	    EVENTS, t_done, EVENTS / t_done);

	if ((status = print_counts(client)) != 0
	    || (status = print_samples(client)) != 0) {
		return status;
	}
	if ((status = verify(client, &summed)) != 0) {
		return status;
	}
	printf("checked: stage1, archive and sizes hold exactly one output "
	       "per input, in input order; the summaries count %" PRIu64
	       " logs\n",
	    summed);

	/* 6. The node stops its workers, drains, syncs and exits. */
	if ((rv = pp_shutdown(client)) != 0) {
		return fail("pp_shutdown", rv, client);
	}
	printf("node and workers stopped\n");
	return 0;
}

static int
remove_entry(const char *path, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb;
	(void)type;
	(void)f;
	return remove(path);
}

int
main(void)
{
	const char   *tmp = getenv("TMPDIR");
	char          dir[256];
	char          data_dir[300];
	char          address[320];
	char          plugins[PATH_MAX];
	char          node[PATH_MAX];
	pp_spawn_opts opts;
	pp_client    *client = NULL;
	int           status;
	int           rv;

	if (!find_plugins(plugins, sizeof(plugins))) {
		fprintf(stderr,
		    "pipeproc-demo: cannot find the example plugins"
		    " (upper.so); build them with make or set "
		    "PIPEPROC_PLUGINS\n");
		return 1;
	}

	/* 1. A fresh directory for the data and the socket. */
	if (tmp == NULL || tmp[0] == '\0' || strlen(tmp) > 60) {
		tmp = "/tmp"; /* socket paths are short */
	}
	snprintf(dir, sizeof(dir), "%s/pipeproc-demo.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL) {
		perror("pipeproc-demo: mkdtemp");
		return 1;
	}
	snprintf(data_dir, sizeof(data_dir), "%s/data", dir);
	snprintf(address, sizeof(address), "ipc://%s/node.sock", dir);

	memset(&opts, 0, sizeof(opts)); /* zero means default everywhere */
	opts.node_path = find_node(node, sizeof(node));
	opts.data_dir = data_dir;
	opts.address = address;
	opts.workers = 2;
	if ((rv = pp_spawn(&opts, &client)) != 0) {
		status = fail("pp_spawn", rv, NULL);
	} else {
		printf("pipeproc %s: node with 2 workers listening on %s\n",
		    pp_version(), address);
		status = run(client, plugins);
		if (status != 0) {
			pp_shutdown(client); /* best effort before cleanup */
		}
		pp_close(client);
	}
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (status == 0) {
		printf("removed %s; done\n", dir);
	}
	return status;
}
